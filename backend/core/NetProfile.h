//===- NetProfile.h - the --enable_profile record of a net ------*- C++ -*-===//
//
// Internal to onntc_backend. With BackendOptions::enableProfile the bmodel's
// net_profile binary holds a JSON document (format in docs/bmodel.md
// "net_profile"): per lowered layer its node name, op, BDC and GDMA command
// counts and the cost model's estimated cycles, then totals.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_BACKEND_CORE_NETPROFILE_H
#define ONNTC_BACKEND_CORE_NETPROFILE_H

#include "backend/core/CmdStream.h"
#include "backend/core/MemoryPlan.h"
#include "ir/Graph.h"

#include <string>

namespace onntc {
namespace backend {

/// The profile JSON of `g` lowered to `groups` (commands tagged with the
/// 1-based node index, as lowerAll sets them).
std::string buildNetProfile(const Graph &g, const MemoryPlan &plan,
                            const isa::TargetInfo &t,
                            const std::vector<CmdGroupCmds> &groups);

} // namespace backend
} // namespace onntc

#endif
