//===- DarknetImporter.h - Darknet cfg + weights -> OpenNNTC IR -*- C++ -*-===//
//
// Imports a Darknet network for inference. The input is [net]'s
// channels x height x width (batch 1 unless --shapes says otherwise). Each
// [yolo] / [region] layer makes the raw output of the layer before it a
// graph output (box decoding is left to post-processing). BatchNorm is
// folded into the convolution as Darknet computes it: (x - mean) /
// (sqrt(var) + 1e-6) * scale + bias.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_FRONTENDS_DARKNET_DARKNETIMPORTER_H
#define ONNTC_FRONTENDS_DARKNET_DARKNETIMPORTER_H

#include "frontends/darknet/DarknetModel.h"

#include "ir/Graph.h"

#include <memory>

namespace onntc {

struct DarknetImportOptions {
  /// Optional: one shape [N,C,H,W]; C must match [net] channels.
  std::vector<Shape> shapes;
  /// Optional: the input's name (default "data").
  std::vector<std::string> inputNames;
  /// Optional: outputs by layer name (`conv_15`, `route_9`, ...); default:
  /// the inputs of every [yolo]/[region] layer, else the last layer.
  std::vector<std::string> outputNames;
};

/// Imports a parsed cfg with its weights; every float of `weights` must be
/// used (too few or too many is an error naming both files).
llvm::Expected<std::unique_ptr<Module>>
importDarknetModel(const DnCfg &cfg, DnWeights &weights,
                   const DarknetImportOptions &opts);

llvm::Expected<std::unique_ptr<Module>>
importDarknetFiles(llvm::StringRef cfgPath, llvm::StringRef weightsPath,
                   const DarknetImportOptions &opts);

/// The supported section types in sorted order (the importer's table).
std::vector<llvm::StringRef> supportedDarknetSections();
/// The supported activation names in sorted order.
std::vector<llvm::StringRef> supportedDarknetActivations();

/// Darknet's [maxpool] geometry along one axis: `padding` (default size-1)
/// is split as padding/2 before and the rest after; the output extent is
/// (in + padding - size) / stride + 1.
struct DnPoolGeometry {
  int64_t padBegin, padEnd, out;
};
DnPoolGeometry darknetMaxPoolGeometry(int64_t in, int64_t size, int64_t stride,
                                      int64_t padding);

} // namespace onntc

#endif
