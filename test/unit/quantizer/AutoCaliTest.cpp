//===- AutoCaliTest.cpp - auto_cali's strategy search on nets whose winner is known -===//
#include "QuantizerTestUtil.h"

#include "quantizer/AutoCali.h"
#include "quantizer/Calibrator.h"

#include "ir/Verifier.h"

#include <cmath>

using namespace onntc;
using namespace onntc::test;

namespace {

/// Adds a 1x1 conv `name` (weights O x I given row-major, zero bias).
Value *conv1x1(Graph &g, Value *x, const std::string &name,
               const std::vector<float> &w, int64_t o, int64_t i) {
  Tensor wt(DType::F32, Shape{o, i, 1, 1});
  for (size_t k = 0; k < w.size(); ++k)
    wt.data<float>()[k] = w[k];
  Tensor b(DType::F32, Shape{o});
  for (int64_t k = 0; k < o; ++k)
    b.data<float>()[k] = 0;
  Value *wv = g.createConstant(name + ".weight", wt)->output();
  Value *bv = g.createConstant(name + ".bias", b)->output();
  Node *c = g.createNode(OpKind::Conv, {x, wv, bv}, {name + "_out"}, name,
                         SourceLoc{"t.onnx", name, "Conv", 13});
  c->setAttr("kernel_shape", AttrValue(std::vector<int64_t>{1, 1}));
  return c->output();
}

/// Deterministic values in [-1, 1].
struct Rng {
  uint32_t s;
  float operator()() {
    s = s * 1664525u + 1013904223u;
    return float(int(s >> 9) % 2001 - 1000) / 1000.f;
  }
};

std::vector<std::vector<Tensor>> randomBatches(const Shape &shape, int n,
                                               uint32_t seed,
                                               float channel0 = 1.f) {
  Rng r{seed};
  std::vector<std::vector<Tensor>> v;
  int64_t plane = shape[2] * shape[3];
  for (int b = 0; b < n; ++b) {
    Tensor t(DType::F32, shape);
    for (int64_t i = 0; i < t.numElements(); ++i)
      t.data<float>()[i] = r() * ((i / plane) % shape[1] == 0 ? channel0 : 1.f);
    v.push_back({t});
  }
  return v;
}

CalibrationStats stats(const Module &m,
                       std::vector<std::vector<Tensor>> batches) {
  size_t n = batches.size();
  auto src = BatchSource::fromBatches(std::move(batches), "test batches");
  KernelContext ctx(1);
  return take(collectStats(m.graph, *src, n, ctx));
}

} // namespace

TEST_CASE("an outlier seen only in calibration makes MAX lose to KL") {
  auto m = std::make_unique<Module>();
  m->name = "outlier";
  Graph &g = m->graph;
  Shape shape{1, 3, 32, 32};
  Value *x = g.addInput("data", TensorType(DType::F32, shape));
  Rng r{7};
  std::vector<float> w(9);
  for (float &v : w)
    v = r();
  g.addOutput(conv1x1(g, x, "conv", w, 3, 3));
  REQUIRE(!inferTypes(g));

  auto cali = randomBatches(shape, 8, 1);
  cali[3][0].data<float>()[100] = 100.f; // one far outlier
  CalibrationStats st = stats(*m, cali);
  auto test = randomBatches(shape, 3, 99);

  AutoCaliOptions o;
  o.strategies = defaultStrategies();
  o.maxFp32Layers = 0;
  KernelContext ctx(1);
  AutoCaliResult res = take(searchStrategies(*m, st, test, o, ctx));
  REQUIRE(res.tried.size() == 8);
  const StrategyResult &kl = res.tried[0], &max = res.tried[2];
  CHECK(kl.strategy.method == ThMethod::KL);
  CHECK(max.strategy.method == ThMethod::Max);
  // MAX spends the whole INT8 range on the outlier: the test inputs round
  // to a few levels.
  INFO("KL " << kl.score << ", MAX " << max.score);
  CHECK(max.score < 0.9);
  CHECK(kl.score > 0.99);
  CHECK(res.tried[res.chosen].strategy.method != ThMethod::Max);
  for (const StrategyResult &t : res.tried)
    CHECK(res.tried[res.chosen].score >= t.score);
  CHECK(res.reachedTarget);
  CHECK(res.int8.thMethod == thMethodName(res.tried[res.chosen].strategy.method));
  // The per-layer table names the input and the conv.
  REQUIRE(kl.layers.size() == 2);
  CHECK(kl.layers[0].op == "input");
  CHECK(kl.layers[1].node == "conv");
  CHECK(kl.layers[1].cosine == Approx(kl.score).epsilon(1e-9));
}

TEST_CASE("per-channel wins on a conv whose channels differ 30x") {
  auto m = std::make_unique<Module>();
  m->name = "channels";
  Graph &g = m->graph;
  Shape shape{1, 16, 8, 8};
  Value *x = g.addInput("data", TensorType(DType::F32, shape));
  // The input's channels 1..15 are one image repeated. conv1's output
  // channel 0 is 30 x channel 0; channel 1 sums channels 1..15 with weights
  // near 0.06, which a per-tensor scale (30/127) rounds to 0.
  Rng r{3};
  std::vector<float> w1(32, 0.f);
  w1[0] = 30.f;
  for (int i = 1; i < 16; ++i)
    w1[size_t(16 + i)] = 0.06f * (1 + 0.5f * r());
  Value *c1 = conv1x1(g, x, "conv1", w1, 2, 16);
  // conv2 gives both channels the same weight in the output.
  Value *c2 = conv1x1(g, c1, "conv2", {1.f / 30, 1.f}, 1, 2);
  g.addOutput(c2);
  REQUIRE(!inferTypes(g));
  auto repeated = [&](int n, uint32_t seed) {
    auto v = randomBatches(shape, n, seed);
    for (auto &b : v)
      for (int64_t c = 2; c < 16; ++c)
        for (int64_t i = 0; i < 64; ++i)
          b[0].data<float>()[c * 64 + i] = b[0].data<float>()[64 + i];
    return v;
  };
  CalibrationStats st = stats(*m, repeated(6, 5));
  auto test = repeated(3, 77);

  AutoCaliOptions o;
  o.strategies = {CaliStrategy{ThMethod::Max, false, {}},
                  CaliStrategy{ThMethod::Max, true, {}}};
  o.maxFp32Layers = 0;
  KernelContext ctx(1);
  AutoCaliResult res = take(searchStrategies(*m, st, test, o, ctx));
  REQUIRE(res.tried.size() == 2);
  INFO("per tensor " << res.tried[0].score << ", per channel "
                     << res.tried[1].score);
  CHECK(res.tried[0].score < 0.9);
  CHECK(res.tried[1].score > 0.98);
  CHECK(res.chosen == 1);
  CHECK(res.int8.perChannel);
  CHECK(res.int8.int8Weights.at("conv1.weight").scales.size() == 2);
}

TEST_CASE("the fallback keeps the layer that loses the cosine in FP32") {
  auto m = std::make_unique<Module>();
  m->name = "fallback";
  Graph &g = m->graph;
  Shape shape{1, 3, 16, 16};
  Value *x = g.addInput("data", TensorType(DType::F32, shape));
  // conv1 passes channels 1 and 2 through, channel 0 is always 0.
  Value *c1 = conv1x1(g, x, "conv1", {0, 0, 0, 0, 1, 0, 0, 0, 1}, 3, 3);
  // conv2: a weight of 5 on the zero channel sets the scale of every output
  // channel, per tensor and per channel alike; the useful weights (0.01)
  // round to 0.
  Rng r{11};
  std::vector<float> w2(12);
  for (int o = 0; o < 4; ++o)
    for (int i = 0; i < 3; ++i)
      w2[size_t(o * 3 + i)] = i == 0 ? 5.f : 0.01f * (1 + r());
  Value *c2 = conv1x1(g, c1, "conv2", w2, 4, 3);
  g.addOutput(c2);
  REQUIRE(!inferTypes(g));
  CalibrationStats st = stats(*m, randomBatches(shape, 4, 2));
  auto test = randomBatches(shape, 2, 8);

  AutoCaliOptions o;
  o.strategies = {CaliStrategy{ThMethod::KL, false, {}},
                  CaliStrategy{ThMethod::KL, true, {}}};
  o.targetCosine = 0.999;
  o.maxFp32Layers = 3;
  KernelContext ctx(1);
  AutoCaliResult res = take(searchStrategies(*m, st, test, o, ctx));
  REQUIRE(res.tried.size() >= 3);
  CHECK(res.tried[0].score < 0.999);
  CHECK(res.tried[1].score < 0.999);
  CHECK(mostSensitiveLayer(g, res.tried[1]) == "conv2");
  const StrategyResult &f = res.tried[2];
  CHECK(f.fallback);
  REQUIRE(f.strategy.fp32Layers.size() == 1);
  CHECK(f.strategy.fp32Layers[0] == "conv2");
  CHECK(f.score >= 0.999);
  CHECK(res.reachedTarget);
  CHECK(res.chosen == 2);
  CHECK(res.int8.activations.at("conv2_out").fp32);
}

TEST_CASE("--try_cali_accuracy_opt parses the SDK form and names bad items") {
  CaliStrategy s = take(parseCaliAccuracyOpt(
      "-th_method=MAX;-per_channel=true;-fpfwd_outputs=a, b"));
  CHECK(s.method == ThMethod::Max);
  CHECK(s.perChannel);
  CHECK(s.fp32Layers == std::vector<std::string>{"a", "b"});
  auto bad = parseCaliAccuracyOpt("-th_method=KL;-bogus=1");
  REQUIRE(!bad);
  CHECK(llvm::toString(bad.takeError()).find("unknown key 'bogus'") !=
        std::string::npos);
  auto badM = parseCaliAccuracyOpt("-th_method=ABC");
  REQUIRE(!badM);
  llvm::consumeError(badM.takeError());
  CHECK(defaultStrategies().size() == 8);
  CHECK(defaultStrategies()[3].name() == "MAX per_channel");
}

TEST_CASE("in-memory batches wrap around like an LMDB") {
  Tensor a(DType::F32, Shape{1}), b(DType::F32, Shape{1});
  a.data<float>()[0] = 1;
  b.data<float>()[0] = 2;
  auto src = BatchSource::fromBatches({{a}, {b}}, "mem");
  CHECK(src->numBatches() == 2);
  CHECK(take(src->next())[0].data<float>()[0] == 1);
  CHECK(take(src->next())[0].data<float>()[0] == 2);
  CHECK(take(src->next())[0].data<float>()[0] == 1);
  src->rewind();
  CHECK(take(src->next())[0].data<float>()[0] == 1);
}
