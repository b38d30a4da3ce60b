#include "OpTestHelpers.h"

using namespace onntc;
using namespace onntc::test;
using O = Operand;

TEST_CASE("activation functions on f32", "[ir][activation]") {
  checkClose(run1(OpKind::Relu, {O::in(f32({4}, {-1, 0, 2, NAN}))}),
             {0, 0, 2, NAN});
  checkClose(run1(OpKind::Sigmoid, {O::in(f32({2}, {0, 2}))}),
             {0.5f, 0.88079708f});
  checkClose(run1(OpKind::Tanh, {O::in(f32({1}, {0}))}), {0});
  checkClose(run1(OpKind::Erf, {O::in(f32({1}, {0.5f}))}), {0.52049988f});
  checkClose(run1(OpKind::Softplus, {O::in(f32({3}, {-1, 0, 100}))}),
             {0.31326169f, 0.69314718f, 100});
  checkClose(run1(OpKind::Softsign, {O::in(f32({2}, {1, -3}))}),
             {0.5f, -0.75f});
  checkClose(run1(OpKind::Mish, {O::in(f32({2}, {1, -2}))}),
             {0.86509839f, -0.25250148f});
  checkClose(run1(OpKind::HardSwish, {O::in(f32({5}, {-4, -1, 0, 1, 4}))}),
             {0, -1.0f / 3, 0, 2.0f / 3, 4});
  checkClose(run1(OpKind::Gelu, {O::in(f32({3}, {-1, 0.5f, 2}))}),
             {-0.15865525f, 0.34573123f, 1.95449974f});
  checkClose(run1(OpKind::Gelu, {O::in(f32({3}, {-1, 0.5f, 2}))},
                  {{"approximate", std::string("tanh")}}),
             {-0.15880801f, 0.34571401f, 1.95459769f});
  checkClose(run1(OpKind::Selu, {O::in(f32({2}, {-1, 2}))}),
             {-1.11133074f, 2.10140204f});
  checkClose(run1(OpKind::Celu, {O::in(f32({2}, {-1, 3}))}, {{"alpha", 2.0f}}),
             {-0.78693868f, 3});
  checkClose(run1(OpKind::Elu, {O::in(f32({2}, {-1, 3}))}, {{"alpha", 0.5f}}),
             {0.5f * (std::exp(-1.0f) - 1), 3});
  checkClose(run1(OpKind::LeakyRelu, {O::in(f32({2}, {-2, 3}))}), {-0.02f, 3});
  checkClose(run1(OpKind::ThresholdedRelu, {O::in(f32({3}, {0.5f, 1, 2}))}),
             {0, 0, 2});
  checkClose(run1(OpKind::HardSigmoid, {O::in(f32({3}, {-10, 0, 1}))}),
             {0, 0.5f, 0.7f});
}

TEST_CASE("math functions, rounding and predicates", "[ir][activation]") {
  checkClose(
      run1(OpKind::Round,
           {O::in(f32({7}, {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, 2.3f, -2.7f}))}),
      {0, 2, 2, 0, -2, 2, -3});
  checkClose(run1(OpKind::Floor, {O::in(f32({2}, {-1.5f, 1.5f}))}), {-2, 1});
  checkClose(run1(OpKind::Ceil, {O::in(f32({2}, {-1.5f, 1.5f}))}), {-1, 2});
  checkClose(run1(OpKind::Sqrt, {O::in(f32({2}, {4, -1}))}), {2, NAN});
  checkClose(run1(OpKind::Reciprocal, {O::in(f32({2}, {4, -0.5f}))}),
             {0.25f, -2});
  checkClose(run1(OpKind::Log, {O::in(f32({1}, {1}))}), {0});
  checkClose(run1(OpKind::Exp, {O::in(f32({1}, {1}))}), {2.71828183f});
  checkClose(run1(OpKind::Atanh, {O::in(f32({1}, {0.5f}))}), {0.54930614f});
  checkClose(run1(OpKind::Acosh, {O::in(f32({1}, {2}))}), {1.31695790f});
  checkClose(run1(OpKind::Sign, {O::in(f32({3}, {-3, 0, 0.1f}))}), {-1, 0, 1});
  CHECK(
      intsOf(run1(OpKind::Sign, {O::in(ints(DType::I32, {3}, {-7, 0, 9}))})) ==
      std::vector<int64_t>{-1, 0, 1});
  CHECK(intsOf(run1(OpKind::Abs, {O::in(ints(DType::I8, {3}, {-7, 0, 9}))})) ==
        std::vector<int64_t>{7, 0, 9});
  CHECK(intsOf(run1(OpKind::Neg, {O::in(ints(DType::I64, {2}, {-7, 9}))})) ==
        std::vector<int64_t>{7, -9});
  CHECK(intsOf(run1(OpKind::Relu, {O::in(ints(DType::I32, {2}, {-7, 9}))})) ==
        std::vector<int64_t>{0, 9});
  CHECK(intsOf(run1(OpKind::Not, {O::in(bools({2}, {1, 0}))})) ==
        std::vector<int64_t>{0, 1});
  Tensor special = f32({4}, {INFINITY, -INFINITY, NAN, 1});
  Tensor nan = run1(OpKind::IsNaN, {O::in(special)});
  CHECK(nan.dtype() == DType::Bool);
  CHECK(intsOf(nan) == std::vector<int64_t>{0, 0, 1, 0});
  CHECK(intsOf(run1(OpKind::IsInf, {O::in(special)})) ==
        std::vector<int64_t>{1, 1, 0, 0});
  CHECK(intsOf(run1(OpKind::IsInf, {O::in(special)},
                    {{"detect_negative", int64_t(0)}})) ==
        std::vector<int64_t>{1, 0, 0, 0});
  CHECK(
      intsOf(run1(OpKind::Identity, {O::in(ints(DType::I64, {2}, {3, 4}))})) ==
      std::vector<int64_t>{3, 4});
  // F16 goes through f32 and comes back as f16.
  Tensor h = run1(OpKind::Exp, {O::in(f32({2}, {0, 1}).castTo(DType::F16))});
  CHECK(h.dtype() == DType::F16);
  checkClose(h, {1, 2.71828f}, 1e-3f);
}

TEST_CASE("Clip with optional bounds and integer types", "[ir][activation]") {
  Tensor x = f32({5}, {-3, -1, 0, 1, 3});
  checkClose(run1(OpKind::Clip, {O::in(x), O::in(Tensor::scalarFloat(-1)),
                                 O::in(Tensor::scalarFloat(2))}),
             {-1, -1, 0, 1, 2});
  checkClose(run1(OpKind::Clip,
                  {O::in(x), O::none(), O::constant(Tensor::scalarFloat(0))}),
             {-3, -1, 0, 0, 0});
  checkClose(run1(OpKind::Clip, {O::in(x), O::constant(f32({1}, {0.5f}))}),
             {0.5f, 0.5f, 0.5f, 1, 3});
  checkClose(run1(OpKind::Clip, {O::in(x)}), {-3, -1, 0, 1, 3});
  CHECK(
      intsOf(run1(OpKind::Clip, {O::in(ints(DType::I64, {4}, {-9, 2, 5, 100})),
                                 O::in(ints(DType::I64, {}, {0})),
                                 O::in(ints(DType::I64, {}, {10}))})) ==
      std::vector<int64_t>{0, 2, 5, 10});
  // min > max: every element becomes max, as ONNX min(max(x, lo), hi).
  checkClose(run1(OpKind::Clip, {O::in(x), O::in(Tensor::scalarFloat(2)),
                                 O::in(Tensor::scalarFloat(1))}),
             {1, 1, 1, 1, 1});
}

TEST_CASE("Dropout in inference is identity with an all-true mask",
          "[ir][activation]") {
  OneOp op(OpKind::Dropout,
           {O::in(f32({2, 2}, {1, 2, 3, 4})),
            O::constant(Tensor::scalarFloat(0.3f))},
           {}, 2);
  auto r = op.run();
  REQUIRE_OK(r);
  checkClose((*r)[0], {1, 2, 3, 4});
  CHECK((*r)[1].dtype() == DType::Bool);
  CHECK(intsOf((*r)[1]) == std::vector<int64_t>{1, 1, 1, 1});
  CHECK_THAT(runError(OpKind::Dropout,
                      {O::in(f32({1}, {1})), O::in(Tensor::scalarFloat(0.5f)),
                       O::in(bools({}, {1}))}),
             Catch::Contains("training_mode"));
}

TEST_CASE("activation errors", "[ir][activation]") {
  CHECK_THAT(inferError(OpKind::Sigmoid, {O::typed(DType::I32, {2})}),
             Catch::Contains("expected one of f32"));
  CHECK_THAT(inferError(OpKind::Gelu, {O::typed(DType::F32, {2})},
                        {{"approximate", std::string("fast")}}),
             Catch::Contains("approximate"));
  CHECK_THAT(inferError(OpKind::Clip,
                        {O::typed(DType::F32, {2}), O::typed(DType::F32, {3})}),
             Catch::Contains("scalar"));
  CHECK_THAT(inferError(OpKind::Clip,
                        {O::typed(DType::F32, {2}), O::typed(DType::I32, {})}),
             Catch::Contains("dtype"));
  CHECK_THAT(inferError(OpKind::Not, {O::typed(DType::F32, {2})}),
             Catch::Contains("bool"));
  CHECK(inferred(OpKind::Relu, {O::typed(DType::BF16, {kDynamicDim, 4})}) ==
        TensorType(DType::BF16, Shape{kDynamicDim, 4}));
  CHECK(inferred(OpKind::IsNaN, {O::typed(DType::F32, {3})}).dtype ==
        DType::Bool);
}

TEST_CASE("every activation op has hooks", "[ir][activation]") {
  for (const OpInfo &i : allOps()) {
    bool mine = false;
#define OP(Id, ...) mine |= i.kind == OpKind::Id;
#define ATTR(...)
#include "ir/ops/Activation.def"
#undef OP
#undef ATTR
    if (!mine)
      continue;
    INFO(i.name.str());
    CHECK(opHooks(i.kind).infer);
    CHECK(opHooks(i.kind).compute);
  }
}
