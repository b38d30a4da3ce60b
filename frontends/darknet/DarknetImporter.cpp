//===- DarknetImporter.cpp - Darknet cfg + weights -> IR module -----------===//
//
// Walks the cfg's sections in order, as Darknet builds its layers: each
// layer reads its weights from the .weights stream (conv: biases, then
// scales/mean/variance with batch_normalize, then the filters; connected:
// biases, weights, then the BN arrays) and produces one NCHW value. Layer
// i is named `<kind>_<i>` (conv_0, maxpool_1, route_9, ...), the index
// Darknet itself uses, so that --output_names and messages match the cfg.
//
//===----------------------------------------------------------------------===//
#include "frontends/darknet/DarknetImporter.h"

#include "ir/Diagnostics.h"
#include "ir/OpInfo.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Path.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace onntc {

DnPoolGeometry darknetMaxPoolGeometry(int64_t in, int64_t size, int64_t stride,
                                      int64_t padding) {
  DnPoolGeometry g;
  g.padBegin = padding / 2;
  g.padEnd = padding - padding / 2;
  g.out = (in + padding - size) / stride + 1;
  return g;
}

namespace {

/// One imported layer: its output and Darknet's view of its size.
struct Layer {
  Value *out = nullptr;
  std::string name;
};

class Importer;
using LayerFn = llvm::Error (Importer::*)(const DnSection &, unsigned);

struct SectionRow {
  const char *type;
  const char *shortName;
  LayerFn fn;
};

class Importer {
public:
  Importer(const DnCfg &cfg, DnWeights &w, const DarknetImportOptions &o)
      : cfg_(cfg), w_(w), opts_(o) {}
  llvm::Expected<std::unique_ptr<Module>> run();

  llvm::Error convolutional(const DnSection &s, unsigned i);
  llvm::Error maxpool(const DnSection &s, unsigned i);
  llvm::Error avgpool(const DnSection &s, unsigned i);
  llvm::Error route(const DnSection &s, unsigned i);
  llvm::Error shortcut(const DnSection &s, unsigned i);
  llvm::Error upsample(const DnSection &s, unsigned i);
  llvm::Error yolo(const DnSection &s, unsigned i);
  llvm::Error dropout(const DnSection &s, unsigned i);
  llvm::Error connected(const DnSection &s, unsigned i);
  llvm::Error softmax(const DnSection &s, unsigned i);

private:
  Graph &g() { return module_->graph; }
  SourceLoc loc(const DnSection &s, unsigned i) const {
    return SourceLoc{cfg_.file, layerName(s, i), s.type, 0};
  }
  std::string layerName(const DnSection &s, unsigned i) const;
  llvm::Expected<Value *> emit(const DnSection &s, unsigned i, OpKind k,
                               llvm::ArrayRef<Value *> ins,
                               llvm::StringRef name, const Attributes &a = {});
  Value *constant(const DnSection &s, unsigned i, llvm::StringRef name,
                  Tensor t);
  Value *intsConst(const DnSection &s, unsigned i, llvm::StringRef name,
                   llvm::ArrayRef<int64_t> v) {
    return constant(s, i, name,
                    Tensor::fromInts(DType::I64, Shape{int64_t(v.size())}, v));
  }
  /// Applies `activation` to `pre` and names the result after the layer.
  llvm::Error finish(const DnSection &s, unsigned i, Value *pre,
                     llvm::StringRef act);
  llvm::Expected<llvm::ArrayRef<float>> weights(const DnSection &s, unsigned i,
                                                size_t n, llvm::StringRef what);
  llvm::Expected<unsigned> layerRef(const DnSection &s, unsigned i, int64_t ref,
                                    llvm::StringRef key);
  const Shape &prevShape(unsigned i) const { return prev(i)->shape(); }
  Value *prev(unsigned i) const { return i ? layers_[i - 1].out : input_; }

  const DnCfg &cfg_;
  DnWeights &w_;
  const DarknetImportOptions &opts_;
  std::unique_ptr<Module> module_;
  Value *input_ = nullptr;
  std::vector<Layer> layers_;
  std::vector<Value *> yoloOutputs_;
};

const SectionRow kSections[] = {
    {"avg", "avgpool", &Importer::avgpool},
    {"avgpool", "avgpool", &Importer::avgpool},
    {"conn", "connected", &Importer::connected},
    {"connected", "connected", &Importer::connected},
    {"conv", "conv", &Importer::convolutional},
    {"convolutional", "conv", &Importer::convolutional},
    {"dropout", "dropout", &Importer::dropout},
    {"max", "maxpool", &Importer::maxpool},
    {"maxpool", "maxpool", &Importer::maxpool},
    {"region", "region", &Importer::yolo},
    {"route", "route", &Importer::route},
    {"shortcut", "shortcut", &Importer::shortcut},
    {"soft", "softmax", &Importer::softmax},
    {"softmax", "softmax", &Importer::softmax},
    {"upsample", "upsample", &Importer::upsample},
    {"yolo", "yolo", &Importer::yolo},
};

const SectionRow *findSection(llvm::StringRef type) {
  auto it = std::lower_bound(std::begin(kSections), std::end(kSections), type,
                             [](const SectionRow &r, llvm::StringRef k) {
                               return llvm::StringRef(r.type) < k;
                             });
  return it != std::end(kSections) && type == it->type ? it : nullptr;
}

constexpr const char *kActivations[] = {
    "elu",  "hardtan", "leaky", "linear", "logistic", "mish",
    "relu", "relu6",   "selu",  "swish",  "tanh"};

std::string Importer::layerName(const DnSection &s, unsigned i) const {
  const SectionRow *r = findSection(s.type);
  return std::string(r ? r->shortName : s.type.c_str()) + "_" +
         std::to_string(i);
}

llvm::Expected<Value *> Importer::emit(const DnSection &s, unsigned i, OpKind k,
                                       llvm::ArrayRef<Value *> ins,
                                       llvm::StringRef name,
                                       const Attributes &a) {
  std::string out = g().uniqueName(name);
  Node *n = g().createNode(k, ins, {out}, out, loc(s, i));
  for (const auto &[key, v] : a.entries())
    n->setAttr(key, v);
  if (llvm::Error e = opHooks(k).infer(*n))
    return cfg_.error(s, "layer " + llvm::Twine(i) + ": " +
                             llvm::toString(std::move(e)));
  return n->output(0);
}

Value *Importer::constant(const DnSection &s, unsigned i, llvm::StringRef name,
                          Tensor t) {
  return g()
      .createConstant(g().uniqueName(name), std::move(t), loc(s, i))
      ->output();
}

llvm::Expected<llvm::ArrayRef<float>> Importer::weights(const DnSection &s,
                                                        unsigned i, size_t n,
                                                        llvm::StringRef what) {
  return w_.take(n, "layer " + llvm::Twine(i) + " (" + cfg_.where(s) + ") " +
                        what);
}

llvm::Expected<unsigned> Importer::layerRef(const DnSection &s, unsigned i,
                                            int64_t ref, llvm::StringRef key) {
  int64_t r = ref < 0 ? int64_t(i) + ref : ref;
  if (r < 0 || r >= int64_t(i)) {
    std::string msg = "layer " + std::to_string(i) +
                      " can only refer to "
                      "earlier layers, and " +
                      std::to_string(ref) + " is not one";
    const DnOption *o = s.find(key);
    return o ? cfg_.error(s, *o, msg) : cfg_.error(s, msg);
  }
  return unsigned(r);
}

llvm::Error Importer::finish(const DnSection &s, unsigned i, Value *pre,
                             llvm::StringRef act) {
  std::string name = layerName(s, i);
  Value *out = nullptr;
  llvm::Expected<Value *> r = pre;
  auto clip = [&](float lo, float hi) {
    return emit(s, i, OpKind::Clip,
                {pre, constant(s, i, name + "_min", Tensor::scalarFloat(lo)),
                 constant(s, i, name + "_max", Tensor::scalarFloat(hi))},
                name);
  };
  if (act == "linear") {
    g().renameValue(pre, g().uniqueName(name));
    layers_.push_back({pre, name});
    return llvm::Error::success();
  }
  if (act == "leaky") {
    Attributes a;
    a.set("alpha", 0.1f);
    r = emit(s, i, OpKind::LeakyRelu, {pre}, name, a);
  } else if (act == "relu") {
    r = emit(s, i, OpKind::Relu, {pre}, name);
  } else if (act == "logistic") {
    r = emit(s, i, OpKind::Sigmoid, {pre}, name);
  } else if (act == "tanh") {
    r = emit(s, i, OpKind::Tanh, {pre}, name);
  } else if (act == "mish") {
    r = emit(s, i, OpKind::Mish, {pre}, name);
  } else if (act == "elu") {
    r = emit(s, i, OpKind::Elu, {pre}, name);
  } else if (act == "selu") {
    r = emit(s, i, OpKind::Selu, {pre}, name);
  } else if (act == "relu6") {
    r = clip(0.0f, 6.0f);
  } else if (act == "hardtan") {
    r = clip(-1.0f, 1.0f);
  } else if (act == "swish") {
    auto sig = emit(s, i, OpKind::Sigmoid, {pre}, name + "_sigmoid");
    if (!sig)
      return sig.takeError();
    r = emit(s, i, OpKind::Mul, {pre, *sig}, name);
  } else {
    std::string list;
    for (const char *a : kActivations)
      list += std::string(list.empty() ? "" : ", ") + a;
    const DnOption *o = s.find("activation");
    return o ? cfg_.error(s, *o,
                          "this activation is not supported (" + list + ")")
             : cfg_.error(s, "activation '" + act + "' is not supported");
  }
  if (!r)
    return r.takeError();
  out = *r;
  layers_.push_back({out, name});
  return llvm::Error::success();
}

llvm::Error Importer::convolutional(const DnSection &s, unsigned i) {
  auto filters = cfg_.getInt(s, "filters", 1);
  auto size = cfg_.getInt(s, "size", 1);
  auto stride = cfg_.getInt(s, "stride", 1);
  auto pad = cfg_.getInt(s, "pad", 0);
  auto padding = cfg_.getInt(s, "padding", 0);
  auto groups = cfg_.getInt(s, "groups", 1);
  auto bn = cfg_.getInt(s, "batch_normalize", 0);
  auto dilation = cfg_.getInt(s, "dilation", 1);
  auto xnor = cfg_.getInt(s, "xnor", 0);
  for (auto *v : {&filters, &size, &stride, &pad, &padding, &groups, &bn,
                  &dilation, &xnor})
    if (!*v)
      return v->takeError();
  auto strideX = cfg_.getInt(s, "stride_x", *stride);
  auto strideY = cfg_.getInt(s, "stride_y", *stride);
  if (!strideX || !strideY)
    return llvm::joinErrors(strideX.takeError(), strideY.takeError());
  if (*xnor)
    return cfg_.error(s, "xnor=1 (binary) convolutions are not supported");
  const Shape &in = prevShape(i);
  int64_t c = in[1];
  if (*filters <= 0 || *size <= 0 || *strideX <= 0 || *strideY <= 0 ||
      *groups <= 0 || *dilation <= 0 || *padding < 0)
    return cfg_.error(s, "filters, size, stride, groups and dilation must be "
                         "positive");
  if (c % *groups || *filters % *groups)
    return cfg_.error(s, "groups=" + llvm::Twine(*groups) +
                             " does not divide the " + llvm::Twine(c) +
                             " input channels and " + llvm::Twine(*filters) +
                             " filters");
  int64_t p = *pad ? *size / 2 : *padding;
  int64_t n = *filters, perFilter = c / *groups * *size * *size;
  auto biases = weights(s, i, size_t(n), "biases");
  if (!biases)
    return biases.takeError();
  std::vector<float> scales(size_t(n), 1.0f), mean(size_t(n), 0.0f),
      var(size_t(n), 1.0f);
  if (*bn) {
    for (auto [vec, what] :
         {std::pair{&scales, "BN scales"}, std::pair{&mean, "BN rolling mean"},
          std::pair{&var, "BN rolling variance"}}) {
      auto a = weights(s, i, size_t(n), what);
      if (!a)
        return a.takeError();
      vec->assign(a->begin(), a->end());
    }
  }
  auto wts = weights(s, i, size_t(n * perFilter), "filters");
  if (!wts)
    return wts.takeError();
  Tensor wt(DType::F32, Shape{n, c / *groups, *size, *size});
  Tensor bt(DType::F32, Shape{n});
  float *wd = wt.data<float>(), *bd = bt.data<float>();
  for (int64_t f = 0; f < n; ++f) {
    // Darknet's inference BN: (x - mean) / (sqrt(var) + .000001) * scale.
    float k =
        *bn ? scales[size_t(f)] / (std::sqrt(var[size_t(f)]) + .000001f) : 1.0f;
    for (int64_t j = 0; j < perFilter; ++j)
      wd[f * perFilter + j] = (*wts)[size_t(f * perFilter + j)] * k;
    bd[f] =
        *bn ? (*biases)[size_t(f)] - mean[size_t(f)] * k : (*biases)[size_t(f)];
  }
  std::string name = layerName(s, i);
  Attributes a;
  a.set("kernel_shape", std::vector<int64_t>{*size, *size});
  a.set("strides", std::vector<int64_t>{*strideY, *strideX});
  a.set("pads", std::vector<int64_t>{p, p, p, p});
  a.set("dilations", std::vector<int64_t>{*dilation, *dilation});
  a.set("group", *groups);
  auto conv = emit(s, i, OpKind::Conv,
                   {prev(i), constant(s, i, name + "_weight", std::move(wt)),
                    constant(s, i, name + "_bias", std::move(bt))},
                   name + "_conv", a);
  if (!conv)
    return conv.takeError();
  return finish(s, i, *conv, cfg_.getString(s, "activation", "logistic"));
}

llvm::Error Importer::maxpool(const DnSection &s, unsigned i) {
  auto stride = cfg_.getInt(s, "stride", 1);
  if (!stride)
    return stride.takeError();
  auto size = cfg_.getInt(s, "size", *stride);
  if (!size)
    return size.takeError();
  auto padding = cfg_.getInt(s, "padding", *size - 1);
  auto depth = cfg_.getInt(s, "maxpool_depth", 0);
  auto aa = cfg_.getInt(s, "antialiasing", 0);
  if (!padding || !depth || !aa)
    return llvm::joinErrors(
        llvm::joinErrors(padding.takeError(), depth.takeError()),
        aa.takeError());
  if (*depth || *aa)
    return cfg_.error(s, "maxpool_depth and antialiasing are not supported");
  auto sx = cfg_.getInt(s, "stride_x", *stride);
  auto sy = cfg_.getInt(s, "stride_y", *stride);
  if (!sx || !sy)
    return llvm::joinErrors(sx.takeError(), sy.takeError());
  if (*size <= 0 || *sx <= 0 || *sy <= 0 || *padding < 0)
    return cfg_.error(s, "size and stride must be positive, padding "
                         "non-negative");
  const Shape &in = prevShape(i);
  DnPoolGeometry gy = darknetMaxPoolGeometry(in[2], *size, *sy, *padding);
  DnPoolGeometry gx = darknetMaxPoolGeometry(in[3], *size, *sx, *padding);
  if (gy.out <= 0 || gx.out <= 0)
    return cfg_.error(s, "the window does not fit the " + in.str() + " input");
  if (gy.padEnd >= *size)
    return cfg_.error(s, "padding=" + llvm::Twine(*padding) +
                             " leaves windows with no input element");
  Attributes a;
  a.set("kernel_shape", std::vector<int64_t>{*size, *size});
  a.set("strides", std::vector<int64_t>{*sy, *sx});
  a.set("pads",
        std::vector<int64_t>{gy.padBegin, gx.padBegin, gy.padEnd, gx.padEnd});
  auto out = emit(s, i, OpKind::MaxPool, {prev(i)}, layerName(s, i), a);
  if (!out)
    return out.takeError();
  if ((*out)->shape()[2] != gy.out || (*out)->shape()[3] != gx.out)
    return cfg_.error(s, "internal: pooled size differs from Darknet's");
  layers_.push_back({*out, layerName(s, i)});
  return llvm::Error::success();
}

llvm::Error Importer::avgpool(const DnSection &s, unsigned i) {
  auto out = emit(s, i, OpKind::GlobalAveragePool, {prev(i)}, layerName(s, i));
  if (!out)
    return out.takeError();
  layers_.push_back({*out, layerName(s, i)});
  return llvm::Error::success();
}

llvm::Error Importer::dropout(const DnSection &s, unsigned i) {
  // Inference: the identity (removed by the optimiser).
  auto out = emit(s, i, OpKind::Identity, {prev(i)}, layerName(s, i));
  if (!out)
    return out.takeError();
  layers_.push_back({*out, layerName(s, i)});
  return llvm::Error::success();
}

llvm::Error Importer::yolo(const DnSection &s, unsigned i) {
  // The detection head's raw input is the output; decoding is later work.
  Value *v = prev(i);
  if (!llvm::is_contained(yoloOutputs_, v))
    yoloOutputs_.push_back(v);
  layers_.push_back({v, layerName(s, i)});
  return llvm::Error::success();
}

llvm::Error Importer::route(const DnSection &s, unsigned i) {
  auto refs = cfg_.getInts(s, "layers");
  auto groups = cfg_.getInt(s, "groups", 1);
  auto gid = cfg_.getInt(s, "group_id", 0);
  if (!refs || !groups || !gid)
    return llvm::joinErrors(
        llvm::joinErrors(refs.takeError(), groups.takeError()),
        gid.takeError());
  if (refs->empty())
    return cfg_.error(s, "'layers' is required");
  if (*groups <= 0 || *gid < 0 || *gid >= *groups)
    return cfg_.error(s, "group_id=" + llvm::Twine(*gid) + " with groups=" +
                             llvm::Twine(*groups) + " is not valid");
  std::string name = layerName(s, i);
  std::vector<Value *> parts;
  const Shape *first = nullptr;
  for (int64_t ref : *refs) {
    auto li = layerRef(s, i, ref, "layers");
    if (!li)
      return li.takeError();
    Value *v = layers_[*li].out;
    const Shape &vs = v->shape();
    if (first && (vs[2] != (*first)[2] || vs[3] != (*first)[3]))
      return cfg_.error(s, "layer " + llvm::Twine(*li) + " is " + vs.str() +
                               " but the first routed layer is " +
                               first->str() + "; spatial sizes must match");
    first = first ? first : &vs;
    if (*groups > 1) {
      if (vs[1] % *groups)
        return cfg_.error(s, "groups=" + llvm::Twine(*groups) +
                                 " does not divide the " + llvm::Twine(vs[1]) +
                                 " channels of layer " + llvm::Twine(*li));
      int64_t part = vs[1] / *groups;
      std::string pn = name + "_part" + std::to_string(parts.size());
      auto sl = emit(s, i, OpKind::Slice,
                     {v, intsConst(s, i, pn + "_starts", {*gid * part}),
                      intsConst(s, i, pn + "_ends", {(*gid + 1) * part}),
                      intsConst(s, i, pn + "_axes", {1})},
                     refs->size() == 1 ? name : pn);
      if (!sl)
        return sl.takeError();
      v = *sl;
    }
    parts.push_back(v);
  }
  llvm::Expected<Value *> out = parts[0];
  if (parts.size() > 1) {
    Attributes a;
    a.set("axis", int64_t(1));
    out = emit(s, i, OpKind::Concat, parts, name, a);
  } else if (*groups == 1) {
    out = emit(s, i, OpKind::Identity, parts, name);
  }
  if (!out)
    return out.takeError();
  layers_.push_back({*out, name});
  return llvm::Error::success();
}

llvm::Error Importer::shortcut(const DnSection &s, unsigned i) {
  auto from = cfg_.getInts(s, "from");
  auto alpha = cfg_.getFloat(s, "alpha", 1.0f);
  auto beta = cfg_.getFloat(s, "beta", 1.0f);
  if (!from || !alpha || !beta)
    return llvm::joinErrors(
        llvm::joinErrors(from.takeError(), alpha.takeError()),
        beta.takeError());
  if (from->size() != 1)
    return cfg_.error(s, "'from' must name exactly one layer");
  std::string wt = cfg_.getString(s, "weights_type", "none");
  if (wt != "none")
    return cfg_.error(s, "weights_type=" + wt + " is not supported");
  if (*alpha != 1.0f || *beta != 1.0f)
    return cfg_.error(s, "alpha/beta other than 1 are not supported");
  auto li = layerRef(s, i, (*from)[0], "from");
  if (!li)
    return li.takeError();
  Value *a = prev(i), *b = layers_[*li].out;
  if (a->shape() != b->shape())
    return cfg_.error(s, "layer " + llvm::Twine(*li) + " is " +
                             b->shape().str() + " but the previous layer is " +
                             a->shape().str() +
                             "; shortcuts between different shapes are not "
                             "supported");
  auto sum = emit(s, i, OpKind::Add, {a, b}, layerName(s, i) + "_add");
  if (!sum)
    return sum.takeError();
  return finish(s, i, *sum, cfg_.getString(s, "activation", "linear"));
}

llvm::Error Importer::upsample(const DnSection &s, unsigned i) {
  auto stride = cfg_.getInt(s, "stride", 2);
  auto scale = cfg_.getFloat(s, "scale", 1.0f);
  if (!stride || !scale)
    return llvm::joinErrors(stride.takeError(), scale.takeError());
  if (*stride <= 0)
    return cfg_.error(s, "stride=" + llvm::Twine(*stride) +
                             " (downsampling) is not supported");
  std::string name = layerName(s, i);
  float st = float(*stride);
  Attributes a;
  a.set("mode", std::string("nearest"));
  a.set("coordinate_transformation_mode", std::string("asymmetric"));
  a.set("nearest_mode", std::string("floor"));
  auto up = emit(s, i, OpKind::Resize,
                 {prev(i), nullptr,
                  constant(s, i, name + "_scales",
                           Tensor::fromFloats(Shape{4}, {1, 1, st, st}))},
                 *scale == 1.0f ? name : name + "_resize", a);
  if (!up)
    return up.takeError();
  Value *out = *up;
  if (*scale != 1.0f) {
    auto m = emit(
        s, i, OpKind::Mul,
        {out, constant(s, i, name + "_scale", Tensor::scalarFloat(*scale))},
        name);
    if (!m)
      return m.takeError();
    out = *m;
  }
  layers_.push_back({out, name});
  return llvm::Error::success();
}

llvm::Error Importer::connected(const DnSection &s, unsigned i) {
  auto outputs = cfg_.getInt(s, "output", 1);
  auto bn = cfg_.getInt(s, "batch_normalize", 0);
  if (!outputs || !bn)
    return llvm::joinErrors(outputs.takeError(), bn.takeError());
  if (*outputs <= 0)
    return cfg_.error(s, "output must be positive");
  const Shape &in = prevShape(i);
  int64_t n = *outputs, k = in.numElements() / in[0];
  auto biases = weights(s, i, size_t(n), "biases");
  if (!biases)
    return biases.takeError();
  auto wts = weights(s, i, size_t(n * k), "weights");
  if (!wts)
    return wts.takeError();
  std::vector<float> scales(size_t(n), 1.0f), mean(size_t(n), 0.0f),
      var(size_t(n), 1.0f);
  if (*bn) {
    for (auto [vec, what] :
         {std::pair{&scales, "BN scales"}, std::pair{&mean, "BN rolling mean"},
          std::pair{&var, "BN rolling variance"}}) {
      auto a = weights(s, i, size_t(n), what);
      if (!a)
        return a.takeError();
      vec->assign(a->begin(), a->end());
    }
  }
  Tensor wt(DType::F32, Shape{n, k});
  Tensor bt(DType::F32, Shape{n});
  float *wd = wt.data<float>(), *bd = bt.data<float>();
  for (int64_t o = 0; o < n; ++o) {
    float f =
        *bn ? scales[size_t(o)] / (std::sqrt(var[size_t(o)]) + .000001f) : 1.0f;
    for (int64_t j = 0; j < k; ++j) {
      // Transposed files store [inputs][outputs].
      size_t src = w_.transpose ? size_t(j * n + o) : size_t(o * k + j);
      wd[o * k + j] = (*wts)[src] * f;
    }
    bd[o] =
        *bn ? (*biases)[size_t(o)] - mean[size_t(o)] * f : (*biases)[size_t(o)];
  }
  std::string name = layerName(s, i);
  Value *x = prev(i);
  if (in.rank() != 2) {
    Attributes fa;
    fa.set("axis", int64_t(1));
    auto f = emit(s, i, OpKind::Flatten, {x}, name + "_flatten", fa);
    if (!f)
      return f.takeError();
    x = *f;
  }
  Attributes ga;
  ga.set("transB", int64_t(1));
  auto gemm = emit(s, i, OpKind::Gemm,
                   {x, constant(s, i, name + "_weight", std::move(wt)),
                    constant(s, i, name + "_bias", std::move(bt))},
                   name + "_gemm", ga);
  if (!gemm)
    return gemm.takeError();
  // Darknet sees the result as C=outputs, H=W=1.
  auto r = emit(s, i, OpKind::Reshape,
                {*gemm, intsConst(s, i, name + "_shape", {in[0], n, 1, 1})},
                name + "_fc");
  if (!r)
    return r.takeError();
  return finish(s, i, *r, cfg_.getString(s, "activation", "logistic"));
}

llvm::Error Importer::softmax(const DnSection &s, unsigned i) {
  auto groups = cfg_.getInt(s, "groups", 1);
  auto temp = cfg_.getFloat(s, "temperature", 1.0f);
  if (!groups || !temp)
    return llvm::joinErrors(groups.takeError(), temp.takeError());
  if (*groups != 1 || *temp != 1.0f)
    return cfg_.error(s, "groups and temperature other than 1 are not "
                         "supported");
  std::string name = layerName(s, i);
  const Shape &in = prevShape(i);
  Attributes fa;
  fa.set("axis", int64_t(1));
  auto f = emit(s, i, OpKind::Flatten, {prev(i)}, name + "_flatten", fa);
  if (!f)
    return f.takeError();
  auto sm = emit(s, i, OpKind::Softmax, {*f}, name + "_softmax", fa);
  if (!sm)
    return sm.takeError();
  auto r = emit(s, i, OpKind::Reshape,
                {*sm, intsConst(s, i, name + "_shape", in.dims())}, name);
  if (!r)
    return r.takeError();
  layers_.push_back({*r, name});
  return llvm::Error::success();
}

llvm::Expected<std::unique_ptr<Module>> Importer::run() {
  const DnSection &net = cfg_.sections.front();
  if (net.type != "net" && net.type != "network")
    return cfg_.error(net, "the first section must be [net] (the input "
                           "description); is this a Darknet .cfg?");
  // Every unsupported section, listed at once.
  std::vector<std::string> bad;
  std::set<std::string> badTypes;
  for (size_t k = 1; k < cfg_.sections.size(); ++k) {
    const DnSection &s = cfg_.sections[k];
    if (findSection(s.type))
      continue;
    bad.push_back(cfg_.where(s) + " (layer " + std::to_string(k - 1) + ")");
    badTypes.insert(s.type);
  }
  if (!bad.empty()) {
    std::string types;
    for (const std::string &t : badTypes)
      types += (types.empty() ? "" : ", ") + t;
    std::string msg = cfg_.file + ": " + std::to_string(bad.size()) +
                      " layer(s) of unsupported types [" + types + "]:";
    for (const std::string &b : bad)
      msg += "\n  " + b;
    msg += "\n(bmnetd --list_ops prints the supported sections)";
    return makeError(msg);
  }
  module_ = std::make_unique<Module>();
  module_->sourceFile = cfg_.file;
  module_->name = llvm::StringRef(cfg_.file).rsplit('.').first.str();
  module_->stage = IRStage::Imported;

  auto c = cfg_.getInt(net, "channels", 3);
  auto h = cfg_.getInt(net, "height", 0);
  auto w = cfg_.getInt(net, "width", 0);
  if (!c || !h || !w)
    return llvm::joinErrors(llvm::joinErrors(c.takeError(), h.takeError()),
                            w.takeError());
  Shape shape{1, *c, *h, *w};
  if (!opts_.shapes.empty()) {
    if (opts_.shapes.size() != 1 || opts_.shapes[0].rank() != 4 ||
        opts_.shapes[0][1] != *c)
      return cfg_.error(net, "--shapes must give one shape [N," +
                                 llvm::Twine(*c) + ",H,W] (the net has " +
                                 llvm::Twine(*c) + " channels)");
    shape = opts_.shapes[0];
  }
  if (shape[2] <= 0 || shape[3] <= 0 || shape[1] <= 0)
    return cfg_.error(net, "channels, height and width must be positive "
                           "(or give --shapes)");
  if (opts_.inputNames.size() > 1)
    return makeError(cfg_.file + ": --input_names: a Darknet net has one "
                                 "input");
  std::string inName =
      opts_.inputNames.empty() ? std::string("data") : opts_.inputNames[0];
  input_ = g().addInput(inName, TensorType(DType::F32, shape));
  for (size_t k = 1; k < cfg_.sections.size(); ++k) {
    const DnSection &s = cfg_.sections[k];
    const SectionRow *row = findSection(s.type);
    if (llvm::Error e = (this->*(row->fn))(s, unsigned(k - 1)))
      return e;
  }
  if (layers_.empty())
    return makeError(cfg_.file + ": the cfg has no layers");
  if (w_.remaining())
    return makeError(w_.file + ": too long: " + llvm::Twine(w_.remaining()) +
                     " float(s) left after the last layer of " + cfg_.file +
                     " (are these the weights of another cfg?)");
  if (!opts_.outputNames.empty()) {
    for (const std::string &want : opts_.outputNames) {
      auto it = llvm::find_if(layers_,
                              [&](const Layer &l) { return l.name == want; });
      if (it == layers_.end())
        return makeError(cfg_.file + ": --output_names: no layer named '" +
                         want +
                         "' (layers are named <kind>_<index>, e.g. "
                         "conv_0, route_9)");
      g().addOutput(it->out);
    }
  } else if (!yoloOutputs_.empty()) {
    for (Value *v : yoloOutputs_)
      g().addOutput(v);
  } else {
    g().addOutput(layers_.back().out);
  }
  return std::move(module_);
}

} // namespace

llvm::Expected<std::unique_ptr<Module>>
importDarknetModel(const DnCfg &cfg, DnWeights &weights,
                   const DarknetImportOptions &opts) {
  Importer imp(cfg, weights, opts);
  return imp.run();
}

llvm::Expected<std::unique_ptr<Module>>
importDarknetFiles(llvm::StringRef cfgPath, llvm::StringRef weightsPath,
                   const DarknetImportOptions &opts) {
  auto cfg = readDarknetCfgFile(cfgPath);
  if (!cfg)
    return cfg.takeError();
  if (weightsPath.empty())
    return makeError(cfg->file + ": no weights file; give it with --weight");
  auto w = readDarknetWeightsFile(weightsPath);
  if (!w)
    return w.takeError();
  return importDarknetModel(*cfg, *w, opts);
}

std::vector<llvm::StringRef> supportedDarknetSections() {
  std::vector<llvm::StringRef> out;
  for (const SectionRow &r : kSections)
    out.push_back(r.type);
  return out;
}

std::vector<llvm::StringRef> supportedDarknetActivations() {
  return std::vector<llvm::StringRef>(std::begin(kActivations),
                                      std::end(kActivations));
}

} // namespace onntc
