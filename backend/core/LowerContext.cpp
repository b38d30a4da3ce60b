//===- LowerContext.cpp - command stream, allocators, tiling --------------===//

#include "backend/core/LowerContext.h"

#include "isa/CostModel.h"
#include "isa/Layout.h"

#include "llvm/Support/FormatVariadic.h"

using namespace onntc;
using namespace onntc::backend;

/// Local buffers are aligned to this many bytes inside a lane (a multiple
/// of every element size and of the EU row of both targets' f32).
static constexpr uint64_t kLocalAlign = 64;

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

//===-- local memory ------------------------------------------------------===//

std::optional<uint32_t> LocalAlloc::alloc(uint64_t bytesPerLane) {
  uint64_t size =
      isa::alignUp(std::max<uint64_t>(bytesPerLane, 1), kLocalAlign);
  if (used_ + size > target_.lmemBytes)
    return std::nullopt;
  uint32_t addr = isa::makeLocalAddr(target_, 0, uint32_t(used_));
  used_ += size;
  return addr;
}

uint64_t backend::localFootprint(llvm::ArrayRef<uint64_t> bytesPerLane) {
  uint64_t sum = 0;
  for (uint64_t b : bytesPerLane)
    sum += isa::alignUp(std::max<uint64_t>(b, 1), kLocalAlign);
  return sum;
}

//===-- tiling ------------------------------------------------------------===//

std::optional<isa::Shape4>
backend::chooseTile(const isa::TargetInfo &t, isa::Shape4 full,
                    uint32_t cQuantum, bool allowH, bool allowW,
                    llvm::function_ref<uint64_t(isa::Shape4)> bytesPerLane) {
  isa::Shape4 tile = full;
  if (cQuantum == 0)
    cQuantum = full.c;
  while (true) {
    if (bytesPerLane(tile) <= t.lmemBytes)
      return tile;
    if (tile.n > 1) {
      tile.n = (tile.n + 1) / 2;
      continue;
    }
    // Channels: keep a multiple of cQuantum (usually npuNum lanes, or a
    // whole number of conv groups) so every tile fills the lanes.
    uint32_t units = uint32_t(isa::ceilDiv(tile.c, cQuantum));
    if (units > 1) {
      tile.c = std::min(full.c, uint32_t((units + 1) / 2) * cQuantum);
      if (tile.c >= cQuantum * units)
        tile.c = cQuantum * (units - 1);
      continue;
    }
    if (allowH && tile.h > 1) {
      tile.h = (tile.h + 1) / 2;
      continue;
    }
    if (allowW && tile.w > 1) {
      tile.w = (tile.w + 1) / 2;
      continue;
    }
    return std::nullopt;
  }
}

void backend::forEachSplit(uint32_t len, uint32_t tile,
                           llvm::function_ref<void(uint32_t, uint32_t)> fn) {
  for (uint32_t o = 0; o < len; o += tile)
    fn(o, std::min(tile, len - o));
}

//===-- helpers -----------------------------------------------------------===//

llvm::Error backend::nodeError(const Node &n, const llvm::Twine &msg) {
  std::string where;
  if (!n.loc().file.empty())
    where = n.loc().file + ": ";
  std::string name = n.loc().node.empty() ? n.name() : n.loc().node;
  std::string type =
      n.loc().opType.empty() ? n.info().name.str() : n.loc().opType;
  return llvm::createStringError(
      llvm::inconvertibleErrorCode(),
      llvm::formatv("{0}node '{1}' ({2}): {3}", where, name, type, msg.str())
          .str());
}

std::vector<int64_t> backend::dimsOf(const Value *v) {
  auto d = v->shape().dims();
  return std::vector<int64_t>(d.begin(), d.end());
}

std::vector<int64_t> backend::intsOr(const Node &n, llvm::StringRef name,
                                     std::vector<int64_t> dflt) {
  if (!n.hasAttr(name))
    return dflt;
  auto v = n.getInts(name);
  if (v.empty())
    return dflt;
  return std::vector<int64_t>(v.begin(), v.end());
}

isa::Strides4 backend::denseStrides(isa::Shape4 s) {
  return isa::contiguousStrides(s);
}

//===-- LowerContext ------------------------------------------------------===//

const Value *LowerContext::root(const Value *v) const {
  while (true) {
    auto it = plan_.aliasOf.find(v);
    if (it == plan_.aliasOf.end())
      return v;
    v = it->second;
  }
}

const Tensor *LowerContext::constant(const Value *v) const {
  return root(v)->constantValue();
}

uint64_t LowerContext::addCoeff(const Tensor &t, llvm::StringRef key) {
  uint64_t off = isa::alignUp(coeff_.size(), kLocalAlign);
  coeff_.resize(off, 0);
  const uint8_t *p = t.raw();
  coeff_.insert(coeff_.end(), p, p + t.byteSize());
  locations_.push_back({key.str(), off, uint64_t(t.byteSize())});
  return target_.coeffStartAddr + off;
}

uint64_t LowerContext::addressOf(const Value *v) {
  const Value *r = root(v);
  if (const Tensor *c = r->constantValue()) {
    auto it = coeffOffset_.find(r);
    if (it != coeffOffset_.end())
      return target_.coeffStartAddr + it->second;
    uint64_t addr = addCoeff(
        c->dtype() == DType::F32 ? *c : c->castTo(DType::F32), r->name());
    coeffOffset_[r] = addr - target_.coeffStartAddr;
    return addr;
  }
  auto it = plan_.neuronOffset.find(r);
  assert(it != plan_.neuronOffset.end() && "value without a neuron buffer");
  return ctxAddr_ + it->second;
}

const Node *LowerContext::fusedActivation(const Node &n) const {
  auto it = plan_.fusedActivation.find(&n);
  return it == plan_.fusedActivation.end() ? nullptr : it->second;
}

const Value *LowerContext::outputOf(const Node &n) const {
  if (const Node *a = fusedActivation(n))
    return a->output(0);
  return n.output(0);
}
