//===- RuntimeImpl.h - private state of runtime::Context --------*- C++ -*-===//
#ifndef ONNTC_RUNTIME_API_RUNTIMEIMPL_H
#define ONNTC_RUNTIME_API_RUNTIMEIMPL_H

#include "runtime/api/Runtime.h"
#include "runtime/cmodel/CModel.h"

namespace onntc {
namespace runtime {

/// One net of a loaded file.
struct Context::LoadedNet {
  const bmodel::BModel *model = nullptr;
  const bmodel::NetInfo *net = nullptr;
  NetDesc desc;
  /// Per stage: a writable copy of the coefficients, made at the first
  /// launch of the stage and mapped at coeff_mem.address from then on.
  std::vector<std::vector<uint8_t>> coeffCache;
};

/// The simulator of the context's chip, made at the first launch.
struct Context::Sim {
  explicit Sim(const isa::TargetInfo &t) : cm(t) {}
  cmodel::CModel cm;
  /// The stage whose regions are mapped now (so that launching it again
  /// only zeroes the neuron memory instead of mapping it anew).
  const LoadedNet *mappedNet = nullptr;
  unsigned mappedStage = 0;
};

} // namespace runtime
} // namespace onntc

#endif
