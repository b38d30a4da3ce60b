//===- TfOpsTensor.cpp - constants, elementwise and shape ops -------------===//

#include "frontends/tensorflow/TfContext.h"

#include "ir/Diagnostics.h"

#include <cmath>
#include <limits>

namespace onntc {

llvm::Error importIdentity(TfNodeContext &ctx) {
  if (llvm::Error e = ctx.checkNumInputs(1, 1))
    return e;
  auto in = ctx.input(0);
  if (!in)
    return in.takeError();
  ctx.bind(0, *in);
  return llvm::Error::success();
}

llvm::Error importConst(TfNodeContext &ctx) {
  const auto *a = ctx.attr("value");
  if (!a || a->value_case() != tfproto::AttrValue::kTensor)
    return ctx.error("has no 'value' tensor attribute");
  auto t = tensorFromTf(a->tensor(), ctx.prefix());
  if (!t)
    return t.takeError();
  Node *n = ctx.graph().createConstant(ctx.name(), std::move(*t), ctx.loc());
  ctx.bind(0, {n->output(), false});
  return llvm::Error::success();
}

//===----------------------------------------------------------------------===//
// Dequantize
//===----------------------------------------------------------------------===//

llvm::Error importDequantize(TfNodeContext &ctx) {
  if (llvm::Error e = ctx.checkNumInputs(3, 3))
    return e;
  auto mode = ctx.attrString("mode", "MIN_COMBINED");
  if (!mode)
    return mode.takeError();
  auto axis = ctx.attrInt("axis", -1);
  if (!axis)
    return axis.takeError();
  if (*axis != -1)
    return ctx.unsupported("per-channel ranges (axis " + llvm::Twine(*axis) +
                           ") are not supported");
  const Tensor *q = ctx.constInput(0);
  const Tensor *mn = ctx.constInput(1);
  const Tensor *mx = ctx.constInput(2);
  if (!q || !mn || !mx)
    return ctx.unsupported("only constant inputs (quantized weights) are "
                           "supported; activations must be float");
  if (mn->numElements() != 1 || mx->numElements() != 1 ||
      !isFloat(mn->dtype()) || !isFloat(mx->dtype()))
    return ctx.error("min_range and max_range must be float scalars");
  const auto *tAttr = ctx.attr("T");
  int tfType = tAttr ? int(tAttr->type()) : 0;
  int bits;
  bool isSigned;
  switch (tfType) {
  case tfproto::DT_QUINT8:
    bits = 8, isSigned = false;
    break;
  case tfproto::DT_QINT8:
    bits = 8, isSigned = true;
    break;
  case tfproto::DT_QUINT16:
    bits = 16, isSigned = false;
    break;
  case tfproto::DT_QINT16:
    bits = 16, isSigned = true;
    break;
  default:
    return ctx.unsupported("T=" + tfTypeName(tfType) +
                           " is not supported (quint8, qint8, quint16, "
                           "qint16)");
  }
  auto expected = isSigned ? (bits == 8 ? DType::I8 : DType::I16)
                           : (bits == 8 ? DType::U8 : DType::U16);
  if (q->dtype() != expected)
    return ctx.error("the quantized input is " + dtypeName(q->dtype()).str() +
                     ", but T=" + tfTypeName(tfType));
  float minR = float(mn->getDouble(0)), maxR = float(mx->getDouble(0));
  double lowest = isSigned ? -std::ldexp(1.0, bits - 1) : 0.0;
  double steps = std::ldexp(1.0, bits); // 2^bits
  Tensor out(DType::F32, q->shape());
  float *o = out.data<float>();
  int64_t n = q->numElements();
  if (*mode == "MIN_COMBINED") {
    // out = min + (q - lowest) * (max - min) / (2^bits - 1).
    double range = steps - 1;
    double scale = (double(maxR) - double(minR)) / range;
    for (int64_t i = 0; i < n; ++i)
      o[i] = float(double(minR) + (double(q->getInt(i)) - lowest) * scale);
  } else if (*mode == "MIN_FIRST") {
    // TensorFlow's MIN_FIRST: the step is (max - min) / (2^bits - 1) and
    // the minimum is rounded to a whole number of steps first.
    if (minR == maxR) {
      for (int64_t i = 0; i < n; ++i)
        o[i] = minR;
    } else {
      double rangeScale =
          (double(maxR) - double(minR)) * (steps / (steps - 1.0)) / steps;
      float fs = float(rangeScale);
      double minRounded = std::round(minR / fs) * fs;
      for (int64_t i = 0; i < n; ++i)
        o[i] = float((float(q->getInt(i)) - float(lowest)) * fs +
                     float(minRounded));
    }
  } else {
    return ctx.unsupported("mode '" + *mode +
                           "' is not supported (MIN_COMBINED, MIN_FIRST)");
  }
  Node *c = ctx.graph().createConstant(ctx.name(), std::move(out), ctx.loc());
  ctx.bind(0, {c->output(), false});
  return llvm::Error::success();
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

llvm::Error importUnary(TfNodeContext &ctx) {
  if (llvm::Error e = ctx.checkNumInputs(1, 1))
    return e;
  auto in = ctx.input(0);
  if (!in)
    return in.takeError();
  return ctx.emitFinal(ctx.row().kind, {in->v}, {}, in->nchw).takeError();
}

llvm::Error importRelu6(TfNodeContext &ctx) {
  if (llvm::Error e = ctx.checkNumInputs(1, 1))
    return e;
  auto in = ctx.input(0);
  if (!in)
    return in.takeError();
  Value *lo = ctx.constTensor(Tensor::scalarFloat(0.f), "min");
  Value *hi = ctx.constTensor(Tensor::scalarFloat(6.f), "max");
  return ctx.emitFinal(OpKind::Clip, {in->v, lo, hi}, {}, in->nchw).takeError();
}

llvm::Error importSquare(TfNodeContext &ctx) {
  if (llvm::Error e = ctx.checkNumInputs(1, 1))
    return e;
  auto in = ctx.input(0);
  if (!in)
    return in.takeError();
  return ctx.emitFinal(OpKind::Mul, {in->v, in->v}, {}, in->nchw).takeError();
}

llvm::Error importRsqrt(TfNodeContext &ctx) {
  if (llvm::Error e = ctx.checkNumInputs(1, 1))
    return e;
  auto in = ctx.input(0);
  if (!in)
    return in.takeError();
  auto s = ctx.emit(OpKind::Sqrt, {in->v}, "sqrt");
  if (!s)
    return s.takeError();
  return ctx.emitFinal(OpKind::Reciprocal, {*s}, {}, in->nchw).takeError();
}

/// A TensorFlow-layout operand of rank <= 4 as an NCHW operand that
/// broadcasts like it did against the NHWC tensor: padded to rank 4 with
/// leading ones, then transposed.
static llvm::Expected<Value *> broadcastToNchw(TfNodeContext &ctx, Value *v,
                                               llvm::StringRef suffix) {
  size_t r = v->shape().rank();
  if (r > 4)
    return ctx.error("cannot broadcast a rank-" + llvm::Twine(r) +
                     " operand against a 4-D NHWC tensor");
  if (r < 4) {
    std::vector<int64_t> dims(4 - r, 1);
    for (int64_t d : v->shape().dims())
      dims.push_back(d);
    if (const Tensor *t = v->constantValue()) {
      v = ctx.constTensor(t->reshaped(Shape(llvm::ArrayRef<int64_t>(dims))),
                          suffix);
    } else {
      auto rs =
          ctx.emit(OpKind::Reshape,
                   {v, ctx.constInts(dims, suffix.str() + "_shape")}, suffix);
      if (!rs)
        return rs.takeError();
      v = *rs;
    }
  }
  return ctx.toNchw(v);
}

llvm::Error importBinary(TfNodeContext &ctx) {
  if (llvm::Error e = ctx.checkNumInputs(2, 2))
    return e;
  auto a = ctx.input(0), b = ctx.input(1);
  if (!a)
    return a.takeError();
  if (!b)
    return b.takeError();
  Value *x = a->v, *y = b->v;
  bool nchw = a->nchw || b->nchw;
  if (a->nchw && !b->nchw) {
    auto c = broadcastToNchw(ctx, y, "rhs");
    if (!c)
      return c.takeError();
    y = *c;
  } else if (b->nchw && !a->nchw) {
    auto c = broadcastToNchw(ctx, x, "lhs");
    if (!c)
      return c.takeError();
    x = *c;
  }
  return ctx.emitFinal(ctx.row().kind, {x, y}, {}, nchw).takeError();
}

//===----------------------------------------------------------------------===//
// Shape ops
//===----------------------------------------------------------------------===//

/// Normalises an axis of a rank-r tensor; error if out of range.
static llvm::Expected<int64_t> normAxis(TfNodeContext &ctx, int64_t a,
                                        int64_t r) {
  if (a < -r || a >= r)
    return ctx.error("axis " + llvm::Twine(a) + " is out of range for rank " +
                     llvm::Twine(r));
  return a < 0 ? a + r : a;
}

llvm::Error importReduce(TfNodeContext &ctx) {
  if (llvm::Error e = ctx.checkNumInputs(2, 2))
    return e;
  auto in = ctx.input(0);
  if (!in)
    return in.takeError();
  auto axesRaw = ctx.constIntsInput(1, "reduction axes");
  if (!axesRaw)
    return axesRaw.takeError();
  auto keep = ctx.attrBool("keep_dims", false);
  if (!keep)
    return keep.takeError();
  int64_t r = int64_t(in->v->shape().rank());
  std::vector<int64_t> axes;
  for (int64_t a : *axesRaw) {
    auto n = normAxis(ctx, a, r);
    if (!n)
      return n.takeError();
    axes.push_back(*n);
  }
  bool nchw = in->nchw;
  Value *x = in->v;
  if (nchw) {
    // The kept axes must stay in TensorFlow's order for a reduction that
    // drops them; otherwise reduce the NHWC tensor.
    std::vector<int64_t> kept;
    for (int64_t d = 0; d < 4; ++d)
      if (!llvm::is_contained(axes, d))
        kept.push_back(nhwcToNchwAxis(d));
    bool inOrder = std::is_sorted(kept.begin(), kept.end());
    if (*keep || inOrder) {
      for (int64_t &a : axes)
        a = nhwcToNchwAxis(a);
      // The result is still 4-D NCHW unless axes were dropped.
      nchw = *keep || axes.empty();
    } else {
      auto t = ctx.toNhwc(x);
      if (!t)
        return t.takeError();
      x = *t;
      nchw = false;
    }
  }
  Attributes at;
  at.set("axes", axes);
  at.set("keepdims", int64_t(*keep ? 1 : 0));
  // An empty axes list reduces nothing in TensorFlow.
  if (axes.empty())
    at.set("noop_with_empty_axes", int64_t(1));
  return ctx.emitFinal(ctx.row().kind, {x}, at, nchw).takeError();
}

llvm::Error importConcatV2(TfNodeContext &ctx) {
  unsigned n = ctx.numInputs();
  if (n < 2)
    return ctx.error("needs at least one value and the axis");
  auto axisV = ctx.constIntsInput(n - 1, "axis");
  if (!axisV)
    return axisV.takeError();
  if (axisV->size() != 1)
    return ctx.error("the axis must be a scalar");
  bool allNchw = true;
  std::vector<TfValue> ins;
  for (unsigned i = 0; i + 1 < n; ++i) {
    auto v = ctx.input(i);
    if (!v)
      return v.takeError();
    allNchw &= v->nchw;
    ins.push_back(*v);
  }
  int64_t r = int64_t(ins[0].v->shape().rank());
  auto axis = normAxis(ctx, (*axisV)[0], r);
  if (!axis)
    return axis.takeError();
  std::vector<Value *> vals;
  for (unsigned i = 0; i + 1 < n; ++i) {
    if (allNchw) {
      vals.push_back(ins[i].v);
      continue;
    }
    auto v = ctx.inputTf(i);
    if (!v)
      return v.takeError();
    vals.push_back(*v);
  }
  Attributes at;
  at.set("axis", allNchw ? nhwcToNchwAxis(*axis) : *axis);
  return ctx.emitFinal(OpKind::Concat, vals, at, allNchw).takeError();
}

llvm::Error importReshape(TfNodeContext &ctx) {
  if (llvm::Error e = ctx.checkNumInputs(2, 2))
    return e;
  auto x = ctx.inputTf(0);
  if (!x)
    return x.takeError();
  auto dims = ctx.constIntsInput(1, "shape");
  if (!dims)
    return dims.takeError();
  const Shape &s = (*x)->shape();
  if (!s.isStatic())
    return ctx.error("the input shape " + s.str() + " is not static");
  // TensorFlow: -1 is inferred, 0 is a real zero extent.
  int64_t known = 1, inferAt = -1;
  for (size_t i = 0; i < dims->size(); ++i) {
    int64_t d = (*dims)[i];
    if (d == -1) {
      if (inferAt >= 0)
        return ctx.error("the shape has more than one -1");
      inferAt = int64_t(i);
    } else if (d < 0) {
      return ctx.error("the shape has a negative extent " + llvm::Twine(d));
    } else {
      known *= d;
    }
  }
  int64_t total = s.numElements();
  if (inferAt >= 0) {
    if (known == 0 || total % known)
      return ctx.error("cannot reshape " + s.str() + " (" + llvm::Twine(total) +
                       " elements) with a -1 in the shape");
    (*dims)[size_t(inferAt)] = total / known;
  } else if (known != total) {
    return ctx.error("cannot reshape " + s.str() + " (" + llvm::Twine(total) +
                     " elements) to " +
                     Shape(llvm::ArrayRef<int64_t>(*dims)).str());
  }
  Attributes at;
  at.set("allowzero", int64_t(1));
  return ctx
      .emitFinal(OpKind::Reshape, {*x, ctx.constInts(*dims, "shape")}, at,
                 false)
      .takeError();
}

llvm::Error importSqueeze(TfNodeContext &ctx) {
  if (llvm::Error e = ctx.checkNumInputs(1, 1))
    return e;
  auto x = ctx.inputTf(0);
  if (!x)
    return x.takeError();
  auto dims = ctx.attrInts("squeeze_dims", {});
  if (!dims)
    return dims.takeError();
  Attributes at;
  if (!dims->empty())
    at.set("axes", *dims);
  return ctx.emitFinal(OpKind::Squeeze, {*x}, at, false).takeError();
}

llvm::Error importShape(TfNodeContext &ctx) {
  if (llvm::Error e = ctx.checkNumInputs(1, 1))
    return e;
  auto in = ctx.input(0);
  if (!in)
    return in.takeError();
  Shape s = in->v->shape();
  if (in->nchw)
    s = Shape{s[0], s[2], s[3], s[1]};
  if (!s.isStatic())
    return ctx.unsupported("the input shape " + s.str() +
                           " is not static; only constant shapes fold");
  const auto *ot = ctx.attr("out_type");
  DType dt = ot && ot->type() == tfproto::DT_INT64 ? DType::I64 : DType::I32;
  Tensor t = Tensor::fromInts(dt, Shape{int64_t(s.rank())}, s.dims());
  Node *c = ctx.graph().createConstant(ctx.name(), std::move(t), ctx.loc());
  ctx.bind(0, {c->output(), false});
  return llvm::Error::success();
}

llvm::Error importStridedSlice(TfNodeContext &ctx) {
  if (llvm::Error e = ctx.checkNumInputs(3, 4))
    return e;
  const Tensor *x = ctx.constInput(0);
  if (!x)
    return ctx.unsupported("only constant inputs are supported (shape "
                           "arithmetic that folds at import)");
  auto begin = ctx.constIntsInput(1, "begin");
  if (!begin)
    return begin.takeError();
  auto end = ctx.constIntsInput(2, "end");
  if (!end)
    return end.takeError();
  std::vector<int64_t> strides(begin->size(), 1);
  if (ctx.numInputs() == 4) {
    auto s = ctx.constIntsInput(3, "strides");
    if (!s)
      return s.takeError();
    strides = *s;
  }
  int64_t masks[5];
  const char *names[5] = {"begin_mask", "end_mask", "ellipsis_mask",
                          "new_axis_mask", "shrink_axis_mask"};
  for (int i = 0; i < 5; ++i) {
    auto m = ctx.attrInt(names[i], 0);
    if (!m)
      return m.takeError();
    masks[i] = *m;
  }
  if (masks[2] || masks[3])
    return ctx.unsupported("ellipsis_mask and new_axis_mask are not supported");
  size_t r = x->shape().rank();
  if (begin->size() != end->size() || begin->size() != strides.size() ||
      begin->size() > r)
    return ctx.error("begin, end and strides must have the same length, at "
                     "most the input rank " +
                     llvm::Twine(r));
  // Per-dimension start, step and count; dims past the spec are whole.
  std::vector<int64_t> start(r, 0), step(r, 1), count(r);
  Shape outShape;
  for (size_t d = 0; d < r; ++d) {
    int64_t dim = x->shape()[d];
    count[d] = dim;
    if (d >= begin->size()) {
      outShape.mutableDims().push_back(dim);
      continue;
    }
    int64_t st = strides[d];
    if (st == 0)
      return ctx.error("stride 0 in dimension " + llvm::Twine(d));
    bool shrink = (masks[4] >> d) & 1;
    int64_t b = (*begin)[d], e = (*end)[d];
    if (shrink) {
      if (b < 0)
        b += dim;
      if (b < 0 || b >= dim)
        return ctx.error("index " + llvm::Twine((*begin)[d]) +
                         " out of range in dimension " + llvm::Twine(d));
      start[d] = b, step[d] = 1, count[d] = 1;
      continue;
    }
    auto clampIdx = [&](int64_t v, bool isBegin) {
      bool masked = ((isBegin ? masks[0] : masks[1]) >> d) & 1;
      if (masked)
        return (st > 0) == isBegin ? (st > 0 ? int64_t(0) : dim - 1)
                                   : (st > 0 ? dim : int64_t(-1));
      if (v < 0)
        v += dim;
      return st > 0 ? std::clamp<int64_t>(v, 0, dim)
                    : std::clamp<int64_t>(v, -1, dim - 1);
    };
    b = clampIdx(b, true);
    e = clampIdx(e, false);
    int64_t c = st > 0 ? (e > b ? (e - b + st - 1) / st : 0)
                       : (b > e ? (b - e + (-st) - 1) / (-st) : 0);
    start[d] = b, step[d] = st, count[d] = c;
    outShape.mutableDims().push_back(c);
  }
  Tensor out(x->dtype(), outShape);
  int64_t total = 1;
  for (int64_t c : count)
    total *= c;
  std::vector<int64_t> idx(r, 0), inStride(r, 1);
  for (size_t d = r; d-- > 1;)
    inStride[d - 1] = inStride[d] * x->shape()[d];
  for (int64_t o = 0; o < total; ++o) {
    int64_t src = 0;
    for (size_t d = 0; d < r; ++d)
      src += (start[d] + idx[d] * step[d]) * inStride[d];
    if (isFloat(x->dtype()))
      out.setDouble(o, x->getDouble(src));
    else
      out.setInt(o, x->getInt(src));
    for (size_t d = r; d-- > 0;) {
      if (++idx[d] < count[d])
        break;
      idx[d] = 0;
    }
  }
  Node *c = ctx.graph().createConstant(ctx.name(), std::move(out), ctx.loc());
  ctx.bind(0, {c->output(), false});
  return llvm::Error::success();
}

llvm::Error importPack(TfNodeContext &ctx) {
  unsigned n = ctx.numInputs();
  if (n < 1)
    return ctx.error("has no inputs");
  auto axisAttr = ctx.attrInt("axis", 0);
  if (!axisAttr)
    return axisAttr.takeError();
  std::vector<Value *> parts;
  int64_t r = -1;
  for (unsigned i = 0; i < n; ++i) {
    auto v = ctx.inputTf(i);
    if (!v)
      return v.takeError();
    if (r < 0)
      r = int64_t((*v)->shape().rank());
    parts.push_back(*v);
  }
  auto axis = normAxis(ctx, *axisAttr, r + 1);
  if (!axis)
    return axis.takeError();
  Attributes ua;
  ua.set("axes", std::vector<int64_t>{*axis});
  std::vector<Value *> un;
  for (unsigned i = 0; i < n; ++i) {
    auto u = ctx.emit(OpKind::Unsqueeze, {parts[i]},
                      "unsqueeze" + std::to_string(i), ua);
    if (!u)
      return u.takeError();
    un.push_back(*u);
  }
  Attributes ca;
  ca.set("axis", *axis);
  return ctx.emitFinal(OpKind::Concat, un, ca, false).takeError();
}

} // namespace onntc
