//===- Builders.h - shorthands for common commands --------------*- C++ -*-===//
//
// Helpers the backend uses to build the commands it emits most often
// (loads and stores of standard layouts, operands in standard layouts).
// They only fill structs; ids and dependencies stay the caller's job.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_BACKEND_CORE_BUILDERS_H
#define ONNTC_BACKEND_CORE_BUILDERS_H

#include "isa/Commands.h"

namespace onntc {
namespace isa {

/// A lane-wise operand at local address addr in a standard layout.
inline LocalOperand localOperand(const TargetInfo &t, uint32_t addr, Shape4 s,
                                 DType dt,
                                 LocalLayout l = LocalLayout::AlignEU) {
  LocalOperand o;
  o.addr = addr;
  o.dtype = dt;
  o.stride = localStrides(t, s, dt, l, localLane(t, addr));
  return o;
}

/// A GDMA side in global memory with the given element strides (dense NCHW
/// when omitted).
inline GdmaTensor globalSide(uint64_t addr, Strides4 st) {
  return GdmaTensor{MemSpace::Global, addr, st};
}
/// A GDMA side in local memory in a standard layout.
inline GdmaTensor localSide(const TargetInfo &t, uint32_t addr, Shape4 s,
                            DType dt, LocalLayout l = LocalLayout::AlignEU) {
  return GdmaTensor{MemSpace::Local, addr,
                    localStrides(t, s, dt, l, localLane(t, addr))};
}

/// Load of a (possibly strided) global tensor into a standard local layout;
/// channels spread over the lanes from localLane(laddr).
inline GdmaMoveCmd makeLoad(const TargetInfo &t, Shape4 s, DType dt,
                            uint64_t gaddr, Strides4 gstride, uint32_t laddr,
                            LocalLayout l = LocalLayout::AlignEU) {
  GdmaMoveCmd c;
  c.shape = s;
  c.dtype = dt;
  c.src = globalSide(gaddr, gstride);
  c.dst = localSide(t, laddr, s, dt, l);
  return c;
}

/// Store of a standard local layout into a (possibly strided) global tensor.
inline GdmaMoveCmd makeStore(const TargetInfo &t, Shape4 s, DType dt,
                             uint32_t laddr, uint64_t gaddr, Strides4 gstride,
                             LocalLayout l = LocalLayout::AlignEU) {
  GdmaMoveCmd c;
  c.shape = s;
  c.dtype = dt;
  c.src = localSide(t, laddr, s, dt, l);
  c.dst = globalSide(gaddr, gstride);
  return c;
}

/// Load of conv weights stored [oc][ic/groups][kh][kw] densely at gaddr into
/// the per-output-channel local layout (section "Layouts" of docs/isa.md).
inline GdmaMoveCmd makeConvWeightLoad(uint32_t oc, uint32_t icPerGroup,
                                      uint32_t kh, uint32_t kw, DType dt,
                                      uint64_t gaddr, uint32_t laddr) {
  int64_t k = int64_t(icPerGroup) * kh * kw;
  GdmaMoveCmd c;
  c.shape = {1, oc, 1, uint32_t(k)};
  c.dtype = dt;
  c.src = globalSide(gaddr, {0, k, 0, 1});
  c.dst = GdmaTensor{MemSpace::Local, laddr, {0, k, 0, 1}};
  return c;
}

/// Load of one value per channel (bias) stored densely at gaddr.
inline GdmaMoveCmd makePerChannelLoad(uint32_t c, DType dt, uint64_t gaddr,
                                      uint32_t laddr) {
  GdmaMoveCmd m;
  m.shape = {1, c, 1, 1};
  m.dtype = dt;
  m.src = globalSide(gaddr, {0, 1, 0, 1});
  m.dst = GdmaTensor{MemSpace::Local, laddr, {0, 1, 0, 1}};
  return m;
}

/// Copies a row of n elements at gaddr into the same offset of `lanes`
/// lanes starting at localLane(laddr) (lane-replicated operands: matmul
/// bias, lookup tables, C-broadcast inputs).
inline GdmaMoveCmd makeReplicate(const TargetInfo &t, uint32_t lanes,
                                 uint32_t n, DType dt, uint64_t gaddr,
                                 uint32_t laddr) {
  GdmaMoveCmd m;
  m.shape = {1, lanes, 1, n};
  m.dtype = dt;
  m.src = globalSide(gaddr, {0, 0, 0, 1});
  m.dst = GdmaTensor{MemSpace::Local, laddr, {0, int64_t(n), 0, 1}};
  return m;
}

} // namespace isa
} // namespace onntc

#endif
