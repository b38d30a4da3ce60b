//===- FuseGelu.cpp - the exact (erf) Gelu pattern into one gelu node -----===//
//
// Exporters decompose Gelu(x) = x * 0.5 * (1 + erf(x / sqrt(2))) into
//   a = div(x, 1.4142135) | mul(x, 0.70710678)
//   e = erf(a);  p = add(e, 1.0)
// and a product of x, p and 0.5 in any association (mul(mul(x, p), 0.5),
// mul(x, mul(p, 0.5)), mul(mul(x, 0.5), p), 0.5 also as div(x, 2)). The
// product is matched as a tree of single-use muls whose leaves must be
// exactly {x, p, 0.5} or {half(x), p}. The tanh approximation
// 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3))), with x^3 as
// pow(x, 3) or x * x * x, becomes gelu {approximate = "tanh"}.
//
//===----------------------------------------------------------------------===//
#include "ir/passes/PassUtils.h"

#include <cmath>

namespace onntc {

namespace {

bool near(std::optional<double> v, double want) {
  return v && std::fabs(*v - want) <= 1e-4 * std::fabs(want);
}

bool singleUse(const Graph &g, const Value *v) {
  return v->uses().size() == 1 && !isGraphOutput(g, v);
}

/// The non-constant operand of a binary node whose other operand is a scalar
/// constant near `c`; `commutes` allows the constant on either side.
Value *withScalar(Node *n, OpKind k, double c, bool commutes) {
  if (!n || n->kind() != k)
    return nullptr;
  if (near(scalarConstant(n->input(1)), c))
    return n->input(0);
  if (commutes && near(scalarConstant(n->input(0)), c))
    return n->input(1);
  return nullptr;
}

/// x when `v` computes x / 2 or x * 0.5.
Value *halfOf(Value *v) {
  Node *p = v->producer();
  if (Value *x = withScalar(p, OpKind::Mul, 0.5, true))
    return x;
  return withScalar(p, OpKind::Div, 2.0, false);
}

void leaves(const Graph &g, Value *v, Node *root, std::vector<Value *> &out,
            std::vector<Node *> &inner) {
  Node *p = v->producer();
  bool expand = p && p->kind() == OpKind::Mul &&
                (p == root || singleUse(g, v)) && inner.size() < 4;
  if (!expand) {
    out.push_back(v);
    return;
  }
  inner.push_back(p);
  leaves(g, p->input(0), root, out, inner);
  leaves(g, p->input(1), root, out, inner);
}

/// Fuses the product of x, p = 1 + f(x) and 0.5 that consumes `p` into one
/// gelu node with the given `approximate` mode.
bool fuseProduct(Graph &g, Value *x, Value *p, llvm::StringRef approximate) {
  if (!singleUse(g, p))
    return false;
  // Climb to the top of the single-use mul chain above p (at most two muls).
  Node *root = p->uses()[0].user;
  if (root->kind() != OpKind::Mul)
    return false;
  for (int i = 0; i < 2 && singleUse(g, root->output()); ++i) {
    Node *u = root->output()->uses()[0].user;
    if (u->kind() != OpKind::Mul)
      break;
    root = u;
  }
  std::vector<Value *> ls;
  std::vector<Node *> inner;
  leaves(g, root->output(), root, ls, inner);
  int seenP = 0, seenX = 0, seenHalf = 0;
  for (Value *l : ls) {
    if (l == p)
      ++seenP;
    else if (l == x)
      ++seenX;
    else if (near(scalarConstant(l), 0.5))
      ++seenHalf;
    else if (halfOf(l) == x)
      seenX += 1, seenHalf += 1;
    else
      return false;
  }
  if (seenP != 1 || seenX != 1 || seenHalf != 1)
    return false;
  if (root->output()->shape() != x->shape() ||
      root->output()->dtype() != x->dtype())
    return false;
  Node *gelu =
      g.createNode(OpKind::Gelu, {x}, {root->output()->name() + "_gelu"},
                   root->name(), root->loc(), root);
  if (approximate != "none")
    gelu->setAttr("approximate", approximate.str());
  gelu->output()->setType(root->output()->type());
  replaceValue(g, root->output(), gelu->output());
  return true;
}

/// 1 + f where f is the single-use result of `fn`; null otherwise.
Value *onePlus(const Graph &g, Node *fn) {
  if (!singleUse(g, fn->output()))
    return nullptr;
  Node *add = fn->output()->uses()[0].user;
  if (!withScalar(add, OpKind::Add, 1.0, true))
    return nullptr;
  return add->output();
}

/// erf(x / sqrt(2)) or erf(x * (1 / sqrt(2))).
bool fuseErf(Graph &g, Node *erf) {
  Node *a = erf->input(0)->producer();
  Value *x = withScalar(a, OpKind::Div, std::sqrt(2.0), false);
  if (!x)
    x = withScalar(a, OpKind::Mul, 1.0 / std::sqrt(2.0), true);
  if (!x || !singleUse(g, erf->input(0)))
    return false;
  Value *p = onePlus(g, erf);
  return p && fuseProduct(g, x, p, "none");
}

/// True when `v` is x^3: pow(x, 3) or a single-use product of three x.
bool isCube(const Graph &g, Value *v, Value *x) {
  Node *p = v->producer();
  if (p && p->kind() == OpKind::Pow && p->input(0) == x &&
      near(scalarConstant(p->input(1)), 3.0))
    return true;
  std::vector<Value *> ls;
  std::vector<Node *> inner;
  if (!p || p->kind() != OpKind::Mul)
    return false;
  leaves(g, v, p, ls, inner);
  return ls.size() == 3 && llvm::all_of(ls, [&](Value *l) { return l == x; });
}

/// tanh(sqrt(2/pi) * (x + 0.044715 * x^3)), the approximation GPT-2 style
/// models and torch's gelu(approximate='tanh') export.
bool fuseTanh(Graph &g, Node *tanh) {
  Value *sum = withScalar(tanh->input(0)->producer(), OpKind::Mul,
                          std::sqrt(2.0 / M_PI), true);
  if (!sum || !singleUse(g, tanh->input(0)) || !singleUse(g, sum))
    return false;
  Node *add = sum->producer();
  if (!add || add->kind() != OpKind::Add)
    return false;
  Value *x = nullptr;
  for (unsigned i = 0; i < 2 && !x; ++i) {
    Value *cand = add->input(i), *other = add->input(1 - i);
    Value *cube = withScalar(other->producer(), OpKind::Mul, 0.044715, true);
    if (cube && singleUse(g, other) && isCube(g, cube, cand))
      x = cand;
  }
  if (!x)
    return false;
  Value *p = onePlus(g, tanh);
  return p && fuseProduct(g, x, p, "tanh");
}

} // namespace

llvm::Error runFuseGeluPass(Module &m, PassContext &ctx) {
  return forEachGraph(m.graph, [&](Graph &g) -> llvm::Error {
    for (Node *n : nodeSnapshot(g)) {
      if (n->kind() == OpKind::Erf && fuseErf(g, n))
        bump(ctx, "fuse-gelu.fused");
      else if (n->kind() == OpKind::Tanh && fuseTanh(g, n))
        bump(ctx, "fuse-gelu.fused-tanh");
    }
    return llvm::Error::success();
  });
}

} // namespace onntc
