//===- TargetLayoutTest.cpp - targets as data and local layouts
//------------===//
#include "isa/Layout.h"
#include "isa/Target.h"

#include <catch2/catch.hpp>

using namespace onntc::isa;

TEST_CASE("targets carry the published chip constants", "[isa][target]") {
  const TargetInfo &a = getBM1684Target();
  const TargetInfo &b = getBM1684XTarget();
  CHECK(a.npuNum == 64);
  CHECK(b.npuNum == 64);
  CHECK(a.lmemBytes == 512 * 1024);
  CHECK(b.lmemBytes == 256 * 1024);
  CHECK(a.lmemBanks == 8);
  CHECK(b.lmemBanks == 16);
  CHECK(a.bankBytes() == 64 * 1024);
  CHECK(b.bankBytes() == 16 * 1024);
  CHECK(a.euNum(DType::F32) == 32);
  CHECK(b.euNum(DType::F32) == 16);
  CHECK(b.euNum(DType::F16) == 32);
  CHECK(b.euNum(DType::I8) == 64);
  CHECK(a.clockMHz == 550.0);
  CHECK(b.clockMHz == 1000.0);
  CHECK(a.gmemStartAddr == 0x100000000ull);
  CHECK(a.coeffStartAddr == 0x100000000ull + 0x5100000ull);
  CHECK(b.coeffStartAddr == b.gmemStartAddr);
  CHECK(a.totalLmemBytes() == 32ull << 20);
  // Consistency with the quoted FP32 peaks: ~2.2 and ~2.0 TFLOPS.
  double tflopsA =
      2.0 * a.peakMacsPerCycle(DType::F32) * a.clockMHz * 1e6 / 1e12;
  double tflopsB =
      2.0 * b.peakMacsPerCycle(DType::F32) * b.clockMHz * 1e6 / 1e12;
  CHECK(tflopsA == Approx(2.25).epsilon(0.02));
  CHECK(tflopsB == Approx(2.05).epsilon(0.02));
}

TEST_CASE("targets are looked up by name", "[isa][target]") {
  CHECK(lookupTarget("bm1684x") == &getBM1684XTarget());
  CHECK(lookupTarget("BM1684") == &getBM1684Target());
  CHECK(lookupTarget("BM1688") == nullptr);
  CHECK(allTargets().size() == 2);
}

TEST_CASE("local strides follow the channel-across-lanes layout",
          "[isa][layout]") {
  const TargetInfo &t = getBM1684XTarget();
  Shape4 s{2, 70, 5, 7}; // 70 channels: two groups on lanes 0..5
  Strides4 st = localStrides(t, s, DType::F32, LocalLayout::AlignEU);
  CHECK(st.w == 1);
  CHECK(st.h == 7);
  CHECK(st.c == 48); // align_up(35, 16)
  CHECK(st.n == 96); // 2 groups
  CHECK(localBytesPerLane(t, s, DType::F32, LocalLayout::AlignEU) ==
        2 * 96 * 4);
  Strides4 cp = localStrides(t, s, DType::F32, LocalLayout::Compact);
  CHECK(cp.c == 35);
  Strides4 al = localStrides(t, s, DType::F32, LocalLayout::AlignLine);
  CHECK(al.h == 16);
  CHECK(al.c == 80);
  // Starting on lane 60, 70 channels need ceil(130 / 64) = 3 groups.
  CHECK(channelGroups(t, 70, 60) == 3);
  CHECK(localStrides(t, s, DType::F32, LocalLayout::AlignEU, 60).n == 144);
  // i8 on BM1684X aligns to 64 elements.
  CHECK(localStrides(t, s, DType::I8, LocalLayout::AlignEU).c == 64);
  // BM1684 f32 aligns to 32 elements.
  CHECK(
      localStrides(getBM1684Target(), s, DType::F32, LocalLayout::AlignEU).c ==
      64);
}

TEST_CASE("local addresses split into lane and offset", "[isa][layout]") {
  const TargetInfo &t = getBM1684Target();
  uint32_t a = makeLocalAddr(t, 5, 0x1230);
  CHECK(localLane(t, a) == 5);
  CHECK(localOffset(t, a) == 0x1230);
  CHECK(contiguousStrides({2, 3, 4, 5}) == Strides4{60, 20, 5, 1});
}

TEST_CASE("parameter buffers have documented per-lane sizes", "[isa][layout]") {
  const TargetInfo &t = getBM1684XTarget();
  CHECK(convWeightBytesPerLane(t, 128, 64, 3, 3, DType::F32) == 2 * 576 * 4);
  CHECK(perChannelBytesPerLane(t, 65, DType::F32) == 8);
  CHECK(requantTableBytesPerLane(t, 64, 1) == 16);
}

TEST_CASE("sliding window output sizes", "[isa][layout]") {
  CHECK(slidingOutSize(224, 7, 2, 3, 3, 1) == 112);
  CHECK(slidingOutSize(56, 3, 1, 1, 1, 1) == 56);
  CHECK(slidingOutSize(10, 3, 1, 0, 0, 2) == 6);
  CHECK(slidingOutSize(2, 5, 1, 0, 0, 1) == 0);
  CHECK(slidingOutSize(2, 5, 0, 0, 0, 1) == 0);
}

#include "backend/core/Builders.h"

TEST_CASE("builders fill standard loads and stores", "[isa][builders]") {
  const TargetInfo &t = getBM1684XTarget();
  Shape4 s{1, 70, 3, 5};
  GdmaMoveCmd l = makeLoad(t, s, DType::F32, 0x100000000ull,
                           contiguousStrides(s), makeLocalAddr(t, 2, 64));
  CHECK(l.src.space == MemSpace::Global);
  CHECK(l.dst.space == MemSpace::Local);
  CHECK(l.dst.stride ==
        localStrides(t, s, DType::F32, LocalLayout::AlignEU, 2));
  GdmaMoveCmd st = makeStore(t, s, DType::F32, 0, 0x100000000ull,
                             contiguousStrides(s), LocalLayout::Compact);
  CHECK(st.src.stride.c == 15);
  CHECK(makeConvWeightLoad(64, 3, 7, 7, DType::F32, 0, 0).shape ==
        Shape4{1, 64, 1, 147});
  CHECK(makeReplicate(t, 64, 10, DType::F32, 0, 0).src.stride.c == 0);
  CHECK(localOperand(t, 0, s, DType::I8).stride.c == 64);
}
