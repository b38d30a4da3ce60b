// Reference kernels of the quantized family (ir/ops/Quant.def): hand-worked
// values for the rounding and saturation rules, and with an identity
// requant (multiplier 1, shift 0, i32 out) each integer op must equal its
// FP32 counterpart on small integers, where float arithmetic is exact.
#include "OpTestHelpers.h"

#include <random>

using namespace onntc;
using namespace onntc::test;
using O = Operand;

namespace {

Tensor randomInts(DType d, Shape s, int lo, int hi, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> dist(lo, hi);
  Tensor t(d, s);
  for (int64_t i = 0; i < t.numElements(); ++i)
    t.setInt(i, dist(rng));
  return t;
}

std::vector<int64_t> asInts(const Tensor &t) { return t.toInts(); }

std::vector<int64_t> roundedFloats(const Tensor &t) {
  std::vector<int64_t> r;
  for (float f : floatsOf(t))
    r.push_back(int64_t(f));
  return r;
}

} // namespace

TEST_CASE("quantize rounds half to even in f32 and saturates",
          "[ir][quant]") {
  Tensor x = f32({8}, {0.25f, 0.75f, -0.25f, 1.25f, 100, -100, NAN, 0});
  Tensor y = run1(OpKind::Quantize, {O::in(x)}, {{"scale", 0.5f}});
  CHECK(y.dtype() == DType::I8);
  CHECK(asInts(y) == std::vector<int64_t>{0, 2, 0, 2, 127, -128, 0, 0});
  Tensor u = run1(OpKind::Quantize, {O::in(x)},
                  {{"scale", 0.5f}, {"zero_point", int64_t(128)},
                   {"to", DType::U8}});
  CHECK(asInts(u) == std::vector<int64_t>{128, 130, 128, 130, 255, 0, 128, 128});
  TensorType t = inferred(OpKind::Quantize, {O::typed(DType::F32, {2, 3})},
                          {{"scale", 0.25f}, {"zero_point", int64_t(3)}});
  REQUIRE(t.quant);
  CHECK(t.quant->scale == std::vector<float>{0.25f});
  CHECK(t.quant->zeroPoint == std::vector<int32_t>{3});
  CHECK(inferError(OpKind::Quantize, {O::typed(DType::F32, {2})},
                   {{"scale", 0.0f}})
            .find("scale must be positive") != std::string::npos);
  CHECK(inferError(OpKind::Quantize, {O::typed(DType::F32, {2})},
                   {{"scale", 1.0f}, {"zero_point", int64_t(200)}})
            .find("outside i8") != std::string::npos);
}

TEST_CASE("dequantize", "[ir][quant]") {
  Tensor x = ints(DType::I8, {3}, {-128, 0, 5});
  checkClose(run1(OpKind::Dequantize, {O::in(x)},
                  {{"scale", 0.5f}, {"zero_point", int64_t(1)}}),
             {-64.5f, -0.5f, 2.0f}, 0);
}

TEST_CASE("qconv equals conv on integers with an identity requant",
          "[ir][quant]") {
  for (int64_t group : {int64_t(1), int64_t(2)}) {
    Tensor x = randomInts(DType::I8, {2, 4, 7, 6}, -128, 127, 1);
    Tensor w = randomInts(DType::I8, {6, 4 / group, 3, 3}, -127, 127, 2);
    Tensor b = randomInts(DType::I32, {6}, -5000, 5000, 3);
    std::vector<Attr> geo = {{"strides", std::vector<int64_t>{2, 1}},
                             {"pads", std::vector<int64_t>{1, 0, 1, 2}},
                             {"dilations", std::vector<int64_t>{1, 2}},
                             {"group", group}};
    std::vector<Attr> qa = geo;
    qa.push_back({"multiplier", std::vector<int64_t>{1}});
    qa.push_back({"shift", std::vector<int64_t>{0}});
    qa.push_back({"to", DType::I32});
    Tensor q = run1(OpKind::QConv, {O::in(x), O::constant(w), O::constant(b)},
                    qa);
    Tensor f = run1(OpKind::Conv,
                    {O::in(x.castTo(DType::F32)), O::constant(w.castTo(DType::F32)),
                     O::constant(b.castTo(DType::F32))},
                    geo);
    CHECK(asInts(q) == roundedFloats(f));
  }
}

TEST_CASE("qconv: zero point, per-channel requant, relu, saturation",
          "[ir][quant]") {
  // 1x1x2x2 input (u8, zp 10), two 1x1 filters.
  Tensor x = ints(DType::U8, {1, 1, 2, 2}, {10, 11, 20, 250});
  Tensor w = ints(DType::I8, {2, 1, 1, 1}, {3, -1});
  Tensor b = ints(DType::I32, {2}, {1, 0});
  Tensor y = run1(OpKind::QConv, {O::in(x), O::constant(w), O::constant(b)},
                  {{"multiplier", std::vector<int64_t>{1, 1}},
                   {"shift", std::vector<int64_t>{1, 0}},
                   {"in_zp", int64_t(10)},
                   {"out_zp", int64_t(-2)},
                   {"relu", int64_t(1)}});
  // ch0: acc = 1 + 3*(x-10) = 1, 4, 31, 721; >>1 rounding half up: 1, 2,
  // 16, 361; +zp: -1, 0, 14, 359 -> relu at zp, saturate: -1, 0, 14, 127.
  // ch1: acc = -(x-10) = 0, -1, -10, -240; +zp: -2, -3, -12, -242 -> relu
  // max(., -2): -2, -2, -2, -2.
  CHECK(asInts(y) == std::vector<int64_t>{-1, 0, 14, 127, -2, -2, -2, -2});
  CHECK(inferError(OpKind::QConv,
                   {O::typed(DType::I8, {1, 1, 2, 2}), O::constant(w)},
                   {{"multiplier", std::vector<int64_t>{1, 1, 1}},
                    {"shift", std::vector<int64_t>{0, 0, 0}}})
            .find("one per output channel") != std::string::npos);
  CHECK(inferError(OpKind::QConv,
                   {O::typed(DType::I8, {1, 1, 2, 2}), O::constant(w),
                    O::constant(ints(DType::I8, {2}, {0, 0}))},
                   {{"multiplier", std::vector<int64_t>{1}},
                    {"shift", std::vector<int64_t>{0}}})
            .find("bias must be i32") != std::string::npos);
}

TEST_CASE("qmatmul equals matmul on integers", "[ir][quant]") {
  Tensor a = randomInts(DType::I8, {3, 20}, -128, 127, 4);
  Tensor b = randomInts(DType::I8, {5, 20}, -127, 127, 5);
  Tensor bias = randomInts(DType::I32, {5}, -100, 100, 6);
  Tensor q = run1(OpKind::QMatMul,
                  {O::in(a), O::constant(b), O::constant(bias)},
                  {{"trans_b", int64_t(1)},
                   {"multiplier", std::vector<int64_t>{1}},
                   {"shift", std::vector<int64_t>{0}},
                   {"to", DType::I32}});
  Tensor f = run1(OpKind::Gemm,
                  {O::in(a.castTo(DType::F32)), O::constant(b.castTo(DType::F32)),
                   O::constant(bias.castTo(DType::F32))},
                  {{"transB", int64_t(1)}});
  CHECK(asInts(q) == roundedFloats(f));
  // Per-column requant: column j shifted right by j.
  Tensor y = run1(OpKind::QMatMul,
                  {O::in(ints(DType::I8, {1, 1}, {6})),
                   O::constant(ints(DType::I8, {1, 3}, {1, 1, 1}))},
                  {{"multiplier", std::vector<int64_t>{1, 1, 1}},
                   {"shift", std::vector<int64_t>{0, 1, 2}}});
  CHECK(asInts(y) == std::vector<int64_t>{6, 3, 2});
}

TEST_CASE("qadd rescales each input and rounds half up", "[ir][quant]") {
  Tensor a = ints(DType::I8, {1, 2, 1, 3}, {1, -1, 3, 100, -100, 0});
  Tensor b = ints(DType::I8, {1, 1, 1, 3}, {0, 0, -1});
  Tensor y = run1(OpKind::QAdd, {O::in(a), O::in(b)},
                  {{"multiplier", std::vector<int64_t>{1, 2}},
                   {"shift", int64_t(1)}});
  // (a + 2b) / 2 rounded half up: 1/2->1, -1/2->0, 1/2->1, 100/2, -100/2,
  // -2/2.
  CHECK(asInts(y) == std::vector<int64_t>{1, 0, 1, 50, -50, -1});
  Tensor r = run1(OpKind::QAdd, {O::in(a), O::in(b)},
                  {{"multiplier", std::vector<int64_t>{300, 0}},
                   {"shift", int64_t(0)},
                   {"relu", int64_t(1)}});
  CHECK(asInts(r) == std::vector<int64_t>{127, 0, 127, 127, 0, 0});
}

TEST_CASE("qavg_pool sums and requantizes", "[ir][quant]") {
  Tensor x = randomInts(DType::I8, {1, 3, 4, 4}, -128, 127, 7);
  std::vector<Attr> geo = {{"kernel_shape", std::vector<int64_t>{2, 2}},
                           {"strides", std::vector<int64_t>{2, 2}}};
  std::vector<Attr> qa = geo;
  qa.push_back({"multiplier", int64_t(1)});
  qa.push_back({"shift", int64_t(2)});
  Tensor q = run1(OpKind::QAvgPool, {O::in(x)}, qa);
  Tensor f = run1(OpKind::AveragePool, {O::in(x.castTo(DType::F32))}, geo);
  std::vector<float> ff = floatsOf(f);
  std::vector<int64_t> want;
  for (float v : ff)
    want.push_back(int64_t(std::floor(v + 0.5f))); // half up of sum/4
  CHECK(asInts(q) == want);
}

TEST_CASE("requant per channel and lut", "[ir][quant]") {
  Tensor x = ints(DType::I32, {1, 2, 2}, {1000, -1000, 1000, -3});
  Tensor y = run1(OpKind::Requant, {O::in(x)},
                  {{"multiplier", std::vector<int64_t>{1, 3}},
                   {"shift", std::vector<int64_t>{4, 1}},
                   {"out_zp", int64_t(1)}});
  // ch0: 1000/16 = 62.5 -> 63, -1000/16 = -62.5 -> -62 (half up); +1.
  // ch1: 3000/2 -> 1500 -> 127; -9/2 = -4.5 -> -4; +1.
  CHECK(asInts(y) == std::vector<int64_t>{64, -61, 127, -3});
  Tensor table(DType::I8, {256});
  for (int i = 0; i < 256; ++i)
    table.setInt(i, int8_t(uint8_t(i)) / 2);
  Tensor l = run1(OpKind::Lut,
                  {O::in(ints(DType::I8, {4}, {-128, -1, 0, 127})),
                   O::constant(table)});
  CHECK(asInts(l) == std::vector<int64_t>{-64, 0, 0, 63});
  CHECK(inferError(OpKind::Lut,
                   {O::typed(DType::I8, {4}),
                    O::constant(Tensor(DType::I8, {255}))})
            .find("256 entries") != std::string::npos);
}
