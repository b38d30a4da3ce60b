//===- Pipeline.cpp - tile choice, allocation, loads/stores, overlap ------===//

#include "backend/core/Pipeline.h"

using namespace onntc;
using namespace onntc::backend;
using isa::Shape4;

llvm::Error backend::runLocalOp(const Node &n, const LocalOp &op,
                                LowerContext &ctx) {
  const isa::TargetInfo &t = ctx.target();
  TileSpace sp = op.space();
  unsigned sets = sp.overlap ? 2 : 1;
  auto footprint = [&](Shape4 s) {
    std::vector<LocalBuffer> bufs = op.localBufferBytes(s);
    std::vector<uint64_t> bytes;
    for (const LocalBuffer &b : bufs)
      if (b.perSlice)
        bytes.push_back(b.bytesPerLane);
    for (unsigned k = 0; k < sets; ++k)
      for (const LocalBuffer &b : bufs)
        if (!b.perSlice)
          bytes.push_back(b.bytesPerLane);
    return localFootprint(bytes);
  };
  Shape4 search = sp.full;
  if (!sp.splitN)
    search.n = 1;
  auto tile = chooseTile(t, search, sp.cQuantum, sp.splitH, sp.splitW,
                         footprint);
  if (!tile && sets == 2) {
    sets = 1;
    tile = chooseTile(t, search, sp.cQuantum, sp.splitH, sp.splitW,
                      footprint);
  }
  if (!tile)
    return nodeError(n, sp.tooLarge);

  // Allocation for the largest tile: per-slice buffers, then the per-tile
  // buffers of each set.
  std::vector<LocalBuffer> bufs = op.localBufferBytes(*tile);
  std::vector<uint32_t> addrs[2];
  addrs[0].assign(bufs.size(), 0);
  addrs[1].assign(bufs.size(), 0);
  bool slices = false;
  ctx.local().reset();
  for (size_t i = 0; i < bufs.size(); ++i)
    if (bufs[i].perSlice) {
      slices = true;
      addrs[0][i] = addrs[1][i] = *ctx.local().alloc(bufs[i].bytesPerLane);
    }
  for (unsigned k = 0; k < sets; ++k)
    for (size_t i = 0; i < bufs.size(); ++i)
      if (!bufs[i].perSlice)
        addrs[k][i] = *ctx.local().alloc(bufs[i].bytesPerLane);

  CmdStream &cs = ctx.stream();
  TilePipeline pipe(cs, sets == 2);
  bool sliceLoaded = false;
  auto emitTile = [&](const Tile &tl) {
    llvm::ArrayRef<uint32_t> a = addrs[pipe.nextSet()];
    auto loads = [&] {
      if (!sliceLoaded) {
        for (size_t i = 0; i < bufs.size(); ++i)
          if (bufs[i].perSlice && bufs[i].load)
            cs.gdma(op.transfer(tl, unsigned(i), false, a[i]));
        sliceLoaded = true;
      }
      for (size_t i = 0; i < bufs.size(); ++i)
        if (!bufs[i].perSlice && bufs[i].load)
          cs.gdma(op.transfer(tl, unsigned(i), false, a[i]));
    };
    auto compute = [&] { op.emitLocal(tl, a, cs); };
    std::vector<isa::GdmaMoveCmd> stores;
    for (size_t i = 0; i < bufs.size(); ++i)
      if (bufs[i].store)
        stores.push_back(op.transfer(tl, unsigned(i), true, a[i]));
    pipe.tile(loads, compute, [&cs, stores] {
      for (const isa::GdmaMoveCmd &m : stores)
        cs.gdma(m);
    });
  };
  // N, H, W inside one channel slice.
  auto sliceTiles = [&](uint32_t c0, uint32_t cc) {
    forEachSplit(sp.full.n, tile->n, [&](uint32_t n0, uint32_t nn) {
      forEachSplit(sp.full.h, tile->h, [&](uint32_t h0, uint32_t hh) {
        forEachSplit(sp.full.w, tile->w, [&](uint32_t w0, uint32_t ww) {
          emitTile(Tile{n0, c0, h0, w0, Shape4{nn, cc, hh, ww}});
        });
      });
    });
  };
  if (slices) {
    forEachSplit(sp.full.c, tile->c, [&](uint32_t c0, uint32_t cc) {
      // A slice's shared buffers may be reloaded only after every compute
      // that read the previous slice's.
      pipe.finish();
      sliceLoaded = false;
      sliceTiles(c0, cc);
    });
  } else {
    forEachSplit(sp.full.n, tile->n, [&](uint32_t n0, uint32_t nn) {
      forEachSplit(sp.full.c, tile->c, [&](uint32_t c0, uint32_t cc) {
        forEachSplit(sp.full.h, tile->h, [&](uint32_t h0, uint32_t hh) {
          forEachSplit(sp.full.w, tile->w, [&](uint32_t w0, uint32_t ww) {
            emitTile(Tile{n0, c0, h0, w0, Shape4{nn, cc, hh, ww}});
          });
        });
      });
    });
  }
  pipe.finish();
  return llvm::Error::success();
}
