//===- Access.h - bounds-checked views of local tensors ---------*- C++ -*-===//
//
// Internal to the cmodel. A LocalView is created once per operand and
// command; creation checks that every element lies inside its lane, so the
// kernels can then index without further checks.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_RUNTIME_CMODEL_ACCESS_H
#define ONNTC_RUNTIME_CMODEL_ACCESS_H

#include "runtime/cmodel/Memory.h"

#include "llvm/Support/Error.h"

namespace onntc {
namespace cmodel {

/// How channels map to lanes when the operand's C stride is 0.
enum class LaneRule {
  /// Channel c on lane (start + c) % npu, group (start + c) / npu.
  Normal,
  /// BDC lane-replicated operand: channel c is read on the lane of output
  /// channel c (the view is based at the output's start lane).
  Replicated,
  /// GDMA lane broadcast: every channel is on the start lane.
  FixedLane,
};

struct LocalView {
  uint8_t *mem = nullptr;
  uint32_t lmem = 0;
  unsigned npu = 1;
  unsigned laneBase = 0;
  uint32_t offset = 0;
  isa::Strides4 st;
  unsigned eb = 4;
  isa::DType dt = isa::DType::F32;
  bool fixedLane = false;

  /// Lane holding channel c.
  unsigned laneOf(uint32_t c) const {
    return fixedLane ? laneBase : (laneBase + c) % npu;
  }
  /// Start of channel c inside the whole local memory (element (n=0,h=0,w=0)).
  uint8_t *channel(uint32_t c) const {
    unsigned x = laneBase + c;
    unsigned lane = fixedLane ? laneBase : x % npu;
    int64_t grp = fixedLane ? 0 : x / npu;
    return mem + size_t(lane) * lmem + offset + grp * st.c * int64_t(eb);
  }
  uint8_t *at(uint32_t n, uint32_t c, uint32_t h, uint32_t w) const {
    return channel(c) + (n * st.n + h * st.h + w * st.w) * int64_t(eb);
  }

  /// Checks that the operand (addr, stride, shape, dtype) lies inside local
  /// memory. `what` names the operand in the error. outStartLane is used by
  /// LaneRule::Replicated.
  static llvm::Expected<LocalView> make(const isa::TargetInfo &t,
                                        LocalMemory &mem, uint32_t addr,
                                        isa::Strides4 stride, isa::Shape4 shape,
                                        isa::DType dt, const char *what,
                                        LaneRule rule, unsigned outStartLane);
};

} // namespace cmodel
} // namespace onntc

#endif
