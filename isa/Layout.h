//===- Layout.h - global and local memory layouts ---------------*- C++ -*-===//
//
// How tensors sit in the two memories of the virtual TPU. Local memory is
// npuNum lanes of lmemBytes each; a local address is lane * lmemBytes +
// offset. Channel c of a local tensor that starts on lane s lives on lane
// (s + c) % npuNum, in channel group (s + c) / npuNum of that lane. The
// backend uses these helpers to size and place buffers; the cmodel uses the
// same ones to interpret commands (docs/isa.md "Layouts").
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_ISA_LAYOUT_H
#define ONNTC_ISA_LAYOUT_H

#include "isa/Target.h"

#include <cstdint>

namespace onntc {
namespace isa {

/// A 4-D extent in N, C, H, W order.
struct Shape4 {
  uint32_t n = 1, c = 1, h = 1, w = 1;
  uint64_t numElements() const { return uint64_t(n) * c * h * w; }
  bool operator==(const Shape4 &o) const {
    return n == o.n && c == o.c && h == o.h && w == o.w;
  }
  bool operator!=(const Shape4 &o) const { return !(*this == o); }
};

/// Element strides in N, C, H, W order. For a local operand, the C stride is
/// the distance between consecutive channel groups inside one lane.
struct Strides4 {
  int64_t n = 0, c = 0, h = 0, w = 0;
  bool operator==(const Strides4 &o) const {
    return n == o.n && c == o.c && h == o.h && w == o.w;
  }
};

/// The ways a tensor can be laid out inside a lane. Values are part of the
/// descriptor format.
enum class LocalLayout : uint8_t {
  /// c stride = align_up(H*W, eu), h stride = W (the default).
  AlignEU = 0,
  /// c stride = H*W.
  Compact = 1,
  /// h stride = align_up(W, eu), c stride = H * that.
  AlignLine = 2,
};
constexpr unsigned kNumLocalLayouts = 3;
llvm::StringRef localLayoutName(LocalLayout l);

/// Composes a local address from a lane and an offset inside the lane.
inline uint32_t makeLocalAddr(const TargetInfo &t, unsigned lane,
                              uint32_t offset) {
  return lane * t.lmemBytes + offset;
}
/// The lane a local address points into.
inline unsigned localLane(const TargetInfo &t, uint32_t addr) {
  return addr / t.lmemBytes;
}
/// The offset of a local address inside its lane.
inline uint32_t localOffset(const TargetInfo &t, uint32_t addr) {
  return addr % t.lmemBytes;
}

inline uint64_t alignUp(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }
inline uint64_t ceilDiv(uint64_t v, uint64_t d) { return (v + d - 1) / d; }

/// Number of channel groups a lane holds for c channels starting on lane
/// startLane: ceil((startLane + c) / npuNum).
inline uint32_t channelGroups(const TargetInfo &t, uint32_t c,
                              unsigned startLane = 0) {
  return uint32_t(ceilDiv(uint64_t(startLane) + c, t.npuNum));
}

/// Element strides of a local tensor with the given layout.
Strides4 localStrides(const TargetInfo &t, Shape4 s, DType dt, LocalLayout l,
                      unsigned startLane = 0);
/// Bytes one lane needs for the tensor (N * groups * c stride * bytes).
uint64_t localBytesPerLane(const TargetInfo &t, Shape4 s, DType dt,
                           LocalLayout l, unsigned startLane = 0);
/// Dense NCHW strides of a global tensor.
Strides4 contiguousStrides(Shape4 s);

/// Per-lane bytes of convolution weights for oc output channels starting on
/// lane startLane: each output channel holds icPerGroup*kh*kw elements
/// contiguously (the weight c stride), channel groups back to back.
uint64_t convWeightBytesPerLane(const TargetInfo &t, uint32_t oc,
                                uint32_t icPerGroup, uint32_t kh, uint32_t kw,
                                DType dt, unsigned startLane = 0);
/// Per-lane bytes of a per-channel vector (bias, one element per channel).
uint64_t perChannelBytesPerLane(const TargetInfo &t, uint32_t c, DType dt,
                                unsigned startLane = 0);
/// Per-lane bytes of a per-channel requant table ({i32 multiplier, i32
/// shift} per channel).
uint64_t requantTableBytesPerLane(const TargetInfo &t, uint32_t c,
                                  unsigned startLane = 0);

/// Output extent of a sliding window (conv, pool); 0 when the window does not
/// fit even once.
uint32_t slidingOutSize(uint32_t in, uint32_t kernel, uint32_t stride,
                        uint32_t padLo, uint32_t padHi, uint32_t dilation);

} // namespace isa
} // namespace onntc

#endif
