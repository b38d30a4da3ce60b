//===- LowerQuant.cpp - quantize, dequantize, requant, lut, qadd rows -----===//
//
// The element-wise members of the quantized op family (ir/ops/Quant.def) as
// typed tile programs: every buffer has its own element type (f32 inputs of
// quantize, i32 temporaries of qadd, 8-bit results), and besides the tensor
// operands a program may load a lane-replicated 256-entry lookup table or a
// per-channel {i32 multiplier, i32 shift} requant table. The arithmetic is
// the commands' (CastCmd, RequantCmd, LutCmd, integer BinaryCmd), which
// compute what support/IntMath.h defines, so results match the INT8
// reference kernels bit for bit. qconv, qmatmul and qavg_pool are in
// LowerNn.cpp with the FP32 rows they share their tiling with.
//
//===----------------------------------------------------------------------===//

#include "backend/core/OpHooks.h"

#include "backend/core/Builders.h"
#include "backend/core/EwView.h"

using namespace onntc;
using namespace onntc::backend;
using isa::Shape4;
using isa::Strides4;

namespace {

/// An operand a typed program loads.
struct QLoad {
  enum Kind { Tensor, LutTable, RequantTable } kind = Tensor;
  uint64_t addr = 0;
  isa::DType dt = isa::DType::I8;
  Strides4 st; ///< global element strides over the view (Tensor)
};

/// One BDC step; it writes a new buffer of type `dt`. Operand indices are
/// buffer indices (loads first, then one per step); -1 is the scalar.
struct QStep {
  enum Kind { Cast, Requant, Lut, Binary } kind = Cast;
  int a = 0, b = -1, table = -1;
  isa::DType dt = isa::DType::I8;
  isa::CastMode mode = isa::CastMode::Convert;
  double scale = 1;
  int32_t zp = 0, inZp = 0;
  isa::RequantParams rq;
  isa::BinaryOp op = isa::BinaryOp::Add;
  double scalar = 0;
  bool relu = false;
};

struct QProgram {
  Shape4 shape;
  std::vector<QLoad> loads;
  std::vector<QStep> steps;
  Strides4 outStrides;
  uint64_t outAddr = 0;
};

class QEwOp final : public LocalOp {
public:
  QEwOp(const isa::TargetInfo &t, QProgram p) : t_(t), p_(std::move(p)) {}

  TileSpace space() const override {
    TileSpace s;
    s.full = p_.shape;
    s.cQuantum = t_.npuNum;
    s.splitH = s.splitW = true;
    s.overlap = true;
    s.tooLarge = "no tile of the operands fits local memory";
    return s;
  }

  std::vector<LocalBuffer> localBufferBytes(Shape4 s) const override {
    std::vector<LocalBuffer> b;
    for (const QLoad &l : p_.loads) {
      uint64_t bytes = 0;
      switch (l.kind) {
      case QLoad::Tensor:
        bytes = tensorBytes(s, l.dt);
        break;
      case QLoad::LutTable:
        bytes = 256 * isa::dtypeBytes(l.dt);
        break;
      case QLoad::RequantTable:
        bytes = isa::requantTableBytesPerLane(t_, s.c);
        break;
      }
      b.push_back({bytes, true, false, false});
    }
    for (const QStep &st : p_.steps)
      b.push_back({tensorBytes(s, st.dt), false, false, false});
    b.back().store = true;
    return b;
  }

  isa::GdmaMoveCmd transfer(const Tile &tl, unsigned buf, bool store,
                            uint32_t laddr) const override {
    auto offset = [&](const Strides4 &s) {
      return uint64_t(tl.n0 * s.n + tl.c0 * s.c + tl.h0 * s.h + tl.w0 * s.w);
    };
    if (store) {
      isa::DType dt = p_.steps.back().dt;
      return isa::makeStore(t_, tl.shape, dt, laddr,
                            p_.outAddr +
                                isa::dtypeBytes(dt) * offset(p_.outStrides),
                            p_.outStrides);
    }
    const QLoad &l = p_.loads[buf];
    switch (l.kind) {
    case QLoad::LutTable:
      return isa::makeReplicate(t_, std::min(tl.shape.c, t_.npuNum), 256, l.dt,
                                l.addr, laddr);
    case QLoad::RequantTable:
      return isa::makeConvWeightLoad(tl.shape.c, 1, 1, 2, isa::DType::I32,
                                     l.addr + 8 * uint64_t(tl.c0), laddr);
    case QLoad::Tensor:
      break;
    }
    return isa::makeLoad(t_, tl.shape, l.dt,
                         l.addr + isa::dtypeBytes(l.dt) * offset(l.st), l.st,
                         laddr);
  }

  void emitLocal(const Tile &tl, llvm::ArrayRef<uint32_t> a,
                 CmdStream &cs) const override {
    Shape4 ts = tl.shape;
    auto dtOf = [&](int i) {
      size_t k = size_t(i);
      return k < p_.loads.size() ? p_.loads[k].dt
                                 : p_.steps[k - p_.loads.size()].dt;
    };
    auto opnd = [&](int i) {
      return isa::localOperand(t_, a[size_t(i)], ts, dtOf(i));
    };
    for (size_t si = 0; si < p_.steps.size(); ++si) {
      const QStep &st = p_.steps[si];
      int o = int(p_.loads.size() + si);
      switch (st.kind) {
      case QStep::Cast: {
        isa::CastCmd c;
        c.shape = ts;
        c.out = opnd(o);
        c.in = opnd(st.a);
        c.mode = st.mode;
        c.scale = st.scale;
        c.zp = st.zp;
        cs.bdc(c);
        break;
      }
      case QStep::Requant: {
        isa::RequantCmd c;
        c.shape = ts;
        c.out = opnd(o);
        c.in = opnd(st.a);
        c.inZp = st.inZp;
        c.rq = st.rq;
        if (st.table >= 0)
          c.rq.tableAddr = a[size_t(st.table)];
        cs.bdc(c);
        break;
      }
      case QStep::Lut: {
        isa::LutCmd c;
        c.shape = ts;
        c.out = opnd(o);
        c.in = opnd(st.a);
        c.tableAddr = a[size_t(st.table)];
        cs.bdc(c);
        break;
      }
      case QStep::Binary: {
        isa::BinaryCmd c;
        c.shape = ts;
        c.out = opnd(o);
        c.op = st.op;
        c.aIsScalar = st.a < 0;
        c.bIsScalar = st.b < 0;
        if (st.a >= 0)
          c.a = opnd(st.a);
        if (st.b >= 0)
          c.b = opnd(st.b);
        c.scalar = st.scalar;
        c.relu = st.relu;
        c.rq = st.rq;
        if (st.table >= 0)
          c.rq.tableAddr = a[size_t(st.table)];
        cs.bdc(c);
        break;
      }
      }
    }
  }

private:
  uint64_t tensorBytes(Shape4 s, isa::DType dt) const {
    return isa::localBytesPerLane(t_, s, dt, isa::LocalLayout::AlignEU);
  }

  const isa::TargetInfo &t_;
  QProgram p_;
};

llvm::Error checkStaticIO(const Node &n) {
  for (const Value *v : n.inputs())
    if (v && !v->shape().isStatic())
      return nodeError(n, "only static shapes are supported");
  if (!n.output(0)->shape().isStatic())
    return nodeError(n, "only static shapes are supported");
  return llvm::Error::success();
}

bool isInt(DType t) {
  return t == DType::I8 || t == DType::U8 || t == DType::I16 || t == DType::I32;
}

/// A program over the flat (broadcast-free) view of a one-input op.
QProgram flatProgram(const Node &n, LowerContext &ctx) {
  const isa::TargetInfo &t = ctx.target();
  std::vector<int64_t> d = dimsOf(n.output(0));
  EwView v = *makeEwView(t, d, {d});
  QProgram p;
  p.shape = v.shape;
  QLoad x;
  x.addr = ctx.addressOf(n.input(0));
  x.dt = ctx.storageDType(n.input(0));
  x.st = v.strides[0];
  p.loads.push_back(x);
  p.outStrides = v.strides.back();
  p.outAddr = ctx.addressOf(n.output(0));
  return p;
}

/// A program over (N, C, H, W) with C the tensor's axis 1 (the inner axes
/// split into H and W), for per-channel requant tables.
QProgram channelProgram(const Node &n, LowerContext &ctx) {
  std::vector<int64_t> d = dimsOf(n.output(0));
  uint64_t inner = 1;
  for (size_t i = 2; i < d.size(); ++i)
    inner *= uint64_t(d[i]);
  uint32_t w = uint32_t(inner), h = 1;
  if (inner > 2048)
    for (uint64_t f = 2048; f >= 16; --f)
      if (inner % f == 0) {
        w = uint32_t(f);
        h = uint32_t(inner / f);
        break;
      }
  QProgram p;
  p.shape = {uint32_t(d[0]), uint32_t(d[1]), h, w};
  Strides4 st = denseStrides(p.shape);
  QLoad x;
  x.addr = ctx.addressOf(n.input(0));
  x.dt = ctx.storageDType(n.input(0));
  x.st = st;
  p.loads.push_back(x);
  p.outStrides = st;
  p.outAddr = ctx.addressOf(n.output(0));
  return p;
}

//===-- quantize / dequantize ---------------------------------------------===//

llvm::Error checkQuantize(const Node &n, const isa::TargetInfo &) {
  if (llvm::Error e = checkStaticIO(n))
    return e;
  if (n.input(0)->dtype() != DType::F32)
    return nodeError(n, "quantize takes f32");
  DType to = n.output(0)->dtype();
  if (to != DType::I8 && to != DType::U8)
    return nodeError(n, "quantize produces i8 or u8");
  return llvm::Error::success();
}

llvm::Expected<std::unique_ptr<LocalOp>> localQuantize(const Node &n,
                                                       LowerContext &ctx) {
  QProgram p = flatProgram(n, ctx);
  QStep s;
  s.kind = QStep::Cast;
  s.mode = isa::CastMode::Quantize;
  // The command multiplies by its scale field: the f32 of 1 / scale, as
  // the reference kernel computes it.
  s.scale = double(float(1.0 / double(n.getFloat("scale"))));
  s.zp = int32_t(n.getInt("zero_point"));
  s.dt = ctx.storageDType(n.output(0));
  p.steps.push_back(s);
  return std::make_unique<QEwOp>(ctx.target(), std::move(p));
}

llvm::Error checkDequantize(const Node &n, const isa::TargetInfo &) {
  if (llvm::Error e = checkStaticIO(n))
    return e;
  DType in = n.input(0)->dtype();
  if (in != DType::I8 && in != DType::U8 && in != DType::I32)
    return nodeError(n, "dequantize takes i8, u8 or i32");
  if (n.output(0)->dtype() != DType::F32)
    return nodeError(n, "dequantize produces f32");
  return llvm::Error::success();
}

llvm::Expected<std::unique_ptr<LocalOp>> localDequantize(const Node &n,
                                                         LowerContext &ctx) {
  QProgram p = flatProgram(n, ctx);
  QStep s;
  s.kind = QStep::Cast;
  s.mode = isa::CastMode::Dequantize;
  s.scale = double(n.getFloat("scale"));
  s.zp = int32_t(n.getInt("zero_point"));
  s.dt = isa::DType::F32;
  p.steps.push_back(s);
  return std::make_unique<QEwOp>(ctx.target(), std::move(p));
}

//===-- requant -----------------------------------------------------------===//

llvm::Error checkRequant(const Node &n, const isa::TargetInfo &) {
  if (llvm::Error e = checkStaticIO(n))
    return e;
  if (!isInt(n.input(0)->dtype()) || !isInt(n.output(0)->dtype()))
    return nodeError(n, "requant maps integers to integers");
  auto m = n.getInts("multiplier"), sh = n.getInts("shift");
  if (m.size() != sh.size() || m.empty())
    return nodeError(n, "multiplier and shift differ in length");
  for (size_t i = 0; i < m.size(); ++i)
    if (m[i] < INT32_MIN || m[i] > INT32_MAX || sh[i] < -128 || sh[i] > 127)
      return nodeError(n, "multiplier/shift out of range");
  if (m.size() > 1) {
    auto d = dimsOf(n.input(0));
    if (d.size() < 2 || d[1] != int64_t(m.size()))
      return nodeError(n, "per-channel requant needs one entry per channel "
                          "of axis 1");
    uint64_t inner = 1;
    for (size_t i = 2; i < d.size(); ++i)
      inner *= uint64_t(d[i]);
    if (d[0] > UINT32_MAX || d[1] > UINT32_MAX || inner > UINT32_MAX)
      return nodeError(n, "tensor too large");
  }
  return llvm::Error::success();
}

/// The {multiplier, shift} table of a per-channel requant, in coeff.
uint64_t requantTable(const Node &n, LowerContext &ctx) {
  auto m = n.getInts("multiplier"), sh = n.getInts("shift");
  Tensor tab(DType::I32, Shape{int64_t(m.size()), 2});
  for (size_t i = 0; i < m.size(); ++i) {
    tab.data<int32_t>()[2 * i] = int32_t(m[i]);
    tab.data<int32_t>()[2 * i + 1] = int32_t(sh[i]);
  }
  return ctx.addCoeff(tab, n.name() + ".requant");
}

llvm::Expected<std::unique_ptr<LocalOp>> localRequant(const Node &n,
                                                      LowerContext &ctx) {
  auto m = n.getInts("multiplier"), sh = n.getInts("shift");
  bool perChannel = m.size() > 1;
  QProgram p = perChannel ? channelProgram(n, ctx) : flatProgram(n, ctx);
  QStep s;
  s.kind = QStep::Requant;
  s.inZp = int32_t(n.getInt("in_zp"));
  s.rq.outZp = int32_t(n.getInt("out_zp"));
  s.dt = ctx.storageDType(n.output(0));
  if (perChannel) {
    QLoad tab;
    tab.kind = QLoad::RequantTable;
    tab.addr = requantTable(n, ctx);
    tab.dt = isa::DType::I32;
    s.table = int(p.loads.size());
    p.loads.push_back(tab);
    s.rq.mode = isa::RequantMode::PerChannel;
  } else {
    s.rq.mode = isa::RequantMode::PerTensor;
    s.rq.multiplier = int32_t(m[0]);
    s.rq.shift = int8_t(sh[0]);
  }
  p.steps.push_back(s);
  return std::make_unique<QEwOp>(ctx.target(), std::move(p));
}

//===-- lut ---------------------------------------------------------------===//

llvm::Error checkLut(const Node &n, const isa::TargetInfo &) {
  if (llvm::Error e = checkStaticIO(n))
    return e;
  DType in = n.input(0)->dtype();
  if (in != DType::I8 && in != DType::U8)
    return nodeError(n, "lut takes i8 or u8");
  const Tensor *tab = n.input(1)->constantValue();
  if (!tab || tab->numElements() != 256 ||
      (tab->dtype() != DType::I8 && tab->dtype() != DType::U8))
    return nodeError(n, "the table must be a constant of 256 8-bit values");
  return llvm::Error::success();
}

llvm::Expected<std::unique_ptr<LocalOp>> localLut(const Node &n,
                                                  LowerContext &ctx) {
  QProgram p = flatProgram(n, ctx);
  QLoad tab;
  tab.kind = QLoad::LutTable;
  tab.addr = ctx.addressOf(n.input(1));
  tab.dt = ctx.storageDType(n.input(1));
  p.loads.push_back(tab);
  QStep s;
  s.kind = QStep::Lut;
  s.a = 0;
  s.table = 1;
  s.dt = ctx.storageDType(n.output(0));
  p.steps.push_back(s);
  return std::make_unique<QEwOp>(ctx.target(), std::move(p));
}

//===-- qadd --------------------------------------------------------------===//

llvm::Error checkQAdd(const Node &n, const isa::TargetInfo &t) {
  if (llvm::Error e = checkStaticIO(n))
    return e;
  for (const Value *v : n.inputs())
    if (v->dtype() != DType::I8)
      return nodeError(n, "qadd takes i8 operands");
  DType to = n.output(0)->dtype();
  if (to != DType::I8 && to != DType::U8)
    return nodeError(n, "qadd produces i8 or u8");
  auto m = n.getInts("multiplier");
  if (m.size() != 2)
    return nodeError(n, "qadd needs two multipliers");
  for (int64_t v : m)
    if (v < -32768 || v > 32767)
      return nodeError(n, "qadd multipliers must fit 16 bits");
  int64_t sh = n.getInt("shift");
  if (sh < 0 || sh > 62)
    return nodeError(n, "qadd shift must be in [0, 62]");
  if (!makeEwView(t, dimsOf(n.output(0)),
                  {dimsOf(n.input(0)), dimsOf(n.input(1))}))
    return nodeError(n, "broadcast pattern needs more than 4 dimensions");
  return llvm::Error::success();
}

/// A * ma and B * mb into i32 (exact: |x| <= 128, |m| <= 2^15), their sum
/// requantized with multiplier 1 and the shift, relu, saturated: the three
/// integer binary commands compute qadd's formula exactly.
llvm::Expected<std::unique_ptr<LocalOp>> localQAdd(const Node &n,
                                                   LowerContext &ctx) {
  const isa::TargetInfo &t = ctx.target();
  std::vector<int64_t> od = dimsOf(n.output(0));
  EwView v = *makeEwView(t, od, {dimsOf(n.input(0)), dimsOf(n.input(1))});
  QProgram p;
  p.shape = v.shape;
  for (unsigned i = 0; i < 2; ++i) {
    QLoad x;
    x.addr = ctx.addressOf(n.input(i));
    x.dt = ctx.storageDType(n.input(i));
    x.st = v.strides[i];
    p.loads.push_back(x);
  }
  p.outStrides = v.strides.back();
  p.outAddr = ctx.addressOf(n.output(0));
  auto m = n.getInts("multiplier");
  for (int i = 0; i < 2; ++i) {
    QStep s;
    s.kind = QStep::Binary;
    s.op = isa::BinaryOp::Mul;
    s.a = i;
    s.b = -1;
    s.scalar = double(m[size_t(i)]);
    s.dt = isa::DType::I32;
    p.steps.push_back(s);
  }
  QStep add;
  add.kind = QStep::Binary;
  add.op = isa::BinaryOp::Add;
  add.a = 2;
  add.b = 3;
  add.rq.mode = isa::RequantMode::PerTensor;
  add.rq.multiplier = 1;
  add.rq.shift = int8_t(n.getInt("shift"));
  add.rq.outZp = int32_t(n.getInt("out_zp"));
  add.relu = n.getInt("relu") != 0;
  add.dt = ctx.storageDType(n.output(0));
  p.steps.push_back(add);
  return std::make_unique<QEwOp>(t, std::move(p));
}

} // namespace

void backend::registerQuantRows(LoweringTable &t) {
  t.push_back({OpKind::Quantize, checkQuantize, localQuantize, nullptr});
  t.push_back({OpKind::Dequantize, checkDequantize, localDequantize, nullptr});
  t.push_back({OpKind::Requant, checkRequant, localRequant, nullptr});
  t.push_back({OpKind::Lut, checkLut, localLut, nullptr});
  t.push_back({OpKind::QAdd, checkQAdd, localQAdd, nullptr});
}
