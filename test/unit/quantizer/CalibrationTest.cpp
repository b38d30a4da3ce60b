//===- CalibrationTest.cpp - statistics and threshold methods ------------===//
#include "QuantizerTestUtil.h"

#include "quantizer/Calibration.h"

#include <random>

using namespace onntc;
using onntc::test::TempDir;

static TensorStats gaussian(size_t n, uint32_t seed, double sigma = 1.0) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.f, float(sigma));
  std::vector<float> v(n);
  for (float &x : v)
    x = dist(rng);
  TensorStats s;
  // In several batches, so that the histogram range grows on the way.
  for (size_t i = 0; i < n; i += n / 8)
    s.add(v.data() + i, std::min(n / 8, n - i));
  return s;
}

TEST_CASE("MAX is the abs-max; min, max and count are exact") {
  std::vector<float> v = {0.5f, -3.25f, 2.f, 0.f};
  TensorStats s;
  s.add(v.data(), 2);
  s.add(v.data() + 2, 2);
  CHECK(s.min() == -3.25f);
  CHECK(s.max() == 2.f);
  CHECK(s.count() == 4);
  CHECK(computeThreshold(s, ThMethod::Max) == 3.25);
  CHECK(s.histogramCount() == 3); // the exact zero is not in it
}

TEST_CASE("histogram range grows by doubling with exact bin edges") {
  TensorStats s;
  std::vector<float> a = {1.f, 0.25f};
  s.add(a.data(), 2);
  CHECK(s.range() == 1.0);
  std::vector<float> b = {-3.f};
  s.add(b.data(), 1);
  CHECK(s.range() == 4.0); // 1 -> 2 -> 4
  // 0.25 was in bin 512 of [0,1); in [0,4) it is bin 128.
  CHECK(s.histogram()[128] == 1);
  CHECK(s.histogram()[511] == 1); // 1.0 was in the top bin (2047), /4
  CHECK(s.histogram()[1536] == 1); // 3.0
}

TEST_CASE("PERCENTILE9999 is exact on a known histogram") {
  // 10,000 values: 9,999 of them in [0, 1), one outlier at 100. The 99.99th
  // percentile is reached at the top of the bin holding the values < 1.
  std::vector<float> v(10000, 0.5f);
  v.back() = 100.f;
  TensorStats s;
  s.add(v.data(), v.size());
  double w = 100.0 / kHistogramBins;
  CHECK(computeThreshold(s, ThMethod::Percentile9999) == Approx(11 * w));
  // Directly on a histogram: 10,000 counts in bin 0..9999 one each -> the
  // 9,999th value ends bin 9998.
  std::vector<uint64_t> h(10000, 1);
  CHECK(thresholdPercentile(h, 1.0, 0.9999) == 9999.0);
}

TEST_CASE("KL on a Gaussian clips the far tail, below the abs-max") {
  // TensorRT-style KL with 128 levels on 1M N(0, 2^2) samples: an
  // independent numpy implementation of the same algorithm (exact range, no
  // growth) gives 4.73 sigma for 1M N(0,1) samples (abs-max 5.04 sigma). The
  // band allows for the grown histogram range.
  for (uint32_t seed : {1u, 2u}) {
    TensorStats s = gaussian(1 << 20, seed, 2.0);
    double t = computeThreshold(s, ThMethod::KL);
    INFO("seed " << seed << " threshold " << t << " absmax " << s.absMax());
    CHECK(t > 4.0 * 2.0);
    CHECK(t < 4.9 * 2.0);
    CHECK(t < 0.95 * s.absMax());
  }
}

TEST_CASE("exact zeros (ReLU outputs) do not pull thresholds down") {
  // relu(N(0,1)): half the values are exact zeros. Thresholds must equal
  // those of the positive half alone; with the zero spike in the histogram
  // KL picked ~1.6 where the tail reaches ~5 (ResNet-18 output cosine 0.71).
  std::mt19937 rng(9);
  std::normal_distribution<float> dist(0.f, 1.f);
  std::vector<float> relu, pos;
  for (int i = 0; i < (1 << 20); ++i) {
    float x = dist(rng);
    relu.push_back(std::max(x, 0.f));
    if (x > 0)
      pos.push_back(x);
  }
  TensorStats a, b;
  a.add(relu.data(), relu.size());
  b.add(pos.data(), pos.size());
  CHECK(a.histogram() == b.histogram());
  for (ThMethod m : {ThMethod::KL, ThMethod::Mse, ThMethod::Percentile9999}) {
    INFO(thMethodName(m).str());
    CHECK(computeThreshold(a, m) == computeThreshold(b, m));
    CHECK(computeThreshold(a, m) > 3.5);
  }
}

TEST_CASE("KL cuts off a few far outliers") {
  // 1M values uniform in [0, 1) and 10 at +-100: the bulk fills only the
  // first 21 of 2048 bins (width 100/2048), so KL picks its smallest
  // candidate, 128 bins: threshold (128 + 0.5) * width, where MAX keeps 100.
  std::vector<float> v(1 << 20);
  for (size_t i = 0; i < v.size(); ++i)
    v[i] = float(i) / float(v.size());
  for (int i = 0; i < 10; ++i)
    v[i * 1000] = i % 2 ? 100.f : -100.f;
  TensorStats s;
  s.add(v.data(), v.size());
  CHECK(computeThreshold(s, ThMethod::KL) == Approx(128.5 * 100.0 / 2048));
  CHECK(computeThreshold(s, ThMethod::Max) == 100.0);
  // PERCENTILE9999 ignores the 10 outliers too (10 < 0.01% of 1M values):
  // the top of the bin holding 1.0.
  CHECK(computeThreshold(s, ThMethod::Percentile9999) == Approx(21 * 100.0 / 2048));
}

TEST_CASE("MSE (Octav) on a Gaussian clips near the known optimum") {
  // For 8 bits and a unit Gaussian the MSE-optimal clip is 4.0 sigma (a
  // brute-force search over s of E[clip error] + s^2 4^-8/3 P(|x|<=s) on
  // the same kind of sample gives 4.00; Octav's fixed point 3.996).
  TensorStats s = gaussian(1 << 20, 3);
  double t = computeThreshold(s, ThMethod::Mse);
  INFO("threshold " << t);
  CHECK(t > 3.85);
  CHECK(t < 4.15);
  // A uniform distribution has nothing to clip: MSE keeps (nearly) all.
  std::vector<float> u(100000);
  for (size_t i = 0; i < u.size(); ++i)
    u[i] = float(i) / float(u.size());
  TensorStats su;
  su.add(u.data(), u.size());
  CHECK(computeThreshold(su, ThMethod::Mse) > 0.95);
  CHECK(computeThreshold(su, ThMethod::KL) > 0.9);
}

TEST_CASE("KL over fewer values than bins keeps the abs-max") {
  std::vector<float> v = {0.5f, 0.6f, 0.7f, 1.9f, -0.2f};
  TensorStats s;
  s.add(v.data(), 2);
  s.add(v.data() + 2, 3); // the range grows: 0.6 -> 2.4
  CHECK(computeThreshold(s, ThMethod::KL) == Approx(1.9));
  // The bare algorithm on that histogram picks its smallest cut-off, 128.5
  // bins, which clips every value: why computeThreshold does not use it.
  CHECK(thresholdKL(s.histogram(), s.binWidth()) < 0.5);
}

TEST_CASE("thresholds of an all-zero tensor are 0") {
  std::vector<float> z(100, 0.f);
  TensorStats s;
  s.add(z.data(), z.size());
  for (ThMethod m : {ThMethod::KL, ThMethod::Max, ThMethod::Mse,
                     ThMethod::Percentile9999})
    CHECK(computeThreshold(s, m) == 0);
}

TEST_CASE("method names parse both ways") {
  for (ThMethod m : {ThMethod::KL, ThMethod::Max, ThMethod::Mse,
                     ThMethod::Percentile9999})
    CHECK(parseThMethod(thMethodName(m)) == m);
  CHECK(parseThMethod("kl") == ThMethod::KL);
  CHECK(!parseThMethod("ADMM"));
}

TEST_CASE("-dump_dist / -load_dist round trip, and merge") {
  TempDir t;
  CalibrationStats cs;
  cs.samples = 3;
  cs.tensors.emplace("a", gaussian(4096, 5));
  std::vector<float> v = {1.f, -2.f};
  TensorStats b;
  b.add(v.data(), 2);
  cs.tensors.emplace("b", b);
  REQUIRE(!llvm::errorToBool(saveStats(cs, t / "d.json")));
  auto back = loadStats(t / "d.json");
  REQUIRE(!!back);
  CHECK(back->samples == 3);
  REQUIRE(back->tensors.size() == 2);
  const TensorStats &a0 = cs.tensors.at("a"), &a1 = back->tensors.at("a");
  CHECK(a1.histogram() == a0.histogram());
  CHECK(a1.range() == a0.range());
  CHECK(a1.min() == a0.min());
  CHECK(computeThreshold(a1, ThMethod::KL) == computeThreshold(a0, ThMethod::KL));

  TensorStats m = a0;
  m.merge(b);
  CHECK(m.count() == a0.count() + 2);
  CHECK(m.min() == std::min(a0.min(), -2.f));

  auto bad = loadStats(t / "missing.json");
  REQUIRE(!bad);
  llvm::consumeError(bad.takeError());
  {
    std::error_code ec;
    llvm::raw_fd_ostream f(t / "junk.json", ec);
    f << "{\"format\": \"other\"}";
  }
  bad = loadStats(t / "junk.json");
  REQUIRE(!bad);
  CHECK(llvm::StringRef(llvm::toString(bad.takeError())).contains("not a distribution file"));
}
