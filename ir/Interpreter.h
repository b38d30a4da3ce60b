//===- Interpreter.h - run a graph on the reference kernels ---*- C++ -*-===//
#ifndef ONNTC_IR_INTERPRETER_H
#define ONNTC_IR_INTERPRETER_H

#include "ir/Graph.h"
#include "ir/KernelContext.h"

#include <functional>

namespace onntc {

/// Called after each node with its computed outputs (for calibration,
/// per-tensor dumps and layer-by-layer comparison).
using NodeObserver = std::function<void(const Node &, llvm::ArrayRef<Tensor>)>;

/// Runs `g` on `inputs` (one per graph input, in order) and returns one Tensor
/// per graph output. Intermediate tensors are released after their last use.
/// Errors name the failing node.
llvm::Expected<std::vector<Tensor>>
runGraph(const Graph &g, llvm::ArrayRef<Tensor> inputs, KernelContext &ctx,
         const NodeObserver &observer = nullptr);

/// Runs one node on concrete inputs (constant folding uses this).
llvm::Expected<std::vector<Tensor>> runNode(const Node &n,
                                            llvm::ArrayRef<Tensor> inputs,
                                            KernelContext &ctx);

} // namespace onntc

#endif
