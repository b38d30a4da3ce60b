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

namespace {

/// Random attribute values of a kind, small but including the bad cases
/// (negative, zero, wrong lengths, unknown strings).
AttrValue fuzzAttr(AttrKind k, std::mt19937 &rng) {
  static const int64_t ints[] = {-2, -1, 0, 1, 2, 3};
  static const char *strs[] = {"nearest", "linear", "cubic", "half_pixel",
                               "align_corners", "asymmetric", "floor",
                               "tf_crop_and_resize", "ceil", "x"};
  switch (k) {
  case AttrKind::Int:
    return ints[rng() % 6];
  case AttrKind::Float:
    return float(int(rng() % 5) - 2) * 0.5f;
  case AttrKind::String:
    return std::string(strs[rng() % 10]);
  case AttrKind::Ints: {
    std::vector<int64_t> v(rng() % 5);
    for (int64_t &x : v)
      x = ints[rng() % 6];
    return v;
  }
  case AttrKind::Floats:
    return std::vector<float>{};
  case AttrKind::Strings:
    return std::vector<std::string>{};
  case AttrKind::Tensor:
    return Tensor::fromInts(DType::I64, Shape{1}, {1});
  case AttrKind::Type:
    return DType(rng() % 10);
  }
  return int64_t(0);
}

} // namespace

TEST_CASE("every Nn/Reduction/Misc op has hooks", "[nn][reduce][misc]") {
  std::vector<OpKind> kinds;
#define OP(Id, ...) kinds.push_back(OpKind::Id);
#define ATTR(...)
#include "ir/ops/Nn.def"
#define OP(Id, ...) kinds.push_back(OpKind::Id);
#define ATTR(...)
#include "ir/ops/Reduction.def"
#define OP(Id, ...) kinds.push_back(OpKind::Id);
#define ATTR(...)
#include "ir/ops/Misc.def"
#undef OP
#undef ATTR
  for (OpKind k : kinds) {
    INFO(opInfo(k).name.str());
    CHECK(opHooks(k).infer);
    CHECK(opHooks(k).compute);
  }
}

TEST_CASE("Nn/Reduction/Misc kernels survive odd operands",
          "[nn][reduce][misc][robust]") {
  std::vector<OpKind> kinds;
#define OP(Id, ...) kinds.push_back(OpKind::Id);
#define ATTR(...)
#include "ir/ops/Nn.def"
#define OP(Id, ...) kinds.push_back(OpKind::Id);
#define ATTR(...)
#include "ir/ops/Reduction.def"
#define OP(Id, ...) kinds.push_back(OpKind::Id);
#define ATTR(...)
#include "ir/ops/Misc.def"
#undef OP
#undef ATTR
  const int64_t odd[] = {std::numeric_limits<int64_t>::min(), -5, -2, -1, 0,
                         1, 2, 3, 4, std::numeric_limits<int64_t>::max()};
  const DType dts[] = {DType::F32, DType::F32, DType::I64, DType::I32,
                       DType::Bool, DType::U8, DType::F16};
  std::mt19937 rng(20261122);
  KernelContext ctx(2);
  int inferredOk = 0, both = 0;
  for (OpKind k : kinds) {
    const OpInfo &info = opInfo(k);
    for (int trial = 0; trial < 300; ++trial) {
      int maxIn = info.maxInputs < 0 ? 4 : info.maxInputs;
      int nIn = info.minInputs +
                int(rng() % unsigned(maxIn - info.minInputs + 1));
      Graph g;
      std::vector<Value *> ins;
      std::vector<Tensor> vals;
      for (int i = 0; i < nIn; ++i) {
        if (i >= info.minInputs && rng() % 5 == 0) {
          ins.push_back(nullptr);
          vals.emplace_back();
          continue;
        }
        Shape s;
        for (unsigned r = rng() % 6; r > 0; --r)
          s.mutableDims().push_back(int64_t(rng() % 4));
        if (rng() % 3 == 0)
          s = Shape{int64_t(rng() % 5)};
        Tensor t(dts[rng() % 7], s);
        for (int64_t e = 0; e < t.numElements(); ++e) {
          if (isFloat(t.dtype()))
            t.setDouble(e, double(int(rng() % 9) - 4) * 0.75);
          else
            t.setInt(e, odd[rng() % 10]);
        }
        std::string name = "x" + std::to_string(i);
        ins.push_back(rng() % 2 ? g.createConstant(name, t)->output()
                                : g.addInput(name, t.type()));
        vals.push_back(t);
      }
      int maxOut = info.maxOutputs < 0 ? 3 : info.maxOutputs;
      unsigned nOut = unsigned(info.minOutputs) +
                      unsigned(rng() % unsigned(maxOut - info.minOutputs + 1));
      Node *n = g.createNode(k, ins, std::vector<std::string>(nOut), "n");
      for (const AttrSpec &a : info.attrs)
        if (rng() % 3 != 0)
          n->setAttr(a.name, fuzzAttr(a.kind, rng));
      INFO(info.name.str() << " trial " << trial);
      llvm::Error e = opHooks(k).infer(*n);
      bool inferred = !e;
      llvm::consumeError(std::move(e));
      inferredOk += inferred;
      auto r = runNode(*n, vals, ctx);
      if (!r) {
        llvm::consumeError(r.takeError());
        continue;
      }
      if (!inferred)
        continue;
      ++both;
      for (unsigned o = 0; o < n->numOutputs(); ++o) {
        const TensorType &t = n->output(o)->type();
        const Tensor &v = (*r)[o];
        REQUIRE(v.isValid());
        CHECK(v.dtype() == t.dtype);
        REQUIRE(v.shape().rank() == t.shape.rank());
        for (size_t d = 0; d < t.shape.rank(); ++d)
          if (t.shape[d] >= 0)
            CHECK(v.shape()[d] == t.shape[d]);
      }
    }
  }
  CHECK(inferredOk > 300);
  CHECK(both > 200);
}
