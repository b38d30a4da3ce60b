//===- CmdStream.h - the two engine streams and their id sync --*- C++ -*-===//
//
// Internal to onntc_backend. CmdStream appends GDMA/BDC commands, sets
// their ids and dependencies and splits them into CmdGroups; TilePipeline
// narrows the waits so the loads of one tile overlap the compute of the
// previous one (docs/backend.md "Id sync").
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_BACKEND_CORE_CMDSTREAM_H
#define ONNTC_BACKEND_CORE_CMDSTREAM_H

#include "isa/Commands.h"

#include "llvm/ADT/STLFunctionalExtras.h"

#include <cassert>
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

} // namespace backend
} // namespace onntc

#endif
