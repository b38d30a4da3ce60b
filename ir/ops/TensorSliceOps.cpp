//===- TensorSliceOps.cpp - Slice, Pad, Expand, Tile ----------------------===//
//
// The TensorOps whose output is a region or a repetition of the input. Shape
// inference reads the shape-like operands (starts/ends/axes/steps, pads,
// shape, repeats) when they are constants and leaves dims dynamic otherwise.
//
//===----------------------------------------------------------------------===//
#include "ir/ops/TensorOpsParts.h"

#include <algorithm>
#include <limits>

namespace onntc {
namespace {

llvm::Error success() { return llvm::Error::success(); }

//===----------------------------------------------------------------------===//
// Slice
//===----------------------------------------------------------------------===//

/// Per data dimension: first element, step and extent of the slice.
struct SlicePlan {
  std::vector<int64_t> start, step, len;
};

/// Applies the ONNX clamping rules. `x` may have dynamic dims; their
/// extents come out dynamic.
llvm::Expected<SlicePlan> slicePlan(const Shape &x,
                                    llvm::ArrayRef<int64_t> starts,
                                    llvm::ArrayRef<int64_t> ends,
                                    std::optional<std::vector<int64_t>> axes,
                                    std::optional<std::vector<int64_t>> steps) {
  size_t r = x.rank(), k = starts.size();
  if (ends.size() != k || (axes && axes->size() != k) ||
      (steps && steps->size() != k))
    return makeError("starts, ends, axes and steps must have the same length");
  SlicePlan p;
  p.start.assign(r, 0);
  p.step.assign(r, 1);
  p.len.assign(x.dims().begin(), x.dims().end());
  std::vector<bool> seen(r, false);
  for (size_t i = 0; i < k; ++i) {
    int64_t a = axes ? (*axes)[i] : int64_t(i);
    auto ax = normalizeAxis(a, int64_t(r));
    if (!ax)
      return ax.takeError();
    size_t d = size_t(*ax);
    if (seen[d])
      return makeError("axis " + llvm::Twine(a) + " is sliced twice");
    seen[d] = true;
    int64_t step = steps ? (*steps)[i] : 1;
    if (step == 0)
      return makeError("slice step is 0");
    p.step[d] = step;
    int64_t dim = x[d];
    if (dim < 0) {
      p.len[d] = kDynamicDim;
      continue;
    }
    int64_t s = starts[i], e = ends[i];
    if (s < 0)
      s += dim;
    if (e < 0)
      e += dim;
    int64_t len = 0;
    if (dim == 0) {
      s = 0;
    } else if (step > 0) {
      s = std::clamp<int64_t>(s, 0, dim);
      e = std::clamp<int64_t>(e, 0, dim);
      len = e > s ? (e - s - 1) / step + 1 : 0;
    } else {
      s = std::clamp<int64_t>(s, 0, dim - 1);
      e = std::clamp<int64_t>(e, -1, dim - 1);
      int64_t back = step == std::numeric_limits<int64_t>::min()
                         ? std::numeric_limits<int64_t>::max()
                         : -step;
      len = s > e ? (s - e - 1) / back + 1 : 0;
    }
    p.start[d] = s;
    p.len[d] = len;
  }
  return p;
}

llvm::Error inferSlice(Node &n) {
  if (llvm::Error e = requireNodeInputs(n, 3))
    return e;
  static const char *names[] = {"", "starts", "ends", "axes", "steps"};
  for (unsigned i = 1; i < 5; ++i)
    if (llvm::Error e = checkIntVector(n, i, names[i]))
      return e;
  const Shape &x = n.input(0)->shape();
  auto starts = constantInts(n, 1), ends = constantInts(n, 2);
  std::optional<std::vector<int64_t>> axes, steps;
  bool axesKnown = !n.input(3) || (axes = constantInts(n, 3));
  bool stepsKnown = !n.input(4) || (steps = constantInts(n, 4));
  if (starts && ends && axesKnown && stepsKnown) {
    auto p = slicePlan(x, *starts, *ends, axes, steps);
    if (!p)
      return p.takeError();
    setOutput(n, 0, n.input(0)->dtype(), Shape(p->len));
    return success();
  }
  Shape out = x;
  if (axesKnown) {
    size_t k = axes ? axes->size() : (starts ? starts->size() : x.rank());
    for (size_t i = 0; i < k; ++i) {
      auto ax =
          normalizeAxis(axes ? (*axes)[i] : int64_t(i), int64_t(x.rank()));
      if (!ax)
        return ax.takeError();
      out[size_t(*ax)] = kDynamicDim;
    }
  } else {
    for (size_t i = 0; i < out.rank(); ++i)
      out[i] = kDynamicDim;
  }
  setOutput(n, 0, n.input(0)->dtype(), out);
  return success();
}

std::optional<std::vector<int64_t>> optInts(llvm::ArrayRef<Tensor> in,
                                            size_t i) {
  if (i < in.size() && in[i].isValid())
    return in[i].toInts();
  return std::nullopt;
}

llvm::Error computeSlice(const Node &n, llvm::ArrayRef<Tensor> in,
                         std::vector<Tensor> &out, KernelContext &ctx) {
  if (llvm::Error e = requireInputs(in, 3))
    return e;
  const Tensor &x = in[0];
  auto p = slicePlan(x.shape(), in[1].toInts(), in[2].toInts(), optInts(in, 3),
                     optInts(in, 4));
  if (!p)
    return p.takeError();
  auto st = rowStrides(x.shape());
  int64_t base = 0;
  llvm::SmallVector<int64_t, 6> vst;
  for (size_t d = 0; d < x.shape().rank(); ++d) {
    base += p->start[d] * st[d];
    vst.push_back(st[d] * p->step[d]);
  }
  Tensor y(x.dtype(), Shape(p->len));
  size_t es = dtypeSize(x.dtype());
  if (y.numElements())
    stridedCopy(ctx, es, p->len, vst, x.raw() + size_t(base) * es, y.raw());
  out = {std::move(y)};
  return success();
}

//===----------------------------------------------------------------------===//
// Pad
//===----------------------------------------------------------------------===//

enum class PadMode { Constant, Reflect, Edge, Wrap };

llvm::Expected<PadMode> padMode(const Node &n) {
  const std::string &m = n.getString("mode");
  if (m == "constant")
    return PadMode::Constant;
  if (m == "reflect")
    return PadMode::Reflect;
  if (m == "edge")
    return PadMode::Edge;
  if (m == "wrap")
    return PadMode::Wrap;
  return makeError("mode \"" + m +
                   "\" is not one of constant, reflect, edge, wrap");
}

/// Per data dimension: elements added before and after (negative crops).
struct PadPlan {
  std::vector<int64_t> before, after;
};

llvm::Expected<PadPlan> padPlan(size_t rank, llvm::ArrayRef<int64_t> pads,
                                std::optional<std::vector<int64_t>> axes) {
  std::vector<int64_t> ax;
  if (axes) {
    for (int64_t a : *axes) {
      auto v = normalizeAxis(a, int64_t(rank));
      if (!v)
        return v.takeError();
      if (llvm::is_contained(ax, *v))
        return makeError("axis " + llvm::Twine(a) + " is listed twice");
      ax.push_back(*v);
    }
  } else {
    for (size_t i = 0; i < rank; ++i)
      ax.push_back(int64_t(i));
  }
  if (pads.size() != 2 * ax.size())
    return makeError("pads has " + llvm::Twine(pads.size()) +
                     " entries; expected " + llvm::Twine(2 * ax.size()));
  PadPlan p;
  p.before.assign(rank, 0);
  p.after.assign(rank, 0);
  for (size_t i = 0; i < ax.size(); ++i) {
    int64_t b = pads[i], a = pads[i + ax.size()];
    if (b < -kMaxElements || b > kMaxElements || a < -kMaxElements ||
        a > kMaxElements)
      return makeError("pad amount is out of range");
    p.before[size_t(ax[i])] = b;
    p.after[size_t(ax[i])] = a;
  }
  return p;
}

llvm::Expected<Shape> paddedShape(const Shape &x, const PadPlan &p) {
  Shape out = x;
  for (size_t d = 0; d < x.rank(); ++d) {
    if (x[d] < 0)
      continue;
    int64_t v = x[d] + p.before[d] + p.after[d];
    if (v < 0)
      return makeError("pads crop dimension " + llvm::Twine(d) + " of " +
                       x.str() + " below zero");
    out[d] = v;
  }
  return out;
}

llvm::Error inferPad(Node &n) {
  if (llvm::Error e = requireNodeInputs(n, 2))
    return e;
  if (llvm::Error e = checkIntVector(n, 1, "pads"))
    return e;
  if (llvm::Error e = checkIntVector(n, 3, "axes"))
    return e;
  auto mode = padMode(n);
  if (!mode)
    return mode.takeError();
  Value *x = n.input(0);
  if (Value *cv = n.input(2)) {
    if (cv->dtype() != x->dtype())
      return makeError("constant_value has dtype " + dtypeName(cv->dtype()) +
                       " but the data is " + dtypeName(x->dtype()));
    if (cv->shape().numElements() > 1)
      return makeError("constant_value must be a scalar");
  }
  auto pads = constantInts(n, 1);
  std::optional<std::vector<int64_t>> axes;
  bool axesKnown = !n.input(3) || (axes = constantInts(n, 3));
  if (pads && axesKnown) {
    auto p = padPlan(x->shape().rank(), *pads, axes);
    if (!p)
      return p.takeError();
    auto s = paddedShape(x->shape(), *p);
    if (!s)
      return s.takeError();
    setOutput(n, 0, x->dtype(), *s);
    return success();
  }
  Shape out = x->shape();
  for (size_t d = 0; d < out.rank(); ++d) {
    bool touched = true;
    if (axes) {
      touched = false;
      for (int64_t a : *axes)
        touched |= a == int64_t(d) || a + int64_t(out.rank()) == int64_t(d);
    }
    if (touched)
      out[d] = kDynamicDim;
  }
  setOutput(n, 0, x->dtype(), out);
  return success();
}

/// The input index read by output index o along a dim of extent dim padded
/// by `before`, or -1 for the pad value.
int64_t padSource(int64_t o, int64_t dim, int64_t before, PadMode mode) {
  int64_t i = o - before;
  if (i >= 0 && i < dim)
    return i;
  switch (mode) {
  case PadMode::Constant:
    return -1;
  case PadMode::Edge:
    return i < 0 ? 0 : dim - 1;
  case PadMode::Wrap:
    return ((i % dim) + dim) % dim;
  case PadMode::Reflect: {
    if (dim == 1)
      return 0;
    int64_t period = 2 * (dim - 1);
    int64_t m = ((i % period) + period) % period;
    return m < dim ? m : period - m;
  }
  }
  return -1;
}

llvm::Error computePad(const Node &n, llvm::ArrayRef<Tensor> in,
                       std::vector<Tensor> &out, KernelContext &ctx) {
  if (llvm::Error e = requireInputs(in, 2))
    return e;
  auto mode = padMode(n);
  if (!mode)
    return mode.takeError();
  const Tensor &x = in[0];
  const Shape &xs = x.shape();
  auto p = padPlan(xs.rank(), in[1].toInts(), optInts(in, 3));
  if (!p)
    return p.takeError();
  auto os = paddedShape(xs, *p);
  if (!os)
    return os.takeError();
  Tensor padValue(x.dtype(), Shape{});
  if (in.size() > 2 && in[2].isValid()) {
    if (in[2].dtype() != x.dtype() || in[2].numElements() != 1)
      return makeError("constant_value must be a scalar of the data's dtype");
    padValue = in[2];
  }
  // Per-dimension maps from output to input index (-1: pad value).
  size_t r = xs.rank();
  std::vector<std::vector<int64_t>> maps(r);
  for (size_t d = 0; d < r; ++d) {
    int64_t od = (*os)[d];
    if (xs[d] == 0 && od > 0 && *mode != PadMode::Constant)
      return makeError("cannot pad an empty dimension in this mode");
    maps[d].resize(size_t(od));
    for (int64_t o = 0; o < od; ++o)
      maps[d][size_t(o)] = padSource(o, xs[d], p->before[d], *mode);
  }
  auto yt = allocTensor(x.dtype(), *os);
  if (!yt)
    return yt.takeError();
  Tensor &y = *yt;
  int64_t total = y.numElements();
  if (total == 0) {
    out = {std::move(y)};
    return success();
  }
  auto st = rowStrides(xs);
  dispatchBySize(dtypeSize(x.dtype()), [&](auto u) {
    using U = decltype(u);
    const U *src = reinterpret_cast<const U *>(x.raw());
    U *dst = reinterpret_cast<U *>(y.raw());
    U fill = *reinterpret_cast<const U *>(padValue.raw());
    if (r == 0) {
      dst[0] = src[0];
      return;
    }
    int64_t inner = (*os)[r - 1];
    int64_t rows = total / inner;
    const std::vector<int64_t> &im = maps[r - 1];
    int64_t is = st[r - 1];
    ctx.parallelFor(rows, std::max<int64_t>(1, 16384 / inner),
                    [&](int64_t rb, int64_t re) {
                      for (int64_t row = rb; row < re; ++row) {
                        int64_t off = 0, rem = row;
                        bool isPad = false;
                        for (size_t d = r - 1; d-- > 0;) {
                          int64_t o = rem % (*os)[d];
                          rem /= (*os)[d];
                          int64_t s = maps[d][size_t(o)];
                          isPad |= s < 0;
                          off += s * st[d];
                        }
                        U *drow = dst + row * inner;
                        if (isPad) {
                          std::fill(drow, drow + inner, fill);
                          continue;
                        }
                        const U *srow = src + off;
                        for (int64_t i = 0; i < inner; ++i) {
                          int64_t s = im[size_t(i)];
                          drow[i] = s < 0 ? fill : srow[s * is];
                        }
                      }
                    });
  });
  out = {std::move(y)};
  return success();
}

//===----------------------------------------------------------------------===//
// Expand, Tile
//===----------------------------------------------------------------------===//

llvm::Expected<Shape> expandShape(const Shape &x,
                                  llvm::ArrayRef<int64_t> dims) {
  for (int64_t d : dims)
    if (d < 0)
      return makeError("shape entry " + llvm::Twine(d) + " is negative");
  auto s = broadcastShapes(x, Shape(dims));
  if (!s)
    return s.takeError();
  if (auto c = checkedProduct(s->dims()); !c)
    return c.takeError();
  return s;
}

llvm::Error inferExpand(Node &n) {
  if (llvm::Error e = requireNodeInputs(n, 2))
    return e;
  if (llvm::Error e = checkIntVector(n, 1, "shape"))
    return e;
  Value *x = n.input(0);
  if (auto dims = constantInts(n, 1)) {
    auto s = expandShape(x->shape(), *dims);
    if (!s)
      return s.takeError();
    setOutput(n, 0, x->dtype(), *s);
    return success();
  }
  const Shape &ss = n.input(1)->shape();
  if (ss.rank() != 1 || ss[0] < 0)
    return makeError("the shape input's length is unknown; the output rank "
                     "cannot be inferred");
  // Unknown target: an input dim other than 1 must survive the broadcast.
  const Shape &xs = x->shape();
  size_t r = std::max(size_t(ss[0]), xs.rank());
  Shape out(std::vector<int64_t>(r, kDynamicDim));
  for (size_t d = 0; d < xs.rank(); ++d)
    if (xs[d] > 1)
      out[r - xs.rank() + d] = xs[d];
  setOutput(n, 0, x->dtype(), out);
  return success();
}

llvm::Error computeExpand(const Node &n, llvm::ArrayRef<Tensor> in,
                          std::vector<Tensor> &out, KernelContext &ctx) {
  if (llvm::Error e = requireInputs(in, 2))
    return e;
  const Tensor &x = in[0];
  auto s = expandShape(x.shape(), in[1].toInts());
  if (!s)
    return s.takeError();
  auto yt = allocTensor(x.dtype(), *s);
  if (!yt)
    return yt.takeError();
  Tensor &y = *yt;
  auto st = rowStrides(x.shape());
  size_t lead = s->rank() - x.shape().rank();
  llvm::SmallVector<int64_t, 6> vst(s->rank(), 0);
  for (size_t d = 0; d < x.shape().rank(); ++d)
    vst[lead + d] = x.shape()[d] == 1 ? 0 : st[d];
  if (y.numElements())
    stridedCopy(ctx, dtypeSize(x.dtype()), s->dims(), vst, x.raw(), y.raw());
  out = {std::move(y)};
  return success();
}

llvm::Expected<Shape> tileShape(const Shape &x, llvm::ArrayRef<int64_t> reps) {
  if (reps.size() != x.rank())
    return makeError("repeats has " + llvm::Twine(reps.size()) +
                     " entries but the input has rank " +
                     llvm::Twine(x.rank()));
  Shape out = x;
  for (size_t d = 0; d < x.rank(); ++d) {
    if (reps[d] < 0)
      return makeError("repeat " + llvm::Twine(reps[d]) + " is negative");
    if (x[d] >= 0) {
      auto c = checkedProduct({x[d], reps[d]});
      if (!c)
        return c.takeError();
      out[d] = *c;
    }
  }
  if (auto c = checkedProduct(out.dims()); !c)
    return c.takeError();
  return out;
}

llvm::Error inferTile(Node &n) {
  if (llvm::Error e = requireNodeInputs(n, 2))
    return e;
  if (llvm::Error e = checkIntVector(n, 1, "repeats"))
    return e;
  Value *x = n.input(0);
  if (auto reps = constantInts(n, 1)) {
    auto s = tileShape(x->shape(), *reps);
    if (!s)
      return s.takeError();
    setOutput(n, 0, x->dtype(), *s);
    return success();
  }
  setOutput(n, 0, x->dtype(),
            Shape(std::vector<int64_t>(x->shape().rank(), kDynamicDim)));
  return success();
}

llvm::Error computeTile(const Node &n, llvm::ArrayRef<Tensor> in,
                        std::vector<Tensor> &out, KernelContext &ctx) {
  if (llvm::Error e = requireInputs(in, 2))
    return e;
  const Tensor &x = in[0];
  auto reps = in[1].toInts();
  auto s = tileShape(x.shape(), reps);
  if (!s)
    return s.takeError();
  auto yt = allocTensor(x.dtype(), *s);
  if (!yt)
    return yt.takeError();
  Tensor &y = *yt;
  // The output is the view [r0, d0, r1, d1, ...] with the repeat dims at
  // stride 0.
  auto st = rowStrides(x.shape());
  llvm::SmallVector<int64_t, 12> dims, vst;
  for (size_t d = 0; d < x.shape().rank(); ++d) {
    dims.push_back(reps[d]);
    vst.push_back(0);
    dims.push_back(x.shape()[d]);
    vst.push_back(st[d]);
  }
  if (y.numElements())
    stridedCopy(ctx, dtypeSize(x.dtype()), dims, vst, x.raw(), y.raw());
  out = {std::move(y)};
  return success();
}

} // namespace

void registerTensorSliceOps(HookTable &t) {
  t[size_t(OpKind::Slice)] = {inferSlice, computeSlice};
  t[size_t(OpKind::Pad)] = {inferPad, computePad};
  t[size_t(OpKind::Expand)] = {inferExpand, computeExpand};
  t[size_t(OpKind::Tile)] = {inferTile, computeTile};
}

} // namespace onntc
