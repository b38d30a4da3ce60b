//===- OnnxImporter.h - ONNX model -> OpenNNTC IR --------------*- C++ -*-===//
//
// Imports ONNX models (ai.onnx opsets 7 to 17) into an IR Module in the
// normalised opset-17 form the IR uses: explicit pads, single-axis softmax,
// reduce/squeeze axes as attributes, Clip/Slice/Pad/Split/TopK operands as
// inputs, Upsample and old Resize as opset-13 Resize. Every IR node carries a
// SourceLoc naming the ONNX node it came from.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_FRONTENDS_ONNX_ONNXIMPORTER_H
#define ONNTC_FRONTENDS_ONNX_ONNXIMPORTER_H

#include "ir/Graph.h"
#include "ir/Tensor.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <string>
#include <vector>

namespace onnx {
class ModelProto;
class TensorProto;
} // namespace onnx

namespace onntc {

/// What the caller (bmneto, the conformance runner, tests) asks of an import.
struct OnnxImportOptions {
  /// One static shape per selected input, in selected-input order. Needed
  /// when an input has a dynamic dimension; when given, it must match the
  /// rank (and the static dims) the model declares.
  std::vector<Shape> shapes;
  /// Selects and orders the network inputs; each must be a graph input of
  /// the model. Empty: every graph input that is not an initializer.
  std::vector<std::string> inputNames;
  /// Any value names of the model to make the network outputs. Empty: the
  /// model's graph outputs. Only the nodes these depend on are imported.
  std::vector<std::string> outputNames;
  /// Runs each new node's shape inference as it is created (later
  /// conversions need the shapes, e.g. auto_pad). Tests of the bare graph
  /// structure may turn it off.
  bool inferTypes = true;
  /// Folds, as nodes are created, Shape/Size of values with static shapes
  /// and nodes whose inputs are all constant (results up to 65,536 elements
  /// or no larger than the inputs). Shape computations (Shape -> Gather ->
  /// Concat -> Reshape) must fold for the rank of later values to be known.
  bool foldConstants = true;
};

/// An error about model content this importer does not handle (an op, an
/// opset, a data type, a domain). Callers may tell it apart from malformed
/// models (the conformance runner counts such models as "unsupported").
class OnnxUnsupportedError : public llvm::ErrorInfo<OnnxUnsupportedError> {
public:
  static char ID;
  explicit OnnxUnsupportedError(std::string msg) : msg_(std::move(msg)) {}
  void log(llvm::raw_ostream &os) const override { os << msg_; }
  std::error_code convertToErrorCode() const override {
    return llvm::inconvertibleErrorCode();
  }

private:
  std::string msg_;
};

/// Reads a model: binary protobuf (.onnx), or ONNX text proto when the file
/// name ends in .onnxtxt / .textproto / .pbtxt.
llvm::Expected<std::unique_ptr<onnx::ModelProto>>
loadOnnxModel(llvm::StringRef path);

/// Imports a loaded model. `path` names the model in locations and errors
/// and locates external tensor data (relative to its directory).
llvm::Expected<std::unique_ptr<Module>>
importOnnxModel(const onnx::ModelProto &model, llvm::StringRef path,
                const OnnxImportOptions &opts);

/// loadOnnxModel + importOnnxModel.
llvm::Expected<std::unique_ptr<Module>>
importOnnxFile(llvm::StringRef path, const OnnxImportOptions &opts);

/// Converts a TensorProto (initializer, Constant value, test data). External
/// data is read relative to `baseDir`. `what` names the tensor in errors.
llvm::Expected<Tensor> tensorFromOnnx(const onnx::TensorProto &t,
                                      llvm::StringRef baseDir,
                                      llvm::StringRef what);

/// Maps an ONNX TensorProto data type to an IR dtype, if the IR has one.
std::optional<DType> dtypeFromOnnx(int onnxType);
/// Name of an ONNX data type ("DOUBLE", "STRING", ...), for messages.
llvm::StringRef onnxTypeName(int onnxType);

/// One row of the op table as shown by `--list_ops`.
struct OnnxOpDesc {
  llvm::StringRef name;
  int minOpset;
};
/// The supported ONNX ops in name order, derived from the op table.
std::vector<OnnxOpDesc> supportedOnnxOps();

/// The oldest and newest ai.onnx opsets the importer accepts.
constexpr int kMinOnnxOpset = 7;
constexpr int kMaxOnnxOpset = 17;

} // namespace onntc

#endif
