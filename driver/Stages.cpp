#include "driver/Stages.h"

#include "driver/Npy.h"
#include "driver/RefData.h"

#include "backend/core/Backend.h"
#include "bmodel/BModel.h"
#include "ir/Diagnostics.h"
#include "ir/Interpreter.h"
#include "ir/PassManager.h"
#include "ir/Verifier.h"
#include "isa/Encoding.h"
#include "runtime/api/Runtime.h"

#include "llvm/Support/raw_ostream.h"

#include <cmath>

namespace onntc {

llvm::Expected<std::unique_ptr<Module>>
importStage(const FrontendOptions &opts, ImportCallback import) {
  auto module = import();
  if (!module)
    return module.takeError();
  Module &m = **module;
  m.name = opts.netName;
  m.target = opts.target->name.str();
  if (llvm::Error e = verifyGraph(m.graph))
    return std::move(e);
  for (Value *v : m.graph.inputs())
    if (!v->shape().isStatic())
      return makeError("input '" + v->name() + "' still has dynamic shape " +
                       v->shape().str() + "; give static shapes with --shapes");
  return module;
}

llvm::Expected<std::vector<Tensor>>
referenceInputs(const Graph &g, const FrontendOptions &opts) {
  std::vector<InputSpec> specs;
  for (Value *v : g.inputs())
    specs.push_back({v->name(), v->type()});
  if (opts.testInput.empty())
    return generateInputs(specs, opts.descs, opts.seed);
  auto arrays = readNumpyFile(opts.testInput);
  if (!arrays)
    return arrays.takeError();
  return bindTestInputs(std::move(*arrays), specs, opts.testInput);
}

llvm::Error optimizeStage(Module &m, const FrontendOptions &opts,
                          KernelContext &kernels,
                          llvm::StringMap<int64_t> *stats) {
  PipelineOptions popts;
  popts.passes = opts.opt == 0 ? "infer-types" : "optimize";
  popts.verifyEach = opts.logLevel >= 3;
  if (llvm::Error e = runPipeline(m, popts, kernels, stats))
    return e;
  m.stage = IRStage::Optimized;
  return llvm::Error::success();
}

llvm::Expected<std::vector<Tensor>>
referenceOutputs(const Graph &g, llvm::ArrayRef<Tensor> inputs,
                 KernelContext &kernels) {
  return runGraph(g, inputs, kernels);
}

llvm::Expected<double> maxRelativeDifference(llvm::ArrayRef<Tensor> got,
                                             llvm::ArrayRef<Tensor> want,
                                             llvm::ArrayRef<Value *> outs) {
  if (got.size() != want.size() || want.size() != outs.size())
    return makeError("expected " + llvm::Twine(outs.size()) +
                     " outputs but got " + llvm::Twine(got.size()));
  double worst = 0.0;
  for (size_t i = 0; i < got.size(); ++i) {
    if (got[i].type() != want[i].type())
      return makeError("output '" + outs[i]->name() + "' is " +
                       got[i].type().str() + " but " + want[i].type().str() +
                       " was expected");
    for (int64_t k = 0; k < got[i].numElements(); ++k) {
      double x = got[i].getDouble(k), y = want[i].getDouble(k);
      if ((std::isnan(x) && std::isnan(y)) || x == y)
        continue;
      double d = std::fabs(x - y) / (1.0 + std::fabs(y));
      if (!(d <= worst))
        worst = std::isnan(d) ? INFINITY : d;
    }
  }
  return worst;
}

llvm::Expected<LoweredNet> lowerStage(const Graph &g,
                                      const FrontendOptions &opts) {
  backend::BackendOptions bopts;
  bopts.netName = opts.netName;
  bopts.enableProfile = opts.enableProfile;
  auto compiled = backend::compileToBModel(g, *opts.target, bopts);
  if (!compiled)
    return compiled.takeError();
  auto bytes = compiled->writer.serialize(compiled->model);
  if (!bytes)
    return bytes.takeError();
  const backend::CompileStats &s = compiled->stats;
  LoweredNet net;
  net.bmodel = std::move(*bytes);
  net.coeffBytes = s.coeffBytes;
  net.neuronBytes = s.neuronBytes;
  net.bdcCommands = s.bdcCommands;
  net.gdmaCommands = s.gdmaCommands;
  net.cmdGroups = s.cmdGroups;
  net.layers = s.loweredOps;
  return net;
}

llvm::Expected<std::string> disassembleBModel(llvm::ArrayRef<uint8_t> bytes) {
  auto model = bmodel::readBModelBytes(bytes, "compilation.bmodel");
  if (!model)
    return model.takeError();
  std::string text;
  llvm::raw_string_ostream os(text);
  auto dumpGroups = [&](llvm::ArrayRef<bmodel::CmdGroupInfo> groups,
                        const std::string &where) -> llvm::Error {
    for (size_t gi = 0; gi < groups.size(); ++gi) {
      const bmodel::CmdGroupInfo &grp = groups[gi];
      os << "# " << where << " cmd_group " << gi << ": " << grp.bdcNum
         << " BDC, " << grp.gdmaNum << " GDMA\n";
      if (grp.bdc) {
        os << "## BDC\n";
        if (llvm::Error e = isa::disassembleStream(model->bytes(*grp.bdc),
                                                   grp.bdcNum, os))
          return e;
      }
      if (grp.gdma) {
        os << "## GDMA\n";
        if (llvm::Error e = isa::disassembleStream(model->bytes(*grp.gdma),
                                                   grp.gdmaNum, os))
          return e;
      }
    }
    return llvm::Error::success();
  };
  for (const bmodel::NetInfo &net : model->info().nets)
    for (size_t si = 0; si < net.stages.size(); ++si) {
      const bmodel::StageInfo &st = net.stages[si];
      std::string where = "net " + net.name + " stage " + std::to_string(si);
      if (llvm::Error e = dumpGroups(st.cmdGroups, where))
        return std::move(e);
      for (size_t k = 0; k < st.subnets.size(); ++k)
        if (llvm::Error e = dumpGroups(st.subnets[k].cmdGroups,
                                       where + " subnet " + std::to_string(k)))
          return std::move(e);
    }
  os.flush();
  return text;
}

llvm::Expected<CModelCheck> checkStage(llvm::ArrayRef<uint8_t> bytes,
                                       llvm::ArrayRef<Tensor> inputs,
                                       llvm::ArrayRef<Tensor> want,
                                       llvm::ArrayRef<Value *> outs) {
  runtime::Context rt;
  if (llvm::Error e = rt.loadBModelData(bytes, "compilation.bmodel"))
    return std::move(e);
  std::vector<runtime::Tensor> rin;
  auto ioDType = [](DType d) {
    switch (d) {
    case DType::I8:
      return bmodel::DType::I8;
    case DType::U8:
      return bmodel::DType::U8;
    case DType::I16:
      return bmodel::DType::I16;
    case DType::I32:
      return bmodel::DType::I32;
    default:
      return bmodel::DType::F32;
    }
  };
  for (const Tensor &t : inputs) {
    runtime::Tensor r;
    r.dtype = ioDType(t.dtype());
    for (int64_t d : t.shape().dims())
      r.shape.push_back(uint64_t(d));
    r.data.assign(t.raw(), t.raw() + t.byteSize());
    rin.push_back(std::move(r));
  }
  auto res = rt.launch(size_t(0), rin);
  if (!res)
    return res.takeError();
  if (res->outputs.size() != outs.size())
    return makeError("the bmodel has " + llvm::Twine(res->outputs.size()) +
                     " outputs but the graph has " + llvm::Twine(outs.size()));
  std::vector<Tensor> got;
  for (size_t i = 0; i < outs.size(); ++i) {
    Tensor t(outs[i]->dtype(), outs[i]->shape());
    if (res->outputs[i].data.size() != t.byteSize())
      return makeError("cmodel output '" + outs[i]->name() +
                       "' has an unexpected size");
    std::copy(res->outputs[i].data.begin(), res->outputs[i].data.end(),
              t.raw());
    got.push_back(std::move(t));
  }
  auto diff = maxRelativeDifference(got, want, outs);
  if (!diff)
    return diff.takeError();
  CModelCheck c;
  c.maxRelDiff = *diff;
  for (size_t i = 0; i < got.size(); ++i)
    if (got[i].dtype() != DType::F32)
      for (int64_t k = 0; k < got[i].numElements(); ++k)
        if (got[i].getDouble(k) != want[i].getDouble(k))
          ++c.intMismatches;
  c.latencyUs = res->profile.latencyUs;
  c.cycles = res->profile.totalCycles;
  c.simWallUs = res->profile.simWallUs;
  return c;
}

} // namespace onntc
