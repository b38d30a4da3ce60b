//===- BenchTest.cpp - cmodel speed on ResNet-18 FP32 layers
//---------------===//
//
// Hidden by default (run `cmodel_tests "[.bench]"`): executes every conv of
// ResNet-18 at 224x224 once, with the FC as a matmul, and reports the wall
// time and the simulated cycles.
//
//===----------------------------------------------------------------------===//
#include "TestUtil.h"

#include "isa/CostModel.h"

#include <chrono>

using namespace testutil;

TEST_CASE("ResNet-18 FP32 layers on the cmodel", "[.bench]") {
  struct L {
    uint32_t ic, hw, oc, k, s, p, count;
  } layers[] = {{3, 224, 64, 7, 2, 3, 1},   {64, 56, 64, 3, 1, 1, 4},
                {64, 56, 128, 3, 2, 1, 1},  {128, 28, 128, 3, 1, 1, 3},
                {64, 56, 128, 1, 2, 0, 1},  {128, 28, 256, 3, 2, 1, 1},
                {256, 14, 256, 3, 1, 1, 3}, {128, 28, 256, 1, 2, 0, 1},
                {256, 14, 512, 3, 2, 1, 1}, {512, 7, 512, 3, 1, 1, 3},
                {256, 14, 512, 1, 2, 0, 1}};
  for (const TargetInfo *tp : allTargets()) {
    const TargetInfo &t = *tp;
    CModel m(t);
    double wall = 0;
    uint64_t cycles = 0, macs = 0;
    for (const L &l : layers)
      for (uint32_t i = 0; i < l.count; ++i) {
        ConvCmd c;
        c.in = {1, l.ic, l.hw, l.hw};
        c.oc = l.oc;
        c.kh = c.kw = uint16_t(l.k);
        c.strideH = c.strideW = uint16_t(l.s);
        c.padT = c.padB = c.padL = c.padR = uint16_t(l.p);
        c.oh = c.ow = slidingOutSize(l.hw, l.k, l.s, l.p, l.p, 1);
        c.relu = true;
        // Real tiling is the backend's job; here the operands may overlap
        // (the cmodel does not care) as long as each fits a lane.
        c.inAddr = 0;
        c.outAddr = 0;
        c.weightAddr = 0;
        Command cmd = bdc(c);
        auto start = std::chrono::steady_clock::now();
        llvm::Error e = m.execute(cmd);
        wall += std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                              start)
                    .count();
        if (e) {
          // The 224x224 stem does not fit one lane on BM1684X; the backend
          // tiles it. Count it as skipped.
          llvm::consumeError(std::move(e));
          continue;
        }
        CommandCost k = estimateCost(t, cmd);
        cycles += k.cycles;
        macs += k.macs;
      }
    WARN(t.name.str() << ": " << macs / 1e6 << " M MACs in " << wall
                      << " s wall, " << cycles << " BDC cycles ("
                      << cycles / t.clockMHz / 1000 << " ms at " << t.clockMHz
                      << " MHz, utilization "
                      << double(macs) / cycles / t.peakMacsPerCycle(DType::F32)
                      << ")");
  }
}
