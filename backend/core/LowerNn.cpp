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

bool isInt8(DType t) { return t == DType::I8 || t == DType::U8; }

/// Static shapes, only the first output used, and every activation input
/// of one of `types` (constants are checked by the rows).
llvm::Error checkStaticTyped(const Node &n, std::initializer_list<DType> types,
                             const char *what) {
  auto ok = [&](DType t) {
    return std::find(types.begin(), types.end(), t) != types.end();
  };
  for (const Value *v : n.inputs())
    if (v && !v->shape().isStatic())
      return nodeError(n, "only static shapes are supported");
  for (unsigned i = 0; i < n.numOutputs(); ++i) {
    if (i > 0 && n.output(i)->hasUses())
      return nodeError(n, "only the first output can be used");
    if (!n.output(i)->shape().isStatic())
      return nodeError(n, "only static shapes are supported");
  }
  if (!ok(n.input(0)->dtype()) || !ok(n.output(0)->dtype()))
    return nodeError(n, llvm::Twine("only ") + what +
                            " tensors are supported "
                            "(got " +
                            dtypeName(n.input(0)->dtype()) + " -> " +
                            dtypeName(n.output(0)->dtype()) + ")");
  return llvm::Error::success();
}

/// The requant of a quantized node (attributes `multiplier`, `shift`, and
/// the output zero point `zpAttr`): per tensor, or per channel with the
/// {i32 multiplier, i32 shift} table added to the coefficients.
struct QRequant {
  isa::RequantParams rq;
  uint64_t tableAddr = 0; ///< global [C][2] i32 table (per channel)
  bool perChannel() const { return rq.mode == isa::RequantMode::PerChannel; }
};

llvm::Error checkRequantAttrs(const Node &n, uint64_t channels) {
  auto m = n.getInts("multiplier"), sh = n.getInts("shift");
  if (m.size() != sh.size() || (m.size() != 1 && m.size() != channels))
    return nodeError(n, "multiplier/shift need 1 entry or one per channel");
  for (size_t i = 0; i < m.size(); ++i)
    if (m[i] < INT32_MIN || m[i] > INT32_MAX || sh[i] < -128 || sh[i] > 127)
      return nodeError(n, "multiplier/shift out of range (32-bit multiplier, "
                          "8-bit shift)");
  return llvm::Error::success();
}

QRequant readRequant(const Node &n, LowerContext &ctx, int64_t outZp) {
  QRequant q;
  auto m = n.getInts("multiplier"), sh = n.getInts("shift");
  q.rq.outZp = int32_t(outZp);
  if (m.size() == 1) {
    q.rq.mode = isa::RequantMode::PerTensor;
    q.rq.multiplier = int32_t(m[0]);
    q.rq.shift = int8_t(sh[0]);
    return q;
  }
  q.rq.mode = isa::RequantMode::PerChannel;
  Tensor tab(DType::I32, Shape{int64_t(m.size()), 2});
  for (size_t i = 0; i < m.size(); ++i) {
    tab.data<int32_t>()[2 * i] = int32_t(m[i]);
    tab.data<int32_t>()[2 * i + 1] = int32_t(sh[i]);
  }
  q.tableAddr = ctx.addCoeff(tab, n.name() + ".requant");
  return q;
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

llvm::Error checkQConv(const Node &n, const isa::TargetInfo &) {
  if (llvm::Error e = checkStaticTyped(
          n, {DType::I8, DType::U8, DType::I16, DType::I32}, "i8/u8"))
    return e;
  if (!isInt8(n.input(0)->dtype()))
    return nodeError(n, "the input must be i8 or u8");
  const Tensor *w = n.input(1)->constantValue();
  if (!w || w->dtype() != DType::I8)
    return nodeError(n, "weights must be a constant i8 tensor");
  if (n.input(2)) {
    const Tensor *b = n.input(2)->constantValue();
    if (!b || b->dtype() != DType::I32)
      return nodeError(n, "bias must be a constant i32 tensor");
  }
  if (llvm::Error e = checkRequantAttrs(n, uint64_t(w->shape()[0])))
    return e;
  return convGeom(n).takeError();
}

/// Conv as a local op over the output (N, OC, OH, OW): per tile the input
/// rows with their halo, per output-channel slice the weights and bias (and
/// for INT8 per-channel requant, the {multiplier, shift} table).
class ConvOp final : public LocalOp {
public:
  enum Buf : unsigned { kWeight, kBias, kIn, kOut, kTable };
  ConvOp(const isa::TargetInfo &t, const ConvGeom &cg, const Node &n,
         LowerContext &ctx)
      : t_(t), cg_(cg), g_(cg.g) {
    dt_ = ctx.storageDType(n.input(0));
    wdt_ = ctx.storageDType(n.input(1));
    bdt_ = n.input(2) ? ctx.storageDType(n.input(2)) : dt_;
    odt_ = ctx.storageDType(ctx.outputOf(n));
    if (n.kind() == OpKind::QConv) {
      q_ = readRequant(n, ctx, n.getInt("out_zp"));
      inZp_ = int32_t(n.getInt("in_zp"));
      qrelu_ = n.getInt("relu") != 0;
    }
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
    std::vector<LocalBuffer> b(q_.perChannel() ? 5 : 4);
    b[kWeight] = {
        isa::convWeightBytesPerLane(t_, s.c, cg_.icpg, g_.kh, g_.kw, wdt_),
        true, false, true};
    b[kBias] = {isa::perChannelBytesPerLane(t_, s.c, bdt_), hasBias_, false,
                true};
    if (q_.perChannel())
      b[kTable] = {isa::requantTableBytesPerLane(t_, s.c), true, false, true};
    b[kIn] = {isa::localBytesPerLane(
                  t_, {s.n, icOf(s.c), rowsUpperBound(g_, s.h), g_.w}, dt_,
                  isa::LocalLayout::AlignEU),
              true, false, false};
    b[kOut] = {isa::localBytesPerLane(t_, {s.n, s.c, s.h, g_.ow}, odt_,
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
      return isa::makeConvWeightLoad(ocT, cg_.icpg, g_.kh, g_.kw, wdt_,
                                     wAddr_ + isa::dtypeBytes(wdt_) *
                                                  uint64_t(tl.c0) * cg_.icpg *
                                                  g_.kh * g_.kw,
                                     laddr);
    case kBias:
      return isa::makePerChannelLoad(
          ocT, bdt_, bAddr_ + isa::dtypeBytes(bdt_) * uint64_t(tl.c0), laddr);
    case kTable:
      return isa::makeConvWeightLoad(ocT, 1, 1, 2, isa::DType::I32,
                                     q_.tableAddr + 8 * uint64_t(tl.c0), laddr);
    case kIn: {
      RowRange rr = inputRows(g_, tl.h0, tl.shape.h);
      uint64_t off = es * (uint64_t(tl.n0) * xs_.n + uint64_t(ic0(tl)) * xs_.c +
                           uint64_t(std::max<int64_t>(rr.lo, 0)) * xs_.h);
      return isa::makeLoad(t_, inShape(tl, rr), dt_, xAddr_ + off, xs_, laddr);
    }
    default: {
      uint64_t off = isa::dtypeBytes(odt_) *
                     (uint64_t(tl.n0) * ys_.n + uint64_t(tl.c0) * ys_.c +
                      uint64_t(tl.h0) * ys_.h);
      return isa::makeStore(t_, tl.shape, odt_, laddr, yAddr_ + off, ys_);
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
    c.inType = dt_;
    c.weightType = wdt_;
    c.biasType = bdt_;
    c.outType = odt_;
    if (q_.rq.mode != isa::RequantMode::None) {
      c.rq = q_.rq;
      if (q_.perChannel())
        c.rq.tableAddr = a[kTable];
      c.inZp = inZp_;
      c.relu = qrelu_;
    }
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
  isa::DType dt_, wdt_, bdt_, odt_;
  QRequant q_;
  int32_t inZp_ = 0;
  bool qrelu_ = false;
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
  p.avg = n.kind() == OpKind::AveragePool ||
          n.kind() == OpKind::GlobalAveragePool || n.kind() == OpKind::QAvgPool;
  // qavg_pool's multiplier folds in one window area: padding counts.
  p.countPad =
      (n.kind() == OpKind::AveragePool && n.getInt("count_include_pad") != 0) ||
      n.kind() == OpKind::QAvgPool;
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
  bool isMax = n.kind() == OpKind::MaxPool || n.kind() == OpKind::GlobalMaxPool;
  if (isMax && n.input(0)->dtype() != DType::F32) {
    // Max pooling is exact on 8-bit values (the output keeps the scale).
    if (llvm::Error e =
            checkStaticTyped(n, {DType::I8, DType::U8}, "f32, i8 or u8"))
      return e;
    if (n.input(0)->dtype() != n.output(0)->dtype())
      return nodeError(n, "input and output types differ");
  } else if (llvm::Error e = checkStaticF32(n)) {
    return e;
  }
  return poolGeom(n).takeError();
}

llvm::Error checkQAvgPool(const Node &n, const isa::TargetInfo &) {
  if (llvm::Error e = checkStaticTyped(n, {DType::I8, DType::U8}, "i8/u8"))
    return e;
  if (n.input(0)->dtype() != n.output(0)->dtype())
    return nodeError(n, "input and output types must be equal (one pool "
                        "command dtype)");
  if (n.getInt("in_zp") != 0)
    return nodeError(n, "in_zp != 0 is not supported (the pool command sums "
                        "raw values)");
  int64_t m = n.getInt("multiplier"), sh = n.getInt("shift");
  if (m < INT32_MIN || m > INT32_MAX || sh < -128 || sh > 127)
    return nodeError(n, "multiplier/shift out of range");
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
    if (n.kind() == OpKind::QAvgPool) {
      rq_.mode = isa::RequantMode::PerTensor;
      rq_.multiplier = int32_t(n.getInt("multiplier"));
      rq_.shift = int8_t(n.getInt("shift"));
      rq_.outZp = int32_t(n.getInt("out_zp"));
    }
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
    p.dtype = dt_;
    p.rq = rq_;
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
  isa::RequantParams rq_;
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
  if (n.kind() == OpKind::QMatMul) {
    if (ad.size() != 2 || bd.size() != 2)
      return nodeError(n, "qmatmul operands must be matrices");
    g.rTrans = n.getInt("trans_b") != 0;
    g.m = ad[0];
    g.k = ad[1];
    g.nn = g.rTrans ? bd[0] : bd[1];
    g.aOff = {0};
    g.bOff = {0};
    g.yOff = {0};
    return g;
  }
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

llvm::Error checkQMatMul(const Node &n, const isa::TargetInfo &) {
  if (llvm::Error e = checkStaticTyped(
          n, {DType::I8, DType::U8, DType::I16, DType::I32}, "i8/u8"))
    return e;
  if (!isInt8(n.input(0)->dtype()))
    return nodeError(n, "A must be i8 or u8");
  const Tensor *b = n.input(1)->constantValue();
  if (!b || b->dtype() != DType::I8)
    return nodeError(n, "B must be a constant i8 matrix");
  if (n.input(2)) {
    const Tensor *c = n.input(2)->constantValue();
    if (!c || c->dtype() != DType::I32)
      return nodeError(n, "bias must be a constant i32 row");
  }
  auto g = matGeom(n);
  if (!g)
    return g.takeError();
  if (g->m > UINT32_MAX || g->k > UINT32_MAX || g->nn > UINT32_MAX)
    return nodeError(n, "matrix too large");
  if (n.getInts("multiplier").size() > 1 && n.getInt("a_zp") != 0)
    return nodeError(n, "a per-column requant needs a_zp = 0");
  return checkRequantAttrs(n, g->nn);
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
    dt_ = ctx.storageDType(n.input(0));
    rdt_ = ctx.storageDType(n.input(1));
    odt_ = ctx.storageDType(ctx.outputOf(n));
    bdt_ = dt_;
    if (n.kind() == OpKind::QMatMul) {
      // Per tensor only (the per-column form is QMatMulColOp).
      q_ = readRequant(n, ctx, n.getInt("out_zp"));
      lZp_ = int32_t(n.getInt("a_zp"));
      if (n.input(2)) {
        bdt_ = ctx.storageDType(n.input(2));
        cAddr_ = ctx.addressOf(n.input(2));
        hasBias_ = true;
      }
    }
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
    relu_ = ctx.fusedActivation(n) != nullptr ||
            (n.kind() == OpKind::QMatMul && n.getInt("relu") != 0);
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
    return {{bytes(lShape(s), dt_), true, false, false},
            {bytes(rShape(s), rdt_), true, false, false},
            {uint64_t(s.w) * isa::dtypeBytes(bdt_), hasBias_, false, false},
            {bytes({1, s.c, 1, s.w}, odt_), false, true, false}};
  }

  isa::GdmaMoveCmd transfer(const Tile &tl, unsigned buf, bool,
                            uint32_t laddr) const override {
    uint64_t es = isa::dtypeBytes(dt_), rs = isa::dtypeBytes(rdt_),
             bs = isa::dtypeBytes(bdt_), os = isa::dtypeBytes(odt_);
    uint32_t b = tl.n0, m0 = tl.c0, n0 = tl.w0;
    Shape4 s = tl.shape;
    switch (buf) {
    case kL:
      return isa::makeLoad(t_, lShape(s), dt_,
                           aAddr_ + es * (mg_.aOff[b] + uint64_t(m0) * K_),
                           {0, K_, 0, 1}, laddr);
    case kR:
      if (mg_.rTrans)
        return isa::makeLoad(t_, rShape(s), rdt_,
                             bAddr_ + rs * (mg_.bOff[b] + uint64_t(n0) * K_),
                             {0, K_, 0, 1}, laddr);
      return isa::makeLoad(t_, rShape(s), rdt_,
                           bAddr_ + rs * (mg_.bOff[b] + n0), {0, N_, 0, 1},
                           laddr);
    case kBias:
      return isa::makeReplicate(t_, std::min(s.c, t_.npuNum), s.w, bdt_,
                                cAddr_ + bs * uint64_t(n0), laddr);
    default:
      return isa::makeStore(
          t_, {1, s.c, 1, s.w}, odt_, laddr,
          yAddr_ + os * (mg_.yOff[b] + uint64_t(m0) * N_ + n0), {0, N_, 0, 1});
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
    c.lType = dt_;
    c.rType = rdt_;
    c.biasType = bdt_;
    c.outType = odt_;
    c.lZp = lZp_;
    c.rq = q_.rq;
    s.bdc(c);
  }

private:
  Shape4 lShape(Shape4 s) const { return {1, s.c, 1, K_}; }
  Shape4 rShape(Shape4 s) const {
    return mg_.rTrans ? Shape4{1, s.w, 1, K_} : Shape4{1, K_, 1, s.w};
  }
  uint64_t bytes(Shape4 s, isa::DType dt) const {
    return isa::localBytesPerLane(t_, s, dt, isa::LocalLayout::AlignEU);
  }

  const isa::TargetInfo &t_;
  MatGeom mg_;
  isa::DType dt_, rdt_, bdt_, odt_;
  QRequant q_;
  int32_t lZp_ = 0;
  uint32_t M_, K_, N_;
  uint64_t aAddr_, bAddr_, cAddr_ = 0, yAddr_;
  bool hasBias_ = false, relu_;
};

/// qmatmul with a requant per output column n. The matmul command's
/// per-channel table is indexed by the output row (the lane), so this
/// computes the transposed product Y^T = B^T A^T over (1, N, 1, M): L is
/// B^T (1, n, 1, K) (a strided load of B), R is A itself (rTrans, rows of
/// K), the i32 accumulator then goes through one integer binary command
/// (+ bias per lane, per-channel requant, relu) into the 8-bit output,
/// stored back transposed. Serial tiles over N (lanes) and M (W).
class QMatMulColOp final : public LocalOp {
public:
  enum Buf : unsigned { kL, kR, kBias, kTable, kAcc, kOut };
  QMatMulColOp(const isa::TargetInfo &t, const MatGeom &mg, const Node &n,
               LowerContext &ctx)
      : t_(t), M_(uint32_t(mg.m)), K_(uint32_t(mg.k)), N_(uint32_t(mg.nn)),
        bTrans_(mg.rTrans) {
    adt_ = ctx.storageDType(n.input(0));
    bdt_ = ctx.storageDType(n.input(1));
    odt_ = ctx.storageDType(n.output(0));
    q_ = readRequant(n, ctx, n.getInt("out_zp"));
    relu_ = n.getInt("relu") != 0;
    aAddr_ = ctx.addressOf(n.input(0));
    bAddr_ = ctx.addressOf(n.input(1));
    if (n.input(2)) {
      hasBias_ = true;
      cAddr_ = ctx.addressOf(n.input(2));
    }
    yAddr_ = ctx.addressOf(n.output(0));
  }

  TileSpace space() const override {
    TileSpace s;
    s.full = {1, N_, 1, M_};
    s.cQuantum = t_.npuNum;
    s.splitN = false;
    s.splitW = true;
    s.tooLarge = "the reduction length K does not fit local memory";
    return s;
  }

  std::vector<LocalBuffer> localBufferBytes(Shape4 s) const override {
    return {{bytes({1, s.c, 1, K_}, bdt_), true, false, false},
            {bytes({1, s.w, 1, K_}, adt_), true, false, false},
            {isa::perChannelBytesPerLane(t_, s.c, isa::DType::I32), hasBias_,
             false, false},
            {isa::requantTableBytesPerLane(t_, s.c), true, false, false},
            {bytes({1, s.c, 1, s.w}, isa::DType::I32), false, false, false},
            {bytes({1, s.c, 1, s.w}, odt_), false, true, false}};
  }

  isa::GdmaMoveCmd transfer(const Tile &tl, unsigned buf, bool,
                            uint32_t laddr) const override {
    uint32_t n0 = tl.c0, m0 = tl.w0;
    Shape4 s = tl.shape;
    switch (buf) {
    case kL:
      // B^T rows: row n of B^T is column n of B (stride N) or row n of a
      // transposed B.
      if (bTrans_)
        return isa::makeLoad(t_, {1, s.c, 1, K_}, bdt_,
                             bAddr_ + uint64_t(n0) * K_, {0, K_, 0, 1}, laddr);
      return isa::makeLoad(t_, {1, s.c, 1, K_}, bdt_, bAddr_ + n0,
                           {0, 1, 0, N_}, laddr);
    case kR:
      return isa::makeLoad(t_, {1, s.w, 1, K_}, adt_,
                           aAddr_ + isa::dtypeBytes(adt_) * uint64_t(m0) * K_,
                           {0, K_, 0, 1}, laddr);
    case kBias:
      return isa::makePerChannelLoad(s.c, isa::DType::I32,
                                     cAddr_ + 4 * uint64_t(n0), laddr);
    case kTable:
      return isa::makeConvWeightLoad(s.c, 1, 1, 2, isa::DType::I32,
                                     q_.tableAddr + 8 * uint64_t(n0), laddr);
    default:
      // Y[m][n] at m * N + n: channel n stride 1, column m stride N.
      return isa::makeStore(t_, {1, s.c, 1, s.w}, odt_, laddr,
                            yAddr_ + isa::dtypeBytes(odt_) *
                                         (uint64_t(m0) * N_ + n0),
                            {0, 1, 0, N_});
    }
  }

  void emitLocal(const Tile &tl, llvm::ArrayRef<uint32_t> a,
                 CmdStream &s) const override {
    Shape4 ys{1, tl.shape.c, 1, tl.shape.w};
    isa::MatMulCmd c;
    c.lAddr = a[kL];
    c.rAddr = a[kR];
    c.outAddr = a[kAcc];
    c.m = tl.shape.c;
    c.k = K_;
    c.n = tl.shape.w;
    c.rTrans = true;
    c.lType = bdt_;
    c.rType = adt_;
    c.outType = isa::DType::I32;
    s.bdc(c);
    isa::BinaryCmd b;
    b.shape = ys;
    b.out = isa::localOperand(t_, a[kOut], ys, odt_);
    b.a = isa::localOperand(t_, a[kAcc], ys, isa::DType::I32);
    b.op = isa::BinaryOp::Add;
    if (hasBias_) {
      b.b.addr = a[kBias];
      b.b.dtype = isa::DType::I32;
      b.b.stride = {0, 1, 0, 0};
    } else {
      b.bIsScalar = true;
      b.scalar = 0;
    }
    b.relu = relu_;
    b.rq = q_.rq;
    b.rq.tableAddr = a[kTable];
    s.bdc(b);
  }

private:
  uint64_t bytes(Shape4 s, isa::DType dt) const {
    return isa::localBytesPerLane(t_, s, dt, isa::LocalLayout::AlignEU);
  }

  const isa::TargetInfo &t_;
  uint32_t M_, K_, N_;
  bool bTrans_;
  isa::DType adt_, bdt_, odt_;
  QRequant q_;
  bool relu_ = false, hasBias_ = false;
  uint64_t aAddr_, bAddr_, cAddr_ = 0, yAddr_;
};

llvm::Expected<std::unique_ptr<LocalOp>> localMatMul(const Node &n,
                                                     LowerContext &ctx) {
  auto mg = matGeom(n);
  if (!mg)
    return mg.takeError();
  if (n.kind() == OpKind::QMatMul && n.getInts("multiplier").size() > 1)
    return std::make_unique<QMatMulColOp>(ctx.target(), *mg, n, ctx);
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
  t.push_back({OpKind::QConv, checkQConv, localConv, nullptr});
  t.push_back({OpKind::QAvgPool, checkQAvgPool, localPool, nullptr});
  t.push_back({OpKind::QMatMul, checkQMatMul, localMatMul, nullptr});
}
