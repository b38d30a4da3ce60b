//===- MxnetImporter.h - MXNet symbol + params -> OpenNNTC IR --*- C++ -*-===//
//
// Imports an MXNet checkpoint (`-symbol.json` + `.params`) for inference.
// Null nodes that are not parameters become the network inputs; their
// shapes come from --shapes (or a `__shape__` attribute). Training-only
// parts (SoftmaxOutput labels, Dropout) take their inference meaning.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_FRONTENDS_MXNET_MXNETIMPORTER_H
#define ONNTC_FRONTENDS_MXNET_MXNETIMPORTER_H

#include "frontends/mxnet/MxnetModel.h"

#include "ir/Graph.h"

#include <memory>

namespace onntc {

struct MxnetImportOptions {
  /// One static shape per selected input, in input order.
  std::vector<Shape> shapes;
  /// Selects and orders the inputs (null nodes that are not parameters).
  std::vector<std::string> inputNames;
  /// Outputs by node name (`conv1`) or MXNet output name (`conv1_output`,
  /// `slice_output2`); default: the symbol's heads.
  std::vector<std::string> outputNames;
};

/// Imports a parsed checkpoint. `symbolFile` and `paramsFile` name the files
/// in locations and errors.
llvm::Expected<std::unique_ptr<Module>>
importMxnetModel(const MxSymbol &sym, const MxParams &params,
                 llvm::StringRef symbolFile, llvm::StringRef paramsFile,
                 const MxnetImportOptions &opts);

/// Reads both files and imports them.
llvm::Expected<std::unique_ptr<Module>>
importMxnetFiles(llvm::StringRef symbolPath, llvm::StringRef paramsPath,
                 const MxnetImportOptions &opts);

/// The supported MXNet op names in sorted order (the importer's table).
std::vector<llvm::StringRef> supportedMxnetOps();

/// MXNet's Reshape shape inference: `param` with the special codes 0 (copy),
/// -1 (infer), -2 (copy the rest), -3 (merge two), -4 (split one into the
/// next two values), applied right to left when `reverse`.
llvm::Expected<std::vector<int64_t>>
inferMxnetReshape(llvm::ArrayRef<int64_t> in, llvm::ArrayRef<int64_t> param,
                  bool reverse);

/// Output extent of MXNet pooling along one axis for a convention
/// ("valid": floor, "full": ceil) without clipping windows.
int64_t mxnetPoolExtent(int64_t in, int64_t k, int64_t s, int64_t pad,
                        bool full);

} // namespace onntc

#endif
