//===- LocalMem.cpp - local allocation and tile choice --------------------===//

#include "backend/core/LocalMem.h"

#include "isa/Layout.h"

#include <algorithm>

using namespace onntc;
using namespace onntc::backend;

//===-- local memory ------------------------------------------------------===//

std::optional<uint32_t> LocalAlloc::alloc(uint64_t bytesPerLane) {
  uint64_t size =
      isa::alignUp(std::max<uint64_t>(bytesPerLane, 1), kLocalAlign);
  if (used_ + size > target_.lmemBytes)
    return std::nullopt;
  uint32_t addr = isa::makeLocalAddr(target_, 0, uint32_t(used_));
  used_ += size;
  return addr;
}

uint64_t backend::localFootprint(llvm::ArrayRef<uint64_t> bytesPerLane) {
  uint64_t sum = 0;
  for (uint64_t b : bytesPerLane)
    sum += isa::alignUp(std::max<uint64_t>(b, 1), kLocalAlign);
  return sum;
}

//===-- tiling ------------------------------------------------------------===//

std::optional<isa::Shape4>
backend::chooseTile(const isa::TargetInfo &t, isa::Shape4 full,
                    uint32_t cQuantum, bool allowH, bool allowW,
                    llvm::function_ref<uint64_t(isa::Shape4)> bytesPerLane) {
  isa::Shape4 tile = full;
  if (cQuantum == 0)
    cQuantum = full.c;
  while (true) {
    if (bytesPerLane(tile) <= t.lmemBytes)
      return tile;
    if (tile.n > 1) {
      tile.n = (tile.n + 1) / 2;
      continue;
    }
    // Channels: keep a multiple of cQuantum (usually npuNum lanes, or a
    // whole number of conv groups) so every tile fills the lanes.
    uint32_t units = uint32_t(isa::ceilDiv(tile.c, cQuantum));
    if (units > 1) {
      tile.c = std::min(full.c, uint32_t((units + 1) / 2) * cQuantum);
      if (tile.c >= cQuantum * units)
        tile.c = cQuantum * (units - 1);
      continue;
    }
    if (allowH && tile.h > 1) {
      tile.h = (tile.h + 1) / 2;
      continue;
    }
    if (allowW && tile.w > 1) {
      tile.w = (tile.w + 1) / 2;
      continue;
    }
    return std::nullopt;
  }
}

void backend::forEachSplit(uint32_t len, uint32_t tile,
                           llvm::function_ref<void(uint32_t, uint32_t)> fn) {
  for (uint32_t o = 0; o < len; o += tile)
    fn(o, std::min(tile, len - o));
}
