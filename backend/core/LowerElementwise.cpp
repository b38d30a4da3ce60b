//===- LowerElementwise.cpp - unary, binary, batchnorm, softmax rows ------===//
//
// Element-wise ops run as one "tile program": load every tensor operand of
// the tile (broadcast operands through zero global strides, so the BDC sees
// equal shapes), run one or more BDC steps between local buffers, store the
// last buffer. The 4-D view of the output merges axes with the same
// broadcast pattern; without broadcasting the tensor is viewed as
// (1, npuNum, H, W) so all lanes work.
//
//===----------------------------------------------------------------------===//

#include "backend/core/LowerContext.h"

#include "backend/core/Builders.h"

#include "llvm/Support/FormatVariadic.h"

#include <cfloat>

using namespace onntc;
using namespace onntc::backend;
using isa::Shape4;
using isa::Strides4;

namespace {

/// The 4-D view of an element-wise op: one shape, per-operand strides.
struct EwView {
  Shape4 shape;
  std::vector<Strides4> strides; // one per operand, then the output
};

/// Largest divisor of v that is <= cap (>= 1).
uint32_t largestDivisorAtMost(uint64_t v, uint64_t cap) {
  for (uint64_t d = std::min(v, cap); d > 1; --d)
    if (v % d == 0)
      return uint32_t(d);
  return 1;
}

std::optional<EwView> makeView(const isa::TargetInfo &t,
                               llvm::ArrayRef<int64_t> out,
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

llvm::Error emitProgram(const Node &n, LowerContext &ctx, const EwProgram &p,
                        const Value *out) {
  const isa::TargetInfo &t = ctx.target();
  auto view = makeView(t, dimsOf(out), p.loadDims);
  if (!view)
    return nodeError(n, "operand shapes do not map onto a 4-D broadcast view");
  size_t nbuf = p.loadAddr.size() + p.steps.size();
  // Two buffer sets (load of tile i+1 overlaps compute of tile i) when a
  // tile fits twice; otherwise one set and serial tiles.
  unsigned sets = 2;
  auto bytes = [&](Shape4 s) {
    uint64_t one = isa::localBytesPerLane(t, s, isa::DType::F32,
                                          isa::LocalLayout::AlignEU);
    return localFootprint(std::vector<uint64_t>(nbuf * sets, one));
  };
  auto tile = chooseTile(t, view->shape, t.npuNum, true, true, bytes);
  if (!tile) {
    sets = 1;
    tile = chooseTile(t, view->shape, t.npuNum, true, true, bytes);
  }
  if (!tile)
    return nodeError(n, "no tile of the operands fits local memory");
  uint64_t outAddr = ctx.addressOf(out);
  const Strides4 &os = view->strides.back();
  Shape4 full = view->shape;
  TilePipeline pipe(ctx.stream(), sets == 2);
  forEachSplit(full.n, tile->n, [&](uint32_t n0, uint32_t nn) {
    forEachSplit(full.c, tile->c, [&](uint32_t c0, uint32_t cc) {
      forEachSplit(full.h, tile->h, [&](uint32_t h0, uint32_t hh) {
        forEachSplit(full.w, tile->w, [&](uint32_t w0, uint32_t ww) {
          Shape4 ts{nn, cc, hh, ww};
          ctx.local().reset();
          // Buffers are sized for the full tile so that both sets keep
          // their addresses when the last tiles are smaller.
          uint64_t one = isa::localBytesPerLane(t, *tile, isa::DType::F32,
                                                isa::LocalLayout::AlignEU);
          std::vector<uint32_t> all;
          for (size_t i = 0; i < nbuf * sets; ++i)
            all.push_back(*ctx.local().alloc(one));
          unsigned set = pipe.nextSet();
          std::vector<uint32_t> buf(all.begin() + set * nbuf,
                                    all.begin() + (set + 1) * nbuf);
          auto offs = [&](const Strides4 &s) {
            return uint64_t(4) *
                   uint64_t(n0 * s.n + c0 * s.c + h0 * s.h + w0 * s.w);
          };
          auto loads = [&] {
            for (size_t k = 0; k < p.loadAddr.size(); ++k) {
              const Strides4 &s = view->strides[k];
              ctx.stream().gdma(isa::makeLoad(
                  t, ts, isa::DType::F32, p.loadAddr[k] + offs(s), s, buf[k]));
            }
          };
          auto opnd = [&](int i) {
            return isa::localOperand(t, i < 0 ? buf[0] : buf[size_t(i)], ts,
                                     isa::DType::F32);
          };
          auto compute = [&] {
            for (size_t si = 0; si < p.steps.size(); ++si) {
              const EwStep &st = p.steps[si];
              int o = int(p.loadAddr.size() + si);
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
                ctx.stream().bdc(b);
              } else {
                isa::UnaryCmd u;
                u.shape = ts;
                u.out = opnd(o);
                u.in = opnd(st.a);
                u.op = st.uop;
                u.alpha = st.alpha;
                u.beta = st.beta;
                ctx.stream().bdc(u);
              }
            }
          };
          isa::GdmaMoveCmd store = isa::makeStore(
              t, ts, isa::DType::F32, buf[nbuf - 1], outAddr + offs(os), os);
          CmdStream &cs = ctx.stream();
          pipe.tile(loads, compute, [&cs, store] { cs.gdma(store); });
        });
      });
    });
  });
  pipe.finish();
  return llvm::Error::success();
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
  for (const Value *v : n.inputs())
    if (v && v->dtype() != DType::F32 && !v->constantValue())
      return nodeError(n, "only f32 inputs are supported");
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

llvm::Error lowerUnary(const Node &n, LowerContext &ctx) {
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
  return emitProgram(n, ctx, p, n.output(0));
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
  if (!makeView(t, dimsOf(n.output(0)), dims))
    return nodeError(n, "broadcast pattern needs more than 4 dimensions");
  return llvm::Error::success();
}

llvm::Error lowerBinary(const Node &n, LowerContext &ctx) {
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
  return emitProgram(n, ctx, p, n.output(0));
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

llvm::Error lowerBatchNorm(const Node &n, LowerContext &ctx) {
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
  return emitProgram(n, ctx, p, n.output(0));
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

llvm::Error lowerSoftmax(const Node &n, LowerContext &ctx) {
  const isa::TargetInfo &t = ctx.target();
  auto sd = softmaxDims(n);
  if (!sd)
    return sd.takeError();
  // Local view (1, outer, axis, inner): the reduction runs over H.
  Shape4 full{1, uint32_t(sd->outer), uint32_t(sd->axis), uint32_t(sd->inner)};
  auto bytes = [&](Shape4 s) {
    Shape4 r{s.n, s.c, 1, s.w};
    uint64_t x = isa::localBytesPerLane(t, s, isa::DType::F32,
                                        isa::LocalLayout::AlignEU);
    uint64_t rb = isa::localBytesPerLane(t, r, isa::DType::F32,
                                         isa::LocalLayout::AlignEU);
    return localFootprint({x, x, rb});
  };
  auto tile = chooseTile(t, full, t.npuNum, false, true, bytes);
  if (!tile)
    return nodeError(n, "the softmax axis does not fit local memory");
  uint64_t in = ctx.addressOf(n.input(0)), out = ctx.addressOf(n.output(0));
  Strides4 gs = denseStrides(full);
  forEachSplit(full.c, tile->c, [&](uint32_t c0, uint32_t cc) {
    forEachSplit(full.w, tile->w, [&](uint32_t w0, uint32_t ww) {
      Shape4 ts{1, cc, full.h, ww}, rs{1, cc, 1, ww};
      ctx.local().reset();
      uint64_t xb = isa::localBytesPerLane(t, ts, isa::DType::F32,
                                           isa::LocalLayout::AlignEU);
      uint64_t rb = isa::localBytesPerLane(t, rs, isa::DType::F32,
                                           isa::LocalLayout::AlignEU);
      uint32_t x = *ctx.local().alloc(xb), y = *ctx.local().alloc(xb),
               r = *ctx.local().alloc(rb);
      uint64_t off = 4 * (uint64_t(c0) * gs.c + w0);
      ctx.stream().gdma(isa::makeLoad(t, ts, isa::DType::F32, in + off, gs, x));
      auto X = isa::localOperand(t, x, ts, isa::DType::F32);
      auto Y = isa::localOperand(t, y, ts, isa::DType::F32);
      auto R = isa::localOperand(t, r, rs, isa::DType::F32);
      auto Rb = R;
      Rb.stride.h = 0;
      isa::ReduceCmd mx;
      mx.inShape = ts;
      mx.in = X;
      mx.out = R;
      mx.op = isa::ReduceOp::Max;
      mx.axisMask = isa::kAxisH;
      ctx.stream().bdc(mx);
      isa::BinaryCmd sub;
      sub.shape = ts;
      sub.out = Y;
      sub.a = X;
      sub.b = Rb;
      sub.op = isa::BinaryOp::Sub;
      ctx.stream().bdc(sub);
      isa::UnaryCmd ex;
      ex.shape = ts;
      ex.out = X;
      ex.in = Y;
      ex.op = isa::UnaryOp::Exp;
      ctx.stream().bdc(ex);
      isa::ReduceCmd sum = mx;
      sum.op = isa::ReduceOp::Sum;
      ctx.stream().bdc(sum);
      isa::BinaryCmd div = sub;
      div.op = isa::BinaryOp::Div;
      ctx.stream().bdc(div);
      ctx.stream().gdma(
          isa::makeStore(t, ts, isa::DType::F32, y, out + off, gs));
    });
  });
  return llvm::Error::success();
}

//===-- reductions over a contiguous range of axes ------------------------===//

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
std::optional<SoftmaxDims> reduceDims(const Node &n) {
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
  SoftmaxDims s;
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

llvm::Error lowerReduce(const Node &n, LowerContext &ctx) {
  const isa::TargetInfo &t = ctx.target();
  SoftmaxDims sd = *reduceDims(n);
  isa::ReduceOp op = isa::ReduceOp::Sum;
  for (const ReduceRow &r : kReduce)
    if (r.kind == n.kind())
      op = r.op;
  Shape4 full{1, uint32_t(sd.outer), uint32_t(sd.axis), uint32_t(sd.inner)};
  auto bytes = [&](Shape4 s) {
    return localFootprint(
        {isa::localBytesPerLane(t, s, isa::DType::F32,
                                isa::LocalLayout::AlignEU),
         isa::localBytesPerLane(t, {s.n, s.c, 1, s.w}, isa::DType::F32,
                                isa::LocalLayout::AlignEU)});
  };
  auto tile = chooseTile(t, full, t.npuNum, false, true, bytes);
  if (!tile)
    return nodeError(n, "the reduced extent does not fit local memory");
  uint64_t in = ctx.addressOf(n.input(0)), out = ctx.addressOf(n.output(0));
  Strides4 gs = denseStrides(full);
  Strides4 os{0, int64_t(sd.inner), 0, 1};
  forEachSplit(full.c, tile->c, [&](uint32_t c0, uint32_t cc) {
    forEachSplit(full.w, tile->w, [&](uint32_t w0, uint32_t ww) {
      Shape4 ts{1, cc, full.h, ww}, rs{1, cc, 1, ww};
      ctx.local().reset();
      uint32_t x = *ctx.local().alloc(isa::localBytesPerLane(
          t, ts, isa::DType::F32, isa::LocalLayout::AlignEU));
      uint32_t r = *ctx.local().alloc(isa::localBytesPerLane(
          t, rs, isa::DType::F32, isa::LocalLayout::AlignEU));
      ctx.stream().gdma(isa::makeLoad(
          t, ts, isa::DType::F32, in + 4 * (uint64_t(c0) * gs.c + w0), gs, x));
      isa::ReduceCmd rc;
      rc.inShape = ts;
      rc.in = isa::localOperand(t, x, ts, isa::DType::F32);
      rc.out = isa::localOperand(t, r, rs, isa::DType::F32);
      rc.op = op;
      rc.axisMask = isa::kAxisH;
      ctx.stream().bdc(rc);
      ctx.stream().gdma(isa::makeStore(
          t, rs, isa::DType::F32, r, out + 4 * (uint64_t(c0) * os.c + w0), os));
    });
  });
  return llvm::Error::success();
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

llvm::Error lowerLayerNorm(const Node &n, LowerContext &ctx) {
  const isa::TargetInfo &t = ctx.target();
  std::vector<int64_t> d = dimsOf(n.input(0));
  int64_t ax = n.getInt("axis");
  if (ax < 0)
    ax += int64_t(d.size());
  uint64_t outer = 1, len = 1;
  for (size_t i = 0; i < d.size(); ++i)
    (int64_t(i) < ax ? outer : len) *= uint64_t(d[i]);
  if (outer > UINT32_MAX || len > UINT32_MAX)
    return nodeError(n, "tensor too large");
  // Local view (1, outer, len, 1): statistics reduce over H; scale and bias
  // are lane-replicated rows indexed by H.
  Shape4 full{1, uint32_t(outer), uint32_t(len), 1};
  auto bytes = [&](Shape4 s) {
    uint64_t x = isa::localBytesPerLane(t, s, isa::DType::F32,
                                        isa::LocalLayout::AlignEU);
    uint64_t r = isa::localBytesPerLane(t, {1, s.c, 1, 1}, isa::DType::F32,
                                        isa::LocalLayout::AlignEU);
    return localFootprint({x, x, r, r, len * 4, len * 4});
  };
  auto tile = chooseTile(t, full, t.npuNum, false, false, bytes);
  if (!tile)
    return nodeError(n, "the normalized extent does not fit local memory");
  uint64_t in = ctx.addressOf(n.input(0)), out = ctx.addressOf(n.output(0));
  uint64_t gAddr = ctx.addressOf(n.input(1));
  const Value *bias = n.numInputs() > 2 ? n.input(2) : nullptr;
  uint64_t bAddr = bias ? ctx.addressOf(bias) : 0;
  double eps = n.getFloat("epsilon");
  Strides4 gs = denseStrides(full);
  forEachSplit(full.c, tile->c, [&](uint32_t c0, uint32_t cc) {
    Shape4 ts{1, cc, full.h, 1}, rs{1, cc, 1, 1};
    ctx.local().reset();
    uint64_t xb = isa::localBytesPerLane(t, ts, isa::DType::F32,
                                         isa::LocalLayout::AlignEU);
    uint64_t rb = isa::localBytesPerLane(t, rs, isa::DType::F32,
                                         isa::LocalLayout::AlignEU);
    uint32_t x = *ctx.local().alloc(xb), y = *ctx.local().alloc(xb);
    uint32_t m = *ctx.local().alloc(rb), v = *ctx.local().alloc(rb);
    uint32_t gl = *ctx.local().alloc(len * 4), bl = *ctx.local().alloc(len * 4);
    uint32_t lanes = std::min(cc, t.npuNum);
    ctx.stream().gdma(isa::makeLoad(t, ts, isa::DType::F32,
                                    in + 4 * uint64_t(c0) * gs.c, gs, x));
    ctx.stream().gdma(isa::makeReplicate(t, lanes, uint32_t(len),
                                         isa::DType::F32, gAddr, gl));
    if (bias)
      ctx.stream().gdma(isa::makeReplicate(t, lanes, uint32_t(len),
                                           isa::DType::F32, bAddr, bl));
    auto X = isa::localOperand(t, x, ts, isa::DType::F32);
    auto Y = isa::localOperand(t, y, ts, isa::DType::F32);
    auto M = isa::localOperand(t, m, rs, isa::DType::F32);
    auto V = isa::localOperand(t, v, rs, isa::DType::F32);
    auto bcast = [](isa::LocalOperand o) {
      o.stride.h = 0;
      return o;
    };
    auto row = [&](uint32_t addr) {
      isa::LocalOperand o;
      o.addr = addr;
      o.dtype = isa::DType::F32;
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
      ctx.stream().bdc(r);
    };
    auto binary = [&](Shape4 sh, isa::LocalOperand o, isa::LocalOperand a,
                      isa::LocalOperand b, isa::BinaryOp op, bool bScalar,
                      double scalar) {
      isa::BinaryCmd c;
      c.shape = sh;
      c.out = o;
      c.a = a;
      c.b = b;
      c.op = op;
      c.bIsScalar = bScalar;
      c.scalar = scalar;
      ctx.stream().bdc(c);
    };
    reduce(X, M);                                             // mean
    binary(ts, Y, X, bcast(M), isa::BinaryOp::Sub, false, 0); // x - mean
    binary(ts, X, Y, Y, isa::BinaryOp::Mul, false, 0);        // squares
    reduce(X, V);                                             // variance
    binary(rs, M, V, V, isa::BinaryOp::Add, true, eps);
    isa::UnaryCmd rsq;
    rsq.shape = rs;
    rsq.out = V;
    rsq.in = M;
    rsq.op = isa::UnaryOp::Rsqrt;
    ctx.stream().bdc(rsq);
    binary(ts, X, Y, bcast(V), isa::BinaryOp::Mul, false, 0);
    binary(ts, Y, X, row(gl), isa::BinaryOp::Mul, false, 0);
    uint32_t res = y;
    if (bias) {
      binary(ts, X, Y, row(bl), isa::BinaryOp::Add, false, 0);
      res = x;
    }
    ctx.stream().gdma(isa::makeStore(t, ts, isa::DType::F32, res,
                                     out + 4 * uint64_t(c0) * gs.c, gs));
  });
  return llvm::Error::success();
}

std::vector<LoweringRow> buildRows() {
  std::vector<LoweringRow> rows;
  for (const UnaryRow &r : kUnary)
    rows.push_back({r.kind, checkUnary, lowerUnary});
  for (const BinaryRow &r : kBinary)
    rows.push_back({r.kind, checkBinary, lowerBinary});
  rows.push_back({OpKind::BatchNormalization, checkBatchNorm, lowerBatchNorm});
  rows.push_back({OpKind::Softmax, checkSoftmax, lowerSoftmax});
  rows.push_back({OpKind::LayerNormalization, checkLayerNorm, lowerLayerNorm});
  for (const ReduceRow &r : kReduce)
    rows.push_back({r.kind, checkReduce, lowerReduce});
  return rows;
}

} // namespace

llvm::ArrayRef<LoweringRow> backend::elementwiseRows() {
  static const std::vector<LoweringRow> rows = buildRows();
  return rows;
}
