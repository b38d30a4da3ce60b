//===- LowerNn.cpp - conv, pooling and matmul rows ------------------------===//
//
// Tiles slice N, output channels (whole lane groups, or whole conv groups)
// and output rows; the input rows of an output-row tile include the halo
// the window needs, and the padding of each tile is what remains of the
// real padding at the tile's edges (interior tiles read real rows).
//
//===----------------------------------------------------------------------===//

#include "backend/core/OpHooks.h"

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

/// Conv as a local op over the output (N, OC, OH, OW): per tile the input
/// rows with their halo, per output-channel slice the weights and bias.
class ConvOp final : public LocalOp {
public:
  enum Buf : unsigned { kWeight, kBias, kIn, kOut };
  ConvOp(const isa::TargetInfo &t, const ConvGeom &cg, const Node &n,
         LowerContext &ctx)
      : t_(t), cg_(cg), g_(cg.g) {
    dt_ = ctx.storageDType(n.output(0));
    xAddr_ = ctx.addressOf(n.input(0));
    wAddr_ = ctx.addressOf(n.input(1));
    hasBias_ = n.input(2) != nullptr;
    bAddr_ = hasBias_ ? ctx.addressOf(n.input(2)) : 0;
    yAddr_ = ctx.addressOf(ctx.outputOf(n));
    act_ = ctx.fusedActivation(n);
    padR_ = std::max(cg.padR, rightPad(g_));
    xs_ = denseStrides({g_.n, g_.c, g_.h, g_.w});
    ys_ = denseStrides({g_.n, g_.oc, g_.oh, g_.ow});
  }

  TileSpace space() const override {
    TileSpace s;
    s.full = {g_.n, g_.oc, g_.oh, g_.ow};
    s.cQuantum = t_.npuNum;
    if (cg_.groups != 1 && cg_.ocpg != 1) {
      // Whole conv groups that fill whole lane groups.
      uint64_t l = std::lcm<uint64_t>(cg_.ocpg, t_.npuNum);
      s.cQuantum = l <= g_.oc ? uint32_t(l) : g_.oc;
    }
    s.splitH = true;
    s.overlap = true;
    s.tooLarge = "no tile of this convolution fits local memory (one output "
                 "row with its input rows and weights is too large)";
    return s;
  }

  std::vector<LocalBuffer> localBufferBytes(Shape4 s) const override {
    std::vector<LocalBuffer> b(4);
    b[kWeight] = {isa::convWeightBytesPerLane(t_, s.c, cg_.icpg, g_.kh, g_.kw,
                                              dt_),
                  true, false, true};
    b[kBias] = {isa::perChannelBytesPerLane(t_, s.c, dt_), hasBias_, false,
                true};
    b[kIn] = {isa::localBytesPerLane(
                  t_, {s.n, icOf(s.c), rowsUpperBound(g_, s.h), g_.w}, dt_,
                  isa::LocalLayout::AlignEU),
              true, false, false};
    b[kOut] = {isa::localBytesPerLane(t_, {s.n, s.c, s.h, g_.ow}, dt_,
                                      isa::LocalLayout::AlignEU),
               false, true, false};
    return b;
  }

  isa::GdmaMoveCmd transfer(const Tile &tl, unsigned buf, bool,
                            uint32_t laddr) const override {
    uint64_t es = isa::dtypeBytes(dt_);
    uint32_t ocT = tl.shape.c;
    switch (buf) {
    case kWeight:
      return isa::makeConvWeightLoad(
          ocT, cg_.icpg, g_.kh, g_.kw, dt_,
          wAddr_ + es * uint64_t(tl.c0) * cg_.icpg * g_.kh * g_.kw, laddr);
    case kBias:
      return isa::makePerChannelLoad(ocT, dt_, bAddr_ + es * uint64_t(tl.c0),
                                     laddr);
    case kIn: {
      RowRange rr = inputRows(g_, tl.h0, tl.shape.h);
      uint64_t off = es * (uint64_t(tl.n0) * xs_.n + uint64_t(ic0(tl)) * xs_.c +
                           uint64_t(std::max<int64_t>(rr.lo, 0)) * xs_.h);
      return isa::makeLoad(t_, inShape(tl, rr), dt_, xAddr_ + off, xs_, laddr);
    }
    default: {
      uint64_t off = es * (uint64_t(tl.n0) * ys_.n + uint64_t(tl.c0) * ys_.c +
                           uint64_t(tl.h0) * ys_.h);
      return isa::makeStore(t_, tl.shape, dt_, laddr, yAddr_ + off, ys_);
    }
    }
  }

  void emitLocal(const Tile &tl, llvm::ArrayRef<uint32_t> a,
                 CmdStream &s) const override {
    RowRange rr = inputRows(g_, tl.h0, tl.shape.h);
    isa::ConvCmd c;
    c.inAddr = a[kIn];
    c.outAddr = a[kOut];
    c.weightAddr = a[kWeight];
    c.biasAddr = a[kBias];
    c.in = inShape(tl, rr);
    c.oc = tl.shape.c;
    c.oh = tl.shape.h;
    c.ow = g_.ow;
    c.kh = uint16_t(g_.kh);
    c.kw = uint16_t(g_.kw);
    c.strideH = uint16_t(g_.sh);
    c.strideW = uint16_t(g_.sw);
    c.dilH = uint16_t(g_.dh);
    c.dilW = uint16_t(g_.dw);
    c.padT = uint16_t(rr.padT);
    c.padB = uint16_t(rr.padB);
    c.padL = uint16_t(g_.padL);
    c.padR = uint16_t(padR_);
    c.groups = cg_.groups == 1 ? 1 : tl.shape.c / cg_.ocpg;
    c.hasBias = hasBias_;
    if (act_) {
      c.relu = true;
      if (act_->kind() == OpKind::Clip)
        c.reluMax = act_->input(2)->constantValue()->getDouble(0);
    }
    s.bdc(c);
  }

private:
  /// Input channels an output-channel tile of `ocT` reads.
  uint32_t icOf(uint32_t ocT) const {
    return cg_.groups == 1 ? g_.c : (ocT / cg_.ocpg) * cg_.icpg;
  }
  uint32_t ic0(const Tile &tl) const {
    return cg_.groups == 1 ? 0 : (tl.c0 / cg_.ocpg) * cg_.icpg;
  }
  Shape4 inShape(const Tile &tl, const RowRange &rr) const {
    return {tl.shape.n, icOf(tl.shape.c), rr.rows, g_.w};
  }

  const isa::TargetInfo &t_;
  ConvGeom cg_;
  Window g_;
  isa::DType dt_;
  uint64_t xAddr_, wAddr_, bAddr_, yAddr_;
  bool hasBias_;
  const Node *act_;
  uint32_t padR_;
  Strides4 xs_, ys_;
};

llvm::Expected<std::unique_ptr<LocalOp>> localConv(const Node &n,
                                                   LowerContext &ctx) {
  auto cg = convGeom(n);
  if (!cg)
    return cg.takeError();
  return std::make_unique<ConvOp>(ctx.target(), *cg, n, ctx);
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

/// Pooling as a local op over the output (N, C, OH, OW); serial tiles.
class PoolOp final : public LocalOp {
public:
  enum Buf : unsigned { kIn, kOut };
  PoolOp(const isa::TargetInfo &t, const PoolGeom &pg, const Node &n,
         LowerContext &ctx)
      : t_(t), pg_(pg), g_(pg.g) {
    dt_ = ctx.storageDType(n.output(0));
    xAddr_ = ctx.addressOf(n.input(0));
    yAddr_ = ctx.addressOf(n.output(0));
    padR_ = std::max(pg.padR, rightPad(g_));
    xs_ = denseStrides({g_.n, g_.c, g_.h, g_.w});
    ys_ = denseStrides({g_.n, g_.c, g_.oh, g_.ow});
  }

  TileSpace space() const override {
    TileSpace s;
    s.full = {g_.n, g_.c, g_.oh, g_.ow};
    s.cQuantum = t_.npuNum;
    s.splitH = true;
    s.tooLarge = "no tile of this pooling fits local memory";
    return s;
  }

  std::vector<LocalBuffer> localBufferBytes(Shape4 s) const override {
    uint32_t rows = rowsUpperBound(g_, s.h);
    return {{isa::localBytesPerLane(t_, {s.n, s.c, rows, g_.w}, dt_,
                                    isa::LocalLayout::AlignEU),
             true, false, false},
            {isa::localBytesPerLane(t_, {s.n, s.c, s.h, g_.ow}, dt_,
                                    isa::LocalLayout::AlignEU),
             false, true, false}};
  }

  isa::GdmaMoveCmd transfer(const Tile &tl, unsigned buf, bool,
                            uint32_t laddr) const override {
    uint64_t es = isa::dtypeBytes(dt_);
    if (buf == kIn) {
      RowRange rr = inputRows(g_, tl.h0, tl.shape.h);
      uint64_t off = es * (uint64_t(tl.n0) * xs_.n + uint64_t(tl.c0) * xs_.c +
                           uint64_t(std::max<int64_t>(rr.lo, 0)) * xs_.h);
      return isa::makeLoad(t_, inShape(tl, rr), dt_, xAddr_ + off, xs_, laddr);
    }
    uint64_t off = es * (uint64_t(tl.n0) * ys_.n + uint64_t(tl.c0) * ys_.c +
                         uint64_t(tl.h0) * ys_.h);
    return isa::makeStore(t_, tl.shape, dt_, laddr, yAddr_ + off, ys_);
  }

  void emitLocal(const Tile &tl, llvm::ArrayRef<uint32_t> a,
                 CmdStream &s) const override {
    RowRange rr = inputRows(g_, tl.h0, tl.shape.h);
    isa::PoolCmd p;
    p.inAddr = a[kIn];
    p.outAddr = a[kOut];
    p.in = inShape(tl, rr);
    p.oh = tl.shape.h;
    p.ow = g_.ow;
    p.kh = uint16_t(g_.kh);
    p.kw = uint16_t(g_.kw);
    p.strideH = uint16_t(g_.sh);
    p.strideW = uint16_t(g_.sw);
    p.padT = uint16_t(rr.padT);
    p.padB = uint16_t(rr.padB);
    p.padL = uint16_t(g_.padL);
    p.padR = uint16_t(padR_);
    p.mode = pg_.avg ? isa::PoolMode::Avg : isa::PoolMode::Max;
    p.countIncludePad = pg_.countPad;
    s.bdc(p);
  }

private:
  Shape4 inShape(const Tile &tl, const RowRange &rr) const {
    return {tl.shape.n, tl.shape.c, rr.rows, g_.w};
  }

  const isa::TargetInfo &t_;
  PoolGeom pg_;
  Window g_;
  isa::DType dt_;
  uint64_t xAddr_, yAddr_;
  uint32_t padR_;
  Strides4 xs_, ys_;
};

llvm::Expected<std::unique_ptr<LocalOp>> localPool(const Node &n,
                                                   LowerContext &ctx) {
  auto pg = poolGeom(n);
  if (!pg)
    return pg.takeError();
  return std::make_unique<PoolOp>(ctx.target(), *pg, n, ctx);
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

/// Gemm/MatMul as a local op over (batch, M, 1, N): L (1, m, 1, K) with
/// rows on lanes, R (1, K, 1, n) or transposed (1, n, 1, K), a
/// lane-replicated bias row, the output (1, m, 1, n). Serial tiles.
class MatMulOp final : public LocalOp {
public:
  enum Buf : unsigned { kL, kR, kBias, kOut };
  MatMulOp(const isa::TargetInfo &t, MatGeom mg, const Node &n,
           LowerContext &ctx)
      : t_(t), mg_(std::move(mg)) {
    dt_ = ctx.storageDType(n.output(0));
    M_ = uint32_t(mg_.m);
    K_ = uint32_t(mg_.k);
    N_ = uint32_t(mg_.nn);
    aAddr_ = ctx.addressOf(n.input(0));
    if (n.kind() == OpKind::Gemm && n.getFloat("alpha") != 1.0f) {
      Tensor b = n.input(1)->constantValue()->castTo(DType::F32);
      for (int64_t i = 0; i < b.numElements(); ++i)
        b.data<float>()[i] *= n.getFloat("alpha");
      bAddr_ = ctx.addCoeff(b, n.name() + ".alpha_b");
    } else {
      bAddr_ = ctx.addressOf(n.input(1));
    }
    if (n.kind() == OpKind::Gemm && n.input(2)) {
      const Tensor *ct = n.input(2)->constantValue();
      Tensor row(DType::F32, Shape{int64_t(N_)});
      float beta = n.getFloat("beta");
      for (uint32_t i = 0; i < N_; ++i)
        row.data<float>()[i] =
            beta * float(ct->getDouble(ct->numElements() == 1 ? 0 : i));
      cAddr_ = ctx.addCoeff(row, n.name() + ".bias");
      hasBias_ = true;
    }
    yAddr_ = ctx.addressOf(ctx.outputOf(n));
    relu_ = ctx.fusedActivation(n) != nullptr;
  }

  TileSpace space() const override {
    TileSpace s;
    s.full = {uint32_t(mg_.aOff.size()), M_, 1, N_};
    s.cQuantum = t_.npuNum;
    s.splitN = false;
    s.splitW = true;
    s.tooLarge = "the reduction length K does not fit local memory";
    return s;
  }

  std::vector<LocalBuffer> localBufferBytes(Shape4 s) const override {
    return {{bytes(lShape(s)), true, false, false},
            {bytes(rShape(s)), true, false, false},
            {uint64_t(s.w) * isa::dtypeBytes(dt_), hasBias_, false, false},
            {bytes({1, s.c, 1, s.w}), false, true, false}};
  }

  isa::GdmaMoveCmd transfer(const Tile &tl, unsigned buf, bool,
                            uint32_t laddr) const override {
    uint64_t es = isa::dtypeBytes(dt_);
    uint32_t b = tl.n0, m0 = tl.c0, n0 = tl.w0;
    Shape4 s = tl.shape;
    switch (buf) {
    case kL:
      return isa::makeLoad(t_, lShape(s), dt_,
                           aAddr_ + es * (mg_.aOff[b] + uint64_t(m0) * K_),
                           {0, K_, 0, 1}, laddr);
    case kR:
      if (mg_.rTrans)
        return isa::makeLoad(t_, rShape(s), dt_,
                             bAddr_ + es * (mg_.bOff[b] + uint64_t(n0) * K_),
                             {0, K_, 0, 1}, laddr);
      return isa::makeLoad(t_, rShape(s), dt_,
                           bAddr_ + es * (mg_.bOff[b] + n0), {0, N_, 0, 1},
                           laddr);
    case kBias:
      return isa::makeReplicate(t_, std::min(s.c, t_.npuNum), s.w, dt_,
                                cAddr_ + es * uint64_t(n0), laddr);
    default:
      return isa::makeStore(t_, {1, s.c, 1, s.w}, dt_, laddr,
                            yAddr_ +
                                es * (mg_.yOff[b] + uint64_t(m0) * N_ + n0),
                            {0, N_, 0, 1});
    }
  }

  void emitLocal(const Tile &tl, llvm::ArrayRef<uint32_t> a,
                 CmdStream &s) const override {
    isa::MatMulCmd c;
    c.lAddr = a[kL];
    c.rAddr = a[kR];
    c.biasAddr = a[kBias];
    c.outAddr = a[kOut];
    c.m = tl.shape.c;
    c.k = K_;
    c.n = tl.shape.w;
    c.rTrans = mg_.rTrans;
    c.hasBias = hasBias_;
    c.relu = relu_;
    s.bdc(c);
  }

private:
  Shape4 lShape(Shape4 s) const { return {1, s.c, 1, K_}; }
  Shape4 rShape(Shape4 s) const {
    return mg_.rTrans ? Shape4{1, s.w, 1, K_} : Shape4{1, K_, 1, s.w};
  }
  uint64_t bytes(Shape4 s) const {
    return isa::localBytesPerLane(t_, s, dt_, isa::LocalLayout::AlignEU);
  }

  const isa::TargetInfo &t_;
  MatGeom mg_;
  isa::DType dt_;
  uint32_t M_, K_, N_;
  uint64_t aAddr_, bAddr_, cAddr_ = 0, yAddr_;
  bool hasBias_ = false, relu_;
};

llvm::Expected<std::unique_ptr<LocalOp>> localMatMul(const Node &n,
                                                     LowerContext &ctx) {
  auto mg = matGeom(n);
  if (!mg)
    return mg.takeError();
  return std::make_unique<MatMulOp>(ctx.target(), std::move(*mg), n, ctx);
}

} // namespace

void backend::registerNnRows(LoweringTable &t) {
  for (OpKind k : {OpKind::Conv})
    t.push_back({k, checkConv, localConv, nullptr});
  for (OpKind k : {OpKind::MaxPool, OpKind::AveragePool,
                   OpKind::GlobalAveragePool, OpKind::GlobalMaxPool})
    t.push_back({k, checkPool, localPool, nullptr});
  for (OpKind k : {OpKind::Gemm, OpKind::MatMul})
    t.push_back({k, checkMatMul, localMatMul, nullptr});
}
