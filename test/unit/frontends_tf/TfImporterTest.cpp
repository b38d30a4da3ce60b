//===- TfImporterTest.cpp - the TensorFlow importer on small graphs -------===//

#include "TfTestUtil.h"

#include <cmath>
#include <cstring>

using namespace onntc;
using namespace onntc::tftest;

namespace {

std::vector<float> iota(size_t n, float scale, float offset = 0.f) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i)
    v[i] = offset + scale * float((i * 7) % 11) - scale * 5.f;
  return v;
}

} // namespace

TEST_CASE("the op table is sorted, unique and searchable", "[tf]") {
  auto table = tfOpTable();
  REQUIRE(table.size() > 30);
  for (size_t i = 1; i < table.size(); ++i) {
    INFO(table[i - 1].name << " / " << table[i].name);
    REQUIRE(std::strcmp(table[i - 1].name, table[i].name) < 0);
  }
  for (const TfOpRow &r : table)
    REQUIRE(findTfOp(r.name) == &r);
  REQUIRE(findTfOp("Enter") == nullptr);
  REQUIRE(findTfOp("") == nullptr);
  REQUIRE(supportedTfOps().size() == table.size());
}

TEST_CASE("tensor names", "[tf]") {
  REQUIRE(canonicalTensorName("a/b") == "a/b:0");
  REQUIRE(canonicalTensorName("a/b:1") == "a/b:1");
  REQUIRE(canonicalTensorName("^a") == "");
  REQUIRE(tensorNodeName("a/b:2") == "a/b");
  REQUIRE(tensorNodeName("^ctl") == "ctl");
  REQUIRE(tensorNodeName("x:y") == "x:y");
}

TEST_CASE("NHWC is converted at the edges, not around every op", "[tf]") {
  // x[1,3,4,2] -> Conv2D 1x1 (2->3) -> BiasAdd -> Relu -> Conv2D 1x1 (3->2)
  // -> Reshape [1,-1]. Only the input and the Reshape need a transpose.
  std::vector<float> w1 = iota(6, 0.1f), b1 = {0.5f, -0.25f, 0.125f};
  std::vector<float> w2 = iota(6, 0.2f, 0.05f);
  std::string conv =
      attrS("padding", "VALID") + attrInts("strides", {1, 1, 1, 1});
  std::string g =
      placeholder("x", {1, 3, 4, 2}) + constFloats("w1", {1, 1, 2, 3}, w1) +
      constFloats("b1", {3}, b1) + constFloats("w2", {1, 1, 3, 2}, w2) +
      constInts("shape", {2}, {1, -1}) +
      node("c1", "Conv2D", {"x", "w1"}, conv) +
      node("ba", "BiasAdd", {"c1", "b1"}) + node("r", "Relu", {"ba"}) +
      node("c2", "Conv2D", {"r:0", "w2", "^x"}, conv) +
      node("flat", "Reshape", {"c2", "shape"});
  auto m = importOk(g);
  REQUIRE(m->graph.inputs()[0]->shape() == Shape{1, 3, 4, 2});
  REQUIRE(m->graph.outputs()[0]->shape() == Shape{1, 24});
  REQUIRE(m->graph.outputs()[0]->name() == "flat");
  REQUIRE(countLive(*m, OpKind::Transpose) == 2);

  Tensor x = randomTensor(Shape{1, 3, 4, 2}, 1);
  auto out = run(*m, {x});
  std::vector<float> h = convNhwc(x, w1, 1, 1, 3, 1, 1, 0, 0, 3, 4);
  for (size_t i = 0; i < h.size(); ++i)
    h[i] = std::max(0.f, h[i] + b1[i % 3]);
  Tensor ht(DType::F32, Shape{1, 3, 4, 3});
  std::memcpy(ht.raw(), h.data(), h.size() * 4);
  requireClose(out[0], convNhwc(ht, w2, 1, 1, 2, 1, 1, 0, 0, 3, 4));
}

TEST_CASE("4-D outputs go back to NHWC", "[tf]") {
  std::string g =
      placeholder("x", {1, 2, 3, 4}) +
      constFloats("w", {1, 1, 4, 4},
                  {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1}) +
      node("c", "Conv2D", {"x", "w"},
           attrS("padding", "SAME") + attrInts("strides", {1, 1, 1, 1}));
  auto m = importOk(g);
  REQUIRE(m->graph.outputs()[0]->shape() == Shape{1, 2, 3, 4});
  REQUIRE(m->graph.outputs()[0]->name() == "c");
  Tensor x = randomTensor(Shape{1, 2, 3, 4}, 2);
  auto out = run(*m, {x});
  requireClose(out[0],
               std::vector<float>(x.data<float>(), x.data<float>() + 24));
}

TEST_CASE("SAME padding: TensorFlow's split, pools exclude padding", "[tf]") {
  // 5x6 input, 3x3 kernel, stride 2: out 3x3, pads H 1+1, W 1+1 -> for W=6
  // total = (3-1)*2+3-6 = 1: 0 before, 1 after.
  std::vector<float> w = iota(9 * 2, 0.1f);
  std::string g =
      placeholder("x", {1, 5, 6, 1}) + constFloats("w", {3, 3, 1, 2}, w) +
      node("c", "Conv2D", {"x", "w"},
           attrS("padding", "SAME") + attrInts("strides", {1, 2, 2, 1}));
  auto m = importOk(g);
  Tensor x = randomTensor(Shape{1, 5, 6, 1}, 3);
  auto out = run(*m, {x});
  REQUIRE(out[0].shape() == Shape{1, 3, 3, 2});
  requireClose(out[0], convNhwc(x, w, 3, 3, 2, 2, 1, 1, 0, 3, 3));

  // AvgPool 2x2 stride 2 SAME on 3x3: the last row/column average fewer
  // cells; MaxPool alike takes the max of the real cells.
  std::string p =
      placeholder("x", {1, 3, 3, 1}) +
      node("avg", "AvgPool", {"x"},
           attrS("padding", "SAME") + attrInts("ksize", {1, 2, 2, 1}) +
               attrInts("strides", {1, 2, 2, 1})) +
      node("max", "MaxPool", {"x"},
           attrS("padding", "SAME") + attrInts("ksize", {1, 2, 2, 1}) +
               attrInts("strides", {1, 2, 2, 1}));
  TfImportOptions o;
  o.outputNames = {"avg", "max:0"};
  auto pm = importOk(p, o);
  Tensor px =
      Tensor::fromFloats(Shape{1, 3, 3, 1}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  auto po = run(*pm, {px});
  requireClose(po[0], {3.f, 4.5f, 7.5f, 9.f});
  requireClose(po[1], {5.f, 6.f, 8.f, 9.f});
}

TEST_CASE("SpaceToBatchND + Conv2D + BatchToSpaceND fold into a dilated conv",
          "[tf]") {
  // TensorFlow's atrous convolution of a 5x5 input, rate 2, SAME: paddings
  // [[2,3],[2,3]] (to a multiple of the block), VALID inside, crops
  // [[0,1],[0,1]].
  std::vector<float> w = iota(9 * 2 * 3, 0.05f);
  std::string g =
      placeholder("x", {1, 5, 5, 2}) + constFloats("w", {3, 3, 2, 3}, w) +
      constInts("block", {2}, {2, 2}) +
      constInts("pads", {2, 2}, {2, 3, 2, 3}) +
      constInts("crops", {2, 2}, {0, 1, 0, 1}) +
      node("s2b", "SpaceToBatchND", {"x", "block", "pads"}) +
      node("conv", "Conv2D", {"s2b", "w"},
           attrS("padding", "VALID") + attrInts("strides", {1, 1, 1, 1})) +
      node("b2s", "BatchToSpaceND", {"conv", "block", "crops"});
  auto m = importOk(g);
  int convs = 0;
  for (const auto &n : m->graph.nodes())
    if (n->kind() == OpKind::Conv) {
      ++convs;
      REQUIRE(n->getInts("dilations") == llvm::ArrayRef<int64_t>({2, 2}));
      REQUIRE(n->getInts("pads") == llvm::ArrayRef<int64_t>({2, 2, 2, 2}));
    }
  REQUIRE(convs == 1);
  Tensor x = randomTensor(Shape{1, 5, 5, 2}, 4);
  auto out = run(*m, {x});
  REQUIRE(out[0].shape() == Shape{1, 5, 5, 3});
  requireClose(out[0], convNhwc(x, w, 3, 3, 3, 1, 2, 2, 2, 5, 5));

  // A SpaceToBatchND that feeds something else is reported.
  std::string bad = placeholder("x", {1, 4, 4, 1}) +
                    constInts("block", {2}, {2, 2}) +
                    constInts("pads", {2, 2}, {0, 0, 0, 0}) +
                    node("s2b", "SpaceToBatchND", {"x", "block", "pads"}) +
                    node("r", "Relu", {"s2b"});
  bool un = false;
  std::string msg = importError(bad, {}, &un);
  REQUIRE(un);
  REQUIRE_THAT(msg, Catch::Contains("node 's2b' (SpaceToBatchND)") &&
                        Catch::Contains("'r' (Relu)"));
}

TEST_CASE("DepthwiseConv2dNative is a grouped conv", "[tf]") {
  std::vector<float> w = iota(9 * 2 * 2, 0.1f); // [3,3,C=2,M=2]
  std::string g =
      placeholder("x", {1, 4, 4, 2}) + constFloats("w", {3, 3, 2, 2}, w) +
      node("dw", "DepthwiseConv2dNative", {"x", "w"},
           attrS("padding", "SAME") + attrInts("strides", {1, 1, 1, 1}));
  auto m = importOk(g);
  Tensor x = randomTensor(Shape{1, 4, 4, 2}, 5);
  auto out = run(*m, {x});
  // Reference: output channel c*M+m = sum over window of x[c] * w[.,.,c,m].
  std::vector<float> ref(4 * 4 * 4);
  for (int64_t y = 0; y < 4; ++y)
    for (int64_t xx = 0; xx < 4; ++xx)
      for (int64_t c = 0; c < 2; ++c)
        for (int64_t mm = 0; mm < 2; ++mm) {
          double acc = 0;
          for (int64_t ky = 0; ky < 3; ++ky)
            for (int64_t kx = 0; kx < 3; ++kx) {
              int64_t iy = y + ky - 1, ix = xx + kx - 1;
              if (iy < 0 || iy >= 4 || ix < 0 || ix >= 4)
                continue;
              acc += x.data<float>()[(iy * 4 + ix) * 2 + c] *
                     w[size_t(((ky * 3 + kx) * 2 + c) * 2 + mm)];
            }
          ref[size_t((y * 4 + xx) * 4 + c * 2 + mm)] = float(acc);
        }
  requireClose(out[0], ref);
}

TEST_CASE("Dequantize MIN_FIRST and MIN_COMBINED follow TensorFlow", "[tf]") {
  auto quint8 = [](const std::string &name, std::vector<int> v) {
    std::string s = "node { name: \"" + name +
                    "\" op: \"Const\" attr { key: \"value\" value { tensor { "
                    "dtype: DT_QUINT8 tensor_shape { dim { size: " +
                    std::to_string(v.size()) + " } }";
    for (int x : v)
      s += " int_val: " + std::to_string(x);
    return s + " } } } }\n";
  };
  auto graph = [&](const std::string &mode) {
    return quint8("q", {0, 1, 128, 255}) + constFloats("mn", {}, {-1.5f}) +
           constFloats("mx", {}, {2.0f}) +
           node("dq", "Dequantize", {"q", "mn", "mx"},
                "attr { key: \"T\" value { type: DT_QUINT8 } } " +
                    attrS("mode", mode));
  };
  auto value = [](const Module &m) {
    const Tensor *t = m.graph.outputs()[0]->constantValue();
    REQUIRE(t);
    return std::vector<float>(t->data<float>(), t->data<float>() + 4);
  };
  TfImportOptions o;
  o.outputNames = {"dq"};
  // MIN_COMBINED: min + q * (max - min) / 255.
  auto mc = value(*importOk(graph("MIN_COMBINED"), o));
  for (int i = 0; i < 4; ++i) {
    int q = std::vector<int>{0, 1, 128, 255}[size_t(i)];
    REQUIRE(mc[size_t(i)] == Approx(-1.5 + q * 3.5 / 255.0).epsilon(1e-6));
  }
  // MIN_FIRST: the minimum is rounded to a whole number of steps first.
  auto mf = value(*importOk(graph("MIN_FIRST"), o));
  float step = float(3.5 / 255.0);
  double minRounded = std::round(-1.5 / step) * step;
  REQUIRE(std::fabs(minRounded - -1.5) > 1e-5); // the rounding matters here
  for (int i = 0; i < 4; ++i) {
    int q = std::vector<int>{0, 1, 128, 255}[size_t(i)];
    REQUIRE(mf[size_t(i)] == Approx(minRounded + q * step).epsilon(1e-6));
  }
  bool un = false;
  REQUIRE_THAT(importError(graph("SCALED"), o, &un),
               Catch::Contains("mode 'SCALED' is not supported"));
  REQUIRE(un);
}

TEST_CASE("ConcatV2 and Sum axes are mapped to NCHW", "[tf]") {
  std::string g =
      placeholder("a", {1, 2, 2, 3}) + placeholder("b", {1, 2, 2, 1}) +
      constInts("axis", {}, {-1}) + constInts("red", {1}, {3}) +
      node("ra", "Relu", {"a"}) + node("rb", "Relu", {"b"}) +
      node("cat", "ConcatV2", {"ra", "rb", "axis"}) +
      node("sq", "Square", {"cat"}) +
      node("sum", "Sum", {"sq", "red"}, attrB("keep_dims", true)) +
      node("sum2", "Sum", {"cat", "red"}, attrB("keep_dims", false));
  TfImportOptions o;
  o.outputNames = {"sum", "sum2"};
  auto m = importOk(g, o);
  Tensor a = randomTensor(Shape{1, 2, 2, 3}, 6),
         b = randomTensor(Shape{1, 2, 2, 1}, 7);
  auto out = run(*m, {a, b});
  std::vector<float> s1(4), s2(4);
  for (int p = 0; p < 4; ++p) {
    float vals[4] = {std::max(0.f, a.data<float>()[p * 3]),
                     std::max(0.f, a.data<float>()[p * 3 + 1]),
                     std::max(0.f, a.data<float>()[p * 3 + 2]),
                     std::max(0.f, b.data<float>()[p])};
    for (float v : vals)
      s1[size_t(p)] += v * v, s2[size_t(p)] += v;
  }
  REQUIRE(out[0].shape() == Shape{1, 2, 2, 1});
  REQUIRE(out[1].shape() == Shape{1, 2, 2});
  requireClose(out[0], s1);
  requireClose(out[1], s2);
}

TEST_CASE("every unsupported node is listed at once", "[tf]") {
  std::string g =
      placeholder("x", {1, 4}) + node("enter", "Enter", {"x"}) +
      node("merge", "Merge", {"enter", "next"}) +
      node("sw", "Switch", {"merge", "cond"}) +
      node("cond", "LoopCond", {"x"}) + node("body", "Relu", {"sw:1"}) +
      node("next", "NextIteration", {"body"}) + node("exit", "Exit", {"sw"}) +
      node("out", "TensorArrayV3", {"exit"});
  bool un = false;
  std::string msg = importError(g, {}, &un);
  REQUIRE(un);
  INFO(msg);
  REQUIRE_THAT(
      msg, Catch::StartsWith("test.pbtxt: 7 node(s) use 7 unsupported op(s) "
                             "[Enter, Exit, LoopCond, Merge, "
                             "NextIteration, Switch, TensorArrayV3]"));
  for (const char *n : {"'enter' (Enter)", "'merge' (Merge)", "'sw' (Switch)",
                        "'cond' (LoopCond)", "'next' (NextIteration)",
                        "'exit' (Exit)", "'out' (TensorArrayV3)"})
    REQUIRE_THAT(msg, Catch::Contains(n));
}

TEST_CASE("inputs, shapes and outputs are checked against the graph", "[tf]") {
  std::string g = "node { name: \"x\" op: \"Placeholder\" attr { key: "
                  "\"dtype\" value { type: DT_FLOAT } } attr { key: \"shape\" "
                  "value { shape { dim { size: -1 } dim { size: 4 } } } } }\n" +
                  node("r", "Relu", {"x"});
  REQUIRE_THAT(importError(g),
               Catch::Contains("Placeholder 'x' has shape "
                               "[?,4]") ||
                   Catch::Contains("Placeholder 'x' has shape"));
  TfImportOptions o;
  o.shapes = {Shape{2, 5}};
  REQUIRE_THAT(importError(g, o), Catch::Contains("fixes dimension 1 to 4"));
  o.shapes = {Shape{2, 4, 1}};
  REQUIRE_THAT(importError(g, o), Catch::Contains("rank 3"));
  o.shapes = {Shape{2, 4}};
  auto m = importOk(g, o);
  REQUIRE(m->graph.inputs()[0]->shape() == Shape{2, 4});
  o.inputNames = {"nope"};
  REQUIRE_THAT(importError(g, o),
               Catch::Contains("--input_names: 'nope' is not a node") &&
                   Catch::Contains("Placeholders: 'x'"));
  o.inputNames = {"r"};
  REQUIRE_THAT(importError(g, o), Catch::Contains("is not a Placeholder"));
  TfImportOptions o2;
  o2.shapes = {Shape{2, 4}};
  o2.outputNames = {"missing"};
  REQUIRE_THAT(importError(g, o2), Catch::Contains("no node named 'missing'"));
}

TEST_CASE("constant shape arithmetic folds", "[tf]") {
  // Shape -> StridedSlice -> Pack -> Reshape: a flatten computed in-graph.
  std::string g =
      placeholder("x", {2, 3, 4, 5}) + node("r", "Relu", {"x"}) +
      constFloats("w", {1, 1, 5, 5}, std::vector<float>(25, 0.1f)) +
      node("c", "Conv2D", {"r", "w"},
           attrS("padding", "VALID") + attrInts("strides", {1, 1, 1, 1})) +
      node("shape", "Shape", {"c"}) + constInts("b", {1}, {0}) +
      constInts("e", {1}, {1}) + constInts("s", {1}, {1}) +
      node("n", "StridedSlice", {"shape", "b", "e", "s"},
           "attr { key: \"shrink_axis_mask\" value { i: 1 } }") +
      constInts("m1", {}, {-1}) + node("pk", "Pack", {"n", "m1"}) +
      node("flat", "Reshape", {"c", "pk"});
  auto m = importOk(g);
  REQUIRE(m->graph.outputs()[0]->shape() == Shape{2, 60});
}
