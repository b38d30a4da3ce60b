//===- AutoCali.h - one-step calibration: the strategy search --*- C++ -*-===//
//
// What the SDK's `auto_cali` (ufw.cali.cali_model) does between the FP32 net
// and the int8umodel: read calibration images (an image folder, decoded and
// preprocessed here, or an LMDB), split them into calibration and held-out
// test images, collect the activation statistics once, then try quantization
// strategies (threshold method x per-tensor / per-channel weights) and score
// each by the output cosine of the INT8 reference (the quantized net on the
// interpreter, bit-exact with the chip) against FP32 on the test images. When
// none reaches the target, the most sensitive layers are kept in FP32 one at
// a time (ranked by how much cosine each loses along the net) until one
// does or a limit is reached. The tool (tools/auto_cali) adds import,
// files, the compile and the report; docs/umodel.md section "auto_cali".
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_QUANTIZER_AUTOCALI_H
#define ONNTC_QUANTIZER_AUTOCALI_H

#include "quantizer/Calibration.h"
#include "quantizer/Preprocess.h"
#include "quantizer/QuantizeNet.h"
#include "quantizer/UModel.h"

#include "ir/Graph.h"
#include "ir/KernelContext.h"
#include "ir/Tensor.h"

#include "llvm/Support/Error.h"

#include <functional>
#include <string>
#include <vector>

namespace onntc {

/// Where the calibration images come from: exactly one of `imageFolder`
/// (decoded with OpenCV, then `preprocess`) and `lmdb` (Caffe Datum records,
/// then `preprocess`).
struct CaliImageSource {
  std::string imageFolder;
  std::string lmdb;
  Preprocess preprocess;
};

/// Decoded, preprocessed batches for the one NCHW f32 input of a net.
struct CaliBatches {
  std::vector<std::vector<Tensor>> batches; ///< One tensor (the input) each.
  size_t images = 0;                        ///< Images read.
  std::vector<std::string> skipped;         ///< Files that did not decode.
};

/// Reads at most `maxImages` images (whole batches of the input's batch
/// size) from `src` for the single graph input of `g`. Errors name the
/// folder, LMDB or image: a missing or empty folder, an LMDB that does not
/// open, a net whose input is not one static NCHW f32 tensor, a resize that
/// differs from the input's size, an image whose size differs from the
/// input's when no resize is given.
llvm::Expected<CaliBatches> readCaliBatches(const Graph &g,
                                            const CaliImageSource &src,
                                            size_t maxImages);

/// `x` in the shortest %g form (0.99, not 9.900000e-01), for messages.
std::string shortNumber(double x);

/// One quantization strategy.
struct CaliStrategy {
  ThMethod method = ThMethod::KL;
  bool perChannel = false;
  /// Node (or value) names kept in FP32: the user's list first, then the
  /// layers the fallback added.
  std::vector<std::string> fp32Layers;
  /// `KL per_tensor`, plus ` +fp32 [a, b]` when layers fall back.
  std::string name() const;
};

/// The 8 strategies in search order: KL, MAX, PERCENTILE9999, MSE, each
/// per tensor then per channel; every one keeps `fp32Layers` in FP32.
std::vector<CaliStrategy>
defaultStrategies(const std::vector<std::string> &fp32Layers = {});

/// Parses `--try_cali_accuracy_opt`: `-th_method=KL;-per_channel=true;
/// -fpfwd_outputs=a,b` (items split at ';', leading dashes optional).
/// Unknown keys and bad values are errors naming the item.
llvm::Expected<CaliStrategy> parseCaliAccuracyOpt(llvm::StringRef text);

/// The cosine of one layer's output along the net (INT8 reference,
/// dequantized, against FP32) for one strategy.
struct LayerCosine {
  std::string node;  ///< FP32 node name (the input's name for inputs).
  std::string op;    ///< Op name ("input" for graph inputs).
  std::string value; ///< The value compared.
  double cosine = 0; ///< NaN when the INT8 net has no such value (fused).
  bool fp32 = false; ///< The layer runs in FP32 in this strategy.
};

/// A strategy and how it scored.
struct StrategyResult {
  CaliStrategy strategy;
  /// Cosine per graph output over all test images; the score is their
  /// minimum.
  std::vector<double> outputCosines;
  double score = 0;
  std::vector<LayerCosine> layers;
  std::string quantizeSummary;
  bool fallback = false; ///< Made by the FP32 fallback.
};

struct AutoCaliOptions {
  /// Tried in order (a fixed strategy is a list of one).
  std::vector<CaliStrategy> strategies = defaultStrategies();
  double targetCosine = 0.99;
  /// How many layers the fallback may keep in FP32 (0: no fallback).
  unsigned maxFp32Layers = 8;
  /// Candidates the fallback scores per step (the most sensitive ones by
  /// sensitiveLayers); the one that raises the output cosine most is kept.
  unsigned fallbackCandidates = 3;
  /// What the compile will do with inputs and outputs (bmnetu's
  /// --input_as_fp32 / --output_as_fp32), so that the score is the cosine
  /// of the net that is compiled.
  QuantizeOptions quantize;
  /// Progress lines (may be empty).
  std::function<void(const std::string &)> log;
};

struct AutoCaliResult {
  std::vector<StrategyResult> tried; ///< In the order tried.
  size_t chosen = 0;                 ///< Index into `tried`.
  bool reachedTarget = false;
  /// The chosen strategy's int8umodel (module: a copy of the FP32 net).
  UModel int8;
};

/// A deep copy of a module (through its text form).
llvm::Expected<std::unique_ptr<Module>> cloneModule(const Module &m);

/// The int8umodel of `fp32` for one strategy: thresholds from `stats`,
/// weights per channel or per tensor, the strategy's layers marked FP32.
llvm::Expected<UModel> makeInt8UModel(const Module &fp32,
                                      const CalibrationStats &stats,
                                      const CaliStrategy &s);

/// Quantizes a copy of `fp32` with `s` and runs it and the FP32 net on
/// `test` (batches of graph inputs), comparing every output and every
/// layer the INT8 net still names.
llvm::Expected<StrategyResult>
evaluateStrategy(const Module &fp32, const CalibrationStats &stats,
                 const CaliStrategy &s,
                 const std::vector<std::vector<Tensor>> &test,
                 const QuantizeOptions &qo, KernelContext &ctx);

/// The quantized layers (not yet FP32) that lose cosine between their
/// inputs and their output in `r.layers`, most first, at most `k`.
std::vector<std::string> sensitiveLayers(const Graph &fp32,
                                         const StrategyResult &r, size_t k);
/// The first of sensitiveLayers; empty when none loses any.
std::string mostSensitiveLayer(const Graph &fp32, const StrategyResult &r);

/// The whole search (see the file comment).
llvm::Expected<AutoCaliResult>
searchStrategies(const Module &fp32, const CalibrationStats &stats,
                 const std::vector<std::vector<Tensor>> &test,
                 const AutoCaliOptions &opts, KernelContext &ctx);

} // namespace onntc

#endif
