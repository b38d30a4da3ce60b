//===- MathLoweringTest.cpp - the math lowerings no model reaches ---------===//
//
// The lowerings of Ceil, Cos, Elu, Floor, Log, Min, Mish, Pow, Reciprocal,
// ReduceProd, Round, Sign, Sin, Sqrt and Sum: none of the e2e models uses
// them, so each is compiled here through the public compile API
// (backend::compileToBModel), run on the cmodel through the runtime for
// BM1684 and BM1684X, and compared with the IR reference kernels (runGraph).
// Inputs cover each op's domain: positive ranges where the op needs them,
// rounding ties and exact zeros where they decide the result.

#include "BackendTestUtil.h"

#include "isa/Target.h"
#include "ir/Verifier.h"

#include <catch2/catch.hpp>

using namespace onntc;
using namespace onntc::backendtest;
using Ints = std::vector<int64_t>;

namespace {

/// Values on and around the points where the rounding ops decide: ties of
/// Round (half to even), integers, +-0, and numbers just off them.
Tensor roundingEdges() {
  std::vector<float> v = {-2.5f, -1.5f, -0.5f, 0.5f,    1.5f,    2.5f,
                          3.5f,  -3.0f, 0.0f,  -0.0f,   1.0f,    -1.0f,
                          2.49f, 2.51f, -2.49f, -2.51f, 0.0001f, -0.0001f,
                          7.75f, -7.25f, 1e6f + 0.5f, -123.5f, 0.49999997f, 4.0f};
  return Tensor::fromFloats(Shape{2, 3, 4}, v);
}

} // namespace

TEST_CASE("Floor, Ceil, Round and Sign on ties, zeros and random values",
          "[backend][elementwise][math]") {
  for (OpKind k : {OpKind::Floor, OpKind::Ceil, OpKind::Round, OpKind::Sign}) {
    INFO("op " << opInfo(k).name.str());
    Builder b;
    Value *e = b.input("edges", roundingEdges());
    Value *r = b.input("r", {2, 70, 5}, -4.0f, 4.0f);
    b.g.addOutput(b.op(k, {e}));
    b.g.addOutput(b.op(k, {r}));
    // Exact ops: the cmodel must give the reference's values exactly.
    checkBothTargets(b, 0.0);
  }
}

TEST_CASE("Sin and Cos over several periods", "[backend][elementwise][math]") {
  Builder b;
  Value *x = b.input("x", {3, 67, 9}, -20.0f, 20.0f);
  b.g.addOutput(b.op(OpKind::Sin, {x}));
  b.g.addOutput(b.op(OpKind::Cos, {x}));
  checkBothTargets(b, 1e-5);
}

TEST_CASE("Log, Sqrt and Reciprocal on their domains",
          "[backend][elementwise][math]") {
  Builder b;
  Value *p = b.input("p", {2, 66, 7}, 1e-3f, 50.0f);
  Value *n = b.input("n", {5, 13}, -8.0f, -0.05f);
  b.g.addOutput(b.op(OpKind::Log, {p}));
  b.g.addOutput(b.op(OpKind::Sqrt, {p}));
  b.g.addOutput(b.op(OpKind::Reciprocal, {p}));
  b.g.addOutput(b.op(OpKind::Reciprocal, {n}));
  // sqrt(0) = 0 and log(1) = 0 exactly.
  Value *z = b.input("z", Tensor::fromFloats(Shape{4}, {0.0f, 1.0f, 4.0f, 0.25f}));
  b.g.addOutput(b.op(OpKind::Sqrt, {z}));
  b.g.addOutput(b.op(OpKind::Log, {b.op(OpKind::Add, {z, b.scalar(1.0f)})}));
  checkBothTargets(b, 1e-5);
}

TEST_CASE("Elu with its alpha and Mish", "[backend][elementwise][math]") {
  Builder b;
  Value *x = b.input("x", {2, 70, 6}, -6.0f, 6.0f);
  b.g.addOutput(b.op(OpKind::Elu, {x}, {{"alpha", 0.7f}}));
  b.g.addOutput(b.op(OpKind::Elu, {x}));
  b.g.addOutput(b.op(OpKind::Mish, {x}));
  // Mish's softplus switches form at 20: cover both sides and the far tails.
  Value *w = b.input("w", {4, 33}, -40.0f, 40.0f);
  b.g.addOutput(b.op(OpKind::Mish, {w}));
  checkBothTargets(b, 1e-5);
}

TEST_CASE("Pow: tensor and scalar exponents, scalar base",
          "[backend][elementwise][math]") {
  Builder b;
  Value *x = b.input("x", {2, 65, 5}, 0.1f, 3.0f);
  Value *y = b.input("y", {2, 65, 5}, -2.0f, 2.0f);
  Value *s = b.input("s", {2, 65, 5}, -3.0f, 3.0f);
  b.g.addOutput(b.op(OpKind::Pow, {x, y}));
  // Broadcast exponent per row, integer exponent of a negative base, square
  // root as a power, and a constant base with a tensor exponent.
  b.g.addOutput(b.op(OpKind::Pow, {x, b.constant({65, 1}, -1.5f, 1.5f)}));
  b.g.addOutput(b.op(OpKind::Pow, {s, b.scalar(3.0f)}));
  b.g.addOutput(b.op(OpKind::Pow, {x, b.scalar(0.5f)}));
  b.g.addOutput(b.op(OpKind::Pow, {b.scalar(2.0f), s}));
  checkBothTargets(b, 1e-5);
}

TEST_CASE("Min and Sum: broadcast and scalar operands",
          "[backend][elementwise][math]") {
  Builder b;
  Value *x = b.input("x", {2, 67, 4, 3});
  Value *y = b.input("y", {67, 1, 3});
  b.g.addOutput(b.op(OpKind::Min, {x, y}));
  b.g.addOutput(b.op(OpKind::Min, {b.scalar(0.25f), x}));
  b.g.addOutput(b.op(OpKind::Sum, {x, y}));
  b.g.addOutput(b.op(OpKind::Sum, {y, b.scalar(-0.5f)}));
  checkBothTargets(b, 1e-6);
}

TEST_CASE("Sum and Min with three operands are rejected by name",
          "[backend][elementwise][math]") {
  Builder b;
  Value *x = b.input("x", {2, 3});
  b.g.addOutput(b.op(OpKind::Sum, {x, x, x}));
  REQUIRE_FALSE(static_cast<bool>(inferTypes(b.g)));
  auto cm = backend::compileToBModel(b.g, isa::getBM1684XTarget(), {});
  REQUIRE_FALSE(static_cast<bool>(cm));
  std::string msg = llvm::toString(cm.takeError());
  CHECK(msg.find("3 inputs; the backend lowers the two-input form only") !=
        std::string::npos);
}

TEST_CASE("ReduceProd over inner, outer, several and all axes",
          "[backend][reduce][math]") {
  Builder b;
  // Factors near 1 keep the products of up to 70 terms in range.
  Value *x = b.input("x", {2, 70, 5, 6}, 0.8f, 1.25f);
  b.g.addOutput(b.op(OpKind::ReduceProd, {x}, {{"axes", Ints{-1}}}));
  b.g.addOutput(b.op(OpKind::ReduceProd, {x},
                     {{"axes", Ints{1}}, {"keepdims", int64_t(0)}}));
  b.g.addOutput(b.op(OpKind::ReduceProd, {x}, {{"axes", Ints{2, 3}}}));
  Value *s = b.input("s", {3, 4, 5}, -1.5f, 1.5f);
  b.g.addOutput(b.op(OpKind::ReduceProd, {s}));
  b.g.addOutput(b.op(OpKind::ReduceProd, {s}, {{"axes", Ints{0}}}));
  checkBothTargets(b, 1e-5);
}
