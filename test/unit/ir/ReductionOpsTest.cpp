// Tests of the Reduction family: Reduce*, ArgMax/ArgMin and CumSum.
#include "NnOpsTestUtil.h"

#include <cmath>

using namespace onntc;
using namespace onntc::optest;

namespace {

Tensor ramp234() {
  std::vector<float> v(24);
  for (int i = 0; i < 24; ++i)
    v[i] = float(i);
  return Tensor::fromFloats(Shape{2, 3, 4}, v);
}

std::vector<Tensor> reduce(OpKind k, const Tensor &x,
                           std::vector<int64_t> axes, int64_t keep,
                           KernelContext &ctx, int64_t noop = 0) {
  OneNode on(k, {x});
  on.n->setAttr("axes", axes);
  on.n->setAttr("keepdims", keep);
  on.n->setAttr("noop_with_empty_axes", noop);
  return runOp(on, {x}, ctx);
}

} // namespace

TEST_CASE("Reduce ops against hand-computed values", "[reduce]") {
  KernelContext ctx(2);
  Tensor X = ramp234();
  auto s = reduce(OpKind::ReduceSum, X, {1}, 1, ctx);
  CHECK(s[0].shape() == Shape{2, 1, 4});
  CHECK(floatsOf(s[0]) == std::vector<float>{12, 15, 18, 21, 48, 51, 54, 57});
  auto m = reduce(OpKind::ReduceMean, X, {0, -1}, 0, ctx);
  CHECK(m[0].shape() == Shape{3});
  CHECK(floatsOf(m[0]) == std::vector<float>{7.5, 11.5, 15.5});
  auto mx = reduce(OpKind::ReduceMax, X, {2}, 0, ctx);
  CHECK(floatsOf(mx[0]) == std::vector<float>{3, 7, 11, 15, 19, 23});
  auto mn = reduce(OpKind::ReduceMin, X, {}, 1, ctx);
  CHECK(mn[0].shape() == Shape{1, 1, 1});
  CHECK(floatsOf(mn[0]) == std::vector<float>{0});
  auto all = reduce(OpKind::ReduceSum, X, {}, 0, ctx);
  CHECK(all[0].shape() == Shape{});
  CHECK(floatsOf(all[0]) == std::vector<float>{276});
  auto id = reduce(OpKind::ReduceSum, X, {}, 1, ctx, 1);
  CHECK(id[0].shape() == X.shape());

  Tensor Y = Tensor::fromFloats(Shape{2, 2}, {1, -2, 3, -4});
  CHECK(floatsOf(reduce(OpKind::ReduceProd, Y, {1}, 0, ctx)[0]) ==
        std::vector<float>{-2, -12});
  CHECK(floatsOf(reduce(OpKind::ReduceL1, Y, {0}, 0, ctx)[0]) ==
        std::vector<float>{4, 6});
  CHECK(floatsOf(reduce(OpKind::ReduceSumSquare, Y, {1}, 0, ctx)[0]) ==
        std::vector<float>{5, 25});
  auto l2 = floatsOf(reduce(OpKind::ReduceL2, Y, {1}, 0, ctx)[0]);
  CHECK(l2[0] == Approx(std::sqrt(5.0)));
  Tensor P = Tensor::fromFloats(Shape{2}, {1, 3});
  CHECK(floatsOf(reduce(OpKind::ReduceLogSum, P, {0}, 0, ctx)[0])[0] ==
        Approx(std::log(4.0)));
  Tensor Big = Tensor::fromFloats(Shape{3}, {1000, 1000, 999});
  CHECK(floatsOf(reduce(OpKind::ReduceLogSumExp, Big, {}, 0, ctx)[0])[0] ==
        Approx(1000 + std::log(2 + std::exp(-1.0))));
}

TEST_CASE("Reduce on integers, empty sets and bad axes", "[reduce]") {
  KernelContext ctx(2);
  Tensor I = Tensor::fromInts(DType::I64, Shape{2, 2},
                              {int64_t(1) << 40, 3, 5, -7});
  auto s = reduce(OpKind::ReduceSum, I, {1}, 0, ctx);
  CHECK(s[0].dtype() == DType::I64);
  CHECK(intsOf(s[0]) == std::vector<int64_t>{(int64_t(1) << 40) + 3, -2});
  Tensor I32 = Tensor::fromInts(DType::I32, Shape{3}, {4, -9, 2});
  CHECK(intsOf(reduce(OpKind::ReduceMax, I32, {0}, 0, ctx)[0]) ==
        std::vector<int64_t>{4});
  CHECK(intsOf(reduce(OpKind::ReduceMin, I32, {0}, 0, ctx)[0]) ==
        std::vector<int64_t>{-9});
  Tensor E(DType::F32, Shape{2, 0, 4});
  auto es = reduce(OpKind::ReduceSum, E, {1}, 1, ctx);
  CHECK(es[0].shape() == Shape{2, 1, 4});
  CHECK(floatsOf(es[0]) == std::vector<float>(8, 0.0f));
  auto ep = reduce(OpKind::ReduceProd, E, {1}, 0, ctx);
  CHECK(floatsOf(ep[0]) == std::vector<float>(8, 1.0f));
  auto em = reduce(OpKind::ReduceMax, E, {1}, 0, ctx);
  CHECK(std::isinf(floatsOf(em[0])[0]));
  OneNode bad(OpKind::ReduceSum, {E});
  bad.n->setAttr("axes", std::vector<int64_t>{3});
  CHECK_THAT(bad.infer(), Catch::Contains("out of range"));
  OneNode dup(OpKind::ReduceSum, {E});
  dup.n->setAttr("axes", std::vector<int64_t>{1, -2});
  CHECK_THAT(dup.infer(), Catch::Contains("twice"));
}

TEST_CASE("Reduce keeps dynamic dims in inference", "[reduce]") {
  Graph g;
  Value *x = g.addInput("x", TensorType(DType::F32, Shape{kDynamicDim, 3, 5}));
  Node *n = g.createNode(OpKind::ReduceMean, {x}, {"y"}, "r");
  n->setAttr("axes", std::vector<int64_t>{2});
  n->setAttr("keepdims", int64_t(0));
  llvm::Error e = opHooks(OpKind::ReduceMean).infer(*n);
  REQUIRE(!e);
  CHECK(n->output()->shape() == Shape{kDynamicDim, 3});
}

TEST_CASE("ArgMax and ArgMin with ties", "[reduce]") {
  KernelContext ctx(2);
  Tensor X = Tensor::fromFloats(Shape{2, 3}, {1, 5, 5, 2, 0, 0});
  for (int last = 0; last < 2; ++last) {
    OneNode am(OpKind::ArgMax, {X});
    am.n->setAttr("axis", int64_t(1));
    am.n->setAttr("select_last_index", int64_t(last));
    auto y = runOp(am, {X}, ctx);
    CHECK(y[0].shape() == Shape{2, 1});
    CHECK(intsOf(y[0]) == std::vector<int64_t>{last ? 2 : 1, 0});
    OneNode an(OpKind::ArgMin, {X});
    an.n->setAttr("axis", int64_t(-1));
    an.n->setAttr("keepdims", int64_t(0));
    an.n->setAttr("select_last_index", int64_t(last));
    auto z = runOp(an, {X}, ctx);
    CHECK(z[0].shape() == Shape{2});
    CHECK(intsOf(z[0]) == std::vector<int64_t>{0, last ? 2 : 1});
  }
  Tensor I = Tensor::fromInts(DType::I32, Shape{3, 1}, {3, 9, -1});
  OneNode ai(OpKind::ArgMax, {I});
  CHECK(intsOf(runOp(ai, {I}, ctx)[0]) == std::vector<int64_t>{1});
}

TEST_CASE("CumSum exclusive and reverse", "[reduce]") {
  KernelContext ctx(2);
  Tensor X = Tensor::fromFloats(Shape{2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor ax = Tensor::fromInts(DType::I32, Shape{}, {1});
  const std::vector<float> want[4] = {{1, 3, 6, 4, 9, 15},
                                      {0, 1, 3, 0, 4, 9},
                                      {6, 5, 3, 15, 11, 6},
                                      {5, 3, 0, 11, 6, 0}};
  for (int mode = 0; mode < 4; ++mode) {
    OneNode on(OpKind::CumSum, {X, ax});
    on.n->setAttr("exclusive", int64_t(mode & 1));
    on.n->setAttr("reverse", int64_t(mode >> 1));
    CHECK(floatsOf(runOp(on, {X, ax}, ctx)[0]) == want[mode]);
  }
  Tensor I = Tensor::fromInts(DType::I64, Shape{3}, {1, 2, 3});
  Tensor ax0 = Tensor::fromInts(DType::I64, Shape{1}, {-1});
  OneNode on(OpKind::CumSum, {I, ax0});
  CHECK(intsOf(runOp(on, {I, ax0}, ctx)[0]) == std::vector<int64_t>{1, 3, 6});
}
