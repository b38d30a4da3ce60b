//===- CModel.cpp - scheduling of the two engines
//--------------------------===//
#include "runtime/cmodel/CModel.h"

#include "isa/CostModel.h"
#include "isa/Encoding.h"
#include "runtime/cmodel/Exec.h"

#include "llvm/Support/Format.h"

#include <algorithm>

using llvm::Error;
using llvm::Expected;
using namespace onntc::isa;

namespace onntc {
namespace cmodel {

double Profile::macUtilization(const TargetInfo &t, DType dt) const {
  if (totalCycles == 0)
    return 0;
  return double(macs) / (double(totalCycles) * double(t.peakMacsPerCycle(dt)));
}

void Profile::append(const Profile &next) {
  uint64_t shift = totalCycles;
  totalCycles += next.totalCycles;
  bdcBusyCycles += next.bdcBusyCycles;
  gdmaBusyCycles += next.gdmaBusyCycles;
  bdcCommands += next.bdcCommands;
  gdmaCommands += next.gdmaCommands;
  macs += next.macs;
  gdmaGlobalBytes += next.gdmaGlobalBytes;
  clockMHz = next.clockMHz;
  for (CommandRecord r : next.commands) {
    r.start += shift;
    r.end += shift;
    commands.push_back(r);
  }
  for (auto &kv : next.tags) {
    TagRecord &t = tags[kv.first];
    const TagRecord &o = kv.second;
    t.bdcCycles += o.bdcCycles;
    t.gdmaCycles += o.gdmaCycles;
    t.bdcCommands += o.bdcCommands;
    t.gdmaCommands += o.gdmaCommands;
    t.macs += o.macs;
    t.firstStart = std::min(t.firstStart, o.firstStart + shift);
    t.lastEnd = std::max(t.lastEnd, o.lastEnd + shift);
  }
}

void Profile::print(llvm::raw_ostream &os) const {
  os << "total cycles: " << totalCycles << " ("
     << llvm::format("%.3f", latencyUs()) << " us at " << clockMHz << " MHz)\n";
  os << "bdc: " << bdcCommands << " commands, " << bdcBusyCycles
     << " busy cycles; gdma: " << gdmaCommands << " commands, "
     << gdmaBusyCycles << " busy cycles, " << gdmaGlobalBytes
     << " global bytes; macs: " << macs << "\n";
  for (auto &kv : tags)
    os << "tag " << kv.first << ": bdc " << kv.second.bdcCycles << " cycles ("
       << kv.second.bdcCommands << " cmds), gdma " << kv.second.gdmaCycles
       << " cycles (" << kv.second.gdmaCommands << " cmds), span ["
       << kv.second.firstStart << ", " << kv.second.lastEnd << ")\n";
}

namespace {

std::string describe(Engine e, uint32_t index, const Command &c) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << engineName(e) << " command index " << index << " (id " << c.hdr.cmdId
     << ", " << c.mnemonic() << ", tag " << c.hdr.tag << ")";
  return os.str();
}

/// Checks engine kinds, id ordering and that every dependency names an id
/// the other engine issues.
Error validate(llvm::ArrayRef<Command> self, Engine e,
               llvm::ArrayRef<Command> other) {
  uint32_t prev = 0;
  uint32_t otherMax = other.empty() ? 0 : other.back().hdr.cmdId;
  for (uint32_t i = 0; i < self.size(); ++i) {
    const Command &c = self[i];
    if (c.engine() != e)
      return execError(describe(e, i, c) + " is a " + engineName(c.engine()) +
                       " command in the " + engineName(e) + " stream");
    if (c.hdr.cmdId <= prev)
      return execError(describe(e, i, c) +
                       ": command ids must start at 1 and strictly increase "
                       "(previous id " +
                       llvm::Twine(prev) + ")");
    prev = c.hdr.cmdId;
    if (c.hdr.depId > otherMax)
      return execError(
          describe(e, i, c) + " waits for " +
          engineName(e == Engine::BDC ? Engine::GDMA : Engine::BDC) + " id " +
          llvm::Twine(c.hdr.depId) + ", which is never issued (the " +
          engineName(e == Engine::BDC ? Engine::GDMA : Engine::BDC) +
          " stream ends at id " + llvm::Twine(otherMax) + ")");
  }
  return Error::success();
}

/// Index of the first command in `s` whose id is >= dep.
uint32_t firstAtLeast(llvm::ArrayRef<Command> s, uint32_t dep) {
  auto it = std::lower_bound(
      s.begin(), s.end(), dep,
      [](const Command &c, uint32_t d) { return c.hdr.cmdId < d; });
  return uint32_t(it - s.begin());
}

} // namespace

Expected<Profile> CModel::run(llvm::ArrayRef<uint8_t> bdcBytes, uint32_t bdcNum,
                              llvm::ArrayRef<uint8_t> gdmaBytes,
                              uint32_t gdmaNum, const RunOptions &opts) {
  auto bdc = decodeStream(bdcBytes, bdcNum, Engine::BDC);
  if (!bdc)
    return bdc.takeError();
  auto gdma = decodeStream(gdmaBytes, gdmaNum, Engine::GDMA);
  if (!gdma)
    return gdma.takeError();
  return run(*bdc, *gdma, opts);
}

Error CModel::execute(const Command &cmd) {
  ExecContext x{target_, global_, local_};
  if (Error e = executeCommand(x, cmd))
    return execError(describe(cmd.engine(), 0, cmd) + ": " +
                     llvm::toString(std::move(e)));
  return Error::success();
}

Expected<Profile> CModel::run(llvm::ArrayRef<Command> bdc,
                              llvm::ArrayRef<Command> gdma,
                              const RunOptions &opts) {
  if (Error e = validate(bdc, Engine::BDC, gdma))
    return e;
  if (Error e = validate(gdma, Engine::GDMA, bdc))
    return e;

  Profile p;
  p.clockMHz = target_.clockMHz;
  ExecContext x{target_, global_, local_};
  llvm::ArrayRef<Command> streams[2] = {bdc, gdma};
  std::vector<uint64_t> ends[2] = {std::vector<uint64_t>(bdc.size()),
                                   std::vector<uint64_t>(gdma.size())};
  uint32_t next[2] = {0, 0};
  uint64_t freeAt[2] = {0, 0};

  while (next[0] < bdc.size() || next[1] < gdma.size()) {
    bool ready[2] = {false, false};
    uint64_t start[2] = {0, 0};
    for (int e = 0; e < 2; ++e) {
      if (next[e] >= streams[e].size())
        continue;
      const Command &c = streams[e][next[e]];
      start[e] = freeAt[e];
      if (c.hdr.depId == 0) {
        ready[e] = true;
        continue;
      }
      uint32_t j = firstAtLeast(streams[1 - e], c.hdr.depId);
      if (j < next[1 - e]) {
        ready[e] = true;
        start[e] = std::max(start[e], ends[1 - e][j]);
      }
    }
    if (!ready[0] && !ready[1]) {
      const Command &b = bdc[next[0]], &g = gdma[next[1]];
      return execError("deadlock: " + describe(Engine::BDC, next[0], b) +
                       " waits for gdma id " + llvm::Twine(b.hdr.depId) +
                       " while " + describe(Engine::GDMA, next[1], g) +
                       " waits for bdc id " + llvm::Twine(g.hdr.depId));
    }
    // Run the command that starts first; GDMA wins ties.
    int e = !ready[0] ? 1 : !ready[1] ? 0 : (start[1] <= start[0] ? 1 : 0);
    uint32_t i = next[e];
    const Command &c = streams[e][i];
    Engine eng = e == 0 ? Engine::BDC : Engine::GDMA;
    if (opts.execute)
      if (Error err = executeCommand(x, c))
        return execError(describe(eng, i, c) + ": " +
                         llvm::toString(std::move(err)));
    CommandCost cost = estimateCost(target_, c);
    uint64_t end = start[e] + cost.cycles;
    ends[e][i] = end;
    freeAt[e] = end;
    ++next[e];
    p.totalCycles = std::max(p.totalCycles, end);
    p.macs += cost.macs;
    p.gdmaGlobalBytes += cost.globalBytes;
    TagRecord &tr = p.tags[c.hdr.tag];
    tr.firstStart = std::min(tr.firstStart, start[e]);
    tr.lastEnd = std::max(tr.lastEnd, end);
    tr.macs += cost.macs;
    if (eng == Engine::BDC) {
      p.bdcBusyCycles += cost.cycles;
      ++p.bdcCommands;
      tr.bdcCycles += cost.cycles;
      ++tr.bdcCommands;
    } else {
      p.gdmaBusyCycles += cost.cycles;
      ++p.gdmaCommands;
      tr.gdmaCycles += cost.cycles;
      ++tr.gdmaCommands;
    }
    if (opts.recordCommands)
      p.commands.push_back(CommandRecord{eng, i, c.hdr.cmdId, c.hdr.tag,
                                         c.opcode(), start[e], end, cost.macs});
  }
  return p;
}

} // namespace cmodel
} // namespace onntc
