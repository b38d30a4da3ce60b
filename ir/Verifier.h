//===- Verifier.h - structural checks and type inference -------*- C++ -*-===//
#ifndef ONNTC_IR_VERIFIER_H
#define ONNTC_IR_VERIFIER_H

#include "ir/Graph.h"

namespace onntc {

/// Runs every node's shape/type inference in order, setting output types.
/// Fails on the first node whose inputs do not fit its op.
llvm::Error inferTypes(Graph &g);

/// Structural checks: arity against Ops.def, declared attributes of the right
/// kind, required attributes present, uses defined before use, graph outputs
/// defined. With `checkTypes`, also re-runs inference and requires the stored
/// output types to match (dynamic dims in the stored type match anything).
llvm::Error verifyGraph(Graph &g, bool checkTypes = true);

/// Checks that the stored output types of `n` agree with its op's shape
/// inference (dtype, rank, and every dimension that both know). Ops without
/// an inference hook pass. Unlike verifyGraph, the stored types are left
/// exactly as they were, so printing after a check shows what was there.
llvm::Error checkNodeTypes(Node &n);

/// verifyGraph's structural checks plus checkNodeTypes on every node, for
/// `g` and recursively for the regions of its nodes. Never changes the IR;
/// parsers and pass managers (--verify-each) use it.
llvm::Error verifyGraphKeepTypes(Graph &g);

} // namespace onntc

#endif
