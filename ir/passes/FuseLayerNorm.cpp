//===- FuseLayerNorm.cpp - the decomposed LayerNorm into layer_norm -------===//
//
// Exporters (torch before opset 17 among them) write LayerNorm over the
// trailing axes as
//   m = reduce_mean(x) {axes}      d = sub(x, m)
//   q = pow(d, 2.0) | mul(d, d)    v = reduce_mean(q) {axes}
//   s = sqrt(add(v, eps))          n = div(d, s)
//   [y = mul(n, gamma)] [z = add(y, beta)]
// with the same trailing, contiguous axes and keepdims = 1 in both means,
// and constant gamma / beta shaped like the normalised dims. The chain
// becomes layer_norm(x, gamma, beta) {axis, epsilon}; without a Mul the
// scale is a constant of ones.
//
//===----------------------------------------------------------------------===//
#include "ir/passes/PassUtils.h"

#include <cmath>

namespace onntc {

namespace {

bool singleUse(const Graph &g, const Value *v) {
  return v->uses().size() == 1 && !isGraphOutput(g, v);
}

Node *producerOf(Value *v, OpKind k) {
  Node *p = v ? v->producer() : nullptr;
  return p && p->kind() == k ? p : nullptr;
}

/// The first normalised axis if `n` is a keepdims mean over trailing axes.
std::optional<int64_t> trailingAxes(const Node *n, int64_t rank) {
  if (!n->hasAttr("axes") || n->getInt("keepdims") != 1)
    return std::nullopt;
  std::vector<int64_t> ax(n->getInts("axes").begin(), n->getInts("axes").end());
  for (int64_t &a : ax)
    if (a < 0)
      a += rank;
  std::sort(ax.begin(), ax.end());
  if (ax.empty() || ax.back() != rank - 1)
    return std::nullopt;
  for (size_t i = 1; i < ax.size(); ++i)
    if (ax[i] != ax[i - 1] + 1)
      return std::nullopt;
  return ax.front();
}

/// The constant operand of a binary node (either side) and the other one.
const Tensor *constOperand(Node *n, Value *&other) {
  for (unsigned i = 0; i < 2; ++i)
    if (const Tensor *t = n->input(i)->constantValue()) {
      other = n->input(1 - i);
      return t;
    }
  return nullptr;
}

bool fuseAt(Graph &g, Node *div) {
  Value *d = div->input(0);
  Node *sub = producerOf(d, OpKind::Sub);
  Node *sq = producerOf(div->input(1), OpKind::Sqrt);
  if (!sub || !sq || !singleUse(g, div->input(1)))
    return false;
  Value *x = sub->input(0);
  Node *mean = producerOf(sub->input(1), OpKind::ReduceMean);
  if (!mean || mean->input(0) != x || !singleUse(g, sub->input(1)))
    return false;
  int64_t rank = int64_t(x->shape().rank());
  if (x->dtype() != DType::F32 || rank == 0 || !x->shape().isStatic())
    return false;
  std::optional<int64_t> axis = trailingAxes(mean, rank);
  if (!axis)
    return false;
  Node *addEps = producerOf(sq->input(0), OpKind::Add);
  if (!addEps || !singleUse(g, sq->input(0)))
    return false;
  Value *v = nullptr;
  const Tensor *epsT = constOperand(addEps, v);
  if (!epsT || epsT->numElements() != 1)
    return false;
  Node *var = producerOf(v, OpKind::ReduceMean);
  if (!var || !singleUse(g, v) || trailingAxes(var, rank) != axis)
    return false;
  Node *q = var->input(0)->producer();
  if (!q || !singleUse(g, var->input(0)))
    return false;
  bool square =
      (q->kind() == OpKind::Pow && q->input(0) == d &&
       scalarConstant(q->input(1)) == 2.0) ||
      (q->kind() == OpKind::Mul && q->input(0) == d && q->input(1) == d);
  if (!square)
    return false;
  // d feeds exactly the square and the division.
  for (const Use &u : d->uses())
    if (u.user != q && u.user != div)
      return false;
  if (isGraphOutput(g, d))
    return false;

  Shape normShape(x->shape().dims().slice(*axis));
  int64_t normElems = normShape.numElements();
  auto asScale = [&](const Tensor *t) -> std::optional<Tensor> {
    if (!t || t->dtype() != DType::F32 || t->numElements() != normElems ||
        t->shape().rank() > normShape.rank())
      return std::nullopt;
    // The constant must broadcast as the normalised shape does.
    size_t off = normShape.rank() - t->shape().rank();
    for (size_t i = 0; i < t->shape().rank(); ++i)
      if (t->shape()[i] != normShape[off + i])
        return std::nullopt;
    return t->reshaped(normShape);
  };

  Value *out = div->output();
  std::optional<Tensor> gamma, beta;
  Node *last = div;
  if (singleUse(g, out)) {
    Node *mul = out->uses()[0].user;
    Value *other = nullptr;
    if (mul->kind() == OpKind::Mul)
      if (const Tensor *t = constOperand(mul, other))
        if (other == out && (gamma = asScale(t))) {
          out = mul->output();
          last = mul;
        }
  }
  if (gamma && singleUse(g, out)) {
    Node *add = out->uses()[0].user;
    Value *other = nullptr;
    if (add->kind() == OpKind::Add)
      if (const Tensor *t = constOperand(add, other))
        if (other == out && (beta = asScale(t))) {
          out = add->output();
          last = add;
        }
  }
  if (out->shape() != x->shape() || out->dtype() != DType::F32)
    return false;
  if (!gamma) {
    Tensor ones(DType::F32, normShape);
    for (int64_t i = 0; i < normElems; ++i)
      ones.data<float>()[i] = 1.f;
    gamma = std::move(ones);
  }
  std::string base = out->name();
  Value *gv = g.createConstant(g.uniqueName(base + "_ln_scale"),
                               std::move(*gamma), last->loc(), last)
                  ->output();
  std::vector<Value *> ins{x, gv};
  if (beta)
    ins.push_back(g.createConstant(g.uniqueName(base + "_ln_bias"),
                                   std::move(*beta), last->loc(), last)
                      ->output());
  Node *ln = g.createNode(OpKind::LayerNormalization, ins, {base + "_ln"},
                          last->name(), last->loc(), last);
  ln->setAttr("axis", *axis);
  ln->setAttr("epsilon", float(epsT->getDouble(0)));
  ln->output()->setType(out->type());
  replaceValue(g, out, ln->output());
  return true;
}

} // namespace

llvm::Error runFuseLayerNormPass(Module &m, PassContext &ctx) {
  return forEachGraph(m.graph, [&](Graph &g) -> llvm::Error {
    for (Node *n : nodeSnapshot(g))
      if (n->kind() == OpKind::Div && fuseAt(g, n))
        bump(ctx, "fuse-layernorm.fused");
    return llvm::Error::success();
  });
}

} // namespace onntc
