//===- CalibratorTest.cpp - the FP32 reference over an LMDB ---------------===//
#include "QuantizerTestUtil.h"

#include "quantizer/Calibrator.h"
#include "quantizer/ImageSet.h"

#include <opencv2/imgcodecs.hpp>

using namespace onntc;
using onntc::test::TempDir;

namespace {
/// An LMDB of `n` 8x8 images; image i has every pixel of channel c equal to
/// 10*i + c.
std::string makeLmdb(const TempDir &t, int n) {
  std::string root = t / "imgs";
  REQUIRE(!llvm::sys::fs::create_directories(root));
  for (int i = 0; i < n; ++i) {
    cv::Mat m(8, 8, CV_8UC3, cv::Scalar(10 * i, 10 * i + 1, 10 * i + 2));
    REQUIRE(cv::imwrite(root + "/img" + std::to_string(i) + ".png", m));
  }
  ImageSetOptions o;
  o.rootFolder = root;
  o.lmdbFolder = t / "lmdb";
  auto r = convertImageSet(o);
  REQUIRE(!!r);
  return o.lmdbFolder;
}
} // namespace

TEST_CASE("statistics over an LMDB through the Data layer's preprocessing") {
  TempDir t;
  std::string lmdb = makeLmdb(t, 5);
  auto m = test::makeSmallNet();
  DataLayer d;
  d.name = d.top = "data";
  d.source = lmdb;
  d.preprocess.mean = {0, 0, 0};
  d.preprocess.scale = {0.1f};
  auto src = BatchSource::open(m->graph, {d}, "net.prototxt");
  REQUIRE(!!src);
  CHECK((*src)->numBatches() == 5);
  KernelContext ctx(1);
  size_t calls = 0;
  auto st = collectStats(m->graph, **src, 5, ctx, [&](size_t, size_t) { ++calls; });
  REQUIRE(!!st);
  CHECK(calls == 5);
  CHECK(st->samples == 5);
  const TensorStats &in = st->tensors.at("data");
  CHECK(in.min() == Approx(0.0));
  CHECK(in.max() == Approx(4.2)); // (10*4 + 2) * 0.1
  CHECK(in.count() == 5 * 3 * 64);
  CHECK(st->tensors.at("conv1_out").count() == 5 * 4 * 64);
  CHECK(st->tensors.at("relu1_out").min() >= 0.f);
  CHECK(st->tensors.count("prob") == 1);
  CHECK(st->tensors.count("conv1.weight") == 0); // weights are not activations

  auto acts = makeActivationTable(*st, ThMethod::Max, {"fc"}, m->graph);
  CHECK(acts.at("data").threshold == Approx(4.2));
  CHECK(acts.at("data").scale == Approx(4.2 / 127));
  CHECK(acts.at("prob").fp32); // -fpfwd_outputs by layer name
  CHECK(!acts.at("conv1_out").fp32);

  auto cos = simulateInt8(m->graph, acts, true, **src, 3, ctx);
  REQUIRE(!!cos);
  CHECK(cos->at("data") > 0.999);
  CHECK(cos->at("conv1_out") > 0.99);
  CHECK(cos->at("prob") > 0.99);

  UModel u;
  u.activations = acts;
  quantizeWeights(m->graph, /*perChannel=*/true, u);
  REQUIRE(u.int8Weights.count("conv1.weight"));
  REQUIRE(u.int8Weights.count("fc.weight"));
  CHECK(u.int8Weights.at("conv1.weight").scales.size() == 4);
  CHECK(u.int8Weights.at("fc.weight").scales.size() == 2); // transB: rows
  REQUIRE(u.int32Biases.count("conv1.bias"));
  const Int32Bias &b = u.int32Biases.at("conv1.bias");
  // bias[c] = 0.1 c, scale = input scale * weight scale[c].
  for (int c = 0; c < 4; ++c)
    CHECK(b.data.data<int32_t>()[c] * b.scales[c] == Approx(0.1 * c).margin(b.scales[c]));
}

TEST_CASE("Data layer problems are named") {
  TempDir t;
  auto m = test::makeSmallNet();
  DataLayer d;
  d.name = d.top = "data";
  auto err = [&](std::vector<DataLayer> ds) {
    auto s = BatchSource::open(m->graph, ds, "n.prototxt");
    REQUIRE(!s);
    return llvm::toString(s.takeError());
  };
  CHECK(err({}) == "n.prototxt: no Data layer feeds network input 'data' (add "
                   "one with top: \"data\")");
  CHECK(llvm::StringRef(err({d})).contains("has no data_param.source"));
  d.source = t / "none";
  CHECK(llvm::StringRef(err({d})).contains("does not exist"));
  d.batchSize = 2;
  CHECK(llvm::StringRef(err({d})).contains("batch_size 2 but network input 'data' has batch 1"));
  d.batchSize = 1;
  d.preprocess.resizeH = d.preprocess.resizeW = 224;
  CHECK(llvm::StringRef(err({d})).contains("resizes to 224x224 but network input 'data' is 8x8"));
}

TEST_CASE("per-channel weight quantization is exact") {
  Tensor w = Tensor::fromFloats(Shape{2, 3}, {1.f, -0.6f, 0.25f, 10.f, 5.f, -2.5f});
  Int8Weight q = quantizeWeight(w, 0);
  REQUIRE(q.scales.size() == 2);
  CHECK(q.scales[0] == Approx(1.f / 127));
  CHECK(q.scales[1] == Approx(10.f / 127));
  const int8_t *y = q.data.data<int8_t>();
  CHECK(int(y[0]) == 127);
  CHECK(int(y[1]) == -76); // -76.2
  CHECK(int(y[2]) == 32);  // 31.75
  CHECK(int(y[3]) == 127);
  CHECK(int(y[5]) == -32); // -31.75
  Int8Weight pt = quantizeWeight(w, -1);
  REQUIRE(pt.scales.size() == 1);
  CHECK(int(pt.data.data<int8_t>()[0]) == 13); // 12.7
}
