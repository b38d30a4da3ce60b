//===- OpHooks.h - the lowering hooks of each op ----------------*- C++ -*-===//
//
// Internal to onntc_backend. Every op the backend lowers has one row of
// hooks, registered by its family file (LowerNn.cpp, LowerNnNorm.cpp,
// LowerElementwise.cpp, LowerData.cpp, LowerDeconv.cpp) into a table indexed by op, as the IR's OpHooks are.
//
// A row is of one of two kinds:
//  - local: the op computes on local memory. Its `local` hook describes a
//    node as a LocalOp (what buffers a tile needs, what each buffer loads or
//    stores, which BDC commands a tile runs); the shared pipeline
//    (Pipeline.h) chooses the tile, allocates local memory, emits the GDMA
//    loads and stores and overlaps them with the compute.
//  - global: the op only moves data global to global on the GDMA engine
//    (concat, transpose, slice, pad, gather, resize, aliases); its `global`
//    hook emits the moves itself.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_BACKEND_CORE_OPHOOKS_H
#define ONNTC_BACKEND_CORE_OPHOOKS_H

#include "backend/core/LowerContext.h"

#include <memory>
#include <vector>

namespace onntc {
namespace backend {

/// One tile of a local op: its offset in the op's iteration space and its
/// extents.
struct Tile {
  uint32_t n0 = 0, c0 = 0, h0 = 0, w0 = 0;
  isa::Shape4 shape;
};

/// A local buffer that every tile of an op needs.
struct LocalBuffer {
  /// Bytes per lane for the tile shape asked about.
  uint64_t bytesPerLane = 0;
  /// The pipeline fills it (GDMA, LocalOp::transfer) before the compute.
  bool load = false;
  /// The pipeline writes it back (GDMA) after the compute.
  bool store = false;
  /// Shared by the tiles of one channel slice (conv weights and bias): one
  /// copy, loaded with the first tile of each slice. Otherwise the buffer
  /// has one copy per buffer set.
  bool perSlice = false;
};

/// The iteration space of a local op and how the pipeline may cut it.
/// Tiles are cut by halving N, then C (in multiples of cQuantum), then H,
/// then W, until the buffers fit one lane (chooseTile).
struct TileSpace {
  isa::Shape4 full;
  /// Channel tiles are whole multiples of this (npuNum, or whole conv
  /// groups); 0 keeps C whole.
  uint32_t cQuantum = 0;
  /// False: every tile has one N index (N counts independent problems that
  /// one command cannot take together, e.g. the batches of a matmul).
  bool splitN = true;
  bool splitH = false, splitW = false;
  /// Two buffer sets when a tile fits twice, so that the loads of a tile
  /// overlap the compute of the previous one (TilePipeline).
  bool overlap = false;
  /// The error when not even the smallest tile fits.
  const char *tooLarge = "no tile of this op fits local memory";
};

/// What the pipeline needs to know about one node of a local op. Built by
/// the row's `local` hook, which also reads attributes, resolves global
/// addresses and adds derived coefficients.
class LocalOp {
public:
  virtual ~LocalOp() = default;
  virtual TileSpace space() const = 0;
  /// The buffers a tile of `tile` extents needs, in allocation order (the
  /// same count and flags for every tile).
  virtual std::vector<LocalBuffer> localBufferBytes(isa::Shape4 tile) const = 0;
  /// The GDMA move that fills (store = false) or writes back (store = true)
  /// buffer `buf` of tile `t`, whose local copy is at `laddr`.
  virtual isa::GdmaMoveCmd transfer(const Tile &t, unsigned buf, bool store,
                                    uint32_t laddr) const = 0;
  /// The BDC commands of tile `t`; `localAddrs[i]` is buffer i.
  virtual void emitLocal(const Tile &t, llvm::ArrayRef<uint32_t> localAddrs,
                         CmdStream &s) const = 0;
};

/// Rejects nodes the row cannot lower, without emitting anything.
using CheckHook = llvm::Error (*)(const Node &n, const isa::TargetInfo &t);
/// Describes a node as a LocalOp (the pipeline lowers it).
using LocalHook = llvm::Expected<std::unique_ptr<LocalOp>> (*)(
    const Node &n, LowerContext &ctx);
/// Emits a pure-GDMA op (global to global) directly.
using GlobalHook = llvm::Error (*)(const Node &n, LowerContext &ctx);

/// The hooks of one op: `check`, and exactly one of `local` and `global`.
struct LoweringRow {
  OpKind kind;
  CheckHook check = nullptr;
  LocalHook local = nullptr;
  GlobalHook global = nullptr;
};

/// The row of `k`, or null when the backend cannot lower it.
const LoweringRow *loweringRow(OpKind k);

/// Each family file adds its rows.
using LoweringTable = std::vector<LoweringRow>;
void registerNnRows(LoweringTable &t);
void registerElementwiseRows(LoweringTable &t);
void registerNnNormRows(LoweringTable &t);
void registerDataRows(LoweringTable &t);
void registerQuantRows(LoweringTable &t);
void registerDeconvRows(LoweringTable &t);

} // namespace backend
} // namespace onntc

#endif
