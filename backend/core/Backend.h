//===- Backend.h - IR graph to .bmodel for one target ----------*- C++ -*-===//
//
// The OpenNNTC backend: lowers a static-shape FP32 graph to GDMA/BDC command
// streams for one target (a `const isa::TargetInfo &`), plans global memory
// (coeff blob, neuron region with buffer reuse, IO tensors) and describes
// the result as a bmodel (one net, one stage, one TPU subnet). See
// docs/backend.md.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_BACKEND_CORE_BACKEND_H
#define ONNTC_BACKEND_CORE_BACKEND_H

#include "isa/Target.h"
#include "ir/Graph.h"
#include "bmodel/BModel.h"
#include "bmodel/BModelWriter.h"

#include "llvm/Support/Error.h"

#include <string>

namespace onntc {
namespace backend {

/// Options of one compile. Nothing is read from the environment.
struct BackendOptions {
  /// The net name stored in the bmodel.
  std::string netName = "net";
  /// Fuse a Relu / Clip(0, x) that is the only user of a Conv or Gemm into
  /// the producing command.
  bool fuseActivations = true;
  /// Commands per engine after which a new CmdGroup is started (at most
  /// isa::kMaxCmdId). Tests lower it to exercise group splitting.
  uint32_t maxCmdsPerGroup = 1u << 19;
  /// --enable_profile: store the per-layer profile (NetProfile.h) in the
  /// net's net_profile binary; none otherwise.
  bool enableProfile = false;
};

/// Figures about one compile, for logs and reports.
struct CompileStats {
  uint64_t coeffBytes = 0;
  uint64_t neuronBytes = 0;
  /// Sum of the activation sizes without reuse (what neuronBytes saves on).
  uint64_t unsharedActivationBytes = 0;
  uint32_t bdcCommands = 0, gdmaCommands = 0, cmdGroups = 0;
  uint32_t loweredOps = 0;
  /// Sum of isa::estimateCost over all commands, engines not overlapped.
  uint64_t estimatedSerialCycles = 0;
};

/// A compiled net: the model description and the writer holding its blobs.
struct CompiledModel {
  bmodel::ModelInfo model;
  bmodel::BModelWriter writer;
  CompileStats stats;
};

/// Compiles `g` (static shapes, FP32) for `target`. Fails with one error
/// listing every node that cannot be lowered (with its source location).
llvm::Expected<CompiledModel> compileToBModel(const Graph &g,
                                              const isa::TargetInfo &target,
                                              const BackendOptions &opts = {});

/// The same and writes the file atomically to `path`.
llvm::Error compileToBModelFile(const Graph &g, const isa::TargetInfo &target,
                                llvm::StringRef path,
                                const BackendOptions &opts = {},
                                CompileStats *stats = nullptr);

} // namespace backend
} // namespace onntc

#endif
