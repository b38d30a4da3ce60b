//===- CaffeContext.cpp - state shared by the Caffe layer importers -------===//

#include "frontends/caffe/CaffeContext.h"

#include "ir/Diagnostics.h"

#include <algorithm>

namespace onntc {

using namespace onntc_caffe;

SourceLoc CaffeLayerContext::loc() const {
  SourceLoc l;
  l.file = st_.protoName;
  l.node = layer_.name();
  l.opType = layer_.type();
  return l;
}

std::string CaffeLayerContext::prefix() const {
  return st_.protoName + ": layer '" + layer_.name() + "' (" + layer_.type() +
         ")";
}

llvm::Error CaffeLayerContext::error(const llvm::Twine &msg) const {
  return makeError(prefix() + ": " + msg);
}

llvm::Error CaffeLayerContext::unsupported(const llvm::Twine &msg) const {
  return llvm::make_error<CaffeUnsupportedError>(prefix() + ": " + msg.str());
}

Value *CaffeLayerContext::bottom(unsigned i) const {
  return st_.blobs.lookup(layer_.bottom(int(i)));
}

llvm::Error CaffeLayerContext::checkArity(unsigned minB, unsigned maxB,
                                          unsigned minT, unsigned maxT) const {
  auto range = [](unsigned lo, unsigned hi) {
    if (lo == hi)
      return std::to_string(lo);
    if (hi == ~0u)
      return std::to_string(lo) + " or more";
    return std::to_string(lo) + " to " + std::to_string(hi);
  };
  if (numBottoms() < minB || numBottoms() > maxB)
    return error("takes " + range(minB, maxB) + " bottom(s), has " +
                 llvm::Twine(numBottoms()));
  if (numTops() < minT || numTops() > maxT)
    return error("takes " + range(minT, maxT) + " top(s), has " +
                 llvm::Twine(numTops()));
  return llvm::Error::success();
}

llvm::Expected<Shape> CaffeLayerContext::bottomShape(unsigned i) const {
  const Shape &s = bottom(i)->shape();
  if (!s.isStatic())
    return error("bottom '" + layer_.bottom(int(i)) +
                 "' has no static shape (" + s.str() + "); give --shapes");
  return s;
}

const BlobProto *CaffeLayerContext::findBlob(unsigned i) const {
  if (layer_.blobs_size() > 0)
    return int(i) < layer_.blobs_size() ? &layer_.blobs(int(i)) : nullptr;
  const LayerParameter *w = st_.weightLayers.lookup(layer_.name());
  if (!w || int(i) >= w->blobs_size())
    return nullptr;
  return &w->blobs(int(i));
}

unsigned CaffeLayerContext::numBlobs() const {
  if (layer_.blobs_size() > 0)
    return unsigned(layer_.blobs_size());
  const LayerParameter *w = st_.weightLayers.lookup(layer_.name());
  return w ? unsigned(w->blobs_size()) : 0;
}

static std::vector<int64_t> blobDims(const BlobProto &b) {
  if (b.has_shape())
    return {b.shape().dim().begin(), b.shape().dim().end()};
  if (b.has_num() || b.has_channels() || b.has_height() || b.has_width())
    return {b.num(), b.channels(), b.height(), b.width()};
  return {int64_t(std::max(b.data_size(), b.double_data_size()))};
}

static std::string dimsStr(llvm::ArrayRef<int64_t> d) {
  std::string s;
  for (size_t i = 0; i < d.size(); ++i)
    s += (i ? "x" : "") + std::to_string(d[i]);
  return s.empty() ? "scalar" : s;
}

llvm::Expected<Tensor> CaffeLayerContext::blob(unsigned i,
                                               const Shape &expected,
                                               llvm::StringRef role) const {
  const BlobProto *b = findBlob(i);
  std::string where = layer_.blobs_size() > 0 ? st_.protoName : st_.weightName;
  if (!b) {
    if (st_.weightName.empty())
      return error("needs weights (blob " + llvm::Twine(i) + ", " + role +
                   ") but no caffemodel was given; pass it with --weight");
    if (!st_.weightLayers.count(layer_.name()))
      return error("has no weights in " + st_.weightName +
                   " (no layer of that name there); is the caffemodel the "
                   "one trained for this prototxt?");
    return error("blob " + llvm::Twine(i) + " (" + role + ") is missing in " +
                 where + " (the layer has " + llvm::Twine(numBlobs()) +
                 " blob(s))");
  }
  std::vector<int64_t> dims = blobDims(*b);
  int64_t count = 1;
  for (int64_t d : dims) {
    if (d < 0 || d > (int64_t(1) << 31))
      return error("blob " + llvm::Twine(i) + " (" + role + ") in " + where +
                   " has a bad dimension " + llvm::Twine(d));
    count *= d;
    if (count > (int64_t(1) << 31))
      return error("blob " + llvm::Twine(i) + " in " + where + " is too large");
  }
  int64_t have = b->data_size() > 0 ? b->data_size() : b->double_data_size();
  if (have != count)
    return error("blob " + llvm::Twine(i) + " (" + role + ") in " + where +
                 " holds " + llvm::Twine(have) + " values but its shape " +
                 dimsStr(dims) + " needs " + llvm::Twine(count));
  auto squeeze = [](llvm::ArrayRef<int64_t> d) {
    while (d.size() > 1 && d.front() == 1)
      d = d.drop_front();
    return d;
  };
  if (count != expected.numElements() ||
      squeeze(dims) != squeeze(expected.dims()))
    return error("blob " + llvm::Twine(i) + " (" + role + ") in " + where +
                 " has shape " + dimsStr(dims) + ", the prototxt implies " +
                 dimsStr(expected.dims()) +
                 " (weights of another net, or a changed prototxt?)");
  Tensor t(DType::F32, expected);
  float *p = t.data<float>();
  if (b->data_size() > 0)
    std::copy(b->data().begin(), b->data().end(), p);
  else
    for (int64_t k = 0; k < count; ++k)
      p[k] = float(b->double_data(int(k)));
  return t;
}

llvm::Expected<Node *> CaffeLayerContext::finish(Node *n,
                                                 const Attributes &attrs) {
  for (const auto &[k, v] : attrs.entries())
    n->setAttr(k, v);
  const OpHooks &h = opHooks(n->kind());
  if (!h.infer)
    return error("IR op '" + n->info().name + "' has no shape inference");
  if (llvm::Error e = h.infer(*n))
    return error(llvm::toString(std::move(e)));
  return n;
}

llvm::Expected<Node *> CaffeLayerContext::emit(OpKind k,
                                               llvm::ArrayRef<Value *> inputs,
                                               llvm::StringRef suffix,
                                               const Attributes &attrs) {
  std::string nm = layer_.name() + "_" + suffix.str();
  Node *n = graph().createNode(k, inputs, {nm}, nm, loc());
  return finish(n, attrs);
}

llvm::Expected<Node *> CaffeLayerContext::emitTop(OpKind k,
                                                  llvm::ArrayRef<Value *> inputs,
                                                  const Attributes &attrs,
                                                  unsigned top) {
  Node *n =
      graph().createNode(k, inputs, {layer_.top(int(top))}, layer_.name(), loc());
  auto r = finish(n, attrs);
  if (r)
    bindTop(top, n->output(0));
  return r;
}

void CaffeLayerContext::bindTop(unsigned i, Value *v) {
  st_.blobs[layer_.top(int(i))] = v;
}

Value *CaffeLayerContext::constTensor(Tensor t, llvm::StringRef suffix) {
  return graph()
      .createConstant(layer_.name() + "_" + suffix.str(), std::move(t), loc())
      ->output(0);
}

Value *CaffeLayerContext::constInts(llvm::ArrayRef<int64_t> v,
                                    llvm::StringRef suffix) {
  return constTensor(
      Tensor::fromInts(DType::I64, Shape{int64_t(v.size())}, v), suffix);
}

Value *CaffeLayerContext::constFloat(float v, llvm::StringRef suffix) {
  return constTensor(Tensor::scalarFloat(v), suffix);
}

} // namespace onntc
