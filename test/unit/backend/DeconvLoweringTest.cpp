//===- DeconvLoweringTest.cpp - ConvTranspose lowering vs the interpreter -===//
//
// Each case compiles a ConvTranspose for BM1684 and BM1684X, runs the bmodel
// on the cmodel and compares with runGraph (LowerDeconv.cpp).

#include "BackendTestUtil.h"

#include "backend/core/Backend.h"
#include "ir/Verifier.h"

#include <catch2/catch.hpp>

using namespace onntc;
using namespace onntc::backendtest;
using Ints = std::vector<int64_t>;

namespace {

Value *deconv(Builder &b, Value *x, Shape w, bool bias,
              std::vector<std::pair<std::string, AttrValue>> attrs) {
  int64_t oc = w[1];
  for (auto &a : attrs)
    if (a.first == "group")
      oc = w[1] * std::get<int64_t>(a.second);
  std::vector<Value *> ins{x, b.constant(w)};
  if (bias)
    ins.push_back(b.constant(Shape{oc}));
  return b.op(OpKind::ConvTranspose, ins, std::move(attrs));
}

} // namespace

TEST_CASE("conv_transpose stride 1 with padding and bias",
          "[backend][deconv]") {
  Builder b;
  Value *x = b.input("x", {1, 3, 9, 11});
  b.g.addOutput(deconv(b, x, {3, 5, 3, 3}, true, {{"pads", Ints{1, 0, 1, 2}}}));
  checkBothTargets(b);
}

TEST_CASE("conv_transpose stride 2, k 4, pad 1 (upsampling x2)",
          "[backend][deconv]") {
  Builder b;
  Value *x = b.input("x", {2, 6, 7, 8});
  b.g.addOutput(deconv(b, x, {6, 4, 4, 4}, true,
                       {{"strides", Ints{2, 2}}, {"pads", Ints{1, 1, 1, 1}}}));
  checkBothTargets(b);
}

TEST_CASE("conv_transpose asymmetric strides, output_padding, no bias",
          "[backend][deconv]") {
  Builder b;
  Value *x = b.input("x", {1, 5, 6, 7});
  b.g.addOutput(deconv(b, x, {5, 3, 3, 2}, false,
                       {{"strides", Ints{3, 2}},
                        {"pads", Ints{1, 0, 0, 1}},
                        {"output_padding", Ints{2, 1}}}));
  checkBothTargets(b);
}

TEST_CASE("conv_transpose stride 4 with kernel smaller than stride",
          "[backend][deconv]") {
  // Output rows between two input rows see only inserted zeros (plus bias).
  Builder b;
  Value *x = b.input("x", {1, 4, 5, 5});
  b.g.addOutput(deconv(b, x, {4, 3, 2, 2}, true,
                       {{"strides", Ints{4, 4}}, {"output_padding", Ints{1, 3}}}));
  checkBothTargets(b);
}

TEST_CASE("depthwise conv_transpose over more than 64 channels",
          "[backend][deconv]") {
  // The MXNet/RetinaFace upsampling: group = channels, k 4, s 2, p 1.
  Builder b;
  Value *x = b.input("x", {1, 70, 10, 12});
  b.g.addOutput(deconv(b, x, {70, 1, 4, 4}, false,
                       {{"strides", Ints{2, 2}},
                        {"pads", Ints{1, 1, 1, 1}},
                        {"group", int64_t(70)}}));
  checkBothTargets(b);
}

TEST_CASE("grouped dilated conv_transpose", "[backend][deconv]") {
  Builder b;
  Value *x = b.input("x", {1, 8, 7, 6});
  b.g.addOutput(deconv(b, x, {8, 3, 3, 3}, true,
                       {{"strides", Ints{2, 2}},
                        {"dilations", Ints{2, 1}},
                        {"pads", Ints{2, 1, 1, 0}},
                        {"group", int64_t(2)}}));
  checkBothTargets(b);
}

TEST_CASE("conv_transpose that tiles output rows", "[backend][deconv]") {
  // 70 input channels (two channel groups per lane) at 2x upsampling of
  // 100x100: the zero-inserted input alone is 2 x 199 x 199 x 4 B = 317 KB
  // per lane and the output 160 KB, more than a lane of either target, so
  // the output rows are split and every tile takes its own input rows.
  Builder b;
  Value *x = b.input("x", {1, 70, 100, 100});
  b.g.addOutput(deconv(b, x, {70, 6, 3, 3}, true,
                       {{"strides", Ints{2, 2}},
                        {"pads", Ints{1, 1, 1, 1}},
                        {"output_padding", Ints{1, 1}}}));
  for (const isa::TargetInfo *t : isa::allTargets()) {
    RunFigures f = compileRunCompare(b, *t, {});
    // Each tile is one fill, one copy and one conv.
    CHECK(f.stats.bdcCommands >= 6);
    CHECK(f.maxRelErr <= 1e-3);
  }
}

TEST_CASE("conv_transpose rejects pads beyond the kernel span",
          "[backend][deconv]") {
  Builder b;
  Value *x = b.input("x", {1, 2, 8, 8});
  b.g.addOutput(deconv(b, x, {2, 2, 3, 3}, false,
                       {{"strides", Ints{2, 2}}, {"pads", Ints{3, 0, 0, 0}}}));
  REQUIRE(!inferTypes(b.g));
  auto r = backend::compileToBModel(b.g, isa::getBM1684Target());
  REQUIRE(!r);
  std::string msg = llvm::toString(r.takeError());
  CHECK(msg.find("ConvTranspose") != std::string::npos);
  CHECK(msg.find("pads larger than") != std::string::npos);
}
