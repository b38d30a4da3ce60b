//===- MemoryPlan.cpp - neuron buffers with liveness-based reuse ----------===//
//
// Every value that is neither a constant (coeff) nor an alias gets a buffer
// in the neuron region. A buffer is live from the node that defines it to
// the last node that reads it or any alias of it; graph inputs are live from
// the start and graph outputs to the end. Buffers are placed first fit in
// definition order among the buffers still live at that point, so a buffer
// read by node i is never reused by an output of node i.
//
//===----------------------------------------------------------------------===//

#include "backend/core/MemoryPlan.h"
#include "backend/core/LowerContext.h"

#include "isa/Layout.h"

#include <algorithm>
#include <limits>

using namespace onntc;
using namespace onntc::backend;

bool backend::isAliasOp(OpKind k) {
  switch (k) {
  case OpKind::Reshape:
  case OpKind::Flatten:
  case OpKind::Squeeze:
  case OpKind::Unsqueeze:
  case OpKind::Identity:
  case OpKind::Dropout:
    return true;
  default:
    return false;
  }
}

/// Scalar value of a constant input, if it is one.
static std::optional<double> constScalar(const Node &n, unsigned i) {
  const Value *v = n.input(i);
  if (!v)
    return std::nullopt;
  const Tensor *t = v->constantValue();
  if (!t || t->numElements() != 1)
    return std::nullopt;
  return t->getDouble(0);
}

/// Whether `act` (the only user of `producer`'s output) can be folded into
/// the producer's command.
static bool canFuse(const Node &producer, const Node &act) {
  bool conv = producer.kind() == OpKind::Conv;
  bool mm =
      producer.kind() == OpKind::Gemm || producer.kind() == OpKind::MatMul;
  if (!conv && !mm)
    return false;
  if (act.kind() == OpKind::Relu)
    return true;
  if (act.kind() == OpKind::Clip && conv) {
    auto lo = constScalar(act, 1), hi = constScalar(act, 2);
    return lo && *lo == 0.0 && hi && *hi > 0.0;
  }
  return false;
}

llvm::Expected<MemoryPlan> backend::planMemory(const Graph &g,
                                               const isa::TargetInfo &t,
                                               const BackendOptions &opts) {
  MemoryPlan plan;
  llvm::DenseMap<const Value *, bool> isGraphOutput;
  for (const Value *v : g.outputs())
    isGraphOutput[v] = true;

  // Fusion of activations into their producers.
  if (opts.fuseActivations) {
    for (const auto &np : g.nodes()) {
      const Node &n = *np;
      if (n.numOutputs() != 1)
        continue;
      const Value *out = n.output(0);
      if (out->uses().size() != 1 || isGraphOutput.count(out))
        continue;
      const Node &user = *out->uses()[0].user;
      if (out->uses()[0].operand != 0 || !canFuse(n, user))
        continue;
      plan.fusedInto[&user] = &n;
      plan.fusedActivation[&n] = &user;
    }
  }

  auto rootOf = [&](const Value *v) {
    while (true) {
      auto it = plan.aliasOf.find(v);
      if (it == plan.aliasOf.end())
        return v;
      v = it->second;
    }
  };

  // Definition and last use of every root, by node position.
  llvm::DenseMap<const Value *, int64_t> def, last;
  std::vector<const Value *> order;
  auto define = [&](const Value *v, int64_t at) {
    if (def.count(v))
      return;
    def[v] = at;
    last[v] = at;
    order.push_back(v);
  };
  for (const Value *v : g.inputs())
    define(v, -1);
  int64_t idx = 0;
  for (const auto &np : g.nodes()) {
    const Node &n = *np;
    ++idx;
    if (n.kind() == OpKind::Constant)
      continue;
    if (isAliasOp(n.kind())) {
      plan.aliasOf[n.output(0)] = n.input(0);
      continue;
    }
    for (const Value *in : n.inputs()) {
      if (!in)
        continue;
      const Value *r = rootOf(in);
      if (r->constantValue())
        continue;
      auto it = last.find(r);
      if (it != last.end())
        it->second = std::max(it->second, idx);
    }
    if (plan.fusedInto.count(&n))
      continue; // its output was defined by the producer
    if (const Node *act = plan.fusedActivation.lookup(&n)) {
      define(act->output(0), idx);
      continue;
    }
    for (unsigned i = 0; i < n.numOutputs(); ++i)
      define(n.output(i), idx);
  }
  const int64_t kEnd = std::numeric_limits<int64_t>::max();
  for (const Value *v : g.outputs()) {
    const Value *r = rootOf(v);
    if (r->constantValue())
      continue;
    auto it = last.find(r);
    if (it != last.end())
      it->second = kEnd;
  }
  llvm::DenseMap<const Value *, bool> isIO;
  for (const Value *v : g.inputs())
    isIO[v] = true;
  for (const Value *v : g.outputs())
    isIO[rootOf(v)] = true;

  struct Placed {
    uint64_t off, size;
    int64_t end;
  };
  std::vector<Placed> placed;
  for (const Value *v : order) {
    if (!v->shape().isStatic())
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "value '" + v->name() +
                                         "' has a dynamic shape; the backend "
                                         "compiles static shapes only");
    uint64_t bytes = uint64_t(std::max<int64_t>(v->shape().numElements(), 1)) *
                     dtypeSize(v->dtype());
    uint64_t align = isIO.count(v) ? t.gmemAlignment : 64;
    uint64_t size = isa::alignUp(bytes, 64);
    plan.unsharedBytes += size;
    int64_t d = def[v];
    std::vector<Placed> live;
    for (const Placed &p : placed)
      if (p.end >= d)
        live.push_back(p);
    std::sort(live.begin(), live.end(),
              [](const Placed &a, const Placed &b) { return a.off < b.off; });
    uint64_t off = 0;
    for (const Placed &p : live) {
      uint64_t cand = isa::alignUp(off, align);
      if (cand + size <= p.off)
        break;
      off = std::max(off, p.off + p.size);
    }
    off = isa::alignUp(off, align);
    placed.push_back({off, size, last[v]});
    plan.neuronOffset[v] = off;
    plan.neuronSize = std::max(plan.neuronSize, off + size);
  }
  plan.neuronSize = isa::alignUp(plan.neuronSize, t.gmemAlignment);
  return plan;
}
