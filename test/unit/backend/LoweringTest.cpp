//===- LoweringTest.cpp - per-op lowering against the IR interpreter ------===//
//
// Each case builds a small graph, compiles it for BM1684 and BM1684X, runs
// the bmodel through the runtime on the cmodel and compares with runGraph.

#include "BackendTestUtil.h"

#include "ir/Verifier.h"
#include "isa/Target.h"

#include <catch2/catch.hpp>

using namespace onntc;
using namespace onntc::backendtest;
using Ints = std::vector<int64_t>;

TEST_CASE("conv 3x3 with bias, padding and fused relu", "[backend][conv]") {
  Builder b;
  Value *x = b.input("x", {1, 3, 17, 19});
  Value *c = b.op(OpKind::Conv, {x, b.constant({8, 3, 3, 3}), b.constant({8})},
                  {{"pads", Ints{1, 1, 1, 1}}});
  b.g.addOutput(b.op(OpKind::Relu, {c}));
  checkBothTargets(b);
}

TEST_CASE("conv stride 2, asymmetric padding, no bias", "[backend][conv]") {
  Builder b;
  Value *x = b.input("x", {2, 5, 16, 15});
  b.g.addOutput(b.op(OpKind::Conv, {x, b.constant({7, 5, 3, 2})},
                     {{"pads", Ints{0, 1, 1, 0}}, {"strides", Ints{2, 2}}}));
  checkBothTargets(b);
}

TEST_CASE("depthwise conv with relu6 over more than 64 channels",
          "[backend][conv]") {
  Builder b;
  Value *x = b.input("x", {1, 70, 15, 15});
  Value *c =
      b.op(OpKind::Conv, {x, b.constant({70, 1, 3, 3}), b.constant({70})},
           {{"pads", Ints{1, 1, 1, 1}},
            {"strides", Ints{2, 2}},
            {"group", int64_t(70)}});
  b.g.addOutput(b.op(OpKind::Clip, {c, b.scalar(0), b.scalar(6)}));
  checkBothTargets(b);
}

TEST_CASE("grouped dilated conv", "[backend][conv]") {
  Builder b;
  Value *x = b.input("x", {1, 8, 13, 11});
  b.g.addOutput(b.op(OpKind::Conv,
                     {x, b.constant({12, 4, 3, 3}), b.constant({12})},
                     {{"dilations", Ints{2, 2}},
                      {"pads", Ints{2, 1, 2, 1}},
                      {"group", int64_t(2)}}));
  checkBothTargets(b);
}

TEST_CASE("gemm with transB, bias, alpha/beta and fused relu",
          "[backend][gemm]") {
  Builder b;
  Value *x = b.input("x", {3, 37});
  Value *y = b.op(OpKind::Gemm, {x, b.constant({70, 37}), b.constant({70})},
                  {{"transB", int64_t(1)}, {"alpha", 0.5f}, {"beta", 2.0f}});
  b.g.addOutput(b.op(OpKind::Relu, {y}));
  checkBothTargets(b);
}

TEST_CASE("matmul: shared and batched right matrices", "[backend][gemm]") {
  Builder b;
  Value *x = b.input("x", {3, 5, 7});
  b.g.addOutput(b.op(OpKind::MatMul, {x, b.constant({7, 9})}));
  Value *p = b.input("p", {2, 3, 5, 7});
  Value *q = b.input("q", {2, 3, 7, 4});
  b.g.addOutput(b.op(OpKind::MatMul, {p, q}));
  checkBothTargets(b);
}

TEST_CASE("max/avg/global pooling incl. ceil mode", "[backend][pool]") {
  Builder b;
  Value *x = b.input("x", {2, 67, 14, 13});
  b.g.addOutput(b.op(OpKind::MaxPool, {x},
                     {{"kernel_shape", Ints{3, 3}},
                      {"strides", Ints{2, 2}},
                      {"pads", Ints{1, 1, 1, 1}},
                      {"ceil_mode", int64_t(1)}}));
  b.g.addOutput(b.op(OpKind::AveragePool, {x},
                     {{"kernel_shape", Ints{3, 3}},
                      {"pads", Ints{1, 1, 1, 1}},
                      {"count_include_pad", int64_t(1)}}));
  b.g.addOutput(b.op(OpKind::AveragePool, {x},
                     {{"kernel_shape", Ints{2, 3}},
                      {"strides", Ints{2, 2}},
                      {"pads", Ints{0, 1, 0, 1}},
                      {"ceil_mode", int64_t(1)}}));
  b.g.addOutput(b.op(OpKind::GlobalAveragePool, {x}));
  b.g.addOutput(b.op(OpKind::GlobalMaxPool, {x}));
  checkBothTargets(b);
}

TEST_CASE("binary ops with broadcast and scalar operands",
          "[backend][elementwise]") {
  Builder b;
  Value *x = b.input("x", {1, 5, 7, 9});
  Value *y = b.input("y", {5, 1, 1});
  Value *a = b.op(OpKind::Add, {x, y});
  Value *m = b.op(OpKind::Mul, {a, b.scalar(1.5f)});
  Value *s = b.op(OpKind::Sub, {b.scalar(2.0f), m});
  Value *d = b.op(OpKind::Div, {s, b.constant({9}, 1.0f, 2.0f)});
  Value *z = b.input("z", {1, 1, 7, 1});
  b.g.addOutput(b.op(OpKind::Max, {d, z}));
  b.g.addOutput(b.op(OpKind::PRelu, {x, b.constant({5, 1, 1})}));
  checkBothTargets(b);
}

TEST_CASE("activations", "[backend][elementwise]") {
  Builder b;
  Value *x = b.input("x", {2, 3, 11, 13});
  for (OpKind k : {OpKind::Relu, OpKind::Sigmoid, OpKind::Tanh, OpKind::Exp,
                   OpKind::HardSwish, OpKind::Erf, OpKind::Gelu, OpKind::Abs,
                   OpKind::Softplus, OpKind::Neg})
    b.g.addOutput(b.op(k, {x}));
  b.g.addOutput(b.op(OpKind::LeakyRelu, {x}, {{"alpha", 0.1f}}));
  b.g.addOutput(b.op(OpKind::HardSigmoid, {x}));
  b.g.addOutput(b.op(OpKind::Clip, {x, b.scalar(-0.5f), b.scalar(0.25f)}));
  checkBothTargets(b);
}

TEST_CASE("concat, transpose, reshape, flatten", "[backend][data]") {
  Builder b;
  Value *x = b.input("x", {2, 3, 5, 7});
  Value *y = b.input("y", {2, 4, 5, 7});
  Value *c = b.op(OpKind::Concat, {x, y}, {{"axis", int64_t(1)}});
  Value *t = b.op(OpKind::Transpose, {c}, {{"perm", Ints{0, 2, 3, 1}}});
  Value *r =
      b.op(OpKind::Reshape,
           {t, b.constant(Tensor::fromInts(DType::I64, Shape{3}, {2, 35, 7}))});
  b.g.addOutput(b.op(OpKind::Sigmoid, {r}));
  b.g.addOutput(b.op(OpKind::Flatten, {c}));
  b.g.addOutput(b.op(OpKind::Concat, {x, b.constant({2, 3, 5, 2})},
                     {{"axis", int64_t(-1)}}));
  checkBothTargets(b);
}

TEST_CASE("softmax over the last and a middle axis", "[backend][softmax]") {
  Builder b;
  Value *x = b.input("x", {1, 300, 2});
  b.g.addOutput(b.op(OpKind::Softmax, {x}, {{"axis", int64_t(-1)}}));
  Value *y = b.input("y", {2, 10, 3, 5});
  b.g.addOutput(b.op(OpKind::Softmax, {y}, {{"axis", int64_t(1)}}));
  Value *z = b.input("z", {1, 1000});
  b.g.addOutput(b.op(OpKind::Softmax, {z}));
  checkBothTargets(b);
}

TEST_CASE("resize nearest x2 and batchnorm", "[backend][data]") {
  Builder b;
  Value *x = b.input("x", {1, 3, 5, 6});
  b.g.addOutput(
      b.op(OpKind::Resize,
           {x, nullptr, b.constant(Tensor::fromFloats(Shape{4}, {1, 1, 2, 2}))},
           {{"mode", std::string("nearest")},
            {"coordinate_transformation_mode", std::string("asymmetric")},
            {"nearest_mode", std::string("floor")}}));
  b.g.addOutput(b.op(OpKind::BatchNormalization,
                     {x, b.constant({3}), b.constant({3}), b.constant({3}),
                      b.constant({3}, 0.5f, 2.0f)}));
  checkBothTargets(b);
}

TEST_CASE("slice with steps and negative indices, constant pad",
          "[backend][data]") {
  Builder b;
  Value *x = b.input("x", {2, 6, 7, 9});
  auto i64 = [&](std::vector<int64_t> v) {
    return b.constant(
        Tensor::fromInts(DType::I64, Shape{int64_t(v.size())}, v));
  };
  b.g.addOutput(b.op(OpKind::Slice, {x, i64({3, 1}), i64({6, 100}), i64({1, 3}),
                                     i64({1, 2})}));
  b.g.addOutput(
      b.op(OpKind::Slice, {x, i64({-1}), i64({-100}), i64({2}), i64({-2})}));
  b.g.addOutput(
      b.op(OpKind::Pad, {x, i64({0, 0, 1, 2, 0, 1, 0, 1}), b.scalar(0.5f)}));
  checkBothTargets(b);
}

TEST_CASE("reductions over contiguous axes", "[backend][reduce]") {
  Builder b;
  Value *x = b.input("x", {2, 70, 5, 6});
  b.g.addOutput(b.op(OpKind::ReduceMean, {x},
                     {{"axes", Ints{2, 3}}, {"keepdims", int64_t(0)}}));
  b.g.addOutput(b.op(OpKind::ReduceSum, {x}, {{"axes", Ints{1}}}));
  b.g.addOutput(b.op(OpKind::ReduceMax, {x}, {{"axes", Ints{-1}}}));
  b.g.addOutput(b.op(OpKind::ReduceMin, {x}));
  Value *y = b.input("y", {3, 1, 4});
  b.g.addOutput(b.op(OpKind::ReduceSumSquare, {y}, {{"axes", Ints{0, 1}}}));
  checkBothTargets(b);
}

TEST_CASE("layer normalization over the last axes", "[backend][norm]") {
  Builder b;
  Value *x = b.input("x", {2, 70, 24});
  b.g.addOutput(b.op(OpKind::LayerNormalization,
                     {x, b.constant({24}), b.constant({24})}));
  Value *y = b.input("y", {3, 4, 5});
  b.g.addOutput(b.op(OpKind::LayerNormalization, {y, b.constant({4, 5})},
                     {{"axis", int64_t(1)}, {"epsilon", 1e-3f}}));
  checkBothTargets(b);
}

TEST_CASE("gather with constant indices", "[backend][data]") {
  Builder b;
  Value *x = b.input("x", {2, 5, 6});
  b.g.addOutput(
      b.op(OpKind::Gather,
           {x, b.constant(Tensor::fromInts(DType::I64, Shape{}, {0}))},
           {{"axis", int64_t(1)}}));
  b.g.addOutput(b.op(
      OpKind::Gather,
      {x, b.constant(Tensor::fromInts(DType::I64, Shape{2, 2}, {-1, 0, 3, 3}))},
      {{"axis", int64_t(2)}}));
  checkBothTargets(b);
}

//===-- INT8: the quantized op family, bit for bit ------------------------===//

namespace {

/// `count` requant multipliers in [2^30, 2^31) and shifts in
/// [shift, shift + 2]: the form requantFromScale produces.
std::pair<Ints, Ints> randomRequant(Builder &b, size_t count, int64_t shift) {
  std::uniform_int_distribution<int64_t> m(int64_t(1) << 30,
                                           (int64_t(1) << 31) - 1);
  std::uniform_int_distribution<int64_t> s(shift, shift + 2);
  Ints mult, sh;
  for (size_t i = 0; i < count; ++i) {
    mult.push_back(m(b.rng));
    sh.push_back(s(b.rng));
  }
  return {mult, sh};
}

Value *i8Const(Builder &b, Shape s) {
  return b.constant(b.randomInts(std::move(s), DType::I8));
}
Value *i32Const(Builder &b, Shape s, int64_t range) {
  return b.constant(b.randomInts(std::move(s), DType::I32, -range, range));
}

/// Every output bit for bit on both targets, and at least `minCmds` BDC
/// commands of mnemonic `what` on each (the op was split into tiles).
void checkExactTiled(Builder &b, const char *what, size_t minCmds) {
  for (const isa::TargetInfo *t : isa::allTargets()) {
    RunFigures f = compileRunCompare(b, *t);
    size_t cmds = 0;
    for (const isa::Command &c : f.bdc)
      if (c.mnemonic() == what)
        ++cmds;
    INFO("target " << t->name.str() << ": " << f.mismatches
                   << " elements differ, " << cmds << " " << what
                   << " commands");
    CHECK(f.mismatches == 0);
    CHECK(cmds >= minCmds);
  }
}

} // namespace

TEST_CASE("int8: quantize (ties, saturation, NaN) and dequantize",
          "[backend][int8]") {
  Builder b;
  std::vector<float> v;
  const float scale = 0.02f;
  // Ties of x * (1/scale), values beyond the range, infinities and NaN,
  // then random values; 70 x 37 so that all lanes and a ragged tail work.
  for (int i = -300; i < 300; ++i)
    v.push_back(float(i) * 0.01f);
  v.push_back(NAN);
  v.push_back(INFINITY);
  v.push_back(-INFINITY);
  v.push_back(1e30f);
  while (v.size() < 70 * 37)
    v.push_back(std::uniform_real_distribution<float>(-4, 4)(b.rng));
  Value *x = b.input("x", Tensor::fromFloats(Shape{70, 37}, v));
  Value *q = b.op(OpKind::Quantize, {x},
                  {{"scale", scale}, {"zero_point", int64_t(3)}});
  b.g.addOutput(q);
  Value *u = b.op(
      OpKind::Quantize, {x},
      {{"scale", 0.013f}, {"zero_point", int64_t(128)}, {"to", DType::U8}});
  b.g.addOutput(u);
  b.g.addOutput(b.op(OpKind::Dequantize, {q},
                     {{"scale", scale}, {"zero_point", int64_t(3)}}));
  Value *a = b.qinput("a", {2, 67, 9, 11}, DType::I8);
  b.g.addOutput(b.op(OpKind::Dequantize, {a}, {{"scale", 0.0371f}}));
  Value *w = b.qinput("w", {3, 1001}, DType::I32);
  b.g.addOutput(b.op(OpKind::Dequantize, {w},
                     {{"scale", 1.7e-5f}, {"zero_point", int64_t(-9)}}));
  checkBothTargetsExact(b);
}

TEST_CASE("int8: qconv per channel, bias, relu, stride, tiled rows",
          "[backend][int8]") {
  Builder b;
  // 601 x 517 i8 per lane is too large for one tile with the output:
  // the rows are split, interior tiles read real halo rows.
  Value *x = b.qinput("x", {1, 8, 601, 517}, DType::I8);
  auto rq = randomRequant(b, 12, 38);
  b.g.addOutput(b.op(OpKind::QConv,
                     {x, i8Const(b, {12, 8, 3, 3}), i32Const(b, {12}, 20000)},
                     {{"pads", Ints{1, 1, 1, 1}},
                      {"multiplier", rq.first},
                      {"shift", rq.second},
                      {"relu", int64_t(1)},
                      {"out_zp", int64_t(-5)}}));
  checkExactTiled(b, "conv", 2);
}

TEST_CASE("int8: qconv whose weights need output-channel slices",
          "[backend][int8]") {
  Builder b;
  // 1024 x 7 x 7 i8 weights per output channel, 12 channel groups per lane:
  // more than local memory, so the per-channel requant table is loaded with
  // each slice's weights and bias.
  Value *x = b.qinput("x", {1, 1024, 4, 4}, DType::I8);
  auto rq = randomRequant(b, 768, 44);
  b.g.addOutput(
      b.op(OpKind::QConv,
           {x, i8Const(b, {768, 1024, 7, 7}), i32Const(b, {768}, 200000)},
           {{"pads", Ints{3, 3, 3, 3}},
            {"multiplier", rq.first},
            {"shift", rq.second}}));
  checkExactTiled(b, "conv", 2);
}

TEST_CASE("int8: qconv per tensor, u8 input with a zero point, stride 2, "
          "asymmetric pads, more than 64 output channels",
          "[backend][int8]") {
  Builder b;
  Value *x = b.qinput("x", {2, 5, 16, 15}, DType::U8);
  b.g.addOutput(b.op(OpKind::QConv, {x, i8Const(b, {70, 5, 3, 2})},
                     {{"pads", Ints{0, 1, 1, 0}},
                      {"strides", Ints{2, 2}},
                      {"multiplier", Ints{1518500250}},
                      {"shift", Ints{40}},
                      {"in_zp", int64_t(128)}}));
  checkBothTargetsExact(b);
}

TEST_CASE("int8: depthwise and grouped dilated qconv", "[backend][int8]") {
  Builder b;
  Value *x = b.qinput("x", {1, 70, 15, 15}, DType::I8);
  auto rq = randomRequant(b, 70, 35);
  b.g.addOutput(b.op(OpKind::QConv,
                     {x, i8Const(b, {70, 1, 3, 3}), i32Const(b, {70}, 3000)},
                     {{"pads", Ints{1, 1, 1, 1}},
                      {"strides", Ints{2, 2}},
                      {"group", int64_t(70)},
                      {"multiplier", rq.first},
                      {"shift", rq.second},
                      {"relu", int64_t(1)}}));
  Value *y = b.qinput("y", {1, 8, 13, 11}, DType::I8);
  auto rq2 = randomRequant(b, 12, 36);
  b.g.addOutput(b.op(OpKind::QConv,
                     {y, i8Const(b, {12, 4, 3, 3}), i32Const(b, {12}, 3000)},
                     {{"dilations", Ints{2, 2}},
                      {"pads", Ints{2, 1, 2, 1}},
                      {"group", int64_t(2)},
                      {"multiplier", rq2.first},
                      {"shift", rq2.second}}));
  checkBothTargetsExact(b);
}

TEST_CASE("int8: qmatmul per tensor with bias and relu, trans_b, tiled",
          "[backend][int8]") {
  Builder b;
  // The output (40000 rows over 64 lanes, 900 columns) needs several tiles.
  Value *a = b.qinput("a", {40000, 8}, DType::I8);
  b.g.addOutput(b.op(OpKind::QMatMul,
                     {a, i8Const(b, {8, 900}), i32Const(b, {900}, 5000)},
                     {{"multiplier", Ints{1300000000}},
                      {"shift", Ints{36}},
                      {"relu", int64_t(1)}}));
  checkExactTiled(b, "matmul", 2);
  Builder c;
  Value *p = c.qinput("p", {37, 300}, DType::I8);
  c.g.addOutput(c.op(OpKind::QMatMul, {p, i8Const(c, {130, 300})},
                     {{"trans_b", int64_t(1)},
                      {"multiplier", Ints{1100000000}},
                      {"shift", Ints{40}},
                      {"out_zp", int64_t(7)}}));
  checkBothTargetsExact(c);
}

TEST_CASE("int8: qmatmul per column (the transposed product), tiled",
          "[backend][int8]") {
  Builder b;
  Value *a = b.qinput("a", {40000, 40}, DType::I8);
  auto rq = randomRequant(b, 130, 39);
  b.g.addOutput(b.op(
      OpKind::QMatMul, {a, i8Const(b, {40, 130}), i32Const(b, {130}, 30000)},
      {{"multiplier", rq.first}, {"shift", rq.second}, {"relu", int64_t(1)}}));
  checkExactTiled(b, "matmul", 2);
  Builder c;
  Value *p = c.qinput("p", {3, 77}, DType::I8);
  auto rq2 = randomRequant(c, 70, 40);
  c.g.addOutput(c.op(OpKind::QMatMul, {p, i8Const(c, {70, 77})},
                     {{"trans_b", int64_t(1)},
                      {"multiplier", rq2.first},
                      {"shift", rq2.second}}));
  checkBothTargetsExact(c);
}

TEST_CASE("int8: qadd with broadcast and relu, tiled", "[backend][int8]") {
  Builder b;
  Value *x = b.qinput("x", {1, 70, 61, 257}, DType::I8);
  Value *y = b.qinput("y", {1, 70, 61, 257}, DType::I8);
  b.g.addOutput(b.op(OpKind::QAdd, {x, y},
                     {{"multiplier", Ints{23170, -19000}},
                      {"shift", int64_t(15)},
                      {"relu", int64_t(1)}}));
  Value *z = b.qinput("z", {70, 1, 1}, DType::I8);
  b.g.addOutput(b.op(OpKind::QAdd, {x, z},
                     {{"multiplier", Ints{32767, 32767}},
                      {"shift", int64_t(14)},
                      {"out_zp", int64_t(-3)}}));
  checkExactTiled(b, "binary", 6);
}

TEST_CASE("int8: qavg_pool (padded, global) and i8 max pooling",
          "[backend][int8]") {
  Builder b;
  Value *x = b.qinput("x", {2, 67, 14, 13}, DType::I8);
  b.g.addOutput(b.op(OpKind::QAvgPool, {x},
                     {{"kernel_shape", Ints{3, 3}},
                      {"pads", Ints{1, 1, 1, 1}},
                      {"multiplier", int64_t(1908874354)},
                      {"shift", int64_t(34)}}));
  b.g.addOutput(b.op(OpKind::QAvgPool, {x},
                     {{"kernel_shape", Ints{14, 13}},
                      {"multiplier", int64_t(1509949440)},
                      {"shift", int64_t(37)},
                      {"out_zp", int64_t(2)}}));
  b.g.addOutput(b.op(OpKind::MaxPool, {x},
                     {{"kernel_shape", Ints{3, 3}},
                      {"strides", Ints{2, 2}},
                      {"pads", Ints{1, 1, 1, 1}}}));
  b.g.addOutput(b.op(OpKind::GlobalMaxPool, {x}));
  checkBothTargetsExact(b);
}

TEST_CASE("int8: requant per tensor and per channel, lut", "[backend][int8]") {
  Builder b;
  Value *acc = b.qinput("acc", {2, 70, 9, 7}, DType::I32);
  b.g.addOutput(b.op(OpKind::Requant, {acc},
                     {{"multiplier", Ints{1234567890}},
                      {"shift", Ints{43}},
                      {"in_zp", int64_t(-17)},
                      {"out_zp", int64_t(4)}}));
  Value *x = b.qinput("x", {2, 70, 9, 7}, DType::I8);
  auto rq = randomRequant(b, 70, 30);
  b.g.addOutput(b.op(OpKind::Requant, {x},
                     {{"multiplier", rq.first}, {"shift", rq.second}}));
  auto rq2 = randomRequant(b, 3, 29);
  Value *u = b.qinput("u", {1, 3, 200, 300}, DType::I8);
  b.g.addOutput(b.op(
      OpKind::Requant, {u},
      {{"multiplier", rq2.first}, {"shift", rq2.second}, {"to", DType::U8}}));
  b.g.addOutput(
      b.op(OpKind::Lut, {x, b.constant(b.randomInts({256}, DType::I8))}));
  b.g.addOutput(
      b.op(OpKind::Lut, {u, b.constant(b.randomInts({256}, DType::U8))}));
  checkBothTargetsExact(b);
}

TEST_CASE("int8: data movement on i8 values", "[backend][int8]") {
  Builder b;
  Value *x = b.qinput("x", {2, 3, 5, 7}, DType::I8);
  Value *y = b.qinput("y", {2, 4, 5, 7}, DType::I8);
  Value *c = b.op(OpKind::Concat, {x, y}, {{"axis", int64_t(1)}});
  Value *t = b.op(OpKind::Transpose, {c}, {{"perm", Ints{0, 2, 3, 1}}});
  Value *r =
      b.op(OpKind::Reshape,
           {t, b.constant(Tensor::fromInts(DType::I64, Shape{3}, {2, 35, 7}))});
  b.g.addOutput(
      b.op(OpKind::Lut, {r, b.constant(b.randomInts({256}, DType::I8))}));
  b.g.addOutput(b.op(OpKind::Flatten, {c}));
  auto i64 = [&](std::vector<int64_t> v) {
    return b.constant(
        Tensor::fromInts(DType::I64, Shape{int64_t(v.size())}, v));
  };
  b.g.addOutput(b.op(OpKind::Slice, {x, i64({1, 1}), i64({3, 100}), i64({1, 3}),
                                     i64({1, 2})}));
  b.g.addOutput(b.op(OpKind::Pad, {x, i64({0, 0, 1, 2, 0, 1, 0, 1})}));
  b.g.addOutput(
      b.op(OpKind::Resize,
           {x, nullptr, b.constant(Tensor::fromFloats(Shape{4}, {1, 1, 2, 2}))},
           {{"mode", std::string("nearest")},
            {"coordinate_transformation_mode", std::string("asymmetric")},
            {"nearest_mode", std::string("floor")}}));
  Value *s = b.op(OpKind::Unsqueeze, {x}, {{"axes", Ints{0}}});
  b.g.addOutput(b.op(OpKind::Squeeze, {s}, {{"axes", Ints{0}}}));
  checkBothTargetsExact(b);
}

TEST_CASE("int8: the forms the rows do not lower are named, per node",
          "[backend][int8]") {
  Builder b;
  Value *x = b.qinput("x", {1, 8, 6, 6}, DType::I8);
  // The pool command sums raw values: no input zero point.
  b.g.addOutput(b.op(OpKind::QAvgPool, {x},
                     {{"kernel_shape", Ints{2, 2}},
                      {"multiplier", int64_t(1 << 30)},
                      {"shift", int64_t(32)},
                      {"in_zp", int64_t(3)}}));
  // Per-column requant with a zero point on A.
  Value *a = b.qinput("a", {4, 8}, DType::I8);
  b.g.addOutput(b.op(OpKind::QMatMul, {a, i8Const(b, {8, 3})},
                     {{"multiplier", Ints{1 << 30, 1 << 30, 1 << 30}},
                      {"shift", Ints{31, 31, 31}},
                      {"a_zp", int64_t(1)}}));
  // An i8 pad must pad with the zero point 0.
  b.g.addOutput(b.op(OpKind::Pad,
                     {x,
                      b.constant(Tensor::fromInts(DType::I64, Shape{8},
                                                  {0, 0, 1, 1, 0, 0, 1, 1})),
                      b.constant(Tensor::fromInts(DType::I8, Shape{}, {5}))}));
  // Element-wise FP32 ops do not take i8 values (the quantize stage makes
  // them luts).
  b.g.addOutput(b.op(OpKind::Relu, {x}));
  REQUIRE(!inferTypes(b.g).operator bool());
  auto cm = backend::compileToBModel(b.g, isa::getBM1684Target());
  REQUIRE(!cm);
  std::string msg = llvm::toString(cm.takeError());
  CHECK_THAT(msg, Catch::Contains("4 node(s) cannot be lowered"));
  CHECK_THAT(msg, Catch::Contains("in_zp != 0 is not supported"));
  CHECK_THAT(msg, Catch::Contains("a per-column requant needs a_zp = 0"));
  CHECK_THAT(msg, Catch::Contains("an 8-bit pad must pad with 0"));
  CHECK_THAT(msg, Catch::Contains("only f32 is supported (got i8)"));
}
