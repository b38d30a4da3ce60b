//===- TfOpsNn.cpp - convolutions, pools, normalisation, softmax ----------===//
//
// These ops work on NCHW values: their TensorFlow inputs are NHWC, so 4-D
// inputs in TensorFlow layout are transposed once (inputNchw) and results
// are bound as NCHW. Window attributes are read in NHWC order.
//
//===----------------------------------------------------------------------===//

#include "frontends/tensorflow/TfContext.h"

#include "ir/Diagnostics.h"

namespace onntc {

namespace {

/// Spatial window parameters in IR form.
struct Window {
  int64_t kernel[2] = {1, 1};
  int64_t stride[2] = {1, 1};
  int64_t dilation[2] = {1, 1};
  int64_t pads[4] = {0, 0, 0, 0}; ///< top, left, bottom, right (IR order)
};

/// Reads a 4-entry NHWC attribute (strides, ksize, dilations) whose N and C
/// entries must be 1; returns the H, W entries.
llvm::Error readNhwcPair(TfNodeContext &ctx, llvm::StringRef name,
                         int64_t out[2]) {
  auto v = ctx.attrInts(name, {1, 1, 1, 1});
  if (!v)
    return v.takeError();
  if (v->size() != 4)
    return ctx.error("attribute '" + name + "' must have 4 entries (NHWC)");
  if ((*v)[0] != 1 || (*v)[3] != 1)
    return ctx.unsupported("attribute '" + name +
                           "' must be 1 in the batch and channel dims");
  for (int i = 0; i < 2; ++i) {
    if ((*v)[size_t(i + 1)] < 1)
      return ctx.error("attribute '" + name + "' has a non-positive entry");
    out[i] = (*v)[size_t(i + 1)];
  }
  return llvm::Error::success();
}

/// Fills w.pads from the `padding` attribute for an NCHW input of shape s.
/// SAME: output = ceil(in / stride), the total padding split with the
/// extra cell at the end (TensorFlow's rule).
llvm::Error computePads(TfNodeContext &ctx, const Shape &s, Window &w) {
  auto padding = ctx.attrString("padding", "VALID");
  if (!padding)
    return padding.takeError();
  if (*padding == "VALID")
    return llvm::Error::success();
  if (*padding == "EXPLICIT") {
    auto ep = ctx.attrInts("explicit_paddings", {});
    if (!ep)
      return ep.takeError();
    if (ep->size() != 8 || (*ep)[0] || (*ep)[1] || (*ep)[6] || (*ep)[7])
      return ctx.error("explicit_paddings must have 8 entries (NHWC pairs) "
                       "with zero batch and channel padding");
    w.pads[0] = (*ep)[2], w.pads[2] = (*ep)[3];
    w.pads[1] = (*ep)[4], w.pads[3] = (*ep)[5];
    return llvm::Error::success();
  }
  if (*padding != "SAME")
    return ctx.error("padding '" + *padding +
                     "' is not valid (SAME, VALID, EXPLICIT)");
  for (int i = 0; i < 2; ++i) {
    int64_t in = s[size_t(2 + i)];
    if (in < 0)
      return ctx.error("SAME padding needs a static input shape, got " +
                       s.str());
    int64_t out = (in + w.stride[i] - 1) / w.stride[i];
    int64_t eff = (w.kernel[i] - 1) * w.dilation[i] + 1;
    int64_t total = std::max<int64_t>((out - 1) * w.stride[i] + eff - in, 0);
    w.pads[i] = total / 2;
    w.pads[i + 2] = total - total / 2;
  }
  return llvm::Error::success();
}

Attributes windowAttrs(const Window &w, bool withDilations) {
  Attributes a;
  a.set("kernel_shape", std::vector<int64_t>{w.kernel[0], w.kernel[1]});
  a.set("strides", std::vector<int64_t>{w.stride[0], w.stride[1]});
  a.set("pads", std::vector<int64_t>(std::begin(w.pads), std::end(w.pads)));
  if (withDilations)
    a.set("dilations", std::vector<int64_t>{w.dilation[0], w.dilation[1]});
  return a;
}

/// Reads input i, which must be a constant made by a Const node, directly
/// from the GraphDef (the node may not be imported yet).
llvm::Expected<std::vector<int64_t>> constIntsOfNode(TfNodeContext &ctx,
                                                     const tfproto::NodeDef &n,
                                                     int i,
                                                     llvm::StringRef role) {
  std::vector<int> data;
  for (int k = 0; k < n.input_size(); ++k)
    if (!n.input(k).empty() && n.input(k)[0] != '^')
      data.push_back(k);
  if (i >= int(data.size()))
    return ctx.error("node '" + n.name() + "' (" + n.op() + ") has no " + role +
                     " input");
  llvm::StringRef src = tensorNodeName(n.input(data[size_t(i)]));
  const tfproto::NodeDef *c = ctx.state().nodes.lookup(src);
  if (!c || c->op() != "Const" || !c->attr().count("value"))
    return ctx.unsupported("the " + role + " of node '" + n.name() + "' (" +
                           n.op() + ") must come from a Const node");
  auto t = tensorFromTf(c->attr().at("value").tensor(),
                        ctx.state().fileName + ": node '" + c->name() + "'");
  if (!t)
    return t.takeError();
  if (isFloat(t->dtype()))
    return ctx.error("the " + role + " of node '" + n.name() +
                     "' must be integers");
  return t->toInts();
}

/// For a convolution fed by SpaceToBatchND: checks the BatchToSpaceND after
/// it and folds both into the convolution's dilation and padding. Returns
/// the BatchToSpaceND node whose output the convolution then produces.
llvm::Expected<const tfproto::NodeDef *>
foldSpaceToBatch(TfNodeContext &ctx, const TfSpaceToBatch &s2b, Window &w) {
  auto padding = ctx.attrString("padding", "VALID");
  if (!padding)
    return padding.takeError();
  if (*padding != "VALID" || w.stride[0] != 1 || w.stride[1] != 1 ||
      w.dilation[0] != 1 || w.dilation[1] != 1)
    return ctx.unsupported(
        "after SpaceToBatchND '" + s2b.nodeName +
        "', only a VALID convolution with unit strides and dilations folds "
        "into a dilated convolution");
  const auto &users = ctx.state().consumers.lookup(ctx.name());
  if (users.size() != 1 || users[0]->op() != "BatchToSpaceND")
    return ctx.unsupported(
        "after SpaceToBatchND '" + s2b.nodeName +
        "', the convolution must feed exactly one BatchToSpaceND");
  const tfproto::NodeDef &b2s = *users[0];
  auto block = constIntsOfNode(ctx, b2s, 1, "block_shape");
  if (!block)
    return block.takeError();
  auto crops = constIntsOfNode(ctx, b2s, 2, "crops");
  if (!crops)
    return crops.takeError();
  if (block->size() != 2 || (*block)[0] != s2b.block[0] ||
      (*block)[1] != s2b.block[1] || crops->size() != 4)
    return ctx.unsupported("BatchToSpaceND '" + b2s.name() +
                           "' does not undo SpaceToBatchND '" + s2b.nodeName +
                           "' (block shapes differ or crops are not 2x2)");
  // Padded input, dilation = block, VALID; cropping the output start (end)
  // by c is padding the start (end) by c less.
  int64_t p[4] = {s2b.pads[0] - (*crops)[0], s2b.pads[2] - (*crops)[2],
                  s2b.pads[1] - (*crops)[1], s2b.pads[3] - (*crops)[3]};
  for (int64_t v : p)
    if (v < 0)
      return ctx.unsupported("BatchToSpaceND '" + b2s.name() +
                             "' crops more than SpaceToBatchND '" +
                             s2b.nodeName + "' pads");
  std::copy(std::begin(p), std::end(p), w.pads);
  w.dilation[0] = s2b.block[0];
  w.dilation[1] = s2b.block[1];
  return &b2s;
}

} // namespace

llvm::Error importConv2D(TfNodeContext &ctx) {
  if (llvm::Error e = ctx.checkNumInputs(2, 2))
    return e;
  if (llvm::Error e = ctx.requireNhwc())
    return e;
  bool depthwise = ctx.node().op() == "DepthwiseConv2dNative";
  Window w;
  if (llvm::Error e = readNhwcPair(ctx, "strides", w.stride))
    return e;
  if (llvm::Error e = readNhwcPair(ctx, "dilations", w.dilation))
    return e;

  // Data: either a plain value or a pending SpaceToBatchND to fold.
  const TfSpaceToBatch *s2b = nullptr;
  auto s2bIt = ctx.state().spaceToBatch.find(ctx.inputName(0));
  if (s2bIt != ctx.state().spaceToBatch.end())
    s2b = &s2bIt->second;
  Value *x;
  if (s2b) {
    if (s2b->input.nchw) {
      x = s2b->input.v;
    } else {
      auto t = ctx.toNchw(s2b->input.v);
      if (!t)
        return t.takeError();
      x = *t;
    }
  } else {
    auto t = ctx.inputNchw(0);
    if (!t)
      return t.takeError();
    x = *t;
  }
  auto filt = ctx.inputTf(1);
  if (!filt)
    return filt.takeError();
  const Shape &fs = (*filt)->shape();
  if (fs.rank() != 4 || !fs.isStatic())
    return ctx.error("the filter must be 4-D [H, W, in, out] with a static "
                     "shape, got " +
                     fs.str());
  w.kernel[0] = fs[0], w.kernel[1] = fs[1];
  int64_t cin = x->shape()[1];
  int64_t group = 1;
  Value *weights = *filt;
  if (depthwise) {
    // [H, W, C, M] -> [H, W, 1, C*M]: output channel c*M+m reads channel c.
    if (cin >= 0 && fs[2] != cin)
      return ctx.error("the filter has " + llvm::Twine(fs[2]) +
                       " input channels, the input " + llvm::Twine(cin));
    group = fs[2];
    auto r = ctx.emit(OpKind::Reshape,
                      {weights, ctx.constInts({fs[0], fs[1], 1, fs[2] * fs[3]},
                                              "filter_shape")},
                      "filter_hwim");
    if (!r)
      return r.takeError();
    weights = *r;
  } else if (cin >= 0) {
    if (fs[2] <= 0 || cin % fs[2])
      return ctx.error("the filter has " + llvm::Twine(fs[2]) +
                       " input channels, which does not divide the input's " +
                       llvm::Twine(cin));
    group = cin / fs[2];
  }
  Attributes ta;
  ta.set("perm", std::vector<int64_t>{3, 2, 0, 1}); // HWIO -> OIHW
  auto wOihw = ctx.emit(OpKind::Transpose, {weights}, "filter_oihw", ta);
  if (!wOihw)
    return wOihw.takeError();

  const tfproto::NodeDef *b2s = nullptr;
  if (s2b) {
    auto f = foldSpaceToBatch(ctx, *s2b, w);
    if (!f)
      return f.takeError();
    b2s = *f;
  } else if (llvm::Error e = computePads(ctx, x->shape(), w)) {
    return e;
  }
  Attributes a = windowAttrs(w, true);
  a.set("group", group);
  auto y = ctx.emitFinal(OpKind::Conv, {x, *wOihw}, a, true);
  if (!y)
    return y.takeError();
  if (b2s)
    ctx.state().values[b2s->name() + ":0"] = TfValue{*y, true};
  return llvm::Error::success();
}

llvm::Error importSpaceToBatchND(TfNodeContext &ctx) {
  if (llvm::Error e = ctx.checkNumInputs(3, 3))
    return e;
  auto in = ctx.input(0);
  if (!in)
    return in.takeError();
  if (in->v->shape().rank() != 4)
    return ctx.unsupported("only 4-D NHWC inputs are supported");
  auto block = ctx.constIntsInput(1, "block_shape");
  if (!block)
    return block.takeError();
  auto pads = ctx.constIntsInput(2, "paddings");
  if (!pads)
    return pads.takeError();
  if (block->size() != 2 || pads->size() != 4)
    return ctx.unsupported("only 2 spatial block dims are supported");
  for (const auto *user : ctx.state().consumers.lookup(ctx.name()))
    if (user->op() != "Conv2D" && user->op() != "DepthwiseConv2dNative")
      return ctx.unsupported(
          "is read by node '" + user->name() + "' (" + user->op() +
          "); SpaceToBatchND is only supported in front of a Conv2D or "
          "DepthwiseConv2dNative followed by BatchToSpaceND (a dilated "
          "convolution)");
  TfSpaceToBatch s;
  s.input = *in;
  s.nodeName = ctx.name();
  for (int i = 0; i < 2; ++i) {
    if ((*block)[size_t(i)] < 1)
      return ctx.error("block_shape entries must be positive");
    s.block[i] = (*block)[size_t(i)];
  }
  for (int i = 0; i < 4; ++i) {
    if ((*pads)[size_t(i)] < 0)
      return ctx.error("paddings must not be negative");
    s.pads[i] = (*pads)[size_t(i)];
  }
  ctx.state().spaceToBatch[ctx.name() + ":0"] = s;
  return llvm::Error::success();
}

llvm::Error importBatchToSpaceND(TfNodeContext &ctx) {
  // The convolution before it bound this node's output when it folded both.
  if (ctx.state().values.count(ctx.name() + ":0"))
    return llvm::Error::success();
  return ctx.unsupported("BatchToSpaceND is only supported after a "
                         "SpaceToBatchND + convolution (a dilated "
                         "convolution)");
}

llvm::Error importBiasAdd(TfNodeContext &ctx) {
  if (llvm::Error e = ctx.checkNumInputs(2, 2))
    return e;
  if (llvm::Error e = ctx.requireNhwc())
    return e;
  auto x = ctx.input(0);
  if (!x)
    return x.takeError();
  auto b = ctx.inputTf(1);
  if (!b)
    return b.takeError();
  if ((*b)->shape().rank() != 1)
    return ctx.error("the bias must be 1-D, got " + (*b)->shape().str());
  Value *bias = *b;
  if (x->nchw) {
    int64_t c = (*b)->shape()[0];
    if (const Tensor *t = bias->constantValue()) {
      bias = ctx.constTensor(t->reshaped(Shape{c, 1, 1}), "bias_c11");
    } else {
      auto r =
          ctx.emit(OpKind::Reshape,
                   {bias, ctx.constInts({c, 1, 1}, "bias_shape")}, "bias_c11");
      if (!r)
        return r.takeError();
      bias = *r;
    }
  }
  return ctx.emitFinal(OpKind::Add, {x->v, bias}, {}, x->nchw).takeError();
}

llvm::Error importFusedBatchNorm(TfNodeContext &ctx) {
  if (llvm::Error e = ctx.checkNumInputs(5, 5))
    return e;
  if (llvm::Error e = ctx.requireNhwc())
    return e;
  auto training = ctx.attrBool("is_training", true);
  if (!training)
    return training.takeError();
  if (*training)
    return ctx.unsupported("is_training=true (batch statistics) is not "
                           "supported; freeze the graph for inference");
  auto eps = ctx.attrFloat("epsilon", 0.0001f);
  if (!eps)
    return eps.takeError();
  auto x = ctx.inputNchw(0);
  if (!x)
    return x.takeError();
  std::vector<Value *> ins{*x};
  for (unsigned i = 1; i < 5; ++i) {
    auto v = ctx.inputTf(i);
    if (!v)
      return v.takeError();
    ins.push_back(*v);
  }
  Attributes a;
  a.set("epsilon", *eps);
  return ctx.emitFinal(OpKind::BatchNormalization, ins, a, true).takeError();
}

llvm::Error importPad(TfNodeContext &ctx) {
  bool v2 = ctx.node().op() == "PadV2";
  if (llvm::Error e = ctx.checkNumInputs(v2 ? 3 : 2, v2 ? 3 : 2))
    return e;
  auto x = ctx.input(0);
  if (!x)
    return x.takeError();
  auto p = ctx.constIntsInput(1, "paddings");
  if (!p)
    return p.takeError();
  size_t r = x->v->shape().rank();
  if (p->size() != 2 * r)
    return ctx.error("paddings has " + llvm::Twine(p->size()) +
                     " entries, the input rank is " + llvm::Twine(r));
  // TensorFlow: [[before, after]] per TensorFlow dim; IR: all befores, then
  // all afters, in IR dim order.
  std::vector<int64_t> pads(2 * r);
  for (size_t d = 0; d < r; ++d) {
    size_t irDim = x->nchw ? size_t(nhwcToNchwAxis(int64_t(d))) : d;
    pads[irDim] = (*p)[2 * d];
    pads[r + irDim] = (*p)[2 * d + 1];
  }
  std::vector<Value *> ins{x->v, ctx.constInts(pads, "pads")};
  if (v2) {
    auto c = ctx.inputTf(2);
    if (!c)
      return c.takeError();
    ins.push_back(*c);
  }
  return ctx.emitFinal(OpKind::Pad, ins, {}, x->nchw).takeError();
}

llvm::Error importPool(TfNodeContext &ctx) {
  if (llvm::Error e = ctx.checkNumInputs(1, 1))
    return e;
  if (llvm::Error e = ctx.requireNhwc())
    return e;
  Window w;
  if (llvm::Error e = readNhwcPair(ctx, "ksize", w.kernel))
    return e;
  if (llvm::Error e = readNhwcPair(ctx, "strides", w.stride))
    return e;
  auto x = ctx.inputNchw(0);
  if (!x)
    return x.takeError();
  if (llvm::Error e = computePads(ctx, (*x)->shape(), w))
    return e;
  Attributes a = windowAttrs(w, false);
  if (ctx.row().kind == OpKind::AveragePool)
    a.set("count_include_pad", int64_t(0));
  return ctx.emitFinal(ctx.row().kind, {*x}, a, true).takeError();
}

llvm::Error importSoftmax(TfNodeContext &ctx) {
  if (llvm::Error e = ctx.checkNumInputs(1, 1))
    return e;
  auto x = ctx.input(0);
  if (!x)
    return x.takeError();
  Attributes a;
  a.set("axis", int64_t(x->nchw ? 1 : -1));
  return ctx.emitFinal(OpKind::Softmax, {x->v}, a, x->nchw).takeError();
}

llvm::Error importMatMul(TfNodeContext &ctx) {
  if (llvm::Error e = ctx.checkNumInputs(2, 2))
    return e;
  auto a = ctx.inputTf(0), b = ctx.inputTf(1);
  if (!a)
    return a.takeError();
  if (!b)
    return b.takeError();
  if ((*a)->shape().rank() != 2 || (*b)->shape().rank() != 2)
    return ctx.error("MatMul needs 2-D operands, got " + (*a)->shape().str() +
                     " and " + (*b)->shape().str());
  auto ta = ctx.attrBool("transpose_a", false);
  auto tb = ctx.attrBool("transpose_b", false);
  if (!ta)
    return ta.takeError();
  if (!tb)
    return tb.takeError();
  Attributes at;
  at.set("transA", int64_t(*ta));
  at.set("transB", int64_t(*tb));
  return ctx.emitFinal(OpKind::Gemm, {*a, *b}, at, false).takeError();
}

} // namespace onntc
