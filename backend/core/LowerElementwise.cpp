//===- LowerElementwise.cpp - unary, binary, batchnorm, reduction rows ----===//
//
// Element-wise ops run as one "tile program": load every tensor operand of
// the tile (broadcast operands through zero global strides, so the BDC sees
// equal shapes), run one or more BDC steps between local buffers, store the
// last buffer. The 4-D view of the output merges axes with the same
// broadcast pattern; without broadcasting the tensor is viewed as
// (1, npuNum, H, W) so all lanes work.
//
//===----------------------------------------------------------------------===//

#include "backend/core/OpHooks.h"

#include "backend/core/Builders.h"
#include "backend/core/EwView.h"

#include "llvm/Support/FormatVariadic.h"

#include <cfloat>

using namespace onntc;
using namespace onntc::backend;
using isa::Shape4;
using isa::Strides4;

namespace {

/// Largest divisor of v that is <= cap (>= 1).
uint32_t largestDivisorAtMost(uint64_t v, uint64_t cap) {
  for (uint64_t d = std::min(v, cap); d > 1; --d)
    if (v % d == 0)
      return uint32_t(d);
  return 1;
}

} // namespace

std::optional<EwView>
backend::makeEwView(const isa::TargetInfo &t, llvm::ArrayRef<int64_t> out,
                    llvm::ArrayRef<std::vector<int64_t>> ins) {
  size_t r = out.size();
  std::vector<std::vector<int64_t>> padded;
  for (const auto &d : ins) {
    if (d.size() > r)
      return std::nullopt;
    std::vector<int64_t> p(r - d.size(), 1);
    p.insert(p.end(), d.begin(), d.end());
    for (size_t i = 0; i < r; ++i)
      if (p[i] != out[i] && p[i] != 1)
        return std::nullopt;
    padded.push_back(std::move(p));
  }
  // Merge axes with equal broadcast masks.
  struct Group {
    uint64_t len;
    uint32_t mask;
  };
  std::vector<Group> groups;
  for (size_t i = 0; i < r; ++i) {
    if (out[i] == 1)
      continue;
    uint32_t mask = 0;
    for (size_t k = 0; k < padded.size(); ++k)
      if (padded[k][i] == 1)
        mask |= 1u << k;
    if (!groups.empty() && groups.back().mask == mask)
      groups.back().len *= uint64_t(out[i]);
    else
      groups.push_back({uint64_t(out[i]), mask});
  }
  if (groups.empty())
    groups.push_back({1, 0});
  for (const Group &g : groups)
    if (g.len > UINT32_MAX)
      return std::nullopt;
  EwView v;
  std::vector<uint32_t> dimMask(4, 0);
  if (groups.size() == 1 && groups[0].mask == 0) {
    uint64_t e = groups[0].len;
    uint32_t c = largestDivisorAtMost(e, t.npuNum);
    uint64_t rest = e / c;
    uint32_t w = largestDivisorAtMost(rest, 2048);
    if (w < 16 && rest <= UINT32_MAX)
      w = uint32_t(rest); // awkward (prime) extents: W tiling handles them
    v.shape = {1, c, uint32_t(rest / w), w};
  } else {
    if (groups.size() > 4)
      return std::nullopt;
    std::vector<size_t> slots;
    switch (groups.size()) {
    case 1:
      slots = {3};
      break;
    case 2:
      slots = {1, 3};
      break;
    case 3:
      slots = {0, 1, 3};
      break;
    default:
      slots = {0, 1, 2, 3};
      break;
    }
    uint32_t dims[4] = {1, 1, 1, 1};
    for (size_t gi = 0; gi < groups.size(); ++gi) {
      dims[slots[gi]] = uint32_t(groups[gi].len);
      dimMask[slots[gi]] = groups[gi].mask;
    }
    // A long W with H = 1 is split so tiles can slice H.
    if (dims[2] == 1 && dims[3] > 2048) {
      uint32_t w = largestDivisorAtMost(dims[3], 2048);
      if (w >= 16) {
        dims[2] = dims[3] / w;
        dims[3] = w;
        dimMask[2] = dimMask[3];
      }
    }
    v.shape = {dims[0], dims[1], dims[2], dims[3]};
  }
  uint32_t ext[4] = {v.shape.n, v.shape.c, v.shape.h, v.shape.w};
  for (size_t k = 0; k <= padded.size(); ++k) {
    int64_t st[4];
    int64_t acc = 1;
    for (int d = 3; d >= 0; --d) {
      bool bcast = k < padded.size() && (dimMask[d] >> k & 1u);
      st[d] = bcast ? 0 : acc;
      if (!bcast)
        acc *= ext[d];
    }
    v.strides.push_back({st[0], st[1], st[2], st[3]});
  }
  return v;
}

namespace {

/// One BDC step of a tile program. Buffers 0..loads-1 hold the loaded
/// operands; step i writes buffer loads + i.
struct EwStep {
  bool binary = false;
  isa::BinaryOp bop = isa::BinaryOp::Add;
  isa::UnaryOp uop = isa::UnaryOp::Relu;
  int a = 0, b = 0; ///< Buffer indices; -1 = the scalar.
  double scalar = 0, alpha = 0, beta = 0;
};

struct EwProgram {
  std::vector<uint64_t> loadAddr;
  std::vector<std::vector<int64_t>> loadDims;
  std::vector<EwStep> steps;
};

/// A tile program as a local op over the 4-D view: buffers 0..loads-1 are
/// the loaded operands, then one buffer per step; the last is stored.
class EwOp final : public LocalOp {
public:
  EwOp(const isa::TargetInfo &t, EwProgram p, EwView v, uint64_t outAddr,
       isa::DType dt)
      : t_(t), p_(std::move(p)), v_(std::move(v)), outAddr_(outAddr), dt_(dt) {
  }

  TileSpace space() const override {
    TileSpace s;
    s.full = v_.shape;
    s.cQuantum = t_.npuNum;
    s.splitH = s.splitW = true;
    s.overlap = true;
    s.tooLarge = "no tile of the operands fits local memory";
    return s;
  }

  std::vector<LocalBuffer> localBufferBytes(Shape4 s) const override {
    size_t loads = p_.loadAddr.size(), nbuf = loads + p_.steps.size();
    uint64_t one =
        isa::localBytesPerLane(t_, s, dt_, isa::LocalLayout::AlignEU);
    std::vector<LocalBuffer> b(nbuf, LocalBuffer{one, false, false, false});
    for (size_t k = 0; k < loads; ++k)
      b[k].load = true;
    b.back().store = true;
    return b;
  }

  isa::GdmaMoveCmd transfer(const Tile &tl, unsigned buf, bool store,
                            uint32_t laddr) const override {
    const Strides4 &s = store ? v_.strides.back() : v_.strides[buf];
    uint64_t off = uint64_t(isa::dtypeBytes(dt_)) *
                   uint64_t(tl.n0 * s.n + tl.c0 * s.c + tl.h0 * s.h +
                            tl.w0 * s.w);
    if (store)
      return isa::makeStore(t_, tl.shape, dt_, laddr, outAddr_ + off, s);
    return isa::makeLoad(t_, tl.shape, dt_, p_.loadAddr[buf] + off, s, laddr);
  }

  void emitLocal(const Tile &tl, llvm::ArrayRef<uint32_t> a,
                 CmdStream &cs) const override {
    Shape4 ts = tl.shape;
    auto opnd = [&](int i) {
      return isa::localOperand(t_, i < 0 ? a[0] : a[size_t(i)], ts, dt_);
    };
    for (size_t si = 0; si < p_.steps.size(); ++si) {
      const EwStep &st = p_.steps[si];
      int o = int(p_.loadAddr.size() + si);
      if (st.binary) {
        isa::BinaryCmd b;
        b.shape = ts;
        b.out = opnd(o);
        b.a = opnd(st.a);
        b.b = opnd(st.b);
        b.op = st.bop;
        b.aIsScalar = st.a < 0;
        b.bIsScalar = st.b < 0;
        b.scalar = st.scalar;
        cs.bdc(b);
      } else {
        isa::UnaryCmd u;
        u.shape = ts;
        u.out = opnd(o);
        u.in = opnd(st.a);
        u.op = st.uop;
        u.alpha = st.alpha;
        u.beta = st.beta;
        cs.bdc(u);
      }
    }
  }

private:
  const isa::TargetInfo &t_;
  EwProgram p_;
  EwView v_;
  uint64_t outAddr_;
  isa::DType dt_;
};

llvm::Expected<std::unique_ptr<LocalOp>>
programOp(const Node &n, LowerContext &ctx, EwProgram p, const Value *out) {
  const isa::TargetInfo &t = ctx.target();
  auto view = makeEwView(t, dimsOf(out), p.loadDims);
  if (!view)
    return nodeError(n, "operand shapes do not map onto a 4-D broadcast view");
  return std::make_unique<EwOp>(t, std::move(p), std::move(*view),
                                ctx.addressOf(out), ctx.storageDType(out));
}

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
  for (const Value *v : n.inputs()) {
    if (!v || v->dtype() == DType::F32)
      continue;
    const Tensor *c = v->constantValue();
    if (!c)
      return nodeError(n, "only f32 inputs are supported");
    // Integer constants are placed in their own type (the INT8 rows read
    // them so); the f32 tile programs take them only as scalars.
    bool ownType = c->dtype() == DType::I8 || c->dtype() == DType::U8 ||
                   c->dtype() == DType::I16 || c->dtype() == DType::I32;
    if (ownType && c->numElements() != 1)
      return nodeError(n, "an integer constant operand must be a scalar");
  }
  return llvm::Error::success();
}

//===-- unary -------------------------------------------------------------===//

struct UnaryRow {
  OpKind kind;
  isa::UnaryOp op;
};
const UnaryRow kUnary[] = {
    {OpKind::Relu, isa::UnaryOp::Relu},
    {OpKind::LeakyRelu, isa::UnaryOp::LeakyRelu},
    {OpKind::Sigmoid, isa::UnaryOp::Sigmoid},
    {OpKind::Tanh, isa::UnaryOp::Tanh},
    {OpKind::Exp, isa::UnaryOp::Exp},
    {OpKind::Log, isa::UnaryOp::Log},
    {OpKind::Sqrt, isa::UnaryOp::Sqrt},
    {OpKind::Reciprocal, isa::UnaryOp::Reciprocal},
    {OpKind::Abs, isa::UnaryOp::Abs},
    {OpKind::Neg, isa::UnaryOp::Neg},
    {OpKind::Erf, isa::UnaryOp::Erf},
    {OpKind::Gelu, isa::UnaryOp::Gelu},
    {OpKind::HardSigmoid, isa::UnaryOp::HardSigmoid},
    {OpKind::HardSwish, isa::UnaryOp::HardSwish},
    {OpKind::Clip, isa::UnaryOp::Clip},
    {OpKind::Softplus, isa::UnaryOp::Softplus},
    {OpKind::Elu, isa::UnaryOp::Elu},
    {OpKind::Mish, isa::UnaryOp::Mish},
    {OpKind::Floor, isa::UnaryOp::Floor},
    {OpKind::Ceil, isa::UnaryOp::Ceil},
    {OpKind::Round, isa::UnaryOp::Round},
    {OpKind::Sin, isa::UnaryOp::Sin},
    {OpKind::Cos, isa::UnaryOp::Cos},
    {OpKind::Sign, isa::UnaryOp::Sign},
};

const UnaryRow *findUnary(OpKind k) {
  for (const UnaryRow &r : kUnary)
    if (r.kind == k)
      return &r;
  return nullptr;
}

llvm::Error checkUnary(const Node &n, const isa::TargetInfo &) {
  if (llvm::Error e = checkF32(n))
    return e;
  if (n.kind() == OpKind::Gelu && n.getString("approximate") != "none")
    return nodeError(n, "Gelu approximate='" + n.getString("approximate") +
                            "' is not supported (only the erf form)");
  if (n.kind() == OpKind::Clip)
    for (unsigned i = 1; i < n.numInputs(); ++i)
      if (n.input(i) && (!n.input(i)->constantValue() ||
                         n.input(i)->constantValue()->numElements() != 1))
        return nodeError(n, "Clip bounds must be constant scalars");
  return llvm::Error::success();
}

llvm::Expected<std::unique_ptr<LocalOp>> localUnary(const Node &n,
                                                    LowerContext &ctx) {
  const UnaryRow *row = findUnary(n.kind());
  EwProgram p;
  p.loadAddr.push_back(ctx.addressOf(n.input(0)));
  p.loadDims.push_back(dimsOf(n.input(0)));
  EwStep s;
  s.uop = row->op;
  s.a = 0;
  switch (n.kind()) {
  case OpKind::LeakyRelu:
  case OpKind::Elu:
    s.alpha = n.getFloat("alpha");
    break;
  case OpKind::HardSigmoid:
    s.alpha = n.getFloat("alpha");
    s.beta = n.getFloat("beta");
    break;
  case OpKind::Clip: {
    s.alpha = -double(FLT_MAX);
    s.beta = double(FLT_MAX);
    if (n.input(1))
      s.alpha = n.input(1)->constantValue()->getDouble(0);
    if (n.input(2))
      s.beta = n.input(2)->constantValue()->getDouble(0);
    break;
  }
  default:
    break;
  }
  p.steps.push_back(s);
  return programOp(n, ctx, std::move(p), n.output(0));
}

//===-- binary ------------------------------------------------------------===//

struct BinaryRow {
  OpKind kind;
  isa::BinaryOp op;
};
const BinaryRow kBinary[] = {
    {OpKind::Add, isa::BinaryOp::Add}, {OpKind::Sub, isa::BinaryOp::Sub},
    {OpKind::Mul, isa::BinaryOp::Mul}, {OpKind::Div, isa::BinaryOp::Div},
    {OpKind::Pow, isa::BinaryOp::Pow}, {OpKind::PRelu, isa::BinaryOp::PRelu},
    {OpKind::Max, isa::BinaryOp::Max}, {OpKind::Min, isa::BinaryOp::Min},
    {OpKind::Sum, isa::BinaryOp::Add},
};

llvm::Error checkBinary(const Node &n, const isa::TargetInfo &t) {
  if (llvm::Error e = checkF32(n))
    return e;
  if (n.numInputs() != 2)
    return nodeError(n, llvm::formatv("{0} inputs; the backend lowers the "
                                      "two-input form only",
                                      n.numInputs()));
  std::vector<std::vector<int64_t>> dims;
  for (const Value *v : n.inputs()) {
    const Tensor *c = v->constantValue();
    if (!(c && c->numElements() == 1))
      dims.push_back(dimsOf(v));
  }
  if (dims.empty())
    return nodeError(n, "both operands are constant scalars (fold it first)");
  if (!makeEwView(t, dimsOf(n.output(0)), dims))
    return nodeError(n, "broadcast pattern needs more than 4 dimensions");
  return llvm::Error::success();
}

llvm::Expected<std::unique_ptr<LocalOp>> localBinary(const Node &n,
                                                     LowerContext &ctx) {
  EwProgram p;
  EwStep s;
  s.binary = true;
  for (const BinaryRow &r : kBinary)
    if (r.kind == n.kind())
      s.bop = r.op;
  int idx[2];
  for (unsigned i = 0; i < 2; ++i) {
    const Value *v = n.input(i);
    const Tensor *c = ctx.constant(v);
    if (c && c->numElements() == 1) {
      idx[i] = -1;
      s.scalar = c->getDouble(0);
      continue;
    }
    idx[i] = int(p.loadAddr.size());
    p.loadAddr.push_back(ctx.addressOf(v));
    p.loadDims.push_back(dimsOf(v));
  }
  s.a = idx[0];
  s.b = idx[1];
  p.steps.push_back(s);
  return programOp(n, ctx, std::move(p), n.output(0));
}

//===-- batch normalization -----------------------------------------------===//

llvm::Error checkBatchNorm(const Node &n, const isa::TargetInfo &) {
  if (llvm::Error e = checkF32(n))
    return e;
  for (unsigned i = 1; i < 5; ++i)
    if (!n.input(i)->constantValue())
      return nodeError(n, "BatchNormalization parameters must be constant");
  if (n.input(0)->shape().rank() < 2)
    return nodeError(n, "BatchNormalization input needs a channel axis");
  return llvm::Error::success();
}

llvm::Expected<std::unique_ptr<LocalOp>> localBatchNorm(const Node &n,
                                                        LowerContext &ctx) {
  // y = x * a + b with a = scale / sqrt(var + eps), b = B - mean * a.
  std::vector<int64_t> xd = dimsOf(n.input(0));
  int64_t c = xd[1];
  std::vector<int64_t> pd(xd.size(), 1);
  pd[1] = c;
  Tensor a(DType::F32, Shape(llvm::ArrayRef<int64_t>(pd)));
  Tensor b(DType::F32, Shape(llvm::ArrayRef<int64_t>(pd)));
  const Tensor *sc = n.input(1)->constantValue(),
               *bi = n.input(2)->constantValue(),
               *mean = n.input(3)->constantValue(),
               *var = n.input(4)->constantValue();
  double eps = n.getFloat("epsilon");
  for (int64_t i = 0; i < c; ++i) {
    float av = float(sc->getDouble(i) / std::sqrt(var->getDouble(i) + eps));
    a.data<float>()[i] = av;
    b.data<float>()[i] = float(bi->getDouble(i) - mean->getDouble(i) * av);
  }
  EwProgram p;
  p.loadAddr = {ctx.addressOf(n.input(0)),
                ctx.addCoeff(a, n.name() + ".bn_scale"),
                ctx.addCoeff(b, n.name() + ".bn_bias")};
  p.loadDims = {xd, pd, pd};
  EwStep mul;
  mul.binary = true;
  mul.bop = isa::BinaryOp::Mul;
  mul.a = 0;
  mul.b = 1;
  EwStep add;
  add.binary = true;
  add.bop = isa::BinaryOp::Add;
  add.a = 3;
  add.b = 2;
  p.steps = {mul, add};
  return programOp(n, ctx, std::move(p), n.output(0));
}

//===-- reductions over a contiguous range of axes ------------------------===//

/// A tensor seen as (outer, axis, inner) around a range of axes.
struct OuterAxisInner {
  uint64_t outer = 1, axis = 1, inner = 1;
};

struct ReduceRow {
  OpKind kind;
  isa::ReduceOp op;
};
const ReduceRow kReduce[] = {
    {OpKind::ReduceMean, isa::ReduceOp::Mean},
    {OpKind::ReduceSum, isa::ReduceOp::Sum},
    {OpKind::ReduceMax, isa::ReduceOp::Max},
    {OpKind::ReduceMin, isa::ReduceOp::Min},
    {OpKind::ReduceProd, isa::ReduceOp::Prod},
    {OpKind::ReduceSumSquare, isa::ReduceOp::SumSquare},
};

/// The tensor as (outer, reduced, inner); None when the reduced axes are
/// not one contiguous range (unit axes ignored).
std::optional<OuterAxisInner> reduceDims(const Node &n) {
  std::vector<int64_t> d = dimsOf(n.input(0));
  int64_t r = int64_t(d.size());
  std::vector<bool> red(d.size(), false);
  auto axes = n.getInts("axes");
  if (axes.empty()) {
    if (n.getInt("noop_with_empty_axes") != 0)
      return std::nullopt;
    red.assign(d.size(), true);
  }
  for (int64_t a : axes) {
    int64_t x = a < 0 ? a + r : a;
    if (x < 0 || x >= r)
      return std::nullopt;
    red[size_t(x)] = true;
  }
  int64_t first = -1, last = -1;
  for (int64_t i = 0; i < r; ++i)
    if (red[size_t(i)] && d[size_t(i)] != 1) {
      if (first < 0)
        first = i;
      last = i;
    }
  OuterAxisInner s;
  if (first < 0) {
    for (int64_t v : d)
      s.outer *= uint64_t(v);
    return s;
  }
  for (int64_t i = 0; i < r; ++i) {
    if (i < first)
      s.outer *= uint64_t(d[size_t(i)]);
    else if (i > last)
      s.inner *= uint64_t(d[size_t(i)]);
    else if (!red[size_t(i)] && d[size_t(i)] != 1)
      return std::nullopt;
    else
      s.axis *= uint64_t(d[size_t(i)]);
  }
  if (s.outer > UINT32_MAX || s.axis > UINT32_MAX || s.inner > UINT32_MAX)
    return std::nullopt;
  return s;
}

llvm::Error checkReduce(const Node &n, const isa::TargetInfo &) {
  if (llvm::Error e = checkF32(n))
    return e;
  if (!reduceDims(n))
    return nodeError(n, "only reductions over one contiguous range of axes "
                        "are supported");
  return llvm::Error::success();
}

/// A reduction over H of the local view (1, outer, reduced, inner).
class ReduceOpLocal final : public LocalOp {
public:
  enum Buf : unsigned { kX, kR };
  ReduceOpLocal(const isa::TargetInfo &t, OuterAxisInner sd, isa::ReduceOp op,
                const Node &n, LowerContext &ctx)
      : t_(t), op_(op) {
    full_ = {1, uint32_t(sd.outer), uint32_t(sd.axis), uint32_t(sd.inner)};
    gs_ = denseStrides(full_);
    os_ = {0, int64_t(sd.inner), 0, 1};
    dt_ = ctx.storageDType(n.output(0));
    in_ = ctx.addressOf(n.input(0));
    out_ = ctx.addressOf(n.output(0));
  }

  TileSpace space() const override {
    TileSpace s;
    s.full = full_;
    s.cQuantum = t_.npuNum;
    s.splitW = true;
    s.tooLarge = "the reduced extent does not fit local memory";
    return s;
  }

  std::vector<LocalBuffer> localBufferBytes(Shape4 s) const override {
    return {{bytes(s), true, false, false},
            {bytes({s.n, s.c, 1, s.w}), false, true, false}};
  }

  isa::GdmaMoveCmd transfer(const Tile &tl, unsigned, bool store,
                            uint32_t laddr) const override {
    uint64_t es = isa::dtypeBytes(dt_);
    if (store)
      return isa::makeStore(
          t_, {1, tl.shape.c, 1, tl.shape.w}, dt_, laddr,
          out_ + es * (uint64_t(tl.c0) * uint64_t(os_.c) + tl.w0), os_);
    return isa::makeLoad(t_, tl.shape, dt_,
                         in_ + es * (uint64_t(tl.c0) * uint64_t(gs_.c) + tl.w0),
                         gs_, laddr);
  }

  void emitLocal(const Tile &tl, llvm::ArrayRef<uint32_t> a,
                 CmdStream &cs) const override {
    Shape4 ts = tl.shape, rs{1, ts.c, 1, ts.w};
    isa::ReduceCmd rc;
    rc.inShape = ts;
    rc.in = isa::localOperand(t_, a[kX], ts, dt_);
    rc.out = isa::localOperand(t_, a[kR], rs, dt_);
    rc.op = op_;
    rc.axisMask = isa::kAxisH;
    cs.bdc(rc);
  }

private:
  uint64_t bytes(Shape4 s) const {
    return isa::localBytesPerLane(t_, s, dt_, isa::LocalLayout::AlignEU);
  }
  const isa::TargetInfo &t_;
  isa::ReduceOp op_;
  Shape4 full_;
  Strides4 gs_, os_;
  isa::DType dt_;
  uint64_t in_, out_;
};

llvm::Expected<std::unique_ptr<LocalOp>> localReduce(const Node &n,
                                                     LowerContext &ctx) {
  OuterAxisInner sd = *reduceDims(n);
  isa::ReduceOp op = isa::ReduceOp::Sum;
  for (const ReduceRow &r : kReduce)
    if (r.kind == n.kind())
      op = r.op;
  return std::make_unique<ReduceOpLocal>(ctx.target(), sd, op, n, ctx);
}

} // namespace

void backend::registerElementwiseRows(LoweringTable &t) {
  for (const UnaryRow &r : kUnary)
    t.push_back({r.kind, checkUnary, localUnary, nullptr});
  for (const BinaryRow &r : kBinary)
    t.push_back({r.kind, checkBinary, localBinary, nullptr});
  t.push_back(
      {OpKind::BatchNormalization, checkBatchNorm, localBatchNorm, nullptr});
  for (const ReduceRow &r : kReduce)
    t.push_back({r.kind, checkReduce, localReduce, nullptr});
}
