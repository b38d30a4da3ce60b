//===- CostModel.cpp - cycles of one command
//-------------------------------===//
#include "isa/CostModel.h"

#include <algorithm>

namespace onntc {
namespace isa {

unsigned unaryOpFactor(UnaryOp op) {
  switch (op) {
  case UnaryOp::Relu:
  case UnaryOp::LeakyRelu:
  case UnaryOp::Abs:
  case UnaryOp::Neg:
  case UnaryOp::Square:
  case UnaryOp::Clip:
  case UnaryOp::HardSigmoid:
  case UnaryOp::Floor:
  case UnaryOp::Ceil:
  case UnaryOp::Round:
  case UnaryOp::Sign:
    return 1;
  case UnaryOp::HardSwish:
    return 2;
  case UnaryOp::Sqrt:
  case UnaryOp::Rsqrt:
  case UnaryOp::Reciprocal:
    return 4;
  case UnaryOp::Sigmoid:
  case UnaryOp::Tanh:
  case UnaryOp::Exp:
  case UnaryOp::Log:
  case UnaryOp::Erf:
  case UnaryOp::Silu:
  case UnaryOp::Softplus:
  case UnaryOp::Elu:
  case UnaryOp::Sin:
  case UnaryOp::Cos:
    return 8;
  case UnaryOp::Gelu:
  case UnaryOp::Mish:
    return 12;
  }
  return 1;
}

unsigned binaryOpFactor(BinaryOp op) {
  switch (op) {
  case BinaryOp::Div:
    return 4;
  case BinaryOp::Pow:
    return 16;
  case BinaryOp::SquaredDiff:
  case BinaryOp::PRelu:
    return 2;
  case BinaryOp::Add:
  case BinaryOp::Sub:
  case BinaryOp::Mul:
  case BinaryOp::Max:
  case BinaryOp::Min:
  case BinaryOp::Eq:
  case BinaryOp::Ne:
  case BinaryOp::Lt:
  case BinaryOp::Le:
  case BinaryOp::Gt:
  case BinaryOp::Ge:
  case BinaryOp::And:
  case BinaryOp::Or:
    return 1;
  }
  return 1;
}

namespace {

/// Cycles of a lane-wise element pass over `s` whose channels start on the
/// lane of `outAddr`, at the EU width of the widest dtype.
uint64_t elementPass(const TargetInfo &t, Shape4 s, uint32_t outAddr,
                     unsigned widestBytes) {
  unsigned eu = std::max(1u, t.euBytes / widestBytes);
  uint64_t groups = channelGroups(t, s.c, localLane(t, outAddr) % t.npuNum);
  return uint64_t(s.n) * groups * ceilDiv(uint64_t(s.h) * s.w, eu);
}

unsigned widest(std::initializer_list<DType> ts) {
  unsigned b = 1;
  for (DType d : ts)
    b = std::max(b, dtypeBytes(d));
  return b;
}

/// Number of contiguous element runs of a global side, and their length.
void globalRuns(Shape4 s, Strides4 st, uint64_t &runLen, uint64_t &runs) {
  uint64_t total = s.numElements();
  runLen = 1;
  if (st.w == 1 || s.w == 1) {
    runLen = s.w;
    if (st.h == int64_t(runLen) || s.h == 1) {
      runLen *= s.h;
      if (st.c == int64_t(runLen) || s.c == 1) {
        runLen *= s.c;
        if (st.n == int64_t(runLen) || s.n == 1)
          runLen *= s.n;
      }
    }
  }
  runLen = std::max<uint64_t>(runLen, 1);
  runs = total ? total / runLen : 0;
}

uint64_t sideBytes(const TargetInfo &t, const GdmaTensor &g, Shape4 s,
                   unsigned eb) {
  if (g.space == MemSpace::Local)
    return s.numElements() * eb;
  uint64_t runLen, runs;
  globalRuns(s, g.stride, runLen, runs);
  return runs * alignUp(runLen * eb, t.dmaBurstBytes);
}

CommandCost gdmaCost(const TargetInfo &t, Shape4 s, DType dt,
                     const GdmaTensor *src, const GdmaTensor &dst) {
  CommandCost c;
  unsigned eb = dtypeBytes(dt);
  bool srcGlobal = src && src->space == MemSpace::Global;
  bool dstGlobal = dst.space == MemSpace::Global;
  double bw;
  if (!src)
    bw = dstGlobal ? t.dmaGlobalGlobalBytesPerCycle
                   : t.dmaLocalLocalBytesPerCycle;
  else if (srcGlobal && dstGlobal)
    bw = t.dmaGlobalGlobalBytesPerCycle;
  else if (!srcGlobal && !dstGlobal)
    bw = t.dmaLocalLocalBytesPerCycle;
  else
    bw = t.dmaGlobalLocalBytesPerCycle;
  uint64_t bytes = sideBytes(t, dst, s, eb);
  if (src)
    bytes = std::max(bytes, sideBytes(t, *src, s, eb));
  c.globalBytes = (srcGlobal ? s.numElements() * eb : 0) +
                  (dstGlobal ? s.numElements() * eb : 0);
  c.cycles = t.dmaLatencyCycles + uint64_t(double(bytes) / bw + 0.999999);
  return c;
}

struct CostVisitor {
  const TargetInfo &t;

  CommandCost operator()(const ConvCmd &c) const {
    CommandCost r;
    unsigned eu = t.euNum(c.inType);
    uint64_t icg = c.groups ? c.in.c / c.groups : 0;
    uint64_t groups =
        channelGroups(t, c.oc, localLane(t, c.outAddr) % t.npuNum);
    uint64_t kernel = icg * c.kh * c.kw;
    r.cycles = t.bdcOverheadCycles +
               groups * c.in.n * ceilDiv(uint64_t(c.oh) * c.ow, eu) * kernel;
    r.macs = uint64_t(c.in.n) * c.oc * c.oh * c.ow * kernel;
    return r;
  }
  CommandCost operator()(const MatMulCmd &c) const {
    CommandCost r;
    unsigned eu = t.euNum(c.lType);
    uint64_t groups = channelGroups(t, c.m, localLane(t, c.outAddr) % t.npuNum);
    r.cycles = t.bdcOverheadCycles + groups * ceilDiv(c.n, eu) * c.k;
    r.macs = uint64_t(c.m) * c.n * c.k;
    return r;
  }
  CommandCost operator()(const PoolCmd &c) const {
    CommandCost r;
    Shape4 out{c.in.n, c.in.c, c.oh, c.ow};
    r.cycles =
        t.bdcOverheadCycles +
        elementPass(t, out, c.outAddr, dtypeBytes(c.dtype)) * c.kh * c.kw;
    return r;
  }
  CommandCost operator()(const BinaryCmd &c) const {
    return pass(c.shape, c.out.addr,
                widest({c.out.dtype, c.a.dtype, c.b.dtype}),
                binaryOpFactor(c.op));
  }
  CommandCost operator()(const UnaryCmd &c) const {
    return pass(c.shape, c.out.addr, widest({c.out.dtype, c.in.dtype}),
                unaryOpFactor(c.op));
  }
  CommandCost operator()(const ReduceCmd &c) const {
    CommandCost r =
        pass(c.inShape, c.in.addr, widest({c.out.dtype, c.in.dtype}), 1);
    if (c.axisMask & kAxisC) {
      // Cross-lane gather: a log2(npuNum)-deep tree over the output.
      Shape4 o = c.inShape;
      o.c = 1;
      if (c.axisMask & kAxisH)
        o.h = 1;
      if (c.axisMask & kAxisW)
        o.w = 1;
      unsigned depth = 0;
      while ((1u << depth) < t.npuNum)
        ++depth;
      r.cycles += depth * elementPass(t, o, c.out.addr,
                                      widest({c.out.dtype, c.in.dtype}));
    }
    return r;
  }
  CommandCost operator()(const CopyCmd &c) const {
    return pass(c.shape, c.out.addr, widest({c.out.dtype, c.in.dtype}), 1);
  }
  CommandCost operator()(const FillCmd &c) const {
    return pass(c.shape, c.out.addr, widest({c.out.dtype}), 1);
  }
  CommandCost operator()(const CastCmd &c) const {
    return pass(c.shape, c.out.addr, widest({c.out.dtype, c.in.dtype}), 1);
  }
  CommandCost operator()(const RequantCmd &c) const {
    return pass(c.shape, c.out.addr, widest({c.out.dtype, c.in.dtype}), 2);
  }
  CommandCost operator()(const LutCmd &c) const {
    return pass(c.shape, c.out.addr, widest({c.out.dtype, c.in.dtype}), 1);
  }
  CommandCost operator()(const GdmaMoveCmd &c) const {
    return gdmaCost(t, c.shape, c.dtype, &c.src, c.dst);
  }
  CommandCost operator()(const GdmaFillCmd &c) const {
    return gdmaCost(t, c.shape, c.dtype, nullptr, c.dst);
  }

  CommandCost pass(Shape4 s, uint32_t outAddr, unsigned bytes,
                   unsigned factor) const {
    CommandCost r;
    r.cycles = t.bdcOverheadCycles + elementPass(t, s, outAddr, bytes) * factor;
    return r;
  }
};

} // namespace

CommandCost estimateCost(const TargetInfo &t, const Command &cmd) {
  return std::visit(CostVisitor{t}, cmd.body);
}

} // namespace isa
} // namespace onntc
