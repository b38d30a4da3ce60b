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
#include "isa/Commands.h"
#include "ir/Tensor.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/STLFunctionalExtras.h"

#include <functional>
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
/// Sync scheme (docs/backend.md): by default every command waits for the
/// last command issued so far on the other engine. Within a layer that
/// orders load -> compute -> store; across layers it orders a load that
/// overwrites local memory after the compute that read it. Each engine
/// runs in order, so same-engine hazards need no ids. TilePipeline narrows
/// the waits (setGdmaWait/setBdcWait) so loads overlap computes.
///
/// Waits are given as sequence numbers counted over the whole net (1 =
/// first command of that engine); they become per-group ids when a command
/// is appended, and a wait on a command of an earlier group becomes 0.
class CmdStream {
public:
  CmdStream(const isa::TargetInfo &t, uint32_t maxPerGroup)
      : target_(t), maxPerGroup_(maxPerGroup) {
    groups_.emplace_back();
  }
  void setTag(uint32_t tag) { tag_ = tag; }
  void gdma(isa::Command::Body body);
  void bdc(isa::Command::Body body);
  /// Sequence number of the last command issued on each engine.
  uint64_t bdcSeq() const { return bdcSeq_; }
  uint64_t gdmaSeq() const { return gdmaSeq_; }
  /// Overrides what the following GDMA (BDC) commands wait for; None
  /// restores "the last command of the other engine".
  void setGdmaWait(std::optional<uint64_t> bdcSeq) { gdmaWait_ = bdcSeq; }
  void setBdcWait(std::optional<uint64_t> gdmaSeq) { bdcWait_ = gdmaSeq; }
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
  uint64_t bdcSeq_ = 0, gdmaSeq_ = 0;
  /// Sequence numbers of the last commands before the current group.
  uint64_t bdcBase_ = 0, gdmaBase_ = 0;
  std::optional<uint64_t> gdmaWait_, bdcWait_;
  std::vector<CmdGroupCmds> groups_;
  uint64_t serialCycles_ = 0;
  std::vector<uint64_t> tagCycles_;
};

/// Software pipeline over the tiles of one op with two local buffer sets:
/// GDMA order L0 L1 S0 L2 S1 ..., BDC order C0 C1 ...; load i waits for
/// compute i-2 (the last reader of its set), compute i for load i, store i
/// for compute i. Compute i may overwrite set i%2's output only after store
/// i-2, which precedes load i on the GDMA engine. With one set (the tile
/// does not fit twice) every tile runs serially.
class TilePipeline {
public:
  TilePipeline(CmdStream &s, bool twoSets) : s_(s), twoSets_(twoSets) {
    start_ = s_.bdcSeq();
  }
  ~TilePipeline() { assert(!pending_ && "TilePipeline not finished"); }
  /// The buffer set tile `next` uses (0 or 1).
  unsigned nextSet() const { return twoSets_ ? unsigned(count_ % 2) : 0; }
  /// Emits one tile.
  void tile(llvm::function_ref<void()> loads,
            llvm::function_ref<void()> compute, std::function<void()> store);
  /// Emits the last store; later commands wait as usual. Call before
  /// reloading buffers shared by all tiles (conv weights).
  void finish();

private:
  CmdStream &s_;
  bool twoSets_;
  uint64_t start_ = 0, count_ = 0;
  uint64_t prevCompute_[2] = {0, 0};
  std::function<void()> pending_;
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
llvm::Expected<MemoryPlan> planMemory(const Graph &g, const isa::TargetInfo &t,
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
