//===- Diagnostics.h - error helpers ---------------------------*- C++ -*-===//
#ifndef ONNTC_IR_DIAGNOSTICS_H
#define ONNTC_IR_DIAGNOSTICS_H

#include "llvm/ADT/Twine.h"
#include "llvm/Support/Error.h"

namespace onntc {

class Node;

/// A plain error with a message.
llvm::Error makeError(const llvm::Twine &msg);
/// An error about a node: "<file>: node '<name>' (<Op>, opset N): <msg>".
llvm::Error nodeError(const Node &n, const llvm::Twine &msg);

} // namespace onntc

#endif
