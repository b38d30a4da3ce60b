//===- Launch.cpp - running a stage on the cmodel -------------------------===//
//
// Implements the memory placement contract of docs/runtime.md: map coeffs
// at coeff_mem.address and a zeroed neuron region at ctx_addr, write the
// inputs at their device_addr, run the command groups, read the outputs.
//
//===----------------------------------------------------------------------===//
#include "runtime/api/RuntimeImpl.h"

#include "isa/Target.h"

#include <chrono>
#include <cstring>

using namespace onntc;
using namespace onntc::runtime;
using llvm::createStringError;
using llvm::inconvertibleErrorCode;

llvm::Expected<LaunchResult>
Context::launch(llvm::StringRef net, llvm::ArrayRef<Tensor> inputs, int stage) {
  std::optional<size_t> idx = netIndex(net);
  if (!idx)
    return createStringError(
        inconvertibleErrorCode(), "no net named '%s' is loaded (nets: %s)",
        net.str().c_str(), llvm::join(netNames(), ", ").c_str());
  return launch(*idx, inputs, stage);
}

llvm::Expected<LaunchResult>
Context::launch(size_t netIdx, llvm::ArrayRef<Tensor> inputs, int stage) {
  assert(netIdx < nets_.size() && "net index out of range");
  LoadedNet &ln = *nets_[netIdx];
  const NetDesc &d = ln.desc;
  if (!d.unsupportedReason.empty())
    return createStringError(
        inconvertibleErrorCode(), "%s: net '%s' cannot run on the cmodel: %s",
        d.file.c_str(), d.name.c_str(), d.unsupportedReason.c_str());
  if (inputs.size() != d.inputs.size())
    return createStringError(inconvertibleErrorCode(),
                             "net '%s' takes %zu inputs, %zu given",
                             d.name.c_str(), d.inputs.size(), inputs.size());
  std::vector<Shape> shapes;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Tensor &t = inputs[i];
    if (t.dtype != d.inputs[i].dtype)
      return createStringError(
          inconvertibleErrorCode(),
          "net '%s' input %zu '%s': dtype %s given, the net takes %s",
          d.name.c_str(), i, d.inputs[i].name.c_str(),
          bmodel::dtypeName(t.dtype).str().c_str(),
          bmodel::dtypeName(d.inputs[i].dtype).str().c_str());
    if (t.data.size() != t.byteSize())
      return createStringError(inconvertibleErrorCode(),
                               "net '%s' input %zu '%s': %zu data bytes for "
                               "shape %s (%llu expected)",
                               d.name.c_str(), i, d.inputs[i].name.c_str(),
                               t.data.size(), shapeText(t.shape).c_str(),
                               (unsigned long long)t.byteSize());
    shapes.push_back(t.shape);
  }
  unsigned st;
  if (stage < 0) {
    llvm::Expected<unsigned> s = selectStage(netIdx, shapes);
    if (!s)
      return s.takeError();
    st = *s;
  } else {
    if (unsigned(stage) >= d.stages.size())
      return createStringError(inconvertibleErrorCode(),
                               "net '%s' has %zu stages; stage %d does not "
                               "exist",
                               d.name.c_str(), d.stages.size(), stage);
    st = unsigned(stage);
    for (size_t i = 0; i < shapes.size(); ++i)
      if (bmodel::elementCount(shapes[i]) !=
          bmodel::elementCount(d.stages[st].inputShapes[i]))
        return createStringError(
            inconvertibleErrorCode(),
            "net '%s' stage %u: input '%s' has shape %s, the stage was "
            "compiled for %s",
            d.name.c_str(), st, d.inputs[i].name.c_str(),
            shapeText(shapes[i]).c_str(),
            shapeText(d.stages[st].inputShapes[i]).c_str());
  }
  return runStage(ln, st, inputs);
}

/// The narrowest IO dtype of a stage, as the ISA type the MAC peak is taken
/// for (int8 nets are measured against the int8 peak, f16 against f16).
static isa::DType macDType(const bmodel::StageInfo &st) {
  isa::DType best = isa::DType::F32;
  unsigned bestBits = 32;
  auto consider = [&](const bmodel::TensorInfo &t) {
    isa::DType d = isa::DType::F32;
    switch (t.dtype) {
    case DType::F16:
      d = isa::DType::F16;
      break;
    case DType::BF16:
      d = isa::DType::BF16;
      break;
    case DType::I8:
    case DType::I4:
      d = isa::DType::I8;
      break;
    case DType::U8:
    case DType::U4:
      d = isa::DType::U8;
      break;
    case DType::F32:
    case DType::I16:
    case DType::U16:
    case DType::I32:
    case DType::U32:
      return;
    }
    if (isa::dtypeBytes(d) * 8 < bestBits) {
      best = d;
      bestBits = isa::dtypeBytes(d) * 8;
    }
  };
  for (const bmodel::TensorInfo &t : st.inputs)
    consider(t);
  for (const bmodel::TensorInfo &t : st.outputs)
    consider(t);
  return best;
}

llvm::Expected<LaunchResult> Context::runStage(LoadedNet &ln, unsigned si,
                                               llvm::ArrayRef<Tensor> inputs) {
  const bmodel::StageInfo &st = ln.net->stages[si];
  const std::string where =
      ln.desc.file + ": net '" + ln.desc.name + "' stage " + std::to_string(si);
  auto fail = [&](llvm::Error e) -> llvm::Error {
    return createStringError(inconvertibleErrorCode(), "%s: %s", where.c_str(),
                             llvm::toString(std::move(e)).c_str());
  };
  if (!sim_)
    sim_ = std::make_unique<Sim>(*target_);
  cmodel::CModel &cm = sim_->cm;
  cm.local().clear();
  if (sim_->mappedNet == &ln && sim_->mappedStage == si) {
    // Same stage as the last launch: the regions are in place; only the
    // neuron (and io) memory starts from zero again.
    auto zero = [&](uint64_t addr, uint64_t size) -> llvm::Error {
      if (!size)
        return llvm::Error::success();
      llvm::Expected<uint8_t *> p = cm.global().translate(addr, size);
      if (!p)
        return p.takeError();
      std::memset(*p, 0, size);
      return llvm::Error::success();
    };
    if (llvm::Error e = zero(st.ctxAddr, st.ctxSize))
      return fail(std::move(e));
    if (llvm::Error e = zero(st.ioAddr, st.ioSize))
      return fail(std::move(e));
  } else {
    sim_->mappedNet = nullptr;
    cm.global().clear();
    // 1. Coefficients (one writable copy per stage, reused between
    // launches).
    if (st.coeff && st.coeff->data.size) {
      std::vector<uint8_t> &cache = ln.coeffCache[si];
      if (cache.empty()) {
        llvm::ArrayRef<uint8_t> b = ln.model->bytes(st.coeff->data);
        cache.assign(b.begin(), b.end());
      }
      if (llvm::Error e =
              cm.global().mapExternal(st.coeff->address, cache, "coeff"))
        return fail(std::move(e));
    }
    // 2. Neuron region and the optional io region, zero-filled.
    if (st.ctxSize)
      if (llvm::Error e =
              cm.global().mapRegion(st.ctxAddr, st.ctxSize, "neuron"))
        return fail(std::move(e));
    if (st.ioSize)
      if (llvm::Error e = cm.global().mapRegion(st.ioAddr, st.ioSize, "io"))
        return fail(std::move(e));
    sim_->mappedNet = &ln;
    sim_->mappedStage = si;
  }
  // 3. Inputs.
  for (size_t i = 0; i < inputs.size(); ++i)
    if (llvm::Error e =
            cm.global().write(st.inputs[i].deviceAddr, inputs[i].data))
      return fail(std::move(e));

  // 4. Commands: every TPU subnet in order (or the stage's own groups).
  std::vector<const std::vector<bmodel::CmdGroupInfo> *> lists;
  if (st.subnets.empty()) {
    lists.push_back(&st.cmdGroups);
  } else {
    for (const bmodel::SubNetInfo &sn : st.subnets) {
      if (sn.cmdGroups.empty() && !sn.coreCommands.empty())
        lists.push_back(&sn.coreCommands[0].gdmaTiu);
      else
        lists.push_back(&sn.cmdGroups);
    }
  }
  LaunchResult res;
  res.stage = si;
  cmodel::Profile prof;
  prof.clockMHz = target_->clockMHz;
  cmodel::RunOptions ro;
  ro.recordCommands = false;
  auto t0 = std::chrono::steady_clock::now();
  for (size_t li = 0; li < lists.size(); ++li) {
    for (size_t gi = 0; gi < lists[li]->size(); ++gi) {
      const bmodel::CmdGroupInfo &g = (*lists[li])[gi];
      llvm::ArrayRef<uint8_t> bdc, gdma;
      if (g.bdc)
        bdc = ln.model->bytes(*g.bdc);
      if (g.gdma)
        gdma = ln.model->bytes(*g.gdma);
      llvm::Expected<cmodel::Profile> p =
          cm.run(bdc, g.bdcNum, gdma, g.gdmaNum, ro);
      if (!p)
        return createStringError(
            inconvertibleErrorCode(), "%s: subnet %zu cmd group %zu: %s",
            where.c_str(), li, gi, llvm::toString(p.takeError()).c_str());
      prof.append(*p);
    }
  }
  auto t1 = std::chrono::steady_clock::now();

  // 5. Outputs.
  for (size_t i = 0; i < st.outputs.size(); ++i) {
    const bmodel::TensorInfo &ti = st.outputs[i];
    Tensor out(ti.dtype, ti.shapes[0]);
    if (llvm::Error e = cm.global().read(ti.deviceAddr, out.data))
      return fail(std::move(e));
    res.outputs.push_back(std::move(out));
  }

  LaunchProfile &lp = res.profile;
  lp.totalCycles = prof.totalCycles;
  lp.bdcBusyCycles = prof.bdcBusyCycles;
  lp.gdmaBusyCycles = prof.gdmaBusyCycles;
  lp.bdcCommands = prof.bdcCommands;
  lp.gdmaCommands = prof.gdmaCommands;
  lp.macs = prof.macs;
  lp.gdmaGlobalBytes = prof.gdmaGlobalBytes;
  lp.clockMHz = target_->clockMHz;
  lp.latencyUs = double(prof.totalCycles) / target_->clockMHz;
  isa::DType md = macDType(st);
  lp.macDType = isa::dtypeName(md).str();
  lp.macUtilization = prof.macUtilization(*target_, md);
  lp.simWallUs = std::chrono::duration<double, std::micro>(t1 - t0).count();
  return res;
}
