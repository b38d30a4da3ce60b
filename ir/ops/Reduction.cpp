//===- Reduction.cpp - Reduce*, ArgMax/ArgMin, CumSum ---------------------===//
//
// Reductions walk the input once in row-major order with an odometer over
// the dims, keeping the offset of the output element (reduced axes have
// output stride 0). Float inputs accumulate in double and integer inputs in
// int64; empty reductions give each op's identity (0 for sums, 1 for
// products, -inf/+inf or the type's extremes for max/min, -inf for the log
// sums and NaN for the mean), as ONNX specifies.
//
//===----------------------------------------------------------------------===//
#include "ir/ops/WrapMath.h"
#include "ir/ops/NnCommon.h"

#include <cmath>
#include <limits>
#include <type_traits>

namespace onntc {

namespace {

/// Sorted unique normalised axes, or an error for out-of-range/duplicates.
llvm::Expected<std::vector<int64_t>> normalizeAxes(llvm::ArrayRef<int64_t> axes,
                                                   int64_t rank) {
  std::vector<int64_t> out;
  for (int64_t a : axes) {
    llvm::Expected<int64_t> na = normalizeAxis(a, rank);
    if (!na)
      return na.takeError();
    if (std::find(out.begin(), out.end(), *na) != out.end())
      return makeError("axis " + llvm::Twine(a) + " is listed twice");
    out.push_back(*na);
  }
  std::sort(out.begin(), out.end());
  return out;
}

/// Which dims a Reduce node reduces; empty with `noop` true means identity.
llvm::Expected<std::vector<bool>> reducedDims(const Node &n, size_t rank,
                                              bool &noop) {
  llvm::ArrayRef<int64_t> axes = n.getInts("axes");
  noop = axes.empty() && n.getInt("noop_with_empty_axes") != 0;
  std::vector<bool> red(rank, axes.empty() && !noop);
  if (axes.empty())
    return red;
  llvm::Expected<std::vector<int64_t>> na = normalizeAxes(axes, int64_t(rank));
  if (!na)
    return na.takeError();
  for (int64_t a : *na)
    red[size_t(a)] = true;
  return red;
}

Shape reducedShape(const Shape &x, const std::vector<bool> &red, bool keep) {
  Shape out;
  for (size_t i = 0; i < x.rank(); ++i) {
    if (!red[i])
      out.mutableDims().push_back(x[i]);
    else if (keep)
      out.mutableDims().push_back(1);
  }
  return out;
}

llvm::Error inferReduce(Node &n) {
  if (llvm::Error e = expectDType(n, 0,
                                  {DType::F32, DType::I32, DType::I64,
                                   DType::I8, DType::U8, DType::I16,
                                   DType::U16}))
    return e;
  const Shape &x = n.input(0)->shape();
  bool noop;
  llvm::Expected<std::vector<bool>> red = reducedDims(n, x.rank(), noop);
  if (!red)
    return red.takeError();
  setOutput(n, 0, n.input(0)->dtype(),
            noop ? x : reducedShape(x, *red, n.getInt("keepdims") != 0));
  return llvm::Error::success();
}

/// Calls fn(inIndex, outOffset) for every input element in row-major order.
template <typename Fn>
void forEachReduced(const Shape &xs, const std::vector<bool> &red, Fn fn) {
  size_t r = xs.rank();
  int64_t total = xs.numElements();
  if (total == 0)
    return;
  // Output strides over the kept dims (reduced dims contribute 0).
  std::vector<int64_t> ost(r, 0);
  int64_t acc = 1;
  for (size_t i = r; i-- > 0;)
    if (!red[i]) {
      ost[i] = acc;
      acc *= xs[i];
    }
  std::vector<int64_t> idx(r, 0);
  int64_t o = 0;
  for (int64_t i = 0; i < total; ++i) {
    fn(i, o);
    for (size_t d = r; d-- > 0;) {
      ++idx[d];
      o += ost[d];
      if (idx[d] < xs[d])
        break;
      o -= ost[d] * idx[d];
      idx[d] = 0;
    }
  }
}

/// Integer accumulation wraps around (ir/ops/WrapMath.h).
template <typename A> A accAdd(A a, A b) { return wrapAdd(a, b); }
template <typename A> A accMul(A a, A b) { return wrapMul(a, b); }
template <typename A> A accAbs(A v) {
  return v < 0 ? A(accMul(v, A(-1))) : v;
}

template <typename T>
llvm::Error reduceTyped(OpKind k, const Tensor &X, const std::vector<bool> &red,
                        const Shape &ys, std::vector<Tensor> &out) {
  using Acc = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;
  int64_t on = ys.numElements();
  const T *x = X.data<T>();
  constexpr bool isFloatT = std::is_floating_point_v<T>;
  Acc init = 0;
  switch (k) {
  case OpKind::ReduceProd:
    init = 1;
    break;
  case OpKind::ReduceMax:
    init = isFloatT ? Acc(-std::numeric_limits<double>::infinity())
                    : Acc(std::numeric_limits<T>::lowest());
    break;
  case OpKind::ReduceMin:
    init = isFloatT ? Acc(std::numeric_limits<double>::infinity())
                    : Acc(std::numeric_limits<T>::max());
    break;
  default:
    break;
  }
  std::vector<Acc> acc(size_t(on), init);
  // Running maximum for the log-sum-exp (in double whatever T is).
  std::vector<double> lmax, lsum;
  if (k == OpKind::ReduceLogSumExp) {
    lmax.assign(size_t(on), -std::numeric_limits<double>::infinity());
    lsum.assign(size_t(on), 0.0);
  }
  auto body = [&](int64_t i, int64_t o) {
    Acc v = Acc(x[i]);
    Acc &a = acc[size_t(o)];
    switch (k) {
    case OpKind::ReduceSum:
    case OpKind::ReduceMean:
    case OpKind::ReduceLogSum:
      a = accAdd(a, v);
      break;
    case OpKind::ReduceProd:
      a = accMul(a, v);
      break;
    case OpKind::ReduceMax:
      if (v > a || std::isnan(double(v)))
        a = v;
      break;
    case OpKind::ReduceMin:
      if (v < a || std::isnan(double(v)))
        a = v;
      break;
    case OpKind::ReduceL1:
      a = accAdd(a, accAbs(v));
      break;
    case OpKind::ReduceL2:
    case OpKind::ReduceSumSquare:
      a = accAdd(a, accMul(v, v));
      break;
    case OpKind::ReduceLogSumExp: {
      double dv = double(x[i]);
      double &m = lmax[size_t(o)], &s = lsum[size_t(o)];
      if (dv > m) {
        s = s * std::exp(m - dv) + 1.0;
        m = dv;
      } else {
        s += std::exp(dv - m);
      }
      break;
    }
    default:
      break;
    }
  };
  forEachReduced(X.shape(), red, body);
  int64_t count = 1;
  for (size_t i = 0; i < red.size(); ++i)
    if (red[i])
      count *= X.shape()[i];
  Tensor Y(X.dtype(), ys);
  T *y = Y.data<T>();
  for (int64_t o = 0; o < on; ++o) {
    double a = double(acc[size_t(o)]);
    double r;
    switch (k) {
    case OpKind::ReduceMean:
      r = count ? a / double(count)
                : std::numeric_limits<double>::quiet_NaN();
      if (!isFloatT && count) {
        // Integer mean truncates toward zero like integer division.
        y[o] = T(acc[size_t(o)] / Acc(count));
        continue;
      }
      break;
    case OpKind::ReduceL2:
      r = std::sqrt(a);
      break;
    case OpKind::ReduceLogSum:
      r = std::log(a);
      break;
    case OpKind::ReduceLogSumExp:
      r = lmax[size_t(o)] + std::log(lsum[size_t(o)]);
      break;
    default:
      y[o] = T(acc[size_t(o)]);
      continue;
    }
    y[o] = T(r);
  }
  out.push_back(std::move(Y));
  return llvm::Error::success();
}

llvm::Error computeReduce(const Node &n, llvm::ArrayRef<Tensor> in,
                          std::vector<Tensor> &out, KernelContext &ctx) {
  const Tensor &X = in[0];
  bool noop;
  llvm::Expected<std::vector<bool>> red =
      reducedDims(n, X.shape().rank(), noop);
  if (!red)
    return red.takeError();
  if (noop) {
    out.push_back(X);
    return llvm::Error::success();
  }
  Shape ys = reducedShape(X.shape(), *red, n.getInt("keepdims") != 0);
  return dispatchNumeric(X.dtype(), n.info().name, [&](auto tag) {
    return reduceTyped<decltype(tag)>(n.kind(), X, *red, ys, out);
  });
}

llvm::Error inferArg(Node &n) {
  if (llvm::Error e = expectDType(n, 0,
                                  {DType::F32, DType::I32, DType::I64,
                                   DType::I8, DType::U8, DType::I16,
                                   DType::U16}))
    return e;
  const Shape &x = n.input(0)->shape();
  llvm::Expected<int64_t> ax = normalizeAxis(n.getInt("axis"), x.rank());
  if (!ax)
    return ax.takeError();
  std::vector<bool> red(x.rank(), false);
  red[size_t(*ax)] = true;
  setOutput(n, 0, DType::I64, reducedShape(x, red, n.getInt("keepdims") != 0));
  return llvm::Error::success();
}

llvm::Error computeArg(const Node &n, llvm::ArrayRef<Tensor> in,
                       std::vector<Tensor> &out, KernelContext &ctx) {
  const Tensor &X = in[0];
  const Shape &xs = X.shape();
  llvm::Expected<int64_t> ax = normalizeAxis(n.getInt("axis"), xs.rank());
  if (!ax)
    return ax.takeError();
  if (xs[*ax] == 0)
    return makeError("cannot take the arg of an empty axis");
  std::vector<bool> red(xs.rank(), false);
  red[size_t(*ax)] = true;
  Shape ys = reducedShape(xs, red, n.getInt("keepdims") != 0);
  bool isMax = n.kind() == OpKind::ArgMax;
  bool last = n.getInt("select_last_index") != 0;
  int64_t len = xs[*ax], inner = 1;
  for (size_t i = *ax + 1; i < xs.rank(); ++i)
    inner *= xs[i];
  int64_t outer = len * inner == 0 ? 0 : X.numElements() / (len * inner);
  return dispatchNumeric(X.dtype(), n.info().name, [&](auto tag) {
    using T = decltype(tag);
    const T *x = X.data<T>();
    Tensor Y(DType::I64, ys);
    int64_t *y = Y.data<int64_t>();
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i) {
        const T *p = x + o * len * inner + i;
        int64_t best = 0;
        for (int64_t j = 1; j < len; ++j) {
          T v = p[j * inner], b = p[best * inner];
          bool better = isMax ? (v > b || (last && v == b))
                              : (v < b || (last && v == b));
          if (better)
            best = j;
        }
        y[o * inner + i] = best;
      }
    out.push_back(std::move(Y));
    return llvm::Error::success();
  });
}

llvm::Error inferCumSum(Node &n) {
  if (llvm::Error e = expectDType(n, 0,
                                  {DType::F32, DType::I32, DType::I64,
                                   DType::U8, DType::I8, DType::I16,
                                   DType::U16}))
    return e;
  if (llvm::Error e = expectDType(n, 1, {DType::I32, DType::I64}))
    return e;
  const Shape &a = n.input(1)->shape();
  if (a.rank() > 1 || (a.rank() == 1 && a[0] >= 0 && a[0] != 1))
    return makeError("axis must be a scalar or a one-element tensor, got " +
                     a.str());
  const Shape &x = n.input(0)->shape();
  if (std::optional<std::vector<int64_t>> c = constantInts(n, 1))
    if (llvm::Error e = normalizeAxis((*c)[0], x.rank()).takeError())
      return e;
  setOutput(n, 0, n.input(0)->dtype(), x);
  return llvm::Error::success();
}

llvm::Error computeCumSum(const Node &n, llvm::ArrayRef<Tensor> in,
                          std::vector<Tensor> &out, KernelContext &ctx) {
  const Tensor &X = in[0];
  const Shape &xs = X.shape();
  if (in[1].numElements() != 1)
    return makeError("CumSum axis must hold one value");
  llvm::Expected<int64_t> ax = normalizeAxis(in[1].getInt(0), xs.rank());
  if (!ax)
    return ax.takeError();
  bool excl = n.getInt("exclusive") != 0, rev = n.getInt("reverse") != 0;
  int64_t len = xs[*ax], inner = 1;
  for (size_t i = *ax + 1; i < xs.rank(); ++i)
    inner *= xs[i];
  int64_t outer = len * inner == 0 ? 0 : X.numElements() / (len * inner);
  return dispatchNumeric(X.dtype(), "CumSum", [&](auto tag) {
    using T = decltype(tag);
    const T *x = X.data<T>();
    Tensor Y(X.dtype(), xs);
    T *y = Y.data<T>();
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i) {
        T acc = T(0);
        for (int64_t s = 0; s < len; ++s) {
          int64_t j = rev ? len - 1 - s : s;
          int64_t off = (o * len + j) * inner + i;
          if (excl) {
            y[off] = acc;
            acc = T(acc + x[off]);
          } else {
            acc = T(acc + x[off]);
            y[off] = acc;
          }
        }
      }
    out.push_back(std::move(Y));
    return llvm::Error::success();
  });
}

} // namespace

void registerReductionOps(HookTable &t) {
  for (OpKind k : {OpKind::ReduceMean, OpKind::ReduceSum, OpKind::ReduceMax,
                   OpKind::ReduceMin, OpKind::ReduceProd, OpKind::ReduceL1,
                   OpKind::ReduceL2, OpKind::ReduceSumSquare,
                   OpKind::ReduceLogSum, OpKind::ReduceLogSumExp})
    t[size_t(k)] = {inferReduce, computeReduce};
  t[size_t(OpKind::ArgMax)] = {inferArg, computeArg};
  t[size_t(OpKind::ArgMin)] = {inferArg, computeArg};
  t[size_t(OpKind::CumSum)] = {inferCumSum, computeCumSum};
}

} // namespace onntc
