//===- TfImporter.h - TensorFlow frozen GraphDef -> OpenNNTC IR -*- C++ -*-===//
//
// Imports a frozen TensorFlow GraphDef (binary `.pb` or TextFormat `.pbtxt`)
// into an IR Module. TensorFlow lays images out NHWC; the IR's convolutions
// and pools are NCHW. The importer converts at the edges: a 4-D network
// input stays NHWC (as the user feeds it) and is transposed once, values
// then flow NCHW through convolutions, pools, batch norms and elementwise
// ops, and go back to NHWC only where TensorFlow semantics need the NHWC
// element order (Reshape, Squeeze, Shape, mixed-layout ConcatV2, ...) and
// at 4-D network outputs.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_FRONTENDS_TENSORFLOW_TFIMPORTER_H
#define ONNTC_FRONTENDS_TENSORFLOW_TFIMPORTER_H

#include "ir/Graph.h"
#include "ir/Tensor.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace onntc {
namespace tfproto {
class GraphDef;
class TensorProto;
} // namespace tfproto

/// What the caller (bmnett, tests, the fuzzer) asks of an import.
struct TfImportOptions {
  /// One static shape per selected input, in selected-input order, in
  /// TensorFlow's layout (NHWC for images). Needed when a Placeholder's
  /// shape is unknown or partly unknown; when given it must agree with the
  /// rank and every known dim of the Placeholder's `shape` attribute.
  std::vector<Shape> shapes;
  /// Selects and orders the network inputs: Placeholder node names. Empty:
  /// every Placeholder the outputs depend on, in graph order.
  std::vector<std::string> inputNames;
  /// Tensor names (`node` or `node:1`) to make the network outputs. Empty:
  /// every node output no other node reads (dangling tensors), skipping
  /// Const/Placeholder/NoOp nodes, in graph order.
  std::vector<std::string> outputNames;
};

/// An error about content the importer does not handle (ops, data types,
/// data formats, patterns), as opposed to a malformed file.
class TfUnsupportedError : public llvm::ErrorInfo<TfUnsupportedError> {
public:
  static char ID;
  explicit TfUnsupportedError(std::string msg) : msg_(std::move(msg)) {}
  void log(llvm::raw_ostream &os) const override { os << msg_; }
  std::error_code convertToErrorCode() const override {
    return llvm::inconvertibleErrorCode();
  }

private:
  std::string msg_;
};

/// Reads a GraphDef: TextFormat when the file name ends in `.pbtxt` (or
/// `.pbtext`, `.txt`), binary otherwise. Unknown fields are skipped.
llvm::Expected<std::unique_ptr<tfproto::GraphDef>>
loadTfGraph(llvm::StringRef path);

/// Parses a GraphDef from memory; `name` stands for the file in errors.
llvm::Expected<std::unique_ptr<tfproto::GraphDef>>
parseTfGraph(llvm::StringRef bytes, llvm::StringRef name, bool text);

/// Imports a loaded graph. `path` names the model in locations and errors.
llvm::Expected<std::unique_ptr<Module>>
importTfGraph(const tfproto::GraphDef &graph, llvm::StringRef path,
              const TfImportOptions &opts);

/// loadTfGraph + importTfGraph.
llvm::Expected<std::unique_ptr<Module>>
importTfFile(llvm::StringRef path, const TfImportOptions &opts);

/// Converts a TensorProto (a Const's `value`). `what` names it in errors.
llvm::Expected<Tensor> tensorFromTf(const tfproto::TensorProto &t,
                                    llvm::StringRef what);

/// Maps a TensorFlow DataType to an IR dtype, if the IR has one (quantized
/// types map to their storage type: DT_QUINT8 -> u8, DT_QINT8 -> i8, ...).
std::optional<DType> dtypeFromTf(int tfType);
/// "DT_FLOAT", "DT_STRING", ..., for messages.
std::string tfTypeName(int tfType);

/// One row of the op table as `--list_ops` and the docs show it.
struct TfOpDesc {
  llvm::StringRef name;
  llvm::StringRef note; ///< how it is imported, one line
};
/// The supported TensorFlow ops in name order, derived from the op table.
std::vector<TfOpDesc> supportedTfOps();

} // namespace onntc

#endif
