//===- PassUtils.cpp - helpers shared by the passes -----------------------===//
#include "ir/passes/PassUtils.h"

#include "ir/Printer.h"

namespace onntc {

llvm::Error forEachGraph(Graph &g,
                         const std::function<llvm::Error(Graph &)> &fn) {
  if (llvm::Error e = fn(g))
    return e;
  for (auto &n : g.nodes())
    for (auto &r : n->regions())
      if (llvm::Error e = forEachGraph(*r, fn))
        return e;
  return llvm::Error::success();
}

std::vector<Node *> nodeSnapshot(Graph &g) {
  std::vector<Node *> out;
  out.reserve(g.numNodes());
  for (auto &n : g.nodes())
    out.push_back(n.get());
  return out;
}

bool isGraphOutput(const Graph &g, const Value *v) {
  return llvm::is_contained(g.outputs(), v);
}

void replaceValue(Graph &g, Value *from, Value *to) {
  bool toWasOutput = isGraphOutput(g, to);
  bool rename = to->producer() && !toWasOutput;
  std::string name = from->name();
  g.replaceAllUsesWith(from, to);
  if (Node *p = from->producer()) {
    bool used = false;
    for (unsigned i = 0; i < p->numOutputs(); ++i)
      used |= p->output(i)->hasUses() || isGraphOutput(g, p->output(i));
    if (!used)
      g.eraseNode(p);
  }
  if (rename && !g.findValue(name))
    g.renameValue(to, name);
}

std::optional<double> scalarConstant(const Value *v) {
  if (!v)
    return std::nullopt;
  const Tensor *t = v->constantValue();
  if (!t || t->numElements() != 1)
    return std::nullopt;
  return t->getDouble(0);
}

llvm::Expected<bool> refreshTypes(Node &n) {
  const OpHooks &h = opHooks(n.kind());
  if (!h.infer)
    return false;
  std::vector<TensorType> stored;
  for (unsigned i = 0; i < n.numOutputs(); ++i)
    stored.push_back(n.output(i)->type());
  if (llvm::Error e = h.infer(n)) {
    for (unsigned i = 0; i < n.numOutputs(); ++i)
      n.output(i)->setType(stored[i]);
    return nodeError(n, llvm::toString(std::move(e)));
  }
  bool changed = false;
  for (unsigned i = 0; i < n.numOutputs(); ++i) {
    TensorType t = n.output(i)->type();
    const TensorType &s = stored[i];
    bool ok = t.dtype == s.dtype && t.shape.rank() == s.shape.rank();
    for (size_t d = 0; ok && d < t.shape.rank(); ++d) {
      if (t.shape[d] < 0)
        t.shape[d] = s.shape[d];
      else if (s.shape[d] >= 0 && s.shape[d] != t.shape[d])
        ok = false;
    }
    if (!ok) {
      std::string msg = "output '" + n.output(i)->name() + "' is typed " +
                        printType(s) + " but inference now gives " +
                        printType(n.output(i)->type());
      for (unsigned j = 0; j < n.numOutputs(); ++j)
        n.output(j)->setType(stored[j]);
      return nodeError(n, msg);
    }
    t.quant = s.quant;
    changed |= t != s;
    n.output(i)->setType(std::move(t));
  }
  return changed;
}

} // namespace onntc
