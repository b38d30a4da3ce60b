//===- OnnxOpsTensor.cpp - constants, casts and opset normalisation -------===//
//
// Import functions for ops whose operands moved between attributes and
// inputs across opsets (Clip, Slice, Pad, Split, TopK, Squeeze, Unsqueeze,
// the reductions, Resize/Upsample): older forms become the opset-17 form.
//
//===----------------------------------------------------------------------===//

#include "frontends/onnx/OnnxOps.h"

#include <cmath>

namespace onntc {

llvm::Error importConstant(OnnxNodeContext &ctx) {
  if (ctx.node().attribute_size() != 1)
    return ctx.error("expects exactly one value attribute, found " +
                     llvm::Twine(ctx.node().attribute_size()));
  const onnx::AttributeProto &a = ctx.node().attribute(0);
  Tensor t;
  if (a.name() == "value") {
    auto v = ctx.convertAttr(a, AttrKind::Tensor);
    if (!v)
      return v.takeError();
    t = std::get<Tensor>(*v);
  } else if (a.name() == "value_float") {
    auto v = ctx.attrFloat("value_float", 0.f);
    if (!v)
      return v.takeError();
    t = Tensor::scalarFloat(*v);
  } else if (a.name() == "value_floats") {
    auto v = ctx.attrFloats("value_floats");
    if (!v)
      return v.takeError();
    t = Tensor::fromFloats(Shape{int64_t((*v)->size())}, **v);
  } else if (a.name() == "value_int") {
    auto v = ctx.attrInt("value_int", 0);
    if (!v)
      return v.takeError();
    t = Tensor::fromInts(DType::I64, Shape{}, {*v});
  } else if (a.name() == "value_ints") {
    auto v = ctx.attrInts("value_ints");
    if (!v)
      return v.takeError();
    t = Tensor::fromInts(DType::I64, Shape{int64_t((*v)->size())}, **v);
  } else if (a.name() == "value_string" || a.name() == "value_strings") {
    return ctx.unsupported("string constants are not supported");
  } else if (a.name() == "sparse_value") {
    return ctx.unsupported("sparse constants are not supported");
  } else {
    return ctx.error("unknown attribute '" + a.name() + "'");
  }
  Attributes attrs;
  TensorType ty = t.type();
  attrs.set("value", std::move(t));
  // The node's type is its value's; set it before inference checks it.
  auto n = ctx.emitFinal(OpKind::Constant, {}, attrs);
  if (!n)
    return n.takeError();
  (*n)->output()->setType(ty);
  return llvm::Error::success();
}

llvm::Error importCast(OnnxNodeContext &ctx) {
  if (!ctx.attr("to"))
    return ctx.error("required attribute 'to' is missing");
  return ctx.emitFinalWithAttrs(OpKind::Cast, ctx.inputs()).takeError();
}

llvm::Error importCastLike(OnnxNodeContext &ctx) {
  auto x = ctx.requireInput(0, "input");
  auto like = ctx.requireInput(1, "target_type");
  if (!x)
    return x.takeError();
  if (!like)
    return like.takeError();
  Attributes attrs;
  attrs.set("to", (*like)->dtype());
  return ctx.emitFinal(OpKind::Cast, {*x}, attrs).takeError();
}

llvm::Error importClip(OnnxNodeContext &ctx) {
  auto x = ctx.requireInput(0, "input");
  if (!x)
    return x.takeError();
  if (ctx.opset() >= 11)
    return ctx.emitFinalWithAttrs(OpKind::Clip, ctx.inputs()).takeError();
  if (llvm::Error e = ctx.checkAttrs({"min", "max"}))
    return e;
  std::vector<Value *> ins{*x, nullptr, nullptr};
  const char *names[] = {"min", "max"};
  for (unsigned i = 0; i < 2; ++i) {
    if (!ctx.attr(names[i]))
      continue;
    auto v = ctx.attrFloat(names[i], 0.f);
    if (!v)
      return v.takeError();
    ins[i + 1] = ctx.constTensor(Tensor::scalarFloat(*v).castTo((*x)->dtype()),
                                 names[i]);
  }
  return ctx.emitFinal(OpKind::Clip, ins).takeError();
}

llvm::Error importDropout(OnnxNodeContext &ctx) {
  auto x = ctx.requireInput(0, "data");
  if (!x)
    return x.takeError();
  if (llvm::Error e = ctx.checkAttrs({"ratio", "seed", "is_test"}))
    return e;
  if (ctx.hasInput(2)) {
    const Tensor *mode = ctx.constInput(2);
    if (!mode || mode->numElements() != 1)
      return ctx.unsupported("training_mode must be a constant scalar");
    // torch exports F.dropout(x, p=0.0) as training_mode=true with ratio 0
    // (torchvision's swin_t does): that is still the identity.
    const Tensor *ratio = ctx.hasInput(1) ? ctx.constInput(1) : nullptr;
    bool zeroRatio =
        ratio && ratio->numElements() == 1 && ratio->getDouble(0) == 0.0;
    if (mode->getInt(0) != 0 && !zeroRatio)
      return ctx.unsupported("training_mode=true (random dropout) is not "
                             "supported; export the model for inference");
  }
  // Inference-mode dropout is the identity; ratio does not matter.
  return ctx.emitFinal(OpKind::Dropout, {*x}).takeError();
}

llvm::Error importReduce(OnnxNodeContext &ctx) {
  auto x = ctx.requireInput(0, "data");
  if (!x)
    return x.takeError();
  Attributes extra;
  if (ctx.hasInput(1)) {
    if (ctx.attr("axes"))
      return ctx.error("axes given both as attribute and as input");
    auto axes = ctx.constIntsInput(1, "axes");
    if (!axes)
      return axes.takeError();
    extra.set("axes", *axes);
  }
  return ctx.emitFinalWithAttrs(ctx.row().kind, {*x}, {}, extra).takeError();
}

llvm::Error importSqueezeLike(OnnxNodeContext &ctx) {
  auto x = ctx.requireInput(0, "data");
  if (!x)
    return x.takeError();
  Attributes extra;
  if (ctx.opset() >= 13) {
    if (llvm::Error e = ctx.checkAttrs({}))
      return e;
    if (ctx.hasInput(1)) {
      auto axes = ctx.constIntsInput(1, "axes");
      if (!axes)
        return axes.takeError();
      extra.set("axes", *axes);
    } else if (ctx.row().kind == OpKind::Unsqueeze) {
      return ctx.error("required input 1 (axes) is missing");
    }
    return ctx.emitFinal(ctx.row().kind, {*x}, extra).takeError();
  }
  if (llvm::Error e = ctx.checkAttrs({"axes"}))
    return e;
  return ctx.emitFinalWithAttrs(ctx.row().kind, {*x}).takeError();
}

llvm::Error importSplit(OnnxNodeContext &ctx) {
  auto x = ctx.requireInput(0, "input");
  if (!x)
    return x.takeError();
  if (llvm::Error e = ctx.checkAttrs({"axis", "split"}))
    return e;
  Value *sizes = ctx.input(1);
  if (ctx.opset() < 13 && ctx.attr("split")) {
    auto split = ctx.attrInts("split");
    if (!split)
      return split.takeError();
    sizes = ctx.constInts(**split, "split");
  }
  return ctx.emitFinalWithAttrs(OpKind::Split, {*x, sizes}, {"split"})
      .takeError();
}

llvm::Error importSlice(OnnxNodeContext &ctx) {
  if (ctx.opset() >= 10)
    return ctx.emitFinalWithAttrs(OpKind::Slice, ctx.inputs()).takeError();
  auto x = ctx.requireInput(0, "data");
  if (!x)
    return x.takeError();
  if (llvm::Error e = ctx.checkAttrs({"starts", "ends", "axes"}))
    return e;
  auto starts = ctx.attrInts("starts");
  auto ends = ctx.attrInts("ends");
  auto axes = ctx.attrInts("axes");
  if (!starts)
    return starts.takeError();
  if (!ends)
    return ends.takeError();
  if (!axes)
    return axes.takeError();
  if (!*starts || !*ends)
    return ctx.error("attributes 'starts' and 'ends' are required");
  if ((*starts)->size() != (*ends)->size() ||
      (*axes && (*axes)->size() != (*starts)->size()))
    return ctx.error("'starts', 'ends' and 'axes' must have the same length");
  std::vector<Value *> ins{*x, ctx.constInts(**starts, "starts"),
                           ctx.constInts(**ends, "ends")};
  if (*axes)
    ins.push_back(ctx.constInts(**axes, "axes"));
  return ctx.emitFinal(OpKind::Slice, ins).takeError();
}

llvm::Error importPad(OnnxNodeContext &ctx) {
  auto x = ctx.requireInput(0, "data");
  if (!x)
    return x.takeError();
  auto mode = ctx.attrString("mode", "constant");
  if (!mode)
    return mode.takeError();
  if (*mode != "constant" && *mode != "reflect" && *mode != "edge")
    return ctx.error("attribute 'mode' has the unknown value '" + *mode +
                     "' (constant, reflect or edge)");
  if (ctx.opset() >= 11)
    return ctx.emitFinalWithAttrs(OpKind::Pad, ctx.inputs()).takeError();
  if (llvm::Error e = ctx.checkAttrs({"pads", "paddings", "mode", "value"}))
    return e;
  auto pads = ctx.attrInts(ctx.attr("pads") ? "pads" : "paddings");
  if (!pads)
    return pads.takeError();
  if (!*pads)
    return ctx.error("required attribute 'pads' is missing");
  auto value = ctx.attrFloat("value", 0.f);
  if (!value)
    return value.takeError();
  Value *padsV = ctx.constInts(**pads, "pads");
  Value *valueV = ctx.constTensor(
      Tensor::scalarFloat(*value).castTo((*x)->dtype()), "value");
  Attributes attrs;
  attrs.set("mode", *mode);
  return ctx.emitFinal(OpKind::Pad, {*x, padsV, valueV}, attrs).takeError();
}

llvm::Error importTopK(OnnxNodeContext &ctx) {
  auto x = ctx.requireInput(0, "X");
  if (!x)
    return x.takeError();
  if (ctx.opset() >= 10)
    return ctx.emitFinalWithAttrs(OpKind::TopK, ctx.inputs()).takeError();
  auto k = ctx.attrIntOpt("k");
  if (!k)
    return k.takeError();
  if (!*k)
    return ctx.error("required attribute 'k' is missing");
  return ctx
      .emitFinalWithAttrs(OpKind::TopK, {*x, ctx.constInts({**k}, "k")}, {"k"})
      .takeError();
}

/// Resize operands given as empty tensors mean "absent".
static Value *nonEmpty(OnnxNodeContext &ctx, unsigned i) {
  Value *v = ctx.input(i);
  if (const Tensor *t = ctx.constInput(i))
    if (t->numElements() == 0)
      return nullptr;
  return v;
}

static llvm::Error checkResizeMode(OnnxNodeContext &ctx, llvm::StringRef mode) {
  if (mode != "nearest" && mode != "linear" && mode != "cubic")
    return ctx.error("attribute 'mode' has the unknown value '" + mode +
                     "' (nearest, linear or cubic)");
  return llvm::Error::success();
}

llvm::Error importResize(OnnxNodeContext &ctx) {
  auto x = ctx.requireInput(0, "X");
  if (!x)
    return x.takeError();
  auto mode = ctx.attrString("mode", "nearest");
  if (!mode)
    return mode.takeError();
  if (llvm::Error e = checkResizeMode(ctx, *mode))
    return e;
  if (ctx.opset() >= 11) {
    std::vector<Value *> ins{*x, nonEmpty(ctx, 1), nonEmpty(ctx, 2),
                             nonEmpty(ctx, 3)};
    if (!ins[2] && !ins[3])
      return ctx.error("one of 'scales' and 'sizes' must be given");
    return ctx.emitFinalWithAttrs(OpKind::Resize, ins).takeError();
  }
  // Opset 10: Resize(X, scales), the same semantics as Upsample.
  if (llvm::Error e = ctx.checkAttrs({"mode"}))
    return e;
  auto scales = ctx.requireInput(1, "scales");
  if (!scales)
    return scales.takeError();
  Attributes attrs;
  attrs.set("mode", *mode);
  attrs.set("coordinate_transformation_mode", std::string("asymmetric"));
  attrs.set("nearest_mode", std::string("floor"));
  return ctx.emitFinal(OpKind::Resize, {*x, nullptr, *scales, nullptr}, attrs)
      .takeError();
}

llvm::Error importUpsample(OnnxNodeContext &ctx) {
  auto x = ctx.requireInput(0, "X");
  if (!x)
    return x.takeError();
  if (llvm::Error e = ctx.checkAttrs({"mode", "scales"}))
    return e;
  auto mode = ctx.attrString("mode", "nearest");
  if (!mode)
    return mode.takeError();
  if (*mode == "bilinear")
    *mode = "linear";
  if (*mode != "nearest" && *mode != "linear")
    return ctx.error("attribute 'mode' has the unknown value '" + *mode +
                     "' (nearest or linear)");
  Value *scales = ctx.input(1);
  if (ctx.opset() < 9) {
    auto s = ctx.attrFloats("scales");
    if (!s)
      return s.takeError();
    if (!*s)
      return ctx.error("required attribute 'scales' is missing");
    scales = ctx.constTensor(
        Tensor::fromFloats(Shape{int64_t((*s)->size())}, **s), "scales");
  }
  if (!scales)
    return ctx.error("required input 1 (scales) is missing");
  Attributes attrs;
  attrs.set("mode", *mode);
  attrs.set("coordinate_transformation_mode", std::string("asymmetric"));
  attrs.set("nearest_mode", std::string("floor"));
  return ctx.emitFinal(OpKind::Resize, {*x, nullptr, scales, nullptr}, attrs)
      .takeError();
}

llvm::Error importEyeLike(OnnxNodeContext &ctx) {
  auto x = ctx.requireInput(0, "input");
  if (!x)
    return x.takeError();
  if (llvm::Error e = ctx.checkAttrs({"dtype", "k"}))
    return e;
  auto k = ctx.attrInt("k", 0);
  if (!k)
    return k.takeError();
  DType dt = (*x)->dtype();
  if (const auto *a = ctx.attr("dtype")) {
    auto v = ctx.convertAttr(*a, AttrKind::Type);
    if (!v)
      return v.takeError();
    dt = std::get<DType>(*v);
  }
  const Shape &s = (*x)->shape();
  if (s.rank() != 2 || !s.isStatic())
    return ctx.error("input must be a 2-D tensor of static shape, not " +
                     (*x)->type().str());
  // The result depends only on the (static) shape: a constant.
  Tensor t(dt, s);
  for (int64_t i = 0; i < s[0]; ++i)
    if (i + *k >= 0 && i + *k < s[1])
      t.setInt(i * s[1] + i + *k, 1);
  Attributes attrs;
  TensorType ty = t.type();
  attrs.set("value", std::move(t));
  auto n = ctx.emitFinal(OpKind::Constant, {}, attrs);
  if (!n)
    return n.takeError();
  (*n)->output()->setType(ty);
  return llvm::Error::success();
}

llvm::Error importShrink(OnnxNodeContext &ctx) {
  auto x = ctx.requireInput(0, "input");
  if (!x)
    return x.takeError();
  if (llvm::Error e = ctx.checkAttrs({"bias", "lambd"}))
    return e;
  auto bias = ctx.attrFloat("bias", 0.f);
  auto lambd = ctx.attrFloat("lambd", 0.5f);
  if (!bias)
    return bias.takeError();
  if (!lambd)
    return lambd.takeError();
  DType dt = (*x)->dtype();
  auto scalar = [&](float v, const char *suffix) {
    return ctx.constTensor(Tensor::scalarFloat(v).castTo(dt), suffix);
  };
  // y = x < -lambd ? x + bias : (x > lambd ? x - bias : 0)
  auto step = [&](OpKind k, std::vector<Value *> ins,
                  const char *suffix) -> llvm::Expected<Value *> {
    auto n = ctx.emit(k, ins, suffix);
    if (!n)
      return n.takeError();
    return (*n)->output();
  };
  auto lo = step(OpKind::Less, {*x, scalar(-*lambd, "neg_lambd")}, "below");
  if (!lo)
    return lo.takeError();
  auto hi = step(OpKind::Greater, {*x, scalar(*lambd, "lambd")}, "above");
  if (!hi)
    return hi.takeError();
  Value *b = scalar(*bias, "bias");
  auto plus = step(OpKind::Add, {*x, b}, "plus_bias");
  if (!plus)
    return plus.takeError();
  auto minus = step(OpKind::Sub, {*x, b}, "minus_bias");
  if (!minus)
    return minus.takeError();
  auto upper = step(OpKind::Where, {*hi, *minus, scalar(0.f, "zero")}, "upper");
  if (!upper)
    return upper.takeError();
  return ctx.emitFinal(OpKind::Where, {*lo, *plus, *upper}).takeError();
}

} // namespace onntc
