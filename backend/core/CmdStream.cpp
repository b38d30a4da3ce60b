//===- CmdStream.cpp - engine streams, id sync, tile pipeline --------------===//

#include "backend/core/CmdStream.h"

#include "isa/CostModel.h"

#include <algorithm>

using namespace onntc;
using namespace onntc::backend;

//===-- CmdStream ---------------------------------------------------------===//

void CmdStream::maybeSplit() {
  CmdGroupCmds &g = groups_.back();
  uint32_t limit = std::min(maxPerGroup_, isa::kMaxCmdId);
  if (g.bdc.size() < limit && g.gdma.size() < limit)
    return;
  // The previous group completes before the next starts, so ids restart
  // and waits on earlier commands disappear.
  groups_.emplace_back();
  bdcBase_ = bdcSeq_;
  gdmaBase_ = gdmaSeq_;
}

void CmdStream::account(const isa::Command &c) {
  uint64_t cyc = isa::estimateCost(target_, c).cycles;
  serialCycles_ += cyc;
  if (tagCycles_.size() <= tag_)
    tagCycles_.resize(tag_ + 1, 0);
  tagCycles_[tag_] += cyc;
}

void CmdStream::gdma(isa::Command::Body body) {
  maybeSplit();
  isa::Command c;
  c.body = std::move(body);
  uint64_t wait = gdmaWait_ ? *gdmaWait_ : bdcSeq_;
  c.hdr.cmdId = uint32_t(++gdmaSeq_ - gdmaBase_);
  c.hdr.depId = wait > bdcBase_ ? uint32_t(wait - bdcBase_) : 0;
  c.hdr.tag = tag_;
  account(c);
  groups_.back().gdma.push_back(std::move(c));
}

void CmdStream::bdc(isa::Command::Body body) {
  maybeSplit();
  isa::Command c;
  c.body = std::move(body);
  uint64_t wait = bdcWait_ ? *bdcWait_ : gdmaSeq_;
  c.hdr.cmdId = uint32_t(++bdcSeq_ - bdcBase_);
  c.hdr.depId = wait > gdmaBase_ ? uint32_t(wait - gdmaBase_) : 0;
  c.hdr.tag = tag_;
  account(c);
  groups_.back().bdc.push_back(std::move(c));
}

//===-- TilePipeline ------------------------------------------------------===//

void TilePipeline::tile(llvm::function_ref<void()> loads,
                        llvm::function_ref<void()> compute,
                        std::function<void()> store) {
  if (!twoSets_) {
    loads();
    compute();
    store();
    ++count_;
    return;
  }
  unsigned set = unsigned(count_ % 2);
  // Loads wait for the compute that last read this set (or, for the first
  // two tiles, for everything computed before the op).
  s_.setGdmaWait(count_ >= 2 ? prevCompute_[set] : start_);
  loads();
  uint64_t loaded = s_.gdmaSeq();
  if (pending_) {
    s_.setGdmaWait(prevCompute_[1 - set]);
    pending_();
    pending_ = nullptr;
  }
  s_.setBdcWait(loaded);
  compute();
  s_.setBdcWait(std::nullopt);
  s_.setGdmaWait(std::nullopt);
  prevCompute_[set] = s_.bdcSeq();
  pending_ = std::move(store);
  ++count_;
}

void TilePipeline::finish() {
  if (pending_) {
    s_.setGdmaWait(prevCompute_[(count_ - 1) % 2]);
    pending_();
    pending_ = nullptr;
    s_.setGdmaWait(std::nullopt);
  }
  start_ = s_.bdcSeq();
  count_ = 0;
}
