//===- LoweringTest.cpp - per-op lowering against the IR interpreter ------===//
//
// Each case builds a small graph, compiles it for BM1684 and BM1684X, runs
// the bmodel through the runtime on the cmodel and compares with runGraph.

#include "BackendTestUtil.h"

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
