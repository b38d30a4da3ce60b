#include "ir/Interpreter.h"

#include "ir/Diagnostics.h"

#include "llvm/ADT/DenseMap.h"

namespace onntc {

llvm::Expected<std::vector<Tensor>> runNode(const Node &n,
                                            llvm::ArrayRef<Tensor> inputs,
                                            KernelContext &ctx) {
  const OpHooks &h = opHooks(n.kind());
  if (!h.compute)
    return nodeError(n, "op '" + n.info().name +
                            "' has no reference kernel yet");
  std::vector<Tensor> outs;
  if (llvm::Error e = h.compute(n, inputs, outs, ctx))
    return nodeError(n, llvm::toString(std::move(e)));
  if (outs.size() < n.numOutputs())
    outs.resize(n.numOutputs());
  return outs;
}

llvm::Expected<std::vector<Tensor>>
runGraph(const Graph &g, llvm::ArrayRef<Tensor> inputs, KernelContext &ctx,
         const NodeObserver &observer) {
  if (inputs.size() != g.inputs().size())
    return makeError("graph has " + llvm::Twine(g.inputs().size()) +
                     " inputs but " + llvm::Twine(inputs.size()) + " were given");
  llvm::DenseMap<const Value *, Tensor> env;
  llvm::DenseMap<const Value *, size_t> remaining;
  for (Value *o : g.outputs())
    remaining[o] += 1; // graph outputs are never released
  for (const auto &n : g.nodes())
    for (Value *v : n->inputs())
      if (v)
        remaining[v] += 1;

  for (size_t i = 0; i < inputs.size(); ++i) {
    const Value *v = g.inputs()[i];
    const Tensor &t = inputs[i];
    if (t.dtype() != v->dtype())
      return makeError("input '" + v->name() + "' expects " +
                       dtypeName(v->dtype()) + " but got " + dtypeName(t.dtype()));
    const Shape &want = v->shape();
    bool ok = want.rank() == t.shape().rank();
    for (size_t d = 0; ok && d < want.rank(); ++d)
      ok = want[d] < 0 || want[d] == t.shape()[d];
    if (!ok)
      return makeError("input '" + v->name() + "' expects shape " + want.str() +
                       " but got " + t.shape().str());
    env[v] = t;
  }

  std::vector<Tensor> args;
  for (const auto &np : g.nodes()) {
    const Node &n = *np;
    args.clear();
    for (Value *v : n.inputs()) {
      if (!v) {
        args.emplace_back();
        continue;
      }
      auto it = env.find(v);
      if (it == env.end())
        return nodeError(n, "input '" + v->name() + "' has no value (graph not in topological order?)");
      args.push_back(it->second);
    }
    auto outs = runNode(n, args, ctx);
    if (!outs)
      return outs.takeError();
    if (observer)
      observer(n, *outs);
    for (unsigned i = 0; i < n.numOutputs(); ++i)
      env[n.output(i)] = std::move((*outs)[i]);
    // Release inputs whose last use this was.
    for (Value *v : n.inputs())
      if (v && --remaining[v] == 0)
        env.erase(v);
    for (unsigned i = 0; i < n.numOutputs(); ++i)
      if (remaining.lookup(n.output(i)) == 0)
        env.erase(n.output(i));
  }

  std::vector<Tensor> results;
  for (Value *o : g.outputs()) {
    auto it = env.find(o);
    if (it == env.end())
      return makeError("graph output '" + o->name() + "' was never computed");
    results.push_back(it->second);
  }
  return results;
}

} // namespace onntc
