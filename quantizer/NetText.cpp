//===- NetText.cpp - Caffe-style prototxt writer and reader ---------------===//
#include "quantizer/NetText.h"

#include "NetText.pb.h"

#include "ir/Diagnostics.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/Support/MemoryBuffer.h"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

#include <algorithm>

namespace onntc {

namespace pb = onntc::nettext;

/// Caffe layer types of the IR ops that have an obvious Caffe counterpart;
/// other layers are typed with the IR op name. Sorted by IR op name.
static const std::pair<llvm::StringRef, llvm::StringRef> kCaffeTypes[] = {
    {"Add", "Eltwise"},
    {"AveragePool", "Pooling"},
    {"BatchNormalization", "BatchNorm"},
    {"Concat", "Concat"},
    {"Conv", "Convolution"},
    {"ConvTranspose", "Deconvolution"},
    {"Flatten", "Flatten"},
    {"Gemm", "InnerProduct"},
    {"GlobalAveragePool", "Pooling"},
    {"GlobalMaxPool", "Pooling"},
    {"LeakyRelu", "ReLU"},
    {"MaxPool", "Pooling"},
    {"Mul", "Eltwise"},
    {"PRelu", "PReLU"},
    {"Relu", "ReLU"},
    {"Reshape", "Reshape"},
    {"Resize", "Upsample"},
    {"Sigmoid", "Sigmoid"},
    {"Softmax", "Softmax"},
    {"Tanh", "TanH"},
    {"Transpose", "Permute"},
};

static llvm::StringRef caffeType(llvm::StringRef op) {
  auto *it = std::lower_bound(
      std::begin(kCaffeTypes), std::end(kCaffeTypes), op,
      [](const auto &e, llvm::StringRef k) { return e.first < k; });
  return it != std::end(kCaffeTypes) && it->first == op ? it->second : op;
}

const std::string &netLayerName(const Node &n) { return n.output(0)->name(); }

static bool isWeight(const Value *v) {
  return v->producer() && v->producer()->kind() == OpKind::Constant;
}

std::string printNetText(const Module &m, llvm::StringRef netName,
                         const NetTextOptions &opts) {
  assert(std::is_sorted(std::begin(kCaffeTypes), std::end(kCaffeTypes)));
  pb::NetParameter net;
  net.set_name(netName.str());
  net.set_model_type(opts.modelType);
  net.mutable_state()->set_phase(pb::TEST);
  const Graph &g = m.graph;
  for (const Value *in : g.inputs()) {
    pb::LayerParameter *l = net.add_layer();
    l->set_name(in->name());
    l->add_top(in->name());
    pb::BlobShape *shape = opts.phase == NetPhase::DeployInt8
                               ? l->mutable_input_param()->add_shape()
                               : l->mutable_onntc_shape();
    for (int64_t d : in->shape().dims())
      shape->add_dim(d);
    if (opts.phase == NetPhase::DeployInt8) {
      l->set_type("Input");
      continue;
    }
    l->set_type("Data");
    DataLayer d;
    d.batchSize = in->shape().rank() && in->shape()[0] > 0
                      ? unsigned(in->shape()[0])
                      : 1;
    for (const DataLayer &given : opts.data)
      if (given.name == in->name())
        d = given;
    int64_t c = in->shape().rank() == 4 ? in->shape()[1] : 1;
    pb::TransformOp *stand = l->mutable_transform_param()->add_transform_op();
    stand->set_op(pb::TransformOp::STAND);
    for (int64_t i = 0; i < c; ++i) {
      const auto &mv = d.preprocess.mean, &sv = d.preprocess.scale;
      stand->add_mean_value(mv.empty() ? 0.f : mv[mv.size() == 1 ? 0 : i]);
      stand->add_scale(sv.empty() ? 1.f : sv[sv.size() == 1 ? 0 : i]);
    }
    if (d.preprocess.resizeH) {
      pb::TransformOp *r = l->mutable_transform_param()->add_transform_op();
      r->set_op(pb::TransformOp::RESIZE);
      r->set_resize_h(d.preprocess.resizeH);
      r->set_resize_w(d.preprocess.resizeW);
    }
    if (d.preprocess.bgr2rgb)
      l->mutable_transform_param()->add_transform_op()->set_op(
          pb::TransformOp::BGR2RGB);
    l->mutable_data_param()->set_source(d.source);
    l->mutable_data_param()->set_batch_size(d.batchSize);
    l->mutable_data_param()->set_backend(pb::DataParameter::LMDB);
  }
  for (const auto &np : g.nodes()) {
    const Node &n = *np;
    if (n.kind() == OpKind::Constant)
      continue;
    pb::LayerParameter *l = net.add_layer();
    l->set_name(netLayerName(n));
    l->set_type(caffeType(n.info().name).str());
    l->set_onntc_op(n.info().name.str());
    for (const Value *v : n.inputs())
      if (v && !isWeight(v))
        l->add_bottom(v->name());
    for (unsigned i = 0; i < n.numOutputs(); ++i)
      l->add_top(n.output(i)->name());
    for (int64_t d : n.output(0)->shape().dims())
      l->mutable_onntc_shape()->add_dim(d);
  }
  std::string out;
  google::protobuf::TextFormat::Printer p;
  p.SetUseShortRepeatedPrimitives(false);
  p.PrintToString(net, &out);
  return out;
}

namespace {
class Collector : public google::protobuf::io::ErrorCollector {
public:
  explicit Collector(std::string path) : path_(std::move(path)) {}
  void AddError(int line, int col, const std::string &msg) override {
    if (first_.empty())
      first_ = path_ + ":" + std::to_string(line + 1) + ":" +
               std::to_string(col + 1) + ": " + msg;
  }
  void AddWarning(int, int, const std::string &) override {}
  std::string first_;

private:
  std::string path_;
};
} // namespace

static llvm::Expected<DataLayer> readDataLayer(const pb::LayerParameter &l,
                                               llvm::StringRef path) {
  DataLayer d;
  d.name = l.name();
  if (l.top_size() != 1)
    return makeError(path + ": Data layer '" + l.name() +
                     "' must have exactly one top");
  d.top = l.top(0);
  const pb::DataParameter &dp = l.data_param();
  d.source = dp.source();
  d.batchSize = dp.has_batch_size() ? dp.batch_size() : 1;
  if (dp.has_backend() && dp.backend() != pb::DataParameter::LMDB)
    return makeError(path + ": Data layer '" + l.name() +
                     "': only backend: LMDB is supported");
  const pb::TransformationParameter &tp = l.transform_param();
  Preprocess &p = d.preprocess;
  p.mean.assign(tp.mean_value().begin(), tp.mean_value().end());
  if (tp.has_scale())
    p.scale = {tp.scale()};
  for (const pb::TransformOp &op : tp.transform_op()) {
    switch (op.op()) {
    case pb::TransformOp::STAND:
      p.mean.assign(op.mean_value().begin(), op.mean_value().end());
      p.scale.assign(op.scale().begin(), op.scale().end());
      break;
    case pb::TransformOp::RESIZE:
      if (op.resize_h() <= 0 || op.resize_w() <= 0)
        return makeError(path + ": Data layer '" + l.name() +
                         "': RESIZE needs positive resize_h and resize_w");
      p.resizeH = op.resize_h();
      p.resizeW = op.resize_w();
      break;
    case pb::TransformOp::BGR2RGB:
      p.bgr2rgb = true;
      break;
    }
  }
  return d;
}

llvm::Expected<NetText> parseNetText(llvm::StringRef text,
                                     llvm::StringRef path) {
  pb::NetParameter net;
  google::protobuf::TextFormat::Parser parser;
  Collector errors(path.str());
  parser.RecordErrorsTo(&errors);
  parser.AllowUnknownField(true);
  parser.AllowUnknownExtension(true);
  if (!parser.ParseFromString(text.str(), &net))
    return makeError(errors.first_.empty()
                         ? (path + ": not a prototxt").str()
                         : errors.first_ + " (not a valid prototxt)");
  NetText t;
  t.name = net.name();
  t.modelType = net.model_type();
  for (const pb::LayerParameter &l : net.layer()) {
    if (l.name().empty())
      return makeError(path + ": a layer of type '" + l.type() +
                       "' has no name");
    if (l.type() == "Data") {
      auto d = readDataLayer(l, path);
      if (!d)
        return d.takeError();
      t.data.push_back(std::move(*d));
      continue;
    }
    if (l.type() == "Input")
      continue;
    NetLayer nl;
    nl.name = l.name();
    nl.type = l.type();
    nl.bottoms.assign(l.bottom().begin(), l.bottom().end());
    nl.tops.assign(l.top().begin(), l.top().end());
    t.layers.push_back(std::move(nl));
  }
  return t;
}

llvm::Expected<NetText> readNetText(llvm::StringRef path) {
  auto mb = llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!mb)
    return makeError(path + ": cannot read the prototxt: " +
                     mb.getError().message());
  return parseNetText((*mb)->getBuffer(), path);
}

llvm::Error checkNetTextMatches(const NetText &t, llvm::StringRef protoPath,
                                const Module &m, llvm::StringRef netName,
                                llvm::StringRef umodelPath) {
  std::string both = (protoPath + " and " + umodelPath).str();
  if (t.name != netName)
    return makeError(both + " describe different nets: the prototxt is net '" +
                     t.name + "', the umodel net '" + netName +
                     "' (pass the prototxt written with this umodel)");
  llvm::StringSet<> layers;
  for (const NetLayer &l : t.layers)
    layers.insert(l.name);
  std::vector<std::string> missing;
  size_t nodes = 0;
  for (const auto &n : m.graph.nodes()) {
    if (n->kind() == OpKind::Constant)
      continue;
    ++nodes;
    if (!layers.count(netLayerName(*n)))
      missing.push_back(netLayerName(*n));
  }
  if (!missing.empty() || nodes != t.layers.size())
    return makeError(
        both + " describe different nets: the prototxt has " +
        llvm::Twine(t.layers.size()) + " layers, the umodel " +
        llvm::Twine(nodes) +
        (missing.empty() ? llvm::Twine("")
                         : llvm::Twine("; the prototxt lacks layer '") +
                               missing.front() + "'") +
        " (pass the prototxt written with this umodel)");
  for (const DataLayer &d : t.data)
    if (!m.graph.findValue(d.top))
      return makeError(protoPath + ": Data layer '" + d.name + "' feeds '" +
                       d.top + "', which is not an input of net '" + netName +
                       "'");
  return llvm::Error::success();
}

} // namespace onntc
