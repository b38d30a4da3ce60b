//===- MxnetOpsNn.cpp - MXNet layers: conv, FC, norm, activation, pool ----===//

#include "frontends/mxnet/MxnetContext.h"

namespace onntc {

namespace {

/// Tuple attributes of a convolution or pooling window, expanded to the
/// kernel's rank and checked.
struct Window {
  std::vector<int64_t> kernel, stride, dilate, pad;
};

llvm::Expected<Window> readWindow(MxNodeContext &ctx, bool required) {
  Window w;
  auto k = ctx.attrTuple("kernel", {});
  if (!k)
    return k.takeError();
  if (k->empty() && required)
    return ctx.error("attribute 'kernel' is required");
  w.kernel = *k;
  size_t r = w.kernel.size();
  auto one = [&](llvm::StringRef name, int64_t def,
                 std::vector<int64_t> &out) -> llvm::Error {
    auto v = ctx.attrTuple(name, {});
    if (!v)
      return v.takeError();
    if (v->empty())
      v->assign(r, def);
    if (v->size() != r)
      return ctx.error("attribute " + name + " has " + llvm::Twine(v->size()) +
                       " values but the kernel has " + llvm::Twine(r));
    out = *v;
    return llvm::Error::success();
  };
  if (llvm::Error e = one("stride", 1, w.stride))
    return e;
  if (llvm::Error e = one("dilate", 1, w.dilate))
    return e;
  if (llvm::Error e = one("pad", 0, w.pad))
    return e;
  for (size_t i = 0; i < r; ++i)
    if (w.kernel[i] <= 0 || w.stride[i] <= 0 || w.dilate[i] <= 0 ||
        w.pad[i] < 0)
      return ctx.error("kernel/stride/dilate must be positive and pad "
                       "non-negative");
  return w;
}

llvm::Error checkLayout(MxNodeContext &ctx) {
  auto layout = ctx.attrStr("layout", "None");
  if (!layout)
    return layout.takeError();
  if (*layout != "None" && *layout != "NCW" && *layout != "NCHW" &&
      *layout != "NCDHW")
    return ctx.error("layout=" + *layout +
                     " is not supported (only channel-first layouts)");
  return llvm::Error::success();
}

std::vector<int64_t> twice(const std::vector<int64_t> &p) {
  std::vector<int64_t> out = p;
  out.insert(out.end(), p.begin(), p.end());
  return out;
}

/// Checks a parameter's shape against what the layer's attributes imply.
llvm::Error checkParamShape(MxNodeContext &ctx, unsigned i,
                            llvm::StringRef role,
                            llvm::ArrayRef<int64_t> want) {
  const Tensor *t = ctx.paramInput(i);
  if (!t)
    return llvm::Error::success();
  for (size_t k = 0; k < want.size(); ++k)
    if (want[k] >= 0 &&
        (t->shape().rank() != want.size() || t->shape()[k] != want[k])) {
      std::string s = "[";
      for (size_t j = 0; j < want.size(); ++j)
        s += (j ? "," : "") +
             (want[j] < 0 ? std::string("?") : std::to_string(want[j]));
      std::string have = "[";
      for (size_t j = 0; j < t->shape().rank(); ++j)
        have += (j ? "," : "") + std::to_string(t->shape()[j]);
      return ctx.error(role + " '" + ctx.inputName(i) + "' has shape " + have +
                       "] in the params file but the " + "layer needs " + s +
                       "] (params of another net?)");
    }
  return llvm::Error::success();
}

llvm::Error importConvLike(MxNodeContext &ctx, bool transposed) {
  if (llvm::Error e = checkLayout(ctx))
    return e;
  auto w = readWindow(ctx, true);
  if (!w)
    return w.takeError();
  auto numFilter = ctx.attrInt("num_filter", -1);
  auto group = ctx.attrInt("num_group", 1);
  // Deconvolution has no bias unless asked for; Convolution has one.
  auto noBias = ctx.attrBool("no_bias", transposed);
  if (!numFilter || !group || !noBias)
    return llvm::joinErrors(
        llvm::joinErrors(numFilter.takeError(), group.takeError()),
        noBias.takeError());
  if (*numFilter <= 0 || *group <= 0 || *numFilter % *group)
    return ctx.error("num_filter (" + llvm::Twine(*numFilter) +
                     ") must be a positive multiple of num_group (" +
                     llvm::Twine(*group) + ")");
  if (llvm::Error e = ctx.expectInputs(*noBias ? 2 : 3, *noBias ? 2 : 3))
    return e;
  auto x = ctx.input(0, "data");
  if (!x)
    return x.takeError();
  const Shape &xs = (*x)->shape();
  if (xs.rank() != w->kernel.size() + 2)
    return ctx.error("the input has shape " + xs.str() + " but the kernel " +
                     "has " + llvm::Twine(w->kernel.size()) + " dims");
  std::vector<int64_t> want;
  if (!transposed)
    want = {*numFilter, xs[1] / *group};
  else
    want = {xs[1], *numFilter / *group};
  want.insert(want.end(), w->kernel.begin(), w->kernel.end());
  if (llvm::Error e = checkParamShape(ctx, 1, "weight", want))
    return e;
  if (!*noBias)
    if (llvm::Error e = checkParamShape(ctx, 2, "bias", {*numFilter}))
      return e;
  std::vector<Value *> ins{*x};
  for (unsigned i = 1; i < ctx.numInputs(); ++i) {
    auto v = ctx.input(i, i == 1 ? "weight" : "bias");
    if (!v)
      return v.takeError();
    ins.push_back(*v);
  }
  Attributes a;
  a.set("kernel_shape", w->kernel);
  a.set("strides", w->stride);
  a.set("dilations", w->dilate);
  a.set("pads", twice(w->pad));
  a.set("group", *group);
  if (transposed) {
    auto adj = ctx.attrTuple("adj", {});
    auto target = ctx.attrTuple("target_shape", {});
    if (!adj || !target)
      return llvm::joinErrors(adj.takeError(), target.takeError());
    for (int64_t t : *target)
      if (t != 0)
        return ctx.error("target_shape is not supported; give pad and adj "
                         "instead");
    if (!adj->empty()) {
      if (adj->size() != w->kernel.size())
        return ctx.error("attribute adj has the wrong number of values");
      a.set("output_padding", *adj);
    }
    return ctx.emitFinal(OpKind::ConvTranspose, ins, a).takeError();
  }
  return ctx.emitFinal(OpKind::Conv, ins, a).takeError();
}

} // namespace

llvm::Error importConvolution(MxNodeContext &ctx) {
  return importConvLike(ctx, false);
}

llvm::Error importDeconvolution(MxNodeContext &ctx) {
  return importConvLike(ctx, true);
}

llvm::Error importFullyConnected(MxNodeContext &ctx) {
  auto hidden = ctx.attrInt("num_hidden", -1);
  auto noBias = ctx.attrBool("no_bias", false);
  auto flatten = ctx.attrBool("flatten", true);
  if (!hidden || !noBias || !flatten)
    return llvm::joinErrors(
        llvm::joinErrors(hidden.takeError(), noBias.takeError()),
        flatten.takeError());
  if (*hidden <= 0)
    return ctx.error("num_hidden must be positive");
  if (llvm::Error e = ctx.expectInputs(*noBias ? 2 : 3, *noBias ? 2 : 3))
    return e;
  auto x = ctx.input(0, "data");
  if (!x)
    return x.takeError();
  const Shape &xs = (*x)->shape();
  if (xs.rank() < 1)
    return ctx.error("the input is a scalar");
  int64_t k = xs[xs.rank() - 1];
  if (*flatten) {
    k = 1;
    for (size_t i = 1; i < xs.rank(); ++i)
      k *= xs[i];
  }
  if (llvm::Error e = checkParamShape(ctx, 1, "weight", {*hidden, k}))
    return e;
  if (!*noBias)
    if (llvm::Error e = checkParamShape(ctx, 2, "bias", {*hidden}))
      return e;
  auto wv = ctx.input(1, "weight");
  if (!wv)
    return wv.takeError();
  Value *bias = nullptr;
  if (!*noBias) {
    auto b = ctx.input(2, "bias");
    if (!b)
      return b.takeError();
    bias = *b;
  }
  Value *in = *x;
  if (*flatten) {
    if (xs.rank() != 2) {
      Attributes fa;
      fa.set("axis", int64_t(1));
      auto f = ctx.emit(OpKind::Flatten, {in}, "flatten", fa);
      if (!f)
        return f.takeError();
      in = *f;
    }
    Attributes ga;
    ga.set("transB", int64_t(1));
    return ctx.emitFinal(OpKind::Gemm, {in, *wv, bias}, ga).takeError();
  }
  Attributes ta;
  ta.set("perm", std::vector<int64_t>{1, 0});
  auto wt = ctx.emit(OpKind::Transpose, {*wv}, "weight_t", ta);
  if (!wt)
    return wt.takeError();
  if (!bias)
    return ctx.emitFinal(OpKind::MatMul, {in, *wt}).takeError();
  auto mm = ctx.emit(OpKind::MatMul, {in, *wt}, "matmul");
  if (!mm)
    return mm.takeError();
  return ctx.emitFinal(OpKind::Add, {*mm, bias}).takeError();
}

llvm::Error importBatchNorm(MxNodeContext &ctx) {
  auto eps = ctx.attrFloat("eps", 1e-3f);
  auto fixGamma = ctx.attrBool("fix_gamma", true);
  auto axis = ctx.attrInt("axis", 1);
  if (!eps || !fixGamma || !axis)
    return llvm::joinErrors(
        llvm::joinErrors(eps.takeError(), fixGamma.takeError()),
        axis.takeError());
  if (llvm::Error e = ctx.expectInputs(5, 5))
    return e;
  auto x = ctx.input(0, "data");
  if (!x)
    return x.takeError();
  const Shape &xs = (*x)->shape();
  if (xs.rank() < 2)
    return ctx.error("the input " + xs.str() + " has no channel axis");
  int64_t ax = *axis < 0 ? *axis + int64_t(xs.rank()) : *axis;
  if (ax != 1)
    return ctx.error("axis=" + llvm::Twine(*axis) +
                     " is not supported (only the channel axis 1)");
  int64_t c = xs[1];
  static const char *const roles[] = {"gamma", "beta", "moving_mean",
                                      "moving_var"};
  std::vector<Value *> ins{*x};
  for (unsigned i = 1; i < 5; ++i) {
    if (llvm::Error e = checkParamShape(ctx, i, roles[i - 1], {c}))
      return e;
    if (i == 1 && *fixGamma) {
      // fix_gamma: MXNet ignores the stored gamma and uses 1.
      Tensor ones(DType::F32, Shape{c});
      std::fill(ones.data<float>(), ones.data<float>() + c, 1.0f);
      ins.push_back(ctx.constTensor(std::move(ones), "gamma_fixed"));
      continue;
    }
    auto v = ctx.input(i, roles[i - 1]);
    if (!v)
      return v.takeError();
    ins.push_back(*v);
  }
  Attributes a;
  a.set("epsilon", *eps);
  return ctx.emitFinal(OpKind::BatchNormalization, ins, a).takeError();
}

llvm::Error importActivation(MxNodeContext &ctx) {
  auto type = ctx.attrStr("act_type", "");
  if (!type)
    return type.takeError();
  static const std::pair<const char *, OpKind> kinds[] = {
      {"relu", OpKind::Relu},
      {"sigmoid", OpKind::Sigmoid},
      {"softrelu", OpKind::Softplus},
      {"softsign", OpKind::Softsign},
      {"tanh", OpKind::Tanh}};
  for (const auto &[name, kind] : kinds)
    if (*type == name) {
      if (llvm::Error e = ctx.expectInputs(1, 1))
        return e;
      auto x = ctx.input(0, "data");
      if (!x)
        return x.takeError();
      return ctx.emitFinal(kind, {*x}).takeError();
    }
  return ctx.error("act_type='" + *type +
                   "' is not supported (relu, sigmoid, softrelu, softsign, "
                   "tanh)");
}

llvm::Error importLeakyReLU(MxNodeContext &ctx) {
  auto type = ctx.attrStr("act_type", "leaky");
  auto slope = ctx.attrFloat("slope", 0.25f);
  auto lo = ctx.attrFloat("lower_bound", 0.125f);
  auto hi = ctx.attrFloat("upper_bound", 0.334f);
  if (!type || !slope || !lo || !hi)
    return llvm::joinErrors(
        llvm::joinErrors(type.takeError(), slope.takeError()),
        llvm::joinErrors(lo.takeError(), hi.takeError()));
  auto x = ctx.input(0, "data");
  if (!x)
    return x.takeError();
  Attributes a;
  if (*type == "leaky" || *type == "rrelu") {
    if (llvm::Error e = ctx.expectInputs(1, 1))
      return e;
    // rrelu at inference uses the mean of its random slope range.
    a.set("alpha", *type == "leaky" ? *slope : (*lo + *hi) / 2);
    return ctx.emitFinal(OpKind::LeakyRelu, {*x}, a).takeError();
  }
  if (*type == "elu") {
    if (llvm::Error e = ctx.expectInputs(1, 1))
      return e;
    a.set("alpha", *slope);
    return ctx.emitFinal(OpKind::Elu, {*x}, a).takeError();
  }
  if (*type == "selu" || *type == "gelu") {
    if (llvm::Error e = ctx.expectInputs(1, 1))
      return e;
    return ctx.emitFinal(*type == "selu" ? OpKind::Selu : OpKind::Gelu, {*x})
        .takeError();
  }
  if (*type != "prelu")
    return ctx.error("act_type='" + *type +
                     "' is not supported (leaky, prelu, elu, selu, gelu, "
                     "rrelu)");
  if (llvm::Error e = ctx.expectInputs(2, 2))
    return e;
  const Shape &xs = (*x)->shape();
  if (xs.rank() < 2)
    return ctx.error("prelu needs a channel axis; the input is " + xs.str());
  // gamma is per channel ([C]) or shared ([1]); the IR broadcasts from the
  // right, so it becomes [C, 1, ..., 1].
  Shape gs;
  gs.mutableDims().push_back(-1);
  for (size_t i = 2; i < xs.rank(); ++i)
    gs.mutableDims().push_back(1);
  if (const Tensor *g = ctx.paramInput(1)) {
    if (g->shape().rank() != 1 ||
        (g->shape()[0] != xs[1] && g->shape()[0] != 1))
      return ctx.error("gamma '" + ctx.inputName(1) + "' has shape " +
                       g->shape().str() + " but the input has " +
                       llvm::Twine(xs[1]) +
                       " channels (params of another "
                       "net?)");
    gs[0] = g->shape()[0];
    Value *slopeV = ctx.constParam(*g, gs, "gamma");
    return ctx.emitFinal(OpKind::PRelu, {*x, slopeV}).takeError();
  }
  auto gv = ctx.input(1, "gamma");
  if (!gv)
    return gv.takeError();
  auto r =
      ctx.emit(OpKind::Reshape, {*gv, ctx.constInts(gs.dims(), "gamma_shape")},
               "gamma_reshaped");
  if (!r)
    return r.takeError();
  return ctx.emitFinal(OpKind::PRelu, {*x, *r}).takeError();
}

int64_t mxnetPoolExtent(int64_t in, int64_t k, int64_t s, int64_t pad,
                        bool full) {
  int64_t span = in + 2 * pad - k;
  if (span < 0)
    return 0;
  return (full ? (span + s - 1) / s : span / s) + 1;
}

llvm::Error importPooling(MxNodeContext &ctx) {
  if (llvm::Error e = checkLayout(ctx))
    return e;
  if (llvm::Error e = ctx.expectInputs(1, 1))
    return e;
  auto type = ctx.attrStr("pool_type", "max");
  auto global = ctx.attrBool("global_pool", false);
  auto conv = ctx.attrStr("pooling_convention", "valid");
  auto countPad = ctx.attrBool("count_include_pad", true);
  if (!type || !global || !conv || !countPad)
    return llvm::joinErrors(
        llvm::joinErrors(type.takeError(), global.takeError()),
        llvm::joinErrors(conv.takeError(), countPad.takeError()));
  if (*type != "max" && *type != "avg" && *type != "sum")
    return ctx.error("pool_type='" + *type +
                     "' is not supported (max, avg, sum)");
  auto x = ctx.input(0, "data");
  if (!x)
    return x.takeError();
  const Shape &xs = (*x)->shape();
  if (xs.rank() < 3)
    return ctx.error("the input " + xs.str() + " has no spatial axes");
  int64_t area = 1;
  for (size_t i = 2; i < xs.rank(); ++i)
    area *= xs[i];
  if (*global) {
    if (*type == "max")
      return ctx.emitFinal(OpKind::GlobalMaxPool, {*x}).takeError();
    if (*type == "avg")
      return ctx.emitFinal(OpKind::GlobalAveragePool, {*x}).takeError();
    auto avg = ctx.emit(OpKind::GlobalAveragePool, {*x}, "mean");
    if (!avg)
      return avg.takeError();
    Value *n = ctx.constTensor(Tensor::scalarFloat(float(area)), "area");
    return ctx.emitFinal(OpKind::Mul, {*avg, n}).takeError();
  }
  auto w = readWindow(ctx, true);
  if (!w)
    return w.takeError();
  if (w->kernel.size() + 2 != xs.rank())
    return ctx.error("the kernel has " + llvm::Twine(w->kernel.size()) +
                     " dims but the input is " + xs.str());
  for (int64_t d : w->dilate)
    if (d != 1)
      return ctx.error("pooling with dilate is not supported");
  bool full = *conv == "full";
  if (*conv != "valid" && !full)
    return ctx.error("pooling_convention='" + *conv +
                     "' is not supported (valid, full)");
  if (*type == "sum" && full)
    return ctx.error("pool_type=sum with pooling_convention=full is not "
                     "supported");
  Attributes a;
  a.set("kernel_shape", w->kernel);
  a.set("strides", w->stride);
  a.set("pads", twice(w->pad));
  a.set("ceil_mode", int64_t(full));
  OpKind k = OpKind::MaxPool;
  if (*type != "max") {
    k = OpKind::AveragePool;
    a.set("count_include_pad", int64_t(*type == "sum" || *countPad));
  }
  llvm::Expected<Value *> out =
      *type == "sum" ? ctx.emit(k, {*x}, "mean", a) : ctx.emitFinal(k, {*x}, a);
  if (!out)
    return out.takeError();
  // MXNet's "full" keeps a last window that starts in the padding; the IR
  // (like ONNX) drops it. Refuse the shapes where the two differ.
  for (size_t i = 0; i < w->kernel.size(); ++i) {
    int64_t want =
        mxnetPoolExtent(xs[i + 2], w->kernel[i], w->stride[i], w->pad[i], full);
    if ((*out)->shape()[i + 2] != want)
      return ctx.error("with input " + xs.str() +
                       " a pooling window would start beyond the input "
                       "(MXNet output extent " +
                       llvm::Twine(want) + ", IR " +
                       llvm::Twine((*out)->shape()[i + 2]) +
                       "); not supported");
  }
  if (*type != "sum")
    return llvm::Error::success();
  int64_t win = 1;
  for (int64_t d : w->kernel)
    win *= d;
  Value *n = ctx.constTensor(Tensor::scalarFloat(float(win)), "window");
  return ctx.emitFinal(OpKind::Mul, {*out, n}).takeError();
}

} // namespace onntc
