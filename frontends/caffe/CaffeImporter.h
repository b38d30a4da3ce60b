//===- CaffeImporter.h - Caffe net -> OpenNNTC IR ---------------*- C++ -*-===//
//
// Imports a Caffe deploy net (.prototxt) with the weights of a .caffemodel
// (deploy or training net; weights are matched to layers by name) into an IR
// Module. Every IR node carries a SourceLoc naming the Caffe layer and type.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_FRONTENDS_CAFFE_CAFFEIMPORTER_H
#define ONNTC_FRONTENDS_CAFFE_CAFFEIMPORTER_H

#include "ir/Graph.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <string>
#include <vector>

namespace onntc_caffe {
class NetParameter;
} // namespace onntc_caffe

namespace onntc {

/// What the caller (bmnetc, tests) asks of an import.
struct CaffeImportOptions {
  /// One shape per selected input, in selected-input order. Needed for data
  /// layers (Data, ImageData, ...), which declare no shape; for declared
  /// inputs it may change the batch (dim 0) only.
  std::vector<Shape> shapes;
  /// Selects and orders the network inputs (Input layer tops, old-style
  /// `input:` names, data layer tops). Empty: all, in declaration order.
  std::vector<std::string> inputNames;
  /// Blob names to make the network outputs. Empty: every blob that no
  /// later layer consumes (training-only layers such as losses and Accuracy
  /// are left out). Only the layers these depend on are imported.
  std::vector<std::string> outputNames;
};

/// An error about content this importer does not handle (layer types and
/// their modes), as opposed to a malformed model.
class CaffeUnsupportedError : public llvm::ErrorInfo<CaffeUnsupportedError> {
public:
  static char ID;
  explicit CaffeUnsupportedError(std::string msg) : msg_(std::move(msg)) {}
  void log(llvm::raw_ostream &os) const override { os << msg_; }
  std::error_code convertToErrorCode() const override {
    return llvm::inconvertibleErrorCode();
  }

private:
  std::string msg_;
};

/// Imports an upgraded deploy net (see CaffeLoader.h). `weights` may be null
/// when the net needs none; `protoPath` / `weightPath` name the files in
/// locations and errors.
llvm::Expected<std::unique_ptr<Module>>
importCaffeNet(const onntc_caffe::NetParameter &deploy,
               const onntc_caffe::NetParameter *weights,
               llvm::StringRef protoPath, llvm::StringRef weightPath,
               const CaffeImportOptions &opts);

/// Loads both files and imports them. An empty `weightPath` is allowed only
/// for nets without weights.
llvm::Expected<std::unique_ptr<Module>>
importCaffeFiles(llvm::StringRef protoPath, llvm::StringRef weightPath,
                 const CaffeImportOptions &opts);

/// One row of the layer table as `--list_ops` shows it.
struct CaffeLayerDesc {
  llvm::StringRef type;
  llvm::StringRef irForm; ///< What the layer becomes in the IR.
};
/// The supported layer types in name order, from the importer's table.
std::vector<CaffeLayerDesc> supportedCaffeLayers();

} // namespace onntc

#endif
