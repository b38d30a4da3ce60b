//===- ImporterTest.cpp - Paddle ops into the IR --------------------------===//

#include "PaddleTestUtil.h"

#include "frontends/paddle/PaddleContext.h"

#include <cmath>
#include <functional>

using namespace onntc;
using namespace onntc::test;
using B = ProgramBuilder;

static float at(const Tensor &t, int64_t i) { return t.data<float>()[i]; }

TEST_CASE("the op table is sorted, unique and searchable", "[paddle]") {
  auto rows = paddleOpTable();
  for (size_t i = 1; i < rows.size(); ++i)
    CHECK(llvm::StringRef(rows[i - 1].name) < llvm::StringRef(rows[i].name));
  for (const PaddleOpRow &r : rows)
    CHECK(findPaddleOp(r.name) == &r);
  CHECK(findPaddleOp("while") == nullptr);
  CHECK(supportedPaddleOps().size() == rows.size());
}

TEST_CASE("every unsupported op is listed at once", "[paddle]") {
  B b;
  b.feed("x", {1, 4});
  b.op("lstm", {{"Input", {"x"}}}, {{"Hidden", {"h"}}});
  b.op("relu", {{"X", {"h"}}}, {{"Out", {"r"}}});
  b.op("gru", {{"Input", {"r"}}}, {{"Hidden", {"g"}}});
  b.fetch("g");
  std::string e = importError(b);
  CHECK_THAT(e, Catch::Contains("2 unsupported Paddle op(s)"));
  CHECK_THAT(e, Catch::Contains("test.pdmodel: op #1 'lstm' (output 'h')"));
  CHECK_THAT(e, Catch::Contains("test.pdmodel: op #3 'gru' (output 'g')"));
  // --output_names cuts the program before them.
  PaddleImportOptions o;
  o.outputNames = {"x"};
  CHECK(importError(b, o) == "");
}

TEST_CASE("--shapes must agree with the program", "[paddle]") {
  B b;
  b.feed("x", {-1, 4});
  b.op("relu", {{"X", {"x"}}}, {{"Out", {"r"}}});
  b.fetch("r");
  CHECK_THAT(importError(b), Catch::Contains("give a static shape"));
  PaddleImportOptions o;
  o.shapes = {Shape{2, 5}};
  CHECK_THAT(importError(b, o),
             Catch::Contains("--shapes 2x5 for input 'x' contradicts the "
                             "program, which declares ?x4"));
  o.shapes = {Shape{2, 4}};
  auto r = importAndRun(b, {ramp(Shape{2, 4})}, o);
  CHECK(r[0].shape() == Shape{2, 4});
  CHECK(at(r[0], 1) == 0.1f); // ramp[1] = 0.1
  CHECK(at(r[0], 0) == 0.0f); // ramp[0] = -0.6
}

TEST_CASE("elementwise axis aligns the smaller operand", "[paddle]") {
  B b;
  b.feed("x", {2, 3, 2, 2});
  b.param("c", ramp(Shape{3}));
  B::setInt(b.op("elementwise_add", {{"X", {"x"}}, {"Y", {"c"}}},
                 {{"Out", {"y"}}}),
            "axis", 1);
  b.param("d", ramp(Shape{3, 1}));
  B::setInt(b.op("elementwise_mul", {{"X", {"y"}}, {"Y", {"d"}}},
                 {{"Out", {"z"}}}),
            "axis", 1);
  b.fetch("z");
  Tensor x(DType::F32, Shape{2, 3, 2, 2});
  for (int64_t i = 0; i < x.numElements(); ++i)
    x.data<float>()[i] = float(i);
  auto r = importAndRun(b, {x});
  Tensor c = ramp(Shape{3});
  for (int64_t i = 0; i < x.numElements(); ++i) {
    int64_t ch = (i / 4) % 3;
    float want = (float(i) + at(c, ch)) * at(c, ch); // d has c's values
    CHECK(at(r[0], i) == Approx(want));
  }
}

TEST_CASE("conv2d paddings: 4 values, SAME and VALID", "[paddle]") {
  auto build = [](const std::string &alg, std::vector<int> pads) {
    auto b = std::make_unique<B>();
    b->feed("x", {1, 1, 5, 5});
    b->param("w", ramp(Shape{2, 1, 3, 3}));
    auto &op = b->op("conv2d", {{"Input", {"x"}}, {"Filter", {"w"}}},
                     {{"Output", {"y"}}});
    B::setInts(op, "strides", {2, 2});
    B::setInts(op, "paddings", pads);
    B::setInts(op, "dilations", {1, 1});
    B::setInt(op, "groups", 1);
    B::setString(op, "padding_algorithm", alg);
    B::setString(op, "data_format", "NCHW");
    b->fetch("y");
    return b;
  };
  auto pads = [](B &b) {
    auto m = importPaddleProgram(b.program(), b.params(), "t", {});
    REQUIRE(bool(m));
    for (auto &n : (*m)->graph.nodes())
      if (n->kind() == OpKind::Conv)
        return std::vector<int64_t>(n->getInts("pads").begin(),
                                    n->getInts("pads").end());
    return std::vector<int64_t>();
  };
  // [top, bottom, left, right] -> [top, left, bottom, right]
  CHECK(pads(*build("EXPLICIT", {1, 2, 0, 1})) ==
        std::vector<int64_t>{1, 0, 2, 1});
  CHECK(pads(*build("EXPLICIT", {1, 2})) == std::vector<int64_t>{1, 2, 1, 2});
  // SAME, 5 -> 3 with stride 2 and k 3: total 2, 1 before, 1 after.
  CHECK(pads(*build("SAME", {7, 7})) == std::vector<int64_t>{1, 1, 1, 1});
  CHECK(pads(*build("VALID", {7, 7})) == std::vector<int64_t>{0, 0, 0, 0});
  CHECK_THAT(importError(*build("MIDDLE", {0, 0})),
             Catch::Contains("padding_algorithm=MIDDLE is not valid"));
}

TEST_CASE("pool2d: adaptive, global, exclusive", "[paddle]") {
  auto pool = [](std::vector<int> ksize, bool adaptive, bool exclusive) {
    B b;
    b.feed("x", {1, 1, 4, 4});
    auto &op = b.op("pool2d", {{"X", {"x"}}}, {{"Out", {"y"}}});
    B::setString(op, "pooling_type", "avg");
    B::setInts(op, "ksize", ksize);
    B::setInts(op, "strides", {1, 1});
    B::setInts(op, "paddings", {1, 1});
    B::setBool(op, "adaptive", adaptive);
    B::setBool(op, "exclusive", exclusive);
    b.fetch("y");
    Tensor x(DType::F32, Shape{1, 1, 4, 4});
    for (int i = 0; i < 16; ++i)
      x.data<float>()[i] = float(i);
    return importAndRun(b, {x})[0];
  };
  Tensor a = pool({2, 2}, true, true);
  REQUIRE(a.shape() == Shape{1, 1, 2, 2});
  CHECK(at(a, 0) == Approx((0 + 1 + 4 + 5) / 4.0));
  CHECK(at(a, 3) == Approx((10 + 11 + 14 + 15) / 4.0));
  Tensor g = pool({1, 1}, true, true);
  CHECK(g.shape() == Shape{1, 1, 1, 1});
  CHECK(at(g, 0) == Approx(7.5));
  // 3x3 window, padding 1: the corner sees 4 values (exclusive) or 9.
  CHECK(at(pool({3, 3}, false, true), 0) == Approx((0 + 1 + 4 + 5) / 4.0));
  CHECK(at(pool({3, 3}, false, false), 0) == Approx((0 + 1 + 4 + 5) / 9.0));
}

TEST_CASE("mul flattens at x_num_col_dims and restores the dims",
          "[paddle]") {
  B b;
  b.feed("x", {2, 3, 4});
  b.param("w", ramp(Shape{4, 5}));
  auto &op = b.op("mul", {{"X", {"x"}}, {"Y", {"w"}}}, {{"Out", {"y"}}});
  B::setInt(op, "x_num_col_dims", 2);
  B::setInt(op, "y_num_col_dims", 1);
  b.fetch("y");
  Tensor x = ramp(Shape{2, 3, 4});
  auto r = importAndRun(b, {x});
  REQUIRE(r[0].shape() == Shape{2, 3, 5});
  Tensor w = ramp(Shape{4, 5});
  float want = 0;
  for (int k = 0; k < 4; ++k)
    want += at(x, 1 * 4 + k) * at(w, k * 5 + 2);
  CHECK(at(r[0], 1 * 5 + 2) == Approx(want));
}

TEST_CASE("matmul transposes and alpha; matmul_v2 trans_y", "[paddle]") {
  for (const char *type : {"matmul", "matmul_v2"}) {
    B b;
    b.feed("x", {3, 2});
    b.param("w", ramp(Shape{4, 3}));
    auto &op = b.op(type, {{"X", {"x"}}, {"Y", {"w"}}}, {{"Out", {"y"}}});
    bool v1 = llvm::StringRef(type) == "matmul";
    B::setBool(op, v1 ? "transpose_X" : "trans_x", true);
    B::setBool(op, v1 ? "transpose_Y" : "trans_y", true);
    if (v1)
      B::setFloat(op, "alpha", 0.5f);
    b.fetch("y");
    Tensor x = ramp(Shape{3, 2}), w = ramp(Shape{4, 3});
    auto r = importAndRun(b, {x});
    REQUIRE(r[0].shape() == Shape{2, 4});
    float want = 0;
    for (int k = 0; k < 3; ++k)
      want += at(x, k * 2 + 1) * at(w, 3 * 3 + k); // x^T[1,k] * w^T[k,3]
    CHECK(at(r[0], 1 * 4 + 3) == Approx(v1 ? 0.5f * want : want));
  }
}

TEST_CASE("fc = flatten, matmul, bias, relu", "[paddle]") {
  B b;
  b.feed("x", {2, 2, 3});
  b.param("w", ramp(Shape{6, 4}));
  b.param("bias", ramp(Shape{4}));
  auto &op = b.op("fc", {{"Input", {"x"}}, {"W", {"w"}}, {"Bias", {"bias"}}},
                  {{"Out", {"y"}}});
  B::setInt(op, "in_num_col_dims", 1);
  B::setString(op, "activation_type", "relu");
  b.fetch("y");
  Tensor x = ramp(Shape{2, 2, 3}), w = ramp(Shape{6, 4}), bias = ramp(Shape{4});
  auto r = importAndRun(b, {x});
  REQUIRE(r[0].shape() == Shape{2, 4});
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 4; ++j) {
      float s = at(bias, j);
      for (int k = 0; k < 6; ++k)
        s += at(x, i * 6 + k) * at(w, k * 4 + j);
      CHECK(at(r[0], i * 4 + j) == Approx(std::max(s, 0.0f)));
    }
}

TEST_CASE("scale, dropout and relu6 semantics", "[paddle]") {
  auto run1 = [](const std::function<void(B &)> &add) {
    B b;
    b.feed("x", {1, 4});
    add(b);
    b.fetch("y");
    Tensor x(DType::F32, Shape{1, 4});
    for (int i = 0; i < 4; ++i)
      x.data<float>()[i] = float(i) * 3.0f - 2.0f; // -2 1 4 7
    return importAndRun(b, {x})[0];
  };
  Tensor s = run1([](B &b) {
    auto &op = b.op("scale", {{"X", {"x"}}}, {{"Out", {"y"}}});
    B::setFloat(op, "scale", 2.0f);
    B::setFloat(op, "bias", 1.0f);
    B::setBool(op, "bias_after_scale", false);
  });
  CHECK(at(s, 0) == Approx(2.0f * (-2.0f + 1.0f)));
  Tensor s2 = run1([](B &b) {
    auto &op = b.op("scale", {{"X", {"x"}}}, {{"Out", {"y"}}});
    B::setFloat(op, "scale", 2.0f);
    B::setFloat(op, "bias", 1.0f);
  });
  CHECK(at(s2, 0) == Approx(2.0f * -2.0f + 1.0f));
  Tensor d = run1([](B &b) {
    auto &op = b.op("dropout", {{"X", {"x"}}}, {{"Out", {"y"}}, {"Mask", {"m"}}});
    B::setFloat(op, "dropout_prob", 0.25f);
  });
  CHECK(at(d, 3) == Approx(7.0f * 0.75f)); // downgrade_in_infer
  Tensor u = run1([](B &b) {
    auto &op = b.op("dropout", {{"X", {"x"}}}, {{"Out", {"y"}}});
    B::setFloat(op, "dropout_prob", 0.25f);
    B::setString(op, "dropout_implementation", "upscale_in_train");
  });
  CHECK(at(u, 3) == 7.0f);
  Tensor r6 = run1([](B &b) {
    auto &op = b.op("relu6", {{"X", {"x"}}}, {{"Out", {"y"}}});
    B::setFloat(op, "threshold", 5.0f);
  });
  CHECK(at(r6, 0) == 0.0f);
  CHECK(at(r6, 3) == 5.0f);
  Tensor hs = run1([](B &b) {
    b.op("hard_swish", {{"X", {"x"}}}, {{"Out", {"y"}}});
  });
  CHECK(at(hs, 1) == Approx(1.0f * 4.0f / 6.0f));
  Tensor sw = run1([](B &b) {
    auto &op = b.op("swish", {{"X", {"x"}}}, {{"Out", {"y"}}});
    B::setFloat(op, "beta", 2.0f);
  });
  CHECK(at(sw, 1) == Approx(1.0f / (1.0f + std::exp(-2.0f))));
}

TEST_CASE("reshape2 0/-1, transpose2, concat, flattens", "[paddle]") {
  B b;
  b.feed("x", {2, 3, 4});
  auto &r = b.op("reshape2", {{"X", {"x"}}}, {{"Out", {"r"}}, {"XShape", {"rs"}}});
  B::setInts(r, "shape", {0, -1, 2});
  auto &t = b.op("transpose2", {{"X", {"r"}}}, {{"Out", {"t"}}});
  B::setInts(t, "axis", {2, 0, 1});
  auto &c = b.op("concat", {{"X", {"t", "t"}}}, {{"Out", {"c"}}});
  B::setInt(c, "axis", -1);
  auto &f = b.op("flatten_contiguous_range", {{"X", {"c"}}}, {{"Out", {"f"}}});
  B::setInt(f, "start_axis", 0);
  B::setInt(f, "stop_axis", 1);
  auto &f2 = b.op("flatten2", {{"X", {"c"}}}, {{"Out", {"g"}}});
  B::setInt(f2, "axis", 2);
  b.fetch("f", 0);
  b.fetch("g", 1);
  auto out = importAndRun(b, {ramp(Shape{2, 3, 4})});
  CHECK(out[0].shape() == Shape{4, 12}); // r 2x6x2, t 2x2x6, c 2x2x12
  CHECK(out[1].shape() == Shape{4, 12});
  // c[1,0,6+5] = t[1,0,5] = r[0,5,1] = x.flat[11]; f row 1*2+0, column 11.
  CHECK(at(out[0], 2 * 12 + 11) == at(ramp(Shape{24}), 11));
}

TEST_CASE("bad attributes and undefined variables name the op", "[paddle]") {
  B b;
  b.feed("x", {1, 4});
  b.op("relu", {{"X", {"nowhere"}}}, {{"Out", {"y"}}});
  b.fetch("y");
  CHECK_THAT(importError(b),
             Catch::Contains("test.pdmodel: op #1 'relu' (output 'y'): input "
                             "variable 'nowhere' is neither produced"));
  B c;
  c.feed("x", {1, 4});
  auto &op = c.op("softmax", {{"X", {"x"}}}, {{"Out", {"y"}}});
  B::setString(op, "axis", "last");
  c.fetch("y");
  CHECK_THAT(importError(c),
             Catch::Contains("op #1 'softmax' (output 'y'): attribute 'axis' "
                             "is STRING, expected an integer"));
}
