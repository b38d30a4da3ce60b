//===- LowerContext.h - what a lowering row sees of one compile -*- C++ -*-===//
//
// Internal to onntc_backend. The lowering of one graph keeps: the command
// stream (CmdStream.h), the local allocator (LocalMem.h), the global plan
// (MemoryPlan.h) and, here, the global placement of every value: neuron
// offsets from the plan, coeff offsets appended as the rows ask for
// constants. Also the small helpers every row uses.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_BACKEND_CORE_LOWERCONTEXT_H
#define ONNTC_BACKEND_CORE_LOWERCONTEXT_H

#include "backend/core/CmdStream.h"
#include "backend/core/LocalMem.h"
#include "backend/core/MemoryPlan.h"
#include "bmodel/BModel.h"
#include "ir/Tensor.h"

#include "llvm/ADT/DenseMap.h"

#include <vector>

namespace onntc {
namespace backend {

/// The state the lowering rows work on.
class LowerContext {
public:
  LowerContext(const isa::TargetInfo &t, const MemoryPlan &plan,
               uint64_t ctxAddr, const BackendOptions &opts)
      : target_(t), plan_(plan), ctxAddr_(ctxAddr),
        stream_(t, opts.maxCmdsPerGroup), local_(t) {}

  const isa::TargetInfo &target() const { return target_; }
  CmdStream &stream() { return stream_; }
  LocalAlloc &local() { return local_; }
  const MemoryPlan &plan() const { return plan_; }

  /// The value that really holds the data of `v` (follows aliases).
  const Value *root(const Value *v) const;
  /// The constant behind `v` (through aliases), or null.
  const Tensor *constant(const Value *v) const;
  /// Global address of `v`: its neuron buffer, or for a constant its place
  /// in the coeff blob (added on first use).
  uint64_t addressOf(const Value *v);
  /// Adds an extra coefficient tensor made by a row (folded scales,
  /// replicated biases); `key` names it in the bmodel Location list.
  uint64_t addCoeff(const Tensor &t, llvm::StringRef key);
  /// The element type of `v` as stored in global memory: its own type; a
  /// constant keeps its type when it is i8/u8/i16/i32 (INT8 weights, biases,
  /// tables) and is placed as f32 otherwise (addressOf).
  isa::DType storageDType(const Value *v) const;
  /// The output value a node writes: the fused activation's output when a
  /// Relu/Clip was fused into it.
  const Value *outputOf(const Node &n) const;
  /// The fused activation of `n`, or null.
  const Node *fusedActivation(const Node &n) const;

  std::vector<uint8_t> &coeffBytes() { return coeff_; }
  std::vector<bmodel::LocationInfo> &locations() { return locations_; }

private:
  const isa::TargetInfo &target_;
  const MemoryPlan &plan_;
  uint64_t ctxAddr_;
  CmdStream stream_;
  LocalAlloc local_;
  std::vector<uint8_t> coeff_;
  std::vector<bmodel::LocationInfo> locations_;
  llvm::DenseMap<const Value *, uint64_t> coeffOffset_;
};

/// An error about node `n`: "<file>: node '<name>' (<OpType>): msg".
llvm::Error nodeError(const Node &n, const llvm::Twine &msg);
/// Static dims of a value as uint32 (all dims must be static and positive).
std::vector<int64_t> dimsOf(const Value *v);
/// Ints attribute with a default when absent or empty.
std::vector<int64_t> intsOr(const Node &n, llvm::StringRef name,
                            std::vector<int64_t> dflt);
/// Dense NCHW strides of a Shape4.
isa::Strides4 denseStrides(isa::Shape4 s);

} // namespace backend
} // namespace onntc

#endif
