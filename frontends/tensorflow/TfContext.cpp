//===- TfContext.cpp - helpers for the TensorFlow op import functions -----===//

#include "frontends/tensorflow/TfContext.h"

#include "ir/Diagnostics.h"
#include "ir/Interpreter.h"

namespace onntc {

std::string canonicalTensorName(llvm::StringRef name) {
  if (name.empty() || name.startswith("^"))
    return "";
  size_t colon = name.rfind(':');
  if (colon != llvm::StringRef::npos) {
    llvm::StringRef idx = name.substr(colon + 1);
    unsigned n;
    if (!idx.empty() && !idx.getAsInteger(10, n))
      return name.str();
  }
  return name.str() + ":0";
}

llvm::StringRef tensorNodeName(llvm::StringRef name) {
  if (name.startswith("^"))
    return name.drop_front();
  size_t colon = name.rfind(':');
  if (colon != llvm::StringRef::npos) {
    unsigned n;
    if (!name.substr(colon + 1).getAsInteger(10, n))
      return name.take_front(colon);
  }
  return name;
}

SourceLoc TfNodeContext::loc() const {
  SourceLoc l;
  l.file = st_.fileName;
  l.node = node_.name();
  l.opType = node_.op();
  return l;
}

std::string TfNodeContext::prefix() const {
  return st_.fileName + ": node '" + node_.name() + "' (" + node_.op() + ")";
}

llvm::Error TfNodeContext::error(const llvm::Twine &msg) const {
  return makeError(prefix() + ": " + msg);
}

llvm::Error TfNodeContext::unsupported(const llvm::Twine &msg) const {
  return llvm::make_error<TfUnsupportedError>(prefix() + ": " + msg.str());
}

//===----------------------------------------------------------------------===//
// Inputs
//===----------------------------------------------------------------------===//

std::vector<int> TfNodeContext::dataInputs_() const {
  std::vector<int> idx;
  for (int i = 0; i < node_.input_size(); ++i)
    if (!node_.input(i).empty() && node_.input(i)[0] != '^')
      idx.push_back(i);
  return idx;
}

std::string TfNodeContext::inputName(unsigned i) const {
  std::vector<int> idx = dataInputs_();
  if (i >= idx.size())
    return "";
  return canonicalTensorName(node_.input(idx[i]));
}

llvm::Expected<TfValue> TfNodeContext::input(unsigned i) const {
  std::string n = inputName(i);
  if (n.empty())
    return error("input " + llvm::Twine(i) + " is missing (the node has " +
                 llvm::Twine(numInputs()) + " data inputs)");
  auto it = st_.values.find(n);
  if (it == st_.values.end()) {
    if (st_.spaceToBatch.count(n))
      return unsupported("reads '" + n +
                         "', a SpaceToBatchND result; SpaceToBatchND is "
                         "only supported in front of Conv2D / "
                         "DepthwiseConv2dNative followed by BatchToSpaceND "
                         "(a dilated convolution)");
    return error("input '" + n + "' is not defined by any imported node");
  }
  return it->second;
}

llvm::Error TfNodeContext::checkNumInputs(unsigned lo, unsigned hi) const {
  unsigned n = numInputs();
  if (n < lo || n > hi)
    return error("has " + llvm::Twine(n) + " data inputs, expected " +
                 (lo == hi ? llvm::Twine(lo)
                           : llvm::Twine(lo) + " to " + llvm::Twine(hi)));
  return llvm::Error::success();
}

llvm::Expected<Value *> TfNodeContext::toNchw(Value *v) {
  if (v->shape().rank() != 4)
    return error("needs a 4-D NHWC input, got shape " + v->shape().str());
  auto it = st_.toNchw.find(v);
  if (it != st_.toNchw.end())
    return it->second;
  Attributes a;
  a.set("perm", std::vector<int64_t>{0, 3, 1, 2});
  auto t = emit(OpKind::Transpose, {v}, "to_nchw", a);
  if (t)
    st_.toNchw[v] = *t, st_.toNhwc[*t] = v;
  return t;
}

llvm::Expected<Value *> TfNodeContext::toNhwc(Value *v) {
  auto it = st_.toNhwc.find(v);
  if (it != st_.toNhwc.end())
    return it->second;
  Attributes a;
  a.set("perm", std::vector<int64_t>{0, 2, 3, 1});
  auto t = emit(OpKind::Transpose, {v}, "to_nhwc", a);
  if (t)
    st_.toNhwc[v] = *t, st_.toNchw[*t] = v;
  return t;
}

llvm::Expected<Value *> TfNodeContext::inputTf(unsigned i) {
  auto in = input(i);
  if (!in)
    return in.takeError();
  if (!in->nchw)
    return in->v;
  return toNhwc(in->v);
}

llvm::Expected<Value *> TfNodeContext::inputNchw(unsigned i) {
  auto in = input(i);
  if (!in)
    return in.takeError();
  if (in->nchw)
    return in->v;
  if (in->v->shape().rank() != 4)
    return error("input " + llvm::Twine(i) + " ('" + inputName(i) +
                 "') must be 4-D NHWC, got shape " + in->v->shape().str());
  return toNchw(in->v);
}

const Tensor *TfNodeContext::constInput(unsigned i) const {
  auto it = st_.values.find(inputName(i));
  if (it == st_.values.end() || it->second.nchw)
    return nullptr;
  return it->second.v->constantValue();
}

llvm::Expected<std::vector<int64_t>>
TfNodeContext::constIntsInput(unsigned i, llvm::StringRef role) {
  if (i >= numInputs())
    return error("the " + role + " input is missing");
  const Tensor *t = constInput(i);
  if (!t)
    return unsupported("input " + llvm::Twine(i) + " (" + role + ", '" +
                       inputName(i) + "') must be a constant; computed " +
                       role + " are not supported");
  if (isFloat(t->dtype()))
    return error("input " + llvm::Twine(i) + " (" + role +
                 ") must be an integer tensor, not " + dtypeName(t->dtype()));
  return t->toInts();
}

//===----------------------------------------------------------------------===//
// Attributes
//===----------------------------------------------------------------------===//

const tfproto::AttrValue *TfNodeContext::attr(llvm::StringRef name) const {
  auto it = node_.attr().find(name.str());
  return it == node_.attr().end() ? nullptr : &it->second;
}

llvm::Expected<int64_t> TfNodeContext::attrInt(llvm::StringRef name,
                                               int64_t def) const {
  const auto *a = attr(name);
  if (!a)
    return def;
  if (a->value_case() != tfproto::AttrValue::kI)
    return error("attribute '" + name + "' must be an int");
  return a->i();
}

llvm::Expected<float> TfNodeContext::attrFloat(llvm::StringRef name,
                                               float def) const {
  const auto *a = attr(name);
  if (!a)
    return def;
  if (a->value_case() != tfproto::AttrValue::kF)
    return error("attribute '" + name + "' must be a float");
  return a->f();
}

llvm::Expected<bool> TfNodeContext::attrBool(llvm::StringRef name,
                                             bool def) const {
  const auto *a = attr(name);
  if (!a)
    return def;
  if (a->value_case() != tfproto::AttrValue::kB)
    return error("attribute '" + name + "' must be a bool");
  return a->b();
}

llvm::Expected<std::string>
TfNodeContext::attrString(llvm::StringRef name, llvm::StringRef def) const {
  const auto *a = attr(name);
  if (!a)
    return def.str();
  if (a->value_case() != tfproto::AttrValue::kS)
    return error("attribute '" + name + "' must be a string");
  return a->s();
}

llvm::Expected<std::vector<int64_t>>
TfNodeContext::attrInts(llvm::StringRef name, std::vector<int64_t> def) const {
  const auto *a = attr(name);
  if (!a)
    return def;
  if (a->value_case() != tfproto::AttrValue::kList)
    return error("attribute '" + name + "' must be a list of ints");
  return std::vector<int64_t>(a->list().i().begin(), a->list().i().end());
}

llvm::Error TfNodeContext::requireNhwc() const {
  auto df = attrString("data_format", "NHWC");
  if (!df)
    return df.takeError();
  if (*df != "NHWC")
    return unsupported("data_format '" + *df +
                       "' is not supported (only NHWC, TensorFlow's default "
                       "on CPU)");
  return llvm::Error::success();
}

//===----------------------------------------------------------------------===//
// Building
//===----------------------------------------------------------------------===//

llvm::Expected<Value *> TfNodeContext::finish(Node *n,
                                              const Attributes &attrs) {
  for (const auto &[k, v] : attrs.entries())
    n->setAttr(k, v);
  const OpHooks &h = opHooks(n->kind());
  if (!h.infer)
    return nodeError(*n, "IR op '" + n->info().name +
                             "' has no shape inference yet");
  if (llvm::Error e = h.infer(*n))
    return error(llvm::toString(std::move(e)));
  return foldIfConstant(n);
}

llvm::Expected<Value *> TfNodeContext::foldIfConstant(Node *n) {
  Value *out = n->output(0);
  if (n->kind() == OpKind::Constant || !st_.kernels ||
      !opHooks(n->kind()).compute || n->numOutputs() != 1)
    return out;
  std::vector<Tensor> args;
  int64_t inElems = 0;
  for (Value *v : n->inputs()) {
    const Tensor *t = v ? v->constantValue() : nullptr;
    if (!t)
      return out;
    inElems += t->numElements();
    args.push_back(*t);
  }
  int64_t e = out->shape().numElements();
  if (e < 0 || (e > st_.foldElementLimit && e > inElems))
    return out;
  auto results = runNode(*n, args, *st_.kernels);
  if (!results)
    return error(llvm::toString(results.takeError()));
  if (results->empty() || !(*results)[0].isValid())
    return out;
  std::string valueName = out->name();
  SourceLoc l = n->loc();
  std::string nodeName = n->name();
  graph().eraseNode(n);
  Node *c = graph().createConstant(valueName, std::move((*results)[0]), l);
  c->setName(nodeName);
  return c->output();
}

llvm::Expected<Value *> TfNodeContext::emit(OpKind k,
                                            llvm::ArrayRef<Value *> inputs,
                                            llvm::StringRef suffix,
                                            const Attributes &attrs) {
  std::string base = node_.name() + "/" + suffix.str();
  Node *n = graph().createNode(k, inputs, {base}, base, loc());
  return finish(n, attrs);
}

llvm::Expected<Value *> TfNodeContext::emitFinal(OpKind k,
                                                 llvm::ArrayRef<Value *> inputs,
                                                 const Attributes &attrs,
                                                 bool nchw) {
  Node *n = graph().createNode(k, inputs, {node_.name()}, node_.name(), loc());
  auto v = finish(n, attrs);
  if (v)
    bind(0, {*v, nchw});
  return v;
}

void TfNodeContext::bind(unsigned i, TfValue v) {
  st_.values[node_.name() + ":" + std::to_string(i)] = v;
}

Value *TfNodeContext::constTensor(Tensor t, llvm::StringRef suffix) {
  std::string base = node_.name() + "/" + suffix.str();
  Node *n =
      graph().createConstant(graph().uniqueName(base), std::move(t), loc());
  n->setName(base);
  return n->output();
}

Value *TfNodeContext::constInts(llvm::ArrayRef<int64_t> v,
                                llvm::StringRef suffix) {
  return constTensor(Tensor::fromInts(DType::I64, Shape{int64_t(v.size())}, v),
                     suffix);
}

} // namespace onntc
