//===- Stages.h - the compile pipeline, one function per stage --*- C++ -*-===//
//
// Every bmnetX compile is the same sequence of stages:
//
//   import -> optimise -> [calibrate -> quantize] -> lower -> emit -> check
//          -> write
//
// Each stage is a function that can be called alone (tests, bmneto_bench,
// later bmnetu), taking what the earlier stages produced and returning what
// it adds. runCompile (CompileDriver.h) chains them, logs, and stops where
// `--emit` asks. The calibrate and quantize stages belong to INT8 compiles
// (the quantizer library); an FP32 compile has none.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_DRIVER_STAGES_H
#define ONNTC_DRIVER_STAGES_H

#include "driver/FrontendOptions.h"
#include "ir/Graph.h"
#include "ir/KernelContext.h"
#include "ir/Tensor.h"

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace onntc {

/// Imports the model named in the options (the front-end's part).
using ImportCallback =
    llvm::function_ref<llvm::Expected<std::unique_ptr<Module>>()>;

/// Stage "import": runs the front-end, names the module after --net_name and
/// --target, verifies it and requires static input shapes.
llvm::Expected<std::unique_ptr<Module>>
importStage(const FrontendOptions &opts, ImportCallback import);

/// The reference inputs: from --test_input when given, else random from
/// --descs and --seed.
llvm::Expected<std::vector<Tensor>>
referenceInputs(const Graph &g, const FrontendOptions &opts);

/// Stage "optimise": --opt 0 refreshes types only, 1 and 2 run the
/// "optimize" pass pipeline. Pass statistics go to `stats` when given.
llvm::Error optimizeStage(Module &m, const FrontendOptions &opts,
                          KernelContext &kernels,
                          llvm::StringMap<int64_t> *stats = nullptr);

/// Runs the reference interpreter over `g` (the expected outputs).
llvm::Expected<std::vector<Tensor>>
referenceOutputs(const Graph &g, llvm::ArrayRef<Tensor> inputs,
                 KernelContext &kernels);

/// The largest |a-b| / (1+|b|) over all outputs; the output count, shapes
/// and dtypes must agree. NaN against NaN counts as equal, NaN against a
/// number as infinitely different.
llvm::Expected<double> maxRelativeDifference(llvm::ArrayRef<Tensor> got,
                                             llvm::ArrayRef<Tensor> want,
                                             llvm::ArrayRef<Value *> outs);

/// What the lower and emit stages produce: the bmodel bytes and figures.
struct LoweredNet {
  std::vector<uint8_t> bmodel;
  uint64_t coeffBytes = 0, neuronBytes = 0;
  uint32_t bdcCommands = 0, gdmaCommands = 0, cmdGroups = 0, layers = 0;
};

/// Stages "lower" + "emit": the backend lowers `g` for opts.target into
/// command streams and describes them as a serialised bmodel.
llvm::Expected<LoweredNet> lowerStage(const Graph &g,
                                      const FrontendOptions &opts);

/// The command streams of a serialised bmodel as text (one block per net,
/// stage, subnet and command group), as `--emit=cmds` writes them.
llvm::Expected<std::string> disassembleBModel(llvm::ArrayRef<uint8_t> bmodel);

/// What the check stage measured.
struct CModelCheck {
  double maxRelDiff = 0;
  /// Elements of integer (INT8 net) outputs that differ from the
  /// reference: those must match bit for bit.
  uint64_t intMismatches = 0;
  double latencyUs = 0;
  uint64_t cycles = 0;
  double simWallUs = 0;
};

/// Stage "check": runs the bmodel on the cmodel with `inputs` and compares
/// its outputs with the reference `want` (FP32 nets, and INT8 nets whose
/// IO tensors are integers).
llvm::Expected<CModelCheck> checkStage(llvm::ArrayRef<uint8_t> bmodel,
                                       llvm::ArrayRef<Tensor> inputs,
                                       llvm::ArrayRef<Tensor> want,
                                       llvm::ArrayRef<Value *> outs);

/// The largest relative difference a --cmp comparison accepts.
constexpr double kCmpTolerance = 1e-3;

} // namespace onntc

#endif
