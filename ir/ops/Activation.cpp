//===- Activation.cpp - unary elementwise ops -----------------------------===//
//
// Shape inference and reference kernels of the ops in Activation.def. Each
// op is a functor over one element plus the mask of dtypes it accepts; the
// loop is the shared broadcast engine. F16/BF16 inputs are computed in F32.
//
//===----------------------------------------------------------------------===//
#include "ir/ops/WrapMath.h"
#include "ir/ops/Broadcast.h"

#include <cmath>
#include <limits>

namespace onntc {
namespace {

struct NoAttrs {
  explicit NoAttrs(const Node &) {}
  static constexpr bool kBoolOut = false;
};

/// A float-only op `Name` computing `Expr` from `x`.
#define ONNTC_FLOAT_OP(Name, Expr)                                             \
  struct Name : NoAttrs {                                                      \
    using NoAttrs::NoAttrs;                                                    \
    static constexpr unsigned kMask = kMaskF32;                                \
    float operator()(float x) const { return Expr; }                           \
  };
ONNTC_FLOAT_OP(SigmoidOp, 1.0f / (1.0f + std::exp(-x)))
ONNTC_FLOAT_OP(TanhOp, std::tanh(x))
ONNTC_FLOAT_OP(ErfOp, std::erf(x))
ONNTC_FLOAT_OP(SoftplusOp, x > 20.0f ? x : std::log1p(std::exp(x)))
ONNTC_FLOAT_OP(SoftsignOp, x / (1.0f + std::fabs(x)))
ONNTC_FLOAT_OP(MishOp, x *std::tanh(x > 20.0f ? x : std::log1p(std::exp(x))))
ONNTC_FLOAT_OP(HardSwishOp,
               x *std::fmax(0.0f, std::fmin(1.0f, x / 6.0f + 0.5f)))
ONNTC_FLOAT_OP(ExpOp, std::exp(x))
ONNTC_FLOAT_OP(LogOp, std::log(x))
ONNTC_FLOAT_OP(SqrtOp, std::sqrt(x))
ONNTC_FLOAT_OP(ReciprocalOp, 1.0f / x)
ONNTC_FLOAT_OP(FloorOp, std::floor(x))
ONNTC_FLOAT_OP(CeilOp, std::ceil(x))
// nearbyint rounds half to even in the default rounding mode.
ONNTC_FLOAT_OP(RoundOp, std::nearbyint(x))
ONNTC_FLOAT_OP(SinOp, std::sin(x))
ONNTC_FLOAT_OP(CosOp, std::cos(x))
ONNTC_FLOAT_OP(TanOp, std::tan(x))
ONNTC_FLOAT_OP(AsinOp, std::asin(x))
ONNTC_FLOAT_OP(AcosOp, std::acos(x))
ONNTC_FLOAT_OP(AtanOp, std::atan(x))
ONNTC_FLOAT_OP(SinhOp, std::sinh(x))
ONNTC_FLOAT_OP(CoshOp, std::cosh(x))
ONNTC_FLOAT_OP(AsinhOp, std::asinh(x))
ONNTC_FLOAT_OP(AcoshOp, std::acosh(x))
ONNTC_FLOAT_OP(AtanhOp, std::atanh(x))
#undef ONNTC_FLOAT_OP

/// An op `Name` over the dtypes in `Mask`, computing `Expr` from `x` of type T.
#define ONNTC_TYPED_OP(Name, Mask, Expr)                                       \
  struct Name : NoAttrs {                                                      \
    using NoAttrs::NoAttrs;                                                    \
    static constexpr unsigned kMask = Mask;                                    \
    template <typename T> T operator()(T x) const { return Expr; }             \
  };
// x < 0 ? 0 : x lets NaN through, as numpy's maximum does.
ONNTC_TYPED_OP(ReluOp, kMaskF32 | kMaskSInt, x < T(0) ? T(0) : x)
ONNTC_TYPED_OP(NegOp, kMaskF32 | kMaskSInt, wrapNeg(x))
ONNTC_TYPED_OP(AbsOp, kMaskArith, T(std::is_signed_v<T> &&x < T(0) ? wrapNeg(x) : x))
ONNTC_TYPED_OP(SignOp, kMaskArith, x != x ? x : T((T(0) < x) - (x < T(0))))
ONNTC_TYPED_OP(NotOp, kMaskBool, T(x == 0))
#undef ONNTC_TYPED_OP

struct IsNaNOp : NoAttrs {
  using NoAttrs::NoAttrs;
  static constexpr unsigned kMask = kMaskF32;
  static constexpr bool kBoolOut = true;
  bool operator()(float x) const { return x != x; }
};

struct IsInfOp {
  bool neg, pos;
  explicit IsInfOp(const Node &n)
      : neg(n.getInt("detect_negative") != 0),
        pos(n.getInt("detect_positive") != 0) {}
  static constexpr unsigned kMask = kMaskF32;
  static constexpr bool kBoolOut = true;
  bool operator()(float x) const {
    return std::isinf(x) && ((x > 0 && pos) || (x < 0 && neg));
  }
};

struct LeakyReluOp {
  float alpha;
  explicit LeakyReluOp(const Node &n) : alpha(n.getFloat("alpha")) {}
  static constexpr unsigned kMask = kMaskF32;
  static constexpr bool kBoolOut = false;
  float operator()(float x) const { return x < 0.0f ? alpha * x : x; }
};

struct EluOp {
  float alpha;
  explicit EluOp(const Node &n) : alpha(n.getFloat("alpha")) {}
  static constexpr unsigned kMask = kMaskF32;
  static constexpr bool kBoolOut = false;
  float operator()(float x) const {
    return x < 0.0f ? alpha * std::expm1(x) : x;
  }
};

struct CeluOp {
  float alpha;
  explicit CeluOp(const Node &n) : alpha(n.getFloat("alpha")) {}
  static constexpr unsigned kMask = kMaskF32;
  static constexpr bool kBoolOut = false;
  float operator()(float x) const {
    return std::fmax(0.0f, x) + std::fmin(0.0f, alpha * std::expm1(x / alpha));
  }
};

struct SeluOp {
  float alpha, gamma;
  explicit SeluOp(const Node &n)
      : alpha(n.getFloat("alpha")), gamma(n.getFloat("gamma")) {}
  static constexpr unsigned kMask = kMaskF32;
  static constexpr bool kBoolOut = false;
  float operator()(float x) const {
    return x > 0.0f ? gamma * x : gamma * (alpha * std::exp(x) - alpha);
  }
};

struct ThresholdedReluOp {
  float alpha;
  explicit ThresholdedReluOp(const Node &n) : alpha(n.getFloat("alpha")) {}
  static constexpr unsigned kMask = kMaskF32;
  static constexpr bool kBoolOut = false;
  float operator()(float x) const { return x > alpha ? x : 0.0f; }
};

struct HardSigmoidOp {
  float alpha, beta;
  explicit HardSigmoidOp(const Node &n)
      : alpha(n.getFloat("alpha")), beta(n.getFloat("beta")) {}
  static constexpr unsigned kMask = kMaskF32;
  static constexpr bool kBoolOut = false;
  float operator()(float x) const {
    return std::fmax(0.0f, std::fmin(1.0f, alpha * x + beta));
  }
};

struct GeluOp {
  bool tanhApprox;
  explicit GeluOp(const Node &n)
      : tanhApprox(n.getString("approximate") == "tanh") {}
  static constexpr unsigned kMask = kMaskF32;
  static constexpr bool kBoolOut = false;
  float operator()(float x) const {
    if (tanhApprox) {
      const float k = 0.7978845608028654f; // sqrt(2 / pi)
      return 0.5f * x * (1.0f + std::tanh(k * (x + 0.044715f * x * x * x)));
    }
    return 0.5f * x * (1.0f + std::erf(x * 0.7071067811865476f));
  }
};

//===----------------------------------------------------------------------===//
// Kernels
//===----------------------------------------------------------------------===//

llvm::Error missingInput(unsigned i) {
  return makeError("input " + llvm::Twine(i) + " is missing");
}

template <class Op>
llvm::Error computeUnary(const Node &n, llvm::ArrayRef<Tensor> in,
                         std::vector<Tensor> &out, KernelContext &ctx) {
  if (in.empty() || !in[0].isValid())
    return missingInput(0);
  const Tensor &x = in[0];
  Op op(n);
  Tensor y(Op::kBoolOut ? DType::Bool : x.dtype(), x.shape());
  bool ok = dispatchDType<Op::kMask>(x.dtype(), [&](auto tag) {
    using T = typename Storage<decltype(tag)::value>::type;
    using O = std::conditional_t<Op::kBoolOut, uint8_t, T>;
    broadcastMap<O, T>(ctx, y, {&x}, [op](T v) { return op(v); });
  });
  if (!ok)
    return makeError("dtype " + dtypeName(x.dtype()) +
                     " is not supported; expected " + dtypeList(Op::kMask));
  out = {std::move(y)};
  return llvm::Error::success();
}

/// Identity shares the input buffer: tensors are immutable once computed.
llvm::Error computeIdentity(const Node &n, llvm::ArrayRef<Tensor> in,
                            std::vector<Tensor> &out, KernelContext &ctx) {
  if (in.empty() || !in[0].isValid())
    return missingInput(0);
  out = {in[0]};
  return llvm::Error::success();
}

/// Reads optional scalar input i (already checked to hold one element).
template <typename T>
void scalarInput(llvm::ArrayRef<Tensor> in, size_t i, T &v) {
  if (i < in.size() && in[i].isValid())
    v = in[i].data<T>()[0];
}

llvm::Error computeClip(const Node &n, llvm::ArrayRef<Tensor> in,
                        std::vector<Tensor> &out, KernelContext &ctx) {
  if (in.empty() || !in[0].isValid())
    return missingInput(0);
  const Tensor &x = in[0];
  for (size_t i = 1; i < in.size(); ++i) {
    if (!in[i].isValid())
      continue;
    if (in[i].dtype() != x.dtype())
      return makeError("min/max dtype " + dtypeName(in[i].dtype()) +
                       " differs from the input's " + dtypeName(x.dtype()));
    if (in[i].numElements() != 1)
      return makeError("min/max must be a scalar, got shape " +
                       in[i].shape().str());
  }
  Tensor y(x.dtype(), x.shape());
  bool ok = dispatchDType<kMaskArith>(x.dtype(), [&](auto tag) {
    using T = typename Storage<decltype(tag)::value>::type;
    T lo = std::numeric_limits<T>::lowest(), hi = std::numeric_limits<T>::max();
    if constexpr (std::is_floating_point_v<T>) {
      lo = -std::numeric_limits<T>::infinity();
      hi = std::numeric_limits<T>::infinity();
    }
    scalarInput<T>(in, 1, lo);
    scalarInput<T>(in, 2, hi);
    broadcastMap<T, T>(ctx, y, {&x}, [lo, hi](T v) {
      T a = v < lo ? lo : v;
      return a > hi ? hi : a;
    });
  });
  if (!ok)
    return makeError("dtype " + dtypeName(x.dtype()) +
                     " is not supported by Clip");
  out = {std::move(y)};
  return llvm::Error::success();
}

/// Dropout in inference: Y = X, mask all true. Training mode with a non-zero
/// ratio would need random numbers and is refused.
llvm::Error computeDropout(const Node &n, llvm::ArrayRef<Tensor> in,
                           std::vector<Tensor> &out, KernelContext &ctx) {
  if (in.empty() || !in[0].isValid())
    return missingInput(0);
  bool training = in.size() > 2 && in[2].isValid() &&
                  in[2].numElements() == 1 && in[2].getInt(0) != 0;
  double ratio = in.size() > 1 && in[1].isValid() && in[1].numElements() == 1
                     ? in[1].getDouble(0)
                     : 0.5;
  if (training && ratio != 0.0)
    return makeError("training_mode Dropout is not supported by the reference "
                     "kernels; export the model in inference mode");
  out = {in[0]};
  if (n.numOutputs() > 1) {
    Tensor mask(DType::Bool, in[0].shape());
    if (mask.byteSize())
      std::memset(mask.raw(), 1, mask.byteSize());
    out.push_back(std::move(mask));
  }
  return llvm::Error::success();
}

//===----------------------------------------------------------------------===//
// Shape inference
//===----------------------------------------------------------------------===//

constexpr unsigned withHalves(unsigned m) {
  return (m & kMaskF32) ? (m | kMaskHalf) : m;
}

template <class Op> llvm::Error inferUnary(Node &n) {
  if (llvm::Error e = checkInputDType(n, 0, withHalves(Op::kMask)))
    return e;
  Value *x = n.input(0);
  setOutput(n, 0, Op::kBoolOut ? DType::Bool : x->dtype(), x->shape());
  return llvm::Error::success();
}

llvm::Error inferGelu(Node &n) {
  const std::string &a = n.getString("approximate");
  if (a != "none" && a != "tanh")
    return makeError("approximate must be \"none\" or \"tanh\", got \"" + a +
                     "\"");
  return inferUnary<GeluOp>(n);
}

llvm::Error inferIdentity(Node &n) {
  if (llvm::Error e = checkInputDType(n, 0, kMaskAll))
    return e;
  setOutput(n, 0, n.input(0)->dtype(), n.input(0)->shape());
  return llvm::Error::success();
}

bool isScalarLike(const Shape &s) {
  return s.rank() == 0 || (s.rank() == 1 && s[0] == 1) ||
         (s.rank() == 1 && s[0] == kDynamicDim);
}

llvm::Error inferClip(Node &n) {
  if (llvm::Error e = checkInputDType(n, 0, kMaskArith | kMaskHalf))
    return e;
  Value *x = n.input(0);
  for (unsigned i = 1; i < n.numInputs(); ++i) {
    Value *v = n.input(i);
    if (!v)
      continue;
    if (v->dtype() != x->dtype())
      return makeError(llvm::Twine(i == 1 ? "min" : "max") + " has dtype " +
                       dtypeName(v->dtype()) + " but the input is " +
                       dtypeName(x->dtype()));
    if (!isScalarLike(v->shape()))
      return makeError(llvm::Twine(i == 1 ? "min" : "max") +
                       " must be a scalar, got shape " + v->shape().str());
  }
  setOutput(n, 0, x->dtype(), x->shape());
  return llvm::Error::success();
}

llvm::Error inferDropout(Node &n) {
  if (llvm::Error e = checkInputDType(n, 0, kMaskFloat))
    return e;
  Value *x = n.input(0);
  setOutput(n, 0, x->dtype(), x->shape());
  if (n.numOutputs() > 1)
    setOutput(n, 1, DType::Bool, x->shape());
  return llvm::Error::success();
}

} // namespace

void registerActivationOps(HookTable &t) {
#define ONNTC_UNARY_HOOK(Kind, Op)                                             \
  t[size_t(OpKind::Kind)] = {inferUnary<Op>, withHalfViaF32<computeUnary<Op>>};
  ONNTC_UNARY_HOOK(Relu, ReluOp)
  ONNTC_UNARY_HOOK(Sigmoid, SigmoidOp)
  ONNTC_UNARY_HOOK(Tanh, TanhOp)
  ONNTC_UNARY_HOOK(Erf, ErfOp)
  ONNTC_UNARY_HOOK(Softplus, SoftplusOp)
  ONNTC_UNARY_HOOK(Softsign, SoftsignOp)
  ONNTC_UNARY_HOOK(Mish, MishOp)
  ONNTC_UNARY_HOOK(HardSwish, HardSwishOp)
  ONNTC_UNARY_HOOK(Exp, ExpOp)
  ONNTC_UNARY_HOOK(Log, LogOp)
  ONNTC_UNARY_HOOK(Sqrt, SqrtOp)
  ONNTC_UNARY_HOOK(Reciprocal, ReciprocalOp)
  ONNTC_UNARY_HOOK(Neg, NegOp)
  ONNTC_UNARY_HOOK(Abs, AbsOp)
  ONNTC_UNARY_HOOK(Floor, FloorOp)
  ONNTC_UNARY_HOOK(Ceil, CeilOp)
  ONNTC_UNARY_HOOK(Round, RoundOp)
  ONNTC_UNARY_HOOK(Sign, SignOp)
  ONNTC_UNARY_HOOK(Sin, SinOp)
  ONNTC_UNARY_HOOK(Cos, CosOp)
  ONNTC_UNARY_HOOK(Tan, TanOp)
  ONNTC_UNARY_HOOK(Asin, AsinOp)
  ONNTC_UNARY_HOOK(Acos, AcosOp)
  ONNTC_UNARY_HOOK(Atan, AtanOp)
  ONNTC_UNARY_HOOK(Sinh, SinhOp)
  ONNTC_UNARY_HOOK(Cosh, CoshOp)
  ONNTC_UNARY_HOOK(Asinh, AsinhOp)
  ONNTC_UNARY_HOOK(Acosh, AcoshOp)
  ONNTC_UNARY_HOOK(Atanh, AtanhOp)
  ONNTC_UNARY_HOOK(Not, NotOp)
  ONNTC_UNARY_HOOK(IsNaN, IsNaNOp)
  ONNTC_UNARY_HOOK(IsInf, IsInfOp)
  ONNTC_UNARY_HOOK(LeakyRelu, LeakyReluOp)
  ONNTC_UNARY_HOOK(Elu, EluOp)
  ONNTC_UNARY_HOOK(Celu, CeluOp)
  ONNTC_UNARY_HOOK(Selu, SeluOp)
  ONNTC_UNARY_HOOK(ThresholdedRelu, ThresholdedReluOp)
  ONNTC_UNARY_HOOK(HardSigmoid, HardSigmoidOp)
#undef ONNTC_UNARY_HOOK
  t[size_t(OpKind::Gelu)] = {inferGelu, withHalfViaF32<computeUnary<GeluOp>>};
  t[size_t(OpKind::Identity)] = {inferIdentity, computeIdentity};
  t[size_t(OpKind::Clip)] = {inferClip, withHalfViaF32<computeClip>};
  t[size_t(OpKind::Dropout)] = {inferDropout, computeDropout};
}

} // namespace onntc
