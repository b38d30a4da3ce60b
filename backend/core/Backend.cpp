//===- Backend.cpp - the compile driver: check, plan, lower, emit ---------===//

#include "backend/core/Backend.h"
#include "backend/core/NetProfile.h"
#include "backend/core/OpHooks.h"
#include "backend/core/Pipeline.h"

#include "isa/Encoding.h"
#include "isa/Layout.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <map>

using namespace onntc;
using namespace onntc::backend;

namespace {

std::string describeNode(const Node &n) {
  std::string name = n.loc().node.empty() ? n.name() : n.loc().node;
  std::string type =
      n.loc().opType.empty() ? n.info().name.str() : n.loc().opType;
  return "'" + name + "' (" + type + ")";
}

/// Every node the backend cannot lower, as one error.
llvm::Error checkGraph(const Graph &g, const isa::TargetInfo &t) {
  std::vector<std::string> problems;
  std::map<std::string, unsigned> unsupportedTypes;
  // f32 inputs, and the integer inputs of an INT8 net (quantized values,
  // accumulators).
  auto ioType = [](DType d) {
    return d == DType::F32 || d == DType::I8 || d == DType::U8 ||
           d == DType::I16 || d == DType::I32;
  };
  for (const Value *v : g.inputs())
    if (!v->shape().isStatic() || !ioType(v->dtype()))
      problems.push_back("graph input '" + v->name() +
                         "' must be a static f32, i8, u8, i16 or i32 "
                         "tensor (got " +
                         v->type().str() + ")");
  for (const auto &np : g.nodes()) {
    const Node &n = *np;
    const LoweringRow *row = loweringRow(n.kind());
    if (!row) {
      ++unsupportedTypes[n.info().name.str()];
      problems.push_back("node " + describeNode(n) +
                         ": no backend lowering for this op");
      continue;
    }
    if (llvm::Error e = row->check(n, t))
      problems.push_back(llvm::toString(std::move(e)));
  }
  if (problems.empty())
    return llvm::Error::success();
  std::string msg;
  llvm::raw_string_ostream os(msg);
  os << problems.size() << " node(s) cannot be lowered to " << t.name;
  if (!unsupportedTypes.empty()) {
    os << " (unsupported op types:";
    for (const auto &kv : unsupportedTypes)
      os << " " << kv.first;
    os << ")";
  }
  os << "; CPU subnets are not implemented yet, so the model needs "
        "rewriting or a newer backend:";
  for (const std::string &p : problems)
    os << "\n  " << p;
  return llvm::createStringError(llvm::inconvertibleErrorCode(), os.str());
}

/// Runs every row over the graph: global rows emit their moves, local rows
/// go through the tile pipeline.
llvm::Error lowerAll(const Graph &g, LowerContext &ctx, uint32_t &lowered) {
  uint32_t tag = 0;
  for (const auto &np : g.nodes()) {
    const Node &n = *np;
    ++tag;
    if (ctx.plan().fusedInto.count(&n))
      continue;
    ctx.stream().setTag(tag);
    const LoweringRow *row = loweringRow(n.kind());
    if (row->global) {
      if (llvm::Error e = row->global(n, ctx))
        return e;
    } else {
      auto op = row->local(n, ctx);
      if (!op)
        return op.takeError();
      if (llvm::Error e = runLocalOp(n, **op, ctx))
        return e;
    }
    if (n.kind() != OpKind::Constant)
      ++lowered;
  }
  return llvm::Error::success();
}

/// The bmodel element type of an IO value (the checks admit only these).
bmodel::DType ioDType(DType t) {
  switch (t) {
  case DType::F16:
    return bmodel::DType::F16;
  case DType::BF16:
    return bmodel::DType::BF16;
  case DType::I8:
    return bmodel::DType::I8;
  case DType::U8:
    return bmodel::DType::U8;
  case DType::I16:
    return bmodel::DType::I16;
  case DType::U16:
    return bmodel::DType::U16;
  case DType::I32:
    return bmodel::DType::I32;
  default:
    return bmodel::DType::F32;
  }
}

/// An IO tensor: its dtype, and for a quantized value (an INT8 net's input
/// or output) its per-tensor scale and zero point, as the SDK's bmodels
/// carry them.
bmodel::TensorInfo ioTensor(const Value *v, uint64_t addr) {
  bmodel::TensorInfo ti;
  ti.name = v->name();
  ti.dtype = ioDType(v->dtype());
  ti.deviceAddr = addr;
  ti.size = uint64_t(std::max<int64_t>(v->shape().numElements(), 1)) *
            dtypeSize(v->dtype());
  if (const auto &q = v->type().quant)
    if (q->scale.size() == 1) {
      ti.scale = q->scale[0];
      ti.zeroPoint = q->zeroPoint.empty() ? 0 : q->zeroPoint[0];
    }
  bmodel::Shape s;
  for (int64_t d : v->shape().dims())
    s.push_back(uint64_t(d));
  ti.shapes.push_back(std::move(s));
  return ti;
}

} // namespace

llvm::Expected<CompiledModel>
backend::compileToBModel(const Graph &g, const isa::TargetInfo &target,
                         const BackendOptions &opts) {
  if (llvm::Error e = checkGraph(g, target))
    return e;
  auto plan = planMemory(g, target, opts);
  if (!plan)
    return plan.takeError();

  // Pass 1 only sizes the coeff blob (it does not depend on where the
  // neuron region goes); pass 2 places the neuron region after it.
  uint64_t coeffSize;
  {
    LowerContext probe(target, *plan, target.coeffStartAddr, opts);
    uint32_t unused = 0;
    if (llvm::Error e = lowerAll(g, probe, unused))
      return e;
    coeffSize = probe.coeffBytes().size();
  }
  uint64_t ctxAddr =
      isa::alignUp(target.coeffStartAddr + coeffSize, target.gmemAlignment);
  LowerContext ctx(target, *plan, ctxAddr, opts);
  CompiledModel out;
  if (llvm::Error e = lowerAll(g, ctx, out.stats.loweredOps))
    return e;

  bmodel::StageInfo stage;
  for (const Value *v : g.inputs())
    stage.inputs.push_back(ioTensor(v, ctx.addressOf(v)));
  for (const Value *v : g.outputs()) {
    if (ctx.constant(v))
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          "graph output '" + v->name() +
              "' is a constant; the backend needs outputs computed by the net");
    stage.outputs.push_back(ioTensor(v, ctx.addressOf(v)));
  }
  stage.ctxAddr = ctxAddr;
  stage.ctxSize = plan->neuronSize;
  bmodel::CoeffInfo coeff =
      out.writer.addCoeff(ctx.coeffBytes(), target.coeffStartAddr);
  coeff.locations = ctx.locations();
  stage.coeff = std::move(coeff);

  bmodel::SubNetInfo sub;
  sub.mode = bmodel::SubnetMode::Tpu;
  sub.id = 0;
  sub.inputs = stage.inputs;
  sub.outputs = stage.outputs;
  for (CmdGroupCmds &grp : ctx.stream().groups()) {
    if (grp.bdc.empty() && grp.gdma.empty())
      continue;
    auto bdcBytes = isa::encodeStream(grp.bdc);
    if (!bdcBytes)
      return bdcBytes.takeError();
    auto gdmaBytes = isa::encodeStream(grp.gdma);
    if (!gdmaBytes)
      return gdmaBytes.takeError();
    bmodel::CmdGroupInfo cg;
    cg.bdcNum = uint32_t(grp.bdc.size());
    cg.gdmaNum = uint32_t(grp.gdma.size());
    if (cg.bdcNum)
      cg.bdc = out.writer.addBlob(*bdcBytes);
    if (cg.gdmaNum)
      cg.gdma = out.writer.addBlob(*gdmaBytes);
    cg.bdcCmdByte = cg.bdcNum * isa::kCmdBytes;
    cg.gdmaCmdByte = cg.gdmaNum * isa::kCmdBytes;
    sub.cmdGroups.push_back(cg);
    out.stats.bdcCommands += cg.bdcNum;
    out.stats.gdmaCommands += cg.gdmaNum;
  }
  out.stats.cmdGroups = uint32_t(sub.cmdGroups.size());
  stage.subnets.push_back(std::move(sub));

  // --enable_profile: per-layer counts and estimated cycles (NetProfile.h).
  if (opts.enableProfile) {
    std::string prof = buildNetProfile(g, *plan, target, ctx.stream().groups());
    stage.netProfile = out.writer.addBlob(llvm::ArrayRef<uint8_t>(
        reinterpret_cast<const uint8_t *>(prof.data()), prof.size()));
  }

  bmodel::NetInfo net;
  net.name = opts.netName;
  net.stages.push_back(std::move(stage));
  out.model.chip = target.name.upper();
  out.model.nets.push_back(std::move(net));

  out.stats.coeffBytes = ctx.coeffBytes().size();
  out.stats.neuronBytes = plan->neuronSize;
  out.stats.unsharedActivationBytes = plan->unsharedBytes;
  out.stats.estimatedSerialCycles = ctx.stream().serialCycles();
  return out;
}

llvm::Error backend::compileToBModelFile(const Graph &g,
                                         const isa::TargetInfo &target,
                                         llvm::StringRef path,
                                         const BackendOptions &opts,
                                         CompileStats *stats) {
  auto cm = compileToBModel(g, target, opts);
  if (!cm)
    return cm.takeError();
  if (stats)
    *stats = cm->stats;
  return cm->writer.writeAtomic(path, cm->model);
}
