//===- MxnetOpsTensor.cpp - MXNet element-wise, shape and softmax ops -----===//

#include "frontends/mxnet/MxnetContext.h"

#include "ir/Diagnostics.h"

namespace onntc {

namespace {

llvm::Expected<Value *> onlyInput(MxNodeContext &ctx) {
  if (llvm::Error e = ctx.expectInputs(1, 1))
    return e;
  return ctx.input(0, "data");
}

llvm::Expected<int64_t> normAxis(MxNodeContext &ctx, int64_t axis,
                                 size_t rank) {
  int64_t a = axis < 0 ? axis + int64_t(rank) : axis;
  if (a < 0 || a >= int64_t(rank))
    return ctx.error("axis " + llvm::Twine(axis) +
                     " is out of range for rank " + llvm::Twine(rank));
  return a;
}

/// Softmax over everything but the first axis, keeping the shape (MXNet's
/// "instance" mode and SoftmaxOutput without multi_output).
llvm::Error softmaxInstance(MxNodeContext &ctx, Value *x) {
  const Shape &xs = x->shape();
  Attributes sa;
  sa.set("axis", int64_t(1));
  if (xs.rank() <= 2)
    return ctx.emitFinal(OpKind::Softmax, {x}, sa).takeError();
  Attributes fa;
  fa.set("axis", int64_t(1));
  auto f = ctx.emit(OpKind::Flatten, {x}, "flat", fa);
  if (!f)
    return f.takeError();
  auto s = ctx.emit(OpKind::Softmax, {*f}, "softmax", sa);
  if (!s)
    return s.takeError();
  return ctx.emitFinal(OpKind::Reshape, {*s, ctx.constInts(xs.dims(), "shape")})
      .takeError();
}

llvm::Expected<Value *> sliceAxes(MxNodeContext &ctx, Value *x,
                                  llvm::ArrayRef<int64_t> starts,
                                  llvm::ArrayRef<int64_t> ends,
                                  llvm::ArrayRef<int64_t> axes,
                                  llvm::StringRef suffix, bool final) {
  std::vector<Value *> ins{x, ctx.constInts(starts, suffix.str() + "_starts"),
                           ctx.constInts(ends, suffix.str() + "_ends"),
                           ctx.constInts(axes, suffix.str() + "_axes")};
  if (final)
    return ctx.emitFinal(OpKind::Slice, ins);
  return ctx.emit(OpKind::Slice, ins, suffix);
}

} // namespace

llvm::Error importUnary(MxNodeContext &ctx) {
  auto x = onlyInput(ctx);
  if (!x)
    return x.takeError();
  return ctx.emitFinal(findMxnetOp(ctx.node().op)->kind, {*x}).takeError();
}

llvm::Error importIdentity(MxNodeContext &ctx) {
  // Dropout, _copy, BlockGrad, ... are the identity at inference; the
  // optimiser's remove-identity pass drops the node.
  unsigned hi = mxnetOpHasLabelInputs(ctx.node().op) ? 2 : 1;
  if (llvm::Error e = ctx.expectInputs(1, hi))
    return e;
  auto x = ctx.input(0, "data");
  if (!x)
    return x.takeError();
  return ctx.emitFinal(OpKind::Identity, {*x}).takeError();
}

llvm::Error importBinary(MxNodeContext &ctx) {
  if (llvm::Error e = ctx.expectInputs(2, 2))
    return e;
  auto a = ctx.input(0, "lhs");
  if (!a)
    return a.takeError();
  auto b = ctx.input(1, "rhs");
  if (!b)
    return b.takeError();
  OpKind k = findMxnetOp(ctx.node().op)->kind;
  llvm::StringRef op = ctx.node().op;
  // elemwise_* and _Plus-style ops need equal shapes; broadcast_* do not.
  if (!op.startswith("broadcast_") && (*a)->shape() != (*b)->shape())
    return ctx.error("operands have different shapes " + (*a)->shape().str() +
                     " and " + (*b)->shape().str() +
                     " (use broadcast_* ops to broadcast)");
  return ctx.emitFinal(k, {*a, *b}).takeError();
}

static llvm::Error importScalarOp(MxNodeContext &ctx, bool reversed) {
  auto x = onlyInput(ctx);
  if (!x)
    return x.takeError();
  if (!ctx.hasAttr("scalar"))
    return ctx.error("attribute 'scalar' is required");
  auto s = ctx.attrFloat("scalar", 0.0f);
  if (!s)
    return s.takeError();
  Value *c = ctx.constTensor(Tensor::scalarFloat(*s), "scalar");
  OpKind k = findMxnetOp(ctx.node().op)->kind;
  if (reversed)
    return ctx.emitFinal(k, {c, *x}).takeError();
  return ctx.emitFinal(k, {*x, c}).takeError();
}

llvm::Error importScalar(MxNodeContext &ctx) {
  return importScalarOp(ctx, false);
}

llvm::Error importRScalar(MxNodeContext &ctx) {
  return importScalarOp(ctx, true);
}

llvm::Error importClip(MxNodeContext &ctx) {
  auto x = onlyInput(ctx);
  if (!x)
    return x.takeError();
  if (!ctx.hasAttr("a_min") || !ctx.hasAttr("a_max"))
    return ctx.error("attributes a_min and a_max are required");
  auto lo = ctx.attrFloat("a_min", 0);
  auto hi = ctx.attrFloat("a_max", 0);
  if (!lo || !hi)
    return llvm::joinErrors(lo.takeError(), hi.takeError());
  return ctx
      .emitFinal(OpKind::Clip,
                 {*x, ctx.constTensor(Tensor::scalarFloat(*lo), "min"),
                  ctx.constTensor(Tensor::scalarFloat(*hi), "max")})
      .takeError();
}

llvm::Error importConcat(MxNodeContext &ctx) {
  auto dim = ctx.attrInt("dim", 1);
  if (!dim)
    return dim.takeError();
  if (ctx.numInputs() == 0)
    return ctx.error("has no inputs");
  auto numArgs = ctx.attrInt("num_args", ctx.numInputs());
  if (!numArgs)
    return numArgs.takeError();
  if (*numArgs != int64_t(ctx.numInputs()))
    return ctx.error("num_args=" + llvm::Twine(*numArgs) +
                     " but the node has " + llvm::Twine(ctx.numInputs()) +
                     " inputs");
  std::vector<Value *> ins;
  for (unsigned i = 0; i < ctx.numInputs(); ++i) {
    auto v = ctx.input(i, "data");
    if (!v)
      return v.takeError();
    ins.push_back(*v);
  }
  Attributes a;
  a.set("axis", *dim);
  return ctx.emitFinal(OpKind::Concat, ins, a).takeError();
}

llvm::Error importFlatten(MxNodeContext &ctx) {
  auto x = onlyInput(ctx);
  if (!x)
    return x.takeError();
  Attributes a;
  a.set("axis", int64_t(1));
  return ctx.emitFinal(OpKind::Flatten, {*x}, a).takeError();
}

llvm::Expected<std::vector<int64_t>>
inferMxnetReshape(llvm::ArrayRef<int64_t> inDims,
                  llvm::ArrayRef<int64_t> paramDims, bool reverse) {
  std::vector<int64_t> in(inDims.begin(), inDims.end());
  std::vector<int64_t> param(paramDims.begin(), paramDims.end());
  if (reverse) {
    std::reverse(in.begin(), in.end());
    std::reverse(param.begin(), param.end());
  }
  std::vector<int64_t> out;
  size_t src = 0;
  int64_t inferAt = -1;
  auto needSrc = [&](size_t n) -> llvm::Error {
    if (src + n > in.size())
      return makeError("the shape code at position " + llvm::Twine(out.size()) +
                       " reads past the input's " + llvm::Twine(in.size()) +
                       " dims");
    return llvm::Error::success();
  };
  for (size_t i = 0; i < param.size(); ++i) {
    int64_t p = param[i];
    if (p == 0) {
      if (llvm::Error e = needSrc(1))
        return e;
      out.push_back(in[src++]);
    } else if (p == -1) {
      if (inferAt >= 0)
        return makeError("more than one -1 in the shape");
      inferAt = int64_t(out.size());
      out.push_back(1);
      ++src;
    } else if (p == -2) {
      while (src < in.size())
        out.push_back(in[src++]);
    } else if (p == -3) {
      if (llvm::Error e = needSrc(2))
        return e;
      out.push_back(in[src] * in[src + 1]);
      src += 2;
    } else if (p == -4) {
      if (llvm::Error e = needSrc(1))
        return e;
      if (i + 2 >= param.size())
        return makeError("-4 must be followed by two values");
      int64_t d0 = in[src++], d1 = param[++i], d2 = param[++i];
      if ((d1 == -1 && d2 == -1) || d1 == 0 || d2 == 0 || d1 < -1 || d2 < -1)
        return makeError("-4 needs two split sizes, at most one of them -1");
      if (d1 == -1)
        d1 = d2 ? d0 / d2 : 0;
      if (d2 == -1)
        d2 = d1 ? d0 / d1 : 0;
      if (d1 * d2 != d0)
        return makeError("-4 splits " + llvm::Twine(d0) + " into " +
                         llvm::Twine(d1) + " x " + llvm::Twine(d2));
      out.push_back(d1);
      out.push_back(d2);
    } else if (p > 0) {
      out.push_back(p);
      ++src;
    } else {
      return makeError("shape value " + llvm::Twine(p) +
                       " is not valid (positive, 0, -1, -2, -3 or -4)");
    }
  }
  int64_t total = 1;
  for (int64_t d : in)
    total *= d;
  if (inferAt >= 0) {
    int64_t known = 1;
    for (size_t i = 0; i < out.size(); ++i)
      if (int64_t(i) != inferAt)
        known *= out[i];
    if (known == 0 || total % known)
      return makeError("cannot infer the -1 dimension: " + llvm::Twine(total) +
                       " elements are not a multiple of " + llvm::Twine(known));
    out[size_t(inferAt)] = total / known;
  }
  if (reverse)
    std::reverse(out.begin(), out.end());
  int64_t outTotal = 1;
  for (int64_t d : out)
    outTotal *= d;
  if (outTotal != total)
    return makeError("the new shape has " + llvm::Twine(outTotal) +
                     " elements but the input has " + llvm::Twine(total));
  return out;
}

llvm::Error importReshape(MxNodeContext &ctx) {
  auto x = onlyInput(ctx);
  if (!x)
    return x.takeError();
  auto shape = ctx.attrTuple("shape", {});
  auto reverse = ctx.attrBool("reverse", false);
  auto target = ctx.attrTuple("target_shape", {});
  auto keepHighest = ctx.attrBool("keep_highest", false);
  if (!shape || !reverse || !target || !keepHighest)
    return llvm::joinErrors(
        llvm::joinErrors(shape.takeError(), reverse.takeError()),
        llvm::joinErrors(target.takeError(), keepHighest.takeError()));
  std::vector<int64_t> param = *shape;
  if (param.empty() && !target->empty()) {
    // The pre-0.9 form: 0 in target_shape means "infer"; keep_highest keeps
    // the first input dimension.
    for (int64_t d : *target)
      param.push_back(d == 0 ? -1 : d);
    if (*keepHighest)
      param.insert(param.begin(), 0);
  }
  if (param.empty())
    return ctx.error("attribute 'shape' is required");
  const Shape &xs = (*x)->shape();
  auto out = inferMxnetReshape(xs.dims(), param, *reverse);
  if (!out)
    return ctx.error("input " + xs.str() + ": " +
                     llvm::toString(out.takeError()));
  return ctx.emitFinal(OpKind::Reshape, {*x, ctx.constInts(*out, "shape")})
      .takeError();
}

llvm::Error importTranspose(MxNodeContext &ctx) {
  auto x = onlyInput(ctx);
  if (!x)
    return x.takeError();
  auto axes = ctx.attrTuple("axes", {});
  if (!axes)
    return axes.takeError();
  size_t r = (*x)->shape().rank();
  std::vector<int64_t> perm;
  if (axes->empty())
    for (size_t i = r; i-- > 0;)
      perm.push_back(int64_t(i));
  else
    for (int64_t a : *axes) {
      auto n = normAxis(ctx, a, r);
      if (!n)
        return n.takeError();
      perm.push_back(*n);
    }
  Attributes a;
  a.set("perm", perm);
  return ctx.emitFinal(OpKind::Transpose, {*x}, a).takeError();
}

llvm::Error importSoftmaxActivation(MxNodeContext &ctx) {
  auto x = onlyInput(ctx);
  if (!x)
    return x.takeError();
  auto mode = ctx.attrStr("mode", "instance");
  if (!mode)
    return mode.takeError();
  if (*mode == "instance")
    return softmaxInstance(ctx, *x);
  if (*mode != "channel")
    return ctx.error("mode='" + *mode + "' is not valid (instance, channel)");
  if ((*x)->shape().rank() < 2)
    return ctx.error("mode=channel needs a channel axis");
  Attributes a;
  a.set("axis", int64_t(1));
  return ctx.emitFinal(OpKind::Softmax, {*x}, a).takeError();
}

llvm::Error importSoftmax(MxNodeContext &ctx) {
  auto x = onlyInput(ctx);
  if (!x)
    return x.takeError();
  auto axis = ctx.attrInt("axis", -1);
  auto useLength = ctx.attrBool("use_length", false);
  if (!axis || !useLength)
    return llvm::joinErrors(axis.takeError(), useLength.takeError());
  if (*useLength)
    return ctx.error("use_length=True is not supported");
  Value *in = *x;
  std::string temp = "None";
  if (auto t = ctx.attrStr("temperature", "None"))
    temp = *t;
  if (temp != "None") {
    auto t = ctx.attrFloat("temperature", 1.0f);
    if (!t)
      return t.takeError();
    if (*t != 1.0f) {
      auto d = ctx.emit(OpKind::Div,
                        {in, ctx.constTensor(Tensor::scalarFloat(*t), "temp")},
                        "scaled");
      if (!d)
        return d.takeError();
      in = *d;
    }
  }
  auto ax = normAxis(ctx, *axis, in->shape().rank());
  if (!ax)
    return ax.takeError();
  Attributes a;
  a.set("axis", *ax);
  return ctx.emitFinal(OpKind::Softmax, {in}, a).takeError();
}

llvm::Error importSoftmaxOutput(MxNodeContext &ctx) {
  // At inference SoftmaxOutput is a softmax; its label input is not read.
  if (llvm::Error e = ctx.expectInputs(1, 2))
    return e;
  auto x = ctx.input(0, "data");
  if (!x)
    return x.takeError();
  auto multi = ctx.attrBool("multi_output", false);
  auto preserve = ctx.attrBool("preserve_shape", false);
  if (!multi || !preserve)
    return llvm::joinErrors(multi.takeError(), preserve.takeError());
  if (!*multi && !*preserve)
    return softmaxInstance(ctx, *x);
  Attributes a;
  a.set("axis", int64_t(*preserve ? int64_t((*x)->shape().rank()) - 1 : 1));
  return ctx.emitFinal(OpKind::Softmax, {*x}, a).takeError();
}

llvm::Error importSliceChannel(MxNodeContext &ctx) {
  auto x = onlyInput(ctx);
  if (!x)
    return x.takeError();
  auto num = ctx.attrInt("num_outputs", -1);
  auto axis = ctx.attrInt("axis", 1);
  auto squeeze = ctx.attrBool("squeeze_axis", false);
  if (!num || !axis || !squeeze)
    return llvm::joinErrors(llvm::joinErrors(num.takeError(), axis.takeError()),
                            squeeze.takeError());
  if (*num <= 0)
    return ctx.error("num_outputs must be positive");
  const Shape &xs = (*x)->shape();
  auto ax = normAxis(ctx, *axis, xs.rank());
  if (!ax)
    return ax.takeError();
  int64_t len = xs[size_t(*ax)];
  if (len % *num)
    return ctx.error("axis " + llvm::Twine(*ax) + " of " + xs.str() +
                     " does not split into " + llvm::Twine(*num) +
                     " equal parts");
  if (*squeeze && len != *num)
    return ctx.error("squeeze_axis=True needs parts of size 1");
  int64_t step = len / *num;
  // One Slice per output (the backend lowers Slice; Split is equivalent).
  for (int64_t i = 0; i < *num; ++i) {
    std::string name = ctx.outputName(unsigned(i), unsigned(*num));
    std::string suffix = "part" + std::to_string(i);
    std::vector<Value *> ins{*x, ctx.constInts({i * step}, suffix + "_starts"),
                             ctx.constInts({(i + 1) * step}, suffix + "_ends"),
                             ctx.constInts({*ax}, suffix + "_axes")};
    auto s = ctx.emitNode(OpKind::Slice, ins,
                          {*squeeze ? name + "_slice" : name}, {});
    if (!s)
      return s.takeError();
    Value *out = (*s)->output(0);
    if (*squeeze) {
      Attributes a;
      a.set("axes", std::vector<int64_t>{*ax});
      auto q = ctx.emitNode(OpKind::Squeeze, {out}, {name}, a);
      if (!q)
        return q.takeError();
      out = (*q)->output(0);
    }
    ctx.bindOutput(unsigned(i), out);
  }
  return llvm::Error::success();
}

llvm::Error importCrop(MxNodeContext &ctx) {
  auto numArgs = ctx.attrInt("num_args", ctx.numInputs());
  auto offset = ctx.attrTuple("offset", {0, 0});
  auto hw = ctx.attrTuple("h_w", {0, 0});
  auto center = ctx.attrBool("center_crop", false);
  if (!numArgs || !offset || !hw || !center)
    return llvm::joinErrors(
        llvm::joinErrors(numArgs.takeError(), offset.takeError()),
        llvm::joinErrors(hw.takeError(), center.takeError()));
  if (llvm::Error e = ctx.expectInputs(1, 2))
    return e;
  if (offset->size() != 2 || hw->size() != 2)
    return ctx.error("offset and h_w must have two values");
  auto x = ctx.input(0, "data");
  if (!x)
    return x.takeError();
  const Shape &xs = (*x)->shape();
  if (xs.rank() != 4)
    return ctx.error("the input " + xs.str() + " is not NCHW");
  int64_t h = (*hw)[0], w = (*hw)[1];
  if (ctx.numInputs() == 2) {
    auto like = ctx.input(1, "crop_like");
    if (!like)
      return like.takeError();
    const Shape &ls = (*like)->shape();
    if (ls.rank() != 4)
      return ctx.error("crop_like " + ls.str() + " is not NCHW");
    h = ls[2];
    w = ls[3];
  }
  if (h <= 0 || w <= 0 || h > xs[2] || w > xs[3])
    return ctx.error("cannot crop " + xs.str() + " to " + llvm::Twine(h) + "x" +
                     llvm::Twine(w));
  int64_t y0 = (*offset)[0], x0 = (*offset)[1];
  if (*center) {
    y0 = (xs[2] - h) / 2;
    x0 = (xs[3] - w) / 2;
  }
  if (y0 < 0 || x0 < 0 || y0 + h > xs[2] || x0 + w > xs[3])
    return ctx.error("the crop window at offset (" + llvm::Twine(y0) + "," +
                     llvm::Twine(x0) + ") leaves the input " + xs.str());
  return sliceAxes(ctx, *x, {y0, x0}, {y0 + h, x0 + w}, {2, 3}, "crop", true)
      .takeError();
}

llvm::Error importUpSampling(MxNodeContext &ctx) {
  auto scale = ctx.attrInt("scale", -1);
  auto type = ctx.attrStr("sample_type", "");
  if (!scale || !type)
    return llvm::joinErrors(scale.takeError(), type.takeError());
  if (*type != "nearest")
    return ctx.error("sample_type='" + *type +
                     "' is not supported (nearest; bilinear needs a "
                     "Deconvolution weight)");
  if (*scale < 1)
    return ctx.error("scale must be a positive integer");
  if (ctx.numInputs() != 1)
    return ctx.error("UpSampling of " + llvm::Twine(ctx.numInputs()) +
                     " inputs is not supported (one input)");
  auto x = ctx.input(0, "data");
  if (!x)
    return x.takeError();
  if ((*x)->shape().rank() != 4)
    return ctx.error("the input " + (*x)->shape().str() + " is not NCHW");
  float s = float(*scale);
  Value *scales = ctx.constTensor(
      Tensor::fromFloats(Shape{4}, {1.0f, 1.0f, s, s}), "scales");
  Attributes a;
  a.set("mode", std::string("nearest"));
  a.set("coordinate_transformation_mode", std::string("asymmetric"));
  a.set("nearest_mode", std::string("floor"));
  return ctx.emitFinal(OpKind::Resize, {*x, nullptr, scales}, a).takeError();
}

} // namespace onntc
