//===- Calibration.cpp - activation statistics ----------------------------===//
#include "quantizer/Calibration.h"

#include "ir/Diagnostics.h"
#include "ir/Weights.h"

#include "llvm/Support/MemoryBuffer.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>

namespace onntc {

void TensorStats::grow(double absMax) {
  if (range_ == 0) {
    range_ = absMax;
    return;
  }
  unsigned k = 0;
  double r = range_;
  while (r < absMax) {
    r *= 2;
    ++k;
  }
  if (k == 0)
    return;
  size_t bins = hist_.size();
  size_t group = size_t(1) << std::min<unsigned>(k, 62);
  std::vector<uint64_t> merged(bins, 0);
  for (size_t i = 0; i < bins; ++i)
    merged[group >= bins ? 0 : i / group] += hist_[i];
  hist_ = std::move(merged);
  range_ = r;
}

void TensorStats::add(const float *x, size_t n) {
  if (n == 0)
    return;
  float lo = x[0], hi = x[0];
  for (size_t i = 1; i < n; ++i) {
    lo = std::min(lo, x[i]);
    hi = std::max(hi, x[i]);
  }
  if (count_ == 0) {
    min_ = lo;
    max_ = hi;
  } else {
    min_ = std::min(min_, lo);
    max_ = std::max(max_, hi);
  }
  count_ += n;
  double am = std::max(-double(lo), double(hi));
  if (!(am > 0) || !std::isfinite(am))
    return; // all zeros: nothing for the histogram
  grow(am);
  const size_t bins = hist_.size();
  const double inv = double(bins) / range_;
  uint64_t *h = hist_.data();
  for (size_t i = 0; i < n; ++i) {
    if (x[i] == 0)
      continue;
    double a = std::fabs(double(x[i])) * inv;
    size_t b = a >= double(bins) ? bins - 1 : size_t(a);
    ++h[b];
  }
}

uint64_t TensorStats::histogramCount() const {
  uint64_t n = 0;
  for (uint64_t v : hist_)
    n += v;
  return n;
}

void TensorStats::merge(const TensorStats &o) {
  assert(o.hist_.size() == hist_.size());
  if (o.count_ == 0)
    return;
  if (count_ == 0) {
    *this = o;
    return;
  }
  min_ = std::min(min_, o.min_);
  max_ = std::max(max_, o.max_);
  count_ += o.count_;
  // Re-bin both onto the larger range by bin centre.
  double r = std::max(range_, o.range_);
  size_t bins = hist_.size();
  std::vector<uint64_t> h(bins, 0);
  for (const TensorStats *s : {static_cast<const TensorStats *>(this), &o}) {
    double ratio = r > 0 ? s->range_ / r : 0;
    for (size_t i = 0; i < bins; ++i)
      h[std::min(bins - 1, size_t((i + 0.5) * ratio))] += s->hist_[i];
  }
  hist_ = std::move(h);
  range_ = r;
}

llvm::Expected<TensorStats> TensorStats::fromParts(float min, float max,
                                                   uint64_t count, double range,
                                                   std::vector<uint64_t> hist) {
  if (hist.empty() || !(range >= 0) || min > max)
    return makeError("inconsistent statistics (empty histogram, negative "
                     "range or min > max)");
  uint64_t sum = 0;
  for (uint64_t v : hist)
    sum += v;
  if (sum > count)
    return makeError("the histogram counts " + llvm::Twine(sum) +
                     " values but the statistics only " + llvm::Twine(count));
  TensorStats s(unsigned(hist.size()));
  s.min_ = min;
  s.max_ = max;
  s.count_ = count;
  s.range_ = range;
  s.hist_ = std::move(hist);
  return s;
}

llvm::Error saveStats(const CalibrationStats &s, llvm::StringRef path) {
  nlohmann::json j;
  j["format"] = "onntc-calibration-distribution";
  j["version"] = 1;
  j["samples"] = s.samples;
  nlohmann::json ts = nlohmann::json::array();
  for (const auto &[name, t] : s.tensors) {
    // Histograms are mostly zeros: store (bin, count) pairs.
    nlohmann::json bins = nlohmann::json::array();
    for (size_t i = 0; i < t.histogram().size(); ++i)
      if (t.histogram()[i])
        bins.push_back({i, t.histogram()[i]});
    ts.push_back({{"name", name},
                  {"min", t.min()},
                  {"max", t.max()},
                  {"count", t.count()},
                  {"range", t.range()},
                  {"bins", t.histogram().size()},
                  {"histogram", bins}});
  }
  j["tensors"] = ts;
  if (llvm::Error e = checkReplaceableTarget(path))
    return e;
  return writeFileAtomically(path, j.dump(1) + "\n");
}

llvm::Expected<CalibrationStats> loadStats(llvm::StringRef path) {
  auto mb = llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!mb)
    return makeError(path + ": cannot read the distribution file: " +
                     mb.getError().message());
  CalibrationStats s;
  try {
    nlohmann::json j = nlohmann::json::parse((*mb)->getBuffer().begin(),
                                             (*mb)->getBuffer().end());
    if (j.value("format", "") != "onntc-calibration-distribution" ||
        j.value("version", 0) != 1)
      return makeError(path + ": not a distribution file written by "
                              "-dump_dist (format/version)");
    s.samples = j.at("samples").get<uint64_t>();
    for (const auto &t : j.at("tensors")) {
      std::string name = t.at("name").get<std::string>();
      size_t bins = t.at("bins").get<size_t>();
      if (bins == 0 || bins > (1u << 24))
        return makeError(path + ": tensor '" + name + "': bad bin count");
      std::vector<uint64_t> hist(bins, 0);
      for (const auto &p : t.at("histogram")) {
        size_t i = p.at(0).get<size_t>();
        if (i >= bins)
          return makeError(path + ": tensor '" + name + "': bin " +
                           llvm::Twine(i) + " out of range");
        hist[i] = p.at(1).get<uint64_t>();
      }
      auto ts = TensorStats::fromParts(
          t.at("min").get<float>(), t.at("max").get<float>(),
          t.at("count").get<uint64_t>(), t.at("range").get<double>(),
          std::move(hist));
      if (!ts)
        return makeError(path + ": tensor '" + name + "': " +
                         llvm::toString(ts.takeError()));
      s.tensors.emplace(name, std::move(*ts));
    }
  } catch (const nlohmann::json::exception &e) {
    return makeError(path + ": not a valid distribution file: " + e.what());
  }
  return s;
}

} // namespace onntc
