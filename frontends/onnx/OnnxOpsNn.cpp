//===- OnnxOpsNn.cpp - convolution, pooling, normalisation, softmax -------===//
//
// auto_pad is resolved to explicit pads here (it needs the input's spatial
// shape, known because every imported node is type-inferred as it is
// created); ConvTranspose output_shape becomes pads; opset < 13 softmax
// (flatten to 2-D) becomes single-axis softmax.
//
//===----------------------------------------------------------------------===//

#include "frontends/onnx/OnnxOps.h"

namespace onntc {

namespace {

/// Convolution / pooling window attributes of one node.
struct Window {
  std::string autoPad = "NOTSET";
  std::vector<int64_t> kernel, strides, dilations, pads;
};

llvm::Expected<Window> readWindow(OnnxNodeContext &ctx) {
  Window w;
  auto autoPad = ctx.attrString("auto_pad", "NOTSET");
  if (!autoPad)
    return autoPad.takeError();
  w.autoPad = *autoPad;
  if (w.autoPad != "NOTSET" && w.autoPad != "SAME_UPPER" &&
      w.autoPad != "SAME_LOWER" && w.autoPad != "VALID")
    return ctx.error("auto_pad=" + w.autoPad +
                     " is not a valid value (NOTSET, SAME_UPPER, SAME_LOWER or "
                     "VALID)");
  for (auto [name, dst] :
       {std::pair{"kernel_shape", &w.kernel}, std::pair{"strides", &w.strides},
        std::pair{"dilations", &w.dilations}, std::pair{"pads", &w.pads}}) {
    auto v = ctx.attrInts(name);
    if (!v)
      return v.takeError();
    if (*v)
      *dst = **v;
  }
  for (int64_t k : w.kernel)
    if (k <= 0)
      return ctx.error("kernel_shape must be positive, got " + llvm::Twine(k));
  for (int64_t s : w.strides)
    if (s <= 0)
      return ctx.error("strides must be positive, got " + llvm::Twine(s));
  for (int64_t d : w.dilations)
    if (d <= 0)
      return ctx.error("dilations must be positive, got " + llvm::Twine(d));
  for (int64_t p : w.pads)
    if (p < 0)
      return ctx.error("pads must not be negative, got " + llvm::Twine(p));
  if (w.autoPad != "NOTSET" && !w.pads.empty()) {
    bool allZero = true;
    for (int64_t p : w.pads)
      allZero &= p == 0;
    if (!allZero)
      return ctx.error("auto_pad=" + w.autoPad +
                       " and explicit pads cannot be used together");
  }
  return w;
}

/// Fills w.kernel from the weight shape (dims 2..) when the attribute is
/// absent, and defaults strides/dilations to 1.
llvm::Error completeWindow(OnnxNodeContext &ctx, Window &w, size_t spatial,
                           Value *weight) {
  if (w.kernel.empty() && weight) {
    const Shape &ws = weight->shape();
    if (ws.rank() == spatial + 2)
      for (size_t i = 2; i < ws.rank(); ++i)
        w.kernel.push_back(ws[i]);
  }
  if (w.kernel.size() != spatial)
    return ctx.error("kernel_shape has " + llvm::Twine(w.kernel.size()) +
                     " dims but the input has " + llvm::Twine(spatial) +
                     " spatial dims");
  if (w.strides.empty())
    w.strides.assign(spatial, 1);
  if (w.dilations.empty())
    w.dilations.assign(spatial, 1);
  if (w.strides.size() != spatial || w.dilations.size() != spatial)
    return ctx.error("strides/dilations do not match the " +
                     llvm::Twine(spatial) + " spatial dims of the input");
  return llvm::Error::success();
}

/// Spatial rank of x ([N, C, spatial...]); error if unknown.
llvm::Expected<size_t> spatialRank(OnnxNodeContext &ctx, Value *x) {
  if (x->shape().rank() < 3)
    return ctx.error("input '" + x->name() +
                     "' must have rank >= 3, its type is " + x->type().str());
  return x->shape().rank() - 2;
}

/// Explicit pads for auto_pad on a forward window (Conv and pools).
llvm::Error resolveForwardPads(OnnxNodeContext &ctx, Window &w, Value *x,
                               size_t spatial) {
  if (w.autoPad == "NOTSET")
    return llvm::Error::success();
  std::vector<int64_t> pads(2 * spatial, 0);
  if (w.autoPad != "VALID") {
    for (size_t i = 0; i < spatial; ++i) {
      int64_t in = x->shape()[i + 2];
      if (in < 0)
        return ctx.error("auto_pad=" + w.autoPad +
                         " needs a static input shape; "
                         "input '" +
                         x->name() + "' is " + x->type().str() +
                         " (give --shapes)");
      int64_t out = (in + w.strides[i] - 1) / w.strides[i];
      int64_t eff = (w.kernel[i] - 1) * w.dilations[i] + 1;
      int64_t total = std::max<int64_t>(0, (out - 1) * w.strides[i] + eff - in);
      int64_t small = total / 2, big = total - small;
      pads[i] = w.autoPad == "SAME_UPPER" ? small : big;
      pads[i + spatial] = w.autoPad == "SAME_UPPER" ? big : small;
    }
  }
  w.pads = pads;
  return llvm::Error::success();
}

void setWindowAttrs(Attributes &a, const Window &w, bool withDilations) {
  if (!w.kernel.empty())
    a.set("kernel_shape", w.kernel);
  if (!w.strides.empty())
    a.set("strides", w.strides);
  if (!w.pads.empty())
    a.set("pads", w.pads);
  if (withDilations && !w.dilations.empty())
    a.set("dilations", w.dilations);
}

} // namespace

llvm::Error importConv(OnnxNodeContext &ctx) {
  auto x = ctx.requireInput(0, "X");
  auto wt = ctx.requireInput(1, "W");
  if (!x)
    return x.takeError();
  if (!wt)
    return wt.takeError();
  if (llvm::Error e = ctx.checkAttrs({"auto_pad", "kernel_shape", "strides",
                                      "dilations", "pads", "group"}))
    return e;
  auto w = readWindow(ctx);
  if (!w)
    return w.takeError();
  auto group = ctx.attrInt("group", 1);
  if (!group)
    return group.takeError();
  if (*group <= 0)
    return ctx.error("group must be positive, got " + llvm::Twine(*group));
  Attributes a;
  // The rank is unknown only when type inference is off (structure tests);
  // then the window attributes pass through unchanged.
  if ((*x)->shape().rank() != 0 || w->autoPad != "NOTSET") {
    auto spatial = spatialRank(ctx, *x);
    if (!spatial)
      return spatial.takeError();
    if (llvm::Error e = completeWindow(ctx, *w, *spatial, *wt))
      return e;
    if (llvm::Error e = resolveForwardPads(ctx, *w, *x, *spatial))
      return e;
  }
  setWindowAttrs(a, *w, true);
  a.set("group", *group);
  return ctx.emitFinal(OpKind::Conv, ctx.inputs(), a).takeError();
}

llvm::Error importConvTranspose(OnnxNodeContext &ctx) {
  auto x = ctx.requireInput(0, "X");
  auto wt = ctx.requireInput(1, "W");
  if (!x)
    return x.takeError();
  if (!wt)
    return wt.takeError();
  if (llvm::Error e =
          ctx.checkAttrs({"auto_pad", "kernel_shape", "strides", "dilations",
                          "pads", "group", "output_padding", "output_shape"}))
    return e;
  auto w = readWindow(ctx);
  if (!w)
    return w.takeError();
  auto group = ctx.attrInt("group", 1);
  auto outPad = ctx.attrInts("output_padding");
  auto outShape = ctx.attrInts("output_shape");
  if (!group)
    return group.takeError();
  if (!outPad)
    return outPad.takeError();
  if (!outShape)
    return outShape.takeError();
  if (*group <= 0)
    return ctx.error("group must be positive, got " + llvm::Twine(*group));
  auto spatial = spatialRank(ctx, *x);
  if (!spatial)
    return spatial.takeError();
  size_t n = *spatial;
  if (llvm::Error e = completeWindow(ctx, *w, n, *wt))
    return e;
  std::vector<int64_t> opad = *outPad ? **outPad : std::vector<int64_t>(n, 0);
  if (opad.size() != n)
    return ctx.error("output_padding has " + llvm::Twine(opad.size()) +
                     " values for " + llvm::Twine(n) + " spatial dims");

  // With output_shape or SAME auto_pad the output size is fixed and pads
  // follow.
  std::vector<int64_t> target;
  if (*outShape) {
    target = **outShape;
    if (target.size() == n + 2)
      target.erase(target.begin(), target.begin() + 2);
    if (target.size() != n)
      return ctx.error("output_shape has " + llvm::Twine((*outShape)->size()) +
                       " values for " + llvm::Twine(n) + " spatial dims");
  } else if (w->autoPad == "SAME_UPPER" || w->autoPad == "SAME_LOWER") {
    for (size_t i = 0; i < n; ++i)
      target.push_back((*x)->shape()[i + 2] * w->strides[i]);
  }
  if (!target.empty()) {
    std::vector<int64_t> pads(2 * n, 0);
    for (size_t i = 0; i < n; ++i) {
      int64_t in = (*x)->shape()[i + 2];
      if (in < 0)
        return ctx.error(
            "output_shape/auto_pad need a static input shape; input '" +
            (*x)->name() + "' is " + (*x)->type().str());
      int64_t total = w->strides[i] * (in - 1) + opad[i] +
                      (w->kernel[i] - 1) * w->dilations[i] + 1 - target[i];
      if (total < 0) {
        // The requested output is larger than the pads can reach: the extra
        // rows come from output_padding (added at the end).
        opad[i] -= total;
        total = 0;
      }
      int64_t small = total / 2, big = total - small;
      pads[i] = w->autoPad == "SAME_LOWER" ? big : small;
      pads[i + n] = w->autoPad == "SAME_LOWER" ? small : big;
    }
    w->pads = pads;
  } else if (w->autoPad == "VALID") {
    w->pads.assign(2 * n, 0);
  }
  Attributes a;
  setWindowAttrs(a, *w, true);
  a.set("group", *group);
  bool anyOpad = false;
  for (int64_t p : opad)
    anyOpad |= p != 0;
  if (anyOpad)
    a.set("output_padding", opad);
  return ctx.emitFinal(OpKind::ConvTranspose, ctx.inputs(), a).takeError();
}

llvm::Error importPool(OnnxNodeContext &ctx) {
  auto x = ctx.requireInput(0, "X");
  if (!x)
    return x.takeError();
  bool isMax = ctx.row().kind == OpKind::MaxPool;
  if (isMax) {
    if (llvm::Error e =
            ctx.checkAttrs({"auto_pad", "kernel_shape", "strides", "dilations",
                            "pads", "ceil_mode", "storage_order"}))
      return e;
  } else if (llvm::Error e =
                 ctx.checkAttrs({"auto_pad", "kernel_shape", "strides", "pads",
                                 "ceil_mode", "count_include_pad"})) {
    return e;
  }
  auto w = readWindow(ctx);
  if (!w)
    return w.takeError();
  if (w->kernel.empty())
    return ctx.error("required attribute 'kernel_shape' is missing");
  auto spatial = spatialRank(ctx, *x);
  if (!spatial)
    return spatial.takeError();
  if (llvm::Error e = completeWindow(ctx, *w, *spatial, nullptr))
    return e;
  if (llvm::Error e = resolveForwardPads(ctx, *w, *x, *spatial))
    return e;
  Attributes a;
  setWindowAttrs(a, *w, isMax);
  for (const char *name : {"ceil_mode", "storage_order", "count_include_pad"}) {
    if (!ctx.attr(name))
      continue;
    auto v = ctx.attrInt(name, 0);
    if (!v)
      return v.takeError();
    a.set(name, *v);
  }
  return ctx.emitFinal(ctx.row().kind, {*x}, a).takeError();
}

llvm::Error importBatchNorm(OnnxNodeContext &ctx) {
  if (llvm::Error e = ctx.checkAttrs(
          {"epsilon", "momentum", "spatial", "training_mode", "is_test"}))
    return e;
  auto spatialAttr = ctx.attrInt("spatial", 1);
  auto training = ctx.attrInt("training_mode", 0);
  if (!spatialAttr)
    return spatialAttr.takeError();
  if (!training)
    return training.takeError();
  if (*spatialAttr != 1)
    return ctx.unsupported(
        "spatial=0 (per-element statistics) is not supported");
  if (*training != 0 || ctx.numOutputs() > 1)
    return ctx.unsupported("training mode (running mean/var outputs) is not "
                           "supported; export the model for inference");
  for (unsigned i = 0; i < 5; ++i)
    if (!ctx.hasInput(i))
      return ctx.error(
          "BatchNormalization needs 5 inputs (X, scale, B, mean, var)");
  Attributes a;
  if (ctx.attr("epsilon")) {
    auto eps = ctx.attrFloat("epsilon", 1e-5f);
    if (!eps)
      return eps.takeError();
    a.set("epsilon", *eps);
  }
  return ctx.emitFinal(OpKind::BatchNormalization, ctx.inputs(), a).takeError();
}

llvm::Error importLayerNorm(OnnxNodeContext &ctx) {
  auto x = ctx.requireInput(0, "X");
  if (!x)
    return x.takeError();
  if (llvm::Error e = ctx.checkAttrs({"axis", "epsilon", "stash_type"}))
    return e;
  auto axis = ctx.attrInt("axis", -1);
  auto eps = ctx.attrFloat("epsilon", 1e-5f);
  if (!axis)
    return axis.takeError();
  if (!eps)
    return eps.takeError();
  // stash_type only selects the precision of the statistics; the reference
  // kernels always accumulate in f32.
  Attributes a;
  a.set("axis", *axis);
  a.set("epsilon", *eps);
  if (ctx.numOutputs() > 1) {
    // The optional Mean and InvStdDev outputs, from their definition.
    int64_t r = int64_t((*x)->shape().rank());
    int64_t ax = *axis < 0 ? *axis + r : *axis;
    if (ax < 0 || ax >= r)
      return ctx.error("axis " + llvm::Twine(*axis) +
                       " is out of range for rank " + llvm::Twine(r));
    std::vector<int64_t> axes;
    for (int64_t i = ax; i < r; ++i)
      axes.push_back(i);
    Attributes ra;
    ra.set("axes", axes);
    ra.set("keepdims", int64_t(1));
    auto step = [&](OpKind k, std::vector<Value *> ins, const char *suffix,
                    const Attributes &at = {}) -> llvm::Expected<Value *> {
      auto n = ctx.emit(k, ins, suffix, 1, at);
      if (!n)
        return n.takeError();
      return (*n)->output();
    };
    auto mean = step(OpKind::ReduceMean, {*x}, "mean", ra);
    if (!mean)
      return mean.takeError();
    auto d = step(OpKind::Sub, {*x, *mean}, "centered");
    if (!d)
      return d.takeError();
    auto sq = step(OpKind::Mul, {*d, *d}, "sq");
    if (!sq)
      return sq.takeError();
    auto var = step(OpKind::ReduceMean, {*sq}, "var", ra);
    if (!var)
      return var.takeError();
    Value *e =
        ctx.constTensor(Tensor::scalarFloat(*eps).castTo((*x)->dtype()), "eps");
    auto ve = step(OpKind::Add, {*var, e}, "var_eps");
    if (!ve)
      return ve.takeError();
    auto sd = step(OpKind::Sqrt, {*ve}, "std");
    if (!sd)
      return sd.takeError();
    auto inv = step(OpKind::Reciprocal, {*sd}, "inv_std");
    if (!inv)
      return inv.takeError();
    ctx.bindOutput(1, *mean);
    ctx.bindOutput(2, *inv);
  }
  return ctx.emitFinal(OpKind::LayerNormalization, ctx.inputs(), a, 1)
      .takeError();
}

llvm::Error importSoftmaxLike(OnnxNodeContext &ctx) {
  auto x = ctx.requireInput(0, "input");
  if (!x)
    return x.takeError();
  if (llvm::Error e = ctx.checkAttrs({"axis"}))
    return e;
  OpKind k = ctx.row().kind;
  bool old = ctx.opset() < 13;
  auto axis = ctx.attrInt("axis", old ? 1 : -1);
  if (!axis)
    return axis.takeError();
  Attributes a;
  int64_t r = int64_t((*x)->shape().rank());
  if (!old) {
    a.set("axis", *axis);
    return ctx.emitFinal(k, {*x}, a).takeError();
  }
  int64_t ax = *axis < 0 ? *axis + r : *axis;
  if (ax < 0 || ax > r)
    return ctx.error("axis " + llvm::Twine(*axis) +
                     " is out of range for rank " + llvm::Twine(r));
  if (ax >= r - 1) {
    // Coercing to 2-D at the last axis is a plain softmax over that axis.
    a.set("axis", int64_t(-1));
    return ctx.emitFinal(k, {*x}, a).takeError();
  }
  // Opset < 13: softmax over all dims from `axis` on, as one flattened row.
  Attributes fa;
  fa.set("axis", ax);
  auto flat = ctx.emit(OpKind::Flatten, {*x}, "flat", 1, fa);
  if (!flat)
    return flat.takeError();
  Attributes sa;
  sa.set("axis", int64_t(1));
  auto sm = ctx.emit(k, {(*flat)->output()}, "2d", 1, sa);
  if (!sm)
    return sm.takeError();
  Value *shape;
  if ((*x)->shape().isStatic()) {
    shape = ctx.constInts((*x)->shape().dims(), "shape");
  } else {
    auto sh = ctx.emit(OpKind::Shape, {*x}, "shape");
    if (!sh)
      return sh.takeError();
    shape = (*sh)->output();
  }
  return ctx.emitFinal(OpKind::Reshape, {(*sm)->output(), shape}).takeError();
}

llvm::Error importMeanVarianceNorm(OnnxNodeContext &ctx) {
  auto x = ctx.requireInput(0, "X");
  if (!x)
    return x.takeError();
  if (llvm::Error e = ctx.checkAttrs({"axes"}))
    return e;
  auto axesAttr = ctx.attrInts("axes");
  if (!axesAttr)
    return axesAttr.takeError();
  std::vector<int64_t> axes =
      *axesAttr ? **axesAttr : std::vector<int64_t>{0, 2, 3};
  // The ONNX function body: (X - E[X]) / (sqrt(E[X^2] - E[X]^2) + 1e-9).
  Attributes ra;
  ra.set("axes", axes);
  ra.set("keepdims", int64_t(1));
  auto step = [&](OpKind k, std::vector<Value *> ins, const char *suffix,
                  const Attributes &a = {}) -> llvm::Expected<Value *> {
    auto n = ctx.emit(k, ins, suffix, 1, a);
    if (!n)
      return n.takeError();
    return (*n)->output();
  };
  auto mean = step(OpKind::ReduceMean, {*x}, "mean", ra);
  if (!mean)
    return mean.takeError();
  auto sq = step(OpKind::Mul, {*x, *x}, "sq");
  if (!sq)
    return sq.takeError();
  auto meanSq = step(OpKind::ReduceMean, {*sq}, "mean_sq", ra);
  if (!meanSq)
    return meanSq.takeError();
  auto sqMean = step(OpKind::Mul, {*mean, *mean}, "sq_mean");
  if (!sqMean)
    return sqMean.takeError();
  auto var = step(OpKind::Sub, {*meanSq, *sqMean}, "var");
  if (!var)
    return var.takeError();
  auto stddev = step(OpKind::Sqrt, {*var}, "std");
  if (!stddev)
    return stddev.takeError();
  Value *eps =
      ctx.constTensor(Tensor::scalarFloat(1e-9f).castTo((*x)->dtype()), "eps");
  auto den = step(OpKind::Add, {*stddev, eps}, "den");
  if (!den)
    return den.takeError();
  auto num = step(OpKind::Sub, {*x, *mean}, "centered");
  if (!num)
    return num.takeError();
  return ctx.emitFinal(OpKind::Div, {*num, *den}).takeError();
}

} // namespace onntc
