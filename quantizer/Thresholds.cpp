//===- Thresholds.cpp - KL / MAX / MSE / percentile thresholds ------------===//
//
// All methods work on the histogram of |x| (bin i = [i*w, (i+1)*w)).
//
//===----------------------------------------------------------------------===//
#include "quantizer/Calibration.h"

#include "llvm/Support/ErrorHandling.h"

#include <algorithm>
#include <cmath>

namespace onntc {

std::optional<ThMethod> parseThMethod(llvm::StringRef s) {
  std::string u = s.upper();
  if (u == "KL")
    return ThMethod::KL;
  if (u == "MAX")
    return ThMethod::Max;
  if (u == "MSE")
    return ThMethod::Mse;
  if (u == "PERCENTILE9999")
    return ThMethod::Percentile9999;
  return std::nullopt;
}

llvm::StringRef thMethodName(ThMethod m) {
  switch (m) {
  case ThMethod::KL:
    return "KL";
  case ThMethod::Max:
    return "MAX";
  case ThMethod::Mse:
    return "MSE";
  case ThMethod::Percentile9999:
    return "PERCENTILE9999";
  }
  llvm_unreachable("bad ThMethod");
}

double thresholdKL(const std::vector<uint64_t> &hist, double binWidth,
                   unsigned levels) {
  const size_t bins = hist.size();
  size_t last = bins;
  while (last > 0 && hist[last - 1] == 0)
    --last;
  if (last == 0)
    return 0;
  if (last <= levels) // Fewer occupied bins than levels: nothing to clip.
    return last * binWidth;
  // Suffix sums: the mass beyond each cut-off goes into the last kept bin.
  std::vector<double> tail(bins + 1, 0);
  for (size_t i = bins; i-- > 0;)
    tail[i] = tail[i + 1] + double(hist[i]);
  std::vector<double> p, q;
  double best = INFINITY;
  size_t bestI = last;
  for (size_t i = levels; i <= last; ++i) {
    p.assign(hist.begin(), hist.begin() + i);
    p[i - 1] += tail[i];
    // q: the first i bins quantized to `levels` groups, each group's mass
    // spread evenly over its non-empty bins.
    q.assign(i, 0);
    double groupSize = double(i) / levels;
    for (unsigned g = 0; g < levels; ++g) {
      size_t b = size_t(std::floor(g * groupSize));
      size_t e = g + 1 == levels ? i : size_t(std::floor((g + 1) * groupSize));
      double mass = 0;
      size_t nonzero = 0;
      for (size_t k = b; k < e; ++k) {
        mass += double(hist[k]);
        nonzero += hist[k] != 0;
      }
      if (nonzero)
        for (size_t k = b; k < e; ++k)
          if (hist[k])
            q[k] = mass / double(nonzero);
    }
    double ps = 0, qs = 0;
    for (size_t k = 0; k < i; ++k) {
      ps += p[k];
      qs += q[k];
    }
    double kl = 0;
    for (size_t k = 0; k < i; ++k) {
      if (p[k] == 0)
        continue;
      double pk = p[k] / ps;
      double qk = q[k] > 0 ? q[k] / qs : 1e-12;
      kl += pk * std::log(pk / qk);
    }
    if (kl < best) {
      best = kl;
      bestI = i;
    }
  }
  return (double(bestI) + 0.5) * binWidth;
}

double thresholdPercentile(const std::vector<uint64_t> &hist, double binWidth,
                           double fraction) {
  uint64_t total = 0;
  for (uint64_t v : hist)
    total += v;
  if (total == 0)
    return 0;
  double want = fraction * double(total);
  uint64_t acc = 0;
  for (size_t i = 0; i < hist.size(); ++i) {
    acc += hist[i];
    if (double(acc) >= want)
      return double(i + 1) * binWidth;
  }
  return double(hist.size()) * binWidth;
}

double thresholdMse(const std::vector<uint64_t> &hist, double binWidth,
                    int bits) {
  // Octav (Sakr et al.): the clipping s minimising the expected quantization
  // noise (s^2 4^-B / 3 per clipped-in value) plus clipping noise
  // ((|x| - s)^2 per clipped value) is the fixed point of
  // s = E[|x| 1(|x|>s)] / (4^-B/3 P(|x|<=s) + P(|x|>s)); Newton-like
  // iteration from the mean of |x|, at most 20 steps. Values are bin centres.
  size_t last = hist.size();
  while (last > 0 && hist[last - 1] == 0)
    --last;
  if (last == 0)
    return 0;
  double noise = std::pow(4.0, -bits) / 3.0;
  // Start from the mean of |x|, below the optimum: the iteration then climbs
  // to the fixed point (from the abs-max it would stall, nothing being above).
  double sum = 0, count = 0;
  for (size_t i = 0; i < last; ++i) {
    sum += (double(i) + 0.5) * binWidth * double(hist[i]);
    count += double(hist[i]);
  }
  double s = sum / count;
  for (int it = 0; it < 20; ++it) {
    double sumAbove = 0, nAbove = 0, nBelow = 0;
    for (size_t i = 0; i < last; ++i) {
      double x = (double(i) + 0.5) * binWidth;
      if (x > s) {
        sumAbove += x * double(hist[i]);
        nAbove += double(hist[i]);
      } else {
        nBelow += double(hist[i]);
      }
    }
    double next = sumAbove / (noise * nBelow + nAbove);
    if (!(next > 0)) // Nothing above s: s is already the abs-max.
      break;
    if (std::fabs(next - s) <= 1e-6 * s) {
      s = next;
      break;
    }
    s = next;
  }
  return std::min(s, double(last) * binWidth);
}

double computeThreshold(const TensorStats &s, ThMethod m) {
  double absMax = s.absMax();
  if (!(absMax > 0))
    return 0;
  double t = 0;
  switch (m) {
  case ThMethod::Max:
    return absMax;
  case ThMethod::KL:
    // KL compares distributions; over fewer values than bins (a pooled
    // vector seen on a few images) it degenerates to its smallest cut-off,
    // which may clip every value. Such tensors keep their abs-max.
    if (s.histogramCount() < s.histogram().size())
      return absMax;
    t = thresholdKL(s.histogram(), s.binWidth());
    break;
  case ThMethod::Mse:
    t = thresholdMse(s.histogram(), s.binWidth());
    break;
  case ThMethod::Percentile9999:
    t = thresholdPercentile(s.histogram(), s.binWidth(), 0.9999);
    break;
  }
  return std::min(t, absMax);
}

} // namespace onntc
