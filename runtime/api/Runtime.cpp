//===- Runtime.cpp - loading bmodels, net info, stage selection -----------===//
#include "runtime/api/RuntimeImpl.h"

#include "isa/Target.h"

#include "llvm/ADT/Twine.h"

using namespace onntc;
using namespace onntc::runtime;
using llvm::createStringError;
using llvm::inconvertibleErrorCode;

Tensor::Tensor(DType t, Shape s)
    : dtype(t), shape(std::move(s)),
      data(bmodel::dtypeBytes(t, bmodel::elementCount(shape)), 0) {}

llvm::StringRef runtime::sdkDTypeName(DType t) {
  switch (t) {
  case DType::F32:
    return "FLOAT32";
  case DType::F16:
    return "FLOAT16";
  case DType::I8:
    return "INT8";
  case DType::U8:
    return "UINT8";
  case DType::I16:
    return "INT16";
  case DType::U16:
    return "UINT16";
  case DType::I32:
    return "INT32";
  case DType::U32:
    return "UINT32";
  case DType::BF16:
    return "BFLOAT16";
  case DType::I4:
    return "INT4";
  case DType::U4:
    return "UINT4";
  }
  return "UNKNOWN";
}

std::string runtime::shapeText(const Shape &s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i)
    r += (i ? "," : "") + std::to_string(s[i]);
  return r + "]";
}

Context::Context(ContextOptions opts) : opts_(opts) {}
Context::~Context() = default;

/// Why a stage cannot run on the cmodel, or "" when it can.
static std::string unsupportedStage(const bmodel::StageInfo &st) {
  if (st.isDynamic)
    return "it is a dynamic net (its commands are generated from IR at run "
           "time); the runtime runs only static nets so far";
  if (st.coreNum > 1)
    return "it uses " + std::to_string(st.coreNum) +
           " cores; the runtime runs single-core nets only";
  for (size_t i = 0; i < st.subnets.size(); ++i) {
    const bmodel::SubNetInfo &sn = st.subnets[i];
    if (sn.mode == bmodel::SubnetMode::Cpu)
      return "subnet " + std::to_string(i) +
             " is a CPU subnet; the runtime cannot run CPU layers yet";
    if (sn.isDynamic)
      return "subnet " + std::to_string(i) +
             " is a dynamic TPU subnet; the runtime runs static subnets only";
    if (sn.merge || sn.switchParam)
      return "subnet " + std::to_string(i) +
             " has control flow (switch/merge); the runtime cannot run it yet";
  }
  return "";
}

/// Checks the memory placement contract of docs/runtime.md for a static
/// stage: IO inside the neuron (or io) region, no overlap with the coeffs.
static llvm::Error checkPlacement(llvm::StringRef file, llvm::StringRef net,
                                  unsigned si, const bmodel::StageInfo &st) {
  auto where = [&]() {
    return (file + ": net '" + net + "' stage " + llvm::Twine(si)).str();
  };
  auto overlap = [](uint64_t a, uint64_t as, uint64_t b, uint64_t bs) {
    return as && bs && a < b + bs && b < a + as;
  };
  uint64_t cAddr = st.coeff ? st.coeff->address : 0;
  uint64_t cSize = st.coeff ? st.coeff->data.size : 0;
  if (overlap(cAddr, cSize, st.ctxAddr, st.ctxSize))
    return createStringError(
        inconvertibleErrorCode(),
        "%s: the coeff region [0x%llx, +0x%llx) overlaps the neuron region "
        "[0x%llx, +0x%llx); the backend must place them apart "
        "(docs/runtime.md)",
        where().c_str(), (unsigned long long)cAddr, (unsigned long long)cSize,
        (unsigned long long)st.ctxAddr, (unsigned long long)st.ctxSize);
  if (overlap(cAddr, cSize, st.ioAddr, st.ioSize) ||
      overlap(st.ctxAddr, st.ctxSize, st.ioAddr, st.ioSize))
    return createStringError(inconvertibleErrorCode(),
                             "%s: the io region overlaps the coeff or neuron "
                             "region (docs/runtime.md)",
                             where().c_str());
  auto inside = [](uint64_t a, uint64_t n, uint64_t base, uint64_t size) {
    return size && a >= base && n <= size && a - base <= size - n;
  };
  auto checkTensors = [&](const std::vector<bmodel::TensorInfo> &ts,
                          const char *kind) -> llvm::Error {
    for (const bmodel::TensorInfo &t : ts) {
      uint64_t n =
          bmodel::dtypeBytes(t.dtype, bmodel::elementCount(t.shapes[0]));
      if (!inside(t.deviceAddr, n, st.ctxAddr, st.ctxSize) &&
          !inside(t.deviceAddr, n, st.ioAddr, st.ioSize))
        return createStringError(
            inconvertibleErrorCode(),
            "%s: %s '%s' at 0x%llx (%llu bytes) is not inside the neuron "
            "region [0x%llx, +0x%llx)%s; the runtime places IO only there "
            "(docs/runtime.md)",
            where().c_str(), kind, t.name.c_str(),
            (unsigned long long)t.deviceAddr, (unsigned long long)n,
            (unsigned long long)st.ctxAddr, (unsigned long long)st.ctxSize,
            st.ioSize ? " or the io region" : "");
    }
    return llvm::Error::success();
  };
  if (llvm::Error e = checkTensors(st.inputs, "input"))
    return e;
  return checkTensors(st.outputs, "output");
}

llvm::Error Context::loadBModel(llvm::StringRef path) {
  llvm::Expected<bmodel::BModel> m = bmodel::readBModel(path);
  if (!m)
    return m.takeError();
  return addModel(std::move(*m));
}

llvm::Error Context::loadBModelData(llvm::ArrayRef<uint8_t> bytes,
                                    llvm::StringRef name) {
  llvm::Expected<bmodel::BModel> m = bmodel::readBModelBytes(bytes, name);
  if (!m)
    return m.takeError();
  return addModel(std::move(*m));
}

llvm::Error Context::addModel(bmodel::BModel model) {
  const bmodel::ModelInfo &info = model.info();
  std::string file = model.path().str();
  const isa::TargetInfo *t = isa::lookupTarget(info.chip);
  if (!t)
    return createStringError(inconvertibleErrorCode(),
                             "%s: chip '%s' has no simulator target; known "
                             "targets are BM1684 and BM1684X",
                             file.c_str(), info.chip.c_str());
  if (target_ && t != target_)
    return createStringError(inconvertibleErrorCode(),
                             "%s: chip %s differs from the chip of the bmodels "
                             "already loaded (%s); use one Context per chip",
                             file.c_str(), info.chip.c_str(), chip_.c_str());
  for (const bmodel::NetInfo &n : info.nets) {
    if (std::optional<size_t> idx = netIndex(n.name))
      return createStringError(
          inconvertibleErrorCode(),
          "%s: net '%s' is already loaded from %s; net names must be unique "
          "in one context",
          file.c_str(), n.name.c_str(), nets_[*idx]->desc.file.c_str());
    for (const bmodel::NetInfo &o : info.nets)
      if (&o != &n && o.name == n.name)
        return createStringError(inconvertibleErrorCode(),
                                 "%s: net '%s' appears twice in the file",
                                 file.c_str(), n.name.c_str());
  }
  if (opts_.checkCoeff)
    if (llvm::Error e = bmodel::verifyCheckCodes(model))
      return e;

  std::vector<std::unique_ptr<LoadedNet>> added;
  for (const bmodel::NetInfo &n : info.nets) {
    auto ln = std::make_unique<LoadedNet>();
    ln->net = &n;
    NetDesc &d = ln->desc;
    d.name = n.name;
    d.file = file;
    d.fileIndex = unsigned(models_.size());
    d.addrMode = n.addrMode;
    const bmodel::StageInfo &s0 = n.stages[0];
    d.isDynamic = s0.isDynamic;
    d.coreNum = s0.coreNum ? s0.coreNum : 1;
    for (const bmodel::TensorInfo &ti : s0.inputs)
      d.inputs.push_back({ti.name, ti.dtype, ti.scale, ti.zeroPoint});
    for (const bmodel::TensorInfo &ti : s0.outputs)
      d.outputs.push_back({ti.name, ti.dtype, ti.scale, ti.zeroPoint});
    d.maxInputBytes.assign(d.inputs.size(), 0);
    d.maxOutputBytes.assign(d.outputs.size(), 0);
    for (unsigned si = 0; si < n.stages.size(); ++si) {
      const bmodel::StageInfo &st = n.stages[si];
      if (st.inputs.size() != d.inputs.size() ||
          st.outputs.size() != d.outputs.size())
        return createStringError(inconvertibleErrorCode(),
                                 "%s: net '%s' stage %u has a different number "
                                 "of inputs or outputs than stage 0",
                                 file.c_str(), n.name.c_str(), si);
      StageDesc sd;
      for (size_t i = 0; i < st.inputs.size(); ++i) {
        sd.inputShapes.push_back(st.inputs[i].shapes[0]);
        d.maxInputBytes[i] = std::max<uint64_t>(
            d.maxInputBytes[i],
            bmodel::dtypeBytes(st.inputs[i].dtype,
                               bmodel::elementCount(st.inputs[i].shapes[0])));
      }
      for (size_t i = 0; i < st.outputs.size(); ++i) {
        sd.outputShapes.push_back(st.outputs[i].shapes[0]);
        d.maxOutputBytes[i] = std::max<uint64_t>(
            d.maxOutputBytes[i],
            bmodel::dtypeBytes(st.outputs[i].dtype,
                               bmodel::elementCount(st.outputs[i].shapes[0])));
      }
      d.stages.push_back(std::move(sd));
      if (d.unsupportedReason.empty()) {
        std::string why = unsupportedStage(st);
        if (!why.empty())
          d.unsupportedReason = n.stages.size() > 1
                                    ? "stage " + std::to_string(si) + ": " + why
                                    : why;
      }
      if (!st.isDynamic)
        if (llvm::Error e = checkPlacement(file, n.name, si, st))
          return e;
    }
    ln->coeffCache.resize(n.stages.size());
    added.push_back(std::move(ln));
  }
  // Point the nets at the model's final home before publishing them.
  models_.push_back(std::make_unique<bmodel::BModel>(std::move(model)));
  const bmodel::ModelInfo &kept = models_.back()->info();
  for (size_t i = 0; i < added.size(); ++i) {
    added[i]->net = &kept.nets[i];
    added[i]->model = models_.back().get();
    nets_.push_back(std::move(added[i]));
  }
  if (!target_) {
    target_ = t;
    chip_ = kept.chip;
    // The simulator (with its local memory) is made here, not in the first
    // launch, so launch times do not include it.
    sim_ = std::make_unique<Sim>(*target_);
  }
  return llvm::Error::success();
}

std::vector<std::string> Context::netNames() const {
  std::vector<std::string> r;
  for (const auto &n : nets_)
    r.push_back(n->desc.name);
  return r;
}

std::optional<size_t> Context::netIndex(llvm::StringRef name) const {
  for (size_t i = 0; i < nets_.size(); ++i)
    if (nets_[i]->desc.name == name)
      return i;
  return std::nullopt;
}

const NetDesc *Context::netInfo(llvm::StringRef name) const {
  std::optional<size_t> i = netIndex(name);
  return i ? &nets_[*i]->desc : nullptr;
}

const NetDesc &Context::netInfo(size_t index) const {
  assert(index < nets_.size() && "net index out of range");
  return nets_[index]->desc;
}

const bmodel::StageInfo &Context::stageInfo(size_t net, unsigned stage) const {
  assert(net < nets_.size() && stage < nets_[net]->net->stages.size());
  return nets_[net]->net->stages[stage];
}

llvm::Expected<unsigned>
Context::selectStage(size_t netIdx, llvm::ArrayRef<Shape> shapes) const {
  const NetDesc &d = nets_[netIdx]->desc;
  auto shapesText = [&]() {
    std::string r;
    for (size_t i = 0; i < shapes.size(); ++i)
      r += (i ? " " : "") + shapeText(shapes[i]);
    return r;
  };
  auto stagesText = [&]() {
    std::string r;
    for (size_t s = 0; s < d.stages.size(); ++s) {
      r += (s ? "; stage " : "stage ") + std::to_string(s) + ":";
      for (const Shape &sh : d.stages[s].inputShapes)
        r += " " + shapeText(sh);
    }
    return r;
  };
  if (shapes.size() != d.inputs.size())
    return createStringError(inconvertibleErrorCode(),
                             "net '%s' has %zu inputs but %zu shapes were "
                             "given",
                             d.name.c_str(), d.inputs.size(), shapes.size());
  if (!d.isDynamic) {
    for (unsigned s = 0; s < d.stages.size(); ++s) {
      bool same = true;
      for (size_t i = 0; i < shapes.size() && same; ++i)
        same = d.stages[s].inputShapes[i] == shapes[i];
      if (same)
        return s;
    }
    if (d.stages.size() == 1) {
      bool sameCount = true;
      for (size_t i = 0; i < shapes.size() && sameCount; ++i)
        sameCount = bmodel::elementCount(d.stages[0].inputShapes[i]) ==
                    bmodel::elementCount(shapes[i]);
      if (sameCount)
        return 0u;
    }
    return createStringError(inconvertibleErrorCode(),
                             "net '%s': no stage has the input shapes %s "
                             "(compiled: %s)",
                             d.name.c_str(), shapesText().c_str(),
                             stagesText().c_str());
  }
  // Dynamic: only input 0 decides.
  const Shape &want = shapes[0];
  std::optional<unsigned> best;
  uint64_t bestCost = UINT64_MAX;
  for (unsigned s = 0; s < d.stages.size(); ++s) {
    const Shape &have = d.stages[s].inputShapes[0];
    if (have.size() != want.size())
      continue;
    bool fits = true, exact = true;
    uint64_t cost = 1;
    for (size_t k = 0; k < have.size() && fits; ++k) {
      fits = have[k] >= want[k];
      if (fits && have[k] > want[k]) {
        exact = false;
        cost *= have[k] - want[k];
      }
    }
    if (!fits)
      continue;
    // An exact fit wins at once; otherwise the smallest product of the
    // non-zero differences, the earlier stage on a tie.
    if (exact)
      return s;
    if (!best || cost < bestCost) {
      best = s;
      bestCost = cost;
    }
  }
  if (!best)
    return createStringError(inconvertibleErrorCode(),
                             "net '%s' (dynamic): input shape %s exceeds every "
                             "stage's max shape (%s)",
                             d.name.c_str(), shapeText(want).c_str(),
                             stagesText().c_str());
  return *best;
}
