//===- TensorOps.cpp - constants, casts and shape manipulation ------------===//
//
// Constant, Cast, Reshape, Flatten, Transpose, Squeeze, Unsqueeze, Concat,
// Split, DepthToSpace, SpaceToDepth.
// Data movement is generic over dtypes (by element size) and goes through
// stridedCopy. Where a result shape depends on a shape-like input, inference
// uses that input's value when a Constant node produces it.
//
//===----------------------------------------------------------------------===//
#include "ir/ops/TensorOpsParts.h"

#include <cmath>
#include <cstring>
#include <limits>

namespace onntc {

llvm::Error requireInputs(llvm::ArrayRef<Tensor> in, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (i >= in.size() || !in[i].isValid())
      return makeError("input " + llvm::Twine(i) + " is missing");
  return llvm::Error::success();
}

llvm::Error requireNodeInputs(const Node &node, unsigned n) {
  for (unsigned i = 0; i < n; ++i)
    if (!node.input(i))
      return makeError("input " + llvm::Twine(i) + " is missing");
  return llvm::Error::success();
}

llvm::Error checkIntVector(const Node &node, unsigned i, llvm::StringRef what) {
  Value *v = node.input(i);
  if (!v)
    return llvm::Error::success();
  if (isFloat(v->dtype()) || v->dtype() == DType::Bool)
    return makeError(what + " must be an integer tensor, got " +
                     dtypeName(v->dtype()));
  if (v->shape().rank() > 1)
    return makeError(what + " must be 1-D, got shape " + v->shape().str());
  return llvm::Error::success();
}

llvm::Expected<int64_t> checkedProduct(llvm::ArrayRef<int64_t> dims) {
  int64_t p = 1;
  bool dynamic = false;
  for (int64_t d : dims) {
    if (d < 0) {
      dynamic = true;
      continue;
    }
    if (d != 0 && p > kMaxElements / d)
      return makeError("shape has more than 2^40 elements");
    p *= d;
  }
  return dynamic ? kDynamicDim : p;
}

llvm::SmallVector<int64_t, 6> rowStrides(const Shape &s) {
  llvm::SmallVector<int64_t, 6> st(s.rank());
  int64_t acc = 1;
  for (size_t i = s.rank(); i-- > 0;) {
    st[i] = acc;
    acc *= s[i];
  }
  return st;
}

namespace {

llvm::Error success() { return llvm::Error::success(); }

/// Copies `in` permuted by `perm` (output dim k = input dim perm[k]).
Tensor permuted(KernelContext &ctx, const Tensor &in,
                llvm::ArrayRef<int64_t> viewDims, llvm::ArrayRef<int64_t> perm,
                const Shape &outShape) {
  Shape view(viewDims);
  auto st = rowStrides(view);
  llvm::SmallVector<int64_t, 8> d, s;
  for (int64_t p : perm) {
    d.push_back(view[size_t(p)]);
    s.push_back(st[size_t(p)]);
  }
  Tensor out(in.dtype(), outShape);
  stridedCopy(ctx, dtypeSize(in.dtype()), d, s, in.raw(), out.raw());
  return out;
}

//===----------------------------------------------------------------------===//
// Constant, Cast
//===----------------------------------------------------------------------===//

llvm::Error inferConstant(Node &n) {
  if (llvm::Error e = checkRequiredAttrs(n))
    return e;
  const Tensor &t = n.getTensor("value");
  if (!t.isValid())
    return makeError("constant has no value");
  setOutput(n, 0, t.dtype(), t.shape());
  return success();
}

llvm::Error computeConstant(const Node &n, llvm::ArrayRef<Tensor>,
                            std::vector<Tensor> &out, KernelContext &) {
  if (llvm::Error e = checkRequiredAttrs(n))
    return e;
  const Tensor &t = n.getTensor("value");
  if (!t.isValid())
    return makeError("constant has no value");
  out = {t};
  return success();
}

llvm::Error inferCast(Node &n) {
  if (llvm::Error e = checkRequiredAttrs(n))
    return e;
  if (llvm::Error e = requireNodeInputs(n, 1))
    return e;
  setOutput(n, 0, n.getType("to"), n.input(0)->shape());
  return success();
}

/// One element converted with Tensor::castTo's rules: floats truncate toward
/// zero into int64 first (non-finite gives 0), then narrow; ints go to floats
/// through double.
template <typename D, typename S> D convertElement(S v) {
  if constexpr (std::is_floating_point_v<S> && !std::is_floating_point_v<D>)
    return D(std::isfinite(v) ? int64_t(v) : 0);
  else if constexpr (std::is_floating_point_v<D>)
    return D(double(v));
  else
    return D(v);
}

/// Typed, threaded loops for casts among f32 and the integer types and
/// between f32 and the half types; false for the pairs left to castTo.
bool fastCast(const Tensor &x, Tensor &y, KernelContext &ctx) {
  int64_t n = x.numElements();
  auto run = [&](auto body) { ctx.parallelFor(n, 1 << 16, body); };
  DType s = x.dtype(), d = y.dtype();
  if (s == DType::F32 && (d == DType::F16 || d == DType::BF16)) {
    const float *p = x.data<float>();
    uint16_t *q = y.data<uint16_t>();
    bool bf = d == DType::BF16;
    run([&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i)
        q[i] = bf ? floatToBF16(p[i]) : floatToHalf(p[i]);
    });
    return true;
  }
  if (d == DType::F32 && (s == DType::F16 || s == DType::BF16)) {
    const uint16_t *p = x.data<uint16_t>();
    float *q = y.data<float>();
    bool bf = s == DType::BF16;
    run([&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i)
        q[i] = bf ? bf16ToFloat(p[i]) : halfToFloat(p[i]);
    });
    return true;
  }
  bool done = false;
  dispatchDType<kMaskArith>(s, [&](auto st) {
    using S = typename Storage<decltype(st)::value>::type;
    dispatchDType<kMaskArith>(d, [&](auto dt) {
      using D = typename Storage<decltype(dt)::value>::type;
      const S *p = x.data<S>();
      D *q = y.data<D>();
      run([&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i)
          q[i] = convertElement<D>(p[i]);
      });
      done = true;
    });
  });
  return done;
}

llvm::Error computeCast(const Node &n, llvm::ArrayRef<Tensor> in,
                        std::vector<Tensor> &out, KernelContext &ctx) {
  if (llvm::Error e = checkRequiredAttrs(n))
    return e;
  if (llvm::Error e = requireInputs(in, 1))
    return e;
  DType to = n.getType("to");
  if (in[0].dtype() == to) {
    out = {in[0]};
    return success();
  }
  Tensor y(to, in[0].shape());
  if (!fastCast(in[0], y, ctx))
    y = in[0].castTo(to);
  out = {std::move(y)};
  return success();
}

//===----------------------------------------------------------------------===//
// Reshape, Flatten, Squeeze, Unsqueeze
//===----------------------------------------------------------------------===//

/// The output shape of Reshape(`in`, `spec`); `in` may have dynamic dims.
llvm::Expected<Shape>
reshapeTarget(const Shape &in, llvm::ArrayRef<int64_t> spec, bool allowZero) {
  Shape out;
  int inferIdx = -1;
  for (size_t i = 0; i < spec.size(); ++i) {
    int64_t v = spec[i];
    if (v == -1) {
      if (inferIdx >= 0)
        return makeError("shape has more than one -1");
      inferIdx = int(i);
      out.mutableDims().push_back(kDynamicDim);
    } else if (v == 0 && !allowZero) {
      if (i >= in.rank())
        return makeError("shape entry " + llvm::Twine(i) +
                         " is 0 (copy) but the input has rank " +
                         llvm::Twine(in.rank()));
      out.mutableDims().push_back(in[i]);
    } else if (v < 0) {
      return makeError("shape entry " + llvm::Twine(v) + " is invalid");
    } else {
      out.mutableDims().push_back(v);
    }
  }
  auto inCount = checkedProduct(in.dims());
  if (!inCount)
    return inCount.takeError();
  llvm::SmallVector<int64_t, 6> known;
  for (size_t i = 0; i < out.rank(); ++i)
    if (int(i) != inferIdx)
      known.push_back(out[i]);
  auto knownCount = checkedProduct(known);
  if (!knownCount)
    return knownCount.takeError();
  if (inferIdx >= 0) {
    if (allowZero && llvm::is_contained(spec, 0))
      return makeError("shape has both 0 and -1 with allowzero=1");
    if (*inCount >= 0 && *knownCount >= 0) {
      if (*knownCount == 0 || *inCount % *knownCount != 0)
        return makeError("cannot reshape " + in.str() + " (" +
                         llvm::Twine(*inCount) + " elements) into " +
                         out.str());
      out[size_t(inferIdx)] = *inCount / *knownCount;
    }
  } else if (*inCount >= 0 && *knownCount >= 0 && *inCount != *knownCount) {
    return makeError("cannot reshape " + in.str() + " (" +
                     llvm::Twine(*inCount) + " elements) into " + out.str());
  }
  return out;
}

llvm::Error inferReshape(Node &n) {
  if (llvm::Error e = requireNodeInputs(n, 2))
    return e;
  if (llvm::Error e = checkIntVector(n, 1, "shape"))
    return e;
  Value *x = n.input(0);
  if (auto spec = constantInts(n, 1)) {
    auto s = reshapeTarget(x->shape(), *spec, n.getInt("allowzero") != 0);
    if (!s)
      return s.takeError();
    setOutput(n, 0, x->dtype(), *s);
    return success();
  }
  const Shape &ss = n.input(1)->shape();
  if (ss.rank() != 1 || ss[0] < 0)
    return makeError("the target shape's length is unknown; the output rank "
                     "cannot be inferred (make the shape a constant)");
  setOutput(n, 0, x->dtype(),
            Shape(std::vector<int64_t>(size_t(ss[0]), kDynamicDim)));
  return success();
}

llvm::Error computeReshape(const Node &n, llvm::ArrayRef<Tensor> in,
                           std::vector<Tensor> &out, KernelContext &) {
  if (llvm::Error e = requireInputs(in, 2))
    return e;
  auto s =
      reshapeTarget(in[0].shape(), in[1].toInts(), n.getInt("allowzero") != 0);
  if (!s)
    return s.takeError();
  out = {in[0].reshaped(*s)};
  return success();
}

llvm::Expected<Shape> flattenShape(const Shape &in, int64_t axis) {
  int64_t r = int64_t(in.rank());
  if (axis < -r || axis > r)
    return makeError("axis " + llvm::Twine(axis) +
                     " is out of range for rank " + llvm::Twine(r));
  if (axis < 0)
    axis += r;
  auto a = checkedProduct(in.dims().take_front(size_t(axis)));
  if (!a)
    return a.takeError();
  auto b = checkedProduct(in.dims().drop_front(size_t(axis)));
  if (!b)
    return b.takeError();
  return Shape{*a, *b};
}

llvm::Error inferFlatten(Node &n) {
  if (llvm::Error e = requireNodeInputs(n, 1))
    return e;
  auto s = flattenShape(n.input(0)->shape(), n.getInt("axis"));
  if (!s)
    return s.takeError();
  setOutput(n, 0, n.input(0)->dtype(), *s);
  return success();
}

llvm::Error computeFlatten(const Node &n, llvm::ArrayRef<Tensor> in,
                           std::vector<Tensor> &out, KernelContext &) {
  if (llvm::Error e = requireInputs(in, 1))
    return e;
  auto s = flattenShape(in[0].shape(), n.getInt("axis"));
  if (!s)
    return s.takeError();
  out = {in[0].reshaped(*s)};
  return success();
}

/// Squeeze: with `axes`, those dims must be 1 (or dynamic at compile time);
/// without, every static 1 is removed.
llvm::Expected<Shape> squeezeShape(const Shape &in,
                                   llvm::ArrayRef<int64_t> axes) {
  int64_t r = int64_t(in.rank());
  std::vector<bool> drop(size_t(r), false);
  if (axes.empty()) {
    for (int64_t i = 0; i < r; ++i)
      drop[size_t(i)] = in[size_t(i)] == 1;
  }
  for (int64_t a : axes) {
    auto ax = normalizeAxis(a, r);
    if (!ax)
      return ax.takeError();
    if (drop[size_t(*ax)])
      return makeError("axis " + llvm::Twine(a) + " is listed twice");
    int64_t d = in[size_t(*ax)];
    if (d != 1 && d != kDynamicDim)
      return makeError("cannot squeeze axis " + llvm::Twine(a) + " of extent " +
                       llvm::Twine(d) + " in " + in.str());
    drop[size_t(*ax)] = true;
  }
  Shape out;
  for (int64_t i = 0; i < r; ++i)
    if (!drop[size_t(i)])
      out.mutableDims().push_back(in[size_t(i)]);
  return out;
}

llvm::Expected<Shape> unsqueezeShape(const Shape &in,
                                     llvm::ArrayRef<int64_t> axes) {
  int64_t r = int64_t(in.rank() + axes.size());
  if (axes.empty())
    return makeError("axes is empty");
  std::vector<bool> add(size_t(r), false);
  for (int64_t a : axes) {
    auto ax = normalizeAxis(a, r);
    if (!ax)
      return ax.takeError();
    if (add[size_t(*ax)])
      return makeError("axis " + llvm::Twine(a) + " is listed twice");
    add[size_t(*ax)] = true;
  }
  Shape out;
  size_t k = 0;
  for (int64_t i = 0; i < r; ++i)
    out.mutableDims().push_back(add[size_t(i)] ? 1 : in[k++]);
  return out;
}

template <llvm::Expected<Shape> (*F)(const Shape &, llvm::ArrayRef<int64_t>)>
llvm::Error inferAxesView(Node &n) {
  if (llvm::Error e = checkRequiredAttrs(n))
    return e;
  if (llvm::Error e = requireNodeInputs(n, 1))
    return e;
  auto s = F(n.input(0)->shape(), n.getInts("axes"));
  if (!s)
    return s.takeError();
  setOutput(n, 0, n.input(0)->dtype(), *s);
  return success();
}

template <llvm::Expected<Shape> (*F)(const Shape &, llvm::ArrayRef<int64_t>)>
llvm::Error computeAxesView(const Node &n, llvm::ArrayRef<Tensor> in,
                            std::vector<Tensor> &out, KernelContext &) {
  if (llvm::Error e = checkRequiredAttrs(n))
    return e;
  if (llvm::Error e = requireInputs(in, 1))
    return e;
  auto s = F(in[0].shape(), n.getInts("axes"));
  if (!s)
    return s.takeError();
  out = {in[0].reshaped(*s)};
  return success();
}

//===----------------------------------------------------------------------===//
// Transpose, DepthToSpace, SpaceToDepth
//===----------------------------------------------------------------------===//

llvm::Expected<std::vector<int64_t>> transposePerm(const Node &n, size_t rank) {
  llvm::ArrayRef<int64_t> p = n.getInts("perm");
  std::vector<int64_t> perm;
  if (p.empty()) {
    for (size_t i = rank; i-- > 0;)
      perm.push_back(int64_t(i));
    return perm;
  }
  if (p.size() != rank)
    return makeError("perm has " + llvm::Twine(p.size()) +
                     " entries but the input has rank " + llvm::Twine(rank));
  std::vector<bool> seen(rank, false);
  for (int64_t a : p) {
    auto ax = normalizeAxis(a, int64_t(rank));
    if (!ax)
      return ax.takeError();
    if (seen[size_t(*ax)])
      return makeError("perm is not a permutation");
    seen[size_t(*ax)] = true;
    perm.push_back(*ax);
  }
  return perm;
}

llvm::Error inferTranspose(Node &n) {
  if (llvm::Error e = requireNodeInputs(n, 1))
    return e;
  const Shape &x = n.input(0)->shape();
  auto perm = transposePerm(n, x.rank());
  if (!perm)
    return perm.takeError();
  Shape out;
  for (int64_t p : *perm)
    out.mutableDims().push_back(x[size_t(p)]);
  setOutput(n, 0, n.input(0)->dtype(), out);
  return success();
}

llvm::Error computeTranspose(const Node &n, llvm::ArrayRef<Tensor> in,
                             std::vector<Tensor> &out, KernelContext &ctx) {
  if (llvm::Error e = requireInputs(in, 1))
    return e;
  const Shape &x = in[0].shape();
  auto perm = transposePerm(n, x.rank());
  if (!perm)
    return perm.takeError();
  Shape os;
  for (int64_t p : *perm)
    os.mutableDims().push_back(x[size_t(p)]);
  out = {permuted(ctx, in[0], x.dims(), *perm, os)};
  return success();
}

/// The 6-D view and permutation that DepthToSpace / SpaceToDepth are.
struct BlockPlan {
  std::vector<int64_t> view, perm;
  Shape out;
};

llvm::Expected<BlockPlan> blockPlan(const Node &n, const Shape &x,
                                    bool toSpace) {
  int64_t b = n.getInt("blocksize");
  if (x.rank() != 4)
    return makeError("input must be 4-D (NCHW), got " + x.str());
  if (b <= 0 || b > (int64_t(1) << 20))
    return makeError("blocksize " + llvm::Twine(b) + " is invalid");
  int64_t N = x[0], C = x[1], H = x[2], W = x[3];
  auto mul = [](int64_t d, int64_t f) { return d < 0 ? kDynamicDim : d * f; };
  auto div = [](int64_t d, int64_t f) { return d < 0 ? kDynamicDim : d / f; };
  BlockPlan p;
  if (toSpace) {
    if (C >= 0 && C % (b * b) != 0)
      return makeError("channels " + llvm::Twine(C) +
                       " are not a multiple of blocksize^2");
    int64_t c = div(C, b * b);
    p.out = Shape{N, c, mul(H, b), mul(W, b)};
    if (n.getString("mode") == "CRD") {
      p.view = {N, c, b, b, H, W};
      p.perm = {0, 1, 4, 2, 5, 3};
    } else if (n.getString("mode") == "DCR") {
      p.view = {N, b, b, c, H, W};
      p.perm = {0, 3, 4, 1, 5, 2};
    } else {
      return makeError("mode must be \"DCR\" or \"CRD\", got \"" +
                       n.getString("mode") + "\"");
    }
  } else {
    if ((H >= 0 && H % b) || (W >= 0 && W % b))
      return makeError("height and width of " + x.str() +
                       " must be multiples of blocksize " + llvm::Twine(b));
    p.out = Shape{N, mul(C, b * b), div(H, b), div(W, b)};
    p.view = {N, C, div(H, b), b, div(W, b), b};
    p.perm = {0, 3, 5, 1, 2, 4};
  }
  return p;
}

template <bool ToSpace> llvm::Error inferBlock(Node &n) {
  if (llvm::Error e = checkRequiredAttrs(n))
    return e;
  if (llvm::Error e = requireNodeInputs(n, 1))
    return e;
  auto p = blockPlan(n, n.input(0)->shape(), ToSpace);
  if (!p)
    return p.takeError();
  setOutput(n, 0, n.input(0)->dtype(), p->out);
  return success();
}

template <bool ToSpace>
llvm::Error computeBlock(const Node &n, llvm::ArrayRef<Tensor> in,
                         std::vector<Tensor> &out, KernelContext &ctx) {
  if (llvm::Error e = checkRequiredAttrs(n))
    return e;
  if (llvm::Error e = requireInputs(in, 1))
    return e;
  auto p = blockPlan(n, in[0].shape(), ToSpace);
  if (!p)
    return p.takeError();
  out = {permuted(ctx, in[0], p->view, p->perm, p->out)};
  return success();
}

//===----------------------------------------------------------------------===//
// Concat, Split
//===----------------------------------------------------------------------===//

llvm::Error inferConcat(Node &n) {
  if (llvm::Error e = checkRequiredAttrs(n))
    return e;
  if (n.numInputs() == 0 || !n.input(0))
    return makeError("needs at least one input");
  Value *first = n.input(0);
  int64_t r = int64_t(first->shape().rank());
  auto axis = normalizeAxis(n.getInt("axis"), r);
  if (!axis)
    return axis.takeError();
  Shape out = first->shape();
  for (unsigned i = 1; i < n.numInputs(); ++i) {
    Value *v = n.input(i);
    if (!v)
      return makeError("input " + llvm::Twine(i) + " is missing");
    if (v->dtype() != first->dtype())
      return makeError("input " + llvm::Twine(i) + " has dtype " +
                       dtypeName(v->dtype()) + " but input 0 has " +
                       dtypeName(first->dtype()));
    const Shape &s = v->shape();
    if (int64_t(s.rank()) != r)
      return makeError("input " + llvm::Twine(i) + " has shape " + s.str() +
                       " whose rank differs from input 0's " +
                       first->shape().str());
    for (int64_t d = 0; d < r; ++d) {
      int64_t a = out[size_t(d)], b = s[size_t(d)];
      if (d == *axis) {
        out[size_t(d)] = (a < 0 || b < 0) ? kDynamicDim : a + b;
      } else if (a >= 0 && b >= 0 && a != b) {
        return makeError("input " + llvm::Twine(i) + " has shape " + s.str() +
                         " which does not match " + first->shape().str() +
                         " outside axis " + llvm::Twine(*axis));
      } else if (a < 0) {
        out[size_t(d)] = b;
      }
    }
  }
  setOutput(n, 0, first->dtype(), out);
  return success();
}

llvm::Error computeConcat(const Node &n, llvm::ArrayRef<Tensor> in,
                          std::vector<Tensor> &out, KernelContext &) {
  if (llvm::Error e = checkRequiredAttrs(n))
    return e;
  if (llvm::Error e = requireInputs(in, in.empty() ? 1 : in.size()))
    return e;
  const Shape &s0 = in[0].shape();
  int64_t r = int64_t(s0.rank());
  auto axis = normalizeAxis(n.getInt("axis"), r);
  if (!axis)
    return axis.takeError();
  Shape os = s0;
  os[size_t(*axis)] = 0;
  for (const Tensor &t : in) {
    if (t.dtype() != in[0].dtype() || int64_t(t.shape().rank()) != r)
      return makeError("inputs differ in dtype or rank");
    for (int64_t d = 0; d < r; ++d)
      if (d != *axis && t.shape()[size_t(d)] != s0[size_t(d)])
        return makeError("input shape " + t.shape().str() + " does not match " +
                         s0.str() + " outside the concat axis");
    os[size_t(*axis)] += t.shape()[size_t(*axis)];
  }
  Tensor y(in[0].dtype(), os);
  size_t es = dtypeSize(y.dtype());
  int64_t outer = 1;
  for (int64_t d = 0; d < *axis; ++d)
    outer *= s0[size_t(d)];
  size_t rowBytes = size_t(y.numElements() / std::max<int64_t>(outer, 1)) * es;
  size_t at = 0;
  for (const Tensor &t : in) {
    size_t chunk = size_t(t.numElements() / std::max<int64_t>(outer, 1)) * es;
    for (int64_t o = 0; o < outer && chunk; ++o)
      std::memcpy(y.raw() + size_t(o) * rowBytes + at,
                  t.raw() + size_t(o) * chunk, chunk);
    at += chunk;
  }
  out = {std::move(y)};
  return success();
}

/// Piece sizes along the axis of extent `dim` (kDynamicDim if unknown).
llvm::Expected<std::vector<int64_t>>
splitSizes(int64_t dim, unsigned pieces,
           const std::optional<std::vector<int64_t>> &given) {
  if (given) {
    if (given->size() != pieces)
      return makeError("split has " + llvm::Twine(given->size()) +
                       " sizes but the node has " + llvm::Twine(pieces) +
                       " outputs");
    int64_t sum = 0;
    for (int64_t v : *given) {
      if (v < 0 || v > kMaxElements)
        return makeError("split size " + llvm::Twine(v) + " is invalid");
      sum += v;
    }
    if (dim >= 0 && sum != dim)
      return makeError("split sizes sum to " + llvm::Twine(sum) +
                       " but the axis has extent " + llvm::Twine(dim));
    return *given;
  }
  if (dim < 0)
    return std::vector<int64_t>(pieces, kDynamicDim);
  // Equal pieces; when not divisible the last one is smaller (opset 18).
  int64_t chunk = (dim + pieces - 1) / pieces;
  std::vector<int64_t> s;
  int64_t left = dim;
  for (unsigned i = 0; i < pieces; ++i) {
    s.push_back(std::min(chunk, left));
    left -= s.back();
  }
  return s;
}

llvm::Error inferSplit(Node &n) {
  if (llvm::Error e = requireNodeInputs(n, 1))
    return e;
  if (llvm::Error e = checkIntVector(n, 1, "split"))
    return e;
  const Shape &x = n.input(0)->shape();
  auto axis = normalizeAxis(n.getInt("axis"), int64_t(x.rank()));
  if (!axis)
    return axis.takeError();
  std::optional<std::vector<int64_t>> given;
  if (n.input(1)) {
    given = constantInts(n, 1);
    if (!given) {
      for (unsigned i = 0; i < n.numOutputs(); ++i) {
        Shape s = x;
        s[size_t(*axis)] = kDynamicDim;
        setOutput(n, i, n.input(0)->dtype(), s);
      }
      return success();
    }
  }
  auto sizes = splitSizes(x[size_t(*axis)], n.numOutputs(), given);
  if (!sizes)
    return sizes.takeError();
  for (unsigned i = 0; i < n.numOutputs(); ++i) {
    Shape s = x;
    s[size_t(*axis)] = (*sizes)[i];
    setOutput(n, i, n.input(0)->dtype(), s);
  }
  return success();
}

llvm::Error computeSplit(const Node &n, llvm::ArrayRef<Tensor> in,
                         std::vector<Tensor> &out, KernelContext &ctx) {
  if (llvm::Error e = requireInputs(in, 1))
    return e;
  const Tensor &x = in[0];
  auto axis = normalizeAxis(n.getInt("axis"), int64_t(x.shape().rank()));
  if (!axis)
    return axis.takeError();
  std::optional<std::vector<int64_t>> given;
  if (in.size() > 1 && in[1].isValid())
    given = in[1].toInts();
  auto sizes = splitSizes(x.shape()[size_t(*axis)], n.numOutputs(), given);
  if (!sizes)
    return sizes.takeError();
  auto st = rowStrides(x.shape());
  out.clear();
  int64_t at = 0;
  for (int64_t sz : *sizes) {
    Shape s = x.shape();
    s[size_t(*axis)] = sz;
    Tensor y(x.dtype(), s);
    size_t es = dtypeSize(x.dtype());
    stridedCopy(ctx, es, s.dims(), st,
                x.raw() + size_t(at * st[size_t(*axis)]) * es, y.raw());
    at += sz;
    out.push_back(std::move(y));
  }
  return success();
}

} // namespace

void registerTensorOps(HookTable &t) {
  auto set = [&](OpKind k, InferFn i, ComputeFn c) { t[size_t(k)] = {i, c}; };
  set(OpKind::Constant, inferConstant, computeConstant);
  set(OpKind::Cast, inferCast, computeCast);
  set(OpKind::Reshape, inferReshape, computeReshape);
  set(OpKind::Flatten, inferFlatten, computeFlatten);
  set(OpKind::Transpose, inferTranspose, computeTranspose);
  set(OpKind::Squeeze, inferAxesView<squeezeShape>,
      computeAxesView<squeezeShape>);
  set(OpKind::Unsqueeze, inferAxesView<unsqueezeShape>,
      computeAxesView<unsqueezeShape>);
  set(OpKind::Concat, inferConcat, computeConcat);
  set(OpKind::Split, inferSplit, computeSplit);
  set(OpKind::DepthToSpace, inferBlock<true>, computeBlock<true>);
  set(OpKind::SpaceToDepth, inferBlock<false>, computeBlock<false>);
  registerTensorShapeOps(t);
  registerTensorSliceOps(t);
  registerTensorIndexOps(t);
}

} // namespace onntc
