//===- LocalMem.h - local-memory allocation and tile choice ----*- C++ -*-===//
//
// Internal to onntc_backend. A bump allocator over one lane of local
// memory, the footprint rule it follows, and the tile search that keeps a
// tile's buffers inside a lane (docs/backend.md "Tiling").
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_BACKEND_CORE_LOCALMEM_H
#define ONNTC_BACKEND_CORE_LOCALMEM_H

#include "isa/Commands.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLFunctionalExtras.h"

#include <optional>

namespace onntc {
namespace backend {

/// Local buffers are aligned to this many bytes inside a lane (a multiple
/// of every element size and of the EU row of both targets' f32); coeff
/// entries use the same alignment.
constexpr uint64_t kLocalAlign = 64;

/// Bump allocator over one lane's local memory; every buffer starts on lane
/// 0 at the same offset in every lane.
class LocalAlloc {
public:
  explicit LocalAlloc(const isa::TargetInfo &t) : target_(t) {}
  /// Local address (lane 0) of a new buffer of `bytesPerLane`; None when
  /// the lane is full.
  std::optional<uint32_t> alloc(uint64_t bytesPerLane);
  void reset() { used_ = 0; }

private:
  const isa::TargetInfo &target_;
  uint64_t used_ = 0;
};

/// Local bytes per lane that a buffer list needs, each rounded up as
/// LocalAlloc rounds it.
uint64_t localFootprint(llvm::ArrayRef<uint64_t> bytesPerLane);

/// Picks a tile of `full` (over N, then channel groups of `cQuantum`, then
/// H, then W when allowW) whose local bytes per lane fit the lane.
std::optional<isa::Shape4>
chooseTile(const isa::TargetInfo &t, isa::Shape4 full, uint32_t cQuantum,
           bool allowH, bool allowW,
           llvm::function_ref<uint64_t(isa::Shape4)> bytesPerLane);

/// Calls fn(offset, extent) for each tile of `len` split into `tile`.
void forEachSplit(uint32_t len, uint32_t tile,
                  llvm::function_ref<void(uint32_t, uint32_t)> fn);

} // namespace backend
} // namespace onntc

#endif
