//===- LowerNn.cpp - conv, pooling and matmul rows ------------------------===//
//
// Tiles slice N, output channels (whole lane groups, or whole conv groups)
// and output rows; the input rows of an output-row tile include the halo
// the window needs, and the padding of each tile is what remains of the
// real padding at the tile's edges (interior tiles read real rows).
//
//===----------------------------------------------------------------------===//

#include "backend/core/LowerContext.h"

#include "backend/core/Builders.h"

#include "llvm/Support/FormatVariadic.h"

#include <numeric>

using namespace onntc;
using namespace onntc::backend;
using isa::Shape4;
using isa::Strides4;

namespace {

llvm::Error checkStaticF32(const Node &n) {
  for (const Value *v : n.inputs())
    if (v && (!v->shape().isStatic() || v->dtype() != DType::F32))
      return nodeError(n, "only static-shape f32 tensors are supported");
  for (unsigned i = 0; i < n.numOutputs(); ++i) {
    if (i > 0 && n.output(i)->hasUses())
      return nodeError(n, "only the first output can be used");
    if (!n.output(i)->shape().isStatic())
      return nodeError(n, "only static shapes are supported");
  }
  if (n.output(0)->dtype() != DType::F32)
    return nodeError(n, "only f32 is supported");
  return llvm::Error::success();
}

/// Sliding-window geometry of conv and pooling (2-D).
struct Window {
  uint32_t n, c, h, w; // input
  uint32_t oc, oh, ow; // output
  uint32_t kh, kw, sh, sw, dh, dw;
  uint32_t padT, padL;
};

/// The input rows [lo, hi) (unclipped) that output rows [o0, o0 + cnt)
/// read, and the tile's top/bottom padding.
struct RowRange {
  int64_t lo, hi;
  uint32_t rows, padT, padB;
};
RowRange inputRows(const Window &g, uint32_t o0, uint32_t cnt) {
  RowRange r;
  r.lo = int64_t(o0) * g.sh - g.padT;
  r.hi = int64_t(o0 + cnt - 1) * g.sh - g.padT + int64_t(g.dh) * (g.kh - 1) + 1;
  int64_t a = std::max<int64_t>(r.lo, 0), b = std::min<int64_t>(r.hi, g.h);
  r.rows = uint32_t(std::max<int64_t>(b - a, 0));
  r.padT = uint32_t(std::max<int64_t>(0, -r.lo));
  r.padB = uint32_t(std::max<int64_t>(0, r.hi - g.h));
  return r;
}

/// Right padding that makes the floor formula give `ow` columns.
uint32_t rightPad(const Window &g) {
  int64_t need =
      int64_t(g.ow - 1) * g.sw + int64_t(g.dw) * (g.kw - 1) + 1 - g.w - g.padL;
  return uint32_t(std::max<int64_t>(need, 0));
}

uint32_t rowsUpperBound(const Window &g, uint32_t ohTile) {
  uint64_t r = uint64_t(ohTile - 1) * g.sh + uint64_t(g.dh) * (g.kh - 1) + 1;
  return uint32_t(std::min<uint64_t>(r, g.h));
}

bool fitsU16(std::initializer_list<int64_t> vs) {
  for (int64_t v : vs)
    if (v < 0 || v > 65535)
      return false;
  return true;
}

//===-- conv --------------------------------------------------------------===//

struct ConvGeom {
  Window g;
  uint32_t groups, icpg, ocpg, padB, padR;
};

llvm::Expected<ConvGeom> convGeom(const Node &n) {
  const Value *x = n.input(0), *w = n.input(1), *y = n.output(0);
  if (x->shape().rank() != 4 || w->shape().rank() != 4)
    return nodeError(n, "only 2-D convolution (rank-4 tensors) is supported");
  auto xd = dimsOf(x), wd = dimsOf(w), yd = dimsOf(y);
  auto st = intsOr(n, "strides", {1, 1});
  auto pd = intsOr(n, "pads", {0, 0, 0, 0});
  auto dl = intsOr(n, "dilations", {1, 1});
  if (st.size() != 2 || pd.size() != 4 || dl.size() != 2)
    return nodeError(n, "strides/pads/dilations must describe 2 dimensions");
  ConvGeom c;
  c.groups = uint32_t(n.getInt("group"));
  c.g = {uint32_t(xd[0]), uint32_t(xd[1]), uint32_t(xd[2]), uint32_t(xd[3]),
         uint32_t(yd[1]), uint32_t(yd[2]), uint32_t(yd[3]), uint32_t(wd[2]),
         uint32_t(wd[3]), uint32_t(st[0]), uint32_t(st[1]), uint32_t(dl[0]),
         uint32_t(dl[1]), uint32_t(pd[0]), uint32_t(pd[1])};
  c.padB = uint32_t(pd[2]);
  c.padR = uint32_t(pd[3]);
  if (c.groups == 0 || c.g.c % c.groups || c.g.oc % c.groups)
    return nodeError(n, "group does not divide the channels");
  c.icpg = c.g.c / c.groups;
  c.ocpg = c.g.oc / c.groups;
  if (!fitsU16({wd[2], wd[3], st[0], st[1], dl[0], dl[1], pd[0], pd[1], pd[2],
                pd[3]}))
    return nodeError(n, "kernel, stride, dilation or padding exceeds 65535");
  return c;
}

llvm::Error checkConv(const Node &n, const isa::TargetInfo &) {
  if (llvm::Error e = checkStaticF32(n))
    return e;
  if (!n.input(1)->constantValue())
    return nodeError(n, "weights must be constant");
  if (n.input(2) && !n.input(2)->constantValue())
    return nodeError(n, "bias must be constant");
  return convGeom(n).takeError();
}

llvm::Error lowerConv(const Node &n, LowerContext &ctx) {
  const isa::TargetInfo &t = ctx.target();
  auto cg = convGeom(n);
  if (!cg)
    return cg.takeError();
  const Window &g = cg->g;
  bool simpleGroups = cg->groups == 1 || cg->ocpg == 1;
  uint32_t q = t.npuNum;
  if (!simpleGroups) {
    uint64_t l = std::lcm<uint64_t>(cg->ocpg, t.npuNum);
    q = l <= g.oc ? uint32_t(l) : g.oc;
  }
  auto icOf = [&](uint32_t ocT) {
    return cg->groups == 1 ? g.c : (ocT / cg->ocpg) * cg->icpg;
  };
  unsigned sets = 2;
  auto bytes = [&](Shape4 s) {
    uint32_t rows = rowsUpperBound(g, s.h);
    uint64_t in =
        isa::localBytesPerLane(t, {s.n, icOf(s.c), rows, g.w}, isa::DType::F32,
                               isa::LocalLayout::AlignEU);
    uint64_t out = isa::localBytesPerLane(
        t, {s.n, s.c, s.h, g.ow}, isa::DType::F32, isa::LocalLayout::AlignEU);
    uint64_t w = isa::convWeightBytesPerLane(t, s.c, cg->icpg, g.kh, g.kw,
                                             isa::DType::F32);
    uint64_t b = isa::perChannelBytesPerLane(t, s.c, isa::DType::F32);
    std::vector<uint64_t> bufs{w, b};
    for (unsigned k = 0; k < sets; ++k) {
      bufs.push_back(in);
      bufs.push_back(out);
    }
    return localFootprint(bufs);
  };
  Shape4 whole{g.n, g.oc, g.oh, g.ow};
  auto tile = chooseTile(t, whole, q, true, false, bytes);
  if (!tile) {
    sets = 1;
    tile = chooseTile(t, whole, q, true, false, bytes);
  }
  if (!tile)
    return nodeError(n, "no tile of this convolution fits local memory "
                        "(one output row with its input rows and weights "
                        "is too large)");
  uint64_t xAddr = ctx.addressOf(n.input(0)), wAddr = ctx.addressOf(n.input(1));
  uint64_t bAddr = n.input(2) ? ctx.addressOf(n.input(2)) : 0;
  uint64_t yAddr = ctx.addressOf(ctx.outputOf(n));
  const Node *act = ctx.fusedActivation(n);
  uint32_t padR = std::max(cg->padR, rightPad(g));
  Strides4 xs = denseStrides({g.n, g.c, g.h, g.w});
  Strides4 ys = denseStrides({g.n, g.oc, g.oh, g.ow});
  uint64_t kElems = uint64_t(cg->icpg) * g.kh * g.kw;
  // Local buffers, sized for the largest tile so that addresses stay put:
  // weights and bias (shared by the tiles of one output-channel slice),
  // then `sets` pairs of input and output buffers.
  ctx.local().reset();
  uint32_t wl = *ctx.local().alloc(isa::convWeightBytesPerLane(
      t, tile->c, cg->icpg, g.kh, g.kw, isa::DType::F32));
  uint32_t bl = *ctx.local().alloc(
      isa::perChannelBytesPerLane(t, tile->c, isa::DType::F32));
  uint32_t xl[2], yl[2];
  for (unsigned k = 0; k < sets; ++k) {
    xl[k] = *ctx.local().alloc(isa::localBytesPerLane(
        t, {tile->n, icOf(tile->c), rowsUpperBound(g, tile->h), g.w},
        isa::DType::F32, isa::LocalLayout::AlignEU));
    yl[k] = *ctx.local().alloc(
        isa::localBytesPerLane(t, {tile->n, tile->c, tile->h, g.ow},
                               isa::DType::F32, isa::LocalLayout::AlignEU));
  }
  TilePipeline pipe(ctx.stream(), sets == 2);
  forEachSplit(g.oc, tile->c, [&](uint32_t oc0, uint32_t ocT) {
    uint32_t icT = icOf(ocT);
    uint32_t ic0 = cg->groups == 1 ? 0 : (oc0 / cg->ocpg) * cg->icpg;
    // New weights may be loaded only after every conv using the old ones.
    pipe.finish();
    bool weightsLoaded = false;
    forEachSplit(g.n, tile->n, [&](uint32_t n0, uint32_t nn) {
      forEachSplit(g.oh, tile->h, [&](uint32_t oh0, uint32_t ohT) {
        unsigned set = pipe.nextSet();
        RowRange rr = inputRows(g, oh0, ohT);
        Shape4 inS{nn, icT, rr.rows, g.w};
        Shape4 outS{nn, ocT, ohT, g.ow};
        auto loads = [&] {
          if (!weightsLoaded) {
            ctx.stream().gdma(isa::makeConvWeightLoad(
                ocT, cg->icpg, g.kh, g.kw, isa::DType::F32,
                wAddr + 4 * uint64_t(oc0) * kElems, wl));
            if (n.input(2))
              ctx.stream().gdma(isa::makePerChannelLoad(
                  ocT, isa::DType::F32, bAddr + 4 * uint64_t(oc0), bl));
            weightsLoaded = true;
          }
          uint64_t inOff = 4 * (uint64_t(n0) * xs.n + uint64_t(ic0) * xs.c +
                                uint64_t(std::max<int64_t>(rr.lo, 0)) * xs.h);
          ctx.stream().gdma(isa::makeLoad(t, inS, isa::DType::F32,
                                          xAddr + inOff, xs, xl[set]));
        };
        auto compute = [&] {
          isa::ConvCmd c;
          c.inAddr = xl[set];
          c.outAddr = yl[set];
          c.weightAddr = wl;
          c.biasAddr = bl;
          c.in = inS;
          c.oc = ocT;
          c.oh = ohT;
          c.ow = g.ow;
          c.kh = uint16_t(g.kh);
          c.kw = uint16_t(g.kw);
          c.strideH = uint16_t(g.sh);
          c.strideW = uint16_t(g.sw);
          c.dilH = uint16_t(g.dh);
          c.dilW = uint16_t(g.dw);
          c.padT = uint16_t(rr.padT);
          c.padB = uint16_t(rr.padB);
          c.padL = uint16_t(g.padL);
          c.padR = uint16_t(padR);
          c.groups = cg->groups == 1 ? 1 : ocT / cg->ocpg;
          c.hasBias = n.input(2) != nullptr;
          if (act) {
            c.relu = true;
            if (act->kind() == OpKind::Clip)
              c.reluMax = act->input(2)->constantValue()->getDouble(0);
          }
          ctx.stream().bdc(c);
        };
        uint64_t outOff = 4 * (uint64_t(n0) * ys.n + uint64_t(oc0) * ys.c +
                               uint64_t(oh0) * ys.h);
        isa::GdmaMoveCmd store = isa::makeStore(t, outS, isa::DType::F32,
                                                yl[set], yAddr + outOff, ys);
        CmdStream &cs = ctx.stream();
        pipe.tile(loads, compute, [&cs, store] { cs.gdma(store); });
      });
    });
  });
  pipe.finish();
  return llvm::Error::success();
}

//===-- pooling -----------------------------------------------------------===//

struct PoolGeom {
  Window g;
  uint32_t padB, padR;
  bool avg, countPad;
};

llvm::Expected<PoolGeom> poolGeom(const Node &n) {
  const Value *x = n.input(0), *y = n.output(0);
  if (x->shape().rank() != 4)
    return nodeError(n, "only 2-D pooling (rank-4 tensors) is supported");
  auto xd = dimsOf(x), yd = dimsOf(y);
  bool global = n.kind() == OpKind::GlobalAveragePool ||
                n.kind() == OpKind::GlobalMaxPool;
  PoolGeom p;
  p.avg =
      n.kind() == OpKind::AveragePool || n.kind() == OpKind::GlobalAveragePool;
  p.countPad =
      n.kind() == OpKind::AveragePool && n.getInt("count_include_pad") != 0;
  std::vector<int64_t> k{xd[2], xd[3]}, st{1, 1}, pd{0, 0, 0, 0};
  if (!global) {
    k = intsOr(n, "kernel_shape", {});
    st = intsOr(n, "strides", {1, 1});
    pd = intsOr(n, "pads", {0, 0, 0, 0});
    if (n.kind() == OpKind::MaxPool)
      for (int64_t d : intsOr(n, "dilations", {1, 1}))
        if (d != 1)
          return nodeError(n, "dilated max pooling is not supported");
  }
  if (k.size() != 2 || st.size() != 2 || pd.size() != 4)
    return nodeError(n, "kernel/strides/pads must describe 2 dimensions");
  if (!fitsU16({k[0], k[1], st[0], st[1], pd[0], pd[1], pd[2], pd[3]}))
    return nodeError(n, "kernel, stride or padding exceeds 65535");
  p.g = {uint32_t(xd[0]),
         uint32_t(xd[1]),
         uint32_t(xd[2]),
         uint32_t(xd[3]),
         uint32_t(yd[1]),
         uint32_t(yd[2]),
         uint32_t(yd[3]),
         uint32_t(k[0]),
         uint32_t(k[1]),
         uint32_t(st[0]),
         uint32_t(st[1]),
         1,
         1,
         uint32_t(pd[0]),
         uint32_t(pd[1])};
  p.padB = uint32_t(pd[2]);
  p.padR = uint32_t(pd[3]);
  // ceil_mode windows that run past the declared end padding: max pooling
  // ignores padding, and avg without count_include_pad counts valid
  // elements, so extra padding is exact; the remaining case is not.
  int64_t needB = int64_t(p.g.oh - 1) * p.g.sh + p.g.kh - p.g.h - p.g.padT;
  if (p.avg && p.countPad &&
      (needB > int64_t(p.padB) || int64_t(rightPad(p.g)) > int64_t(p.padR)))
    return nodeError(n, "ceil_mode with count_include_pad=1 is not supported");
  return p;
}

llvm::Error checkPool(const Node &n, const isa::TargetInfo &) {
  if (llvm::Error e = checkStaticF32(n))
    return e;
  return poolGeom(n).takeError();
}

llvm::Error lowerPool(const Node &n, LowerContext &ctx) {
  const isa::TargetInfo &t = ctx.target();
  auto pg = poolGeom(n);
  if (!pg)
    return pg.takeError();
  const Window &g = pg->g;
  auto bytes = [&](Shape4 s) {
    uint32_t rows = rowsUpperBound(g, s.h);
    uint64_t in = isa::localBytesPerLane(
        t, {s.n, s.c, rows, g.w}, isa::DType::F32, isa::LocalLayout::AlignEU);
    uint64_t out = isa::localBytesPerLane(
        t, {s.n, s.c, s.h, g.ow}, isa::DType::F32, isa::LocalLayout::AlignEU);
    return localFootprint({in, out});
  };
  auto tile =
      chooseTile(t, {g.n, g.c, g.oh, g.ow}, t.npuNum, true, false, bytes);
  if (!tile)
    return nodeError(n, "no tile of this pooling fits local memory");
  uint64_t xAddr = ctx.addressOf(n.input(0));
  uint64_t yAddr = ctx.addressOf(n.output(0));
  uint32_t padR = std::max(pg->padR, rightPad(g));
  Strides4 xs = denseStrides({g.n, g.c, g.h, g.w});
  Strides4 ys = denseStrides({g.n, g.c, g.oh, g.ow});
  forEachSplit(g.n, tile->n, [&](uint32_t n0, uint32_t nn) {
    forEachSplit(g.c, tile->c, [&](uint32_t c0, uint32_t cc) {
      forEachSplit(g.oh, tile->h, [&](uint32_t oh0, uint32_t ohT) {
        ctx.local().reset();
        RowRange rr = inputRows(g, oh0, ohT);
        Shape4 inS{nn, cc, rr.rows, g.w}, outS{nn, cc, ohT, g.ow};
        uint32_t xl = *ctx.local().alloc(isa::localBytesPerLane(
            t, inS, isa::DType::F32, isa::LocalLayout::AlignEU));
        uint32_t yl = *ctx.local().alloc(isa::localBytesPerLane(
            t, outS, isa::DType::F32, isa::LocalLayout::AlignEU));
        uint64_t inOff = 4 * (uint64_t(n0) * xs.n + uint64_t(c0) * xs.c +
                              uint64_t(std::max<int64_t>(rr.lo, 0)) * xs.h);
        ctx.stream().gdma(
            isa::makeLoad(t, inS, isa::DType::F32, xAddr + inOff, xs, xl));
        isa::PoolCmd p;
        p.inAddr = xl;
        p.outAddr = yl;
        p.in = inS;
        p.oh = ohT;
        p.ow = g.ow;
        p.kh = uint16_t(g.kh);
        p.kw = uint16_t(g.kw);
        p.strideH = uint16_t(g.sh);
        p.strideW = uint16_t(g.sw);
        p.padT = uint16_t(rr.padT);
        p.padB = uint16_t(rr.padB);
        p.padL = uint16_t(g.padL);
        p.padR = uint16_t(padR);
        p.mode = pg->avg ? isa::PoolMode::Avg : isa::PoolMode::Max;
        p.countIncludePad = pg->countPad;
        ctx.stream().bdc(p);
        uint64_t outOff = 4 * (uint64_t(n0) * ys.n + uint64_t(c0) * ys.c +
                               uint64_t(oh0) * ys.h);
        ctx.stream().gdma(
            isa::makeStore(t, outS, isa::DType::F32, yl, yAddr + outOff, ys));
      });
    });
  });
  return llvm::Error::success();
}

//===-- gemm / matmul -----------------------------------------------------===//

/// One matrix product Y(M,N) = A(M,K) * B (+ bias row), possibly batched.
struct MatGeom {
  uint64_t m, k, nn;
  bool rTrans;
  /// Batch count and per-batch element offsets of A, B, Y.
  std::vector<uint64_t> aOff, bOff, yOff;
};

llvm::Expected<MatGeom> matGeom(const Node &n) {
  auto ad = dimsOf(n.input(0)), bd = dimsOf(n.input(1)),
       yd = dimsOf(n.output(0));
  MatGeom g;
  if (n.kind() == OpKind::Gemm) {
    if (n.getInt("transA") != 0)
      return nodeError(n, "transA=1 is not supported");
    if (ad.size() != 2 || bd.size() != 2)
      return nodeError(n, "Gemm operands must be matrices");
    g.rTrans = n.getInt("transB") != 0;
    g.m = ad[0];
    g.k = ad[1];
    g.nn = g.rTrans ? bd[0] : bd[1];
    g.aOff = {0};
    g.bOff = {0};
    g.yOff = {0};
    return g;
  }
  if (ad.size() < 2 || bd.size() < 2)
    return nodeError(n, "MatMul with a vector operand is not supported");
  g.rTrans = false;
  g.k = ad.back();
  g.nn = bd.back();
  g.m = ad[ad.size() - 2];
  uint64_t batch = 1;
  for (size_t i = 0; i + 2 < yd.size(); ++i)
    batch *= uint64_t(yd[i]);
  if (bd.size() == 2) {
    // A shared right matrix: fold the batch into M.
    g.m *= batch;
    g.aOff = {0};
    g.bOff = {0};
    g.yOff = {0};
    return g;
  }
  size_t r = yd.size() - 2;
  auto bstr = [&](const std::vector<int64_t> &d) {
    std::vector<int64_t> p(r + 2 - d.size(), 1);
    p.insert(p.end(), d.begin(), d.end());
    std::vector<uint64_t> s(r, 0);
    uint64_t acc = uint64_t(p[r]) * uint64_t(p[r + 1]);
    for (size_t i = r; i-- > 0;) {
      s[i] = p[i] == 1 ? 0 : acc;
      acc *= uint64_t(p[i]);
    }
    return s;
  };
  auto as = bstr(ad), bs = bstr(bd);
  for (uint64_t b = 0; b < batch; ++b) {
    uint64_t rem = b, ao = 0, bo = 0;
    for (size_t i = r; i-- > 0;) {
      uint64_t idx = rem % uint64_t(yd[i]);
      rem /= uint64_t(yd[i]);
      ao += idx * as[i];
      bo += idx * bs[i];
    }
    g.aOff.push_back(ao);
    g.bOff.push_back(bo);
    g.yOff.push_back(b * g.m * g.nn);
  }
  return g;
}

llvm::Error checkMatMul(const Node &n, const isa::TargetInfo &) {
  if (llvm::Error e = checkStaticF32(n))
    return e;
  auto g = matGeom(n);
  if (!g)
    return g.takeError();
  if (g->m > UINT32_MAX || g->k > UINT32_MAX || g->nn > UINT32_MAX)
    return nodeError(n, "matrix too large");
  if (n.kind() == OpKind::Gemm) {
    if (n.getFloat("alpha") != 1.0f && !n.input(1)->constantValue())
      return nodeError(n, "alpha != 1 needs a constant B");
    if (const Value *c = n.input(2)) {
      const Tensor *ct = c->constantValue();
      if (!ct)
        return nodeError(n, "bias C must be constant");
      bool row = ct->numElements() == 1 ||
                 (ct->numElements() == int64_t(g->nn) &&
                  (c->shape().rank() == 1 || c->shape()[0] == 1));
      if (!row)
        return nodeError(n, "bias C must be a scalar or a row of N values");
    }
  }
  return llvm::Error::success();
}

llvm::Error lowerMatMul(const Node &n, LowerContext &ctx) {
  const isa::TargetInfo &t = ctx.target();
  auto mg = matGeom(n);
  if (!mg)
    return mg.takeError();
  uint32_t M = uint32_t(mg->m), K = uint32_t(mg->k), N = uint32_t(mg->nn);
  bool rT = mg->rTrans;
  uint64_t aAddr = ctx.addressOf(n.input(0));
  uint64_t bAddr, cAddr = 0;
  bool hasBias = false;
  if (n.kind() == OpKind::Gemm && n.getFloat("alpha") != 1.0f) {
    Tensor b = n.input(1)->constantValue()->clone();
    for (int64_t i = 0; i < b.numElements(); ++i)
      b.data<float>()[i] *= n.getFloat("alpha");
    bAddr = ctx.addCoeff(b, n.name() + ".alpha_b");
  } else {
    bAddr = ctx.addressOf(n.input(1));
  }
  if (n.kind() == OpKind::Gemm && n.input(2)) {
    const Tensor *ct = n.input(2)->constantValue();
    Tensor row(DType::F32, Shape{int64_t(N)});
    float beta = n.getFloat("beta");
    for (uint32_t i = 0; i < N; ++i)
      row.data<float>()[i] =
          beta * float(ct->getDouble(ct->numElements() == 1 ? 0 : i));
    cAddr = ctx.addCoeff(row, n.name() + ".bias");
    hasBias = true;
  }
  uint64_t yAddr = ctx.addressOf(ctx.outputOf(n));
  bool relu = ctx.fusedActivation(n) != nullptr;
  auto bytes = [&](Shape4 s) {
    uint64_t l = isa::localBytesPerLane(t, {1, s.c, 1, K}, isa::DType::F32,
                                        isa::LocalLayout::AlignEU);
    uint64_t r = rT ? isa::localBytesPerLane(t, {1, s.w, 1, K}, isa::DType::F32,
                                             isa::LocalLayout::AlignEU)
                    : isa::localBytesPerLane(t, {1, K, 1, s.w}, isa::DType::F32,
                                             isa::LocalLayout::AlignEU);
    uint64_t o = isa::localBytesPerLane(t, {1, s.c, 1, s.w}, isa::DType::F32,
                                        isa::LocalLayout::AlignEU);
    return localFootprint({l, r, uint64_t(s.w) * 4, o});
  };
  auto tile = chooseTile(t, {1, M, 1, N}, t.npuNum, false, true, bytes);
  if (!tile)
    return nodeError(n, "the reduction length K does not fit local memory");
  for (size_t bi = 0; bi < mg->aOff.size(); ++bi) {
    forEachSplit(N, tile->w, [&](uint32_t n0, uint32_t nT) {
      forEachSplit(M, tile->c, [&](uint32_t m0, uint32_t mT) {
        ctx.local().reset();
        Shape4 ls{1, mT, 1, K}, os{1, mT, 1, nT};
        Shape4 rs = rT ? Shape4{1, nT, 1, K} : Shape4{1, K, 1, nT};
        auto lb = [&](Shape4 s) {
          return isa::localBytesPerLane(t, s, isa::DType::F32,
                                        isa::LocalLayout::AlignEU);
        };
        uint32_t ll = *ctx.local().alloc(lb(ls)),
                 rl = *ctx.local().alloc(lb(rs));
        uint32_t bl = *ctx.local().alloc(uint64_t(nT) * 4);
        uint32_t ol = *ctx.local().alloc(lb(os));
        ctx.stream().gdma(isa::makeLoad(
            t, ls, isa::DType::F32,
            aAddr + 4 * (mg->aOff[bi] + uint64_t(m0) * K), {0, K, 0, 1}, ll));
        if (rT)
          ctx.stream().gdma(isa::makeLoad(
              t, rs, isa::DType::F32,
              bAddr + 4 * (mg->bOff[bi] + uint64_t(n0) * K), {0, K, 0, 1}, rl));
        else
          ctx.stream().gdma(isa::makeLoad(t, rs, isa::DType::F32,
                                          bAddr + 4 * (mg->bOff[bi] + n0),
                                          {0, N, 0, 1}, rl));
        if (hasBias)
          ctx.stream().gdma(isa::makeReplicate(t, std::min(mT, t.npuNum), nT,
                                               isa::DType::F32,
                                               cAddr + 4 * uint64_t(n0), bl));
        isa::MatMulCmd c;
        c.lAddr = ll;
        c.rAddr = rl;
        c.biasAddr = bl;
        c.outAddr = ol;
        c.m = mT;
        c.k = K;
        c.n = nT;
        c.rTrans = rT;
        c.hasBias = hasBias;
        c.relu = relu;
        ctx.stream().bdc(c);
        ctx.stream().gdma(isa::makeStore(
            t, os, isa::DType::F32, ol,
            yAddr + 4 * (mg->yOff[bi] + uint64_t(m0) * N + n0), {0, N, 0, 1}));
      });
    });
  }
  return llvm::Error::success();
}

const LoweringRow kRows[] = {
    {OpKind::Conv, checkConv, lowerConv},
    {OpKind::MaxPool, checkPool, lowerPool},
    {OpKind::AveragePool, checkPool, lowerPool},
    {OpKind::GlobalAveragePool, checkPool, lowerPool},
    {OpKind::GlobalMaxPool, checkPool, lowerPool},
    {OpKind::Gemm, checkMatMul, lowerMatMul},
    {OpKind::MatMul, checkMatMul, lowerMatMul},
};

} // namespace

llvm::ArrayRef<LoweringRow> backend::nnRows() { return kRows; }
