//===- CaffeImporter.cpp - Caffe net -> OpenNNTC IR -----------------------===//
//
// Steps: follow the blobs through the layers (in-place layers make a new
// version of a blob) → pick the outputs (--output_names, else every blob
// version no later layer consumes, training-only layers left out) → keep
// the layers the outputs need → report every unsupported layer among them
// at once → create the inputs (Input layers, old `input:` declarations
// upgraded by the loader, data layers with --shapes) → import each layer
// through its layer-table row.
//
//===----------------------------------------------------------------------===//

#include "frontends/caffe/CaffeContext.h"
#include "frontends/caffe/CaffeLoader.h"

#include "ir/Diagnostics.h"

#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Path.h"

#include <map>
#include <set>

namespace onntc {

using namespace onntc_caffe;

char CaffeUnsupportedError::ID = 0;

namespace {

/// Layers that feed data during training or testing; their first top becomes
/// a network input (its shape comes from --shapes), the others (labels) are
/// not available in a deployed net.
bool isDataLayer(llvm::StringRef t) {
  static const char *const kData[] = {
      "AnnotatedData", "Data",       "DummyData", "HDF5Data",
      "ImageData",     "MemoryData", "VideoData", "WindowData"};
  return llvm::is_contained(kData, t);
}

/// Layers that only matter for training (losses, metrics); never deployed.
bool isTrainingOnly(llvm::StringRef t) {
  static const char *const kTrain[] = {"Accuracy",
                                       "ContrastiveLoss",
                                       "EuclideanLoss",
                                       "HDF5Output",
                                       "HingeLoss",
                                       "InfogainLoss",
                                       "MultiBoxLoss",
                                       "MultinomialLogisticLoss",
                                       "SigmoidCrossEntropyLoss",
                                       "Silence",
                                       "SoftmaxWithLoss"};
  return llvm::is_contained(kTrain, t);
}

/// Why a layer type is not imported, beyond "not in the table".
llvm::StringRef unsupportedNote(llvm::StringRef t) {
  if (t == "PriorBox" || t == "DetectionOutput")
    return " (SSD post-processing, not supported by the TPU yet: cut the net "
           "before it with --output_names)";
  return "";
}

using Version = std::pair<int, int>; // (layer index, top index)

struct InputDecl {
  std::string name;
  int layer;
  std::optional<Shape> shape; // none for data layers
};

class CaffeNetImporter {
public:
  CaffeNetImporter(const NetParameter &net, llvm::StringRef protoPath,
                   llvm::StringRef weightPath, const CaffeImportOptions &o)
      : net_(net), protoPath_(protoPath.str()), opts_(o) {
    st_.protoName = llvm::sys::path::filename(protoPath).str();
    if (!weightPath.empty())
      st_.weightName = llvm::sys::path::filename(weightPath).str();
  }

  llvm::Expected<std::unique_ptr<Module>> run(const NetParameter *weights);

private:
  llvm::Error error(const llvm::Twine &msg) const {
    return makeError(st_.protoName + ": " + msg);
  }
  std::string layerDesc(int i) const {
    const LayerParameter &l = net_.layer(i);
    return "layer '" + l.name() + "' (" + l.type() + ")";
  }
  llvm::Error traceBlobs();
  llvm::Error pickOutputs();
  void markNeeded();
  llvm::Error checkSupported() const;
  llvm::Error createInputs();
  llvm::Error importLayers();
  void nameOutputs();

  const NetParameter &net_;
  std::string protoPath_;
  const CaffeImportOptions &opts_;
  CaffeImportState st_;
  std::unique_ptr<Module> module_;

  std::vector<std::vector<Version>> bottomVersions_; // per layer
  std::set<Version> consumed_;
  std::map<std::string, Version> current_; // latest version of each blob
  std::vector<InputDecl> inputs_;
  std::vector<std::pair<std::string, Version>> outputs_;
  std::vector<bool> needed_;
  std::vector<std::vector<Value *>> topValues_;
};

llvm::Error CaffeNetImporter::traceBlobs() {
  int n = net_.layer_size();
  bottomVersions_.resize(size_t(n));
  llvm::StringSet<> names;
  for (int i = 0; i < n; ++i) {
    const LayerParameter &l = net_.layer(i);
    if (l.name().empty())
      return error("layer #" + llvm::Twine(i) + " (" + l.type() +
                   ") has no name");
    if (!names.insert(l.name()).second)
      return error("two layers are named '" + l.name() + "'");
    if (isTrainingOnly(l.type()))
      continue;
    for (const std::string &b : l.bottom()) {
      auto it = current_.find(b);
      if (it == current_.end())
        return error(layerDesc(i) + ": bottom '" + b +
                     "' is not produced by any earlier layer");
      bottomVersions_[size_t(i)].push_back(it->second);
      consumed_.insert(it->second);
    }
    for (int t = 0; t < l.top_size(); ++t)
      current_[l.top(t)] = {i, t};
    const std::string &ty = l.type();
    if (ty == "Input") {
      const InputParameter &p = l.input_param();
      if (p.shape_size() != 1 && p.shape_size() != l.top_size())
        return error(layerDesc(i) + ": " + llvm::Twine(l.top_size()) +
                     " top(s) but " + llvm::Twine(p.shape_size()) +
                     " input_param shape(s)");
      for (int t = 0; t < l.top_size(); ++t) {
        const BlobShape &bs = p.shape(p.shape_size() == 1 ? 0 : t);
        Shape s;
        for (int64_t d : bs.dim()) {
          if (d <= 0)
            return error(layerDesc(i) + ": input '" + l.top(t) +
                         "' has a non-positive dimension " + llvm::Twine(d));
          s.mutableDims().push_back(d);
        }
        inputs_.push_back({l.top(t), i, s});
      }
    } else if (isDataLayer(ty) && l.top_size() > 0) {
      inputs_.push_back({l.top(0), i, std::nullopt});
    }
  }
  return llvm::Error::success();
}

llvm::Error CaffeNetImporter::pickOutputs() {
  if (!opts_.outputNames.empty()) {
    for (const std::string &o : opts_.outputNames) {
      auto it = current_.find(o);
      if (it == current_.end())
        return error("--output_names: no blob is named '" + o + "'");
      outputs_.push_back({o, it->second});
    }
    return llvm::Error::success();
  }
  for (int i = 0; i < net_.layer_size(); ++i) {
    const LayerParameter &l = net_.layer(i);
    if (isTrainingOnly(l.type()) || l.type() == "Input")
      continue;
    for (int t = isDataLayer(l.type()) ? l.top_size() : 0; t < l.top_size();
         ++t)
      if (!consumed_.count({i, t}))
        outputs_.push_back({l.top(t), {i, t}});
  }
  if (outputs_.empty())
    return error("the net has no output (every blob is consumed)");
  return llvm::Error::success();
}

void CaffeNetImporter::markNeeded() {
  needed_.assign(size_t(net_.layer_size()), false);
  std::vector<int> work;
  for (const auto &o : outputs_)
    work.push_back(o.second.first);
  while (!work.empty()) {
    int i = work.back();
    work.pop_back();
    if (needed_[size_t(i)])
      continue;
    needed_[size_t(i)] = true;
    for (const Version &v : bottomVersions_[size_t(i)])
      work.push_back(v.first);
  }
}

llvm::Error CaffeNetImporter::checkSupported() const {
  std::string list;
  unsigned count = 0;
  std::set<std::string> types;
  for (int i = 0; i < net_.layer_size(); ++i) {
    const LayerParameter &l = net_.layer(i);
    if (!needed_[size_t(i)] || l.type() == "Input" || isDataLayer(l.type()) ||
        findCaffeLayer(l.type()))
      continue;
    ++count;
    types.insert(l.type());
    list += "\n  " + st_.protoName + ": " + layerDesc(i) + unsupportedNote(l.type()).str();
  }
  if (!count)
    return llvm::Error::success();
  std::string typeList;
  for (const std::string &t : types)
    typeList += (typeList.empty() ? "" : ", ") + t;
  return llvm::make_error<CaffeUnsupportedError>(
      st_.protoName + ": " + std::to_string(count) +
      " layer(s) of unsupported type(s) " + typeList +
      " (see bmnetc --list_ops; --output_names can cut off post-processing):" +
      list);
}

llvm::Error CaffeNetImporter::createInputs() {
  std::vector<const InputDecl *> sel;
  if (opts_.inputNames.empty()) {
    for (const InputDecl &d : inputs_)
      if (needed_[size_t(d.layer)])
        sel.push_back(&d);
  } else {
    for (const std::string &n : opts_.inputNames) {
      auto it = llvm::find_if(inputs_,
                              [&](const InputDecl &d) { return d.name == n; });
      if (it == inputs_.end()) {
        std::string known;
        for (const InputDecl &d : inputs_)
          known += (known.empty() ? "" : ", ") + d.name;
        return error("--input_names: '" + n + "' is not an input of the net "
                     "(inputs: " + known + ")");
      }
      sel.push_back(&*it);
    }
    for (const InputDecl &d : inputs_)
      if (needed_[size_t(d.layer)] && !llvm::is_contained(sel, &d))
        return error("input '" + d.name +
                     "' is needed by the outputs but not in --input_names");
  }
  if (sel.empty())
    return error("the net has no input (no Input layer, input: declaration "
                 "or data layer)");
  if (!opts_.shapes.empty() && opts_.shapes.size() != sel.size())
    return error("--shapes gives " + llvm::Twine(opts_.shapes.size()) +
                 " shape(s) for " + llvm::Twine(sel.size()) + " input(s)");
  for (size_t k = 0; k < sel.size(); ++k) {
    const InputDecl &d = *sel[k];
    Shape s;
    if (!opts_.shapes.empty()) {
      s = opts_.shapes[k];
      if (d.shape) {
        const Shape &decl = *d.shape;
        bool ok = decl.rank() == s.rank();
        for (size_t i = 1; ok && i < s.rank(); ++i)
          ok = decl[i] == s[i];
        if (!ok)
          return error("--shapes gives " + s.str() + " for input '" + d.name +
                       "', but the prototxt declares " + decl.str() +
                       " (only the batch, dim 0, may differ)");
      }
    } else if (d.shape) {
      s = *d.shape;
    } else {
      return error("input '" + d.name + "' comes from data " + layerDesc(d.layer) +
                   ", which declares no shape; give it with --shapes");
    }
    Value *v = module_->graph.addInput(d.name, TensorType{DType::F32, s});
    st_.blobs[d.name] = v;
  }
  return llvm::Error::success();
}

llvm::Error CaffeNetImporter::importLayers() {
  topValues_.resize(size_t(net_.layer_size()));
  for (int i = 0; i < net_.layer_size(); ++i) {
    const LayerParameter &l = net_.layer(i);
    if (!needed_[size_t(i)])
      continue;
    std::vector<Value *> &tops = topValues_[size_t(i)];
    if (l.type() == "Input" || isDataLayer(l.type())) {
      for (const std::string &t : l.top())
        tops.push_back(st_.blobs.lookup(t));
      continue;
    }
    for (int b = 0; b < l.bottom_size(); ++b) {
      Version v = bottomVersions_[size_t(i)][size_t(b)];
      Value *val = topValues_[size_t(v.first)].size() > size_t(v.second)
                       ? topValues_[size_t(v.first)][size_t(v.second)]
                       : nullptr;
      if (!val)
        return error(layerDesc(i) + ": bottom '" + l.bottom(b) +
                     "' comes from " + layerDesc(v.first) +
                     ", which is not an input of the deployed net (a label?)");
      st_.blobs[l.bottom(b)] = val;
    }
    const CaffeLayerRow *row = findCaffeLayer(l.type());
    assert(row && "checkSupported let an unsupported layer through");
    CaffeLayerContext ctx(st_, l, *row);
    if (llvm::Error e = row->fn(ctx))
      return e;
    for (int t = 0; t < l.top_size(); ++t) {
      Value *v = st_.blobs.lookup(l.top(t));
      if (!v)
        return ctx.error("the importer produced no value for top '" + l.top(t) +
                         "'");
      tops.push_back(v);
    }
  }
  return llvm::Error::success();
}

void CaffeNetImporter::nameOutputs() {
  Graph &g = module_->graph;
  std::vector<Value *> outs;
  for (const auto &[name, ver] : outputs_) {
    Value *v = topValues_[size_t(ver.first)][size_t(ver.second)];
    outs.push_back(v);
  }
  // An in-place layer's output got a derived name; the network output takes
  // the blob's own name, the overwritten version a derived one.
  for (size_t k = 0; k < outs.size(); ++k) {
    const std::string &want = outputs_[k].first;
    Value *v = outs[k];
    if (v->name() == want || llvm::is_contained(g.inputs(), v))
      continue;
    if (Value *other = g.findValue(want)) {
      if (llvm::is_contained(outs, other))
        continue;
      (void)g.renameValue(other, g.uniqueName(want + "_pre"));
    }
    (void)g.renameValue(v, want);
  }
  g.setOutputs(outs);
}

llvm::Expected<std::unique_ptr<Module>>
CaffeNetImporter::run(const NetParameter *weights) {
  module_ = std::make_unique<Module>();
  module_->name = net_.name();
  module_->sourceFile = protoPath_;
  st_.graph = &module_->graph;
  if (weights)
    st_.weightLayers = caffeWeightLayers(*weights);
  if (llvm::Error e = traceBlobs())
    return e;
  if (llvm::Error e = pickOutputs())
    return e;
  markNeeded();
  if (llvm::Error e = checkSupported())
    return e;
  // A caffemodel that shares no layer name with the net is another net's.
  if (weights) {
    bool anyNeedsWeights = false, anyMatch = false;
    for (int i = 0; i < net_.layer_size(); ++i) {
      const LayerParameter &l = net_.layer(i);
      if (!needed_[size_t(i)] || l.blobs_size() > 0)
        continue;
      bool w = st_.weightLayers.count(l.name()) > 0;
      anyMatch |= w;
      const std::string &t = l.type();
      anyNeedsWeights |= t == "Convolution" || t == "InnerProduct" ||
                         t == "Deconvolution" || t == "BatchNorm";
    }
    if (anyNeedsWeights && !anyMatch)
      return makeError(st_.weightName + ": no layer name of " + st_.protoName +
                       " has weights in this caffemodel; are these the "
                       "weights of another net?");
  }
  if (llvm::Error e = createInputs())
    return e;
  if (llvm::Error e = importLayers())
    return e;
  nameOutputs();
  return std::move(module_);
}

} // namespace

llvm::Expected<std::unique_ptr<Module>>
importCaffeNet(const NetParameter &deploy, const NetParameter *weights,
               llvm::StringRef protoPath, llvm::StringRef weightPath,
               const CaffeImportOptions &opts) {
  CaffeNetImporter imp(deploy, protoPath, weightPath, opts);
  return imp.run(weights);
}

llvm::Expected<std::unique_ptr<Module>>
importCaffeFiles(llvm::StringRef protoPath, llvm::StringRef weightPath,
                 const CaffeImportOptions &opts) {
  auto net = loadCaffePrototxt(protoPath);
  if (!net)
    return net.takeError();
  std::unique_ptr<NetParameter> weights;
  if (!weightPath.empty()) {
    auto w = loadCaffeModel(weightPath);
    if (!w)
      return w.takeError();
    weights = std::move(*w);
  }
  return importCaffeNet(**net, weights.get(), protoPath, weightPath, opts);
}

} // namespace onntc
