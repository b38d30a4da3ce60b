//===- BModelCombine.cpp - combine, extract, reference data
//----------------===//
#include "bmodel/BModelOps.h"

#include "llvm/ADT/Twine.h"

namespace onntc {
namespace bmodel {

static llvm::Error makeErr(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

/// Copies the blobs a stage refers to from `src` into `dst` and points the
/// stage at the copies.
static void copyBlobs(StageInfo &st, const BModel &src, BModelWriter &dst) {
  forEachBinary(st, [&](BinaryRange &r) { r = dst.addBlob(src.bytes(r)); });
}

static std::optional<ModuleInfo> copyModule(const std::optional<ModuleInfo> &m,
                                            const BModel &src,
                                            BModelWriter &dst) {
  if (!m)
    return std::nullopt;
  ModuleInfo r = *m;
  r.binary = dst.addBlob(src.bytes(m->binary));
  return r;
}

/// Copies the model-level fields that combine and extract keep.
static ModelInfo modelShell(const BModel &src, BModelWriter &dst) {
  const ModelInfo &in = src.info();
  ModelInfo m;
  m.chip = in.chip;
  m.deviceNum = in.deviceNum;
  m.kernelModule = copyModule(in.kernelModule, src, dst);
  m.cpuopModule = copyModule(in.cpuopModule, src, dst);
  m.bmodelType = in.bmodelType;
  if (in.libBackend)
    m.libBackend = dst.addBlob(src.bytes(*in.libBackend));
  return m;
}

static std::string shapeText(const Shape &s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i)
    r += (i ? ", " : "") + std::to_string(s[i]);
  return r + "]";
}

/// Why `add` cannot be a new stage next to `old` (empty if it can). Follows
/// the SDK's ModelGen::AddNet checks, in its order.
static std::string stageConflict(const NetInfo &oldNet, const StageInfo &old,
                                 llvm::StringRef oldFile, const NetInfo &addNet,
                                 const StageInfo &add,
                                 llvm::StringRef addFile) {
  if (old.isDynamic != add.isDynamic)
    return std::string("a net cannot have static and dynamic stages at the "
                       "same time (it is ") +
           (old.isDynamic ? "dynamic" : "static") + " in '" + oldFile.str() +
           "', " + (add.isDynamic ? "dynamic" : "static") + " in '" +
           addFile.str() + "')";
  if (oldNet.addrMode != addNet.addrMode)
    return "addr_mode differs (" + std::to_string(oldNet.addrMode) + " vs " +
           std::to_string(addNet.addrMode) + ")";
  if (oldNet.cascade || addNet.cascade)
    return "a cascade net cannot have several stages";
  if (old.inputs.size() != add.inputs.size())
    return "the input count differs (" + std::to_string(old.inputs.size()) +
           " vs " + std::to_string(add.inputs.size()) + ")";
  bool allSame = true;
  for (size_t i = 0; i < old.inputs.size(); ++i) {
    const TensorInfo &a = old.inputs[i], &b = add.inputs[i];
    std::string which = "input " + std::to_string(i);
    if (a.name != b.name)
      return which + " name differs ('" + a.name + "' vs '" + b.name + "')";
    if (a.dtype != b.dtype)
      return which + " '" + a.name + "' dtype differs (" +
             dtypeName(a.dtype).str() + " vs " + dtypeName(b.dtype).str() + ")";
    if (a.scale != b.scale)
      return which + " '" + a.name + "' scale differs (" +
             std::to_string(a.scale) + " vs " + std::to_string(b.scale) + ")";
    if (a.zeroPoint != b.zeroPoint)
      return which + " '" + a.name + "' zero point differs (" +
             std::to_string(a.zeroPoint) + " vs " +
             std::to_string(b.zeroPoint) + ")";
    if (a.shapes.size() != b.shapes.size())
      return which + " '" + a.name + "' shape count differs";
    for (size_t k = 0; k < a.shapes.size(); ++k)
      if (a.shapes[k] != b.shapes[k])
        allSame = false;
  }
  if (allSame) {
    std::string shapes;
    for (const TensorInfo &t : add.inputs)
      shapes += (shapes.empty() ? "" : ", ") + t.name + " " +
                shapeText(t.shapes.front());
    return "every input shape is the same (" + shapes +
           "); stages of one net must differ in at least one input shape";
  }
  if (old.nDynamic != add.nDynamic || old.hwDynamic != add.hwDynamic)
    return "n_dynamic/h_w_dynamic differ";
  bool oldMulti = old.subnets.size() > 1, addMulti = add.subnets.size() > 1;
  if (oldMulti != addMulti)
    return "one has several subnets and the other does not (" +
           std::to_string(old.subnets.size()) + " vs " +
           std::to_string(add.subnets.size()) + ")";
  return "";
}

llvm::Expected<Combined> combineModels(llvm::ArrayRef<const BModel *> inputs) {
  if (inputs.empty())
    return makeErr("combine needs at least one bmodel");
  Combined out;
  BModelWriter &w = out.built.blobs;
  ModelInfo &m = out.built.model;
  m = modelShell(*inputs[0], w);
  // Which input each stage of the result came from, for messages.
  std::vector<std::vector<size_t>> origin;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const BModel &src = *inputs[i];
    if (src.info().chip != m.chip)
      return makeErr("cannot combine '" + src.path() + "' (chip " +
                     src.info().chip + ") with '" + inputs[0]->path() +
                     "' (chip " + m.chip +
                     "): all inputs must be for one chip");
    m.deviceNum = std::max(m.deviceNum, src.info().deviceNum);
    out.placement.emplace_back();
    for (const NetInfo &net : src.info().nets) {
      for (const StageInfo &stage : net.stages) {
        size_t idx = 0;
        while (idx < m.nets.size() && m.nets[idx].name != net.name)
          ++idx;
        StageInfo copy = stage;
        copyBlobs(copy, src, w);
        if (idx == m.nets.size()) {
          NetInfo n;
          n.name = net.name;
          n.cascade = net.cascade;
          n.addrMode = net.addrMode;
          m.nets.push_back(std::move(n));
          origin.emplace_back();
        }
        NetInfo &dst = m.nets[idx];
        for (size_t s = 0; s < dst.stages.size(); ++s) {
          llvm::StringRef oldFile = inputs[origin[idx][s]]->path();
          std::string why = stageConflict(dst, dst.stages[s], oldFile, net,
                                          stage, src.path());
          if (!why.empty())
            return makeErr("cannot combine net '" + net.name + "' of '" +
                           src.path() + "' with stage " + llvm::Twine(s) +
                           " of net '" + net.name + "' from '" + oldFile +
                           "': " + why);
        }
        out.placement.back().push_back(
            StagePlace{unsigned(idx), unsigned(dst.stages.size())});
        dst.stages.push_back(std::move(copy));
        origin[idx].push_back(i);
      }
    }
  }
  return out;
}

llvm::Expected<BuiltModel> extractStage(const BModel &model, unsigned net,
                                        unsigned stage) {
  const ModelInfo &in = model.info();
  if (net >= in.nets.size() || stage >= in.nets[net].stages.size())
    return makeErr(model.path() + ": has no net " + llvm::Twine(net) +
                   " stage " + llvm::Twine(stage));
  BuiltModel out;
  out.model = modelShell(model, out.blobs);
  const NetInfo &src = in.nets[net];
  NetInfo n;
  n.name = src.name;
  n.cascade = src.cascade;
  n.addrMode = src.addrMode;
  StageInfo st = src.stages[stage];
  copyBlobs(st, model, out.blobs);
  n.stages.push_back(std::move(st));
  out.model.nets.push_back(std::move(n));
  return out;
}

uint64_t refDataBytes(const std::vector<TensorInfo> &tensors) {
  uint64_t n = 0;
  for (const TensorInfo &t : tensors)
    if (!t.shapes.empty())
      n += dtypeBytes(t.dtype, elementCount(t.shapes.front()));
  return n;
}

llvm::Expected<std::vector<uint8_t>>
mergeRefData(llvm::ArrayRef<const BModel *> models,
             llvm::ArrayRef<std::vector<uint8_t>> refs,
             llvm::ArrayRef<std::string> names,
             const std::vector<std::vector<StagePlace>> &placement,
             bool inputs) {
  assert(models.size() == refs.size() && refs.size() == names.size() &&
         placement.size() == models.size());
  struct Piece {
    StagePlace place;
    llvm::ArrayRef<uint8_t> bytes;
  };
  std::vector<Piece> pieces;
  for (size_t i = 0; i < models.size(); ++i) {
    uint64_t at = 0;
    size_t k = 0;
    for (const NetInfo &net : models[i]->info().nets)
      for (const StageInfo &st : net.stages) {
        uint64_t n = refDataBytes(inputs ? st.inputs : st.outputs);
        if (at + n > refs[i].size())
          return makeErr(names[i] + ": is " + llvm::Twine(refs[i].size()) +
                         " bytes but net '" + net.name + "' needs more (" +
                         llvm::Twine(at + n) + " bytes up to its stage)");
        pieces.push_back(Piece{placement[i][k++],
                               llvm::ArrayRef<uint8_t>(refs[i]).slice(at, n)});
        at += n;
      }
    if (at != refs[i].size())
      return makeErr(names[i] + ": is " + llvm::Twine(refs[i].size()) +
                     " bytes but its bmodel's " +
                     (inputs ? "inputs" : "outputs") + " take " +
                     llvm::Twine(at) + "; it belongs to another model");
  }
  std::stable_sort(
      pieces.begin(), pieces.end(), [](const Piece &a, const Piece &b) {
        return a.place.net != b.place.net ? a.place.net < b.place.net
                                          : a.place.stage < b.place.stage;
      });
  std::vector<uint8_t> out;
  for (const Piece &p : pieces)
    out.insert(out.end(), p.bytes.begin(), p.bytes.end());
  return out;
}

} // namespace bmodel
} // namespace onntc
