//===- LowerNnNorm.cpp - softmax and layer normalization rows -------------===//
//
// Both reduce over H of a local view with the normalized axis on H and the
// outer axes on the lanes (the IR's Nn family, ir/ops/NnNorm.cpp).
//
//===----------------------------------------------------------------------===//

#include "backend/core/OpHooks.h"

#include "backend/core/Builders.h"

using namespace onntc;
using namespace onntc::backend;
using isa::Shape4;
using isa::Strides4;

namespace {

llvm::Error checkF32(const Node &n) {
  for (const Value *v : n.inputs())
    if (v && !v->shape().isStatic())
      return nodeError(n, "dynamic shapes are not supported by the backend");
  for (unsigned i = 0; i < n.numOutputs(); ++i) {
    const Value *v = n.output(i);
    if (i > 0 && v->hasUses())
      return nodeError(n, "only the first output can be used");
    if (!v->shape().isStatic())
      return nodeError(n, "dynamic shapes are not supported by the backend");
  }
  if (n.output(0)->dtype() != DType::F32)
    return nodeError(n, "only f32 is supported (got " +
                            dtypeName(n.output(0)->dtype()) + ")");
  for (const Value *v : n.inputs())
    if (v && v->dtype() != DType::F32 && !v->constantValue())
      return nodeError(n, "only f32 inputs are supported");
  return llvm::Error::success();
}

//===-- softmax -----------------------------------------------------------===//

struct SoftmaxDims {
  uint64_t outer = 1, axis = 1, inner = 1;
};

llvm::Expected<SoftmaxDims> softmaxDims(const Node &n) {
  std::vector<int64_t> d = dimsOf(n.input(0));
  int64_t ax = n.getInt("axis");
  if (ax < 0)
    ax += int64_t(d.size());
  if (ax < 0 || ax >= int64_t(d.size()))
    return nodeError(n, "axis out of range");
  SoftmaxDims s;
  for (int64_t i = 0; i < int64_t(d.size()); ++i)
    (i < ax ? s.outer : i == ax ? s.axis : s.inner) *= uint64_t(d[size_t(i)]);
  if (s.outer > UINT32_MAX || s.axis > UINT32_MAX || s.inner > UINT32_MAX)
    return nodeError(n, "tensor too large");
  return s;
}

llvm::Error checkSoftmax(const Node &n, const isa::TargetInfo &) {
  if (llvm::Error e = checkF32(n))
    return e;
  return softmaxDims(n).takeError();
}

/// Softmax over H of the local view (1, outer, axis, inner): x, y and the
/// reduced row r; serial tiles over C and W.
class SoftmaxOp final : public LocalOp {
public:
  enum Buf : unsigned { kX, kY, kR };
  SoftmaxOp(const isa::TargetInfo &t, SoftmaxDims sd, const Node &n,
            LowerContext &ctx)
      : t_(t) {
    full_ = {1, uint32_t(sd.outer), uint32_t(sd.axis), uint32_t(sd.inner)};
    gs_ = denseStrides(full_);
    dt_ = ctx.storageDType(n.output(0));
    in_ = ctx.addressOf(n.input(0));
    out_ = ctx.addressOf(n.output(0));
  }

  TileSpace space() const override {
    TileSpace s;
    s.full = full_;
    s.cQuantum = t_.npuNum;
    s.splitW = true;
    s.tooLarge = "the softmax axis does not fit local memory";
    return s;
  }

  std::vector<LocalBuffer> localBufferBytes(Shape4 s) const override {
    uint64_t x = bytes(s), r = bytes({s.n, s.c, 1, s.w});
    return {{x, true, false, false},
            {x, false, true, false},
            {r, false, false, false}};
  }

  isa::GdmaMoveCmd transfer(const Tile &tl, unsigned, bool store,
                            uint32_t laddr) const override {
    uint64_t off =
        isa::dtypeBytes(dt_) * (uint64_t(tl.c0) * uint64_t(gs_.c) + tl.w0);
    if (store)
      return isa::makeStore(t_, tl.shape, dt_, laddr, out_ + off, gs_);
    return isa::makeLoad(t_, tl.shape, dt_, in_ + off, gs_, laddr);
  }

  void emitLocal(const Tile &tl, llvm::ArrayRef<uint32_t> a,
                 CmdStream &cs) const override {
    Shape4 ts = tl.shape, rs{ts.n, ts.c, 1, ts.w};
    auto X = isa::localOperand(t_, a[kX], ts, dt_);
    auto Y = isa::localOperand(t_, a[kY], ts, dt_);
    auto R = isa::localOperand(t_, a[kR], rs, dt_);
    auto Rb = R;
    Rb.stride.h = 0;
    isa::ReduceCmd mx;
    mx.inShape = ts;
    mx.in = X;
    mx.out = R;
    mx.op = isa::ReduceOp::Max;
    mx.axisMask = isa::kAxisH;
    cs.bdc(mx);
    isa::BinaryCmd sub;
    sub.shape = ts;
    sub.out = Y;
    sub.a = X;
    sub.b = Rb;
    sub.op = isa::BinaryOp::Sub;
    cs.bdc(sub);
    isa::UnaryCmd ex;
    ex.shape = ts;
    ex.out = X;
    ex.in = Y;
    ex.op = isa::UnaryOp::Exp;
    cs.bdc(ex);
    isa::ReduceCmd sum = mx;
    sum.op = isa::ReduceOp::Sum;
    cs.bdc(sum);
    isa::BinaryCmd div = sub;
    div.op = isa::BinaryOp::Div;
    cs.bdc(div);
  }

private:
  uint64_t bytes(Shape4 s) const {
    return isa::localBytesPerLane(t_, s, dt_, isa::LocalLayout::AlignEU);
  }
  const isa::TargetInfo &t_;
  Shape4 full_;
  Strides4 gs_;
  isa::DType dt_;
  uint64_t in_, out_;
};

llvm::Expected<std::unique_ptr<LocalOp>> localSoftmax(const Node &n,
                                                      LowerContext &ctx) {
  auto sd = softmaxDims(n);
  if (!sd)
    return sd.takeError();
  return std::make_unique<SoftmaxOp>(ctx.target(), *sd, n, ctx);
}

//===-- layer normalization -----------------------------------------------===//

llvm::Error checkLayerNorm(const Node &n, const isa::TargetInfo &) {
  if (llvm::Error e = checkF32(n))
    return e;
  for (unsigned i = 1; i < n.numInputs(); ++i)
    if (n.input(i) && !n.input(i)->constantValue())
      return nodeError(n, "scale and bias must be constant");
  int64_t r = int64_t(n.input(0)->shape().rank());
  int64_t ax = n.getInt("axis");
  if (ax < 0)
    ax += r;
  if (ax < 0 || ax >= r)
    return nodeError(n, "axis out of range");
  return llvm::Error::success();
}

/// LayerNorm on the local view (1, outer, len, 1): statistics reduce over
/// H; scale and bias are lane-replicated rows indexed by H. Buffers x, y,
/// mean m, variance v, scale row g, bias row b; the result is in y, or in x
/// after the bias step. Serial tiles over C.
class LayerNormOp final : public LocalOp {
public:
  enum Buf : unsigned { kX, kY, kM, kV, kG, kB };
  LayerNormOp(const isa::TargetInfo &t, uint64_t outer, uint64_t len,
              const Node &n, LowerContext &ctx)
      : t_(t), len_(uint32_t(len)) {
    full_ = {1, uint32_t(outer), uint32_t(len), 1};
    gs_ = denseStrides(full_);
    dt_ = ctx.storageDType(n.output(0));
    in_ = ctx.addressOf(n.input(0));
    out_ = ctx.addressOf(n.output(0));
    gAddr_ = ctx.addressOf(n.input(1));
    const Value *bias = n.numInputs() > 2 ? n.input(2) : nullptr;
    hasBias_ = bias != nullptr;
    bAddr_ = bias ? ctx.addressOf(bias) : 0;
    eps_ = n.getFloat("epsilon");
  }

  TileSpace space() const override {
    TileSpace s;
    s.full = full_;
    s.cQuantum = t_.npuNum;
    s.tooLarge = "the normalized extent does not fit local memory";
    return s;
  }

  std::vector<LocalBuffer> localBufferBytes(Shape4 s) const override {
    uint64_t x = bytes(s), r = bytes({1, s.c, 1, 1});
    uint64_t row = uint64_t(len_) * isa::dtypeBytes(dt_);
    return {{x, true, hasBias_, false}, {x, false, !hasBias_, false},
            {r, false, false, false},   {r, false, false, false},
            {row, true, false, false},  {row, hasBias_, false, false}};
  }

  isa::GdmaMoveCmd transfer(const Tile &tl, unsigned buf, bool store,
                            uint32_t laddr) const override {
    uint64_t off = isa::dtypeBytes(dt_) * uint64_t(tl.c0) * uint64_t(gs_.c);
    uint32_t lanes = std::min(tl.shape.c, t_.npuNum);
    if (store)
      return isa::makeStore(t_, tl.shape, dt_, laddr, out_ + off, gs_);
    if (buf == kX)
      return isa::makeLoad(t_, tl.shape, dt_, in_ + off, gs_, laddr);
    return isa::makeReplicate(t_, lanes, len_, dt_,
                              buf == kG ? gAddr_ : bAddr_, laddr);
  }

  void emitLocal(const Tile &tl, llvm::ArrayRef<uint32_t> a,
                 CmdStream &cs) const override {
    Shape4 ts = tl.shape, rs{1, ts.c, 1, 1};
    isa::DType dt = dt_;
    auto X = isa::localOperand(t_, a[kX], ts, dt);
    auto Y = isa::localOperand(t_, a[kY], ts, dt);
    auto M = isa::localOperand(t_, a[kM], rs, dt);
    auto V = isa::localOperand(t_, a[kV], rs, dt);
    auto bcast = [](isa::LocalOperand o) {
      o.stride.h = 0;
      return o;
    };
    auto row = [&](uint32_t addr) {
      isa::LocalOperand o;
      o.addr = addr;
      o.dtype = dt;
      o.stride = {0, 0, 1, 0};
      return o;
    };
    auto reduce = [&](isa::LocalOperand src, isa::LocalOperand dst) {
      isa::ReduceCmd r;
      r.inShape = ts;
      r.in = src;
      r.out = dst;
      r.op = isa::ReduceOp::Mean;
      r.axisMask = isa::kAxisH;
      cs.bdc(r);
    };
    auto binary = [&](Shape4 sh, isa::LocalOperand o, isa::LocalOperand x,
                      isa::LocalOperand y, isa::BinaryOp op, bool yScalar,
                      double scalar) {
      isa::BinaryCmd c;
      c.shape = sh;
      c.out = o;
      c.a = x;
      c.b = y;
      c.op = op;
      c.bIsScalar = yScalar;
      c.scalar = scalar;
      cs.bdc(c);
    };
    reduce(X, M);                                             // mean
    binary(ts, Y, X, bcast(M), isa::BinaryOp::Sub, false, 0); // x - mean
    binary(ts, X, Y, Y, isa::BinaryOp::Mul, false, 0);        // squares
    reduce(X, V);                                             // variance
    binary(rs, M, V, V, isa::BinaryOp::Add, true, eps_);
    isa::UnaryCmd rsq;
    rsq.shape = rs;
    rsq.out = V;
    rsq.in = M;
    rsq.op = isa::UnaryOp::Rsqrt;
    cs.bdc(rsq);
    binary(ts, X, Y, bcast(V), isa::BinaryOp::Mul, false, 0);
    binary(ts, Y, X, row(a[kG]), isa::BinaryOp::Mul, false, 0);
    if (hasBias_)
      binary(ts, X, Y, row(a[kB]), isa::BinaryOp::Add, false, 0);
  }

private:
  uint64_t bytes(Shape4 s) const {
    return isa::localBytesPerLane(t_, s, dt_, isa::LocalLayout::AlignEU);
  }
  const isa::TargetInfo &t_;
  uint32_t len_;
  Shape4 full_;
  Strides4 gs_;
  isa::DType dt_;
  uint64_t in_, out_, gAddr_, bAddr_;
  bool hasBias_;
  double eps_;
};

llvm::Expected<std::unique_ptr<LocalOp>> localLayerNorm(const Node &n,
                                                        LowerContext &ctx) {
  std::vector<int64_t> d = dimsOf(n.input(0));
  int64_t ax = n.getInt("axis");
  if (ax < 0)
    ax += int64_t(d.size());
  uint64_t outer = 1, len = 1;
  for (size_t i = 0; i < d.size(); ++i)
    (int64_t(i) < ax ? outer : len) *= uint64_t(d[i]);
  if (outer > UINT32_MAX || len > UINT32_MAX)
    return nodeError(n, "tensor too large");
  return std::make_unique<LayerNormOp>(ctx.target(), outer, len, n, ctx);
}

} // namespace

void backend::registerNnNormRows(LoweringTable &t) {
  t.push_back({OpKind::LayerNormalization, checkLayerNorm, localLayerNorm,
               nullptr});
  t.push_back({OpKind::Softmax, checkSoftmax, localSoftmax, nullptr});
}
