//===- ExecGdma.cpp - GDMA moves and fills, command dispatch
//---------------===//
#include "runtime/cmodel/Access.h"
#include "runtime/cmodel/Exec.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>

using llvm::Error;
using llvm::Expected;
using namespace onntc::isa;

namespace onntc {
namespace cmodel {

Error execError(const llvm::Twine &msg) {
  return llvm::createStringError(std::errc::invalid_argument,
                                 msg.str().c_str());
}

namespace {

/// One side of a transfer, resolved to host memory and bounds-checked.
struct Side {
  bool local = false;
  LocalView lv;
  uint8_t *origin = nullptr; // global: host address of element (0,0,0,0)
  Strides4 st;
  int64_t eb = 4;

  uint8_t *at(uint32_t n, uint32_t c, uint32_t h, uint32_t w) const {
    if (local)
      return lv.at(n, c, h, w);
    return origin + (n * st.n + c * st.c + h * st.h + w * st.w) * eb;
  }
};

Expected<Side> resolve(ExecContext &x, const GdmaTensor &g, Shape4 s, DType dt,
                       const char *what) {
  Side side;
  if (__int128(s.n) * s.c * s.h * s.w > (__int128(1) << 32))
    return execError(llvm::Twine(what) +
                     ": more than 2^32 elements in one command");
  side.st = g.stride;
  side.eb = dtypeBytes(dt);
  if (g.space == MemSpace::Local) {
    if (g.addr >= x.t.totalLmemBytes())
      return execError(llvm::Twine(what) + ": local address " +
                       llvm::Twine(g.addr) + " is beyond local memory");
    auto v = LocalView::make(x.t, x.lmem, uint32_t(g.addr), g.stride, s, dt,
                             what, LaneRule::FixedLane, 0);
    if (!v)
      return v.takeError();
    side.local = true;
    side.lv = *v;
    return side;
  }
  if (s.n == 0 || s.c == 0 || s.h == 0 || s.w == 0)
    return side;
  __int128 lo = g.addr, hi = g.addr;
  auto dim = [&](uint64_t ext, int64_t st) {
    __int128 span = __int128(ext - 1) * st * side.eb;
    if (span < 0)
      lo += span;
    else
      hi += span;
  };
  dim(s.n, g.stride.n);
  dim(s.c, g.stride.c);
  dim(s.h, g.stride.h);
  dim(s.w, g.stride.w);
  hi += side.eb;
  if (lo < 0 || hi > (__int128(1) << 64)) {
    std::string m;
    llvm::raw_string_ostream os(m);
    os << what << ": global tensor at "
       << llvm::format("0x%llx", (unsigned long long)g.addr)
       << " with these strides leaves the 64-bit address space";
    return execError(os.str());
  }
  auto p = x.gmem.translate(uint64_t(lo), uint64_t(hi - lo));
  if (!p)
    return execError(llvm::Twine(what) + ": " + llvm::toString(p.takeError()));
  side.origin = *p + (uint64_t(g.addr) - uint64_t(lo));
  return side;
}

} // namespace

Error execGdmaMove(ExecContext &x, const GdmaMoveCmd &c) {
  auto src = resolve(x, c.src, c.shape, c.dtype, "source");
  if (!src)
    return src.takeError();
  auto dst = resolve(x, c.dst, c.shape, c.dtype, "destination");
  if (!dst)
    return dst.takeError();
  size_t eb = dtypeBytes(c.dtype);
  bool rows = c.src.stride.w == 1 && c.dst.stride.w == 1;
  for (uint32_t n = 0; n < c.shape.n; ++n)
    for (uint32_t ch = 0; ch < c.shape.c; ++ch)
      for (uint32_t h = 0; h < c.shape.h; ++h) {
        if (rows) {
          std::memmove(dst->at(n, ch, h, 0), src->at(n, ch, h, 0),
                       c.shape.w * eb);
          continue;
        }
        for (uint32_t w = 0; w < c.shape.w; ++w)
          std::memmove(dst->at(n, ch, h, w), src->at(n, ch, h, w), eb);
      }
  return Error::success();
}

Error execGdmaFill(ExecContext &x, const GdmaFillCmd &c) {
  auto dst = resolve(x, c.dst, c.shape, c.dtype, "destination");
  if (!dst)
    return dst.takeError();
  uint8_t pattern[4];
  storeElement(pattern, c.dtype, c.value);
  size_t eb = dtypeBytes(c.dtype);
  for (uint32_t n = 0; n < c.shape.n; ++n)
    for (uint32_t ch = 0; ch < c.shape.c; ++ch)
      for (uint32_t h = 0; h < c.shape.h; ++h)
        for (uint32_t w = 0; w < c.shape.w; ++w)
          std::memcpy(dst->at(n, ch, h, w), pattern, eb);
  return Error::success();
}

namespace {
struct Dispatch {
  ExecContext &x;
#define ISA_COMMAND(ENGINE, OPCODE, NAME, MNEMONIC)                            \
  Error operator()(const NAME##Cmd &c) { return exec##NAME(x, c); }
#include "isa/Commands.def"
};
} // namespace

Error executeCommand(ExecContext &x, const Command &cmd) {
  return std::visit(Dispatch{x}, cmd.body);
}

} // namespace cmodel
} // namespace onntc
