#include "frontends/common/CompileDriver.h"
#include "backend/core/Backend.h"
#include "backend/isa/Target.h"

#include "frontends/common/Npy.h"
#include "frontends/common/OutputDir.h"
#include "frontends/common/RefData.h"

#include "ir/Diagnostics.h"
#include "ir/Interpreter.h"
#include "ir/PassManager.h"
#include "ir/Printer.h"
#include "ir/Verifier.h"
#include "runtime/api/Runtime.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"

#include <chrono>
#include <cmath>

namespace onntc {

std::vector<std::string> normalizeSdkArgs(int argc, const char *const *argv) {
  std::vector<std::string> out;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (i > 0) {
      llvm::StringRef s(a);
      // -opt=2 / -target BM1684: one dash and a multi-letter name.
      if (s.size() > 2 && s[0] == '-' && s[1] != '-' && llvm::isAlpha(s[1]) &&
          (s.size() > 2 && (llvm::isAlnum(s[2]) || s[2] == '_')))
        a = "-" + a;
      llvm::StringRef t(a);
      if (t == "--v" || t == "-v")
        a = "--log_level";
      else if (t.startswith("--v=") || t.startswith("-v="))
        a = "--log_level=" + t.split('=').second.str();
    }
    out.push_back(a);
  }
  return out;
}

namespace {

std::string describeValues(llvm::ArrayRef<Value *> vs) {
  std::string s;
  for (Value *v : vs)
    s += (s.empty() ? "" : ", ") + v->name() + " " + v->type().str();
  return s;
}

/// Largest |a-b| / (1+|b|) over all outputs; shapes/dtypes must agree.
llvm::Expected<double> maxRelDiff(llvm::ArrayRef<Tensor> a,
                                  llvm::ArrayRef<Tensor> b,
                                  llvm::ArrayRef<Value *> outs) {
  double worst = 0.0;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].type() != b[i].type())
      return makeError("output '" + outs[i]->name() + "' is " +
                       a[i].type().str() + " after optimisation but " +
                       b[i].type().str() + " before");
    for (int64_t k = 0; k < a[i].numElements(); ++k) {
      double x = a[i].getDouble(k), y = b[i].getDouble(k);
      if (std::isnan(x) && std::isnan(y))
        continue;
      if (x == y)
        continue;
      double d = std::fabs(x - y) / (1.0 + std::fabs(y));
      if (!(d <= worst))
        worst = std::isnan(d) ? INFINITY : d;
    }
  }
  return worst;
}

/// Runs a compiled bmodel on the cmodel through the runtime with `inputs`
/// and returns its outputs as IR tensors (f32 nets only).
llvm::Expected<std::vector<Tensor>>
runOnCModel(llvm::ArrayRef<uint8_t> bmodelBytes, llvm::ArrayRef<Tensor> inputs,
            llvm::ArrayRef<Value *> outs, runtime::LaunchProfile &profile) {
  runtime::Context rt;
  if (llvm::Error e = rt.loadBModelData(bmodelBytes, "compilation.bmodel"))
    return std::move(e);
  std::vector<runtime::Tensor> rin;
  for (const Tensor &t : inputs) {
    runtime::Tensor r;
    r.dtype = bmodel::DType::F32;
    for (int64_t d : t.shape().dims())
      r.shape.push_back(uint64_t(d));
    r.data.assign(t.raw(), t.raw() + t.byteSize());
    rin.push_back(std::move(r));
  }
  auto res = rt.launch(size_t(0), rin);
  if (!res)
    return res.takeError();
  profile = res->profile;
  std::vector<Tensor> got;
  for (size_t i = 0; i < res->outputs.size() && i < outs.size(); ++i) {
    Tensor t(DType::F32, outs[i]->shape());
    if (res->outputs[i].data.size() != t.byteSize())
      return makeError("cmodel output '" + outs[i]->name() +
                       "' has an unexpected size");
    std::copy(res->outputs[i].data.begin(), res->outputs[i].data.end(),
              t.raw());
    got.push_back(std::move(t));
  }
  return got;
}

/// Writes a module as text into the stage; records the sidecar if any.
llvm::Error writeIR(const Module &m, StagedOutputDir &stage,
                    llvm::StringRef base) {
  std::string tir = (base + ".tir").str(), weights = (base + ".weights").str();
  if (llvm::Error e = writeModuleFiles(m, stage.stagedPath(tir)))
    return e;
  stage.addFile(tir);
  if (llvm::sys::fs::exists(stage.stagedPath(weights)))
    stage.addFile(weights);
  return llvm::Error::success();
}

} // namespace

llvm::Error runCompile(const FrontendOptions &opts, llvm::StringRef tool,
                       ImportCallback import, llvm::raw_ostream &log) {
  using Clock = std::chrono::steady_clock;
  auto t0 = Clock::now();
  llvm::raw_null_ostream null;
  auto info = [&](int level) -> llvm::raw_ostream & {
    if (opts.logLevel < level)
      return null;
    return log << "[" << tool << "] ";
  };

  // 1. The output directory can be written (before any expensive work).
  auto stage = StagedOutputDir::create(opts.outdir);
  if (!stage)
    return stage.takeError();

  // 2. Import and verify.
  auto module = import();
  if (!module)
    return module.takeError();
  Module &m = **module;
  m.name = opts.netName;
  m.target = targetName(opts.target).str();
  Graph &g = m.graph;
  if (llvm::Error e = verifyGraph(g))
    return e;
  info(0) << "net '" << opts.netName << "' for " << targetName(opts.target)
          << ": " << g.numNodes() << " nodes after import\n";
  info(0) << "inputs: " << describeValues(g.inputs()) << "\n";
  info(0) << "outputs: " << describeValues(g.outputs()) << "\n";
  for (Value *v : g.inputs())
    if (!v->shape().isStatic())
      return makeError("input '" + v->name() + "' still has dynamic shape " +
                       v->shape().str() + "; give static shapes with --shapes");
  if (opts.dyn)
    info(0) << "note: the backend compiles static nets only; --dyn is "
               "ignored and the bmodel is for the --shapes given\n";
  if (opts.emit == EmitKind::IR)
    if (llvm::Error e = writeIR(m, **stage, opts.netName + ".imported"))
      return e;

  // 3. Reference inputs.
  std::vector<InputSpec> specs;
  for (Value *v : g.inputs())
    specs.push_back({v->name(), v->type()});
  std::vector<Tensor> inputs;
  if (!opts.testInput.empty()) {
    auto arrays = readNumpyFile(opts.testInput);
    if (!arrays)
      return arrays.takeError();
    auto bound = bindTestInputs(std::move(*arrays), specs, opts.testInput);
    if (!bound)
      return bound.takeError();
    inputs = std::move(*bound);
    info(1) << "reference inputs from " << opts.testInput << "\n";
  } else {
    auto gen = generateInputs(specs, opts.descs, opts.seed);
    if (!gen)
      return gen.takeError();
    inputs = std::move(*gen);
    info(1) << "reference inputs: random (seed " << opts.seed << ")\n";
  }

  KernelContext kernels(0);
  // 4. With --cmp, the imported graph's outputs check the optimiser.
  std::vector<Tensor> before;
  if (opts.cmp) {
    auto r = runGraph(g, inputs, kernels);
    if (!r)
      return r.takeError();
    before = std::move(*r);
  }

  // 5. Optimise.
  PipelineOptions popts;
  popts.passes = opts.opt == 0 ? "infer-types" : "optimize";
  popts.verifyEach = opts.logLevel >= 3;
  llvm::StringMap<int64_t> stats;
  if (llvm::Error e = runPipeline(m, popts, kernels, &stats))
    return e;
  m.stage = IRStage::Optimized;
  info(0) << "optimised (--opt " << opts.opt << ", passes '" << popts.passes
          << "'): " << g.numNodes() << " nodes\n";
  if (opts.logLevel >= 2)
    for (const auto &s : stats)
      info(2) << "  " << s.getKey() << " = " << s.getValue() << "\n";

  // 6. Reference outputs.
  auto outs = runGraph(g, inputs, kernels);
  if (!outs)
    return outs.takeError();
  if (opts.cmp) {
    auto diff = maxRelDiff(*outs, before, g.outputs());
    if (!diff)
      return diff.takeError();
    info(0) << "compare optimised vs imported graph: max relative difference "
            << llvm::format("%.3g", *diff) << "\n";
    if (!(*diff <= 1e-3))
      return makeError("the optimised graph's outputs differ from the imported "
                       "graph's (max relative difference " +
                       std::to_string(*diff) +
                       "); rerun with --opt=0 and report this model");
  }

  // 7. The backend: compilation.bmodel; with --cmp, run on the cmodel.
  const isa::TargetInfo *tinfo = isa::lookupTarget(targetName(opts.target));
  if (!tinfo)
    return makeError("no backend target " + targetName(opts.target).str());
  backend::BackendOptions bopts;
  bopts.netName = opts.netName;
  auto compiled = backend::compileToBModel(g, *tinfo, bopts);
  if (!compiled)
    return compiled.takeError();
  auto bmodelBytes = compiled->writer.serialize(compiled->model);
  if (!bmodelBytes)
    return bmodelBytes.takeError();
  const backend::CompileStats &bs = compiled->stats;
  info(0) << "backend: " << bs.loweredOps << " layers, " << bs.bdcCommands
          << " BDC + " << bs.gdmaCommands << " GDMA commands in "
          << bs.cmdGroups << " group(s); coeff " << bs.coeffBytes
          << " B, neuron " << bs.neuronBytes << " B\n";
  if (opts.cmp) {
    runtime::LaunchProfile prof;
    auto got = runOnCModel(*bmodelBytes, inputs, g.outputs(), prof);
    if (!got)
      return got.takeError();
    auto diff = maxRelDiff(*got, *outs, g.outputs());
    if (!diff)
      return diff.takeError();
    info(0) << "compare cmodel vs reference: max relative difference "
            << llvm::format("%.3g", *diff) << "; simulated "
            << llvm::format("%.3f", prof.latencyUs / 1000.0) << " ms ("
            << prof.totalCycles << " cycles), simulator wall "
            << llvm::format("%.2f", prof.simWallUs / 1e6) << " s\n";
    if (!(*diff <= 1e-3))
      return makeError("the bmodel's outputs on the cmodel differ from the "
                       "reference (max relative difference " +
                       std::to_string(*diff) +
                       "); rerun with --cmp=false to keep the files and "
                       "report this model");
  }

  // 8. Write everything at once.
  std::string in = encodeRefData(inputs), out = encodeRefData(*outs);
  if (llvm::Error e = (*stage)->writeFile("input_ref_data.dat", in))
    return e;
  if (llvm::Error e = (*stage)->writeFile("output_ref_data.dat", out))
    return e;
  if (llvm::Error e = writeIR(m, **stage, opts.netName))
    return e;
  if (llvm::Error e = (*stage)->writeFile(
          "compilation.bmodel",
          llvm::StringRef(reinterpret_cast<const char *>(bmodelBytes->data()),
                          bmodelBytes->size())))
    return e;
  if (llvm::Error e = (*stage)->commit())
    return e;
  for (const std::string &f : (*stage)->files())
    info(0) << "wrote " << opts.outdir << "/" << f << "\n";
  double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  info(0) << llvm::format("done in %.2f s", secs) << "\n";
  return llvm::Error::success();
}

} // namespace onntc
