//===- TorchOpsNn.cpp - elementwise and network-layer TorchScript ops -----===//
//
// Importers of the op table rows for arithmetic, activations, convolution,
// matrix products, batch norm and pooling (the table is in TorchOps.cpp).
//
//===----------------------------------------------------------------------===//
#include "frontends/torch/TorchContext.h"

#include "ir/Diagnostics.h"

#include "llvm/ADT/STLExtras.h"

namespace onntc {

using Ctx = TorchOpContext;

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

llvm::Error importArith(Ctx &ctx) {
  llvm::StringRef op = torchBaseName(ctx);
  llvm::Error err = llvm::Error::success();
  if (foldTorchNumbers(ctx, op, err))
    return err;
  consumeError(std::move(err));
  if (op == "floordiv" || op == "floor_divide" || op == "remainder")
    return ctx.error("only on numbers known at import time, not on tensors");
  Value *like = ctx.in(0).kind == TVal::Tensor ? ctx.in(0).v : ctx.in(1).v;
  auto a = ctx.tensor(0, like);
  if (!a)
    return a.takeError();
  auto b = ctx.tensor(1, like);
  if (!b)
    return b.takeError();
  Value *x = *a, *y = *b;
  if (op == "div" && ctx.numInputs() > 2 && ctx.in(2).kind == TVal::String)
    return ctx.error("div with rounding_mode '" + ctx.in(2).s +
                     "' on tensors is not supported");
  if (op == "add" || op == "sub" || op == "rsub") {
    double alpha = 1;
    if (ctx.numInputs() > 2) {
      auto al = ctx.floatArg(2);
      if (!al)
        return al.takeError();
      alpha = *al;
    }
    if (op == "rsub")
      std::swap(x, y);
    if (alpha != 1) {
      Tensor t(y->dtype(), Shape{});
      t.setDouble(0, alpha);
      auto s = ctx.emit(OpKind::Mul, {y, ctx.constant(std::move(t), "alpha")});
      if (!s)
        return s.takeError();
      y = *s;
    }
    return ctx.emitOut(op == "add" ? OpKind::Add : OpKind::Sub, {x, y});
  }
  return ctx.emitOut(op == "mul" ? OpKind::Mul : OpKind::Div, {x, y});
}

llvm::Error importUnary(Ctx &ctx) {
  auto x = ctx.tensor(0);
  if (!x)
    return x.takeError();
  return ctx.emitOut(ctx.row().kind, {*x});
}

llvm::Error importIdentity(Ctx &ctx) {
  if (ctx.in(0).kind != TVal::Tensor)
    return ctx.error("input is not a tensor");
  ctx.setOut(0, ctx.in(0));
  return llvm::Error::success();
}

llvm::Error importSilu(Ctx &ctx) {
  auto x = ctx.tensor(0);
  if (!x)
    return x.takeError();
  auto s = ctx.emit(OpKind::Sigmoid, {*x});
  if (!s)
    return s.takeError();
  return ctx.emitOut(OpKind::Mul, {*x, *s});
}

llvm::Error importGelu(Ctx &ctx) {
  auto x = ctx.tensor(0);
  if (!x)
    return x.takeError();
  std::string approx = "none";
  if (ctx.numInputs() > 1 && ctx.in(1).kind == TVal::String)
    approx = ctx.in(1).s;
  Attributes a;
  a.set("approximate", approx);
  return ctx.emitOut(OpKind::Gelu, {*x}, a);
}

llvm::Error importHardtanh(Ctx &ctx) {
  auto x = ctx.tensor(0);
  if (!x)
    return x.takeError();
  double lo = 0, hi = 6;
  if (torchBaseName(ctx) == "hardtanh") {
    auto l = ctx.floatArg(1);
    if (!l)
      return l.takeError();
    auto h = ctx.floatArg(2);
    if (!h)
      return h.takeError();
    lo = *l;
    hi = *h;
  }
  Value *cl = ctx.constant(Tensor::scalarFloat(float(lo)), "min");
  Value *ch = ctx.constant(Tensor::scalarFloat(float(hi)), "max");
  return ctx.emitOut(OpKind::Clip, {*x, cl, ch});
}

llvm::Error importHardsigmoid(Ctx &ctx) {
  auto x = ctx.tensor(0);
  if (!x)
    return x.takeError();
  Attributes a;
  a.set("alpha", float(1.0 / 6.0));
  a.set("beta", 0.5f);
  return ctx.emitOut(OpKind::HardSigmoid, {*x}, a);
}

llvm::Error importLeakyRelu(Ctx &ctx) {
  auto x = ctx.tensor(0);
  if (!x)
    return x.takeError();
  double slope = 0.01;
  if (ctx.numInputs() > 1) {
    auto s = ctx.floatArg(1);
    if (!s)
      return s.takeError();
    slope = *s;
  }
  Attributes a;
  a.set("alpha", float(slope));
  return ctx.emitOut(OpKind::LeakyRelu, {*x}, a);
}

//===----------------------------------------------------------------------===//
// Convolution, matrix products, normalisation, pooling
//===----------------------------------------------------------------------===//

/// aten::_convolution / convolution: (x, w, b, stride, padding, dilation,
/// transposed, output_padding, groups, ...); aten::conv1d/2d: (x, w, b,
/// stride, padding, dilation, groups).
llvm::Error importConvolution(Ctx &ctx) {
  bool generic = ctx.node().kind == "aten::_convolution" ||
                 ctx.node().kind == "aten::convolution";
  auto x = ctx.tensor(0);
  if (!x)
    return x.takeError();
  auto w = ctx.tensor(1);
  if (!w)
    return w.takeError();
  if (ctx.in(4).kind == TVal::String)
    return ctx.error("padding='" + ctx.in(4).s +
                     "' is not supported; give explicit padding");
  auto stride = ctx.intsArg(3);
  if (!stride)
    return stride.takeError();
  auto pad = ctx.intsArg(4);
  if (!pad)
    return pad.takeError();
  auto dil = ctx.intsArg(5);
  if (!dil)
    return dil.takeError();
  auto groups = ctx.intArg(generic ? 8 : 6);
  if (!groups)
    return groups.takeError();
  bool transposed = false;
  std::vector<int64_t> outPad;
  if (generic) {
    auto t = ctx.intArg(6);
    if (!t)
      return t.takeError();
    transposed = *t != 0;
    auto op = ctx.intsArg(7);
    if (!op)
      return op.takeError();
    outPad = *op;
  }
  size_t sp = (*w)->shape().rank() - 2;
  auto expand = [&](std::vector<int64_t> v) {
    if (v.size() == 1 && sp > 1)
      v.assign(sp, v[0]);
    return v;
  };
  std::vector<int64_t> pads = expand(*pad);
  std::vector<int64_t> p2 = pads;
  p2.insert(p2.end(), pads.begin(), pads.end());
  std::vector<int64_t> k((*w)->shape().dims().begin() + 2,
                         (*w)->shape().dims().end());
  Attributes a;
  a.set("kernel_shape", k);
  a.set("strides", expand(*stride));
  a.set("pads", p2);
  a.set("dilations", expand(*dil));
  a.set("group", *groups);
  std::vector<Value *> ins{*x, *w};
  if (!ctx.isNone(2)) {
    auto b = ctx.tensor(2);
    if (!b)
      return b.takeError();
    ins.push_back(*b);
  }
  if (transposed) {
    a.set("output_padding", expand(outPad));
    return ctx.emitOut(OpKind::ConvTranspose, ins, a);
  }
  return ctx.emitOut(OpKind::Conv, ins, a);
}

/// aten::linear(x, w[out,in], b?).
llvm::Error importLinear(Ctx &ctx) {
  auto x = ctx.tensor(0);
  if (!x)
    return x.takeError();
  auto w = ctx.tensor(1);
  if (!w)
    return w.takeError();
  Value *bias = nullptr;
  if (!ctx.isNone(2)) {
    auto b = ctx.tensor(2);
    if (!b)
      return b.takeError();
    bias = *b;
  }
  if ((*x)->shape().rank() == 2) {
    Attributes a;
    a.set("transB", int64_t(1));
    std::vector<Value *> ins{*x, *w};
    if (bias)
      ins.push_back(bias);
    return ctx.emitOut(OpKind::Gemm, ins, a);
  }
  Attributes t;
  t.set("perm", std::vector<int64_t>{1, 0});
  auto wt = ctx.emit(OpKind::Transpose, {*w}, t);
  if (!wt)
    return wt.takeError();
  if (!bias)
    return ctx.emitOut(OpKind::MatMul, {*x, *wt});
  auto mm = ctx.emit(OpKind::MatMul, {*x, *wt});
  if (!mm)
    return mm.takeError();
  return ctx.emitOut(OpKind::Add, {*mm, bias});
}

/// aten::addmm(c, a, b, beta, alpha) = beta*c + alpha*(a@b).
llvm::Error importAddmm(Ctx &ctx) {
  auto c = ctx.tensor(0);
  if (!c)
    return c.takeError();
  auto a = ctx.tensor(1);
  if (!a)
    return a.takeError();
  auto b = ctx.tensor(2);
  if (!b)
    return b.takeError();
  double beta = 1, alpha = 1;
  if (ctx.numInputs() > 3) {
    auto be = ctx.floatArg(3);
    if (!be)
      return be.takeError();
    beta = *be;
  }
  if (ctx.numInputs() > 4) {
    auto al = ctx.floatArg(4);
    if (!al)
      return al.takeError();
    alpha = *al;
  }
  Attributes at;
  at.set("alpha", float(alpha));
  at.set("beta", float(beta));
  return ctx.emitOut(OpKind::Gemm, {*a, *b, *c}, at);
}

llvm::Error importMatmul(Ctx &ctx) {
  auto a = ctx.tensor(0);
  if (!a)
    return a.takeError();
  auto b = ctx.tensor(1);
  if (!b)
    return b.takeError();
  return ctx.emitOut(OpKind::MatMul, {*a, *b});
}

/// aten::batch_norm(x, weight?, bias?, mean, var, training, momentum, eps,
/// cudnn_enabled).
llvm::Error importBatchNorm(Ctx &ctx) {
  auto x = ctx.tensor(0);
  if (!x)
    return x.takeError();
  if ((*x)->shape().rank() < 2)
    return ctx.error("input must have a channel dimension");
  int64_t c = (*x)->shape()[1];
  auto training = ctx.intArg(5);
  if (!training)
    return training.takeError();
  if (*training)
    return ctx.error("batch_norm in training mode (batch statistics) is not "
                     "supported; export the model in eval mode");
  auto eps = ctx.floatArg(7);
  if (!eps)
    return eps.takeError();
  std::vector<Value *> ins{*x};
  for (unsigned i : {1u, 2u, 3u, 4u}) {
    if (ctx.isNone(i)) {
      if (i >= 3)
        return ctx.error("running statistics are missing (track_running_stats"
                         "=False is not supported)");
      Tensor t(DType::F32, Shape{c});
      for (int64_t k = 0; k < c; ++k)
        t.setDouble(k, i == 1 ? 1.0 : 0.0);
      ins.push_back(ctx.constant(std::move(t), i == 1 ? "weight" : "bias"));
      continue;
    }
    auto v = ctx.tensor(i);
    if (!v)
      return v.takeError();
    ins.push_back(*v);
  }
  Attributes a;
  a.set("epsilon", float(*eps));
  return ctx.emitOut(OpKind::BatchNormalization, ins, a);
}

/// aten::max_pool2d(x, kernel, stride, padding, dilation, ceil_mode);
/// aten::avg_pool2d(x, kernel, stride, padding, ceil_mode,
/// count_include_pad, divisor_override).
llvm::Error importPool(Ctx &ctx) {
  bool isMax = torchBaseName(ctx).startswith("max");
  auto x = ctx.tensor(0);
  if (!x)
    return x.takeError();
  size_t sp = (*x)->shape().rank() - 2;
  auto k = ctx.intsArg(1);
  if (!k)
    return k.takeError();
  auto s = ctx.intsArg(2);
  if (!s)
    return s.takeError();
  auto p = ctx.intsArg(3);
  if (!p)
    return p.takeError();
  std::vector<int64_t> kernel = torchRepeat(*k, sp);
  std::vector<int64_t> strides = s->empty() ? kernel : torchRepeat(*s, sp);
  std::vector<int64_t> pads = torchRepeat(*p, sp);
  std::vector<int64_t> p2 = pads;
  p2.insert(p2.end(), pads.begin(), pads.end());
  Attributes a;
  a.set("kernel_shape", kernel);
  a.set("strides", strides);
  a.set("pads", p2);
  if (isMax) {
    auto d = ctx.intsArg(4);
    if (!d)
      return d.takeError();
    auto ceil = ctx.intArg(5);
    if (!ceil)
      return ceil.takeError();
    a.set("dilations", torchRepeat(*d, sp));
    a.set("ceil_mode", *ceil);
    return ctx.emitOut(OpKind::MaxPool, {*x}, a);
  }
  auto ceil = ctx.intArg(4);
  if (!ceil)
    return ceil.takeError();
  auto cip = ctx.intArg(5);
  if (!cip)
    return cip.takeError();
  if (!ctx.isNone(6))
    return ctx.error("divisor_override is not supported");
  a.set("ceil_mode", *ceil);
  a.set("count_include_pad", *cip);
  return ctx.emitOut(OpKind::AveragePool, {*x}, a);
}

llvm::Error importAdaptiveAvgPool(Ctx &ctx) {
  auto x = ctx.tensor(0);
  if (!x)
    return x.takeError();
  const Shape &sh = (*x)->shape();
  auto os = ctx.intsArg(1);
  if (!os)
    return os.takeError();
  size_t sp = sh.rank() - 2;
  std::vector<int64_t> out = torchRepeat(*os, sp);
  if (out.size() != sp)
    return ctx.error("output_size has " + llvm::Twine(out.size()) +
                     " dims for " + sh.str());
  if (llvm::all_of(out, [](int64_t d) { return d == 1; }))
    return ctx.emitOut(OpKind::GlobalAveragePool, {*x});
  std::vector<int64_t> k;
  for (size_t i = 0; i < sp; ++i) {
    if (out[i] <= 0 || sh[i + 2] % out[i] != 0)
      return ctx.error("output_size " + llvm::Twine(out[i]) +
                       " does not divide input dim " +
                       llvm::Twine(sh[i + 2]) +
                       " (only even adaptive pooling is supported)");
    k.push_back(sh[i + 2] / out[i]);
  }
  Attributes a;
  a.set("kernel_shape", k);
  a.set("strides", k);
  return ctx.emitOut(OpKind::AveragePool, {*x}, a);
}

} // namespace onntc
