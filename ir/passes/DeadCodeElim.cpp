//===- DeadCodeElim.cpp - remove nodes whose results are unused -----------===//
#include "ir/passes/PassUtils.h"

namespace onntc {

static llvm::Error dceGraph(Graph &g, PassContext &ctx) {
  std::vector<Node *> nodes = nodeSnapshot(g);
  // Walking backwards frees a whole dead chain in one sweep.
  for (auto it = nodes.rbegin(); it != nodes.rend(); ++it) {
    Node *n = *it;
    bool live = false;
    for (unsigned i = 0; i < n->numOutputs() && !live; ++i)
      live = n->output(i)->hasUses() || isGraphOutput(g, n->output(i));
    if (live)
      continue;
    g.eraseNode(n);
    bump(ctx, "dce.removed");
  }
  return llvm::Error::success();
}

llvm::Error runDeadCodeElimPass(Module &m, PassContext &ctx) {
  return forEachGraph(m.graph, [&](Graph &g) { return dceGraph(g, ctx); });
}

} // namespace onntc
