//===- PipelineTest.cpp - the shared tile pipeline over a LocalOp ---------===//
//
// Drives runLocalOp with a LocalOp that records what the pipeline asks of
// it: tile order, per-slice buffers loaded once per channel slice, two
// buffer sets that alternate, loads of the next tile not waiting for the
// current compute, and the row's error when no tile fits.
//
//===----------------------------------------------------------------------===//

#include "BackendTestUtil.h"

#include "backend/core/Pipeline.h"
#include "isa/Target.h"

#include <catch2/catch.hpp>

using namespace onntc;
using namespace onntc::backend;
using namespace onntc::backendtest;
using isa::Shape4;

namespace {

struct Event {
  char what; // 'L' load, 'S' store, 'C' compute
  unsigned buf;
  uint32_t laddr;
  Tile tile;
};

/// Buffers: 0 per-slice (loaded), 1 input (loaded), 2 output (stored).
/// Bytes per lane scale with N, lane groups of C and H, so the pipeline
/// has to cut N, C and H.
class RecordingOp final : public LocalOp {
public:
  RecordingOp(uint64_t unit, bool overlap) : unit_(unit), overlap_(overlap) {}
  mutable std::vector<Event> events;

  TileSpace space() const override {
    TileSpace s;
    s.full = {2, 128, 8, 16};
    s.cQuantum = 64;
    s.splitH = true;
    s.overlap = overlap_;
    s.tooLarge = "recording op too large";
    return s;
  }
  std::vector<LocalBuffer> localBufferBytes(Shape4 s) const override {
    uint64_t b = uint64_t(s.n) * ((s.c + 63) / 64) * s.h * unit_;
    return {{64, true, false, true}, {b, true, false, false},
            {b, false, true, false}};
  }
  isa::GdmaMoveCmd transfer(const Tile &t, unsigned buf, bool store,
                            uint32_t laddr) const override {
    events.push_back({store ? 'S' : 'L', buf, laddr, t});
    isa::GdmaMoveCmd m;
    m.shape = {1, 1, 1, 1};
    m.dtype = isa::DType::F32;
    return m;
  }
  void emitLocal(const Tile &t, llvm::ArrayRef<uint32_t> a,
                 CmdStream &s) const override {
    events.push_back({'C', 2, a[2], t});
    isa::FillCmd f;
    f.shape = {1, 1, 1, 1};
    f.out.addr = a[2];
    f.out.dtype = isa::DType::F32;
    s.bdc(f);
  }

private:
  uint64_t unit_;
  bool overlap_;
};

struct Fixture {
  Builder b;
  Node *node;
  MemoryPlan plan;
  BackendOptions opts;
  Fixture() {
    Value *x = b.input("x", {1, 4});
    node = b.node(OpKind::Relu, {x});
  }
};

} // namespace

TEST_CASE("pipeline: tiles, per-slice loads, two alternating sets",
          "[backend][pipeline]") {
  const isa::TargetInfo &t = *isa::lookupTarget("BM1684X");
  REQUIRE(t.lmemBytes == 256 * 1024);
  Fixture f;
  LowerContext ctx(t, f.plan, 0, f.opts);
  // Whole space: 2 * 2 * 8 * 8 KB = 256 KB per buffer; halving N, C and H
  // leaves 32 KB per buffer, four per-tile buffers (two sets) + 64 bytes.
  RecordingOp op(8192, /*overlap=*/true);
  if (llvm::Error e = runLocalOp(*f.node, op, ctx))
    FAIL(llvm::toString(std::move(e)));

  std::vector<Event> computes, sliceLoads, tileLoads, stores;
  for (const Event &e : op.events)
    (e.what == 'C'   ? computes
     : e.what == 'S' ? stores
     : e.buf == 0    ? sliceLoads
                     : tileLoads)
        .push_back(e);
  // 2 (N) x 2 (C) x 2 (H) tiles of 1 x 64 x 4 x 16, channel slices outer.
  REQUIRE(computes.size() == 8);
  CHECK(tileLoads.size() == 8);
  CHECK(stores.size() == 8);
  REQUIRE(sliceLoads.size() == 2);
  CHECK(sliceLoads[0].tile.c0 == 0);
  CHECK(sliceLoads[1].tile.c0 == 64);
  for (size_t i = 0; i < computes.size(); ++i) {
    const Tile &tl = computes[i].tile;
    CHECK(tl.shape.n == 1);
    CHECK(tl.shape.c == 64);
    CHECK(tl.shape.h == 4);
    CHECK(tl.shape.w == 16);
    CHECK(tl.c0 == (i < 4 ? 0u : 64u));
    CHECK(tl.h0 == (i % 2 ? 4u : 0u));
    CHECK(tl.n0 == (i % 4 < 2 ? 0u : 1u));
  }
  // The per-slice buffer keeps its address; consecutive tiles alternate
  // between two output buffers.
  CHECK(sliceLoads[0].laddr == sliceLoads[1].laddr);
  CHECK(computes[0].laddr != computes[1].laddr);
  CHECK(computes[0].laddr == computes[2].laddr);
  // The per-slice load comes before the slice's first tile load.
  auto pos = [&](const Event &e) {
    for (size_t i = 0; i < op.events.size(); ++i)
      if (op.events[i].what == e.what && op.events[i].buf == e.buf &&
          op.events[i].laddr == e.laddr && op.events[i].tile.c0 == e.tile.c0)
        return i;
    return op.events.size();
  };
  CHECK(pos(sliceLoads[1]) < pos(tileLoads[4]));

  // Streams: 2 + 8 loads and 8 stores on GDMA, 8 computes on BDC. The load
  // of tile 1 does not wait for the compute of tile 0 (overlap), the
  // compute of tile 1 waits for its own load.
  const CmdGroupCmds &g = ctx.stream().groups().at(0);
  REQUIRE(g.gdma.size() == 18);
  REQUIRE(g.bdc.size() == 8);
  // GDMA order: P0 L0 L1 S0 ...; L1 is the third GDMA command.
  CHECK(g.gdma[2].hdr.depId == 0);
  CHECK(g.bdc[1].hdr.depId == 3);
}

TEST_CASE("pipeline: one set when a tile fits only once; error when none fits",
          "[backend][pipeline]") {
  const isa::TargetInfo &t = *isa::lookupTarget("BM1684X");
  Fixture f;
  {
    // The smallest tile (1 x 64 x 1 x 16) takes 96 KB per buffer: two fit,
    // four do not, so the tiles run serially on one set.
    LowerContext ctx(t, f.plan, 0, f.opts);
    RecordingOp op(96 * 1024, /*overlap=*/true);
    if (llvm::Error e = runLocalOp(*f.node, op, ctx))
      FAIL(llvm::toString(std::move(e)));
    std::vector<uint32_t> outs;
    for (const Event &e : op.events)
      if (e.what == 'C')
        outs.push_back(e.laddr);
    REQUIRE(outs.size() == 2 * 2 * 8);
    for (uint32_t a : outs)
      CHECK(a == outs[0]);
    // Serial: every GDMA command waits for the last compute before it.
    const CmdGroupCmds &g = ctx.stream().groups().at(0);
    CHECK(g.gdma.back().hdr.depId == g.bdc.size());
  }
  {
    LowerContext ctx(t, f.plan, 0, f.opts);
    RecordingOp op(200 * 1024, /*overlap=*/true);
    llvm::Error e = runLocalOp(*f.node, op, ctx);
    REQUIRE(bool(e));
    std::string msg = llvm::toString(std::move(e));
    CHECK(msg.find("recording op too large") != std::string::npos);
    CHECK(msg.find("(Relu)") != std::string::npos);
    CHECK(ctx.stream().groups().at(0).gdma.empty());
  }
}
