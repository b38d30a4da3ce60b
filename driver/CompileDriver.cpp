#include "driver/CompileDriver.h"
#include "driver/OutputDir.h"
#include "driver/RefData.h"

#include "ir/Diagnostics.h"
#include "ir/Printer.h"
#include "quantizer/UModel.h"
#include "support/IntMath.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"

#include <chrono>
#include <cmath>

namespace onntc {

namespace {

std::string describeValues(llvm::ArrayRef<Value *> vs) {
  std::string s;
  for (Value *v : vs)
    s += (s.empty() ? "" : ", ") + v->name() + " " + v->type().str();
  return s;
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

/// The reference inputs of an INT8 net: inputs it takes as INT8 are
/// quantized with their scale, as the net's own quantize op would.
llvm::Expected<std::vector<Tensor>>
quantizeInputs(const Graph &g, std::vector<Tensor> inputs) {
  for (size_t i = 0; i < inputs.size() && i < g.inputs().size(); ++i) {
    const Value *v = g.inputs()[i];
    if (v->dtype() == inputs[i].dtype())
      continue;
    if (!v->type().quant || inputs[i].dtype() != DType::F32)
      return makeError("input '" + v->name() + "' is " + v->type().str() +
                       " but the reference input is " +
                       dtypeName(inputs[i].dtype()).str());
    const QuantParams &q = *v->type().quant;
    Tensor t(v->dtype(), inputs[i].shape());
    float mul = float(1.0 / double(q.scale[0]));
    const float *x = inputs[i].data<float>();
    for (int64_t k = 0; k < t.numElements(); ++k)
      t.setInt(k, support::quantizeF32(x[k], mul, q.zeroPoint[0], v->dtype() == DType::U8 ? 0 : -128,
                                      v->dtype() == DType::U8 ? 255 : 127));
    inputs[i] = std::move(t);
  }
  return inputs;
}

/// Cosine between an INT8 net's output (dequantized with its type's scale)
/// and the FP32 net's.
double outputCosine(const Tensor &got, const Value *v, const Tensor &want) {
  Tensor g = got.castTo(DType::F32), w = want.castTo(DType::F32);
  float scale = 1;
  int32_t zp = 0;
  if (v->type().quant && got.dtype() != DType::F32)
    scale = v->type().quant->scale[0], zp = v->type().quant->zeroPoint[0];
  double dot = 0, na = 0, nb = 0;
  for (int64_t i = 0; i < g.numElements() && i < w.numElements(); ++i) {
    double a = (double(g.data<float>()[i]) - zp) * scale, b = w.data<float>()[i];
    dot += a * b, na += a * a, nb += b * b;
  }
  if (na == 0 && nb == 0)
    return 1;
  return dot / std::sqrt(std::max(na * nb, 1e-300));
}

llvm::StringRef asText(llvm::ArrayRef<uint8_t> bytes) {
  return llvm::StringRef(reinterpret_cast<const char *>(bytes.data()),
                         bytes.size());
}

/// --mode=GenUmodel: import and optimise, then write the FP32 umodel and its
/// test prototxt (quantizer/UModel.h) instead of a bmodel.
template <typename Log>
llvm::Error runGenUmodel(const FrontendOptions &opts, llvm::StringRef tool,
                         ImportCallback import, Log &info) {
  if (opts.emit != EmitKind::None)
    return makeError("--emit=" + emitKindName(opts.emit) +
                     " stops a compile; --mode=GenUmodel writes no bmodel");
  auto stage = StagedOutputDir::create(opts.outdir);
  if (!stage)
    return stage.takeError();
  auto module = importStage(opts, import);
  if (!module)
    return module.takeError();
  KernelContext kernels(0);
  if (llvm::Error e = optimizeStage(**module, opts, kernels))
    return e;
  if (llvm::Error e = writeFp32Umodel(**module, (*stage)->stagedPath(""),
                                      opts.netName, tool))
    return e;
  (*stage)->addFile(fp32UmodelName(opts.netName, tool));
  (*stage)->addFile(fp32TestProtoName(opts.netName, tool));
  if (llvm::Error e = (*stage)->commit())
    return e;
  for (const std::string &f : (*stage)->files())
    info(0) << "wrote " << opts.outdir << "/" << f << "\n";
  info(0) << "next: point the Data layer of the test prototxt at a "
             "calibration LMDB (convert_imageset) and run "
             "calibration_use_pb quantize\n";
  return llvm::Error::success();
}

} // namespace

llvm::Error runCompile(const FrontendOptions &opts, llvm::StringRef tool,
                       ImportCallback import, llvm::raw_ostream &log,
                       const QuantizeCallback &quantize) {
  using Clock = std::chrono::steady_clock;
  auto t0 = Clock::now();
  llvm::raw_null_ostream null;
  auto info = [&](int level) -> llvm::raw_ostream & {
    if (opts.logLevel < level)
      return null;
    return log << "[" << tool << "] ";
  };
  if (opts.mode == CompileMode::GenUmodel)
    return runGenUmodel(opts, tool, import, info);
  if (opts.emit == EmitKind::QuantizedIR && !quantize)
    return makeError("--emit=quantized-ir stops after the quantize stage, "
                     "which only INT8 compiles have; this is an FP32 compile "
                     "(use --emit=ir, cmds or bmodel)");

  // The output directory can be written (before any expensive work).
  auto stage = StagedOutputDir::create(opts.outdir);
  if (!stage)
    return stage.takeError();

  // Import.
  auto module = importStage(opts, import);
  if (!module)
    return module.takeError();
  Module &m = **module;
  Graph &g = m.graph;
  info(0) << "net '" << opts.netName << "' for " << opts.target->name << ": "
          << g.numNodes() << " nodes after import\n";
  info(0) << "inputs: " << describeValues(g.inputs()) << "\n";
  info(0) << "outputs: " << describeValues(g.outputs()) << "\n";
  if (opts.dyn)
    info(0) << "note: the backend compiles static nets only; --dyn is "
               "ignored and the bmodel is for the --shapes given\n";
  if (opts.emit == EmitKind::IR)
    if (llvm::Error e = writeIR(m, **stage, opts.netName + ".imported"))
      return e;

  auto inputs = referenceInputs(g, opts);
  if (!inputs)
    return inputs.takeError();
  info(1) << "reference inputs: "
          << (opts.testInput.empty()
                  ? "random (seed " + std::to_string(opts.seed) + ")"
                  : "from " + opts.testInput)
          << "\n";

  KernelContext kernels(0);
  // With --cmp, the imported graph's outputs check the optimiser.
  std::vector<Tensor> before;
  if (opts.cmp) {
    auto r = referenceOutputs(g, *inputs, kernels);
    if (!r)
      return r.takeError();
    before = std::move(*r);
  }

  // Optimise.
  llvm::StringMap<int64_t> stats;
  if (llvm::Error e = optimizeStage(m, opts, kernels, &stats))
    return e;
  info(0) << "optimised (--opt " << opts.opt << ", passes '"
          << (opts.opt == 0 ? "infer-types" : "optimize")
          << "'): " << g.numNodes() << " nodes\n";
  if (opts.logLevel >= 2)
    for (const auto &s : stats)
      info(2) << "  " << s.getKey() << " = " << s.getValue() << "\n";

  // Reference outputs.
  auto outs = referenceOutputs(g, *inputs, kernels);
  if (!outs)
    return outs.takeError();
  if (opts.cmp) {
    auto diff = maxRelativeDifference(*outs, before, g.outputs());
    if (!diff)
      return diff.takeError();
    info(0) << "compare optimised vs imported graph: max relative difference "
            << llvm::format("%.3g", *diff) << "\n";
    if (!(*diff <= kCmpTolerance))
      return makeError("the optimised graph's outputs differ from the imported "
                       "graph's (max relative difference " +
                       std::to_string(*diff) +
                       "); rerun with --opt=0 and report this model");
  }
  // Quantize: the reference becomes the INT8 net's.
  if (quantize) {
    std::vector<Tensor> fpOuts = std::move(*outs);
    auto summary = quantize(m);
    if (!summary)
      return summary.takeError();
    info(0) << "quantized: " << *summary << "\n";
    auto qin = quantizeInputs(g, *inputs);
    if (!qin)
      return qin.takeError();
    *inputs = std::move(*qin);
    outs = referenceOutputs(g, *inputs, kernels);
    if (!outs)
      return outs.takeError();
    for (size_t i = 0; i < outs->size() && i < fpOuts.size(); ++i) {
      Value *v = g.outputs()[i];
      info(0) << "INT8 vs FP32 reference, output '" << v->name() << "' ("
              << dtypeName(v->dtype()) << "): cosine "
              << llvm::format("%.6f", outputCosine((*outs)[i], v, fpOuts[i]))
              << "\n";
    }
  }
  if (llvm::Error e =
          (*stage)->writeFile("input_ref_data.dat", encodeRefData(*inputs)))
    return e;
  if (llvm::Error e =
          (*stage)->writeFile("output_ref_data.dat", encodeRefData(*outs)))
    return e;
  if (llvm::Error e = writeIR(m, **stage, opts.netName))
    return e;

  // Lower and emit: compilation.bmodel; with --cmp, check on the cmodel.
  if (opts.emit != EmitKind::IR && opts.emit != EmitKind::QuantizedIR) {
    auto net = lowerStage(g, opts);
    if (!net)
      return net.takeError();
    info(0) << "backend: " << net->layers << " layers, " << net->bdcCommands
            << " BDC + " << net->gdmaCommands << " GDMA commands in "
            << net->cmdGroups << " group(s); coeff " << net->coeffBytes
            << " B, neuron " << net->neuronBytes << " B\n";
    if (opts.emit == EmitKind::Cmds) {
      auto text = disassembleBModel(net->bmodel);
      if (!text)
        return text.takeError();
      if (llvm::Error e = (*stage)->writeFile(opts.netName + ".cmds", *text))
        return e;
    } else {
      if (opts.cmp && opts.emit == EmitKind::None) {
        auto check = checkStage(net->bmodel, *inputs, *outs, g.outputs());
        if (!check)
          return check.takeError();
        info(0) << "compare cmodel vs reference: max relative difference "
                << llvm::format("%.3g", check->maxRelDiff) << "; simulated "
                << llvm::format("%.3f", check->latencyUs / 1000.0) << " ms ("
                << check->cycles << " cycles), simulator wall "
                << llvm::format("%.2f", check->simWallUs / 1e6) << " s\n";
        if (check->intMismatches)
          return makeError(
              "the bmodel's integer outputs on the cmodel differ from the "
              "INT8 reference in " +
              std::to_string(check->intMismatches) +
              " element(s) (they must match bit for bit); rerun with "
              "--cmp=false to keep the files and report this model");
        if (!(check->maxRelDiff <= kCmpTolerance))
          return makeError(
              "the bmodel's outputs on the cmodel differ from the "
              "reference (max relative difference " +
              std::to_string(check->maxRelDiff) +
              "); rerun with --cmp=false to keep the files and "
              "report this model");
      }
      if (llvm::Error e =
              (*stage)->writeFile("compilation.bmodel", asText(net->bmodel)))
        return e;
    }
  }

  // Write everything at once.
  if (llvm::Error e = (*stage)->commit())
    return e;
  if (opts.emit != EmitKind::None)
    info(0) << "stopped after --emit=" << emitKindName(opts.emit) << "\n";
  for (const std::string &f : (*stage)->files())
    info(0) << "wrote " << opts.outdir << "/" << f << "\n";
  double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  info(0) << llvm::format("done in %.2f s", secs) << "\n";
  return llvm::Error::success();
}

} // namespace onntc
