//===- Calibration.h - activation statistics and thresholds ----*- C++ -*-===//
//
// Per-tensor statistics gathered while the FP32 reference runs over the
// calibration set: min, max, abs-max and a histogram of the non-zero |x|
// with 2048 bins
// (tpu-mlir's and the SDK's default), and the threshold methods of
// tpu-mlir's run_calibration: KL (TensorRT-style minimum KL divergence,
// the default), MAX, MSE (Octav's MSE-optimal clipping) and PERCENTILE9999.
//
// The histogram is built in one pass: its range starts at the first batch's
// abs-max and, when a later value exceeds it, doubles (k times) with every
// 2^k neighbouring bins merged into one, so bin edges stay exact and no
// second pass over the data is needed. The final range is at most twice the
// abs-max; see docs/umodel.md.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_QUANTIZER_CALIBRATION_H
#define ONNTC_QUANTIZER_CALIBRATION_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace onntc {

constexpr unsigned kHistogramBins = 2048;

/// Statistics of one tensor over the calibration set.
class TensorStats {
public:
  explicit TensorStats(unsigned bins = kHistogramBins) : hist_(bins, 0) {}
  /// Adds `n` values.
  void add(const float *x, size_t n);
  /// Adds another tensor's statistics (same bin count).
  void merge(const TensorStats &o);

  float min() const { return min_; }
  float max() const { return max_; }
  float absMax() const { return std::max(-min_, max_); }
  uint64_t count() const { return count_; }
  /// Upper edge of the histogram; 0 until a non-zero value was seen.
  double range() const { return range_; }
  double binWidth() const { return range_ / hist_.size(); }
  /// The histogram of the non-zero |x|: exact zeros (half of every ReLU
  /// output) are exactly representable at any scale, carry no error, and
  /// would otherwise dominate the KL and MSE criteria.
  const std::vector<uint64_t> &histogram() const { return hist_; }
  /// Number of values in the histogram (the non-zero ones).
  uint64_t histogramCount() const;

  /// Restores saved statistics (-load_dist); checks consistency.
  static llvm::Expected<TensorStats> fromParts(float min, float max,
                                               uint64_t count, double range,
                                               std::vector<uint64_t> hist);

private:
  void grow(double absMax);
  float min_ = 0, max_ = 0;
  uint64_t count_ = 0;
  double range_ = 0;
  std::vector<uint64_t> hist_;
};

/// Threshold methods (-th_method=).
enum class ThMethod : uint8_t { KL, Max, Mse, Percentile9999 };
std::optional<ThMethod> parseThMethod(llvm::StringRef s);
llvm::StringRef thMethodName(ThMethod m);

/// The clipping threshold for symmetric INT8 (|x| <= threshold maps to
/// [-127, 127]) by method `m`, at most the abs-max. 0 for an all-zero
/// tensor. KL over fewer non-zero values than histogram bins gives the
/// abs-max.
double computeThreshold(const TensorStats &s, ThMethod m);
/// The individual methods, over the |x| histogram (bin i covers
/// [i*w, (i+1)*w) with w = range/bins).
double thresholdKL(const std::vector<uint64_t> &hist, double binWidth,
                   unsigned quantLevels = 128);
double thresholdPercentile(const std::vector<uint64_t> &hist, double binWidth,
                           double fraction);
double thresholdMse(const std::vector<uint64_t> &hist, double binWidth,
                    int bits = 8);

/// Statistics of every observed tensor, keyed by IR value name, plus the
/// number of calibration samples they came from.
struct CalibrationStats {
  std::map<std::string, TensorStats> tensors;
  uint64_t samples = 0;
};

/// -dump_dist / -load_dist: a JSON file (format in docs/umodel.md).
llvm::Error saveStats(const CalibrationStats &s, llvm::StringRef path);
llvm::Expected<CalibrationStats> loadStats(llvm::StringRef path);

} // namespace onntc

#endif
