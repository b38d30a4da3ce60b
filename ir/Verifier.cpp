#include "ir/Verifier.h"

#include "ir/Diagnostics.h"

#include "llvm/ADT/SmallPtrSet.h"

namespace onntc {

static llvm::Error inferNode(Node &n) {
  const OpHooks &h = opHooks(n.kind());
  if (!h.infer)
    return nodeError(n, "op '" + n.info().name + "' has no shape inference yet");
  if (llvm::Error e = h.infer(n))
    return nodeError(n, llvm::toString(std::move(e)));
  return llvm::Error::success();
}

llvm::Error inferTypes(Graph &g) {
  for (auto &n : g.nodes())
    if (llvm::Error e = inferNode(*n))
      return e;
  return llvm::Error::success();
}

static bool typeCompatible(const TensorType &stored, const TensorType &inferred) {
  if (stored.dtype != inferred.dtype || stored.shape.rank() != inferred.shape.rank())
    return false;
  for (size_t i = 0; i < stored.shape.rank(); ++i)
    if (stored.shape[i] >= 0 && inferred.shape[i] >= 0 &&
        stored.shape[i] != inferred.shape[i])
      return false;
  return true;
}

static llvm::Error checkNode(const Node &n) {
  const OpInfo &info = n.info();
  int nin = int(n.numInputs());
  if (nin < info.minInputs || (info.maxInputs >= 0 && nin > info.maxInputs))
    return nodeError(n, "has " + llvm::Twine(nin) + " inputs; '" + info.name +
                            "' takes " + llvm::Twine(info.minInputs) +
                            (info.maxInputs < 0 ? " or more"
                                                : " to " + llvm::Twine(info.maxInputs).str()));
  for (int i = 0; i < info.minInputs; ++i)
    if (!n.input(unsigned(i)))
      return nodeError(n, "required input " + llvm::Twine(i) + " is missing");
  int nout = int(n.numOutputs());
  if (nout < info.minOutputs || (info.maxOutputs >= 0 && nout > info.maxOutputs))
    return nodeError(n, "has " + llvm::Twine(nout) + " outputs; '" + info.name +
                            "' produces " + llvm::Twine(info.minOutputs) +
                            (info.maxOutputs < 0 ? " or more"
                                                 : " to " + llvm::Twine(info.maxOutputs).str()));
  for (const auto &[name, value] : n.attrs().entries()) {
    const AttrSpec *spec = info.findAttr(name);
    if (!spec)
      return nodeError(n, "unknown attribute '" + name + "' for '" + info.name + "'");
    if (spec->kind != attrKindOf(value))
      return nodeError(n, "attribute '" + name + "' must be " +
                              attrKindName(spec->kind) + ", not " +
                              attrKindName(attrKindOf(value)));
  }
  for (const AttrSpec &spec : info.attrs)
    if (spec.required && !n.hasAttr(spec.name))
      return nodeError(n, "required attribute '" + spec.name + "' is missing");
  return llvm::Error::success();
}

llvm::Error verifyGraph(Graph &g, bool checkTypes) {
  llvm::SmallPtrSet<const Value *, 32> defined;
  for (Value *v : g.inputs())
    defined.insert(v);
  for (auto &np : g.nodes()) {
    Node &n = *np;
    if (n.graph() != &g)
      return nodeError(n, "belongs to another graph");
    if (llvm::Error e = checkNode(n))
      return e;
    for (Value *v : n.inputs())
      if (v && !defined.count(v))
        return nodeError(n, "uses '" + v->name() + "' before it is defined");
    if (checkTypes) {
      std::vector<TensorType> stored;
      for (unsigned i = 0; i < n.numOutputs(); ++i)
        stored.push_back(n.output(i)->type());
      if (llvm::Error e = inferNode(n))
        return e;
      for (unsigned i = 0; i < n.numOutputs(); ++i) {
        if (!typeCompatible(stored[i], n.output(i)->type()))
          return nodeError(n, "output '" + n.output(i)->name() + "' is typed " +
                                  stored[i].str() + " but inference gives " +
                                  n.output(i)->type().str());
        // Keep the more precise of the two and any quantization info.
        TensorType t = n.output(i)->type();
        t.quant = stored[i].quant;
        n.output(i)->setType(t);
      }
    }
    for (unsigned i = 0; i < n.numOutputs(); ++i)
      defined.insert(n.output(i));
  }
  for (Value *o : g.outputs())
    if (!defined.count(o))
      return makeError("graph output '" + o->name() + "' is not defined");
  return llvm::Error::success();
}

llvm::Error checkNodeTypes(Node &n) {
  if (!opHooks(n.kind()).infer)
    return llvm::Error::success();
  std::vector<TensorType> stored;
  for (unsigned i = 0; i < n.numOutputs(); ++i)
    stored.push_back(n.output(i)->type());
  llvm::Error err = inferNode(n);
  std::vector<TensorType> inferred;
  for (unsigned i = 0; i < n.numOutputs(); ++i) {
    inferred.push_back(n.output(i)->type());
    n.output(i)->setType(stored[i]);
  }
  if (err)
    return err;
  for (unsigned i = 0; i < n.numOutputs(); ++i)
    if (!typeCompatible(stored[i], inferred[i]))
      return nodeError(n, "output '" + n.output(i)->name() + "' is typed " +
                              stored[i].str() + " but inference gives " +
                              inferred[i].str());
  return llvm::Error::success();
}

llvm::Error verifyGraphKeepTypes(Graph &g) {
  if (llvm::Error e = verifyGraph(g, /*checkTypes=*/false))
    return e;
  for (auto &n : g.nodes()) {
    if (llvm::Error e = checkNodeTypes(*n))
      return e;
    for (auto &r : n->regions())
      if (llvm::Error e = verifyGraphKeepTypes(*r))
        return e;
  }
  return llvm::Error::success();
}

} // namespace onntc
