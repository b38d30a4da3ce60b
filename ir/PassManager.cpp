//===- PassManager.cpp - running pipelines --------------------------------===//
#include "ir/PassManager.h"

#include "ir/Diagnostics.h"
#include "ir/Verifier.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Format.h"

#include <chrono>

namespace onntc {

#define PASS(Id, Arg, Desc, MinStage, MaxStage)                                \
  llvm::Error run##Id##Pass(Module &m, PassContext &ctx);
#include "ir/Passes.def"

namespace {

const PassInfo kPasses[] = {
#define PASS(Id, Arg, Desc, MinStage, MaxStage)                                \
  {Arg, Desc, IRStage::MinStage, IRStage::MaxStage, &run##Id##Pass},
#include "ir/Passes.def"
};

const PipelineInfo kPipelines[] = {
#define PIPELINE(Name, Desc, ResultStage, Passes)                              \
  {Name, Desc, IRStage::ResultStage, Passes},
#include "ir/Passes.def"
};

/// One step of an expanded pipeline: a pass, or the stage change at the end
/// of a named pipeline.
struct Step {
  const PassInfo *pass = nullptr;
  std::optional<IRStage> setStage;
};

std::string knownNames() {
  std::string s;
  for (const PipelineInfo &p : kPipelines)
    s += (s.empty() ? "" : ", ") + p.name.str();
  for (const PassInfo &p : kPasses)
    s += (s.empty() ? "" : ", ") + p.argument.str();
  return s;
}

llvm::Error expandInto(llvm::StringRef passes, std::vector<Step> &out,
                       unsigned depth) {
  llvm::SmallVector<llvm::StringRef, 16> parts;
  passes.split(parts, ',', -1, /*KeepEmpty=*/false);
  for (llvm::StringRef raw : parts) {
    llvm::StringRef name = raw.trim();
    if (name.empty())
      continue;
    if (const PipelineInfo *pl = findPipeline(name)) {
      if (depth > 8)
        return makeError("pipeline '" + name + "' nests too deeply");
      if (llvm::Error e = expandInto(pl->passes, out, depth + 1))
        return e;
      out.push_back({nullptr, pl->resultStage});
      continue;
    }
    const PassInfo *p = findPass(name);
    if (!p)
      return makeError("unknown pass or pipeline '" + name +
                       "' (known: " + knownNames() + ")");
    out.push_back({p, std::nullopt});
  }
  return llvm::Error::success();
}

} // namespace

llvm::ArrayRef<PassInfo> allPasses() { return kPasses; }

const PassInfo *findPass(llvm::StringRef argument) {
  for (const PassInfo &p : kPasses)
    if (p.argument == argument)
      return &p;
  return nullptr;
}

llvm::ArrayRef<PipelineInfo> allPipelines() { return kPipelines; }

const PipelineInfo *findPipeline(llvm::StringRef name) {
  for (const PipelineInfo &p : kPipelines)
    if (p.name == name)
      return &p;
  return nullptr;
}

llvm::Expected<std::vector<std::string>>
expandPipeline(llvm::StringRef passes) {
  std::vector<Step> steps;
  if (llvm::Error e = expandInto(passes, steps, 0))
    return e;
  std::vector<std::string> out;
  for (const Step &s : steps)
    if (s.pass)
      out.push_back(s.pass->argument.str());
  return out;
}

llvm::Error runPipeline(Module &m, const PipelineOptions &opts,
                        KernelContext &kernels,
                        llvm::StringMap<int64_t> *stats) {
  std::vector<Step> steps;
  if (llvm::Error e = expandInto(opts.passes, steps, 0))
    return e;
  for (const std::string &p : opts.printAfter)
    if (!findPass(p))
      return makeError("--print-after: unknown pass '" + p +
                       "' (known: " + knownNames() + ")");
  if (!opts.stopAfter.empty()) {
    if (!findPass(opts.stopAfter))
      return makeError("--stop-after: unknown pass '" + opts.stopAfter +
                       "' (known: " + knownNames() + ")");
    if (!llvm::any_of(steps, [&](const Step &s) {
          return s.pass && s.pass->argument == opts.stopAfter;
        }))
      return makeError("--stop-after: pass '" + opts.stopAfter +
                       "' is not part of the pipeline '" + opts.passes + "'");
  }

  llvm::raw_ostream &os = opts.printStream ? *opts.printStream : llvm::errs();
  llvm::StringMap<int64_t> localStats;
  PassContext ctx{opts, kernels, stats ? *stats : localStats};
  for (const Step &step : steps) {
    if (!step.pass) {
      m.stage = *step.setStage;
      continue;
    }
    const PassInfo &p = *step.pass;
    if (m.stage < p.minStage || m.stage > p.maxStage)
      return makeError(
          "pass '" + p.argument + "' works on " + stageName(p.minStage) +
          (p.minStage == p.maxStage ? ""
                                    : " to " + stageName(p.maxStage).str()) +
          " modules, but module '" + m.name + "' is " + stageName(m.stage));
    auto t0 = std::chrono::steady_clock::now();
    if (llvm::Error e = p.run(m, ctx))
      return makeError("pass '" + p.argument +
                       "' failed: " + llvm::toString(std::move(e)));
    if (opts.timing) {
      double ms = std::chrono::duration<double, std::milli>(
                      std::chrono::steady_clock::now() - t0)
                      .count();
      os << llvm::format("pass %-16s %9.3f ms\n", p.argument.str().c_str(), ms);
    }
    if (opts.verifyEach)
      if (llvm::Error e = verifyGraphKeepTypes(m.graph))
        return makeError("the IR is invalid after pass '" + p.argument +
                         "': " + llvm::toString(std::move(e)));
    if (opts.printAfterAll || llvm::is_contained(opts.printAfter, p.argument)) {
      os << "// -----// IR after " << p.argument << " //----- //\n";
      printModule(m, os, opts.printOptions);
      os.flush();
    }
    if (p.argument == opts.stopAfter)
      break;
  }
  return llvm::Error::success();
}

} // namespace onntc
