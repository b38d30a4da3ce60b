//===- LowerContext.h - state shared by the lowering rows ------*- C++ -*-===//
//
// Internal to onntc_backend. The lowering of one graph keeps: the command
// stream with its id-sync bookkeeping (CmdStream), the global placement of
// every value (neuron offsets from MemoryPlan, coeff offsets appended as the
// rows ask for constants), and the per-op local-memory allocator.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_BACKEND_CORE_LOWERCONTEXT_H
#define ONNTC_BACKEND_CORE_LOWERCONTEXT_H

#include "backend/core/Backend.h"
#include "backend/isa/Commands.h"
#include "ir/Tensor.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/STLFunctionalExtras.h"

#include <optional>
#include <vector>

namespace onntc {
namespace backend {

/// One id-sync group of commands.
struct CmdGroupCmds {
  std::vector<isa::Command> bdc, gdma;
};

/// Appends commands to the two engine streams and sets their ids.
///
/// Sync scheme (docs/backend.md): every command waits for the last command
/// issued so far on the other engine. Within a layer that orders load ->
/// compute -> store; across layers it orders a load that overwrites local
/// memory after the compute that read it. Each engine runs in order, so
/// same-engine hazards need no ids.
class CmdStream {
public:
  CmdStream(const isa::TargetInfo &t, uint32_t maxPerGroup)
      : target_(t), maxPerGroup_(maxPerGroup) {
    groups_.emplace_back();
  }
  void setTag(uint32_t tag) { tag_ = tag; }
  void gdma(isa::Command::Body body);
  void bdc(isa::Command::Body body);
  std::vector<CmdGroupCmds> &groups() { return groups_; }
  uint64_t serialCycles() const { return serialCycles_; }
  /// Estimated cycles per tag (layer), engines not overlapped.
  const std::vector<uint64_t> &tagCycles() const { return tagCycles_; }

private:
  void maybeSplit();
  void account(const isa::Command &c);
  const isa::TargetInfo &target_;
  uint32_t maxPerGroup_;
  uint32_t tag_ = 0;
  uint32_t lastBdc_ = 0, lastGdma_ = 0;
  std::vector<CmdGroupCmds> groups_;
  uint64_t serialCycles_ = 0;
  std::vector<uint64_t> tagCycles_;
};

/// Bump allocator over one lane's local memory; every buffer starts on lane
/// 0 at the same offset in every lane.
class LocalAlloc {
public:
  explicit LocalAlloc(const isa::TargetInfo &t) : target_(t) {}
  /// Local address (lane 0) of a new buffer of `bytesPerLane`; None when
  /// the lane is full.
  std::optional<uint32_t> alloc(uint64_t bytesPerLane);
  void reset() { used_ = 0; }

private:
  const isa::TargetInfo &target_;
  uint64_t used_ = 0;
};

/// Local bytes per lane that a buffer list needs, each rounded up as
/// LocalAlloc rounds it.
uint64_t localFootprint(llvm::ArrayRef<uint64_t> bytesPerLane);

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
llvm::Expected<MemoryPlan> planMemory(const Graph &g,
                                      const isa::TargetInfo &t,
                                      const BackendOptions &opts);

/// True for ops whose output is their first input seen with another shape.
bool isAliasOp(OpKind k);

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

/// A lowering row: `check` rejects nodes the row cannot lower (without
/// emitting anything); `lower` emits the commands.
struct LoweringRow {
  OpKind kind;
  llvm::Error (*check)(const Node &n, const isa::TargetInfo &t);
  llvm::Error (*lower)(const Node &n, LowerContext &ctx);
};

/// The rows of each family (LowerNn.cpp, LowerElementwise.cpp,
/// LowerData.cpp).
llvm::ArrayRef<LoweringRow> nnRows();
llvm::ArrayRef<LoweringRow> elementwiseRows();
llvm::ArrayRef<LoweringRow> dataRows();

//===-- helpers shared by the rows ----------------------------------------===//

/// An error about node `n`: "<file>: node '<name>' (<OpType>): msg".
llvm::Error nodeError(const Node &n, const llvm::Twine &msg);
/// Static dims of a value as uint32 (all dims must be static and positive).
std::vector<int64_t> dimsOf(const Value *v);
/// Ints attribute with a default when absent or empty.
std::vector<int64_t> intsOr(const Node &n, llvm::StringRef name,
                            std::vector<int64_t> dflt);
/// Dense NCHW strides of a Shape4.
isa::Strides4 denseStrides(isa::Shape4 s);

/// Picks a tile of `full` (over N, then channel groups of `cQuantum`, then
/// H, then W when allowW) whose local bytes per lane fit the lane.
std::optional<isa::Shape4>
chooseTile(const isa::TargetInfo &t, isa::Shape4 full, uint32_t cQuantum,
           bool allowH, bool allowW,
           llvm::function_ref<uint64_t(isa::Shape4)> bytesPerLane);

/// Calls fn(offset, extent) for each tile of `len` split into `tile`.
void forEachSplit(uint32_t len, uint32_t tile,
                  llvm::function_ref<void(uint32_t, uint32_t)> fn);

} // namespace backend
} // namespace onntc

#endif
