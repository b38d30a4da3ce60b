//===- TfOpsTest.cpp - more TensorFlow op conversions ---------------------===//

#include "TfTestUtil.h"

#include "frontends/tensorflow/tf_graph.pb.h"

#include <cstring>

using namespace onntc;
using namespace onntc::tftest;

TEST_CASE("Pad, Relu6, Squeeze and MatMul keep TensorFlow semantics", "[tf]") {
  // x[1,2,2,1] -> Pad H by (1,0), W by (0,1) -> Relu6 -> AvgPool 3x3 VALID
  // -> Squeeze [1,2] -> MatMul(transpose_b) with w[2,1].
  std::string g =
      placeholder("x", {1, 2, 2, 1}) +
      constInts("p", {4, 2}, {0, 0, 1, 0, 0, 1, 0, 0}) +
      constFloats("w", {2, 1}, {2.f, -1.f}) + node("pad", "Pad", {"x", "p"}) +
      node("r6", "Relu6", {"pad"}) +
      node("pool", "AvgPool", {"r6"},
           attrS("padding", "VALID") + attrInts("ksize", {1, 3, 3, 1}) +
               attrInts("strides", {1, 1, 1, 1})) +
      node("sq", "Squeeze", {"pool"}, attrInts("squeeze_dims", {1, 2})) +
      node("id", "Identity", {"sq"}) +
      node("mm", "MatMul", {"id", "w"}, attrB("transpose_b", true));
  TfImportOptions o;
  o.outputNames = {"mm", "r6"};
  auto m = importOk(g, o);
  Tensor x = Tensor::fromFloats(Shape{1, 2, 2, 1}, {7.f, -1.f, 2.f, 3.f});
  auto out = run(*m, {x});
  // Padded (NHWC, C=1): rows [0,0,0], [6,0,0], [2,3,0] after Relu6.
  requireClose(out[1], {0, 0, 0, 6, 0, 0, 2, 3, 0});
  REQUIRE(out[1].shape() == Shape{1, 3, 3, 1});
  // Average of the 9 cells (VALID: no padding) = 11/9; matmul with [2,-1]^T.
  REQUIRE(out[0].shape() == Shape{1, 2});
  requireClose(out[0], {22.f / 9.f, -11.f / 9.f});
}

TEST_CASE("a Reshape to 4-D feeding a conv is transposed once", "[tf]") {
  std::vector<float> w = {1.f, 0.5f, -1.f, 2.f};
  std::string g =
      placeholder("x", {1, 8}) + constInts("s", {4}, {1, 2, 2, 2}) +
      constFloats("w", {1, 1, 2, 2}, w) + node("rs", "Reshape", {"x", "s"}) +
      node("c", "Conv2D", {"rs", "w"},
           attrS("padding", "VALID") + attrInts("strides", {1, 1, 1, 1}));
  auto m = importOk(g);
  Tensor x = randomTensor(Shape{1, 8}, 9);
  auto out = run(*m, {x});
  Tensor xn = x.reshaped(Shape{1, 2, 2, 2});
  requireClose(out[0], convNhwc(xn, w, 1, 1, 2, 1, 1, 0, 0, 2, 2));
}

TEST_CASE("FusedBatchNorm is inference batch norm; training is refused",
          "[tf]") {
  auto graph = [](bool training) {
    return placeholder("x", {1, 1, 2, 2}) + constFloats("sc", {2}, {2.f, 1.f}) +
           constFloats("of", {2}, {0.5f, 0.f}) +
           constFloats("mean", {2}, {1.f, -1.f}) +
           constFloats("var", {2}, {4.f, 1.f}) +
           node("bn", "FusedBatchNormV3", {"x", "sc", "of", "mean", "var"},
                attrB("is_training", training) +
                    " attr { key: \"epsilon\" value { f: 0 } }");
  };
  TfImportOptions o;
  o.outputNames = {"bn:0"};
  auto m = importOk(graph(false), o);
  Tensor x = Tensor::fromFloats(Shape{1, 1, 2, 2}, {3.f, 1.f, 5.f, -2.f});
  auto out = run(*m, {x});
  requireClose(out[0], {2.f * (3.f - 1.f) / 2.f + 0.5f, 1.f * (1.f + 1.f),
                        2.f * (5.f - 1.f) / 2.f + 0.5f, -2.f + 1.f});
  bool un = false;
  REQUIRE_THAT(
      importError(graph(true), o, &un),
      Catch::Contains("node 'bn' (FusedBatchNormV3): is_training=true"));
  REQUIRE(un);
}

TEST_CASE("unknown fields are skipped in binary and text graphs", "[tf]") {
  std::string text = placeholder("x", {1, 3}) + node("r", "Relu", {"x"}) +
                     "versions { producer: 1 } library { function { } }\n";
  auto g = parse(text);
  std::string bin;
  REQUIRE(g->SerializeToString(&bin));
  // Field 99 (varint 1) at the top level and field 6 of a NodeDef (length-
  // delimited, TensorFlow's experimental_debug_info) are unknown here.
  std::string extra = "\x98\x06\x01";
  auto g2 = parseTfGraph(bin + extra, "x.pb", /*text=*/false);
  if (!g2) {
    FAIL(llvm::toString(g2.takeError()));
  }
  REQUIRE((*g2)->node_size() == 2);
  tfproto::GraphDef one;
  *one.add_node() = (*g2)->node(1);
  std::string node;
  REQUIRE(one.node(0).SerializeToString(&node));
  node += std::string("\x32\x02\x0a\x00", 4); // field 6, 2 bytes: {1: ""}
  std::string nodeField = "\x0a" + std::string(1, char(node.size())) + node;
  auto g3 = parseTfGraph(nodeField, "y.pb", false);
  if (!g3) {
    FAIL(llvm::toString(g3.takeError()));
  }
  REQUIRE((*g3)->node(0).op() == "Relu");
  auto m = importTfGraph(**g2, "x.pb", {});
  REQUIRE(bool(m));
}

TEST_CASE("truncated and foreign bytes are errors, never crashes", "[tf]") {
  auto g = parse(placeholder("x", {1, 3}) + node("r", "Relu", {"x"}));
  std::string bin;
  REQUIRE(g->SerializeToString(&bin));
  for (size_t n = 1; n < bin.size(); ++n) {
    auto r = parseTfGraph(bin.substr(0, n), "cut.pb", false);
    if (r) {
      // A cut at a field boundary parses; the importer must then cope.
      auto m = importTfGraph(**r, "cut.pb", {});
      if (!m)
        llvm::consumeError(m.takeError());
    } else {
      REQUIRE_THAT(llvm::toString(r.takeError()),
                   Catch::StartsWith("cut.pb: "));
    }
  }
  auto r = parseTfGraph("\x89PNG\r\n\x1a\n", "img.pb", false);
  REQUIRE(!r);
  REQUIRE_THAT(llvm::toString(r.takeError()),
               Catch::StartsWith("img.pb: not a valid TensorFlow GraphDef"));
}

TEST_CASE("reductions over NHWC data: Mean as global pooling, empty axes",
          "[tf]") {
  // Mean over H, W without keep_dims is [N, C] in both layouts (no
  // transpose); Sum with no axes keeps the 4-D tensor (and its layout); Max
  // over H alone must reduce the NHWC tensor to keep [N, W, C] order.
  std::string g = placeholder("x", {1, 2, 3, 2}) + node("r", "Relu", {"x"}) +
                  constInts("hw", {2}, {1, 2}) + constInts("none", {0}, {}) +
                  constInts("h", {1}, {-3}) + node("gap", "Mean", {"r", "hw"}) +
                  node("all", "Sum", {"r", "none"}) +
                  node("mh", "Max", {"r", "h"});
  TfImportOptions o;
  o.outputNames = {"gap", "all", "mh"};
  auto m = importOk(g, o);
  Tensor x = randomTensor(Shape{1, 2, 3, 2}, 11);
  auto out = run(*m, {x});
  const float *p = x.data<float>();
  auto at = [&](int h, int w, int c) {
    return std::max(0.f, p[(h * 3 + w) * 2 + c]);
  };
  std::vector<float> gap(2, 0.f), mh(6);
  for (int c = 0; c < 2; ++c)
    for (int h = 0; h < 2; ++h)
      for (int w = 0; w < 3; ++w)
        gap[size_t(c)] += at(h, w, c) / 6.f;
  for (int w = 0; w < 3; ++w)
    for (int c = 0; c < 2; ++c)
      mh[size_t(w * 2 + c)] = std::max(at(0, w, c), at(1, w, c));
  REQUIRE(out[0].shape() == Shape{1, 2});
  requireClose(out[0], gap);
  REQUIRE(out[1].shape() == Shape{1, 2, 3, 2});
  std::vector<float> relu(12);
  for (int i = 0; i < 12; ++i)
    relu[size_t(i)] = std::max(0.f, p[i]);
  requireClose(out[1], relu);
  REQUIRE(out[2].shape() == Shape{1, 3, 2});
  requireClose(out[2], mh);
}
