#include "OpTestHelpers.h"

#include "ir/ops/Broadcast.h"

using namespace onntc;
using namespace onntc::test;
using O = Operand;

TEST_CASE("Add: same shape, scalar, per-channel and two-sided broadcast",
          "[ir][elementwise]") {
  Tensor a = f32({2, 3}, {1, 2, 3, 4, 5, 6});
  checkClose(run1(OpKind::Add,
                  {O::in(a), O::in(f32({2, 3}, {10, 20, 30, 40, 50, 60}))}),
             {11, 22, 33, 44, 55, 66});
  // Scalar on either side.
  checkClose(run1(OpKind::Add, {O::in(a), O::in(Tensor::scalarFloat(0.5f))}),
             {1.5, 2.5, 3.5, 4.5, 5.5, 6.5});
  checkClose(run1(OpKind::Sub, {O::in(Tensor::scalarFloat(10)), O::in(a)}),
             {9, 8, 7, 6, 5, 4});
  // Per-channel: [1,3,2,2] + [3,1,1].
  Tensor x = f32({1, 3, 2, 2}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
  checkClose(
      run1(OpKind::Add, {O::in(x), O::in(f32({3, 1, 1}, {100, 200, 300}))}),
      {100, 101, 102, 103, 204, 205, 206, 207, 308, 309, 310, 311});
  // Both sides broadcast: [3,1] * [1,4] -> [3,4].
  Tensor y = run1(OpKind::Mul, {O::in(f32({3, 1}, {1, 2, 3})),
                                O::in(f32({1, 4}, {1, 10, 100, 1000}))});
  CHECK(y.shape() == Shape{3, 4});
  checkClose(y, {1, 10, 100, 1000, 2, 20, 200, 2000, 3, 30, 300, 3000});
  // Middle-axis broadcast that cannot be merged: [2,1,3] + [2,2,1].
  Tensor z = run1(OpKind::Add, {O::in(f32({2, 1, 3}, {0, 1, 2, 3, 4, 5})),
                                O::in(f32({2, 2, 1}, {10, 20, 30, 40}))});
  CHECK(z.shape() == Shape{2, 2, 3});
  checkClose(z, {10, 11, 12, 20, 21, 22, 33, 34, 35, 43, 44, 45});
}

TEST_CASE("large broadcasts match a naive loop on several threads",
          "[ir][elementwise]") {
  // [2,64,24,24] - [64,1,1] (per channel) and [2,64,24,24] * [24] (last axis).
  const int64_t N = 2, C = 64, H = 24, W = 24;
  std::vector<float> xv(size_t(N * C * H * W)), cv(C), wv(W);
  for (size_t i = 0; i < xv.size(); ++i)
    xv[i] = float(int64_t(i * 7919 % 1000) - 500) / 100.0f;
  for (int64_t c = 0; c < C; ++c)
    cv[size_t(c)] = float(c) * 0.25f;
  for (int64_t w = 0; w < W; ++w)
    wv[size_t(w)] = float(w) - 3.0f;
  Tensor x = f32({N, C, H, W}, xv);
  Tensor sub = run1(OpKind::Sub, {O::in(x), O::in(f32({C, 1, 1}, cv))});
  Tensor mul = run1(OpKind::Mul, {O::in(x), O::in(f32({W}, wv))});
  Tensor mx = run1(OpKind::Max,
                   {O::in(x), O::in(f32({C, 1, 1}, cv)), O::in(f32({W}, wv))});
  bool okSub = true, okMul = true, okMax = true;
  for (int64_t i = 0; i < x.numElements(); ++i) {
    int64_t c = (i / (H * W)) % C, w = i % W;
    okSub &= sub.data<float>()[i] == xv[size_t(i)] - cv[size_t(c)];
    okMul &= mul.data<float>()[i] == xv[size_t(i)] * wv[size_t(w)];
    okMax &= mx.data<float>()[i] ==
             std::max(std::max(xv[size_t(i)], cv[size_t(c)]), wv[size_t(w)]);
  }
  CHECK(okSub);
  CHECK(okMul);
  CHECK(okMax);
}

TEST_CASE("broadcast layout merges dimensions", "[ir][elementwise]") {
  Shape out{8, 16, 10, 10}, ch{16, 1, 1};
  BroadcastLayout L = makeBroadcastLayout(out, {&out, &ch});
  // [8, 16, 100]: the spatial dims merge, the channel operand is 0-strided.
  REQUIRE(L.dims.size() == 3);
  CHECK(L.dims[2] == 100);
  CHECK(L.strides[1][2] == 0);
  CHECK(L.strides[1][1] == 1);
  CHECK(L.strides[1][0] == 0);
  BroadcastLayout same = makeBroadcastLayout(out, {&out, &out});
  CHECK(same.dims.size() == 1);
}

TEST_CASE("integer arithmetic: Div truncates, Mod both modes, Pow",
          "[ir][elementwise]") {
  Tensor a = ints(DType::I32, {4}, {7, -7, 7, -7});
  Tensor b = ints(DType::I32, {4}, {2, 2, -2, -2});
  CHECK(intsOf(run1(OpKind::Div, {O::in(a), O::in(b)})) ==
        std::vector<int64_t>{3, -3, -3, 3});
  // Division by zero is defined as 0 instead of trapping.
  CHECK(intsOf(run1(OpKind::Div, {O::in(ints(DType::I64, {1}, {5})),
                                  O::in(ints(DType::I64, {1}, {0}))})) ==
        std::vector<int64_t>{0});
  Tensor x = ints(DType::I64, {6}, {-4, 7, 5, 4, -7, 8});
  Tensor y = ints(DType::I64, {6}, {2, -3, 8, -2, 3, 5});
  CHECK(intsOf(run1(OpKind::Mod, {O::in(x), O::in(y)})) ==
        std::vector<int64_t>{0, -2, 5, 0, 2, 3});
  CHECK(
      intsOf(run1(OpKind::Mod, {O::in(x), O::in(y)}, {{"fmod", int64_t(1)}})) ==
      std::vector<int64_t>{0, 1, 5, 0, -1, 3});
  checkClose(run1(OpKind::Mod,
                  {O::in(f32({2}, {-7, 7})), O::in(f32({2}, {3, -3}))},
                  {{"fmod", int64_t(1)}}),
             {-1, 1});
  CHECK(intsOf(run1(OpKind::Pow, {O::in(ints(DType::I64, {3}, {1, 2, 3})),
                                  O::in(ints(DType::I64, {3}, {4, 5, 6}))})) ==
        std::vector<int64_t>{1, 32, 729});
  checkClose(run1(OpKind::Pow, {O::in(f32({2}, {2, 4})),
                                O::in(ints(DType::I32, {1}, {-1}))}),
             {0.5f, 0.25f});
  CHECK(intsOf(run1(OpKind::Pow, {O::in(ints(DType::I32, {2}, {2, 3})),
                                  O::in(f32({2}, {2, 0.5f}))})) ==
        std::vector<int64_t>{4, 1});
  // u8 wraps.
  CHECK(intsOf(run1(OpKind::Add, {O::in(ints(DType::U8, {2}, {250, 3})),
                                  O::in(ints(DType::U8, {2}, {10, 4}))})) ==
        std::vector<int64_t>{4, 7});
  CHECK(intsOf(run1(OpKind::Sub, {O::in(ints(DType::I8, {2}, {-128, 3})),
                                  O::in(ints(DType::I8, {1}, {1}))})) ==
        std::vector<int64_t>{127, 2});
}

TEST_CASE("comparisons and logic give bool", "[ir][elementwise]") {
  Tensor a = f32({4}, {1, 2, 3, NAN});
  Tensor b = Tensor::scalarFloat(2);
  Tensor g = run1(OpKind::Greater, {O::in(a), O::in(b)});
  CHECK(g.dtype() == DType::Bool);
  CHECK(intsOf(g) == std::vector<int64_t>{0, 0, 1, 0});
  CHECK(intsOf(run1(OpKind::LessOrEqual, {O::in(a), O::in(b)})) ==
        std::vector<int64_t>{1, 1, 0, 0});
  CHECK(
      intsOf(run1(OpKind::Equal, {O::in(ints(DType::I64, {3}, {1, 5, 7})),
                                  O::in(ints(DType::I64, {3}, {1, 4, 7}))})) ==
      std::vector<int64_t>{1, 0, 1});
  CHECK(intsOf(run1(OpKind::Equal,
                    {O::in(bools({2}, {1, 0})), O::in(bools({2}, {1, 1}))})) ==
        std::vector<int64_t>{1, 0});
  Tensor p = bools({2, 2}, {0, 0, 1, 1}), q = bools({2}, {0, 1});
  CHECK(intsOf(run1(OpKind::And, {O::in(p), O::in(q)})) ==
        std::vector<int64_t>{0, 0, 0, 1});
  CHECK(intsOf(run1(OpKind::Or, {O::in(p), O::in(q)})) ==
        std::vector<int64_t>{0, 1, 1, 1});
  CHECK(intsOf(run1(OpKind::Xor, {O::in(p), O::in(q)})) ==
        std::vector<int64_t>{0, 1, 1, 0});
  CHECK(intsOf(run1(OpKind::BitShift,
                    {O::in(ints(DType::U8, {3}, {1, 16, 255})),
                     O::in(ints(DType::U8, {3}, {2, 3, 9}))},
                    {{"direction", std::string("LEFT")}})) ==
        std::vector<int64_t>{4, 128, 0});
  CHECK(intsOf(run1(OpKind::BitShift,
                    {O::in(ints(DType::U16, {2}, {256, 7})),
                     O::in(ints(DType::U16, {1}, {1}))},
                    {{"direction", std::string("RIGHT")}})) ==
        std::vector<int64_t>{128, 3});
}

TEST_CASE("variadic Max/Min/Sum/Mean and PRelu", "[ir][elementwise]") {
  Tensor a = f32({3}, {1, 5, NAN}), b = f32({1}, {3}), c = f32({2, 1}, {0, 10});
  Tensor mx = run1(OpKind::Max, {O::in(a), O::in(b), O::in(c)});
  CHECK(mx.shape() == Shape{2, 3});
  checkClose(mx, {3, 5, NAN, 10, 10, NAN});
  checkClose(run1(OpKind::Min, {O::in(a), O::in(b)}), {1, 3, NAN});
  checkClose(run1(OpKind::Sum, {O::in(f32({2}, {1, 2})), O::in(b), O::in(b)}),
             {7, 8});
  checkClose(
      run1(OpKind::Mean, {O::in(f32({2}, {1, 2})), O::in(f32({2}, {3, 6}))}),
      {2, 4});
  checkClose(run1(OpKind::Sum, {O::in(f32({2}, {1, 2}))}), {1, 2});
  CHECK(intsOf(run1(OpKind::Mean, {O::in(ints(DType::I32, {2}, {1, 4})),
                                   O::in(ints(DType::I32, {2}, {2, 4}))})) ==
        std::vector<int64_t>{1, 4});
  checkClose(run1(OpKind::PRelu, {O::in(f32({2, 2}, {-1, 2, -3, 4})),
                                  O::in(f32({2, 1}, {0.5f, 0.25f}))}),
             {-0.5f, 2, -0.75f, 4});
}

TEST_CASE("Where selects any dtype with broadcast", "[ir][elementwise]") {
  Tensor c = bools({2, 1}, {1, 0});
  Tensor y =
      run1(OpKind::Where, {O::in(c), O::in(ints(DType::I64, {2}, {1, 2})),
                           O::in(ints(DType::I64, {}, {-9}))});
  CHECK(y.shape() == Shape{2, 2});
  CHECK(intsOf(y) == std::vector<int64_t>{1, 2, -9, -9});
  checkClose(run1(OpKind::Where,
                  {O::in(bools({3}, {0, 1, 0})), O::in(f32({3}, {1, 2, 3})),
                   O::in(f32({3}, {4, 5, 6}))}),
             {4, 2, 6});
  CHECK(intsOf(run1(OpKind::Where,
                    {O::in(bools({2}, {0, 1})), O::in(bools({2}, {1, 1})),
                     O::in(bools({2}, {0, 0}))})) ==
        std::vector<int64_t>{0, 1});
}

TEST_CASE("half types compute through f32", "[ir][elementwise]") {
  Tensor a = f32({3}, {1.5f, -2, 1000}).castTo(DType::F16);
  Tensor b = f32({1}, {0.25f}).castTo(DType::F16);
  Tensor s = run1(OpKind::Add, {O::in(a), O::in(b)});
  CHECK(s.dtype() == DType::F16);
  checkClose(s, {1.75f, -1.75f, 1000.0f});
  Tensor bf = run1(OpKind::Mul, {O::in(a.castTo(DType::BF16)),
                                 O::in(b.castTo(DType::BF16))});
  CHECK(bf.dtype() == DType::BF16);
  checkClose(bf, {0.375f, -0.5f, 250}, 1e-2f);
  Tensor lt = run1(OpKind::Less, {O::in(a), O::in(b)});
  CHECK(lt.dtype() == DType::Bool);
  CHECK(intsOf(lt) == std::vector<int64_t>{0, 1, 0});
}

TEST_CASE("elementwise errors", "[ir][elementwise]") {
  // Incompatible broadcast: inference and the kernel both refuse.
  std::string e = inferError(
      OpKind::Add, {O::typed(DType::F32, {2, 3}), O::typed(DType::F32, {4})});
  CHECK_THAT(e, Catch::Contains("cannot be broadcast"));
  {
    OneOp op(OpKind::Add,
             {O::typed(DType::F32, {2, 3}), O::typed(DType::F32, {3})}, {});
    KernelContext ctx(1);
    auto r = runNode(*op.node,
                     {f32({2, 3}, {1, 2, 3, 4, 5, 6}), f32({2}, {1, 2})}, ctx);
    REQUIRE(!r);
    CHECK_THAT(llvm::toString(r.takeError()),
               Catch::Contains("cannot be broadcast"));
  }
  CHECK_THAT(inferError(OpKind::Add,
                        {O::typed(DType::F32, {2}), O::typed(DType::I32, {2})}),
             Catch::Contains("insert a Cast"));
  CHECK_THAT(inferError(OpKind::Add, {O::typed(DType::Bool, {2}),
                                      O::typed(DType::Bool, {2})}),
             Catch::Contains("expected one of"));
  CHECK_THAT(inferError(OpKind::And,
                        {O::typed(DType::F32, {2}), O::typed(DType::F32, {2})}),
             Catch::Contains("bool"));
  CHECK_THAT(inferError(OpKind::BitShift,
                        {O::typed(DType::U8, {2}), O::typed(DType::U8, {2})},
                        {{"direction", std::string("UP")}}),
             Catch::Contains("LEFT"));
  CHECK_THAT(inferError(OpKind::Where,
                        {O::typed(DType::F32, {2}), O::typed(DType::F32, {2}),
                         O::typed(DType::F32, {2})}),
             Catch::Contains("bool"));
  // Dynamic dims propagate.
  TensorType t = inferred(OpKind::Add, {O::typed(DType::F32, {kDynamicDim, 3}),
                                        O::typed(DType::F32, {1, 3})});
  CHECK(t.shape == Shape{kDynamicDim, 3});
}

TEST_CASE("every elementwise op has hooks", "[ir][elementwise]") {
  for (OpKind k : {OpKind::Add,   OpKind::Sub,         OpKind::Mul,
                   OpKind::Div,   OpKind::Pow,         OpKind::PRelu,
                   OpKind::Equal, OpKind::Greater,     OpKind::GreaterOrEqual,
                   OpKind::Less,  OpKind::LessOrEqual, OpKind::And,
                   OpKind::Or,    OpKind::Xor,         OpKind::BitShift,
                   OpKind::Mod,   OpKind::Max,         OpKind::Min,
                   OpKind::Sum,   OpKind::Mean,        OpKind::Where}) {
    INFO(opInfo(k).name.str());
    CHECK(opHooks(k).infer);
    CHECK(opHooks(k).compute);
  }
}
