//===- CaffeImporterTest.cpp - layers imported from small prototxts -------===//
//
// Each test writes a small net in protobuf text (weights as inline blobs or
// in a second text net standing for the caffemodel), imports it, runs the
// reference interpreter and checks the numbers against Caffe's formulas
// written out here.
//
//===----------------------------------------------------------------------===//

#include "frontends/caffe/CaffeImporter.h"
#include "frontends/caffe/CaffeLoader.h"
#include "frontends/caffe/caffe.pb.h"

#include "ir/Interpreter.h"
#include "ir/KernelContext.h"
#include "ir/Verifier.h"

#include <catch2/catch.hpp>

#include <cmath>

using namespace onntc;

namespace {

llvm::Expected<std::unique_ptr<Module>>
importText(const std::string &proto, const std::string &weights = "",
           CaffeImportOptions opts = {}) {
  auto net = parseCaffeText(proto, "t.prototxt");
  if (!net)
    return net.takeError();
  if (llvm::Error e = upgradeCaffeNet(**net, "t.prototxt"))
    return e;
  std::unique_ptr<onntc_caffe::NetParameter> w;
  if (!weights.empty()) {
    auto wn = parseCaffeText(weights, "w.caffemodel");
    if (!wn)
      return wn.takeError();
    if (llvm::Error e = upgradeCaffeNet(**wn, "w.caffemodel", false))
      return e;
    w = std::move(*wn);
  }
  return importCaffeNet(**net, w.get(), "t.prototxt",
                        weights.empty() ? "" : "w.caffemodel", opts);
}

std::unique_ptr<Module> mustImport(const std::string &proto,
                                   const std::string &weights = "",
                                   CaffeImportOptions opts = {}) {
  auto m = importText(proto, weights, opts);
  if (!m)
    FAIL(llvm::toString(m.takeError()));
  if (llvm::Error e = verifyGraph((*m)->graph))
    FAIL(llvm::toString(std::move(e)));
  return std::move(*m);
}

std::string importError(const std::string &proto,
                        const std::string &weights = "",
                        CaffeImportOptions opts = {}) {
  auto m = importText(proto, weights, opts);
  REQUIRE(!static_cast<bool>(m));
  return llvm::toString(m.takeError());
}

std::vector<Tensor> run(Module &m, std::vector<Tensor> inputs) {
  KernelContext k(1);
  auto out = runGraph(m.graph, inputs, k);
  if (!out)
    FAIL(llvm::toString(out.takeError()));
  return std::move(*out);
}

Tensor ramp(Shape s, float scale = 0.1f, float offset = 0.0f) {
  Tensor t(DType::F32, s);
  for (int64_t i = 0; i < t.numElements(); ++i)
    t.data<float>()[i] = offset + scale * float(i % 17) - 0.5f * float(i % 3);
  return t;
}

std::string input(const std::string &dims) {
  return "layer { name: \"in\" type: \"Input\" top: \"x\" input_param { "
         "shape { " + dims + " } } }\n";
}

std::string blob(const std::string &dims, const std::vector<float> &v) {
  std::string s = " blobs { shape { " + dims + " }";
  for (float f : v)
    s += " data: " + std::to_string(f);
  return s + " } ";
}

} // namespace

TEST_CASE("pooling follows Caffe's ceil rounding and clipping", "[caffe]") {
  // 5x5, kernel 2, stride 2, pad 1: ceil gives 4, but the 4th window would
  // start in the end padding, so Caffe keeps 3.
  auto m = mustImport(input("dim: 1 dim: 1 dim: 5 dim: 5") +
                      R"(layer { name: "p" type: "Pooling" bottom: "x" top: "y"
                         pooling_param { pool: AVE kernel_size: 2 stride: 2 pad: 1 } }
                         layer { name: "q" type: "Pooling" bottom: "x" top: "z"
                         pooling_param { pool: MAX kernel_size: 3 stride: 2 } })");
  Tensor x = ramp({1, 1, 5, 5});
  auto out = run(*m, {x});
  REQUIRE(out[0].shape() == Shape({1, 1, 3, 3}));
  REQUIRE(out[1].shape() == Shape({1, 1, 2, 2}));
  const float *xp = x.data<float>();
  for (int oy = 0; oy < 3; ++oy)
    for (int ox = 0; ox < 3; ++ox) {
      // Caffe: window clipped to the padded size, divided by that size.
      int hs = oy * 2 - 1, ws = ox * 2 - 1;
      int he = std::min(hs + 2, 5 + 1), we = std::min(ws + 2, 5 + 1);
      int size = (he - hs) * (we - ws);
      float sum = 0;
      for (int y = std::max(hs, 0); y < std::min(he, 5); ++y)
        for (int xx = std::max(ws, 0); xx < std::min(we, 5); ++xx)
          sum += xp[y * 5 + xx];
      CHECK(out[0].data<float>()[oy * 3 + ox] == Approx(sum / float(size)));
    }
  // Max pooling, 5x5 k3 s2 without padding: ceil((5-3)/2)+1 = 2.
  CHECK(out[1].data<float>()[0] ==
        *std::max_element(xp, xp + 13)); // rows 0-2, cols 0-2 include xp[12]
}

TEST_CASE("ceil-mode average windows past the padding use an explicit pad",
          "[caffe]") {
  // 6x6, kernel 3, stride 2, pad 1: 4 outputs, the last window ends at 8 > 7.
  auto m = mustImport(input("dim: 1 dim: 1 dim: 6 dim: 6") +
                      R"(layer { name: "p" type: "Pooling" bottom: "x" top: "y"
                         pooling_param { pool: AVE kernel_size: 3 stride: 2 pad: 1 } })");
  Tensor x = ramp({1, 1, 6, 6});
  auto out = run(*m, {x});
  REQUIRE(out[0].shape() == Shape({1, 1, 4, 4}));
  const float *xp = x.data<float>();
  int hs = 3 * 2 - 1, he = std::min(hs + 3, 7); // last row window: 5..7
  int ws = 3 * 2 - 1, we = std::min(ws + 3, 7);
  float sum = 0;
  for (int y = hs; y < std::min(he, 6); ++y)
    for (int xx = ws; xx < std::min(we, 6); ++xx)
      sum += xp[y * 6 + xx];
  CHECK(out[0].data<float>()[15] ==
        Approx(sum / float((he - hs) * (we - ws))));
  bool hasPad = false;
  for (auto &n : m->graph.nodes())
    hasPad |= n->kind() == OpKind::Pad;
  CHECK(hasPad);
}

TEST_CASE("BatchNorm divides its statistics by the scale factor; Scale adds a "
          "bias", "[caffe]") {
  auto m = mustImport(
      input("dim: 1 dim: 2 dim: 1 dim: 2") +
      "layer { name: \"bn\" type: \"BatchNorm\" bottom: \"x\" top: \"x\"" +
      blob("dim: 2", {2.0f, 4.0f}) + blob("dim: 2", {8.0f, 18.0f}) +
      blob("dim: 1", {2.0f}) + " batch_norm_param { eps: 0.5 } }\n" +
      "layer { name: \"sc\" type: \"Scale\" bottom: \"x\" top: \"x\"" +
      blob("dim: 2", {3.0f, -1.0f}) + blob("dim: 2", {0.25f, 1.0f}) +
      " scale_param { bias_term: true } }\n");
  Tensor x = Tensor::fromFloats({1, 2, 1, 2}, {1.0f, 3.0f, 2.0f, -2.0f});
  auto out = run(*m, {x});
  // mean {1, 2}, var {4, 9}; (x - mean) / sqrt(var + 0.5) * s + b
  auto f = [](float v, float mean, float var, float s, float b) {
    return (v - mean) / std::sqrt(var + 0.5f) * s + b;
  };
  const float *y = out[0].data<float>();
  CHECK(y[0] == Approx(f(1, 1, 4, 3, 0.25f)));
  CHECK(y[1] == Approx(f(3, 1, 4, 3, 0.25f)));
  CHECK(y[2] == Approx(f(2, 2, 9, -1, 1)));
  CHECK(y[3] == Approx(f(-2, 2, 9, -1, 1)));
  CHECK(m->graph.outputs()[0]->name() == "x");
}

TEST_CASE("convolution forms, PReLU, InnerProduct and Softmax", "[caffe]") {
  // 1x1 kernel via kernel_h/kernel_w, group 2: each output channel scales
  // one input channel.
  auto m = mustImport(
      input("dim: 1 dim: 2 dim: 2 dim: 2") +
      "layer { name: \"c\" type: \"Convolution\" bottom: \"x\" top: \"c\"" +
      blob("dim: 2 dim: 1 dim: 1 dim: 1", {2.0f, -1.0f}) +
      " convolution_param { num_output: 2 kernel_h: 1 kernel_w: 1 group: 2 "
      "bias_term: false } }\n"
      "layer { name: \"pr\" type: \"PReLU\" bottom: \"c\" top: \"c\"" +
      blob("dim: 2", {0.5f, 0.25f}) + "}\n" +
      "layer { name: \"fc\" type: \"InnerProduct\" bottom: \"c\" top: \"fc\"" +
      blob("dim: 1 dim: 8", {1, 1, 1, 1, 1, 1, 1, 1}) + blob("dim: 1", {0.5f}) +
      " inner_product_param { num_output: 1 } }\n");
  Tensor x = Tensor::fromFloats({1, 2, 2, 2}, {1, -1, 2, -2, 1, -1, 2, -2});
  auto out = run(*m, {x});
  // c = {2,-2,4,-4, -1,1,-2,2}; prelu: ch0 slope .5, ch1 .25
  float want = 2 - 1 + 4 - 2 + (-0.25f) + 1 + (-0.5f) + 2 + 0.5f;
  REQUIRE(out[0].shape() == Shape({1, 1}));
  CHECK(out[0].data<float>()[0] == Approx(want));
}

TEST_CASE("Eltwise, Concat, Slice, Split, Crop, Permute, Reshape, Flatten",
          "[caffe]") {
  auto m = mustImport(input("dim: 1 dim: 4 dim: 2 dim: 3") + R"(
    layer { name: "sp" type: "Split" bottom: "x" top: "a" top: "b" }
    layer { name: "e" type: "Eltwise" bottom: "a" bottom: "b" top: "e"
            eltwise_param { operation: SUM coeff: 2 coeff: -0.5 } }
    layer { name: "sl" type: "Slice" bottom: "e" top: "s1" top: "s2"
            slice_param { axis: 1 slice_point: 1 } }
    layer { name: "cat" type: "Concat" bottom: "s2" bottom: "s1" top: "cat"
            concat_param { concat_dim: 1 } }
    layer { name: "sw" type: "Slice" bottom: "e" top: "w1" top: "w2"
            slice_param { axis: 3 slice_point: 2 } }
    layer { name: "cr" type: "Crop" bottom: "cat" bottom: "w1" top: "cr"
            crop_param { axis: 2 offset: 0 offset: 1 } }
    layer { name: "pm" type: "Permute" bottom: "cat" top: "pm"
            permute_param { order: 0 order: 2 } }
    layer { name: "rs" type: "Reshape" bottom: "pm" top: "rs"
            reshape_param { shape { dim: 0 dim: -1 dim: 4 } } }
    layer { name: "fl" type: "Flatten" bottom: "x" top: "fl"
            flatten_param { axis: 1 end_axis: 2 } })",
                      "", [] {
                        CaffeImportOptions o;
                        o.outputNames = {"cr", "rs", "fl"};
                        return o;
                      }());
  Tensor x = ramp({1, 4, 2, 3});
  auto out = run(*m, {x});
  REQUIRE(out.size() == 3);
  const float *xp = x.data<float>();
  // e = 1.5 x; cat = [e[1:4], e[0:1]] along C.
  auto cat = [&](int c, int h, int w) {
    int src = c < 3 ? c + 1 : 0;
    return 1.5f * xp[(src * 2 + h) * 3 + w];
  };
  REQUIRE(out[0].shape() == Shape({1, 4, 2, 2})); // w1's H, W at offset (0, 1)
  CHECK(out[0].data<float>()[0] == Approx(cat(0, 0, 1)));
  CHECK(out[0].data<float>()[15] == Approx(cat(3, 1, 2)));
  // pm: 1x2x4x3 (order 0,2 then the rest 1,3); rs: 1x6x4.
  REQUIRE(out[1].shape() == Shape({1, 6, 4}));
  int flat = 5; // pm index (h=0, c=1, w=2)
  CHECK(out[1].data<float>()[flat] == Approx(cat(1, 0, 2)));
  REQUIRE(out[2].shape() == Shape({1, 8, 3}));
}

TEST_CASE("Power, ELU, ReLU slope, Normalize, LRN within channel", "[caffe]") {
  auto m = mustImport(input("dim: 1 dim: 2 dim: 1 dim: 2") + R"(
    layer { name: "pw" type: "Power" bottom: "x" top: "pw"
            power_param { power: 2 scale: 0.5 shift: 1 } }
    layer { name: "lr" type: "ReLU" bottom: "x" top: "lr" relu_param { negative_slope: 0.1 } }
    layer { name: "nm" type: "Normalize" bottom: "x" top: "nm"
            norm_param { across_spatial: false channel_shared: false eps: 0 })" +
                      blob("dim: 2", {1.0f, 2.0f}) + R"(}
    layer { name: "ln" type: "LRN" bottom: "x" top: "ln"
            lrn_param { local_size: 3 alpha: 0.9 beta: 0.5 norm_region: WITHIN_CHANNEL } })");
  Tensor x = Tensor::fromFloats({1, 2, 1, 2}, {3.0f, -1.0f, 4.0f, 2.0f});
  auto out = run(*m, {x});
  CHECK(out[0].data<float>()[1] == Approx(std::pow(1 + 0.5f * -1.0f, 2.0f)));
  CHECK(out[1].data<float>()[1] == Approx(-0.1f));
  // Normalize over channels at position 0: (3,4)/5, scaled by (1,2).
  CHECK(out[2].data<float>()[0] == Approx(0.6f));
  CHECK(out[2].data<float>()[2] == Approx(1.6f));
  // LRN within channel, 3x3 window padded by 1 on a 1x2 plane: at (0,0) of
  // channel 0 the window holds 3 and -1: x / (1 + 0.9/9 * 10)^0.5.
  CHECK(out[3].data<float>()[0] == Approx(3.0f / std::sqrt(2.0f)));
}

TEST_CASE("weights come from a training net by layer name", "[caffe]") {
  std::string proto = input("dim: 1 dim: 3") +
                      R"(layer { name: "fc" type: "InnerProduct" bottom: "x" top: "y"
                         inner_product_param { num_output: 2 bias_term: false } })";
  std::string train = R"(
    layer { name: "data" type: "Data" top: "x" top: "label" }
    layer { name: "fc" type: "InnerProduct" bottom: "x" top: "y")" +
                      blob("dim: 2 dim: 3", {1, 0, 0, 0, 0, 1}) + R"(}
    layer { name: "loss" type: "SoftmaxWithLoss" bottom: "y" bottom: "label" })";
  auto m = mustImport(proto, train);
  auto out = run(*m, {Tensor::fromFloats({1, 3}, {5, 6, 7})});
  CHECK(out[0].data<float>()[0] == 5.0f);
  CHECK(out[0].data<float>()[1] == 7.0f);
  // Legacy 4-D blob shape (1x1x2x3) is accepted.
  std::string legacy = R"(layer { name: "fc" type: "InnerProduct"
      blobs { num: 1 channels: 1 height: 2 width: 3 data: 1 data: 2 data: 3 data: 4 data: 5 data: 6 } })";
  CHECK(run(*mustImport(proto, legacy), {Tensor::fromFloats({1, 3}, {1, 0, 0})})[0]
            .data<float>()[1] == 4.0f);
  CHECK(importError(proto, R"(layer { name: "other" type: "InnerProduct")" +
                               blob("dim: 2 dim: 3", {1, 2, 3, 4, 5, 6}) + "}") ==
        "w.caffemodel: no layer name of t.prototxt has weights in this "
        "caffemodel; are these the weights of another net?");
  CHECK(importError(proto, R"(layer { name: "fc" type: "InnerProduct")" +
                               blob("dim: 3 dim: 3", {1, 2, 3, 4, 5, 6, 7, 8, 9}) + "}") ==
        "t.prototxt: layer 'fc' (InnerProduct): blob 0 (weights) in "
        "w.caffemodel has shape 3x3, the prototxt implies 2x3 (weights of "
        "another net, or a changed prototxt?)");
}

TEST_CASE("unsupported layers are all listed; data layers need --shapes",
          "[caffe]") {
  std::string err = importError(input("dim: 1 dim: 3") + R"(
    layer { name: "a" type: "Exp" bottom: "x" top: "a" }
    layer { name: "b" type: "Threshold" bottom: "a" top: "b" }
    layer { name: "c" type: "ReLU" bottom: "b" top: "c" })");
  CHECK(err.find("2 layer(s) of unsupported type(s) Exp, Threshold") !=
        std::string::npos);
  CHECK(err.find("t.prototxt: layer 'a' (Exp)") != std::string::npos);
  CHECK(err.find("t.prototxt: layer 'b' (Threshold)") != std::string::npos);
  std::string data = R"(layer { name: "d" type: "Data" top: "img" top: "label" }
                        layer { name: "r" type: "ReLU" bottom: "img" top: "r" })";
  CHECK(importError(data).find("input 'img' comes from data layer 'd' (Data), "
                               "which declares no shape; give it with --shapes") !=
        std::string::npos);
  CaffeImportOptions o;
  o.shapes = {Shape{2, 3}};
  auto m = mustImport(data, "", o);
  CHECK(m->graph.inputs()[0]->shape() == Shape({2, 3}));
  CHECK(importError(data + R"(layer { name: "u" type: "ReLU" bottom: "label" top: "u" })",
                    "", o)
            .find("bottom 'label' comes from layer 'd' (Data), which is not an "
                  "input of the deployed net") != std::string::npos);
}
