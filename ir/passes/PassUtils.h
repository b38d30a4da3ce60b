//===- PassUtils.h - helpers shared by the passes --------------*- C++ -*-===//
#ifndef ONNTC_IR_PASSES_PASSUTILS_H
#define ONNTC_IR_PASSES_PASSUTILS_H

#include "ir/Diagnostics.h"
#include "ir/Graph.h"
#include "ir/PassManager.h"

#include <functional>

namespace onntc {

/// Calls fn on `g` and then on every region graph below it.
llvm::Error forEachGraph(Graph &g,
                         const std::function<llvm::Error(Graph &)> &fn);

/// The nodes of `g` in their current order (safe to erase while walking).
std::vector<Node *> nodeSnapshot(Graph &g);

bool isGraphOutput(const Graph &g, const Value *v);

/// Replaces every use of `from` (including graph outputs) by `to`, erases
/// from's producer when it has no other used results, and moves from's name
/// onto `to` when `to` is an intermediate value (so that tensor names the
/// model and calibration tables use survive rewrites). Graph inputs and
/// values that already were graph outputs keep their names.
void replaceValue(Graph &g, Value *from, Value *to);

/// The single float value of a constant with one element, if `v` is one.
std::optional<double> scalarConstant(const Value *v);

/// Re-runs the node's shape inference (when its op has one) and keeps the
/// more precise of stored and inferred types; an error if they contradict.
/// Returns whether any output type changed.
llvm::Expected<bool> refreshTypes(Node &n);

/// Bumps a pass statistic.
inline void bump(PassContext &ctx, llvm::StringRef key, int64_t by = 1) {
  ctx.stats[key] += by;
}

} // namespace onntc

#endif
