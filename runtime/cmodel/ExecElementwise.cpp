//===- ExecElementwise.cpp - lane-wise element commands
//--------------------===//
//
// Binary, unary, reduce, copy, fill, cast, requant and lookup-table
// commands. Operands are strided local views; values travel as double
// (exact for every f32 and i32 value) or as int64 when every operand of a
// binary command is an integer.
//
//===----------------------------------------------------------------------===//
#include "runtime/cmodel/Access.h"
#include "runtime/cmodel/Exec.h"

#include "isa/Requant.h"

#include <algorithm>
#include <cmath>
#include <type_traits>
#include <vector>

using llvm::Error;
using llvm::Expected;
using namespace onntc::isa;

namespace onntc {
namespace cmodel {

namespace {

/// The output view plus input views that obey the lane rule of lane-wise
/// commands: an input either starts on the output's lane or is
/// lane-replicated (C stride 0).
Expected<LocalView> outView(ExecContext &x, const LocalOperand &o, Shape4 s) {
  return LocalView::make(x.t, x.lmem, o.addr, o.stride, s, o.dtype, "output",
                         LaneRule::Normal, 0);
}

Expected<LocalView> inView(ExecContext &x, const LocalOperand &o, Shape4 s,
                           const LocalView &out, const char *what) {
  unsigned outLane = out.laneBase;
  if (o.stride.c != 0 && localLane(x.t, o.addr) != outLane)
    return execError(llvm::Twine(what) + " starts on lane " +
                     llvm::Twine(localLane(x.t, o.addr)) +
                     " but the output on lane " + llvm::Twine(outLane) +
                     "; lane-wise commands need equal start lanes (move it "
                     "with a GDMA local-to-local command)");
  return LocalView::make(x.t, x.lmem, o.addr, o.stride, s, o.dtype, what,
                         LaneRule::Replicated, outLane);
}

template <class F> void forEach(Shape4 s, F f) {
  for (uint32_t n = 0; n < s.n; ++n)
    for (uint32_t c = 0; c < s.c; ++c)
      for (uint32_t h = 0; h < s.h; ++h)
        for (uint32_t w = 0; w < s.w; ++w)
          f(n, c, h, w);
}

/// One definition of every binary op for both the float path (T = double)
/// and the integer path (T = int64_t); only Div (integer division by zero
/// gives 0) and Pow (computed in double) differ between the two.
template <class T> T applyBinaryT(BinaryOp op, T a, T b) {
  switch (op) {
  case BinaryOp::Add:
    return a + b;
  case BinaryOp::Sub:
    return a - b;
  case BinaryOp::Mul:
    return a * b;
  case BinaryOp::Div:
    if constexpr (std::is_integral_v<T>)
      return b == 0 ? 0 : a / b;
    else
      return a / b;
  case BinaryOp::Max:
    return std::max(a, b);
  case BinaryOp::Min:
    return std::min(a, b);
  case BinaryOp::Pow:
    return T(std::pow(double(a), double(b)));
  case BinaryOp::PRelu:
    return a > 0 ? a : a * b;
  case BinaryOp::SquaredDiff:
    return (a - b) * (a - b);
  case BinaryOp::Eq:
    return a == b;
  case BinaryOp::Ne:
    return a != b;
  case BinaryOp::Lt:
    return a < b;
  case BinaryOp::Le:
    return a <= b;
  case BinaryOp::Gt:
    return a > b;
  case BinaryOp::Ge:
    return a >= b;
  case BinaryOp::And:
    return (a != 0) && (b != 0);
  case BinaryOp::Or:
    return (a != 0) || (b != 0);
  }
  return 0;
}

double applyUnary(UnaryOp op, double v, double alpha, double beta) {
  switch (op) {
  case UnaryOp::Relu:
    return v > 0 ? v : 0;
  case UnaryOp::LeakyRelu:
    return v > 0 ? v : v * alpha;
  case UnaryOp::Sigmoid:
    return 1.0 / (1.0 + std::exp(-v));
  case UnaryOp::Tanh:
    return std::tanh(v);
  case UnaryOp::Exp:
    return std::exp(v);
  case UnaryOp::Log:
    return std::log(v);
  case UnaryOp::Sqrt:
    return std::sqrt(v);
  case UnaryOp::Rsqrt:
    return 1.0 / std::sqrt(v);
  case UnaryOp::Reciprocal:
    return 1.0 / v;
  case UnaryOp::Abs:
    return std::fabs(v);
  case UnaryOp::Neg:
    return -v;
  case UnaryOp::Square:
    return v * v;
  case UnaryOp::Gelu:
    return 0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0)));
  case UnaryOp::Erf:
    return std::erf(v);
  case UnaryOp::HardSigmoid:
    return std::max(0.0, std::min(1.0, alpha * v + beta));
  case UnaryOp::HardSwish:
    return v * std::max(0.0, std::min(1.0, v / 6.0 + 0.5));
  case UnaryOp::Clip:
    return std::min(std::max(v, alpha), beta);
  case UnaryOp::Silu:
    return v / (1.0 + std::exp(-v));
  case UnaryOp::Softplus:
    return v > 20 ? v : std::log1p(std::exp(v));
  case UnaryOp::Elu:
    return v > 0 ? v : alpha * (std::exp(v) - 1.0);
  case UnaryOp::Mish: {
    double sp = v > 20 ? v : std::log1p(std::exp(v));
    return v * std::tanh(sp);
  }
  case UnaryOp::Floor:
    return std::floor(v);
  case UnaryOp::Ceil:
    return std::ceil(v);
  case UnaryOp::Round:
    return std::nearbyint(v);
  case UnaryOp::Sin:
    return std::sin(v);
  case UnaryOp::Cos:
    return std::cos(v);
  case UnaryOp::Sign:
    return v > 0 ? 1.0 : (v < 0 ? -1.0 : 0.0);
  }
  return 0;
}

} // namespace

Error execBinary(ExecContext &x, const BinaryCmd &c) {
  if (c.aIsScalar && c.bIsScalar)
    return execError("at most one operand of a binary command can be a scalar");
  auto out = outView(x, c.out, c.shape);
  if (!out)
    return out.takeError();
  LocalView a, b;
  if (!c.aIsScalar) {
    auto v = inView(x, c.a, c.shape, *out, "operand a");
    if (!v)
      return v.takeError();
    a = *v;
  }
  if (!c.bIsScalar) {
    auto v = inView(x, c.b, c.shape, *out, "operand b");
    if (!v)
      return v.takeError();
    b = *v;
  }
  bool allInt = !isFloatDType(c.out.dtype) &&
                (c.aIsScalar || !isFloatDType(c.a.dtype)) &&
                (c.bIsScalar || !isFloatDType(c.b.dtype));
  if (allInt) {
    if (Error e = checkRequantTable(x, c.rq, c.shape.c, out->laneBase))
      return e;
    int64_t sv = int64_t(std::nearbyint(c.scalar));
    uint32_t lastC = ~0u;
    int32_t mult = 1;
    int shift = 0;
    forEach(c.shape, [&](uint32_t n, uint32_t ch, uint32_t h, uint32_t w) {
      if (ch != lastC) {
        requantPair(x, c.rq, ch, out->laneBase, mult, shift);
        lastC = ch;
      }
      int64_t av = c.aIsScalar ? sv : loadInt(a.at(n, ch, h, w), c.a.dtype);
      int64_t bv = c.bIsScalar ? sv : loadInt(b.at(n, ch, h, w), c.b.dtype);
      int64_t y = applyBinaryT<int64_t>(c.op, av, bv);
      int64_t zp = 0;
      if (c.rq.mode != RequantMode::None) {
        y = requantValue(y, mult, shift, c.rq.outZp);
        zp = c.rq.outZp;
      }
      if (c.relu)
        y = std::max(y, zp);
      storeInt(out->at(n, ch, h, w), c.out.dtype, y);
    });
    return Error::success();
  }
  bool fastF32 =
      c.out.dtype == DType::F32 && !c.aIsScalar && !c.bIsScalar &&
      c.a.dtype == DType::F32 && c.b.dtype == DType::F32 &&
      c.out.stride.w == 1 && c.a.stride.w == 1 && c.b.stride.w == 1 &&
      (c.op == BinaryOp::Add || c.op == BinaryOp::Mul || c.op == BinaryOp::Sub);
  if (fastF32) {
    for (uint32_t n = 0; n < c.shape.n; ++n)
      for (uint32_t ch = 0; ch < c.shape.c; ++ch)
        for (uint32_t h = 0; h < c.shape.h; ++h) {
          float *o = reinterpret_cast<float *>(out->at(n, ch, h, 0));
          const float *pa = reinterpret_cast<const float *>(a.at(n, ch, h, 0));
          const float *pb = reinterpret_cast<const float *>(b.at(n, ch, h, 0));
          uint32_t W = c.shape.w;
          if (c.op == BinaryOp::Add)
            for (uint32_t w = 0; w < W; ++w)
              o[w] = pa[w] + pb[w];
          else if (c.op == BinaryOp::Sub)
            for (uint32_t w = 0; w < W; ++w)
              o[w] = pa[w] - pb[w];
          else
            for (uint32_t w = 0; w < W; ++w)
              o[w] = pa[w] * pb[w];
          if (c.relu)
            for (uint32_t w = 0; w < W; ++w)
              o[w] = std::max(o[w], 0.0f);
        }
    return Error::success();
  }
  forEach(c.shape, [&](uint32_t n, uint32_t ch, uint32_t h, uint32_t w) {
    double av =
        c.aIsScalar ? c.scalar : loadElement(a.at(n, ch, h, w), c.a.dtype);
    double bv =
        c.bIsScalar ? c.scalar : loadElement(b.at(n, ch, h, w), c.b.dtype);
    // Float operands compute in the precision of f32 inputs: every result
    // of + - * / on f32 values rounded once to f32 equals the f32 operation.
    double y = applyBinaryT<double>(c.op, av, bv);
    if (c.relu && y < 0)
      y = 0;
    storeElement(out->at(n, ch, h, w), c.out.dtype, y);
  });
  return Error::success();
}

Error execUnary(ExecContext &x, const UnaryCmd &c) {
  auto out = outView(x, c.out, c.shape);
  if (!out)
    return out.takeError();
  auto in = inView(x, c.in, c.shape, *out, "input");
  if (!in)
    return in.takeError();
  forEach(c.shape, [&](uint32_t n, uint32_t ch, uint32_t h, uint32_t w) {
    double v = loadElement(in->at(n, ch, h, w), c.in.dtype);
    if (c.in.dtype == DType::F32)
      v = applyUnary(c.op, double(float(v)), c.alpha, c.beta);
    else
      v = applyUnary(c.op, v, c.alpha, c.beta);
    storeElement(out->at(n, ch, h, w), c.out.dtype, v);
  });
  return Error::success();
}

Error execReduce(ExecContext &x, const ReduceCmd &c) {
  if (c.axisMask & ~0xfu)
    return execError("reduce axis mask " + llvm::Twine(unsigned(c.axisMask)) +
                     " has bits beyond N, C, H, W");
  Shape4 os = c.inShape;
  if (c.axisMask & kAxisN)
    os.n = 1;
  if (c.axisMask & kAxisC)
    os.c = 1;
  if (c.axisMask & kAxisH)
    os.h = 1;
  if (c.axisMask & kAxisW)
    os.w = 1;
  auto out = outView(x, c.out, os);
  if (!out)
    return out.takeError();
  LocalView in;
  if (c.axisMask & kAxisC) {
    // Cross-lane: the input keeps its own lanes.
    auto v = LocalView::make(x.t, x.lmem, c.in.addr, c.in.stride, c.inShape,
                             c.in.dtype, "input", LaneRule::Normal, 0);
    if (!v)
      return v.takeError();
    in = *v;
  } else {
    auto v = inView(x, c.in, c.inShape, *out, "input");
    if (!v)
      return v.takeError();
    in = *v;
  }
  if (os.numElements() > x.t.totalLmemBytes())
    return execError("reduce output of " + llvm::Twine(os.numElements()) +
                     " elements cannot be distinct local elements");
  uint64_t count =
      c.inShape.numElements() / std::max<uint64_t>(1, os.numElements());
  std::vector<double> acc(os.numElements());
  double init = 0;
  switch (c.op) {
  case ReduceOp::Sum:
  case ReduceOp::Mean:
  case ReduceOp::SumSquare:
    init = 0;
    break;
  case ReduceOp::Max:
    init = -INFINITY;
    break;
  case ReduceOp::Min:
    init = INFINITY;
    break;
  case ReduceOp::Prod:
    init = 1;
    break;
  }
  std::fill(acc.begin(), acc.end(), init);
  forEach(c.inShape, [&](uint32_t n, uint32_t ch, uint32_t h, uint32_t w) {
    uint32_t on = os.n == 1 ? 0 : n, oc = os.c == 1 ? 0 : ch,
             oh = os.h == 1 ? 0 : h, ow = os.w == 1 ? 0 : w;
    double &a = acc[((uint64_t(on) * os.c + oc) * os.h + oh) * os.w + ow];
    double v = loadElement(in.at(n, ch, h, w), c.in.dtype);
    switch (c.op) {
    case ReduceOp::Sum:
    case ReduceOp::Mean:
      a += v;
      break;
    case ReduceOp::SumSquare:
      a += v * v;
      break;
    case ReduceOp::Max:
      a = std::max(a, v);
      break;
    case ReduceOp::Min:
      a = std::min(a, v);
      break;
    case ReduceOp::Prod:
      a *= v;
      break;
    }
  });
  size_t i = 0;
  forEach(os, [&](uint32_t n, uint32_t ch, uint32_t h, uint32_t w) {
    double v = acc[i++];
    if (c.op == ReduceOp::Mean)
      v /= double(count);
    storeElement(out->at(n, ch, h, w), c.out.dtype, v);
  });
  return Error::success();
}

Error execCopy(ExecContext &x, const CopyCmd &c) {
  if (c.in.dtype != c.out.dtype)
    return execError("copy needs equal dtypes (use cast to convert)");
  auto out = outView(x, c.out, c.shape);
  if (!out)
    return out.takeError();
  auto in = inView(x, c.in, c.shape, *out, "input");
  if (!in)
    return in.takeError();
  unsigned eb = out->eb;
  bool rows = c.in.stride.w == 1 && c.out.stride.w == 1;
  for (uint32_t n = 0; n < c.shape.n; ++n)
    for (uint32_t ch = 0; ch < c.shape.c; ++ch)
      for (uint32_t h = 0; h < c.shape.h; ++h) {
        if (rows) {
          std::memmove(out->at(n, ch, h, 0), in->at(n, ch, h, 0),
                       size_t(c.shape.w) * eb);
          continue;
        }
        for (uint32_t w = 0; w < c.shape.w; ++w)
          std::memmove(out->at(n, ch, h, w), in->at(n, ch, h, w), eb);
      }
  return Error::success();
}

Error execFill(ExecContext &x, const FillCmd &c) {
  auto out = outView(x, c.out, c.shape);
  if (!out)
    return out.takeError();
  uint8_t pattern[4];
  storeElement(pattern, c.out.dtype, c.value);
  unsigned eb = out->eb;
  forEach(c.shape, [&](uint32_t n, uint32_t ch, uint32_t h, uint32_t w) {
    std::memcpy(out->at(n, ch, h, w), pattern, eb);
  });
  return Error::success();
}

Error execCast(ExecContext &x, const CastCmd &c) {
  auto out = outView(x, c.out, c.shape);
  if (!out)
    return out.takeError();
  auto in = inView(x, c.in, c.shape, *out, "input");
  if (!in)
    return in.takeError();
  bool intOut = !isFloatDType(c.out.dtype);
  forEach(c.shape, [&](uint32_t n, uint32_t ch, uint32_t h, uint32_t w) {
    double v = loadElement(in->at(n, ch, h, w), c.in.dtype);
    switch (c.mode) {
    case CastMode::Convert:
      break;
    case CastMode::Quantize:
      // The quantize op's arithmetic (support/IntMath.h): f32 product,
      // round half to even, zero point, saturation; NaN gives the zero
      // point.
      if (intOut) {
        storeInt(out->at(n, ch, h, w), c.out.dtype,
                 support::quantizeF32(float(v), float(c.scale), c.zp,
                                      int64_t(dtypeMin(c.out.dtype)),
                                      int64_t(dtypeMax(c.out.dtype))));
        return;
      }
      v = std::nearbyint(double(float(v) * float(c.scale))) + c.zp;
      break;
    case CastMode::Dequantize:
      v = double(float(v - c.zp) * float(c.scale));
      break;
    }
    storeElement(out->at(n, ch, h, w), c.out.dtype, v);
  });
  return Error::success();
}

Error execRequant(ExecContext &x, const RequantCmd &c) {
  if (isFloatDType(c.in.dtype) || isFloatDType(c.out.dtype))
    return execError("requant works on integer dtypes; use cast for floats");
  auto out = outView(x, c.out, c.shape);
  if (!out)
    return out.takeError();
  auto in = inView(x, c.in, c.shape, *out, "input");
  if (!in)
    return in.takeError();
  if (Error e = checkRequantTable(x, c.rq, c.shape.c, out->laneBase))
    return e;
  for (uint32_t ch = 0; ch < c.shape.c; ++ch) {
    int32_t mult;
    int shift;
    requantPair(x, c.rq, ch, out->laneBase, mult, shift);
    for (uint32_t n = 0; n < c.shape.n; ++n)
      for (uint32_t h = 0; h < c.shape.h; ++h)
        for (uint32_t w = 0; w < c.shape.w; ++w) {
          int64_t v = loadInt(in->at(n, ch, h, w), c.in.dtype) - c.inZp;
          if (c.rq.mode != RequantMode::None)
            v = requantValue(v, mult, shift, c.rq.outZp);
          storeInt(out->at(n, ch, h, w), c.out.dtype, v);
        }
  }
  return Error::success();
}

Error execLut(ExecContext &x, const LutCmd &c) {
  if (dtypeBytes(c.in.dtype) != 1 || isFloatDType(c.in.dtype))
    return execError("lookup table input must be i8 or u8, not " +
                     dtypeName(c.in.dtype));
  auto out = outView(x, c.out, c.shape);
  if (!out)
    return out.takeError();
  auto in = inView(x, c.in, c.shape, *out, "input");
  if (!in)
    return in.takeError();
  auto table = LocalView::make(x.t, x.lmem, c.tableAddr, {0, 0, 0, 1},
                               {1, c.shape.c, 1, 256}, c.out.dtype, "table",
                               LaneRule::Replicated, out->laneBase);
  if (!table)
    return table.takeError();
  unsigned eb = out->eb;
  forEach(c.shape, [&](uint32_t n, uint32_t ch, uint32_t h, uint32_t w) {
    uint8_t idx = *in->at(n, ch, h, w);
    std::memcpy(out->at(n, ch, h, w), table->channel(ch) + size_t(idx) * eb,
                eb);
  });
  return Error::success();
}

} // namespace cmodel
} // namespace onntc
