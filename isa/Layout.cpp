//===- Layout.cpp - global and local memory layouts
//------------------------===//
#include "isa/Layout.h"

#include "llvm/Support/ErrorHandling.h"

namespace onntc {
namespace isa {

llvm::StringRef localLayoutName(LocalLayout l) {
  switch (l) {
  case LocalLayout::AlignEU:
    return "align_eu";
  case LocalLayout::Compact:
    return "compact";
  case LocalLayout::AlignLine:
    return "align_line";
  }
  llvm_unreachable("bad LocalLayout");
}

Strides4 localStrides(const TargetInfo &t, Shape4 s, DType dt, LocalLayout l,
                      unsigned startLane) {
  uint64_t eu = t.euNum(dt);
  Strides4 st;
  st.w = 1;
  switch (l) {
  case LocalLayout::AlignEU:
    st.h = s.w;
    st.c = int64_t(alignUp(uint64_t(s.h) * s.w, eu));
    break;
  case LocalLayout::Compact:
    st.h = s.w;
    st.c = int64_t(uint64_t(s.h) * s.w);
    break;
  case LocalLayout::AlignLine:
    st.h = int64_t(alignUp(s.w, eu));
    st.c = st.h * s.h;
    break;
  }
  st.n = st.c * channelGroups(t, s.c, startLane);
  return st;
}

uint64_t localBytesPerLane(const TargetInfo &t, Shape4 s, DType dt,
                           LocalLayout l, unsigned startLane) {
  Strides4 st = localStrides(t, s, dt, l, startLane);
  return uint64_t(st.n) * s.n * dtypeBytes(dt);
}

Strides4 contiguousStrides(Shape4 s) {
  Strides4 st;
  st.w = 1;
  st.h = s.w;
  st.c = int64_t(s.h) * s.w;
  st.n = st.c * s.c;
  return st;
}

uint64_t convWeightBytesPerLane(const TargetInfo &t, uint32_t oc,
                                uint32_t icPerGroup, uint32_t kh, uint32_t kw,
                                DType dt, unsigned startLane) {
  return uint64_t(channelGroups(t, oc, startLane)) * icPerGroup * kh * kw *
         dtypeBytes(dt);
}

uint64_t perChannelBytesPerLane(const TargetInfo &t, uint32_t c, DType dt,
                                unsigned startLane) {
  return uint64_t(channelGroups(t, c, startLane)) * dtypeBytes(dt);
}

uint64_t requantTableBytesPerLane(const TargetInfo &t, uint32_t c,
                                  unsigned startLane) {
  return uint64_t(channelGroups(t, c, startLane)) * 8;
}

uint32_t slidingOutSize(uint32_t in, uint32_t kernel, uint32_t stride,
                        uint32_t padLo, uint32_t padHi, uint32_t dilation) {
  if (stride == 0 || kernel == 0 || dilation == 0)
    return 0;
  int64_t span = int64_t(dilation) * (kernel - 1) + 1;
  int64_t padded = int64_t(in) + padLo + padHi;
  if (padded < span)
    return 0;
  return uint32_t((padded - span) / stride + 1);
}

} // namespace isa
} // namespace onntc
