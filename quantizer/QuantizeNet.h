//===- QuantizeNet.h - calibrated FP32 net -> INT8 net -----------*- C++ -*-===//
//
// The quantize stage: rewrites a calibrated FP32 module into the quantized
// op family (ir/ops/Quant.def) with every rescale explicit as an integer
// multiplier and shift, the form the BDC INT8 commands compute. Ops with an
// INT8 form become it; data-movement ops and max pooling run on the INT8
// values as they are; element-wise functions of one activation become a
// 256-entry lookup table; everything else stays FP32 between a dequantize
// and a quantize. The rules are docs/int8.md section 2.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_QUANTIZER_QUANTIZENET_H
#define ONNTC_QUANTIZER_QUANTIZENET_H

#include "quantizer/UModel.h"

#include "ir/Graph.h"

#include "llvm/Support/Error.h"

#include <map>
#include <set>
#include <string>

namespace onntc {

struct QuantizeOptions {
  /// Graph inputs / outputs that keep FP32 (the SDK's -input_as_fp32 /
  /// -output_as_fp32 name lists); `all...` for every one. Other inputs
  /// become INT8 with the calibrated scale; other outputs are INT8 when an
  /// INT8 op produces them.
  bool allInputsFp32 = false, allOutputsFp32 = false;
  std::set<std::string> inputsFp32, outputsFp32;
  /// Node names or output value names kept in FP32, besides the activations
  /// the int8umodel marks fp32 (-fpfwd_outputs).
  std::set<std::string> fp32Layers;
};

/// What the stage did, for logs and reports.
struct QuantizeSummary {
  unsigned int8Nodes = 0; ///< Nodes of the quantized family + INT8 moves.
  unsigned fp32Nodes = 0; ///< Nodes left in FP32 (excluding constants).
  unsigned casts = 0;     ///< quantize/dequantize nodes at FP32 boundaries.
  /// Op name -> count of FP32 fallbacks, and why for each node.
  std::map<std::string, unsigned> fp32Ops;
  std::vector<std::string> fp32Reasons;
};

/// Rewrites `m` (an FP32 module whose value names the tables in `u` use) in
/// place. Errors name the node and the missing calibration entry.
llvm::Expected<QuantizeSummary> quantizeModule(Module &m, const UModel &u,
                                               const QuantizeOptions &opts);

/// Parses a -input_as_fp32 / -output_as_fp32 value: "true"/"1"/"all" for
/// every tensor, "false"/"0"/"" for none, else comma-separated names.
void parseFp32List(llvm::StringRef v, bool &all, std::set<std::string> &names);

} // namespace onntc

#endif
