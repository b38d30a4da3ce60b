//===- PassManager.h - passes, pipelines and their options -----*- C++ -*-===//
//
// Passes are declared in ir/Passes.def and implemented in ir/passes/. A
// pipeline is data: a comma-separated list of pass arguments and named
// pipelines ("optimize"). runPipeline runs it on a Module with the options
// of PipelineOptions (--print-after=, --print-after-all, --verify-each,
// --stop-after=, the constant-folding size limit); a failing pass stops the
// pipeline with its Error. Tools fill PipelineOptions from their command
// line (addPipelineOptions below does it for CLI11) and own the
// KernelContext that folding passes evaluate nodes with.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_IR_PASSMANAGER_H
#define ONNTC_IR_PASSMANAGER_H

#include "ir/Graph.h"
#include "ir/KernelContext.h"
#include "ir/Printer.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace onntc {

/// Everything that steers a pipeline run. No globals: tools own one of these.
struct PipelineOptions {
  /// Comma-separated pass arguments and pipeline names.
  std::string passes = "optimize";
  /// Print the module after each pass named here (pass arguments).
  std::vector<std::string> printAfter;
  bool printAfterAll = false;
  /// Run the verifier (structure and types) after every pass.
  bool verifyEach = false;
  /// Stop after the first run of this pass (must occur in the pipeline).
  std::string stopAfter;
  /// Constant folding leaves a node alone when its result has more elements
  /// than this and more than all its inputs together (so weights transposed
  /// or reshaped once still fold, but a small tensor tiled or expanded to a
  /// huge one does not).
  int64_t foldElementLimit = 1 << 16;
  /// Print the wall time of each pass to the print stream.
  bool timing = false;
  /// Where --print-after* and timing output goes; llvm::errs() when null.
  llvm::raw_ostream *printStream = nullptr;
  /// How --print-after* prints tensors (large ones are elided by default).
  PrintOptions printOptions = [] {
    PrintOptions o;
    o.elideAbove = 64;
    return o;
  }();
};

/// Handed to every pass.
struct PassContext {
  const PipelineOptions &options;
  KernelContext &kernels;
  /// Counters passes bump ("constant-fold.folded"); tools may print them.
  llvm::StringMap<int64_t> &stats;
};

using PassFn = llvm::Error (*)(Module &, PassContext &);

struct PassInfo {
  llvm::StringRef argument;
  llvm::StringRef description;
  IRStage minStage, maxStage;
  PassFn run;
};

struct PipelineInfo {
  llvm::StringRef name;
  llvm::StringRef description;
  IRStage resultStage;
  llvm::StringRef passes;
};

/// Every pass of Passes.def, in declaration order.
llvm::ArrayRef<PassInfo> allPasses();
const PassInfo *findPass(llvm::StringRef argument);
/// Every named pipeline of Passes.def.
llvm::ArrayRef<PipelineInfo> allPipelines();
const PipelineInfo *findPipeline(llvm::StringRef name);

/// Runs the pipeline of `opts` on `m`. Stops at the first failing pass (its
/// Error, naming the pass) or after `opts.stopAfter`. `stats` receives the
/// passes' counters when given.
llvm::Error runPipeline(Module &m, const PipelineOptions &opts,
                        KernelContext &kernels,
                        llvm::StringMap<int64_t> *stats = nullptr);

/// The pass arguments a pipeline string expands to (named pipelines
/// expanded); an error names the unknown entry and lists the known ones.
llvm::Expected<std::vector<std::string>> expandPipeline(llvm::StringRef passes);

/// Registers --passes, --print-after, --print-after-all, --verify-each,
/// --stop-after, --fold-limit and --pass-timing on a CLI11 app. A template so
/// that the IR library does not depend on CLI11; tools include CLI/CLI.hpp.
template <typename App> void addPipelineOptions(App &app, PipelineOptions &o) {
  app.add_option(
      "--passes", o.passes,
      "comma-separated passes and pipelines to run (default: optimize)");
  app.add_option("--print-after", o.printAfter,
                 "print the IR after this pass (repeatable)");
  app.add_flag("--print-after-all", o.printAfterAll,
               "print the IR after every pass");
  app.add_flag("--verify-each", o.verifyEach, "verify the IR after every pass");
  app.add_option("--stop-after", o.stopAfter, "stop after this pass");
  app.add_option(
      "--fold-limit", o.foldElementLimit,
      "largest result (elements) constant folding creates from smaller inputs");
  app.add_flag("--pass-timing", o.timing, "print the time each pass takes");
}

} // namespace onntc

#endif
