//===- FoldBatchNorm.cpp - BatchNormalization into Conv/ConvTranspose/Gemm ===//
//
// y = s * (p - mean) + beta with s = gamma / sqrt(var + eps) is linear in the
// producer's output p, so it folds into p's weights (scaled per output
// channel) and bias (b' = s * (b - mean) + beta). Applies when p's result
// feeds only the BatchNormalization and all parameters are FP32 constants.
//
//===----------------------------------------------------------------------===//
#include "ir/passes/PassUtils.h"

#include <cmath>

namespace onntc {

namespace {

const Tensor *f32Const(const Value *v) {
  const Tensor *t = v ? v->constantValue() : nullptr;
  return t && t->dtype() == DType::F32 ? t : nullptr;
}

Value *newConstant(Graph &g, Node *before, const Value *like,
                   llvm::StringRef suffix, Tensor t) {
  std::string base =
      (like ? like->name() : before->output()->name()) + suffix.str();
  Node *c =
      g.createConstant(g.uniqueName(base), std::move(t), before->loc(), before);
  return c->output();
}

/// Folds `bn` into its producer; returns false if the pattern does not apply.
bool foldOne(Graph &g, Node *bn) {
  Value *x = bn->input(0);
  Node *p = x->producer();
  if (!p || x->uses().size() != 1 || isGraphOutput(g, x) ||
      p->numOutputs() != 1)
    return false;
  bool conv = p->kind() == OpKind::Conv,
       deconv = p->kind() == OpKind::ConvTranspose,
       gemm = p->kind() == OpKind::Gemm;
  if (!conv && !deconv && !gemm)
    return false;
  const Tensor *gamma = f32Const(bn->input(1)), *beta = f32Const(bn->input(2)),
               *mean = f32Const(bn->input(3)), *var = f32Const(bn->input(4));
  const Tensor *w = f32Const(p->input(1));
  const Tensor *b = p->input(2) ? f32Const(p->input(2)) : nullptr;
  if (!gamma || !beta || !mean || !var || !w || (p->input(2) && !b))
    return false;
  int64_t c = gamma->numElements();
  if (beta->numElements() != c || mean->numElements() != c ||
      var->numElements() != c)
    return false;
  if (x->shape().rank() < 2 || x->shape()[1] != c)
    return false;

  float eps = bn->getFloat("epsilon");
  std::vector<float> s(c), shift(c);
  for (int64_t i = 0; i < c; ++i) {
    s[i] =
        float(gamma->getDouble(i) / std::sqrt(var->getDouble(i) + double(eps)));
    shift[i] = float(beta->getDouble(i) - mean->getDouble(i) * s[i]);
  }

  Tensor nw = w->clone();
  float *wd = nw.data<float>();
  const Shape &ws = w->shape();
  std::vector<float> bias(c, 0.f);
  if (conv) {
    if (ws.rank() < 2 || ws[0] != c)
      return false;
    int64_t per = nw.numElements() / c;
    for (int64_t o = 0; o < c; ++o)
      for (int64_t k = 0; k < per; ++k)
        wd[o * per + k] *= s[o];
  } else if (deconv) {
    int64_t group = p->getInt("group");
    if (ws.rank() < 2 || group <= 0 || ws[1] * group != c || ws[0] % group)
      return false;
    int64_t cin = ws[0], coutG = ws[1], cinG = cin / group;
    int64_t per = nw.numElements() / (cin * coutG);
    for (int64_t ic = 0; ic < cin; ++ic)
      for (int64_t j = 0; j < coutG; ++j) {
        float f = s[(ic / cinG) * coutG + j];
        for (int64_t k = 0; k < per; ++k)
          wd[(ic * coutG + j) * per + k] *= f;
      }
  } else {
    if (ws.rank() != 2 || x->shape().rank() != 2)
      return false;
    bool transB = p->getInt("transB") != 0;
    int64_t rows = ws[0], cols = ws[1];
    if ((transB ? rows : cols) != c)
      return false;
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t k = 0; k < cols; ++k)
        wd[r * cols + k] *= s[transB ? r : k];
  }

  // New bias: s * (beta_gemm * b - mean) + beta_bn, b broadcast per channel.
  float bscale = gemm ? p->getFloat("beta") : 1.f;
  if (b) {
    int64_t n = b->numElements();
    bool perChannel =
        n == c && (b->shape().rank() <= 1 ||
                   (b->shape().rank() == 2 && b->shape()[0] == 1));
    if (n != 1 && !perChannel)
      return false;
    for (int64_t i = 0; i < c; ++i)
      bias[i] = bscale * float(b->getDouble(n == 1 ? 0 : i));
  }
  Tensor nb(DType::F32, Shape{c});
  for (int64_t i = 0; i < c; ++i)
    nb.data<float>()[i] = bias[i] * s[i] + shift[i];

  p->setInput(1, newConstant(g, p, p->input(1), "_bn", std::move(nw)));
  p->setInput(2, newConstant(g, p, p->input(2) ? p->input(2) : nullptr,
                             p->input(2) ? "_bn" : "_bn_bias", std::move(nb)));
  if (gemm)
    p->attrs().erase("beta");
  replaceValue(g, bn->output(), x);
  return true;
}

} // namespace

llvm::Error runFoldBatchNormPass(Module &m, PassContext &ctx) {
  return forEachGraph(m.graph, [&](Graph &g) -> llvm::Error {
    for (Node *n : nodeSnapshot(g))
      if (n->kind() == OpKind::BatchNormalization && foldOne(g, n))
        bump(ctx, "fold-batchnorm.folded");
    return llvm::Error::success();
  });
}

} // namespace onntc
