//===- TirOpt.cpp - read textual IR, run passes, print it -----------------===//
//
// The textual-IR driver used by the lit tests and by anyone poking at a
// pipeline:  tir-opt model.tir --passes=constant-fold,dce -o out.tir
// Without -o the result goes to stdout; tensors loaded from the input's
// weights file stay references to it, new large tensors are printed inline
// as hex. With -o, out.tir and a fresh out.weights are written atomically.
//
//===----------------------------------------------------------------------===//
#include "ir/Parser.h"
#include "ir/PassManager.h"
#include "ir/Printer.h"
#include "ir/Weights.h"

#include "llvm/Support/raw_ostream.h"

#include <CLI/CLI.hpp>

using namespace onntc;

static int fail(llvm::Error e, bool prefix = true) {
  llvm::errs() << (prefix ? "tir-opt: error: " : "")
               << llvm::toString(std::move(e)) << "\n";
  return 1;
}

int main(int argc, char **argv) {
  CLI::App app{
      "tir-opt: parse OpenNNTC textual IR, run passes, print the result"};
  std::string input = "-", output;
  bool noVerify = false, listPasses = false, passStats = false,
       inlineWeights = false;
  std::string weightsDir;
  int64_t inlineLimit = 16;
  unsigned threads = 1;
  PipelineOptions popts;
  popts.passes = "";
  app.add_option("input", input, "input .tir file ('-' for stdin)");
  app.add_option(
      "-o,--output", output,
      "write the IR here (plus <name>.weights when needed) instead of stdout");
  app.add_flag("--no-verify", noVerify, "do not verify the IR after parsing");
  app.add_option(
      "--weights-dir", weightsDir,
      "directory for relative weights= paths (default: the input's directory)");
  app.add_option("--inline-limit", inlineLimit,
                 "largest tensor (elements) printed as a decimal literal");
  app.add_flag(
      "--inline-weights", inlineWeights,
      "print every tensor inline (hex above --inline-limit) instead of "
      "referring to the input's weights file");
  app.add_option("--threads", threads, "kernel threads for constant folding");
  app.add_flag("--list-passes", listPasses,
               "list passes and pipelines, then exit");
  app.add_flag("--pass-stats", passStats, "print pass counters to stderr");
  addPipelineOptions(app, popts);
  CLI11_PARSE(app, argc, argv);

  if (listPasses) {
    for (const PipelineInfo &p : allPipelines())
      llvm::outs() << "pipeline " << p.name << ": " << p.description
                   << "\n  = " << p.passes << "\n";
    for (const PassInfo &p : allPasses())
      llvm::outs() << "pass " << p.argument << " [" << stageName(p.minStage)
                   << ".." << stageName(p.maxStage) << "]: " << p.description
                   << "\n";
    return 0;
  }

  ParseOptions parseOpts;
  parseOpts.verify = !noVerify;
  parseOpts.weightsDir = weightsDir;
  auto parsed = parseModuleFile(input, parseOpts);
  if (!parsed)
    return fail(parsed.takeError(), /*prefix=*/false);
  Module &m = *parsed->module;

  PrintOptions printOpts;
  printOpts.inlineLimit = inlineLimit;
  if (!inlineWeights)
    printOpts.existing = parsed->weights.get();
  popts.printOptions.existing = parsed->weights.get();

  KernelContext kernels(threads);
  llvm::StringMap<int64_t> stats;
  if (!popts.passes.empty())
    if (llvm::Error e = runPipeline(m, popts, kernels, &stats))
      return fail(std::move(e));
  if (passStats) {
    std::vector<std::string> keys;
    for (auto &kv : stats)
      keys.push_back(kv.getKey().str());
    std::sort(keys.begin(), keys.end());
    for (const std::string &k : keys)
      llvm::errs() << "stat " << k << " = " << stats[k] << "\n";
  }

  if (!output.empty()) {
    if (llvm::Error e = writeModuleFiles(m, output, inlineLimit))
      return fail(std::move(e));
    return 0;
  }
  printModule(m, llvm::outs(), printOpts);
  return 0;
}
