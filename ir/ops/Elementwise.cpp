//===- Elementwise.cpp - binary, n-ary and select ops ---------------------===//
//
// Shape inference and reference kernels of the ops in Elementwise.def. All
// of them run on the broadcast engine of Broadcast.h; each op is a small
// functor and a dtype mask.
//
//===----------------------------------------------------------------------===//
#include "ir/ops/WrapMath.h"
#include "ir/ops/Broadcast.h"

#include <cmath>
#include <limits>

namespace onntc {
namespace {

//===----------------------------------------------------------------------===//
// Scalar semantics
//===----------------------------------------------------------------------===//

/// Integer division truncating toward zero; x/0 gives 0 and MIN/-1 wraps
/// instead of trapping (ONNX leaves both undefined).
template <typename T> T divide(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    return a / b;
  } else {
    if (b == 0)
      return T(0);
    if constexpr (std::is_signed_v<T>)
      if (b == T(-1))
        return wrapNeg(a);
    return T(a / b);
  }
}

/// Remainder with the sign of the dividend (C fmod) or, if !cFmod, of the
/// divisor (Python / numpy mod). x mod 0 is 0 for integers.
template <typename T> T modulo(T a, T b, bool cFmod) {
  T r;
  if constexpr (std::is_floating_point_v<T>) {
    r = std::fmod(a, b);
  } else {
    if (b == 0)
      return T(0);
    if constexpr (std::is_signed_v<T>)
      if (b == T(-1))
        return T(0);
    r = T(a % b);
  }
  if (!cFmod && r != 0 && ((r < 0) != (b < 0)))
    r = T(r + b);
  return r;
}

/// Integer power by squaring; negative exponents give 1/x^n truncated.
template <typename T> T intPow(T base, int64_t e) {
  if (e < 0) {
    if (base == 1)
      return T(1);
    if constexpr (std::is_signed_v<T>)
      if (base == T(-1))
        return (e & 1) ? T(-1) : T(1);
    return T(0);
  }
  using W = std::conditional_t<std::is_signed_v<T>, int64_t, uint64_t>;
  W result = 1, b = W(base);
  while (e) {
    if (e & 1)
      result = W(uint64_t(result) * uint64_t(b));
    b = W(uint64_t(b) * uint64_t(b));
    e >>= 1;
  }
  return T(result);
}

/// Max/min that propagate NaN like numpy's maximum/minimum.
template <typename T> T maxOf(T a, T b) { return (a > b || a != a) ? a : b; }
template <typename T> T minOf(T a, T b) { return (a < b || a != a) ? a : b; }

struct NoAttrs {
  explicit NoAttrs(const Node &) {}
};

#define ONNTC_BINOP(Name, BoolOut, Expr)                                       \
  struct Name : NoAttrs {                                                      \
    using NoAttrs::NoAttrs;                                                    \
    static constexpr bool kBoolOut = BoolOut;                                  \
    template <typename T> auto operator()(T a, T b) const { return Expr; }     \
  };
ONNTC_BINOP(AddOp, false, wrapAdd(a, b))
ONNTC_BINOP(SubOp, false, wrapSub(a, b))
ONNTC_BINOP(MulOp, false, wrapMul(a, b))
ONNTC_BINOP(DivOp, false, divide(a, b))
ONNTC_BINOP(PReluOp, false, T(a < 0 ? wrapMul(a, b) : a))
ONNTC_BINOP(MaxOp, false, maxOf(a, b))
ONNTC_BINOP(MinOp, false, minOf(a, b))
ONNTC_BINOP(EqualOp, true, a == b)
ONNTC_BINOP(GreaterOp, true, a > b)
ONNTC_BINOP(GreaterEqualOp, true, a >= b)
ONNTC_BINOP(LessOp, true, a < b)
ONNTC_BINOP(LessEqualOp, true, a <= b)
ONNTC_BINOP(AndOp, true, (a != 0) & (b != 0))
ONNTC_BINOP(OrOp, true, (a != 0) | (b != 0))
ONNTC_BINOP(XorOp, true, (a != 0) != (b != 0))
#undef ONNTC_BINOP

struct ModOp {
  bool cFmod;
  explicit ModOp(const Node &n) : cFmod(n.getInt("fmod") != 0) {}
  static constexpr bool kBoolOut = false;
  template <typename T> T operator()(T a, T b) const {
    return modulo(a, b, cFmod);
  }
};

struct BitShiftOp {
  bool left;
  explicit BitShiftOp(const Node &n)
      : left(n.getString("direction") == "LEFT") {}
  static constexpr bool kBoolOut = false;
  template <typename T> T operator()(T a, T b) const {
    if (uint64_t(b) >= sizeof(T) * 8)
      return T(0);
    return left ? T(uint64_t(a) << b) : T(a >> b);
  }
};

//===----------------------------------------------------------------------===//
// Kernels
//===----------------------------------------------------------------------===//

llvm::Error dtypeError(DType t) {
  return makeError("dtype " + dtypeName(t) + " is not supported by this op");
}

/// Computes op(a, b) broadcast into a fresh tensor of shape `s`.
template <class Op, unsigned Mask>
llvm::Error applyBinary(const Op &op, const Tensor &a, const Tensor &b,
                        const Shape &s, Tensor &y, KernelContext &ctx) {
  if (a.dtype() != b.dtype())
    return makeError("operand dtypes differ (" + dtypeName(a.dtype()) + " vs " +
                     dtypeName(b.dtype()) + ")");
  auto yt = allocTensor(Op::kBoolOut ? DType::Bool : a.dtype(), s);
  if (!yt)
    return yt.takeError();
  y = std::move(*yt);
  bool ok = dispatchDType<Mask>(a.dtype(), [&](auto tag) {
    using T = typename Storage<decltype(tag)::value>::type;
    using O = std::conditional_t<Op::kBoolOut, uint8_t, T>;
    broadcastMap<O, T, T>(ctx, y, {&a, &b},
                          [op](T x, T z) { return op(x, z); });
  });
  return ok ? llvm::Error::success() : dtypeError(a.dtype());
}

llvm::Error needInputs(llvm::ArrayRef<Tensor> in, size_t n) {
  if (in.size() < n)
    return makeError("expected " + llvm::Twine(n) + " inputs");
  for (size_t i = 0; i < n; ++i)
    if (!in[i].isValid())
      return makeError("input " + llvm::Twine(i) + " is missing");
  return llvm::Error::success();
}

template <class Op, unsigned Mask>
llvm::Error computeBinary(const Node &n, llvm::ArrayRef<Tensor> in,
                          std::vector<Tensor> &out, KernelContext &ctx) {
  if (llvm::Error e = checkRequiredAttrs(n))
    return e;
  if (llvm::Error e = needInputs(in, 2))
    return e;
  auto s = broadcastTensors(in.take_front(2));
  if (!s)
    return s.takeError();
  out.resize(1);
  return applyBinary<Op, Mask>(Op(n), in[0], in[1], *s, out[0], ctx);
}

/// Max/Min/Sum/Mean: a left fold of the binary op over all inputs.
template <class Op, bool IsMean>
llvm::Error computeVariadic(const Node &n, llvm::ArrayRef<Tensor> in,
                            std::vector<Tensor> &out, KernelContext &ctx) {
  if (llvm::Error e = needInputs(in, in.size() ? in.size() : 1))
    return e;
  auto s = broadcastTensors(in);
  if (!s)
    return s.takeError();
  Op op(n);
  Tensor acc;
  if (in.size() == 1) {
    acc = in[0].clone();
  } else {
    if (llvm::Error e =
            applyBinary<Op, kMaskArith>(op, in[0], in[1], *s, acc, ctx))
      return e;
    for (size_t i = 2; i < in.size(); ++i) {
      Tensor next;
      if (llvm::Error e =
              applyBinary<Op, kMaskArith>(op, acc, in[i], *s, next, ctx))
        return e;
      acc = std::move(next);
    }
  }
  if (IsMean && in.size() > 1) {
    Tensor mean(acc.dtype(), acc.shape());
    int64_t count = int64_t(in.size());
    bool ok = dispatchDType<kMaskArith>(acc.dtype(), [&](auto tag) {
      using T = typename Storage<decltype(tag)::value>::type;
      broadcastMap<T, T>(ctx, mean, {&acc},
                         [count](T x) { return divide(x, T(count)); });
    });
    if (!ok)
      return dtypeError(acc.dtype());
    acc = std::move(mean);
  }
  out = {std::move(acc)};
  return llvm::Error::success();
}

/// Pow: the exponent may have another dtype than the base; the result has
/// the base's dtype.
llvm::Error computePow(const Node &n, llvm::ArrayRef<Tensor> in,
                       std::vector<Tensor> &out, KernelContext &ctx) {
  if (llvm::Error e = needInputs(in, 2))
    return e;
  auto s = broadcastTensors(in.take_front(2));
  if (!s)
    return s.takeError();
  const Tensor &x = in[0];
  bool intExp = !isFloat(in[1].dtype());
  Tensor e = in[1].castTo(intExp ? DType::I64 : DType::F32);
  auto yt = allocTensor(x.dtype(), *s);
  if (!yt)
    return yt.takeError();
  Tensor &y = *yt;
  bool ok = dispatchDType<kMaskArith>(x.dtype(), [&](auto tag) {
    using T = typename Storage<decltype(tag)::value>::type;
    if (intExp) {
      broadcastMap<T, T, int64_t>(ctx, y, {&x, &e}, [](T a, int64_t b) {
        if constexpr (std::is_floating_point_v<T>)
          return T(std::pow(double(a), double(b)));
        else
          return intPow(a, b);
      });
    } else {
      broadcastMap<T, T, float>(ctx, y, {&x, &e}, [](T a, float b) {
        if constexpr (std::is_floating_point_v<T>)
          return T(std::pow(a, b));
        else
          return T(std::pow(double(a), double(b)));
      });
    }
  });
  if (!ok)
    return dtypeError(x.dtype());
  out = {std::move(y)};
  return llvm::Error::success();
}

llvm::Error computeWhere(const Node &n, llvm::ArrayRef<Tensor> in,
                         std::vector<Tensor> &out, KernelContext &ctx) {
  if (llvm::Error e = needInputs(in, 3))
    return e;
  if (in[0].dtype() != DType::Bool)
    return makeError("condition must be bool, got " + dtypeName(in[0].dtype()));
  if (in[1].dtype() != in[2].dtype())
    return makeError("X and Y dtypes differ");
  auto s = broadcastTensors(in.take_front(3));
  if (!s)
    return s.takeError();
  auto yt = allocTensor(in[1].dtype(), *s);
  if (!yt)
    return yt.takeError();
  Tensor &y = *yt;
  dispatchBySize(dtypeSize(y.dtype()), [&](auto u) {
    using U = decltype(u);
    broadcastMap<U, uint8_t, U, U>(
        ctx, y, {&in[0], &in[1], &in[2]},
        [](uint8_t c, U a, U b) { return c ? a : b; });
  });
  out = {std::move(y)};
  return llvm::Error::success();
}

//===----------------------------------------------------------------------===//
// Shape inference
//===----------------------------------------------------------------------===//

template <unsigned Mask, bool BoolOut> llvm::Error inferBinary(Node &n) {
  return inferBroadcastAs(
      n, Mask, BoolOut ? std::optional<DType>(DType::Bool) : std::nullopt);
}

llvm::Error inferPow(Node &n) {
  for (unsigned i = 0; i < 2; ++i)
    if (llvm::Error e = checkInputDType(n, i, kMaskArith | kMaskHalf))
      return e;
  auto s = broadcastShapes(n.input(0)->shape(), n.input(1)->shape());
  if (!s)
    return s.takeError();
  setOutput(n, 0, n.input(0)->dtype(), *s);
  return llvm::Error::success();
}

llvm::Error inferBitShift(Node &n) {
  if (llvm::Error e = checkRequiredAttrs(n))
    return e;
  const std::string &d = n.getString("direction");
  if (d != "LEFT" && d != "RIGHT")
    return makeError("direction must be \"LEFT\" or \"RIGHT\", got \"" + d +
                     "\"");
  return inferBroadcastAs(n, kMaskUInt, std::nullopt);
}

llvm::Error inferPRelu(Node &n) {
  if (llvm::Error e = inferBroadcastAs(n, kMaskFloat | kMaskSInt, std::nullopt))
    return e;
  const Shape &x = n.input(0)->shape();
  if (n.output(0)->shape().rank() != x.rank())
    return makeError("slope " + n.input(1)->shape().str() +
                     " must broadcast to the input " + x.str());
  return llvm::Error::success();
}

llvm::Error inferWhere(Node &n) {
  if (llvm::Error e = checkInputDType(n, 0, kMaskBool))
    return e;
  for (unsigned i = 1; i < 3; ++i)
    if (llvm::Error e = checkInputDType(n, i, kMaskAll))
      return e;
  if (n.input(1)->dtype() != n.input(2)->dtype())
    return makeError("X is " + dtypeName(n.input(1)->dtype()) + " but Y is " +
                     dtypeName(n.input(2)->dtype()));
  auto s = broadcastShapes(n.input(0)->shape(), n.input(1)->shape());
  if (!s)
    return s.takeError();
  auto s2 = broadcastShapes(*s, n.input(2)->shape());
  if (!s2)
    return s2.takeError();
  setOutput(n, 0, n.input(1)->dtype(), *s2);
  return llvm::Error::success();
}

constexpr unsigned kNum = kMaskArith | kMaskHalf;

} // namespace

void registerElementwiseOps(HookTable &t) {
  auto set = [&](OpKind k, InferFn i, ComputeFn c) { t[size_t(k)] = {i, c}; };
  set(OpKind::Add, inferBinary<kNum, false>,
      withHalfViaF32<computeBinary<AddOp, kMaskArith>>);
  set(OpKind::Sub, inferBinary<kNum, false>,
      withHalfViaF32<computeBinary<SubOp, kMaskArith>>);
  set(OpKind::Mul, inferBinary<kNum, false>,
      withHalfViaF32<computeBinary<MulOp, kMaskArith>>);
  set(OpKind::Div, inferBinary<kNum, false>,
      withHalfViaF32<computeBinary<DivOp, kMaskArith>>);
  set(OpKind::Mod, inferBinary<kNum, false>,
      withHalfViaF32<computeBinary<ModOp, kMaskArith>>);
  set(OpKind::Pow, inferPow, withHalfViaF32<computePow>);
  set(OpKind::PRelu, inferPRelu,
      withHalfViaF32<computeBinary<PReluOp, kMaskF32 | kMaskSInt>>);
  set(OpKind::Equal, inferBinary<kNum | kMaskBool, true>,
      withHalfViaF32<computeBinary<EqualOp, kMaskArith | kMaskBool>>);
  set(OpKind::Greater, inferBinary<kNum, true>,
      withHalfViaF32<computeBinary<GreaterOp, kMaskArith>>);
  set(OpKind::GreaterOrEqual, inferBinary<kNum, true>,
      withHalfViaF32<computeBinary<GreaterEqualOp, kMaskArith>>);
  set(OpKind::Less, inferBinary<kNum, true>,
      withHalfViaF32<computeBinary<LessOp, kMaskArith>>);
  set(OpKind::LessOrEqual, inferBinary<kNum, true>,
      withHalfViaF32<computeBinary<LessEqualOp, kMaskArith>>);
  set(OpKind::And, inferBinary<kMaskBool, true>,
      computeBinary<AndOp, kMaskBool>);
  set(OpKind::Or, inferBinary<kMaskBool, true>, computeBinary<OrOp, kMaskBool>);
  set(OpKind::Xor, inferBinary<kMaskBool, true>,
      computeBinary<XorOp, kMaskBool>);
  set(OpKind::BitShift, inferBitShift, computeBinary<BitShiftOp, kMaskUInt>);
  set(OpKind::Max, inferBinary<kNum, false>,
      withHalfViaF32<computeVariadic<MaxOp, false>>);
  set(OpKind::Min, inferBinary<kNum, false>,
      withHalfViaF32<computeVariadic<MinOp, false>>);
  set(OpKind::Sum, inferBinary<kNum, false>,
      withHalfViaF32<computeVariadic<AddOp, false>>);
  set(OpKind::Mean, inferBinary<kNum, false>,
      withHalfViaF32<computeVariadic<AddOp, true>>);
  set(OpKind::Where, inferWhere, computeWhere);
}

} // namespace onntc
