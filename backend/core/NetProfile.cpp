//===- NetProfile.cpp - the --enable_profile record of a net --------------===//

#include "backend/core/NetProfile.h"

#include "isa/CostModel.h"

#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

using namespace onntc;
using namespace onntc::backend;

namespace {
struct Counts {
  uint64_t bdc = 0, gdma = 0, bdcCycles = 0, gdmaCycles = 0;
  void add(const isa::TargetInfo &t, const isa::Command &c, bool isBdc) {
    uint64_t cyc = isa::estimateCost(t, c).cycles;
    (isBdc ? bdc : gdma) += 1;
    (isBdc ? bdcCycles : gdmaCycles) += cyc;
  }
  void fill(llvm::json::Object &o) const {
    o["bdc"] = int64_t(bdc);
    o["gdma"] = int64_t(gdma);
    o["bdc_cycles"] = int64_t(bdcCycles);
    o["gdma_cycles"] = int64_t(gdmaCycles);
    o["cycles"] = int64_t(bdcCycles + gdmaCycles);
  }
};
} // namespace

std::string backend::buildNetProfile(const Graph &g, const MemoryPlan &plan,
                                     const isa::TargetInfo &t,
                                     const std::vector<CmdGroupCmds> &groups) {
  std::vector<Counts> byTag(g.nodes().size() + 1);
  Counts total;
  for (const CmdGroupCmds &grp : groups)
    for (bool isBdc : {true, false})
      for (const isa::Command &c : isBdc ? grp.bdc : grp.gdma) {
        uint32_t tag = c.hdr.tag;
        if (tag < byTag.size())
          byTag[tag].add(t, c, isBdc);
        total.add(t, c, isBdc);
      }
  llvm::json::Array layers;
  uint32_t tag = 0;
  for (const auto &np : g.nodes()) {
    ++tag;
    const Node &n = *np;
    if (n.kind() == OpKind::Constant || plan.fusedInto.count(&n))
      continue;
    llvm::json::Object o;
    o["index"] = int64_t(layers.size());
    o["name"] = n.loc().node.empty() ? n.name() : n.loc().node;
    o["op"] = n.info().name.str();
    if (const Node *act = plan.fusedActivation.lookup(&n))
      o["fused"] = act->loc().node.empty() ? act->name() : act->loc().node;
    byTag[tag].fill(o);
    layers.push_back(std::move(o));
  }
  llvm::json::Object tot;
  tot["layers"] = int64_t(layers.size());
  total.fill(tot);
  llvm::json::Object doc;
  doc["format"] = "onntc-net-profile";
  doc["version"] = 1;
  doc["target"] = t.name.str();
  doc["clock_mhz"] = double(t.clockMHz);
  doc["layers"] = std::move(layers);
  doc["total"] = std::move(tot);
  std::string out;
  llvm::raw_string_ostream os(out);
  os << llvm::json::Value(std::move(doc)) << "\n";
  os.flush();
  return out;
}
