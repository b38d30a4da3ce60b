//===- MxnetContext.cpp - helpers for the MXNet op import functions -------===//

#include "frontends/mxnet/MxnetContext.h"

#include "ir/Diagnostics.h"
#include "ir/OpInfo.h"

#include "llvm/ADT/StringExtras.h"

namespace onntc {

SourceLoc MxNodeContext::loc() const {
  SourceLoc l;
  l.file = st_.symbolFile;
  l.node = node_.name;
  l.opType = node_.op;
  return l;
}

std::string MxNodeContext::prefix() const {
  return st_.symbolFile + ": node '" + node_.name + "' (" + node_.op + ")";
}

llvm::Error MxNodeContext::error(const llvm::Twine &msg) const {
  return makeError(prefix() + ": " + msg);
}

//===----------------------------------------------------------------------===//
// Attributes
//===----------------------------------------------------------------------===//

llvm::Expected<std::string> MxNodeContext::attrStr(llvm::StringRef k,
                                                   llvm::StringRef def) const {
  auto it = node_.attrs.find(k.str());
  return it == node_.attrs.end() ? def.str() : it->second;
}

static bool parseInt(llvm::StringRef s, int64_t &v) {
  s = s.trim();
  return !s.empty() && !s.getAsInteger(10, v);
}

llvm::Expected<int64_t> MxNodeContext::attrInt(llvm::StringRef k,
                                               int64_t def) const {
  auto it = node_.attrs.find(k.str());
  if (it == node_.attrs.end())
    return def;
  int64_t v;
  if (!parseInt(it->second, v))
    return error("attribute " + k + "='" + it->second + "' is not an integer");
  return v;
}

llvm::Expected<float> MxNodeContext::attrFloat(llvm::StringRef k,
                                               float def) const {
  auto it = node_.attrs.find(k.str());
  if (it == node_.attrs.end())
    return def;
  double v;
  if (llvm::StringRef(it->second).trim().getAsDouble(v))
    return error("attribute " + k + "='" + it->second + "' is not a number");
  return float(v);
}

llvm::Expected<bool> MxNodeContext::attrBool(llvm::StringRef k,
                                             bool def) const {
  auto it = node_.attrs.find(k.str());
  if (it == node_.attrs.end())
    return def;
  std::string s = llvm::StringRef(it->second).trim().lower();
  if (s == "true" || s == "1")
    return true;
  if (s == "false" || s == "0")
    return false;
  return error("attribute " + k + "='" + it->second +
               "' is not a boolean (True/False/1/0)");
}

llvm::Expected<std::vector<int64_t>>
MxNodeContext::attrTuple(llvm::StringRef k, std::vector<int64_t> def) const {
  auto it = node_.attrs.find(k.str());
  if (it == node_.attrs.end())
    return def;
  llvm::StringRef s = llvm::StringRef(it->second).trim();
  auto bad = [&]() {
    return error("attribute " + k + "='" + it->second +
                 "' is not a tuple of integers like (3,3)");
  };
  if (s.consume_front("(")) {
    if (!s.consume_back(")"))
      return bad();
  } else if (s.consume_front("[")) {
    if (!s.consume_back("]"))
      return bad();
  }
  std::vector<int64_t> out;
  llvm::SmallVector<llvm::StringRef, 8> parts;
  s.split(parts, ',');
  for (size_t i = 0; i < parts.size(); ++i) {
    llvm::StringRef p = parts[i].trim();
    if (p.empty() && i + 1 == parts.size() && i > 0) // "(3,)"
      break;
    if (p.empty() && parts.size() == 1) // "()"
      break;
    if (p.consume_back("L")) // Python 2 longs: "(1L, 2L)"
      p = p.trim();
    int64_t v;
    if (p == "None")
      v = kNone;
    else if (!parseInt(p, v))
      return bad();
    out.push_back(v);
  }
  return out;
}

//===----------------------------------------------------------------------===//
// Inputs
//===----------------------------------------------------------------------===//

const std::string &MxNodeContext::inputName(unsigned i) const {
  return st_.sym->nodes[node_.inputs[i].node].name;
}

llvm::Error MxNodeContext::expectInputs(unsigned lo, unsigned hi) const {
  if (numInputs() >= lo && numInputs() <= hi)
    return llvm::Error::success();
  std::string want = lo == hi
                         ? std::to_string(lo)
                         : std::to_string(lo) + " to " + std::to_string(hi);
  return error("has " + llvm::Twine(numInputs()) + " input(s), expected " +
               want);
}

const Tensor *MxNodeContext::paramInput(unsigned i) const {
  if (i >= numInputs())
    return nullptr;
  const MxNode &src = st_.sym->nodes[node_.inputs[i].node];
  if (src.op != "null")
    return nullptr;
  auto it = st_.params->params.find(src.name);
  if (it == st_.params->params.end() || !it->second.value.isValid())
    return nullptr;
  return &it->second.value;
}

llvm::Expected<Value *> MxNodeContext::input(unsigned i, llvm::StringRef role) {
  if (i >= numInputs())
    return error("input " + llvm::Twine(i) + " (" + role + ") is missing");
  const MxEntry &e = node_.inputs[i];
  auto it = st_.values.find({e.node, e.index});
  if (it != st_.values.end())
    return it->second;
  const MxNode &src = st_.sym->nodes[e.node];
  if (src.op == "null") {
    if (Value *v = st_.paramValues.lookup(src.name))
      return v;
    const Tensor *t = paramInput(i);
    if (!t)
      return error("input " + llvm::Twine(i) + " (" + role + ") '" + src.name +
                   "' is neither a network input nor in " + st_.paramsFile);
    SourceLoc l{st_.paramsFile, src.name, "param", 0};
    Value *v = graph().createConstant(src.name, *t, l)->output();
    st_.paramValues[src.name] = v;
    return v;
  }
  return error("input " + llvm::Twine(i) + " (" + role + ") reads output " +
               llvm::Twine(e.index) + " of node '" + src.name + "' (" + src.op +
               "), which that node does not have");
}

//===----------------------------------------------------------------------===//
// Building
//===----------------------------------------------------------------------===//

std::string MxNodeContext::outputName(unsigned i, unsigned numOutputs) const {
  return numOutputs == 1 ? node_.name
                         : node_.name + "_output" + std::to_string(i);
}

llvm::Expected<Node *>
MxNodeContext::emitNode(OpKind k, llvm::ArrayRef<Value *> inputs,
                        llvm::ArrayRef<std::string> names,
                        const Attributes &attrs) {
  std::vector<std::string> outs;
  for (const std::string &n : names)
    outs.push_back(graph().uniqueName(n));
  std::vector<Value *> ins(inputs.begin(), inputs.end());
  while (!ins.empty() && !ins.back())
    ins.pop_back();
  Node *n = graph().createNode(k, ins, outs, outs.front(), loc());
  for (const auto &[key, v] : attrs.entries())
    n->setAttr(key, v);
  const OpHooks &h = opHooks(k);
  if (!h.infer)
    return error("IR op '" + n->info().name + "' has no shape inference");
  if (llvm::Error e = h.infer(*n))
    return error(llvm::toString(std::move(e)));
  return n;
}

llvm::Expected<Value *> MxNodeContext::emit(OpKind k,
                                            llvm::ArrayRef<Value *> inputs,
                                            llvm::StringRef suffix,
                                            const Attributes &attrs) {
  auto n = emitNode(k, inputs, {node_.name + "_" + suffix.str()}, attrs);
  if (!n)
    return n.takeError();
  return (*n)->output(0);
}

llvm::Expected<Value *> MxNodeContext::emitFinal(OpKind k,
                                                 llvm::ArrayRef<Value *> inputs,
                                                 const Attributes &attrs) {
  auto n = emitNode(k, inputs, {node_.name}, attrs);
  if (!n)
    return n.takeError();
  bindOutput(0, (*n)->output(0));
  return (*n)->output(0);
}

void MxNodeContext::bindOutput(unsigned i, Value *v) {
  st_.values[{id_, i}] = v;
}

Value *MxNodeContext::constTensor(Tensor t, llvm::StringRef suffix) {
  Node *n = graph().createConstant(
      graph().uniqueName(node_.name + "_" + suffix.str()), std::move(t), loc());
  return n->output();
}

Value *MxNodeContext::constInts(llvm::ArrayRef<int64_t> v,
                                llvm::StringRef suffix) {
  return constTensor(Tensor::fromInts(DType::I64, Shape{int64_t(v.size())}, v),
                     suffix);
}

Value *MxNodeContext::constParam(const Tensor &param, const Shape &shape,
                                 llvm::StringRef suffix) {
  return constTensor(param.clone().reshaped(shape), suffix);
}

} // namespace onntc
