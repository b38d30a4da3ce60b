//===- CostModelTest.cpp - the documented cycle formulas
//-------------------===//
#include "isa/CostModel.h"

#include <catch2/catch.hpp>

using namespace onntc::isa;

namespace {
ConvCmd conv3x3(DType dt) {
  ConvCmd c;
  c.in = {1, 64, 56, 56};
  c.oc = 64;
  c.oh = c.ow = 56;
  c.kh = c.kw = 3;
  c.padT = c.padB = c.padL = c.padR = 1;
  c.inType = dt;
  return c;
}
Command cmd(Command::Body b) { return Command{CmdHeader{1, 0, 0}, b}; }
} // namespace

TEST_CASE("conv cycles are per-lane work over the EU width", "[isa][cost]") {
  const TargetInfo &x = getBM1684XTarget();
  CommandCost c = estimateCost(x, cmd(conv3x3(DType::F32)));
  CHECK(c.cycles == 32 + 196 * 576); // ceil(3136/16) * 64*3*3
  CHECK(c.macs == 64ull * 3136 * 576);
  CommandCost a = estimateCost(getBM1684Target(), cmd(conv3x3(DType::F32)));
  CHECK(a.cycles == 32 + 98 * 576); // 32 f32 EU lanes on BM1684
  CommandCost q = estimateCost(x, cmd(conv3x3(DType::I8)));
  CHECK(q.cycles == 32 + 49 * 576);
  // 65 output channels need a second channel group on lane 0.
  ConvCmd c65 = conv3x3(DType::F32);
  c65.oc = 65;
  CHECK(estimateCost(x, cmd(c65)).cycles == 32 + 2 * 196 * 576);
}

TEST_CASE("matmul and element-wise cycles", "[isa][cost]") {
  const TargetInfo &x = getBM1684XTarget();
  MatMulCmd m;
  m.m = 1000;
  m.k = 512;
  m.n = 1;
  CHECK(estimateCost(x, cmd(m)).cycles == 32 + 16 * 1 * 512);
  CHECK(estimateCost(x, cmd(m)).macs == 512000);
  UnaryCmd relu, ex;
  relu.shape = ex.shape = {1, 64, 56, 56};
  relu.op = UnaryOp::Relu;
  ex.op = UnaryOp::Exp;
  uint64_t r = estimateCost(x, cmd(relu)).cycles - 32;
  uint64_t e = estimateCost(x, cmd(ex)).cycles - 32;
  CHECK(r == 196);
  CHECK(e == 8 * r);
}

TEST_CASE("GDMA cycles are latency plus bytes over bandwidth", "[isa][cost]") {
  const TargetInfo &x = getBM1684XTarget();
  GdmaMoveCmd g;
  g.shape = {1, 64, 56, 56};
  g.src = {MemSpace::Global, x.gmemStartAddr, contiguousStrides(g.shape)};
  g.dst = {MemSpace::Local, 0,
           localStrides(x, g.shape, DType::F32, LocalLayout::AlignEU)};
  CommandCost c = estimateCost(x, cmd(g));
  CHECK(c.cycles == 500 + 802816 / 32);
  CHECK(c.globalBytes == 802816);
  // A transposing read touches one burst per element: much slower.
  GdmaMoveCmd t = g;
  t.src.stride = {200704, 1, 3584, 64};
  CHECK(estimateCost(x, cmd(t)).cycles == 500 + 200704ull * 64 / 32);
  // BM1684 moves more bytes per (slower) cycle and has a shorter latency.
  CHECK(estimateCost(getBM1684Target(), cmd(g)).cycles ==
        275 + uint64_t(802816 / 58.2 + 0.999999));
  GdmaMoveCmd gg = g;
  gg.dst = g.src;
  gg.dst.addr += 1 << 20;
  CHECK(estimateCost(x, cmd(gg)).cycles == 500 + 802816 / 16);
}
