//===- PaddleContext.cpp - helpers for the Paddle op import functions -----===//

#include "frontends/paddle/PaddleContext.h"

#include "ir/Diagnostics.h"

namespace onntc {

using AttrType = ::paddle::framework::proto::AttrType;

std::string describePaddleOp(llvm::StringRef file, const PaddleOpDesc &op,
                             int index) {
  std::string out;
  for (const auto &v : op.outputs())
    if (v.arguments_size() && !v.arguments(0).empty()) {
      out = v.arguments(0);
      break;
    }
  std::string s = file.str() + ": op #" + std::to_string(index) + " '" +
                  op.type() + "'";
  if (!out.empty())
    s += " (output '" + out + "')";
  return s;
}

PaddleOpContext::PaddleOpContext(PaddleImportState &st, const PaddleOpDesc &op,
                                 int index, const PaddleOpRow &row)
    : st_(st), op_(op), index_(index), row_(row) {
  for (const auto &v : op.outputs())
    if (v.arguments_size() && !v.arguments(0).empty()) {
      name_ = v.arguments(0);
      break;
    }
  if (name_.empty())
    name_ = op.type() + "_" + std::to_string(index);
}

SourceLoc PaddleOpContext::loc() const {
  SourceLoc l;
  l.file = st_.fileName;
  l.node = name_;
  l.opType = op_.type();
  return l;
}

std::string PaddleOpContext::prefix() const {
  return describePaddleOp(st_.file, op_, index_);
}

llvm::Error PaddleOpContext::error(const llvm::Twine &msg) const {
  return makeError(prefix() + ": " + msg);
}

llvm::Error PaddleOpContext::unsupported(const llvm::Twine &msg) const {
  return llvm::make_error<PaddleUnsupportedError>(prefix() + ": " + msg.str());
}

//===----------------------------------------------------------------------===//
// Inputs and outputs
//===----------------------------------------------------------------------===//

std::vector<std::string> PaddleOpContext::args(llvm::StringRef slot,
                                               bool output) const {
  const auto &vars = output ? op_.outputs() : op_.inputs();
  for (const auto &v : vars)
    if (v.parameter() == slot) {
      std::vector<std::string> a;
      for (const auto &s : v.arguments())
        if (!s.empty())
          a.push_back(s);
      return a;
    }
  return {};
}

llvm::Expected<Value *> PaddleOpContext::lookup(const std::string &var) {
  if (Value *v = st_.values.lookup(var))
    return v;
  if (st_.params) {
    auto it = st_.params->find(var);
    if (it != st_.params->end()) {
      Node *c = st_.graph->createConstant(var, it->second, SourceLoc{
          st_.fileName, var, "persistable", 0});
      st_.values[var] = c->output();
      return c->output();
    }
  }
  return error("input variable '" + var +
               "' is neither produced by an earlier op, fed, nor a "
               "persistable variable with data (missing parameter?)");
}

llvm::Expected<Value *> PaddleOpContext::input(llvm::StringRef slot) {
  std::vector<std::string> a = args(slot, false);
  if (a.empty())
    return error("input slot " + slot + " is missing");
  if (a.size() != 1)
    return error("input slot " + slot + " has " + llvm::Twine(a.size()) +
                 " variables, expected 1");
  return lookup(a[0]);
}

llvm::Expected<std::vector<Value *>>
PaddleOpContext::inputList(llvm::StringRef slot) {
  std::vector<Value *> out;
  std::vector<std::string> a = args(slot, false);
  if (a.empty())
    return error("input slot " + slot + " is missing");
  for (const std::string &s : a) {
    auto v = lookup(s);
    if (!v)
      return v.takeError();
    out.push_back(*v);
  }
  return out;
}

llvm::Expected<std::string>
PaddleOpContext::outputVar(llvm::StringRef slot) const {
  std::vector<std::string> a = args(slot, true);
  if (a.empty())
    return error("output slot " + slot + " is missing");
  return a[0];
}

//===----------------------------------------------------------------------===//
// Attributes
//===----------------------------------------------------------------------===//

const PaddleOpDesc::Attr *PaddleOpContext::attr(llvm::StringRef name) const {
  for (const auto &a : op_.attrs())
    if (a.name() == name)
      return &a;
  return nullptr;
}

/// The stored kind, also for writers that leave `type` unset.
static int kindOf(const PaddleOpDesc::Attr &a) {
  if (a.has_type())
    return a.type();
  if (a.has_i())
    return AttrType::INT;
  if (a.has_l())
    return AttrType::LONG;
  if (a.has_f())
    return AttrType::FLOAT;
  if (a.has_float64())
    return AttrType::FLOAT64;
  if (a.has_b())
    return AttrType::BOOLEAN;
  if (a.has_s())
    return AttrType::STRING;
  if (a.ints_size())
    return AttrType::INTS;
  if (a.longs_size())
    return AttrType::LONGS;
  if (a.floats_size())
    return AttrType::FLOATS;
  return -1;
}

static std::string kindName(int k) {
  if (::paddle::framework::proto::AttrType_IsValid(k))
    return ::paddle::framework::proto::AttrType_Name(AttrType(k));
  return "unknown kind " + std::to_string(k);
}

llvm::Expected<int64_t> PaddleOpContext::attrInt(llvm::StringRef name,
                                                 int64_t def) const {
  const auto *a = attr(name);
  if (!a)
    return def;
  switch (kindOf(*a)) {
  case AttrType::INT:
    return int64_t(a->i());
  case AttrType::LONG:
    return a->l();
  case AttrType::BOOLEAN:
    return int64_t(a->b());
  default:
    return error("attribute '" + name + "' is " + kindName(kindOf(*a)) +
                 ", expected an integer");
  }
}

llvm::Expected<float> PaddleOpContext::attrFloat(llvm::StringRef name,
                                                 float def) const {
  const auto *a = attr(name);
  if (!a)
    return def;
  switch (kindOf(*a)) {
  case AttrType::FLOAT:
    return a->f();
  case AttrType::FLOAT64:
    return float(a->float64());
  case AttrType::INT:
    return float(a->i());
  case AttrType::LONG:
    return float(a->l());
  default:
    return error("attribute '" + name + "' is " + kindName(kindOf(*a)) +
                 ", expected a float");
  }
}

llvm::Expected<bool> PaddleOpContext::attrBool(llvm::StringRef name,
                                               bool def) const {
  const auto *a = attr(name);
  if (!a)
    return def;
  switch (kindOf(*a)) {
  case AttrType::BOOLEAN:
    return a->b();
  case AttrType::INT:
    return a->i() != 0;
  case AttrType::LONG:
    return a->l() != 0;
  default:
    return error("attribute '" + name + "' is " + kindName(kindOf(*a)) +
                 ", expected a boolean");
  }
}

llvm::Expected<std::string>
PaddleOpContext::attrString(llvm::StringRef name, llvm::StringRef def) const {
  const auto *a = attr(name);
  if (!a)
    return def.str();
  if (kindOf(*a) != AttrType::STRING)
    return error("attribute '" + name + "' is " + kindName(kindOf(*a)) +
                 ", expected a string");
  return a->s();
}

llvm::Expected<std::vector<int64_t>>
PaddleOpContext::attrInts(llvm::StringRef name,
                          std::vector<int64_t> def) const {
  const auto *a = attr(name);
  if (!a)
    return def;
  switch (kindOf(*a)) {
  case AttrType::INTS:
    return std::vector<int64_t>(a->ints().begin(), a->ints().end());
  case AttrType::LONGS:
    return std::vector<int64_t>(a->longs().begin(), a->longs().end());
  case AttrType::INT:
    return std::vector<int64_t>{a->i()};
  case AttrType::LONG:
    return std::vector<int64_t>{a->l()};
  default:
    return error("attribute '" + name + "' is " + kindName(kindOf(*a)) +
                 ", expected a list of integers");
  }
}

//===----------------------------------------------------------------------===//
// Building
//===----------------------------------------------------------------------===//

llvm::Expected<Node *> PaddleOpContext::finish(Node *n,
                                               const Attributes &attrs) {
  for (const auto &[k, v] : attrs.entries())
    n->setAttr(k, v);
  const OpHooks &h = opHooks(n->kind());
  if (!h.infer)
    return error("IR op '" + n->info().name + "' has no shape inference yet");
  if (llvm::Error e = h.infer(*n))
    return error(llvm::toString(std::move(e)));
  return n;
}

llvm::Expected<Value *> PaddleOpContext::emit(OpKind k,
                                              llvm::ArrayRef<Value *> inputs,
                                              llvm::StringRef suffix,
                                              const Attributes &attrs) {
  std::string nm = name_ + "_" + suffix.str();
  Node *n = st_.graph->createNode(k, inputs, {nm}, nm, loc());
  auto r = finish(n, attrs);
  if (!r)
    return r.takeError();
  return (*r)->output();
}

llvm::Expected<Value *> PaddleOpContext::emitOut(OpKind k,
                                                 llvm::ArrayRef<Value *> inputs,
                                                 const Attributes &attrs,
                                                 llvm::StringRef slot) {
  auto var = outputVar(slot);
  if (!var)
    return var.takeError();
  Node *n = st_.graph->createNode(k, inputs, {*var}, *var, loc());
  auto r = finish(n, attrs);
  if (!r)
    return r.takeError();
  st_.values[*var] = (*r)->output();
  return (*r)->output();
}

llvm::Error PaddleOpContext::bindOutput(llvm::StringRef slot, Value *v) {
  auto var = outputVar(slot);
  if (!var)
    return var.takeError();
  st_.values[*var] = v;
  return llvm::Error::success();
}

Value *PaddleOpContext::constant(Tensor t, llvm::StringRef suffix) {
  return st_.graph->createConstant(name_ + "_" + suffix.str(), std::move(t),
                                   loc())
      ->output();
}

Value *PaddleOpContext::constInts(llvm::ArrayRef<int64_t> v,
                                  llvm::StringRef suffix) {
  return constant(Tensor::fromInts(DType::I64, Shape{int64_t(v.size())}, v),
                  suffix);
}

Value *PaddleOpContext::constFloat(float v, llvm::StringRef suffix) {
  return constant(Tensor::scalarFloat(v), suffix);
}

} // namespace onntc
