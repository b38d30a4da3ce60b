//===- PaddleOpsNn.cpp - conv, batch_norm, pool2d, activations ------------===//

#include "frontends/paddle/PaddleContext.h"

namespace onntc {

#define TRY(var, expr)                                                         \
  auto var##OrErr = (expr);                                                    \
  if (!var##OrErr)                                                             \
    return var##OrErr.takeError();                                             \
  auto var = std::move(*var##OrErr)

/// NCHW (or AnyLayout, which Paddle's inference programs use for NCHW) only.
static llvm::Error requireNchw(PaddleOpContext &ctx, llvm::StringRef attr) {
  TRY(fmt, ctx.attrString(attr, "NCHW"));
  if (fmt != "NCHW" && fmt != "AnyLayout" && !fmt.empty())
    return ctx.unsupported(attr + "=" + fmt +
                           " is not supported (only NCHW); export the model "
                           "with data_format NCHW");
  return llvm::Error::success();
}

/// Paddle's paddings for 2-D windows in ONNX order [top, left, bottom,
/// right]: two values are [h, w], four are [top, bottom, left, right].
/// padding_algorithm SAME derives them from the input size (and sets the
/// dilations to 1, as Paddle does), VALID zeroes them.
static llvm::Expected<std::vector<int64_t>>
paddlePads(PaddleOpContext &ctx, const Shape &in, llvm::ArrayRef<int64_t> k,
           llvm::ArrayRef<int64_t> strides, std::vector<int64_t> &dilations) {
  TRY(alg, ctx.attrString("padding_algorithm", "EXPLICIT"));
  if (alg == "VALID")
    return std::vector<int64_t>{0, 0, 0, 0};
  if (alg == "SAME") {
    if (in.rank() != 4 || in[2] < 0 || in[3] < 0)
      return ctx.error("padding_algorithm=SAME needs a static NCHW input, "
                       "got " + in.str() + " (give --shapes)");
    std::vector<int64_t> pads(4);
    for (int i = 0; i < 2; ++i) {
      int64_t len = in[2 + i], s = strides[i];
      int64_t out = (len + s - 1) / s;
      int64_t total = std::max<int64_t>((out - 1) * s + k[i] - len, 0);
      pads[i] = total / 2;
      pads[2 + i] = total - total / 2;
    }
    dilations = {1, 1};
    return pads;
  }
  if (alg != "EXPLICIT")
    return ctx.error("padding_algorithm=" + alg +
                     " is not valid (SAME, VALID or EXPLICIT)");
  TRY(p, ctx.attrInts("paddings", {0, 0}));
  if (p.size() == 2)
    return std::vector<int64_t>{p[0], p[1], p[0], p[1]};
  if (p.size() == 4)
    return std::vector<int64_t>{p[0], p[2], p[1], p[3]};
  return ctx.error("paddings has " + llvm::Twine(p.size()) +
                   " values, expected 2 or 4");
}

static llvm::Error check2(PaddleOpContext &ctx, llvm::StringRef name,
                          const std::vector<int64_t> &v) {
  if (v.size() != 2)
    return ctx.error(name + " has " + llvm::Twine(v.size()) +
                     " values, expected 2 (conv2d/pool2d)");
  for (int64_t x : v)
    if (x <= 0)
      return ctx.error(name + " must be positive");
  return llvm::Error::success();
}

llvm::Error importConv(PaddleOpContext &ctx) {
  if (llvm::Error e = requireNchw(ctx, "data_format"))
    return e;
  TRY(x, ctx.input("Input"));
  TRY(w, ctx.input("Filter"));
  TRY(fuseRelu, ctx.attrBool("fuse_relu", false));
  TRY(fuseAct, ctx.attrString("fuse_activation", ""));
  TRY(fuseRes, ctx.attrBool("fuse_residual_connection", false));
  if (fuseRelu || !fuseAct.empty() || fuseRes)
    return ctx.unsupported("fused activations/residuals (oneDNN pass output) "
                           "are not supported; export without IR passes");
  if (w->shape().rank() != 4)
    return ctx.error("Filter must be 4-D, got " + w->shape().str());
  std::vector<int64_t> k = {w->shape()[2], w->shape()[3]};
  TRY(strides, ctx.attrInts("strides", {1, 1}));
  TRY(dil, ctx.attrInts("dilations", {1, 1}));
  if (llvm::Error e = check2(ctx, "strides", strides))
    return e;
  if (llvm::Error e = check2(ctx, "dilations", dil))
    return e;
  TRY(pads, paddlePads(ctx, x->shape(), k, strides, dil));
  TRY(groups, ctx.attrInt("groups", 1));
  if (groups <= 0)
    return ctx.error("groups must be positive, got " + llvm::Twine(groups));
  std::vector<Value *> ins = {x, w};
  if (ctx.hasInput("Bias")) {
    TRY(b, ctx.input("Bias"));
    ins.push_back(b);
  }
  Attributes a;
  a.set("kernel_shape", k);
  a.set("strides", strides);
  a.set("pads", pads);
  a.set("dilations", dil);
  a.set("group", groups);
  TRY(out, ctx.emitOut(OpKind::Conv, ins, a, "Output"));
  (void)out;
  return llvm::Error::success();
}

llvm::Error importBatchNorm(PaddleOpContext &ctx) {
  if (llvm::Error e = requireNchw(ctx, "data_layout"))
    return e;
  std::vector<Value *> ins;
  for (const char *slot : {"X", "Scale", "Bias", "Mean", "Variance"}) {
    TRY(v, ctx.input(slot));
    ins.push_back(v);
  }
  TRY(eps, ctx.attrFloat("epsilon", 1e-5f));
  Attributes a;
  a.set("epsilon", eps);
  TRY(out, ctx.emitOut(OpKind::BatchNormalization, ins, a, "Y"));
  (void)out;
  return llvm::Error::success();
}

llvm::Error importPool2d(PaddleOpContext &ctx) {
  if (llvm::Error e = requireNchw(ctx, "data_format"))
    return e;
  TRY(x, ctx.input("X"));
  TRY(type, ctx.attrString("pooling_type", "max"));
  if (type != "max" && type != "avg")
    return ctx.error("pooling_type=" + type + " is not valid (max or avg)");
  bool isMax = type == "max";
  TRY(global, ctx.attrBool("global_pooling", false));
  TRY(adaptive, ctx.attrBool("adaptive", false));
  TRY(ceil, ctx.attrBool("ceil_mode", false));
  TRY(exclusive, ctx.attrBool("exclusive", true));
  TRY(ksize, ctx.attrInts("ksize", {}));
  TRY(strides, ctx.attrInts("strides", {1, 1}));
  const Shape &in = x->shape();
  if (in.rank() != 4)
    return ctx.error("X must be 4-D NCHW, got " + in.str());
  if (!global && ksize.size() != 2)
    return ctx.error("ksize has " + llvm::Twine(ksize.size()) +
                     " values, expected 2");
  if (adaptive && !global) {
    if (ksize[0] == 1 && ksize[1] == 1) {
      global = true;
    } else {
      if (in[2] < 0 || in[3] < 0 || ksize[0] <= 0 || ksize[1] <= 0 ||
          in[2] % ksize[0] || in[3] % ksize[1])
        return ctx.unsupported(
            "adaptive pooling to " + llvm::Twine(ksize[0]) + "x" +
            llvm::Twine(ksize[1]) + " of a " + in.str() +
            " input is supported only when the output size divides the "
            "input size");
      strides = {in[2] / ksize[0], in[3] / ksize[1]};
      ksize = strides;
      Attributes a;
      a.set("kernel_shape", ksize);
      a.set("strides", strides);
      TRY(out, ctx.emitOut(isMax ? OpKind::MaxPool : OpKind::AveragePool,
                           {x}, a));
      (void)out;
      return llvm::Error::success();
    }
  }
  if (global) {
    TRY(out, ctx.emitOut(isMax ? OpKind::GlobalMaxPool
                               : OpKind::GlobalAveragePool,
                         {x}));
    (void)out;
    return llvm::Error::success();
  }
  if (llvm::Error e = check2(ctx, "ksize", ksize))
    return e;
  if (llvm::Error e = check2(ctx, "strides", strides))
    return e;
  std::vector<int64_t> dil = {1, 1};
  TRY(pads, paddlePads(ctx, in, ksize, strides, dil));
  if (ceil) {
    // Paddle's ceil_mode keeps a last window that starts in the end
    // padding; the IR (ONNX) drops it. Refuse the shapes where they differ.
    for (int i = 0; i < 2; ++i) {
      if (in[2 + i] < 0)
        continue;
      int64_t span = in[2 + i] + pads[i] + pads[2 + i] - ksize[i];
      int64_t out = (span + strides[i] - 1) / strides[i] + 1;
      if ((out - 1) * strides[i] >= in[2 + i] + pads[i])
        return ctx.unsupported("ceil_mode with a last window that starts in "
                               "the padding (Paddle keeps it, the IR drops "
                               "it)");
    }
  }
  Attributes a;
  a.set("kernel_shape", ksize);
  a.set("strides", strides);
  a.set("pads", pads);
  a.set("ceil_mode", int64_t(ceil));
  if (!isMax)
    a.set("count_include_pad", int64_t(!exclusive));
  TRY(out,
      ctx.emitOut(isMax ? OpKind::MaxPool : OpKind::AveragePool, {x}, a));
  (void)out;
  return llvm::Error::success();
}

llvm::Error importUnary(PaddleOpContext &ctx) {
  TRY(x, ctx.input("X"));
  TRY(out, ctx.emitOut(ctx.row().kind, {x}));
  (void)out;
  return llvm::Error::success();
}

llvm::Error importRelu6(PaddleOpContext &ctx) {
  TRY(x, ctx.input("X"));
  TRY(t, ctx.attrFloat("threshold", 6.0f));
  Value *lo = ctx.constFloat(0.0f, "min");
  Value *hi = ctx.constFloat(t, "max");
  TRY(out, ctx.emitOut(OpKind::Clip, {x, lo, hi}));
  (void)out;
  return llvm::Error::success();
}

/// hard_swish(x) = x * min(max(x + offset, 0), threshold) / scale; the
/// defaults (6, 6, 3) are the IR's HardSwish.
llvm::Error importHardSwish(PaddleOpContext &ctx) {
  TRY(x, ctx.input("X"));
  TRY(threshold, ctx.attrFloat("threshold", 6.0f));
  TRY(scale, ctx.attrFloat("scale", 6.0f));
  TRY(offset, ctx.attrFloat("offset", 3.0f));
  if (threshold == 6.0f && scale == 6.0f && offset == 3.0f) {
    TRY(out, ctx.emitOut(OpKind::HardSwish, {x}));
    (void)out;
    return llvm::Error::success();
  }
  TRY(shifted, ctx.emit(OpKind::Add, {x, ctx.constFloat(offset, "offset")},
                        "shift"));
  TRY(clipped, ctx.emit(OpKind::Clip,
                        {shifted, ctx.constFloat(0.0f, "min"),
                         ctx.constFloat(threshold, "max")},
                        "clip"));
  TRY(prod, ctx.emit(OpKind::Mul, {x, clipped}, "mul"));
  TRY(out, ctx.emitOut(OpKind::Div, {prod, ctx.constFloat(scale, "scale")}));
  (void)out;
  return llvm::Error::success();
}

/// swish(x) = x * sigmoid(beta * x).
llvm::Error importSwish(PaddleOpContext &ctx) {
  TRY(x, ctx.input("X"));
  TRY(beta, ctx.attrFloat("beta", 1.0f));
  Value *arg = x;
  if (beta != 1.0f) {
    TRY(scaled, ctx.emit(OpKind::Mul, {x, ctx.constFloat(beta, "beta")},
                         "scaled"));
    arg = scaled;
  }
  TRY(sig, ctx.emit(OpKind::Sigmoid, {arg}, "sigmoid"));
  TRY(out, ctx.emitOut(OpKind::Mul, {x, sig}));
  (void)out;
  return llvm::Error::success();
}

llvm::Error importSoftmax(PaddleOpContext &ctx) {
  TRY(x, ctx.input("X"));
  TRY(axis, ctx.attrInt("axis", -1));
  Attributes a;
  a.set("axis", axis);
  TRY(out, ctx.emitOut(OpKind::Softmax, {x}, a));
  (void)out;
  return llvm::Error::success();
}

/// Inference dropout: downgrade_in_infer (the default) scales by 1 - p,
/// upscale_in_train passes the input through.
llvm::Error importDropout(PaddleOpContext &ctx) {
  TRY(x, ctx.input("X"));
  TRY(impl, ctx.attrString("dropout_implementation", "downgrade_in_infer"));
  TRY(p, ctx.attrFloat("dropout_prob", 0.5f));
  if (impl != "downgrade_in_infer" && impl != "upscale_in_train")
    return ctx.error("dropout_implementation=" + impl +
                     " is not valid (downgrade_in_infer or upscale_in_train)");
  if (p < 0.0f || p > 1.0f)
    return ctx.error("dropout_prob=" + std::to_string(p) +
                     " is outside [0, 1]");
  if (impl == "upscale_in_train" || p == 0.0f)
    return ctx.bindOutput("Out", x);
  TRY(out, ctx.emitOut(OpKind::Mul, {x, ctx.constFloat(1.0f - p, "keep")}));
  (void)out;
  return llvm::Error::success();
}

} // namespace onntc
