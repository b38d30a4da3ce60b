//===- LowerDeconv.cpp - ConvTranspose as a convolution ------------------===//
//
// A transposed convolution with stride s, pads p, dilation d, kernel k and
// output_padding q equals a stride-1 convolution, dilation d, of the input
// with s-1 zeros inserted between neighbouring elements, padded by
// d*(k-1)-p before and d*(k-1)-p+q after, with the weights transposed per
// group ([IC][OC/g][kh][kw] -> [OC][IC/g][kh][kw]) and flipped in both
// spatial axes. The weight transform runs here, at compile time, into a
// derived coefficient. Per tile, the input rows the output rows need are
// loaded compactly, spread into a zeroed local buffer with a strided BDC
// copy (the zero insertion) and convolved from there; the padding is the
// convolution's own. With stride 1 the convolution reads the loaded rows
// directly.
//
// Rows are counted in the zero-inserted ("dilated") input, whose row r
// holds real input row r/s when s divides r and zeros otherwise.
//
//===----------------------------------------------------------------------===//

#include "backend/core/OpHooks.h"

#include "backend/core/Builders.h"

#include <numeric>

using namespace onntc;
using namespace onntc::backend;
using isa::Shape4;
using isa::Strides4;

namespace {

struct DeconvGeom {
  uint32_t n, ic, h, w;       // real input
  uint32_t oc, oh, ow;        // output
  uint32_t kh, kw, sh, sw, dh, dw;
  uint32_t groups, icpg, ocpg;
  uint32_t hd, wd;            // zero-inserted input
  uint32_t padT, padL, padR;  // padding of the equivalent convolution
};

llvm::Expected<DeconvGeom> deconvGeom(const Node &n) {
  const Value *x = n.input(0), *w = n.input(1), *y = n.output(0);
  if (x->shape().rank() != 4 || w->shape().rank() != 4)
    return nodeError(n, "only 2-D ConvTranspose (rank-4 tensors) is supported");
  auto xd = dimsOf(x), wd = dimsOf(w), yd = dimsOf(y);
  auto st = intsOr(n, "strides", {1, 1});
  auto pd = intsOr(n, "pads", {0, 0, 0, 0});
  auto dl = intsOr(n, "dilations", {1, 1});
  auto op = intsOr(n, "output_padding", {0, 0});
  if (st.size() != 2 || pd.size() != 4 || dl.size() != 2 || op.size() != 2)
    return nodeError(n, "strides/pads/dilations/output_padding must describe "
                        "2 dimensions");
  DeconvGeom g;
  g.groups = uint32_t(n.getInt("group"));
  g.n = uint32_t(xd[0]);
  g.ic = uint32_t(xd[1]);
  g.h = uint32_t(xd[2]);
  g.w = uint32_t(xd[3]);
  g.oc = uint32_t(yd[1]);
  g.oh = uint32_t(yd[2]);
  g.ow = uint32_t(yd[3]);
  if (g.groups == 0 || g.ic % g.groups || g.oc % g.groups ||
      int64_t(g.ic) != wd[0] || int64_t(g.oc) != wd[1] * g.groups)
    return nodeError(n, "group does not divide the channels");
  g.icpg = g.ic / g.groups;
  g.ocpg = g.oc / g.groups;
  for (int64_t v : {st[0], st[1], dl[0], dl[1]})
    if (v < 1 || v > 65535)
      return nodeError(n, "strides and dilations must be in 1..65535");
  for (int64_t v : {pd[0], pd[1], pd[2], pd[3], op[0], op[1]})
    if (v < 0)
      return nodeError(n, "negative pads or output_padding are not supported");
  g.kh = uint32_t(wd[2]);
  g.kw = uint32_t(wd[3]);
  g.sh = uint32_t(st[0]);
  g.sw = uint32_t(st[1]);
  g.dh = uint32_t(dl[0]);
  g.dw = uint32_t(dl[1]);
  g.hd = (g.h - 1) * g.sh + 1;
  g.wd = (g.w - 1) * g.sw + 1;
  int64_t spanH = int64_t(g.dh) * (g.kh - 1), spanW = int64_t(g.dw) * (g.kw - 1);
  int64_t padT = spanH - pd[0], padL = spanW - pd[1];
  int64_t padB = spanH - pd[2] + op[0], padR = spanW - pd[3] + op[1];
  if (padT < 0 || padL < 0 || padB < 0 || padR < 0)
    return nodeError(n, "pads larger than dilation*(kernel-1) (+ "
                        "output_padding at the end) are not supported");
  if (padT > 65535 || padL > 65535 || padB > 65535 || padR > 65535 ||
      g.kh > 65535 || g.kw > 65535)
    return nodeError(n, "kernel or padding exceeds 65535");
  if (uint64_t(g.h - 1) * g.sh + 1 > UINT32_MAX / 2 ||
      uint64_t(g.w - 1) * g.sw + 1 > UINT32_MAX / 2)
    return nodeError(n, "the zero-inserted input is too large");
  g.padT = uint32_t(padT);
  g.padL = uint32_t(padL);
  g.padR = uint32_t(padR);
  // The equivalent convolution must give the declared output.
  if (int64_t(g.hd) + padT + padB - spanH != g.oh ||
      int64_t(g.wd) + padL + padR - spanW != g.ow)
    return nodeError(n, "output shape does not match the attributes");
  return g;
}

llvm::Error checkDeconv(const Node &n, const isa::TargetInfo &) {
  for (const Value *v : n.inputs())
    if (v && (!v->shape().isStatic() || v->dtype() != DType::F32))
      return nodeError(n, "only static-shape f32 tensors are supported");
  if (!n.output(0)->shape().isStatic() || n.output(0)->dtype() != DType::F32)
    return nodeError(n, "only static-shape f32 output is supported");
  if (!n.input(1)->constantValue())
    return nodeError(n, "weights must be constant");
  if (n.input(2) && !n.input(2)->constantValue())
    return nodeError(n, "bias must be constant");
  return deconvGeom(n).takeError();
}

/// Rows of one output-row tile, in the dilated input and in the real one.
struct TileRows {
  /// Dilated rows [a, a + rows) the tile reads (clipped), and the padding
  /// the convolution adds above and below them.
  int64_t a;
  uint32_t rows, padT, padB;
  /// Real input rows [r0, r0 + real) inside them; `load` rows are loaded
  /// (at least one, so that the GDMA move is never empty).
  uint32_t r0, real, load;
};

/// The ConvTranspose node as a local op over the output (N, OC, OH, OW).
class DeconvOp final : public LocalOp {
public:
  enum Buf : unsigned { kWeight, kBias, kIn, kDil, kOut };
  DeconvOp(const isa::TargetInfo &t, const DeconvGeom &g, const Node &n,
           LowerContext &ctx)
      : t_(t), g_(g) {
    dt_ = ctx.storageDType(n.output(0));
    xAddr_ = ctx.addressOf(n.input(0));
    wAddr_ = ctx.addCoeff(convWeights(*n.input(1)->constantValue()),
                          n.name() + ".deconv_weight");
    hasBias_ = n.input(2) != nullptr;
    bAddr_ = hasBias_ ? ctx.addressOf(n.input(2)) : 0;
    yAddr_ = ctx.addressOf(ctx.outputOf(n));
    xs_ = denseStrides({g_.n, g_.ic, g_.h, g_.w});
    ys_ = denseStrides({g_.n, g_.oc, g_.oh, g_.ow});
    zeroInsert_ = g_.sh != 1 || g_.sw != 1;
  }

  TileSpace space() const override {
    TileSpace s;
    s.full = {g_.n, g_.oc, g_.oh, g_.ow};
    s.cQuantum = t_.npuNum;
    if (g_.groups != 1 && g_.ocpg != 1) {
      uint64_t l = std::lcm<uint64_t>(g_.ocpg, t_.npuNum);
      s.cQuantum = l <= g_.oc ? uint32_t(l) : g_.oc;
    }
    s.splitH = true;
    s.overlap = true;
    s.tooLarge = "no tile of this ConvTranspose fits local memory (one output "
                 "row with its zero-inserted input rows and weights is too "
                 "large)";
    return s;
  }

  std::vector<LocalBuffer> localBufferBytes(Shape4 s) const override {
    uint32_t ic = icOf(s.c);
    uint64_t dRows = std::min<uint64_t>(
        uint64_t(s.h - 1) + uint64_t(g_.dh) * (g_.kh - 1) + 1, g_.hd);
    uint32_t rRows = uint32_t(std::max<uint64_t>(
        1, std::min<uint64_t>(isa::ceilDiv(dRows, g_.sh), g_.h)));
    std::vector<LocalBuffer> b(5);
    b[kWeight] = {isa::convWeightBytesPerLane(t_, s.c, g_.icpg, g_.kh, g_.kw,
                                              dt_),
                  true, false, true};
    b[kBias] = {isa::perChannelBytesPerLane(t_, s.c, dt_), hasBias_, false,
                true};
    b[kIn] = {bytes({s.n, ic, zeroInsert_ ? rRows : uint32_t(dRows), g_.w}),
              true, false, false};
    b[kDil] = {zeroInsert_ ? bytes({s.n, ic, uint32_t(dRows), g_.wd}) : 0,
               false, false, false};
    b[kOut] = {bytes({s.n, s.c, s.h, g_.ow}), false, true, false};
    return b;
  }

  isa::GdmaMoveCmd transfer(const Tile &tl, unsigned buf, bool,
                            uint32_t laddr) const override {
    uint64_t es = isa::dtypeBytes(dt_);
    switch (buf) {
    case kWeight:
      return isa::makeConvWeightLoad(
          tl.shape.c, g_.icpg, g_.kh, g_.kw, dt_,
          wAddr_ + es * uint64_t(tl.c0) * g_.icpg * g_.kh * g_.kw, laddr);
    case kBias:
      return isa::makePerChannelLoad(tl.shape.c, dt_,
                                     bAddr_ + es * uint64_t(tl.c0), laddr);
    case kIn: {
      TileRows r = rowsOf(tl);
      uint64_t off = es * (uint64_t(tl.n0) * xs_.n + uint64_t(ic0(tl)) * xs_.c +
                           uint64_t(r.r0) * xs_.h);
      return isa::makeLoad(t_, {tl.shape.n, icOf(tl.shape.c), r.load, g_.w},
                           dt_, xAddr_ + off, xs_, laddr);
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
    TileRows r = rowsOf(tl);
    uint32_t ic = icOf(tl.shape.c);
    Shape4 dil{tl.shape.n, ic, r.rows, g_.wd};
    uint32_t convIn = a[kIn];
    if (zeroInsert_) {
      isa::FillCmd f;
      f.shape = dil;
      f.out = isa::localOperand(t_, a[kDil], dil, dt_);
      f.value = 0;
      s.bdc(f);
      if (r.real > 0) {
        isa::CopyCmd c;
        c.shape = {tl.shape.n, ic, r.real, g_.w};
        c.in = isa::localOperand(t_, a[kIn], c.shape, dt_);
        c.out = isa::localOperand(t_, a[kDil], dil, dt_);
        uint64_t firstRow = uint64_t(r.r0) * g_.sh - uint64_t(r.a);
        c.out.addr += uint32_t(firstRow * uint64_t(c.out.stride.h) *
                               isa::dtypeBytes(dt_));
        c.out.stride.h *= g_.sh;
        c.out.stride.w *= g_.sw;
        s.bdc(c);
      }
      convIn = a[kDil];
    }
    isa::ConvCmd c;
    c.inAddr = convIn;
    c.outAddr = a[kOut];
    c.weightAddr = a[kWeight];
    c.biasAddr = a[kBias];
    c.in = dil;
    c.oc = tl.shape.c;
    c.oh = tl.shape.h;
    c.ow = g_.ow;
    c.kh = uint16_t(g_.kh);
    c.kw = uint16_t(g_.kw);
    c.dilH = uint16_t(g_.dh);
    c.dilW = uint16_t(g_.dw);
    c.padT = uint16_t(r.padT);
    c.padB = uint16_t(r.padB);
    c.padL = uint16_t(g_.padL);
    c.padR = uint16_t(g_.padR);
    c.groups = g_.groups == 1 ? 1 : tl.shape.c / g_.ocpg;
    c.hasBias = hasBias_;
    s.bdc(c);
  }

private:
  /// [IC][OC/g][kh][kw] -> [OC][IC/g][kh][kw], spatially flipped.
  Tensor convWeights(const Tensor &w0) const {
    Tensor w = w0.castTo(DType::F32);
    Tensor r(DType::F32, Shape{int64_t(g_.oc), int64_t(g_.icpg),
                               int64_t(g_.kh), int64_t(g_.kw)});
    const float *src = w.data<float>();
    float *dst = r.data<float>();
    uint64_t kk = uint64_t(g_.kh) * g_.kw;
    for (uint32_t grp = 0; grp < g_.groups; ++grp)
      for (uint32_t o = 0; o < g_.ocpg; ++o)
        for (uint32_t i = 0; i < g_.icpg; ++i)
          for (uint32_t y = 0; y < g_.kh; ++y)
            for (uint32_t x = 0; x < g_.kw; ++x) {
              uint64_t from = ((uint64_t(grp) * g_.icpg + i) * g_.ocpg + o) * kk +
                              uint64_t(g_.kh - 1 - y) * g_.kw + (g_.kw - 1 - x);
              uint64_t to = ((uint64_t(grp) * g_.ocpg + o) * g_.icpg + i) * kk +
                            uint64_t(y) * g_.kw + x;
              dst[to] = src[from];
            }
    return r;
  }

  TileRows rowsOf(const Tile &tl) const {
    TileRows r;
    int64_t lo = int64_t(tl.h0) - g_.padT;
    int64_t hi = int64_t(tl.h0 + tl.shape.h - 1) - g_.padT +
                 int64_t(g_.dh) * (g_.kh - 1) + 1;
    int64_t a = std::max<int64_t>(lo, 0), b = std::min<int64_t>(hi, g_.hd);
    r.a = a;
    r.rows = uint32_t(std::max<int64_t>(b - a, 0));
    r.padT = uint32_t(std::max<int64_t>(0, -lo));
    r.padB = uint32_t(std::max<int64_t>(0, hi - g_.hd));
    int64_t first = (a + g_.sh - 1) / g_.sh, last = (b - 1) / g_.sh;
    if (b > a && last >= first) {
      r.r0 = uint32_t(first);
      r.real = uint32_t(last - first + 1);
      r.load = r.real;
    } else {
      r.r0 = uint32_t(std::min<int64_t>(first, g_.h - 1));
      r.real = 0;
      r.load = 1;
    }
    return r;
  }

  uint32_t icOf(uint32_t ocT) const {
    return g_.groups == 1 ? g_.ic : (ocT / g_.ocpg) * g_.icpg;
  }
  uint32_t ic0(const Tile &tl) const {
    return g_.groups == 1 ? 0 : (tl.c0 / g_.ocpg) * g_.icpg;
  }
  uint64_t bytes(Shape4 s) const {
    return isa::localBytesPerLane(t_, s, dt_, isa::LocalLayout::AlignEU);
  }

  const isa::TargetInfo &t_;
  DeconvGeom g_;
  isa::DType dt_;
  uint64_t xAddr_, wAddr_, bAddr_, yAddr_;
  bool hasBias_, zeroInsert_;
  Strides4 xs_, ys_;
};

llvm::Expected<std::unique_ptr<LocalOp>> localDeconv(const Node &n,
                                                     LowerContext &ctx) {
  auto g = deconvGeom(n);
  if (!g)
    return g.takeError();
  return std::make_unique<DeconvOp>(ctx.target(), *g, n, ctx);
}

} // namespace

void backend::registerDeconvRows(LoweringTable &t) {
  t.push_back({OpKind::ConvTranspose, checkDeconv, localDeconv, nullptr});
}
