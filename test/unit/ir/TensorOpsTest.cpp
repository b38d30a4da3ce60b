#include "OpTestHelpers.h"

#include <limits>
#include <numeric>
#include <random>

using namespace onntc;
using namespace onntc::test;
using O = Operand;

namespace {

Tensor iota(DType d, Shape s) {
  Tensor t(d, s);
  for (int64_t i = 0; i < t.numElements(); ++i)
    t.setInt(i, i);
  return t;
}

std::vector<int64_t> range(int64_t n) {
  std::vector<int64_t> v(static_cast<size_t>(n));
  std::iota(v.begin(), v.end(), 0);
  return v;
}

const int64_t kMax = std::numeric_limits<int64_t>::max();

} // namespace

TEST_CASE("Constant and Cast", "[ir][tensorops]") {
  CHECK(intsOf(run1(OpKind::Constant, {}, {{"value", i64({4, 5})}})) ==
        std::vector<int64_t>{4, 5});
  Tensor x = f32({5}, {1.7f, -1.7f, 2.5f, 0, 300});
  CHECK(intsOf(run1(OpKind::Cast, {O::in(x)}, {{"to", DType::I32}})) ==
        std::vector<int64_t>{1, -1, 2, 0, 300});
  CHECK(intsOf(run1(OpKind::Cast, {O::in(x)}, {{"to", DType::Bool}})) ==
        std::vector<int64_t>{1, 1, 1, 0, 1});
  Tensor h = run1(OpKind::Cast, {O::in(x)}, {{"to", DType::F16}});
  CHECK(h.dtype() == DType::F16);
  checkClose(h, {1.7f, -1.7f, 2.5f, 0, 300}, 1e-3f);
  Tensor bf = run1(OpKind::Cast, {O::in(h)}, {{"to", DType::BF16}});
  checkClose(bf, {1.7f, -1.7f, 2.5f, 0, 300}, 1e-2f);
  checkClose(
      run1(OpKind::Cast, {O::in(bools({2}, {1, 0}))}, {{"to", DType::F32}}),
      {1, 0});
  CHECK(intsOf(run1(OpKind::Cast, {O::in(ints(DType::I64, {2}, {200, -1}))},
                    {{"to", DType::U8}})) == std::vector<int64_t>{200, 255});
  // The typed fast paths agree with Tensor::castTo on every pair.
  std::vector<float> vals = {0,        1.5f,      -2.75f, 127.9f,
                             -128.5f,  300.25f,   65504,  -1e6f,
                             INFINITY, -INFINITY, NAN,    3.0e9f};
  Tensor src = f32({int64_t(vals.size())}, vals);
  const DType all[] = {DType::F32, DType::F16, DType::BF16, DType::I8,
                       DType::U8,  DType::I16, DType::U16,  DType::I32,
                       DType::I64, DType::Bool};
  for (DType from : all) {
    Tensor x = src.castTo(from);
    for (DType to : all) {
      INFO(dtypeName(from).str() << " -> " << dtypeName(to).str());
      Tensor y = run1(OpKind::Cast, {O::in(x)}, {{"to", to}});
      Tensor want = x.castTo(to);
      REQUIRE(y.dtype() == to);
      CHECK(std::memcmp(y.raw(), want.raw(), want.byteSize()) == 0);
    }
  }
}

TEST_CASE("Reshape, Flatten, Squeeze, Unsqueeze", "[ir][tensorops]") {
  Tensor x = iota(DType::F32, {2, 3, 4});
  Tensor y = run1(OpKind::Reshape, {O::in(x), O::constant(i64({0, -1}))});
  CHECK(y.shape() == Shape{2, 12});
  CHECK(intsOf(y) == range(24));
  // Runtime shape operand: rank known from its length, dims from the data.
  OneOp dyn(OpKind::Reshape, {O::in(x), O::in(i64({4, -1}))}, {});
  auto r = dyn.run();
  REQUIRE_OK(r);
  CHECK(dyn.node->output()->shape() == Shape{kDynamicDim, kDynamicDim});
  CHECK((*r)[0].shape() == Shape{4, 6});
  CHECK(inferred(OpKind::Reshape, {O::typed(DType::F32, {kDynamicDim, 3, 4}),
                                   O::constant(i64({0, 12}))})
            .shape == Shape{kDynamicDim, 12});
  CHECK(inferred(OpKind::Reshape,
                 {O::typed(DType::F32, {0, 3}), O::constant(i64({0, 4}))},
                 {{"allowzero", int64_t(1)}})
            .shape == Shape{0, 4});
  CHECK_THAT(inferError(OpKind::Reshape, {O::typed(DType::F32, {2, 3}),
                                          O::constant(i64({-1, -1}))}),
             Catch::Contains("more than one -1"));
  CHECK_THAT(inferError(OpKind::Reshape, {O::typed(DType::F32, {2, 3}),
                                          O::constant(i64({4, 2}))}),
             Catch::Contains("cannot reshape"));
  CHECK_THAT(inferError(OpKind::Reshape, {O::typed(DType::F32, {2, 3}),
                                          O::constant(i64({-7, 6}))}),
             Catch::Contains("invalid"));
  CHECK_THAT(inferError(OpKind::Reshape, {O::typed(DType::F32, {2, 3}),
                                          O::constant(i64({kMax, kMax, 2}))}),
             Catch::Contains("2^40"));

  CHECK(run1(OpKind::Flatten, {O::in(x)}).shape() == Shape{2, 12});
  CHECK(run1(OpKind::Flatten, {O::in(x)}, {{"axis", int64_t(0)}}).shape() ==
        Shape{1, 24});
  CHECK(run1(OpKind::Flatten, {O::in(x)}, {{"axis", int64_t(-1)}}).shape() ==
        Shape{6, 4});
  CHECK(!inferError(OpKind::Flatten, {O::typed(DType::F32, {2})},
                    {{"axis", int64_t(3)}})
             .empty());

  Tensor s = iota(DType::I64, {1, 3, 1, 2});
  CHECK(run1(OpKind::Squeeze, {O::in(s)}).shape() == Shape{3, 2});
  CHECK(run1(OpKind::Squeeze, {O::in(s)}, {{"axes", std::vector<int64_t>{-2}}})
            .shape() == Shape{1, 3, 2});
  CHECK_THAT(runError(OpKind::Squeeze, {O::in(s)},
                      {{"axes", std::vector<int64_t>{1}}}),
             Catch::Contains("cannot squeeze"));
  Tensor u = run1(OpKind::Unsqueeze, {O::in(iota(DType::U8, {3, 2}))},
                  {{"axes", std::vector<int64_t>{0, -1}}});
  CHECK(u.shape() == Shape{1, 3, 2, 1});
  CHECK_THAT(inferError(OpKind::Unsqueeze, {O::typed(DType::F32, {3})},
                        {{"axes", std::vector<int64_t>{0, 0}}}),
             Catch::Contains("twice"));
}

TEST_CASE("Transpose, including large NCHW <-> NHWC", "[ir][tensorops]") {
  Tensor m = iota(DType::I32, {2, 3});
  Tensor t = run1(OpKind::Transpose, {O::in(m)});
  CHECK(t.shape() == Shape{3, 2});
  CHECK(intsOf(t) == std::vector<int64_t>{0, 3, 1, 4, 2, 5});
  const int64_t N = 2, C = 48, H = 20, W = 36;
  Tensor x = iota(DType::F32, {N, C, H, W});
  Tensor nhwc = run1(OpKind::Transpose, {O::in(x)},
                     {{"perm", std::vector<int64_t>{0, 2, 3, 1}}});
  CHECK(nhwc.shape() == Shape{N, H, W, C});
  bool ok = true;
  for (int64_t n = 0; n < N; ++n)
    for (int64_t h = 0; h < H; ++h)
      for (int64_t w = 0; w < W; ++w)
        for (int64_t c = 0; c < C; ++c)
          ok &= nhwc.data<float>()[((n * H + h) * W + w) * C + c] ==
                float(((n * C + c) * H + h) * W + w);
  CHECK(ok);
  Tensor back = run1(OpKind::Transpose, {O::in(nhwc)},
                     {{"perm", std::vector<int64_t>{0, 3, 1, 2}}});
  CHECK(back.shape() == x.shape());
  CHECK(std::memcmp(back.raw(), x.raw(), x.byteSize()) == 0);
  // A 5-D permutation of 2-byte elements.
  Tensor f = iota(DType::I16, {2, 3, 4, 5, 6});
  Tensor g = run1(OpKind::Transpose, {O::in(f)},
                  {{"perm", std::vector<int64_t>{4, 2, 0, 3, 1}}});
  CHECK(g.shape() == Shape{6, 4, 2, 5, 3});
  ok = true;
  for (int64_t i = 0; i < g.numElements(); ++i) {
    int64_t r = i, e = r % 3, d = (r /= 3) % 5, c = (r /= 5) % 2,
            b = (r /= 2) % 4, a = r / 4;
    ok &= g.getInt(i) == (((c * 3 + e) * 4 + b) * 5 + d) * 6 + a;
  }
  CHECK(ok);
  CHECK_THAT(inferError(OpKind::Transpose, {O::typed(DType::F32, {2, 3})},
                        {{"perm", std::vector<int64_t>{0, 0}}}),
             Catch::Contains("permutation"));
}

TEST_CASE("Concat and Split", "[ir][tensorops]") {
  Tensor a = iota(DType::I64, {2, 2}), b = ints(DType::I64, {2, 1}, {9, 8}),
         e = Tensor(DType::I64, Shape{2, 0});
  Tensor c = run1(OpKind::Concat, {O::in(a), O::in(e), O::in(b)},
                  {{"axis", int64_t(-1)}});
  CHECK(c.shape() == Shape{2, 3});
  CHECK(intsOf(c) == std::vector<int64_t>{0, 1, 9, 2, 3, 8});
  CHECK_THAT(
      inferError(OpKind::Concat,
                 {O::typed(DType::F32, {2, 2}), O::typed(DType::F32, {3, 1})},
                 {{"axis", int64_t(1)}}),
      Catch::Contains("does not match"));
  CHECK(inferred(OpKind::Concat,
                 {O::typed(DType::F32, {kDynamicDim, 2}),
                  O::typed(DType::F32, {3, 1})},
                 {{"axis", int64_t(1)}})
            .shape == Shape{3, 3});

  Tensor x = iota(DType::F32, {2, 5});
  OneOp sp(OpKind::Split, {O::in(x), O::constant(i64({2, 3}))},
           {{"axis", int64_t(1)}}, 2);
  auto r = sp.run();
  REQUIRE_OK(r);
  CHECK(sp.node->output(1)->shape() == Shape{2, 3});
  CHECK(intsOf((*r)[0]) == std::vector<int64_t>{0, 1, 5, 6});
  CHECK(intsOf((*r)[1]) == std::vector<int64_t>{2, 3, 4, 7, 8, 9});
  OneOp eq(OpKind::Split, {O::in(x)}, {{"axis", int64_t(1)}}, 3);
  auto r2 = eq.run();
  REQUIRE_OK(r2);
  CHECK((*r2)[0].shape() == Shape{2, 2});
  CHECK((*r2)[2].shape() == Shape{2, 1});
  CHECK(intsOf((*r2)[2]) == std::vector<int64_t>{4, 9});
  CHECK_THAT(
      inferError(OpKind::Split,
                 {O::typed(DType::F32, {2, 5}), O::constant(i64({2, 2}))},
                 {{"axis", int64_t(1)}}, 2),
      Catch::Contains("sum to 4"));
}

TEST_CASE("Slice: negative steps, clamping, INT64_MAX, inference",
          "[ir][tensorops]") {
  Tensor a = ints(DType::I32, {2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor y = run1(OpKind::Slice,
                  {O::in(a), O::constant(i64({-1})), O::constant(i64({-kMax})),
                   O::constant(i64({1})), O::constant(i64({-2}))});
  CHECK(y.shape() == Shape{2, 2});
  CHECK(intsOf(y) == std::vector<int64_t>{3, 1, 6, 4});
  Tensor v = iota(DType::F32, {10});
  CHECK(intsOf(run1(OpKind::Slice,
                    {O::in(v), O::constant(i64({8})), O::constant(i64({1})),
                     O::none(), O::constant(i64({-3}))})) ==
        std::vector<int64_t>{8, 5, 2});
  CHECK(intsOf(run1(OpKind::Slice, {O::in(v), O::constant(i64({-3})),
                                    O::constant(i64({kMax}))})) ==
        std::vector<int64_t>{7, 8, 9});
  CHECK(run1(OpKind::Slice,
             {O::in(v), O::constant(i64({20})), O::constant(i64({30}))})
            .numElements() == 0);
  // Runtime starts: the sliced axis becomes dynamic, the kernel still works.
  OneOp dyn(OpKind::Slice,
            {O::in(iota(DType::F32, {4, 6})), O::in(i64({1})), O::in(i64({3})),
             O::constant(i64({1}))},
            {});
  auto r = dyn.run();
  REQUIRE_OK(r);
  CHECK(dyn.node->output()->shape() == Shape{4, kDynamicDim});
  CHECK((*r)[0].shape() == Shape{4, 2});
  CHECK(inferred(OpKind::Slice,
                 {O::typed(DType::F32, {kDynamicDim, 6}),
                  O::constant(i64({0, 1})), O::constant(i64({kMax, -1}))})
            .shape == Shape{kDynamicDim, 4});
  CHECK_THAT(
      inferError(OpKind::Slice,
                 {O::typed(DType::F32, {4}), O::constant(i64({0})),
                  O::constant(i64({2})), O::none(), O::constant(i64({0}))}),
      Catch::Contains("step is 0"));
  CHECK_THAT(inferError(OpKind::Slice,
                        {O::typed(DType::F32, {4}), O::constant(i64({0, 1})),
                         O::constant(i64({2}))}),
             Catch::Contains("same length"));
}

TEST_CASE("Pad modes and negative pads", "[ir][tensorops]") {
  Tensor a = ints(DType::I64, {2, 3}, {1, 2, 3, 4, 5, 6});
  CHECK(intsOf(run1(OpKind::Pad, {O::in(a), O::constant(i64({1, 2, 1, 2}))},
                    {{"mode", std::string("reflect")}})) ==
        std::vector<int64_t>{6, 5, 4, 5, 6, 5, 4, 3, 2, 1, 2, 3, 2, 1,
                             6, 5, 4, 5, 6, 5, 4, 3, 2, 1, 2, 3, 2, 1});
  CHECK(intsOf(run1(OpKind::Pad, {O::in(a), O::constant(i64({0, 1, 1, 3}))},
                    {{"mode", std::string("edge")}})) ==
        std::vector<int64_t>{1, 1, 2, 3, 3, 3, 3, 4, 4, 5, 6,
                             6, 6, 6, 4, 4, 5, 6, 6, 6, 6});
  CHECK(intsOf(run1(OpKind::Pad, {O::in(a), O::constant(i64({1, 0, 0, 4}))},
                    {{"mode", std::string("wrap")}})) ==
        std::vector<int64_t>{4, 5, 6, 4, 5, 6, 4, 1, 2, 3, 1,
                             2, 3, 1, 4, 5, 6, 4, 5, 6, 4});
  Tensor c = run1(OpKind::Pad, {O::in(f32({2, 2}, {1, 2, 3, 4})),
                                O::constant(i64({0, 1, 1, -1})),
                                O::in(Tensor::scalarFloat(9))});
  CHECK(c.shape() == Shape{3, 2});
  checkClose(c, {9, 1, 9, 3, 9, 9});
  // Axes select which dims the pads apply to.
  Tensor ax = run1(OpKind::Pad,
                   {O::in(f32({2, 2}, {1, 2, 3, 4})), O::constant(i64({1, 0})),
                    O::none(), O::constant(i64({-1}))});
  CHECK(ax.shape() == Shape{2, 3});
  checkClose(ax, {0, 1, 2, 0, 3, 4});
  CHECK_THAT(inferError(OpKind::Pad, {O::typed(DType::F32, {2}),
                                      O::constant(i64({-2, -1}))}),
             Catch::Contains("below zero"));
  CHECK_THAT(inferError(OpKind::Pad,
                        {O::typed(DType::F32, {2}), O::constant(i64({1}))}),
             Catch::Contains("entries"));
  CHECK_THAT(inferError(OpKind::Pad,
                        {O::typed(DType::F32, {2}), O::constant(i64({1, 1}))},
                        {{"mode", std::string("mirror")}}),
             Catch::Contains("mode"));
  CHECK(inferred(OpKind::Pad,
                 {O::typed(DType::F32, {2, 3}), O::typed(DType::I64, {4})})
            .shape == Shape{kDynamicDim, kDynamicDim});
}

TEST_CASE("Expand and Tile", "[ir][tensorops]") {
  Tensor a = ints(DType::I64, {3, 1}, {1, 2, 3});
  Tensor e = run1(OpKind::Expand, {O::in(a), O::constant(i64({2, 1, 2}))});
  CHECK(e.shape() == Shape{2, 3, 2});
  CHECK(intsOf(e) == std::vector<int64_t>{1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3});
  // A shape with 1s keeps the input's larger dims.
  CHECK(run1(OpKind::Expand, {O::in(a), O::constant(i64({1, 1}))}).shape() ==
        Shape{3, 1});
  // Runtime shape: dims other than 1 are kept, the rest are unknown.
  CHECK(inferred(OpKind::Expand,
                 {O::typed(DType::F32, {3, 1}), O::typed(DType::I64, {3})})
            .shape == Shape{kDynamicDim, 3, kDynamicDim});
  CHECK_THAT(inferError(OpKind::Expand,
                        {O::typed(DType::F32, {3}), O::constant(i64({2}))}),
             Catch::Contains("broadcast"));
  CHECK_THAT(inferError(OpKind::Expand,
                        {O::typed(DType::F32, {3}), O::constant(i64({-1}))}),
             Catch::Contains("negative"));
  Tensor t = run1(OpKind::Tile, {O::in(ints(DType::U8, {2, 2}, {1, 2, 3, 4})),
                                 O::constant(i64({2, 3}))});
  CHECK(t.shape() == Shape{4, 6});
  CHECK(intsOf(t) == std::vector<int64_t>{1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4,
                                          1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4});
  CHECK_THAT(inferError(OpKind::Tile,
                        {O::typed(DType::F32, {3}), O::constant(i64({1, 2}))}),
             Catch::Contains("repeats"));
}

TEST_CASE("DepthToSpace and SpaceToDepth", "[ir][tensorops]") {
  Tensor x = iota(DType::F32, {1, 8, 2, 3});
  Tensor dcr =
      run1(OpKind::DepthToSpace, {O::in(x)}, {{"blocksize", int64_t(2)}});
  CHECK(dcr.shape() == Shape{1, 2, 4, 6});
  CHECK(intsOf(dcr) ==
        std::vector<int64_t>{0, 12, 1,  13, 2,  14, 24, 36, 25, 37, 26, 38,
                             3, 15, 4,  16, 5,  17, 27, 39, 28, 40, 29, 41,
                             6, 18, 7,  19, 8,  20, 30, 42, 31, 43, 32, 44,
                             9, 21, 10, 22, 11, 23, 33, 45, 34, 46, 35, 47});
  Tensor crd = run1(OpKind::DepthToSpace, {O::in(x)},
                    {{"blocksize", int64_t(2)}, {"mode", std::string("CRD")}});
  CHECK(intsOf(crd) ==
        std::vector<int64_t>{0,  6,  1,  7,  2,  8,  12, 18, 13, 19, 14, 20,
                             3,  9,  4,  10, 5,  11, 15, 21, 16, 22, 17, 23,
                             24, 30, 25, 31, 26, 32, 36, 42, 37, 43, 38, 44,
                             27, 33, 28, 34, 29, 35, 39, 45, 40, 46, 41, 47});
  Tensor back =
      run1(OpKind::SpaceToDepth, {O::in(dcr)}, {{"blocksize", int64_t(2)}});
  CHECK(back.shape() == x.shape());
  CHECK(intsOf(back) == range(48));
  CHECK_THAT(inferError(OpKind::DepthToSpace,
                        {O::typed(DType::F32, {1, 6, 2, 2})},
                        {{"blocksize", int64_t(2)}}),
             Catch::Contains("multiple"));
  CHECK_THAT(inferError(OpKind::SpaceToDepth,
                        {O::typed(DType::F32, {1, 1, 3, 2})},
                        {{"blocksize", int64_t(2)}}),
             Catch::Contains("multiples"));
}

TEST_CASE("Shape, Size, ConstantOfShape, Range", "[ir][tensorops]") {
  Tensor x = iota(DType::F32, {2, 3, 4});
  CHECK(intsOf(run1(OpKind::Shape, {O::in(x)})) ==
        std::vector<int64_t>{2, 3, 4});
  CHECK(intsOf(run1(OpKind::Shape, {O::in(x)}, {{"start", int64_t(-2)}})) ==
        std::vector<int64_t>{3, 4});
  CHECK(intsOf(run1(OpKind::Shape, {O::in(x)},
                    {{"start", int64_t(1)}, {"end", int64_t(-1)}})) ==
        std::vector<int64_t>{3});
  CHECK(
      inferred(OpKind::Shape, {O::typed(DType::F32, {kDynamicDim, 3})}).shape ==
      Shape{2});
  Tensor sz = run1(OpKind::Size, {O::in(x)});
  CHECK(sz.shape().rank() == 0);
  CHECK(sz.getInt(0) == 24);

  Tensor c = run1(OpKind::ConstantOfShape, {O::constant(i64({2, 3}))},
                  {{"value", ints(DType::I64, {1}, {7})}});
  CHECK(c.dtype() == DType::I64);
  CHECK(intsOf(c) == std::vector<int64_t>(6, 7));
  Tensor z = run1(OpKind::ConstantOfShape, {O::in(i64({0}))});
  CHECK(z.dtype() == DType::F32);
  CHECK(z.shape() == Shape{0});
  CHECK(inferred(OpKind::ConstantOfShape, {O::typed(DType::I64, {3})}).shape ==
        Shape{kDynamicDim, kDynamicDim, kDynamicDim});
  CHECK_THAT(inferError(OpKind::ConstantOfShape, {O::constant(i64({2, -3}))}),
             Catch::Contains("negative"));

  Tensor r = run1(OpKind::Range, {O::constant(Tensor::scalarFloat(1)),
                                  O::constant(Tensor::scalarFloat(2)),
                                  O::constant(Tensor::scalarFloat(0.25f))});
  checkClose(r, {1, 1.25f, 1.5f, 1.75f});
  CHECK(intsOf(run1(OpKind::Range, {O::in(ints(DType::I64, {}, {10})),
                                    O::in(ints(DType::I64, {}, {4})),
                                    O::in(ints(DType::I64, {}, {-3}))})) ==
        std::vector<int64_t>{10, 7});
  CHECK(run1(OpKind::Range, {O::in(ints(DType::I32, {}, {5})),
                             O::in(ints(DType::I32, {}, {1})),
                             O::in(ints(DType::I32, {}, {2}))})
            .numElements() == 0);
  CHECK(inferred(OpKind::Range,
                 {O::typed(DType::I64, {}), O::typed(DType::I64, {}),
                  O::typed(DType::I64, {})})
            .shape == Shape{kDynamicDim});
  CHECK_THAT(
      inferError(OpKind::Range, {O::constant(ints(DType::I64, {}, {0})),
                                 O::constant(ints(DType::I64, {}, {5})),
                                 O::constant(ints(DType::I64, {}, {0}))}),
      Catch::Contains("delta"));
  CHECK_THAT(
      inferError(OpKind::Range, {O::constant(ints(DType::I64, {}, {0})),
                                 O::constant(ints(DType::I64, {}, {kMax})),
                                 O::constant(ints(DType::I64, {}, {1}))}),
      Catch::Contains("2^40"));
}

TEST_CASE("Gather family with negative and out-of-range indices",
          "[ir][tensorops]") {
  Tensor d = iota(DType::F32, {3, 4});
  Tensor g =
      run1(OpKind::Gather, {O::in(d), O::in(ints(DType::I64, {2}, {-1, 0}))});
  CHECK(g.shape() == Shape{2, 4});
  CHECK(intsOf(g) == std::vector<int64_t>{8, 9, 10, 11, 0, 1, 2, 3});
  Tensor g1 =
      run1(OpKind::Gather, {O::in(d), O::in(ints(DType::I32, {2, 1}, {3, 1}))},
           {{"axis", int64_t(1)}});
  CHECK(g1.shape() == Shape{3, 2, 1});
  CHECK(intsOf(g1) == std::vector<int64_t>{3, 1, 7, 5, 11, 9});
  Tensor sc =
      run1(OpKind::Gather, {O::in(d), O::in(ints(DType::I64, {}, {1}))});
  CHECK(sc.shape() == Shape{4});
  CHECK_THAT(
      runError(OpKind::Gather, {O::in(d), O::in(ints(DType::I64, {1}, {3}))}),
      Catch::Contains("index 3 is out of range"));
  CHECK_THAT(
      runError(OpKind::Gather, {O::in(d), O::in(ints(DType::I64, {1}, {-4}))}),
      Catch::Contains("out of range"));
  CHECK_THAT(inferError(OpKind::Gather,
                        {O::typed(DType::F32, {3}), O::constant(i64({5}))}),
             Catch::Contains("out of range"));

  Tensor ge = run1(OpKind::GatherElements,
                   {O::in(ints(DType::I64, {2, 2}, {1, 2, 3, 4})),
                    O::in(ints(DType::I64, {2, 2}, {0, 0, 1, 0}))},
                   {{"axis", int64_t(1)}});
  CHECK(intsOf(ge) == std::vector<int64_t>{1, 1, 4, 3});
  CHECK_THAT(runError(OpKind::GatherElements,
                      {O::in(ints(DType::I64, {2, 2}, {1, 2, 3, 4})),
                       O::in(ints(DType::I64, {1, 1}, {2}))}),
             Catch::Contains("out of range"));

  Tensor data = iota(DType::I32, {2, 2, 2});
  Tensor nd =
      run1(OpKind::GatherND,
           {O::in(data), O::in(ints(DType::I64, {2, 2}, {0, 1, 1, 0}))});
  CHECK(nd.shape() == Shape{2, 2});
  CHECK(intsOf(nd) == std::vector<int64_t>{2, 3, 4, 5});
  Tensor ndb = run1(OpKind::GatherND,
                    {O::in(data), O::in(ints(DType::I64, {2, 1}, {1, 0}))},
                    {{"batch_dims", int64_t(1)}});
  CHECK(ndb.shape() == Shape{2, 2});
  CHECK(intsOf(ndb) == std::vector<int64_t>{2, 3, 4, 5});
  CHECK_THAT(runError(OpKind::GatherND,
                      {O::in(data), O::in(ints(DType::I64, {1, 2}, {0, 2}))}),
             Catch::Contains("out of range"));
}

TEST_CASE("Scatter family with reductions", "[ir][tensorops]") {
  Tensor data = f32({1, 5}, {1, 2, 3, 4, 5});
  Tensor idx = ints(DType::I64, {1, 2}, {1, -2});
  Tensor upd = f32({1, 2}, {1.5f, 2.5f});
  checkClose(run1(OpKind::ScatterElements,
                  {O::in(data), O::in(idx), O::in(upd)},
                  {{"axis", int64_t(1)}}),
             {1, 1.5f, 3, 2.5f, 5});
  checkClose(
      run1(OpKind::ScatterElements,
           {O::in(data), O::in(ints(DType::I64, {1, 2}, {1, 1})), O::in(upd)},
           {{"axis", int64_t(1)}, {"reduction", std::string("add")}}),
      {1, 6, 3, 4, 5});
  CHECK_THAT(runError(OpKind::ScatterElements,
                      {O::in(data), O::in(ints(DType::I64, {1, 1}, {5})),
                       O::in(f32({1, 1}, {0}))},
                      {{"axis", int64_t(1)}}),
             Catch::Contains("out of range"));
  Tensor d2 = iota(DType::I64, {4, 2});
  Tensor s = run1(OpKind::ScatterND,
                  {O::in(d2), O::in(ints(DType::I64, {2, 1}, {3, 0})),
                   O::in(ints(DType::I64, {2, 2}, {10, 11, 12, 13}))});
  CHECK(intsOf(s) == std::vector<int64_t>{12, 13, 2, 3, 4, 5, 10, 11});
  Tensor m = run1(OpKind::ScatterND,
                  {O::in(d2), O::in(ints(DType::I64, {2, 2}, {1, 1, 1, 1})),
                   O::in(ints(DType::I64, {2}, {2, 5}))},
                  {{"reduction", std::string("mul")}});
  CHECK(intsOf(m) == std::vector<int64_t>{0, 1, 2, 30, 4, 5, 6, 7});
  CHECK_THAT(
      inferError(OpKind::ScatterND,
                 {O::typed(DType::I64, {4}), O::typed(DType::I64, {1, 1}),
                  O::typed(DType::I64, {1})},
                 {{"reduction", std::string("avg")}}),
      Catch::Contains("reduction"));
}

TEST_CASE("OneHot and Trilu", "[ir][tensorops]") {
  Tensor oh = run1(OpKind::OneHot, {O::in(ints(DType::I64, {3}, {0, -1, 7})),
                                    O::constant(ints(DType::I64, {}, {3})),
                                    O::in(f32({2}, {0, 5}))});
  CHECK(oh.shape() == Shape{3, 3});
  checkClose(oh, {5, 0, 0, 0, 0, 5, 0, 0, 0});
  Tensor oh0 =
      run1(OpKind::OneHot,
           {O::in(ints(DType::I32, {2}, {1, 0})), O::constant(f32({1}, {2})),
            O::in(ints(DType::I64, {2}, {-1, 1}))},
           {{"axis", int64_t(0)}});
  CHECK(oh0.shape() == Shape{2, 2});
  CHECK(intsOf(oh0) == std::vector<int64_t>{-1, 1, 1, -1});
  CHECK_THAT(
      inferError(OpKind::OneHot, {O::typed(DType::I64, {3}),
                                  O::constant(ints(DType::I64, {}, {-2})),
                                  O::typed(DType::F32, {2})}),
      Catch::Contains("depth"));

  Tensor x = iota(DType::I64, {3, 3});
  CHECK(intsOf(run1(OpKind::Trilu, {O::in(x)})) ==
        std::vector<int64_t>{0, 1, 2, 0, 4, 5, 0, 0, 8});
  CHECK(
      intsOf(run1(OpKind::Trilu, {O::in(x), O::in(ints(DType::I64, {}, {-1}))},
                  {{"upper", int64_t(0)}})) ==
      std::vector<int64_t>{0, 0, 0, 3, 0, 0, 6, 7, 0});
  CHECK(intsOf(run1(OpKind::Trilu,
                    {O::in(x), O::in(ints(DType::I64, {}, {kMax}))})) ==
        std::vector<int64_t>(9, 0));
  CHECK_THAT(inferError(OpKind::Trilu, {O::typed(DType::F32, {3})}),
             Catch::Contains("rank"));
}
