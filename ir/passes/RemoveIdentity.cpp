//===- RemoveIdentity.cpp - drop Identity and inference Dropout -----------===//
//
// Dropout at inference time passes its input through. Its optional mask
// output is all true then; when used it becomes a constant (static shapes
// only). A Dropout whose training_mode input is not a constant false cannot
// be compiled for inference and is an error.
//
//===----------------------------------------------------------------------===//
#include "ir/passes/PassUtils.h"

namespace onntc {

static llvm::Error removeInGraph(Graph &g, PassContext &ctx) {
  for (Node *n : nodeSnapshot(g)) {
    if (n->kind() != OpKind::Identity && n->kind() != OpKind::Dropout)
      continue;
    Value *in = n->input(0);
    Value *out = n->output(0);
    Value *maskRepl = nullptr;
    if (n->kind() == OpKind::Dropout) {
      if (Value *tm = n->input(2)) {
        std::optional<double> v = scalarConstant(tm);
        if (!v)
          return nodeError(
              *n, "training_mode is not a constant; only inference-mode "
                  "Dropout can be compiled (export the model in eval mode)");
        if (*v != 0)
          return nodeError(*n,
                           "Dropout runs in training mode; export the model in "
                           "eval mode");
      }
      if (n->numOutputs() > 1) {
        Value *mask = n->output(1);
        if (mask->hasUses() || isGraphOutput(g, mask)) {
          if (!in->shape().isStatic())
            return nodeError(
                *n, "the mask output is used but the input shape " +
                        in->shape().str() +
                        " is not static, so it cannot become a constant");
          Tensor t(DType::Bool, in->shape());
          for (int64_t i = 0; i < t.numElements(); ++i)
            t.setInt(i, 1);
          maskRepl = g.createConstant(mask->name() + "_true", std::move(t),
                                      n->loc(), n)
                         ->output();
          maskRepl->producer()->setName(mask->name());
        }
      }
    }
    bool outIsOutput = isGraphOutput(g, out);
    if (outIsOutput && (!in->producer() || isGraphOutput(g, in))) {
      // Removing it would rename or merge graph outputs; keep it.
      if (maskRepl)
        replaceValue(g, n->output(1), maskRepl);
      bump(ctx, "remove-identity.kept");
      continue;
    }
    // The graph's interface keeps its names: a removed output's name moves
    // onto the value that now takes its place.
    std::string outName = out->name();
    std::string maskName = maskRepl ? n->output(1)->name() : "";
    g.replaceAllUsesWith(out, in);
    if (maskRepl)
      g.replaceAllUsesWith(n->output(1), maskRepl);
    g.eraseNode(n);
    if (outIsOutput)
      g.renameValue(in, outName);
    if (maskRepl)
      g.renameValue(maskRepl, maskName);
    bump(ctx, "remove-identity.removed");
  }
  return llvm::Error::success();
}

llvm::Error runRemoveIdentityPass(Module &m, PassContext &ctx) {
  return forEachGraph(m.graph, [&](Graph &g) { return removeInGraph(g, ctx); });
}

} // namespace onntc
