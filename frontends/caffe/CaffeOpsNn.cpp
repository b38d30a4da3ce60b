//===- CaffeOpsNn.cpp - Caffe convolution, pooling, normalisation ---------===//

#include "frontends/caffe/CaffeOps.h"

namespace onntc {

using namespace onntc_caffe;

using Ints = std::vector<int64_t>;

llvm::Expected<int64_t> caffeAxis(CaffeLayerContext &ctx, int64_t axis,
                                  size_t rank, llvm::StringRef what) {
  int64_t r = int64_t(rank);
  if (axis < -r || axis >= r)
    return ctx.error(what + " " + llvm::Twine(axis) +
                     " is out of range for a rank-" + llvm::Twine(r) +
                     " bottom");
  return axis < 0 ? axis + r : axis;
}

namespace {

/// Kernel, stride, pad and dilation of a (de)convolution, 2-D.
struct ConvGeom {
  int64_t kh, kw, sh = 1, sw = 1, ph = 0, pw = 0, dh = 1, dw = 1;
};

llvm::Expected<ConvGeom> convGeom(CaffeLayerContext &ctx,
                                  const ConvolutionParameter &p) {
  ConvGeom g;
  auto pick2 = [&](const google::protobuf::RepeatedField<uint32_t> &v,
                   llvm::StringRef what, int64_t def, int64_t &h,
                   int64_t &w) -> llvm::Error {
    if (v.size() == 0) {
      h = w = def;
    } else if (v.size() == 1) {
      h = w = v[0];
    } else if (v.size() == 2) {
      h = v[0];
      w = v[1];
    } else {
      return ctx.unsupported(what + " has " + llvm::Twine(v.size()) +
                             " values; only 2-D convolution is supported");
    }
    return llvm::Error::success();
  };
  if (p.has_kernel_h() || p.has_kernel_w()) {
    if (!p.has_kernel_h() || !p.has_kernel_w() || p.kernel_size_size())
      return ctx.error("give kernel_size, or kernel_h and kernel_w");
    g.kh = p.kernel_h();
    g.kw = p.kernel_w();
  } else {
    if (!p.kernel_size_size())
      return ctx.error("kernel_size (or kernel_h and kernel_w) is required");
    if (llvm::Error e = pick2(p.kernel_size(), "kernel_size", 1, g.kh, g.kw))
      return e;
  }
  if (p.has_stride_h() || p.has_stride_w()) {
    g.sh = p.has_stride_h() ? p.stride_h() : 1;
    g.sw = p.has_stride_w() ? p.stride_w() : 1;
  } else if (llvm::Error e = pick2(p.stride(), "stride", 1, g.sh, g.sw)) {
    return e;
  }
  if (p.has_pad_h() || p.has_pad_w()) {
    g.ph = p.pad_h();
    g.pw = p.pad_w();
  } else if (llvm::Error e = pick2(p.pad(), "pad", 0, g.ph, g.pw)) {
    return e;
  }
  if (llvm::Error e = pick2(p.dilation(), "dilation", 1, g.dh, g.dw))
    return e;
  if (g.kh <= 0 || g.kw <= 0 || g.sh <= 0 || g.sw <= 0 || g.dh <= 0 ||
      g.dw <= 0)
    return ctx.error("kernel, stride and dilation must be positive");
  if (p.axis() != 1)
    return ctx.unsupported("axis " + llvm::Twine(p.axis()) +
                           " (only channel axis 1 is supported)");
  return g;
}

Attributes convAttrs(const ConvGeom &g, int64_t group) {
  Attributes a;
  a.set("kernel_shape", Ints{g.kh, g.kw});
  a.set("strides", Ints{g.sh, g.sw});
  a.set("pads", Ints{g.ph, g.pw, g.ph, g.pw});
  a.set("dilations", Ints{g.dh, g.dw});
  a.set("group", group);
  return a;
}

llvm::Error importConvLike(CaffeLayerContext &ctx, bool deconv) {
  if (llvm::Error e = ctx.checkArity(1, 1, 1, 1))
    return e;
  const ConvolutionParameter &p = ctx.layer().convolution_param();
  auto g = convGeom(ctx, p);
  if (!g)
    return g.takeError();
  auto xs = ctx.bottomShape(0);
  if (!xs)
    return xs.takeError();
  if (xs->rank() != 4)
    return ctx.unsupported("bottom of rank " + llvm::Twine(xs->rank()) +
                           " (only 4-D NCHW is supported)");
  int64_t c = (*xs)[1], o = p.num_output(), grp = p.group();
  if (o <= 0 || grp <= 0 || c % grp || o % grp)
    return ctx.error("num_output " + llvm::Twine(o) + " and channels " +
                     llvm::Twine(c) + " must be positive multiples of group " +
                     llvm::Twine(grp));
  Shape ws = deconv ? Shape{c, o / grp, g->kh, g->kw}
                    : Shape{o, c / grp, g->kh, g->kw};
  auto w = ctx.blob(0, ws, "weights");
  if (!w)
    return w.takeError();
  std::vector<Value *> ins{ctx.bottom(0), ctx.constTensor(std::move(*w), "w")};
  if (p.bias_term()) {
    auto b = ctx.blob(1, Shape{o}, "bias");
    if (!b)
      return b.takeError();
    ins.push_back(ctx.constTensor(std::move(*b), "b"));
  }
  return ctx
      .emitTop(deconv ? OpKind::ConvTranspose : OpKind::Conv, ins,
               convAttrs(*g, grp))
      .takeError();
}

} // namespace

llvm::Error importConvolution(CaffeLayerContext &ctx) {
  return importConvLike(ctx, false);
}

llvm::Error importDeconvolution(CaffeLayerContext &ctx) {
  return importConvLike(ctx, true);
}

llvm::Error importInnerProduct(CaffeLayerContext &ctx) {
  if (llvm::Error e = ctx.checkArity(1, 1, 1, 1))
    return e;
  const InnerProductParameter &p = ctx.layer().inner_product_param();
  auto xs = ctx.bottomShape(0);
  if (!xs)
    return xs.takeError();
  auto axis = caffeAxis(ctx, p.axis(), xs->rank(), "axis");
  if (!axis)
    return axis.takeError();
  int64_t m = 1, k = 1, n = p.num_output();
  for (size_t i = 0; i < xs->rank(); ++i)
    (int64_t(i) < *axis ? m : k) *= (*xs)[i];
  if (n <= 0)
    return ctx.error("num_output must be positive");
  auto w = ctx.blob(0, p.transpose() ? Shape{k, n} : Shape{n, k}, "weights");
  if (!w)
    return w.takeError();
  Attributes fa;
  fa.set("axis", *axis);
  auto flat = ctx.emit(OpKind::Flatten, {ctx.bottom(0)}, "flat", fa);
  if (!flat)
    return flat.takeError();
  std::vector<Value *> ins{(*flat)->output(0),
                           ctx.constTensor(std::move(*w), "w")};
  if (p.bias_term()) {
    auto b = ctx.blob(1, Shape{n}, "bias");
    if (!b)
      return b.takeError();
    ins.push_back(ctx.constTensor(std::move(*b), "b"));
  }
  Attributes ga;
  ga.set("transB", int64_t(p.transpose() ? 0 : 1));
  if (*axis == 1)
    return ctx.emitTop(OpKind::Gemm, ins, ga).takeError();
  // Caffe keeps the dims before `axis`: [d0..d(axis-1), N].
  auto gm = ctx.emit(OpKind::Gemm, ins, "gemm", ga);
  if (!gm)
    return gm.takeError();
  Ints out(xs->dims().begin(), xs->dims().begin() + *axis);
  out.push_back(n);
  return ctx
      .emitTop(OpKind::Reshape, {(*gm)->output(0), ctx.constInts(out, "shape")})
      .takeError();
}

/// Caffe's pooled size: ceil (or floor with round_mode FLOOR) of
/// (in + 2 pad - k) / s + 1, minus one when padding makes the last window
/// start in the padding.
static int64_t caffePooled(int64_t in, int64_t k, int64_t s, int64_t pad,
                           bool ceilMode) {
  int64_t span = in + 2 * pad - k;
  int64_t out = (ceilMode ? (span + s - 1) / s : span / s) + 1;
  if (pad > 0 && (out - 1) * s >= in + pad)
    --out;
  return out;
}

llvm::Error importPooling(CaffeLayerContext &ctx) {
  if (llvm::Error e = ctx.checkArity(1, 1, 1, 2))
    return e;
  if (ctx.numTops() == 2)
    return ctx.unsupported("the mask top of max pooling is not supported");
  const PoolingParameter &p = ctx.layer().pooling_param();
  auto xs = ctx.bottomShape(0);
  if (!xs)
    return xs.takeError();
  if (xs->rank() != 4)
    return ctx.unsupported("bottom of rank " + llvm::Twine(xs->rank()) +
                           " (only 4-D NCHW is supported)");
  if (p.pool() == PoolingParameter::STOCHASTIC)
    return ctx.unsupported("STOCHASTIC pooling is not supported");
  bool avg = p.pool() == PoolingParameter::AVE;
  if (p.global_pooling())
    return ctx
        .emitTop(avg ? OpKind::GlobalAveragePool : OpKind::GlobalMaxPool,
                 {ctx.bottom(0)})
        .takeError();
  int64_t kh, kw, sh, sw, ph, pw;
  if (p.has_kernel_h() || p.has_kernel_w()) {
    kh = p.kernel_h();
    kw = p.kernel_w();
  } else {
    kh = kw = p.kernel_size();
  }
  sh = p.has_stride_h() ? p.stride_h() : p.stride();
  sw = p.has_stride_w() ? p.stride_w() : p.stride();
  ph = p.has_pad_h() ? p.pad_h() : p.pad();
  pw = p.has_pad_w() ? p.pad_w() : p.pad();
  if (kh <= 0 || kw <= 0 || sh <= 0 || sw <= 0)
    return ctx.error("kernel_size and stride must be positive");
  if (ph >= kh || pw >= kw)
    return ctx.error("pad must be smaller than the kernel");
  int64_t h = (*xs)[2], w = (*xs)[3];
  if (h + 2 * ph < kh || w + 2 * pw < kw)
    return ctx.error("the kernel " + llvm::Twine(kh) + "x" + llvm::Twine(kw) +
                     " is larger than the padded bottom " + xs->str());
  bool ceilMode = p.round_mode() == PoolingParameter::CEIL;
  int64_t oh = caffePooled(h, kh, sh, ph, ceilMode);
  int64_t ow = caffePooled(w, kw, sw, pw, ceilMode);
  // The IR clips ceil-mode windows that start beyond the end padding even
  // without padding; Caffe does so only with padding. Where they differ,
  // Caffe would read a window entirely outside the bottom.
  if ((oh - 1) * sh >= h + ph || (ow - 1) * sw >= w + pw)
    return ctx.unsupported("the last pooling window lies entirely outside "
                           "the bottom (stride larger than kernel)");
  Value *x = ctx.bottom(0);
  Attributes a;
  a.set("kernel_shape", Ints{kh, kw});
  a.set("strides", Ints{sh, sw});
  a.set("ceil_mode", int64_t(ceilMode));
  // Caffe averages over the window clipped to the padded bottom (padding
  // counts, the part of a ceil-mode window beyond the padding does not).
  // That is count_include_pad when the windows stay inside the padding, and
  // an explicit zero Pad + valid-count average when they run past it.
  bool pastPad = (oh - 1) * sh + kh > h + 2 * ph ||
                 (ow - 1) * sw + kw > w + 2 * pw;
  if (avg && (ph || pw) && pastPad) {
    auto pad = ctx.emit(OpKind::Pad,
                        {x, ctx.constInts({0, 0, ph, pw, 0, 0, ph, pw}, "pads")},
                        "pad");
    if (!pad)
      return pad.takeError();
    x = (*pad)->output(0);
    a.set("pads", Ints{0, 0, 0, 0});
    a.set("count_include_pad", int64_t(0));
  } else {
    a.set("pads", Ints{ph, pw, ph, pw});
    if (avg)
      a.set("count_include_pad", int64_t(ph || pw ? 1 : 0));
  }
  auto n = ctx.emitTop(avg ? OpKind::AveragePool : OpKind::MaxPool, {x}, a);
  if (!n)
    return n.takeError();
  const Shape &ys = (*n)->output(0)->shape();
  if (ys[2] != oh || ys[3] != ow)
    return ctx.error("internal: pooled size " + ys.str() + " differs from "
                     "Caffe's " + llvm::Twine(oh) + "x" + llvm::Twine(ow));
  return llvm::Error::success();
}

/// Per-channel parameter shape [C, 1, ..., 1] that broadcasts over a bottom
/// of rank `rank` from axis 1.
static Shape channelShape(int64_t c, size_t rank) {
  Shape s{c};
  for (size_t i = 2; i < rank; ++i)
    s.mutableDims().push_back(1);
  return s;
}

llvm::Error importBatchNorm(CaffeLayerContext &ctx) {
  if (llvm::Error e = ctx.checkArity(1, 1, 1, 1))
    return e;
  auto xs = ctx.bottomShape(0);
  if (!xs)
    return xs.takeError();
  if (xs->rank() < 2)
    return ctx.error("the bottom needs a channel axis");
  int64_t c = (*xs)[1];
  auto mean = ctx.blob(0, Shape{c}, "mean");
  if (!mean)
    return mean.takeError();
  auto var = ctx.blob(1, Shape{c}, "variance");
  if (!var)
    return var.takeError();
  // Blob 2 is the moving-average normaliser: the stored sums divided by it
  // are the statistics (0 means none accumulated: statistics are 0).
  float factor = 1.0f;
  if (ctx.numBlobs() > 2) {
    auto sf = ctx.blob(2, Shape{1}, "scale factor");
    if (!sf)
      return sf.takeError();
    float v = sf->data<float>()[0];
    factor = v == 0.0f ? 0.0f : 1.0f / v;
  }
  for (int64_t i = 0; i < c; ++i) {
    mean->data<float>()[i] *= factor;
    var->data<float>()[i] *= factor;
  }
  Tensor one(DType::F32, Shape{c}), zero(DType::F32, Shape{c});
  for (int64_t i = 0; i < c; ++i)
    one.data<float>()[i] = 1.0f;
  Attributes a;
  a.set("epsilon", ctx.layer().batch_norm_param().eps());
  return ctx
      .emitTop(OpKind::BatchNormalization,
               {ctx.bottom(0), ctx.constTensor(std::move(one), "scale"),
                ctx.constTensor(std::move(zero), "bias"),
                ctx.constTensor(std::move(*mean), "mean"),
                ctx.constTensor(std::move(*var), "var")},
               a)
      .takeError();
}

namespace {

/// The shape of a Scale/Bias parameter over bottom dims [axis, axis+n) and
/// that shape padded with trailing 1s so it broadcasts against the bottom.
struct ParamShape {
  Shape shape, bcast;
};

llvm::Expected<ParamShape> paramShape(CaffeLayerContext &ctx, const Shape &xs,
                                      int64_t axisIn, int64_t numAxes) {
  auto axis = caffeAxis(ctx, axisIn, xs.rank(), "axis");
  if (!axis)
    return axis.takeError();
  int64_t r = int64_t(xs.rank());
  if (numAxes < -1 || (numAxes >= 0 && *axis + numAxes > r))
    return ctx.error("num_axes " + llvm::Twine(numAxes) +
                     " does not fit the bottom " + xs.str());
  int64_t end = numAxes == -1 ? r : *axis + numAxes;
  ParamShape p;
  for (int64_t i = *axis; i < end; ++i)
    p.shape.mutableDims().push_back(xs[size_t(i)]);
  p.bcast = p.shape;
  for (int64_t i = end; i < r; ++i)
    p.bcast.mutableDims().push_back(1);
  return p;
}

/// Applies `op` (Mul or Add) with a parameter from blob `blobIdx` or, when
/// the layer has two bottoms and `fromBottom`, from bottom 1.
llvm::Expected<Value *> applyParam(CaffeLayerContext &ctx, Value *x,
                                   const ParamShape &ps, OpKind op,
                                   bool fromBottom, unsigned blobIdx,
                                   llvm::StringRef role, bool final) {
  Value *param;
  if (fromBottom) {
    Value *b = ctx.bottom(1);
    if (b->shape() != ps.shape && b->shape() != ps.bcast)
      return ctx.error("bottom 1 has shape " + b->shape().str() +
                       ", expected " + ps.shape.str());
    param = b;
    if (b->shape() != ps.bcast) {
      auto r = ctx.emit(OpKind::Reshape,
                        {b, ctx.constInts(ps.bcast.dims(), role.str() + "_shape")},
                        role.str() + "_bcast");
      if (!r)
        return r.takeError();
      param = (*r)->output(0);
    }
  } else {
    auto t = ctx.blob(blobIdx, ps.shape, role);
    if (!t)
      return t.takeError();
    Tensor bt(DType::F32, ps.bcast);
    std::copy(t->data<float>(), t->data<float>() + t->numElements(),
              bt.data<float>());
    param = ctx.constTensor(std::move(bt), role);
  }
  auto n = final ? ctx.emitTop(op, {x, param}) : ctx.emit(op, {x, param}, role);
  if (!n)
    return n.takeError();
  return (*n)->output(0);
}

} // namespace

llvm::Error importScale(CaffeLayerContext &ctx) {
  if (llvm::Error e = ctx.checkArity(1, 2, 1, 1))
    return e;
  const ScaleParameter &p = ctx.layer().scale_param();
  auto xs = ctx.bottomShape(0);
  if (!xs)
    return xs.takeError();
  bool two = ctx.numBottoms() == 2;
  int64_t numAxes = p.num_axes();
  if (two && !p.has_num_axes())
    numAxes = int64_t(ctx.bottom(1)->shape().rank());
  auto ps = paramShape(ctx, *xs, p.axis(), numAxes);
  if (!ps)
    return ps.takeError();
  auto y = applyParam(ctx, ctx.bottom(0), *ps, OpKind::Mul, two, 0, "scale",
                      !p.bias_term());
  if (!y)
    return y.takeError();
  if (!p.bias_term())
    return llvm::Error::success();
  return applyParam(ctx, *y, *ps, OpKind::Add, false, two ? 0 : 1, "bias", true)
      .takeError();
}

llvm::Error importBias(CaffeLayerContext &ctx) {
  if (llvm::Error e = ctx.checkArity(1, 2, 1, 1))
    return e;
  const BiasParameter &p = ctx.layer().bias_param();
  auto xs = ctx.bottomShape(0);
  if (!xs)
    return xs.takeError();
  bool two = ctx.numBottoms() == 2;
  int64_t numAxes = p.num_axes();
  if (two && !p.has_num_axes())
    numAxes = int64_t(ctx.bottom(1)->shape().rank());
  auto ps = paramShape(ctx, *xs, p.axis(), numAxes);
  if (!ps)
    return ps.takeError();
  return applyParam(ctx, ctx.bottom(0), *ps, OpKind::Add, two, 0, "bias", true)
      .takeError();
}

llvm::Error importPReLU(CaffeLayerContext &ctx) {
  if (llvm::Error e = ctx.checkArity(1, 1, 1, 1))
    return e;
  auto xs = ctx.bottomShape(0);
  if (!xs)
    return xs.takeError();
  if (xs->rank() < 2)
    return ctx.error("the bottom needs a channel axis");
  bool shared = ctx.layer().prelu_param().channel_shared();
  int64_t c = shared ? 1 : (*xs)[1];
  auto slope = ctx.blob(0, Shape{c}, "slope");
  if (!slope)
    return slope.takeError();
  Tensor s(DType::F32, shared ? Shape{1} : channelShape(c, xs->rank()));
  std::copy(slope->data<float>(), slope->data<float>() + c, s.data<float>());
  return ctx
      .emitTop(OpKind::PRelu,
               {ctx.bottom(0), ctx.constTensor(std::move(s), "slope")})
      .takeError();
}

llvm::Error importLRN(CaffeLayerContext &ctx) {
  if (llvm::Error e = ctx.checkArity(1, 1, 1, 1))
    return e;
  const LRNParameter &p = ctx.layer().lrn_param();
  if (p.local_size() % 2 == 0)
    return ctx.error("local_size must be odd, is " +
                     llvm::Twine(p.local_size()));
  if (p.norm_region() == LRNParameter::ACROSS_CHANNELS) {
    Attributes a;
    a.set("size", int64_t(p.local_size()));
    a.set("alpha", p.alpha());
    a.set("beta", p.beta());
    a.set("bias", p.k());
    return ctx.emitTop(OpKind::LRN, {ctx.bottom(0)}, a).takeError();
  }
  // WITHIN_CHANNEL: x / (1 + alpha/n^2 * sum_{n x n window} x^2)^beta, the
  // window zero-padded by (n-1)/2 and the average counting the padding.
  Value *x = ctx.bottom(0);
  int64_t n = p.local_size(), pad = (n - 1) / 2;
  auto sq = ctx.emit(OpKind::Mul, {x, x}, "sq");
  if (!sq)
    return sq.takeError();
  Attributes pa;
  pa.set("kernel_shape", Ints{n, n});
  pa.set("pads", Ints{pad, pad, pad, pad});
  pa.set("count_include_pad", int64_t(1));
  auto avg = ctx.emit(OpKind::AveragePool, {(*sq)->output(0)}, "avg", pa);
  if (!avg)
    return avg.takeError();
  auto sc = ctx.emit(OpKind::Mul,
                     {(*avg)->output(0), ctx.constFloat(p.alpha(), "alpha")},
                     "scaled");
  if (!sc)
    return sc.takeError();
  auto one = ctx.emit(OpKind::Add,
                      {(*sc)->output(0), ctx.constFloat(1.0f, "one")}, "base");
  if (!one)
    return one.takeError();
  auto pw = ctx.emit(OpKind::Pow,
                     {(*one)->output(0), ctx.constFloat(-p.beta(), "negbeta")},
                     "pow");
  if (!pw)
    return pw.takeError();
  return ctx.emitTop(OpKind::Mul, {x, (*pw)->output(0)}).takeError();
}

llvm::Error importNormalize(CaffeLayerContext &ctx) {
  if (llvm::Error e = ctx.checkArity(1, 1, 1, 1))
    return e;
  const NormalizeParameter &p = ctx.layer().norm_param();
  auto xs = ctx.bottomShape(0);
  if (!xs)
    return xs.takeError();
  if (xs->rank() < 2)
    return ctx.error("the bottom needs a channel axis");
  Value *x = ctx.bottom(0);
  Ints axes;
  if (p.across_spatial())
    for (size_t i = 1; i < xs->rank(); ++i)
      axes.push_back(int64_t(i));
  else
    axes.push_back(1);
  Attributes ra;
  ra.set("axes", axes);
  ra.set("keepdims", int64_t(1));
  auto ss = ctx.emit(OpKind::ReduceSumSquare, {x}, "sumsq", ra);
  if (!ss)
    return ss.takeError();
  auto eps = ctx.emit(OpKind::Add,
                      {(*ss)->output(0), ctx.constFloat(p.eps(), "eps")},
                      "sumsq_eps");
  if (!eps)
    return eps.takeError();
  auto nrm = ctx.emit(OpKind::Sqrt, {(*eps)->output(0)}, "norm");
  if (!nrm)
    return nrm.takeError();
  auto dv = ctx.emit(OpKind::Div, {x, (*nrm)->output(0)}, "normed");
  if (!dv)
    return dv.takeError();
  int64_t c = p.channel_shared() ? 1 : (*xs)[1];
  auto sc = ctx.blob(0, Shape{c}, "scale");
  if (!sc)
    return sc.takeError();
  Tensor s(DType::F32, p.channel_shared() ? Shape{1} : channelShape(c, xs->rank()));
  std::copy(sc->data<float>(), sc->data<float>() + c, s.data<float>());
  return ctx
      .emitTop(OpKind::Mul,
               {(*dv)->output(0), ctx.constTensor(std::move(s), "scale")})
      .takeError();
}

} // namespace onntc
