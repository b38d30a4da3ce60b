//===- Access.cpp - bounds-checked views of local tensors
//------------------===//
#include "runtime/cmodel/Access.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

using namespace onntc::isa;

namespace onntc {
namespace cmodel {

llvm::Expected<LocalView> LocalView::make(const TargetInfo &t, LocalMemory &mem,
                                          uint32_t addr, Strides4 stride,
                                          Shape4 shape, DType dt,
                                          const char *what, LaneRule rule,
                                          unsigned outStartLane) {
  auto fail = [&](const llvm::Twine &msg) {
    std::string s;
    llvm::raw_string_ostream os(s);
    os << what << " (local address " << llvm::format("0x%x", addr)
       << "): " << msg;
    return llvm::createStringError(std::errc::invalid_argument,
                                   os.str().c_str());
  };
  LocalView v;
  v.mem = mem.data();
  v.lmem = t.lmemBytes;
  v.npu = t.npuNum;
  v.eb = dtypeBytes(dt);
  v.dt = dt;
  v.st = stride;
  if (uint64_t(addr) >= t.totalLmemBytes())
    return fail("beyond local memory (" + llvm::Twine(t.npuNum) + " lanes x " +
                llvm::Twine(t.lmemBytes) + " bytes)");
  v.laneBase = localLane(t, addr);
  v.offset = localOffset(t, addr);
  if (v.offset % v.eb)
    return fail("offset is not aligned to the " + llvm::Twine(v.eb) +
                "-byte element size of " + dtypeName(dt));
  if (stride.c == 0 && rule == LaneRule::Replicated)
    v.laneBase = outStartLane;
  if (stride.c == 0 && rule == LaneRule::FixedLane)
    v.fixedLane = true;
  // Limits that keep every index computation of the kernels inside int64
  // and every command finite; no real command comes near them.
  const uint64_t maxExtent = uint64_t(1) << 24;
  if (shape.n > maxExtent || shape.c > maxExtent || shape.h > maxExtent ||
      shape.w > maxExtent)
    return fail("an extent of the shape exceeds 2^24");
  const int64_t maxStride = int64_t(1) << 31;
  for (int64_t s : {stride.n, stride.c, stride.h, stride.w})
    if (s > maxStride || s < -maxStride)
      return fail("a stride exceeds 2^31 elements");
  if (__int128(shape.n) * shape.c * shape.h * shape.w > (__int128(1) << 32))
    return fail("more than 2^32 elements in one command");
  if (shape.n == 0 || shape.c == 0 || shape.h == 0 || shape.w == 0)
    return v;
  // 128-bit so that no descriptor value can overflow the check.
  __int128 lo = v.offset, hi = v.offset;
  auto dim = [&](uint64_t ext, int64_t s) {
    __int128 span = __int128(ext - 1) * s * v.eb;
    if (span < 0)
      lo += span;
    else
      hi += span;
  };
  dim(shape.n, stride.n);
  uint64_t groups = v.fixedLane ? 1 : (v.laneBase + shape.c - 1) / v.npu + 1;
  dim(groups, stride.c);
  dim(shape.h, stride.h);
  dim(shape.w, stride.w);
  hi += v.eb;
  if (lo < 0 || hi > __int128(t.lmemBytes)) {
    auto clip = [](__int128 x) {
      return int64_t(x < INT64_MIN ? INT64_MIN : x > INT64_MAX ? INT64_MAX : x);
    };
    return fail("elements span lane offsets [" + llvm::Twine(clip(lo)) + ", " +
                llvm::Twine(clip(hi)) + ") outside the " +
                llvm::Twine(t.lmemBytes) + "-byte lane");
  }
  return v;
}

} // namespace cmodel
} // namespace onntc
