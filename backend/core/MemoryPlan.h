//===- MemoryPlan.h - where every value lives in global memory -*- C++ -*-===//
//
// Internal to onntc_backend. Fusion of activations into their producer,
// aliases of reshape-like ops, and neuron offsets with liveness-based reuse
// (MemoryPlan.cpp; docs/backend.md "Global memory").
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_BACKEND_CORE_MEMORYPLAN_H
#define ONNTC_BACKEND_CORE_MEMORYPLAN_H

#include "backend/core/Backend.h"
#include "ir/Graph.h"

#include "llvm/ADT/DenseMap.h"

namespace onntc {
namespace backend {

/// Where every value lives in global memory.
struct MemoryPlan {
  /// Neuron offset (relative to ctx_addr) of every value with storage of
  /// its own or as an alias.
  llvm::DenseMap<const Value *, uint64_t> neuronOffset;
  /// Values that are aliases (reshape-like) of another value.
  llvm::DenseMap<const Value *, const Value *> aliasOf;
  /// Relu/Clip nodes fused into their producer -> the producer.
  llvm::DenseMap<const Node *, const Node *> fusedInto;
  /// Producer -> the fused activation node.
  llvm::DenseMap<const Node *, const Node *> fusedActivation;
  uint64_t neuronSize = 0;
  uint64_t unsharedBytes = 0;
};

/// Builds the plan: fusion, aliases, liveness, first-fit reuse.
llvm::Expected<MemoryPlan> planMemory(const Graph &g, const isa::TargetInfo &t,
                                      const BackendOptions &opts);

/// True for ops whose output is their first input seen with another shape.
bool isAliasOp(OpKind k);

} // namespace backend
} // namespace onntc

#endif
