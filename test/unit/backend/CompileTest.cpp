//===- CompileTest.cpp - tiling, memory, bmodel contents, errors ----------===//

#include "BackendTestUtil.h"

#include "isa/Target.h"
#include "ir/Verifier.h"
#include "bmodel/BModel.h"

#include <catch2/catch.hpp>

using namespace onntc;
using namespace onntc::backendtest;
using Ints = std::vector<int64_t>;

/// The conv commands of a run, in order.
static std::vector<isa::ConvCmd> convs(const RunFigures &f) {
  std::vector<isa::ConvCmd> out;
  for (const isa::Command &c : f.bdc)
    if (auto *cv = std::get_if<isa::ConvCmd>(&c.body))
      out.push_back(*cv);
  return out;
}

TEST_CASE("tiling stress: batch 4, odd sizes, conv larger than local memory",
          "[backend][tiling]") {
  Builder b;
  // 67 -> 70 channels over 97x101, batch 4: the input alone needs 313 KB
  // per lane (more than BM1684X's 256 KB lane) and input plus output more
  // than BM1684's 512 KB, so the conv is split along N.
  Value *x = b.input("x", {4, 67, 97, 101});
  Value *c =
      b.op(OpKind::Conv, {x, b.constant({70, 67, 3, 3}), b.constant({70})},
           {{"pads", Ints{1, 1, 1, 1}}});
  Value *r = b.op(OpKind::Relu, {c});
  Value *p = b.op(OpKind::MaxPool, {r},
                  {{"kernel_shape", Ints{3, 3}},
                   {"strides", Ints{2, 2}},
                   {"pads", Ints{1, 1, 1, 1}}});
  Value *d =
      b.op(OpKind::Conv, {p, b.constant({70, 1, 5, 5}), b.constant({70})},
           {{"pads", Ints{2, 2, 2, 2}}, {"group", int64_t(70)}});
  Value *s = b.op(OpKind::Add, {d, p});
  b.g.addOutput(b.op(OpKind::Sigmoid, {s}));
  for (const isa::TargetInfo *t : isa::allTargets()) {
    RunFigures f = compileRunCompare(b, *t);
    INFO(t->name.str() << " max rel err " << f.maxRelErr);
    CHECK(f.maxRelErr <= 1e-4);
    auto cv = convs(f);
    REQUIRE(!cv.empty());
    CHECK(cv[0].in.n < 4);
  }
}

TEST_CASE("tiling stress: output channels and rows with halos",
          "[backend][tiling]") {
  Builder b;
  // 320 output channels over 64x400: five channel groups of 100 KB per
  // lane do not fit either target with the input, so output channels are
  // sliced. The second conv's input and output (32 and 64 channels over
  // 200x400, 320 KB each per lane) only fit as row slices, with halo rows
  // and padding only at the edges.
  Value *x = b.input("x", {1, 16, 64, 400});
  b.g.addOutput(b.op(OpKind::Conv, {x, b.constant({320, 16, 3, 3})},
                     {{"pads", Ints{1, 1, 1, 1}}}));
  Value *y = b.input("y", {1, 32, 200, 400});
  b.g.addOutput(b.op(OpKind::Conv,
                     {y, b.constant({64, 32, 3, 3}), b.constant({64})},
                     {{"pads", Ints{1, 0, 1, 2}}, {"strides", Ints{1, 1}}}));
  for (const isa::TargetInfo *t : isa::allTargets()) {
    RunFigures f = compileRunCompare(b, *t);
    INFO(t->name.str() << " max rel err " << f.maxRelErr);
    CHECK(f.maxRelErr <= 1e-4);
    bool ocSliced = false, rowSliced = false;
    for (const isa::ConvCmd &c : convs(f)) {
      ocSliced |= c.in.c == 16 && c.oc < 320;
      rowSliced |= c.in.c == 32 && c.oh < 200 && c.padT == 0 && c.in.h > c.oh;
    }
    CHECK(ocSliced);
    CHECK(rowSliced);
  }
}

TEST_CASE("wide rows: a single output row tile", "[backend][tiling]") {
  Builder b;
  Value *x = b.input("x", {1, 16, 9, 2000});
  b.g.addOutput(b.op(OpKind::Conv, {x, b.constant({64, 16, 3, 3})},
                     {{"pads", Ints{1, 1, 1, 1}}}));
  checkBothTargets(b);
}

TEST_CASE("command groups split at the configured size", "[backend][sync]") {
  Builder b;
  Value *x = b.input("x", {2, 9, 10, 10});
  Value *c = b.op(OpKind::Conv, {x, b.constant({20, 9, 3, 3})});
  Value *s = b.op(OpKind::Sigmoid, {c});
  b.g.addOutput(b.op(OpKind::Add, {s, b.constant({20, 1, 1})}));
  backend::BackendOptions o;
  o.maxCmdsPerGroup = 2;
  for (const isa::TargetInfo *t : isa::allTargets()) {
    RunFigures f = compileRunCompare(b, *t, o);
    CHECK(f.maxRelErr <= 1e-4);
    CHECK(f.stats.cmdGroups > 2);
  }
}

TEST_CASE("static bmodel: one net, one stage, one TPU subnet, no IR",
          "[backend][bmodel]") {
  Builder b;
  Value *x = b.input("x", {1, 4, 8, 8});
  Value *c = b.op(OpKind::Conv, {x, b.constant({6, 4, 1, 1}), b.constant({6})});
  Value *a = b.op(OpKind::Relu, {c});
  Value *g = b.op(OpKind::GlobalAveragePool, {a});
  b.g.addOutput(b.op(OpKind::Flatten, {g}));
  REQUIRE(!inferTypes(b.g));
  for (const isa::TargetInfo *t : isa::allTargets()) {
    auto cm = backend::compileToBModel(b.g, *t);
    REQUIRE(bool(cm));
    auto bytes = cm->writer.serialize(cm->model);
    REQUIRE(bool(bytes));
    auto bm = bmodel::readBModelBytes(*bytes, "t.bmodel");
    REQUIRE(bool(bm));
    REQUIRE(!bmodel::verifyCheckCodes(*bm));
    const bmodel::ModelInfo &m = bm->info();
    CHECK(m.chip == t->name.str());
    REQUIRE(m.nets.size() == 1);
    REQUIRE(m.nets[0].stages.size() == 1);
    const bmodel::StageInfo &s = m.nets[0].stages[0];
    CHECK(!s.isDynamic);
    CHECK(!s.binaryIR);
    CHECK(s.stageIR.empty());
    REQUIRE(s.subnets.size() == 1);
    CHECK(s.subnets[0].mode == bmodel::SubnetMode::Tpu);
    CHECK(!s.subnets[0].isDynamic);
    CHECK(s.subnets[0].irLen == 0);
    CHECK(!s.subnets[0].cmdGroups.empty());
    CHECK(!s.netProfile); // only with BackendOptions::enableProfile
    REQUIRE(s.coeff);
    CHECK(s.coeff->address == t->coeffStartAddr);
    CHECK(s.coeff->locations.size() == 2); // conv weight and bias
    // IO inside the neuron region, which follows the coeff blob.
    CHECK(s.ctxAddr >= s.coeff->address + s.coeff->data.size);
    for (const auto *list : {&s.inputs, &s.outputs})
      for (const bmodel::TensorInfo &ti : *list) {
        CHECK(ti.deviceAddr >= s.ctxAddr);
        CHECK(ti.deviceAddr + ti.size <= s.ctxAddr + s.ctxSize);
        CHECK(ti.deviceAddr % t->gmemAlignment == 0);
      }
    CHECK(s.outputs[0].shapes[0] == bmodel::Shape{1, 6});
    // The relu was fused into the conv command.
    CHECK(cm->stats.loweredOps == 3);
  }
}

TEST_CASE("activation buffers are reused", "[backend][memory]") {
  Builder b;
  Value *v = b.input("x", {1, 16, 32, 32});
  for (int i = 0; i < 8; ++i)
    v = b.op(i % 2 ? OpKind::Sigmoid : OpKind::Tanh, {v});
  b.g.addOutput(v);
  REQUIRE(!inferTypes(b.g));
  auto cm = backend::compileToBModel(b.g, isa::getBM1684XTarget());
  REQUIRE(bool(cm));
  // Nine 64 KiB tensors; at most three are live at any point.
  CHECK(cm->stats.unsharedActivationBytes == 9 * 65536);
  CHECK(cm->stats.neuronBytes <= 3 * 65536 + 2 * 4096);
  checkBothTargets(b);
}

TEST_CASE("every unsupported node is listed in one error",
          "[backend][errors]") {
  Builder b;
  Value *x = b.input("x", {1, 4, 8, 8});
  Value *t = b.op(OpKind::Tan, {x});
  Value *a = b.op(OpKind::Asin, {t});
  Value *g = b.op(OpKind::Gelu, {a}, {{"approximate", std::string("tanh")}});
  b.g.addOutput(g);
  REQUIRE(!inferTypes(b.g));
  auto cm = backend::compileToBModel(b.g, isa::getBM1684Target());
  REQUIRE(!cm);
  std::string msg = llvm::toString(cm.takeError());
  CHECK_THAT(msg, Catch::Contains("3 node(s) cannot be lowered to BM1684"));
  CHECK_THAT(msg, Catch::Contains("unsupported op types: Asin Tan"));
  CHECK_THAT(msg, Catch::Contains("'tan"));
  CHECK_THAT(msg, Catch::Contains("'asin"));
  CHECK_THAT(msg, Catch::Contains("approximate='tanh'"));
}

TEST_CASE("dynamic shapes are rejected with the input named",
          "[backend][errors]") {
  Graph g;
  Value *x = g.addInput("x", TensorType(DType::F32, Shape{kDynamicDim, 4}));
  g.addOutput(g.createNode(OpKind::Relu, {x}, {"y"}, "r")->output(0));
  REQUIRE(!inferTypes(g));
  auto cm = backend::compileToBModel(g, isa::getBM1684XTarget());
  REQUIRE(!cm);
  CHECK_THAT(llvm::toString(cm.takeError()),
             Catch::Contains("graph input 'x'"));
}

TEST_CASE("tiled ops overlap loads with computes", "[backend][sync]") {
  Builder b;
  // 160 KB per lane per buffer: on either target the sigmoid and the conv
  // are tiled with two buffer sets.
  Value *x = b.input("x", {1, 64, 320, 128});
  Value *s = b.op(OpKind::Sigmoid, {x});
  b.g.addOutput(b.op(OpKind::Conv, {s, b.constant({64, 64, 3, 3})},
                     {{"pads", Ints{1, 1, 1, 1}}}));
  for (const isa::TargetInfo *t : isa::allTargets()) {
    RunFigures f = compileRunCompare(b, *t);
    INFO(t->name.str() << " max rel err " << f.maxRelErr);
    CHECK(f.maxRelErr <= 1e-4);
    // Some GDMA command was allowed to run before the BDC command issued
    // just before it (a load of the next tile during a compute). With the
    // serial rule every GDMA dep equals the number of BDC commands issued
    // before it.
    size_t bdcBefore = 0, overlapped = 0;
    // Commands were emitted alternately; reconstruct issue order from the
    // BDC deps: BDC command j was issued after GDMA command dep_j.
    std::vector<uint32_t> bdcAfterGdma;
    for (const isa::Command &c : f.bdc)
      bdcAfterGdma.push_back(c.hdr.depId);
    for (size_t g = 0; g < f.gdma.size(); ++g) {
      // BDC commands issued before GDMA command g+1: those waiting on a
      // GDMA id <= g (ids are 1-based).
      while (bdcBefore < bdcAfterGdma.size() && bdcAfterGdma[bdcBefore] <= g)
        ++bdcBefore;
      if (f.gdma[g].hdr.depId < bdcBefore)
        ++overlapped;
    }
    CHECK(overlapped > 0);
    REQUIRE(!f.gdma.empty());
  }
}
