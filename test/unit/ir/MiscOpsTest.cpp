// Tests of the Misc family: Resize, TopK, NonMaxSuppression, NonZero.
#include "NnOpsTestUtil.h"

#include <cmath>
#include <limits>

using namespace onntc;
using namespace onntc::optest;

namespace {

std::vector<Tensor> resize(const Tensor &x, const Tensor &scales,
                           const Tensor &sizes, const std::string &mode,
                           const std::string &coord, KernelContext &ctx,
                           const std::string &nearest = "round_prefer_floor",
                           const Tensor &roi = Tensor()) {
  OneNode on(OpKind::Resize, {x, roi, scales, sizes});
  on.n->setAttr("mode", mode);
  on.n->setAttr("coordinate_transformation_mode", coord);
  on.n->setAttr("nearest_mode", nearest);
  return runOp(on, {x, roi, scales, sizes}, ctx);
}

Tensor f(Shape s, std::vector<float> v) { return Tensor::fromFloats(s, v); }
Tensor i64(Shape s, std::vector<int64_t> v) {
  return Tensor::fromInts(DType::I64, s, v);
}

void checkClose(const Tensor &t, const std::vector<float> &want) {
  std::vector<float> got = floatsOf(t);
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    INFO("element " << i);
    CHECK(got[i] == Approx(want[i]).margin(1e-5));
  }
}

} // namespace

TEST_CASE("Resize linear with half_pixel and align_corners", "[resize]") {
  KernelContext ctx(2);
  Tensor X = f({1, 1, 2, 2}, {1, 2, 3, 4});
  Tensor sc = f({4}, {1, 1, 2, 2});
  auto y = resize(X, sc, Tensor(), "linear", "half_pixel", ctx);
  CHECK(y[0].shape() == Shape{1, 1, 4, 4});
  checkClose(y[0], {1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25,
                    3.5, 3, 3.25, 3.75, 4});
  auto ac = resize(X, sc, Tensor(), "linear", "align_corners", ctx);
  checkClose(ac[0], {1, 4 / 3.0f, 5 / 3.0f, 2, 5 / 3.0f, 2, 7 / 3.0f,
                     8 / 3.0f, 7 / 3.0f, 8 / 3.0f, 3, 10 / 3.0f, 3, 10 / 3.0f,
                     11 / 3.0f, 4});
}

TEST_CASE("Resize nearest modes and sizes", "[resize]") {
  KernelContext ctx(2);
  Tensor X = f({1, 1, 1, 4}, {1, 2, 3, 4});
  // Downsample 4 -> 3 with asymmetric coords: x = o * 4/3 = 0, 1.33, 2.67.
  Tensor sz = i64({4}, {1, 1, 1, 3});
  auto fl = resize(X, Tensor(), sz, "nearest", "asymmetric", ctx, "floor");
  checkClose(fl[0], {1, 2, 3});
  auto ce = resize(X, Tensor(), sz, "nearest", "asymmetric", ctx, "ceil");
  checkClose(ce[0], {1, 3, 4});
  // Upsample x2 with asymmetric: x = 0, .5, 1, 1.5 ...
  Tensor sc = f({4}, {1, 1, 1, 2});
  auto pf = resize(X, sc, Tensor(), "nearest", "asymmetric", ctx,
                   "round_prefer_floor");
  checkClose(pf[0], {1, 1, 2, 2, 3, 3, 4, 4});
  auto pc = resize(X, sc, Tensor(), "nearest", "asymmetric", ctx,
                   "round_prefer_ceil");
  checkClose(pc[0], {1, 2, 2, 3, 3, 4, 4, 4});
  // Integer data through nearest.
  Tensor I = Tensor::fromInts(DType::I32, Shape{2, 2}, {1, 2, 3, 4});
  auto yi = resize(I, f({2}, {2, 1}), Tensor(), "nearest", "half_pixel", ctx);
  CHECK(yi[0].dtype() == DType::I32);
  CHECK(intsOf(yi[0]) == std::vector<int64_t>{1, 2, 1, 2, 3, 4, 3, 4});
}

TEST_CASE("Resize cubic, crop-and-resize and errors", "[resize]") {
  KernelContext ctx(2);
  // Cubic on a linear ramp reproduces the ramp away from the borders.
  std::vector<float> ramp(8);
  for (int i = 0; i < 8; ++i)
    ramp[i] = float(i);
  Tensor R = f({1, 8}, ramp);
  auto c = resize(R, Tensor(), i64({2}, {1, 15}), "cubic", "align_corners",
                  ctx);
  std::vector<float> cv = floatsOf(c[0]);
  for (int o = 2; o < 13; ++o)
    CHECK(cv[o] == Approx(o * 7.0 / 14.0).margin(1e-5));
  // tf_crop_and_resize: roi beyond the input gives the extrapolation value.
  Tensor X = f({1, 3}, {10, 20, 30});
  Tensor roi = f({4}, {0, 0.5, 1, 1.5});
  OneNode on(OpKind::Resize, {X, roi, Tensor(), i64({2}, {1, 3})});
  on.n->setAttr("mode", std::string("linear"));
  on.n->setAttr("coordinate_transformation_mode",
                std::string("tf_crop_and_resize"));
  on.n->setAttr("extrapolation_value", -1.0f);
  auto y = runOp(on, {X, roi, Tensor(), i64({2}, {1, 3})}, ctx);
  checkClose(y[0], {20, 30, -1});
  OneNode bad(OpKind::Resize, {X, Tensor(), f({2}, {1, 2}),
                               i64({2}, {1, 6})});
  CHECK_THAT(bad.infer(), Catch::Contains("only one of scales and sizes"));
  OneNode badMode(OpKind::Resize, {X, Tensor(), f({2}, {1, 2})});
  badMode.n->setAttr("mode", std::string("area"));
  CHECK_THAT(badMode.infer(), Catch::Contains("area"));
}

TEST_CASE("TopK largest/smallest with stable ties", "[topk]") {
  KernelContext ctx(2);
  Tensor X = f({2, 4}, {3, 1, 3, 2, 0, 5, 5, 5});
  Tensor K = i64({1}, {2});
  OneNode on(OpKind::TopK, {X, K}, 2);
  auto y = runOp(on, {X, K}, ctx);
  CHECK(y[0].shape() == Shape{2, 2});
  CHECK(floatsOf(y[0]) == std::vector<float>{3, 3, 5, 5});
  CHECK(intsOf(y[1]) == std::vector<int64_t>{0, 2, 1, 2});
  OneNode sm(OpKind::TopK, {X, K}, 2);
  sm.n->setAttr("largest", int64_t(0));
  sm.n->setAttr("axis", int64_t(0));
  auto z = runOp(sm, {X, K}, ctx);
  CHECK(z[0].shape() == Shape{2, 4});
  CHECK(intsOf(z[1]) == std::vector<int64_t>{1, 0, 0, 0, 0, 1, 1, 1});
  Tensor I = i64({5}, {5, -1, 7, 7, 2});
  Tensor K3 = i64({1}, {3});
  OneNode oi(OpKind::TopK, {I, K3}, 2);
  auto w = runOp(oi, {I, K3}, ctx);
  CHECK(intsOf(w[0]) == std::vector<int64_t>{7, 7, 5});
  CHECK(intsOf(w[1]) == std::vector<int64_t>{2, 3, 0});
  Tensor K9 = i64({1}, {9});
  OneNode big(OpKind::TopK, {I, K9}, 2);
  auto r = runNode(*big.n, {I, K9}, ctx);
  REQUIRE(!r);
  CHECK_THAT(llvm::toString(r.takeError()), Catch::Contains("outside"));
}

TEST_CASE("NonMaxSuppression per batch and class", "[nms]") {
  KernelContext ctx(2);
  // The ONNX example boxes: three overlapping near the origin, three near 10.
  Tensor boxes = f({1, 6, 4}, {0, 0,   1, 1,    0, 0.1,  1, 1.1,
                               0, -0.1, 1, 0.9, 0, 10,   1, 11,
                               0, 10.1, 1, 11.1, 0, 100, 1, 101});
  Tensor scores = f({1, 1, 6}, {0.9f, 0.75f, 0.6f, 0.95f, 0.5f, 0.3f});
  Tensor maxOut = i64({1}, {3});
  Tensor iouTh = f({1}, {0.5f});
  Tensor scoreTh = f({1}, {0.0f});
  OneNode on(OpKind::NonMaxSuppression, {boxes, scores, maxOut, iouTh, scoreTh});
  auto y = runOp(on, {boxes, scores, maxOut, iouTh, scoreTh}, ctx);
  CHECK(y[0].shape() == Shape{3, 3});
  CHECK(intsOf(y[0]) == std::vector<int64_t>{0, 0, 3, 0, 0, 0, 0, 0, 5});
  // Center-point boxes give the same selection.
  Tensor cboxes = f({1, 6, 4}, {0.5, 0.5,  1, 1, 0.5, 0.6,   1, 1,
                                0.5, 0.4,  1, 1, 0.5, 10.5,  1, 1,
                                0.5, 10.6, 1, 1, 0.5, 100.5, 1, 1});
  OneNode cp(OpKind::NonMaxSuppression,
             {cboxes, scores, maxOut, iouTh, scoreTh});
  cp.n->setAttr("center_point_box", int64_t(1));
  CHECK(intsOf(runOp(cp, {cboxes, scores, maxOut, iouTh, scoreTh}, ctx)[0]) ==
        std::vector<int64_t>{0, 0, 3, 0, 0, 0, 0, 0, 5});
  // A score threshold drops low boxes; no max means no output.
  Tensor hi = f({1}, {0.7f});
  OneNode th(OpKind::NonMaxSuppression, {boxes, scores, maxOut, iouTh, hi});
  CHECK(intsOf(runOp(th, {boxes, scores, maxOut, iouTh, hi}, ctx)[0]) ==
        std::vector<int64_t>{0, 0, 3, 0, 0, 0});
  OneNode none(OpKind::NonMaxSuppression, {boxes, scores});
  CHECK(runOp(none, {boxes, scores}, ctx)[0].shape() == Shape{0, 3});
}

TEST_CASE("NonZero lists coordinates in row-major order", "[nonzero]") {
  KernelContext ctx(2);
  Tensor X = f({2, 3}, {0, 1, 0, -2, 0, 3});
  OneNode on(OpKind::NonZero, {X});
  auto y = runOp(on, {X}, ctx);
  CHECK(y[0].shape() == Shape{2, 3});
  CHECK(intsOf(y[0]) == std::vector<int64_t>{0, 1, 1, 1, 0, 2});
  Tensor B = Tensor::fromInts(DType::Bool, Shape{3}, {1, 0, 1});
  OneNode ob(OpKind::NonZero, {B});
  CHECK(intsOf(runOp(ob, {B}, ctx)[0]) == std::vector<int64_t>{0, 2});
}
