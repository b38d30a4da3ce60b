//===- ConstantFold.cpp - constant folding and static shape folding -------===//
//
// One forward walk in topological order. At each node it first refreshes the
// output types from shape inference (inputs may have become constant or more
// static since import), then
//   - folds Shape / Size of a value whose needed dims are static, and a Gather
//     or Slice with constant indices out of a Shape whose selected dims are
//     static (the other dims may be dynamic),
//   - (constant-fold only) evaluates a node whose inputs are all constant
//     with its reference kernel and replaces its results by Constant nodes.
// Because every node is visited after all its producers, chains such as
// Shape -> Gather -> Unsqueeze -> Concat -> Reshape fold in one run.
//
//===----------------------------------------------------------------------===//
#include "ir/passes/PassUtils.h"

#include "ir/Interpreter.h"
#include "ir/Printer.h"

namespace onntc {

namespace {

/// Replaces every result of `n` by a Constant holding the matching tensor
/// (keeping the results' names and quantization) and erases `n`.
void replaceByConstants(Graph &g, Node *n, std::vector<Tensor> ts) {
  std::vector<Node *> consts;
  for (unsigned i = 0; i < n->numOutputs(); ++i) {
    Value *old = n->output(i);
    TensorType ty = ts[i].type();
    ty.quant = old->type().quant;
    Node *c = g.createConstant(old->name() + "_folded", std::move(ts[i]),
                               n->loc(), n);
    c->output()->setType(ty);
    c->setName(old->name());
    consts.push_back(c);
  }
  std::vector<std::string> names;
  for (unsigned i = 0; i < n->numOutputs(); ++i) {
    names.push_back(n->output(i)->name());
    g.replaceAllUsesWith(n->output(i), consts[i]->output());
  }
  g.eraseNode(n);
  for (unsigned i = 0; i < consts.size(); ++i)
    g.renameValue(consts[i]->output(), names[i]);
}

Tensor shapeTensor(llvm::ArrayRef<int64_t> dims) {
  return Tensor::fromInts(DType::I64, Shape{int64_t(dims.size())}, dims);
}

/// The dims of its input that Shape node `sh` reads (some may be dynamic).
llvm::ArrayRef<int64_t> shapeDims(const Node *sh) {
  const Shape &s = sh->input(0)->shape();
  int64_t r = int64_t(s.rank());
  int64_t start = sh->getInt("start");
  int64_t end = sh->hasAttr("end") ? sh->getInt("end") : r;
  if (start < 0)
    start += r;
  if (end < 0)
    end += r;
  start = std::clamp<int64_t>(start, 0, r);
  end = std::clamp<int64_t>(end, start, r);
  return s.dims().slice(size_t(start), size_t(end - start));
}

/// shapeDims of the Shape node producing `v`, if one does.
std::optional<llvm::ArrayRef<int64_t>> shapeOperand(Value *v) {
  Node *sh = v ? v->producer() : nullptr;
  if (!sh || sh->kind() != OpKind::Shape)
    return std::nullopt;
  return shapeDims(sh);
}

/// Shape/Size facts and Gather/Slice of a Shape. Returns true if `n` was
/// replaced.
bool foldShapeFacts(Graph &g, Node *n, PassContext &ctx) {
  switch (n->kind()) {
  case OpKind::Shape: {
    llvm::ArrayRef<int64_t> dims = shapeDims(n);
    if (llvm::any_of(dims, [](int64_t d) { return d < 0; }))
      return false;
    replaceByConstants(g, n, {shapeTensor(dims)});
    bump(ctx, "fold-shapes.shape");
    return true;
  }
  case OpKind::Size: {
    const Shape &s = n->input(0)->shape();
    if (!s.isStatic())
      return false;
    replaceByConstants(
        g, n, {Tensor::fromInts(DType::I64, Shape{}, {s.numElements()})});
    bump(ctx, "fold-shapes.size");
    return true;
  }
  case OpKind::Gather: {
    // gather(shape(x), idx) when the selected dims of x are static.
    const Tensor *idx = n->input(1)->constantValue();
    std::optional<llvm::ArrayRef<int64_t>> dims = shapeOperand(n->input(0));
    if (!dims || !idx || n->getInt("axis") != 0)
      return false;
    int64_t len = int64_t(dims->size());
    std::vector<int64_t> vals;
    for (int64_t k : idx->toInts()) {
      if (k < 0)
        k += len;
      if (k < 0 || k >= len || (*dims)[size_t(k)] < 0)
        return false;
      vals.push_back((*dims)[size_t(k)]);
    }
    replaceByConstants(g, n,
                       {Tensor::fromInts(DType::I64, idx->shape(), vals)});
    bump(ctx, "fold-shapes.gather");
    return true;
  }
  case OpKind::Slice: {
    // slice(shape(x), start, end[, axes][, steps]) over static dims of x.
    std::optional<llvm::ArrayRef<int64_t>> dims = shapeOperand(n->input(0));
    if (!dims)
      return false;
    auto scalarInt = [&](unsigned i, int64_t dflt) -> std::optional<int64_t> {
      if (!n->input(i))
        return dflt;
      const Tensor *t = n->input(i)->constantValue();
      if (!t || t->numElements() != 1)
        return std::nullopt;
      return t->getInt(0);
    };
    std::optional<int64_t> st = scalarInt(1, 0), en = scalarInt(2, 0),
                           ax = scalarInt(3, 0), step = scalarInt(4, 1);
    if (!st || !en || !ax || !step || (*ax != 0 && *ax != -1) || *step == 0)
      return false;
    int64_t len = int64_t(dims->size()), b = *st, e = *en;
    if (b < 0)
      b += len;
    if (e < 0)
      e += len;
    std::vector<int64_t> vals;
    if (*step > 0) {
      b = std::clamp<int64_t>(b, 0, len);
      e = std::clamp<int64_t>(e, 0, len);
      for (int64_t i = b; i < e; i += *step)
        vals.push_back((*dims)[size_t(i)]);
    } else {
      b = std::clamp<int64_t>(b, 0, len - 1);
      e = std::clamp<int64_t>(e, -1, len - 1);
      for (int64_t i = b; i > e; i += *step)
        vals.push_back((*dims)[size_t(i)]);
    }
    if (llvm::any_of(vals, [](int64_t d) { return d < 0; }))
      return false;
    replaceByConstants(g, n, {shapeTensor(vals)});
    bump(ctx, "fold-shapes.slice");
    return true;
  }
  default:
    return false;
  }
}

/// Evaluates `n` if all its inputs are constant. Returns true if replaced.
llvm::Expected<bool> foldConstant(Graph &g, Node *n, PassContext &ctx) {
  if (n->numInputs() == 0 || !opHooks(n->kind()).compute ||
      !n->regions().empty())
    return false;
  std::vector<Tensor> args;
  int64_t inElems = 0;
  bool any = false;
  for (Value *v : n->inputs()) {
    if (!v) {
      args.emplace_back();
      continue;
    }
    const Tensor *t = v->constantValue();
    if (!t)
      return false;
    args.push_back(*t);
    inElems += t->numElements();
    any = true;
  }
  if (!any)
    return false;
  int64_t limit = std::max(ctx.options.foldElementLimit, inElems);
  int64_t known = 0;
  for (unsigned i = 0; i < n->numOutputs(); ++i) {
    int64_t e = n->output(i)->shape().numElements();
    if (e > 0)
      known += e;
  }
  if (known > limit) {
    bump(ctx, "constant-fold.too-large");
    return false;
  }
  auto outs = runNode(*n, args, ctx.kernels);
  if (!outs)
    return outs.takeError();
  int64_t total = 0;
  for (unsigned i = 0; i < n->numOutputs(); ++i) {
    const Tensor &t = (*outs)[i];
    if (!t.isValid())
      return nodeError(*n, "its kernel produced no result " + llvm::Twine(i) +
                               " while folding");
    total += t.numElements();
    const TensorType &want = n->output(i)->type();
    bool ok = t.dtype() == want.dtype && t.shape().rank() == want.shape.rank();
    for (size_t d = 0; ok && d < want.shape.rank(); ++d)
      ok = want.shape[d] < 0 || want.shape[d] == t.shape()[d];
    if (!ok)
      return nodeError(*n, "folding it gives " + printType(t.type()) +
                               " but its result is typed " + printType(want));
  }
  if (total > limit) {
    bump(ctx, "constant-fold.too-large");
    return false;
  }
  outs->resize(n->numOutputs());
  replaceByConstants(g, n, std::move(*outs));
  bump(ctx, "constant-fold.folded");
  return true;
}

llvm::Error foldGraph(Graph &g, PassContext &ctx, bool evaluate) {
  for (Node *n : nodeSnapshot(g)) {
    if (n->kind() == OpKind::Constant)
      continue;
    auto changed = refreshTypes(*n);
    if (!changed)
      return changed.takeError();
    if (*changed)
      bump(ctx, "fold.types-refined");
    if (foldShapeFacts(g, n, ctx))
      continue;
    if (evaluate) {
      auto folded = foldConstant(g, n, ctx);
      if (!folded)
        return folded.takeError();
    }
  }
  return llvm::Error::success();
}

} // namespace

llvm::Error runFoldShapesPass(Module &m, PassContext &ctx) {
  return forEachGraph(m.graph,
                      [&](Graph &g) { return foldGraph(g, ctx, false); });
}

llvm::Error runConstantFoldPass(Module &m, PassContext &ctx) {
  return forEachGraph(m.graph,
                      [&](Graph &g) { return foldGraph(g, ctx, true); });
}

llvm::Error runInferTypesPass(Module &m, PassContext &ctx) {
  return forEachGraph(m.graph, [&](Graph &g) -> llvm::Error {
    for (auto &n : g.nodes()) {
      auto changed = refreshTypes(*n);
      if (!changed)
        return changed.takeError();
      if (*changed)
        bump(ctx, "infer-types.refined");
    }
    return llvm::Error::success();
  });
}

} // namespace onntc
