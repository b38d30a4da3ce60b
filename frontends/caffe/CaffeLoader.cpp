//===- CaffeLoader.cpp - Caffe prototxt / caffemodel reading --------------===//

#include "frontends/caffe/CaffeLoader.h"

#include "frontends/caffe/caffe.pb.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/MemoryBuffer.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

#include <climits>

namespace onntc {

using namespace onntc_caffe;

static llvm::Error fail(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

llvm::Expected<std::unique_ptr<NetParameter>>
parseCaffeText(llvm::StringRef text, llvm::StringRef file) {
  auto net = std::make_unique<NetParameter>();
  google::protobuf::TextFormat::Parser parser;
  // Training-only and fork-specific fields (fillers, lr_mult, ...) are not
  // in our schema; skipping them is what makes any deploy prototxt load.
  parser.AllowUnknownField(true);
  parser.AllowUnknownExtension(true);
  struct Collector : google::protobuf::io::ErrorCollector {
    std::string msg;
    void AddError(int line, int col, const std::string &m) override {
      if (msg.empty())
        msg = std::to_string(line + 1) + ":" + std::to_string(col + 1) + ": " +
              m;
    }
    void AddWarning(int, int, const std::string &) override {}
  } collector;
  parser.RecordErrorsTo(&collector);
  // Control characters other than whitespace never occur in protobuf text;
  // a caffemodel (or other binary file) passed as --model has them early.
  llvm::StringRef head = text.take_front(4096);
  bool binary = llvm::any_of(head, [](char c) {
    unsigned char u = static_cast<unsigned char>(c);
    return u < 0x20 && u != '\t' && u != '\n' && u != '\r' && u != '\f' &&
           u != '\v';
  });
  if (binary)
    return fail(file + ": not a Caffe prototxt (protobuf text): the file is "
                       "binary (a .caffemodel goes to --weight)");
  if (!parser.ParseFromString(text.str(), net.get()))
    return fail(file + ": not a valid Caffe prototxt: " + collector.msg);
  return net;
}

llvm::Expected<std::unique_ptr<NetParameter>>
parseCaffeBinary(llvm::StringRef bytes, llvm::StringRef file) {
  auto net = std::make_unique<NetParameter>();
  google::protobuf::io::CodedInputStream in(
      reinterpret_cast<const uint8_t *>(bytes.data()), int(bytes.size()));
  in.SetTotalBytesLimit(INT_MAX);
  if (bytes.size() > size_t(INT_MAX) || !net->ParseFromCodedStream(&in) ||
      !in.ConsumedEntireMessage())
    return fail(file + ": not a Caffe binary model (.caffemodel): the "
                       "protobuf data is truncated or of another format");
  return net;
}

llvm::StringRef caffeV1TypeName(int t) {
  switch (V1LayerParameter::LayerType(t)) {
  case V1LayerParameter::NONE: return "";
  case V1LayerParameter::ABSVAL: return "AbsVal";
  case V1LayerParameter::ACCURACY: return "Accuracy";
  case V1LayerParameter::ARGMAX: return "ArgMax";
  case V1LayerParameter::BNLL: return "BNLL";
  case V1LayerParameter::CONCAT: return "Concat";
  case V1LayerParameter::CONTRASTIVE_LOSS: return "ContrastiveLoss";
  case V1LayerParameter::CONVOLUTION: return "Convolution";
  case V1LayerParameter::DATA: return "Data";
  case V1LayerParameter::DECONVOLUTION: return "Deconvolution";
  case V1LayerParameter::DROPOUT: return "Dropout";
  case V1LayerParameter::DUMMY_DATA: return "DummyData";
  case V1LayerParameter::EUCLIDEAN_LOSS: return "EuclideanLoss";
  case V1LayerParameter::ELTWISE: return "Eltwise";
  case V1LayerParameter::EXP: return "Exp";
  case V1LayerParameter::FLATTEN: return "Flatten";
  case V1LayerParameter::HDF5_DATA: return "HDF5Data";
  case V1LayerParameter::HDF5_OUTPUT: return "HDF5Output";
  case V1LayerParameter::HINGE_LOSS: return "HingeLoss";
  case V1LayerParameter::IM2COL: return "Im2col";
  case V1LayerParameter::IMAGE_DATA: return "ImageData";
  case V1LayerParameter::INFOGAIN_LOSS: return "InfogainLoss";
  case V1LayerParameter::INNER_PRODUCT: return "InnerProduct";
  case V1LayerParameter::LRN: return "LRN";
  case V1LayerParameter::MEMORY_DATA: return "MemoryData";
  case V1LayerParameter::MULTINOMIAL_LOGISTIC_LOSS:
    return "MultinomialLogisticLoss";
  case V1LayerParameter::MVN: return "MVN";
  case V1LayerParameter::POOLING: return "Pooling";
  case V1LayerParameter::POWER: return "Power";
  case V1LayerParameter::RELU: return "ReLU";
  case V1LayerParameter::SIGMOID: return "Sigmoid";
  case V1LayerParameter::SIGMOID_CROSS_ENTROPY_LOSS:
    return "SigmoidCrossEntropyLoss";
  case V1LayerParameter::SILENCE: return "Silence";
  case V1LayerParameter::SOFTMAX: return "Softmax";
  case V1LayerParameter::SOFTMAX_LOSS: return "SoftmaxWithLoss";
  case V1LayerParameter::SPLIT: return "Split";
  case V1LayerParameter::SLICE: return "Slice";
  case V1LayerParameter::TANH: return "TanH";
  case V1LayerParameter::WINDOW_DATA: return "WindowData";
  case V1LayerParameter::THRESHOLD: return "Threshold";
  }
  return "";
}

/// Caffe's NetStateRule matching for the TEST phase at level 0 with no
/// stages: a rule that needs a stage never matches.
static bool ruleMatches(const NetStateRule &r) {
  if (r.has_phase() && r.phase() != TEST)
    return false;
  if (r.has_min_level() && r.min_level() > 0)
    return false;
  if (r.has_max_level() && r.max_level() < 0)
    return false;
  return r.stage_size() == 0;
}

template <typename L> static bool inTestPhase(const L &l) {
  if (l.include_size() > 0) {
    for (const NetStateRule &r : l.include())
      if (ruleMatches(r))
        return true;
    return false;
  }
  for (const NetStateRule &r : l.exclude())
    if (ruleMatches(r))
      return false;
  return true;
}

static llvm::Error upgradeV1(NetParameter &net, llvm::StringRef file) {
  for (const V1LayerParameter &v1 : net.layers()) {
    LayerParameter *l = net.add_layer();
    l->set_name(v1.name());
    llvm::StringRef type = caffeV1TypeName(v1.type());
    if (type.empty())
      return fail(file + ": layer '" + v1.name() + "' (V1 type " +
                  llvm::Twine(int(v1.type())) +
                  "): not a known V1 layer type (V0-format nets are not "
                  "supported; upgrade them with Caffe's upgrade_net_proto_text)");
    l->set_type(type.str());
    *l->mutable_bottom() = v1.bottom();
    *l->mutable_top() = v1.top();
    *l->mutable_blobs() = v1.blobs();
    *l->mutable_include() = v1.include();
    *l->mutable_exclude() = v1.exclude();
    if (v1.has_concat_param())
      *l->mutable_concat_param() = v1.concat_param();
    if (v1.has_convolution_param())
      *l->mutable_convolution_param() = v1.convolution_param();
    if (v1.has_dropout_param())
      *l->mutable_dropout_param() = v1.dropout_param();
    if (v1.has_eltwise_param())
      *l->mutable_eltwise_param() = v1.eltwise_param();
    if (v1.has_inner_product_param())
      *l->mutable_inner_product_param() = v1.inner_product_param();
    if (v1.has_lrn_param())
      *l->mutable_lrn_param() = v1.lrn_param();
    if (v1.has_pooling_param())
      *l->mutable_pooling_param() = v1.pooling_param();
    if (v1.has_power_param())
      *l->mutable_power_param() = v1.power_param();
    if (v1.has_relu_param())
      *l->mutable_relu_param() = v1.relu_param();
    if (v1.has_softmax_param())
      *l->mutable_softmax_param() = v1.softmax_param();
    if (v1.has_slice_param())
      *l->mutable_slice_param() = v1.slice_param();
  }
  net.clear_layers();
  return llvm::Error::success();
}

static llvm::Error upgradeInputs(NetParameter &net, llvm::StringRef file) {
  if (net.input_size() == 0) {
    if (net.input_dim_size() || net.input_shape_size())
      return fail(file + ": input_dim/input_shape given without an input name");
    return llvm::Error::success();
  }
  int n = net.input_size();
  bool dims = net.input_dim_size() > 0, shapes = net.input_shape_size() > 0;
  if (dims && shapes)
    return fail(file + ": both input_dim and input_shape are given; use one");
  if (dims && net.input_dim_size() != 4 * n)
    return fail(file + ": " + llvm::Twine(n) + " input(s) need " +
                llvm::Twine(4 * n) + " input_dim values, found " +
                llvm::Twine(net.input_dim_size()));
  if (shapes && net.input_shape_size() != n)
    return fail(file + ": " + llvm::Twine(n) + " input(s) but " +
                llvm::Twine(net.input_shape_size()) + " input_shape entries");
  google::protobuf::RepeatedPtrField<LayerParameter> layers;
  for (int i = 0; i < n; ++i) {
    LayerParameter *l = layers.Add();
    l->set_name(net.input(i));
    l->set_type("Input");
    l->add_top(net.input(i));
    BlobShape *s = l->mutable_input_param()->add_shape();
    if (dims)
      for (int d = 0; d < 4; ++d)
        s->add_dim(net.input_dim(4 * i + d));
    else if (shapes)
      *s = net.input_shape(i);
  }
  for (LayerParameter &l : *net.mutable_layer())
    *layers.Add() = std::move(l);
  *net.mutable_layer() = std::move(layers);
  net.clear_input();
  net.clear_input_dim();
  net.clear_input_shape();
  return llvm::Error::success();
}

llvm::Error upgradeCaffeNet(NetParameter &net, llvm::StringRef file,
                            bool testPhaseOnly) {
  if (net.layers_size() > 0 && net.layer_size() > 0)
    return fail(file + ": the net mixes V1 'layers' and new 'layer' entries");
  if (net.layers_size() > 0)
    if (llvm::Error e = upgradeV1(net, file))
      return e;
  if (llvm::Error e = upgradeInputs(net, file))
    return e;
  if (!testPhaseOnly)
    return llvm::Error::success();
  google::protobuf::RepeatedPtrField<LayerParameter> kept;
  for (LayerParameter &l : *net.mutable_layer())
    if (inTestPhase(l))
      *kept.Add() = std::move(l);
  *net.mutable_layer() = std::move(kept);
  return llvm::Error::success();
}

static llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>>
readFile(llvm::StringRef path, llvm::StringRef what) {
  auto buf = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                         /*RequiresNullTerminator=*/false);
  if (!buf)
    return fail(path + ": cannot read the " + what + ": " +
                buf.getError().message());
  return std::move(*buf);
}

llvm::Expected<std::unique_ptr<NetParameter>>
loadCaffePrototxt(llvm::StringRef path) {
  auto buf = readFile(path, "prototxt (--model)");
  if (!buf)
    return buf.takeError();
  auto net = parseCaffeText((*buf)->getBuffer(), path);
  if (!net)
    return net.takeError();
  if (llvm::Error e = upgradeCaffeNet(**net, path))
    return e;
  if ((*net)->layer_size() == 0)
    return fail(path + ": the prototxt declares no layers");
  return net;
}

llvm::Expected<std::unique_ptr<NetParameter>>
loadCaffeModel(llvm::StringRef path) {
  auto buf = readFile(path, "caffemodel (--weight)");
  if (!buf)
    return buf.takeError();
  auto net = parseCaffeBinary((*buf)->getBuffer(), path);
  if (!net)
    return net.takeError();
  if (llvm::Error e = upgradeCaffeNet(**net, path, /*testPhaseOnly=*/false))
    return e;
  if (caffeWeightLayers(**net).empty())
    return fail(path + ": no layer in the file carries weights; is it a "
                       "Caffe .caffemodel?");
  return net;
}

llvm::StringMap<const LayerParameter *>
caffeWeightLayers(const NetParameter &weights) {
  llvm::StringMap<const LayerParameter *> m;
  for (const LayerParameter &l : weights.layer())
    if (l.blobs_size() > 0)
      m[l.name()] = &l;
  return m;
}

} // namespace onntc
