//===- OnnxContext.cpp - helpers for the ONNX op import functions ---------===//

#include "frontends/onnx/OnnxContext.h"

#include "ir/Diagnostics.h"
#include "ir/Interpreter.h"

#include <algorithm>

namespace onntc {

SourceLoc OnnxNodeContext::loc() const {
  SourceLoc l;
  l.file = st_.fileName;
  l.node = name_;
  l.opType = node_.op_type();
  l.opset = st_.opset;
  return l;
}

std::string OnnxNodeContext::prefix() const {
  return st_.fileName + ": node '" + name_ + "' (" + node_.op_type() +
         ", opset " + std::to_string(st_.opset) + ")";
}

llvm::Error OnnxNodeContext::error(const llvm::Twine &msg) const {
  return makeError(prefix() + ": " + msg);
}

llvm::Error OnnxNodeContext::unsupported(const llvm::Twine &msg) const {
  return llvm::make_error<OnnxUnsupportedError>(prefix() + ": " + msg.str());
}

Value *OnnxNodeContext::input(unsigned i) const {
  if (!hasInput(i))
    return nullptr;
  return st_.values.lookup(node_.input(int(i)));
}

std::vector<Value *> OnnxNodeContext::inputs() const {
  std::vector<Value *> v;
  for (unsigned i = 0; i < numInputs(); ++i)
    v.push_back(input(i));
  while (!v.empty() && !v.back())
    v.pop_back();
  return v;
}

const Tensor *OnnxNodeContext::constInput(unsigned i) const {
  Value *v = input(i);
  return v ? v->constantValue() : nullptr;
}

llvm::Expected<std::vector<int64_t>>
OnnxNodeContext::constIntsInput(unsigned i, llvm::StringRef role) {
  const Tensor *t = constInput(i);
  if (!t)
    return unsupported("input " + llvm::Twine(i) + " (" + role +
                       ") must be a constant; computed " + role +
                       " are not supported");
  if (isFloat(t->dtype()))
    return error("input " + llvm::Twine(i) + " (" + role +
                 ") must be an integer tensor, not " + dtypeName(t->dtype()));
  return t->toInts();
}

llvm::Expected<Value *> OnnxNodeContext::requireInput(unsigned i,
                                                      llvm::StringRef role) {
  if (Value *v = input(i))
    return v;
  return error("required input " + llvm::Twine(i) + " (" + role +
               ") is missing");
}

unsigned OnnxNodeContext::numOutputs() const {
  unsigned n = unsigned(node_.output_size());
  while (n > 0 && node_.output(int(n - 1)).empty())
    --n;
  return n;
}

//===----------------------------------------------------------------------===//
// Attributes
//===----------------------------------------------------------------------===//

const onnx::AttributeProto *OnnxNodeContext::attr(llvm::StringRef name) const {
  for (const auto &a : node_.attribute())
    if (a.name() == name)
      return &a;
  return nullptr;
}

/// The kind of an attribute, also for old files that leave `type` unset.
static onnx::AttributeProto::AttributeType
kindOf(const onnx::AttributeProto &a) {
  if (a.type() != onnx::AttributeProto::UNDEFINED)
    return a.type();
  if (a.has_f())
    return onnx::AttributeProto::FLOAT;
  if (a.has_i())
    return onnx::AttributeProto::INT;
  if (a.has_s())
    return onnx::AttributeProto::STRING;
  if (a.has_t())
    return onnx::AttributeProto::TENSOR;
  if (a.floats_size())
    return onnx::AttributeProto::FLOATS;
  if (a.ints_size())
    return onnx::AttributeProto::INTS;
  if (a.strings_size())
    return onnx::AttributeProto::STRINGS;
  return onnx::AttributeProto::UNDEFINED;
}

static const char *onnxAttrTypeName(onnx::AttributeProto::AttributeType t) {
  switch (t) {
  case onnx::AttributeProto::FLOAT:
    return "FLOAT";
  case onnx::AttributeProto::INT:
    return "INT";
  case onnx::AttributeProto::STRING:
    return "STRING";
  case onnx::AttributeProto::TENSOR:
    return "TENSOR";
  case onnx::AttributeProto::GRAPH:
    return "GRAPH";
  case onnx::AttributeProto::FLOATS:
    return "FLOATS";
  case onnx::AttributeProto::INTS:
    return "INTS";
  case onnx::AttributeProto::STRINGS:
    return "STRINGS";
  case onnx::AttributeProto::TENSORS:
    return "TENSORS";
  case onnx::AttributeProto::GRAPHS:
    return "GRAPHS";
  default:
    return "another kind";
  }
}

llvm::Expected<AttrValue>
OnnxNodeContext::convertAttr(const onnx::AttributeProto &a, AttrKind k) const {
  auto t = kindOf(a);
  auto bad = [&](const char *want) {
    return error("attribute '" + a.name() + "' must be " + want + ", not " +
                 onnxAttrTypeName(t));
  };
  switch (k) {
  case AttrKind::Int:
    if (t != onnx::AttributeProto::INT)
      return bad("INT");
    return AttrValue(int64_t(a.i()));
  case AttrKind::Float:
    if (t == onnx::AttributeProto::INT)
      return AttrValue(float(a.i()));
    if (t != onnx::AttributeProto::FLOAT)
      return bad("FLOAT");
    return AttrValue(a.f());
  case AttrKind::String:
    if (t != onnx::AttributeProto::STRING)
      return bad("STRING");
    return AttrValue(a.s());
  case AttrKind::Ints:
    if (t != onnx::AttributeProto::INTS)
      return bad("INTS");
    return AttrValue(std::vector<int64_t>(a.ints().begin(), a.ints().end()));
  case AttrKind::Floats:
    if (t != onnx::AttributeProto::FLOATS)
      return bad("FLOATS");
    return AttrValue(std::vector<float>(a.floats().begin(), a.floats().end()));
  case AttrKind::Strings:
    if (t != onnx::AttributeProto::STRINGS)
      return bad("STRINGS");
    return AttrValue(
        std::vector<std::string>(a.strings().begin(), a.strings().end()));
  case AttrKind::Tensor: {
    if (t != onnx::AttributeProto::TENSOR)
      return bad("TENSOR");
    auto tensor = tensorFromOnnx(a.t(), st_.baseDir,
                                 prefix() + ": attribute '" + a.name() + "'");
    if (!tensor)
      return tensor.takeError();
    return AttrValue(std::move(*tensor));
  }
  case AttrKind::Type: {
    if (t != onnx::AttributeProto::INT)
      return bad("INT (a TensorProto data type)");
    auto dt = dtypeFromOnnx(int(a.i()));
    if (!dt)
      return unsupported("attribute '" + a.name() + "': data type " +
                         onnxTypeName(int(a.i())) + " is not supported");
    return AttrValue(*dt);
  }
  }
  llvm_unreachable("unknown attribute kind");
}

llvm::Expected<int64_t> OnnxNodeContext::attrInt(llvm::StringRef name,
                                                 int64_t def) const {
  const auto *a = attr(name);
  if (!a)
    return def;
  auto v = convertAttr(*a, AttrKind::Int);
  if (!v)
    return v.takeError();
  return std::get<int64_t>(*v);
}

llvm::Expected<std::optional<int64_t>>
OnnxNodeContext::attrIntOpt(llvm::StringRef name) const {
  if (!attr(name))
    return std::optional<int64_t>();
  auto v = attrInt(name, 0);
  if (!v)
    return v.takeError();
  return std::optional<int64_t>(*v);
}

llvm::Expected<float> OnnxNodeContext::attrFloat(llvm::StringRef name,
                                                 float def) const {
  const auto *a = attr(name);
  if (!a)
    return def;
  auto v = convertAttr(*a, AttrKind::Float);
  if (!v)
    return v.takeError();
  return std::get<float>(*v);
}

llvm::Expected<std::string>
OnnxNodeContext::attrString(llvm::StringRef name, llvm::StringRef def) const {
  const auto *a = attr(name);
  if (!a)
    return def.str();
  auto v = convertAttr(*a, AttrKind::String);
  if (!v)
    return v.takeError();
  return std::get<std::string>(*v);
}

llvm::Expected<std::optional<std::vector<int64_t>>>
OnnxNodeContext::attrInts(llvm::StringRef name) const {
  const auto *a = attr(name);
  if (!a)
    return std::optional<std::vector<int64_t>>();
  auto v = convertAttr(*a, AttrKind::Ints);
  if (!v)
    return v.takeError();
  return std::optional<std::vector<int64_t>>(
      std::get<std::vector<int64_t>>(*v));
}

llvm::Expected<std::optional<std::vector<float>>>
OnnxNodeContext::attrFloats(llvm::StringRef name) const {
  const auto *a = attr(name);
  if (!a)
    return std::optional<std::vector<float>>();
  auto v = convertAttr(*a, AttrKind::Floats);
  if (!v)
    return v.takeError();
  return std::optional<std::vector<float>>(std::get<std::vector<float>>(*v));
}

llvm::Error
OnnxNodeContext::copyAttrs(Node *n,
                           llvm::ArrayRef<llvm::StringRef> skip) const {
  const OpInfo &info = n->info();
  for (const auto &a : node_.attribute()) {
    if (llvm::is_contained(skip, a.name()))
      continue;
    const AttrSpec *spec = info.findAttr(a.name());
    if (!spec)
      return unsupported("attribute '" + a.name() + "' is not supported");
    auto v = convertAttr(a, spec->kind);
    if (!v)
      return v.takeError();
    n->setAttr(a.name(), std::move(*v));
  }
  return llvm::Error::success();
}

llvm::Error
OnnxNodeContext::checkAttrs(llvm::ArrayRef<llvm::StringRef> known) const {
  for (const auto &a : node_.attribute())
    if (!llvm::is_contained(known, a.name()))
      return unsupported("attribute '" + a.name() + "' is not supported");
  return llvm::Error::success();
}

//===----------------------------------------------------------------------===//
// Building
//===----------------------------------------------------------------------===//

llvm::Expected<Node *> OnnxNodeContext::finish(Node *n,
                                               const Attributes &attrs) {
  for (const auto &[k, v] : attrs.entries())
    n->setAttr(k, v);
  if (!st_.inferTypes)
    return n;
  const OpHooks &h = opHooks(n->kind());
  if (!h.infer)
    return nodeError(*n, "IR op '" + n->info().name +
                             "' has no shape inference yet");
  if (llvm::Error e = h.infer(*n))
    return nodeError(*n, llvm::toString(std::move(e)));
  if (st_.foldConstants)
    return foldIfConstant(n);
  return n;
}

llvm::Expected<Node *> OnnxNodeContext::foldIfConstant(Node *n) {
  if (n->kind() == OpKind::Constant)
    return n;
  std::vector<Tensor> results;
  if (n->kind() == OpKind::Shape || n->kind() == OpKind::Size) {
    const Shape &s = n->input(0)->shape();
    int64_t r = int64_t(s.rank());
    int64_t start = 0, end = r;
    if (n->kind() == OpKind::Shape) {
      start = n->getInt("start");
      if (n->hasAttr("end"))
        end = n->getInt("end");
      start = std::clamp<int64_t>(start < 0 ? start + r : start, 0, r);
      end = std::clamp<int64_t>(end < 0 ? end + r : end, start, r);
    }
    for (int64_t i = start; i < end; ++i)
      if (s[size_t(i)] < 0)
        return n;
    if (n->kind() == OpKind::Shape)
      results.push_back(
          Tensor::fromInts(DType::I64, Shape{end - start},
                           s.dims().slice(size_t(start), size_t(end - start))));
    else
      results.push_back(
          Tensor::fromInts(DType::I64, Shape{}, {s.numElements()}));
  } else {
    if (!st_.kernels || !opHooks(n->kind()).compute)
      return n;
    std::vector<Tensor> args;
    int64_t inElems = 0;
    for (Value *v : n->inputs()) {
      if (!v) {
        args.emplace_back();
        continue;
      }
      const Tensor *t = v->constantValue();
      if (!t)
        return n;
      inElems += t->numElements();
      args.push_back(*t);
    }
    for (unsigned i = 0; i < n->numOutputs(); ++i) {
      int64_t e = n->output(i)->shape().numElements();
      if (e < 0 || (e > st_.foldElementLimit && e > inElems))
        return n;
    }
    auto outs = runNode(*n, args, *st_.kernels);
    if (!outs)
      return outs.takeError();
    results = std::move(*outs);
  }
  if (results.size() < n->numOutputs())
    return n;
  for (unsigned i = 0; i < n->numOutputs(); ++i)
    if (!results[i].isValid())
      return n;
  // Swap the node for Constants that keep its result names and location.
  std::vector<std::string> names;
  for (unsigned i = 0; i < n->numOutputs(); ++i)
    names.push_back(n->output(i)->name());
  std::vector<Value *> old;
  for (unsigned i = 0; i < n->numOutputs(); ++i)
    old.push_back(n->output(i));
  SourceLoc l = n->loc();
  std::string nodeName = n->name();
  for (Value *v : old)
    if (v->hasUses())
      return n;
  graph().eraseNode(n);
  Node *first = nullptr;
  for (unsigned i = 0; i < old.size(); ++i) {
    Node *c = graph().createConstant(names[i], std::move(results[i]), l);
    c->setName(old.size() == 1 ? nodeName : names[i]);
    for (auto &entry : st_.values)
      if (entry.second == old[i])
        entry.second = c->output();
    if (!first)
      first = c;
  }
  return first;
}

llvm::Expected<Node *> OnnxNodeContext::emit(OpKind k,
                                             llvm::ArrayRef<Value *> inputs,
                                             llvm::StringRef suffix,
                                             unsigned numOutputs,
                                             const Attributes &attrs) {
  std::string base = name_ + "_" + suffix.str();
  std::vector<std::string> outs;
  for (unsigned i = 0; i < numOutputs; ++i)
    outs.push_back(numOutputs == 1 ? base : base + "_" + std::to_string(i));
  Node *n = graph().createNode(k, inputs, outs, base, loc());
  return finish(n, attrs);
}

llvm::Expected<Node *>
OnnxNodeContext::emitFinal(OpKind k, llvm::ArrayRef<Value *> inputs,
                           const Attributes &attrs, unsigned numOuts) {
  unsigned nout = std::max(1u, std::min(numOuts, numOutputs()));
  std::vector<std::string> outs;
  for (unsigned i = 0; i < nout; ++i)
    outs.push_back(hasOutput(i) ? node_.output(int(i))
                                : name_ + "_unused" + std::to_string(i));
  // Trailing absent inputs are dropped so that arity checks see the real count.
  std::vector<Value *> ins(inputs.begin(), inputs.end());
  while (!ins.empty() && !ins.back())
    ins.pop_back();
  Node *n = graph().createNode(k, ins, outs, name_, loc());
  for (unsigned i = 0; i < nout; ++i)
    if (hasOutput(i))
      st_.values[node_.output(int(i))] = n->output(i);
  return finish(n, attrs);
}

llvm::Expected<Node *>
OnnxNodeContext::emitFinalWithAttrs(OpKind k, llvm::ArrayRef<Value *> inputs,
                                    llvm::ArrayRef<llvm::StringRef> skip,
                                    const Attributes &extra) {
  Attributes attrs = extra;
  const OpInfo &info = opInfo(k);
  for (const auto &a : node_.attribute()) {
    if (llvm::is_contained(skip, a.name()))
      continue;
    const AttrSpec *spec = info.findAttr(a.name());
    if (!spec)
      return unsupported("attribute '" + a.name() + "' is not supported");
    auto v = convertAttr(a, spec->kind);
    if (!v)
      return v.takeError();
    attrs.set(a.name(), std::move(*v));
  }
  return emitFinal(k, inputs, attrs);
}

void OnnxNodeContext::bindOutput(unsigned i, Value *v) {
  if (hasOutput(i))
    st_.values[node_.output(int(i))] = v;
}

Value *OnnxNodeContext::constInts(llvm::ArrayRef<int64_t> v,
                                  llvm::StringRef suffix, bool scalar) {
  Shape s = scalar ? Shape{} : Shape{int64_t(v.size())};
  return constTensor(Tensor::fromInts(DType::I64, s, v), suffix);
}

Value *OnnxNodeContext::constTensor(Tensor t, llvm::StringRef suffix) {
  // Constants go to the front of the graph so that they dominate all uses.
  Node *n = graph().createConstant(
      graph().uniqueName(name_ + "_" + suffix.str()), std::move(t), loc());
  return n->output();
}

} // namespace onntc
