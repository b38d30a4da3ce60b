//===- TorchImporter.cpp - frozen TorchScript graph -> IR -----------------===//

#include "frontends/torch/TorchContext.h"

#include "ir/Diagnostics.h"

#include "llvm/Support/Path.h"

namespace onntc {

//===----------------------------------------------------------------------===//
// TorchOpContext
//===----------------------------------------------------------------------===//

std::string describeTorchNode(llvm::StringRef file, const TsGraph &g,
                              const TsNode &n, int index) {
  std::string s = file.str() + ": node #" + std::to_string(index) + " '" +
                  n.kind + "'";
  if (!n.outputs.empty())
    s += " (output '%" + g.valueNames[size_t(n.outputs[0])] + "'" +
         (n.source.empty() ? "" : ", " + n.source) + ")";
  else if (!n.source.empty())
    s += " (" + n.source + ")";
  return s;
}

std::string TorchOpContext::name() const {
  if (node_.outputs.empty())
    return "node" + std::to_string(index_);
  std::string n = st_.ts->valueNames[size_t(node_.outputs[0])];
  return n.empty() ? "node" + std::to_string(index_) : n;
}

SourceLoc TorchOpContext::loc() const {
  return SourceLoc{st_.fileName, name(), node_.kind, 0};
}

std::string TorchOpContext::prefix() const {
  return describeTorchNode(st_.file, *st_.ts, node_, index_);
}

llvm::Error TorchOpContext::error(const llvm::Twine &msg) const {
  return makeError(prefix() + ": " + msg);
}

const TVal &TorchOpContext::in(unsigned i) const {
  static const TVal undef;
  if (i >= node_.inputs.size())
    return undef;
  return st_.vals[size_t(node_.inputs[i])];
}

bool TorchOpContext::isNone(unsigned i) const {
  return i >= numInputs() || in(i).kind == TVal::None;
}

static const char *kindName(TVal::Kind k) {
  switch (k) {
  case TVal::Undef: return "undefined";
  case TVal::Tensor: return "a tensor";
  case TVal::Int: return "an int";
  case TVal::Float: return "a float";
  case TVal::Bool: return "a bool";
  case TVal::None: return "None";
  case TVal::String: return "a string";
  case TVal::List: return "a list";
  case TVal::Tuple: return "a tuple";
  }
  return "?";
}

llvm::Expected<Value *> TorchOpContext::tensor(unsigned i, Value *like) {
  const TVal &v = in(i);
  if (v.kind == TVal::Tensor)
    return v.v;
  if (v.isNumber()) {
    DType dt = like ? like->dtype()
                    : (v.kind == TVal::Float ? DType::F32 : DType::I64);
    Tensor t(dt, Shape{});
    t.setDouble(0, v.number());
    return constant(std::move(t), "scalar" + std::to_string(i));
  }
  return error("input " + llvm::Twine(i) + " is " + kindName(v.kind) +
               ", expected a tensor");
}

llvm::Expected<int64_t> TorchOpContext::intArg(unsigned i) {
  const TVal &v = in(i);
  if (v.kind == TVal::Int || v.kind == TVal::Bool)
    return v.i;
  if (v.kind == TVal::Tensor)
    if (const Tensor *t = v.v->constantValue(); t && t->numElements() == 1)
      return t->getInt(0);
  return error("input " + llvm::Twine(i) + " is " + kindName(v.kind) +
               ", expected an int known at import time");
}

llvm::Expected<double> TorchOpContext::floatArg(unsigned i) {
  const TVal &v = in(i);
  if (v.isNumber())
    return v.number();
  if (v.kind == TVal::Tensor)
    if (const Tensor *t = v.v->constantValue(); t && t->numElements() == 1)
      return t->getDouble(0);
  return error("input " + llvm::Twine(i) + " is " + kindName(v.kind) +
               ", expected a number known at import time");
}

llvm::Expected<std::vector<int64_t>> TorchOpContext::intsArg(unsigned i) {
  const TVal &v = in(i);
  std::vector<int64_t> out;
  if (v.kind == TVal::Int)
    return std::vector<int64_t>{v.i};
  if (v.kind == TVal::List || v.kind == TVal::Tuple) {
    for (const TVal &e : v.items) {
      if (e.kind == TVal::Int || e.kind == TVal::Bool) {
        out.push_back(e.i);
        continue;
      }
      const Tensor *t = e.kind == TVal::Tensor ? e.v->constantValue() : nullptr;
      if (!t || t->numElements() != 1)
        return error("input " + llvm::Twine(i) + " has an element that is " +
                     kindName(e.kind) + ", expected ints known at import "
                     "time");
      out.push_back(t->getInt(0));
    }
    return out;
  }
  return error("input " + llvm::Twine(i) + " is " + kindName(v.kind) +
               ", expected a list of ints");
}

llvm::Expected<std::vector<Value *>> TorchOpContext::tensorsArg(unsigned i) {
  const TVal &v = in(i);
  if (v.kind != TVal::List && v.kind != TVal::Tuple)
    return error("input " + llvm::Twine(i) + " is " + kindName(v.kind) +
                 ", expected a list of tensors");
  std::vector<Value *> out;
  for (const TVal &e : v.items) {
    if (e.kind != TVal::Tensor)
      return error("input " + llvm::Twine(i) + " has an element that is " +
                   kindName(e.kind) + ", expected tensors");
    out.push_back(e.v);
  }
  return out;
}

llvm::Expected<Shape> TorchOpContext::shapeOf(unsigned i) {
  const TVal &v = in(i);
  if (v.kind != TVal::Tensor)
    return error("input " + llvm::Twine(i) + " is " + kindName(v.kind) +
                 ", expected a tensor");
  return v.v->shape();
}

void TorchOpContext::setOut(unsigned i, TVal v) {
  if (i < node_.outputs.size())
    st_.vals[size_t(node_.outputs[i])] = std::move(v);
}

llvm::Expected<std::vector<Value *>>
TorchOpContext::emitMulti(OpKind k, llvm::ArrayRef<Value *> inputs,
                          unsigned numOut, const Attributes &attrs) {
  std::string base = name();
  std::vector<std::string> outNames;
  for (unsigned o = 0; o < numOut; ++o)
    outNames.push_back(numOut == 1 ? base : base + "_" + std::to_string(o));
  std::string nodeName = counter_ == 0 ? base
                                       : base + "_" + std::to_string(counter_);
  ++counter_;
  Node *n = st_.graph->createNode(k, inputs, outNames, nodeName, loc());
  for (const auto &[key, val] : attrs.entries())
    n->setAttr(key, val);
  const OpHooks &h = opHooks(n->kind());
  if (!h.infer)
    return error("IR op '" + n->info().name + "' has no shape inference yet");
  if (llvm::Error e = h.infer(*n))
    return error(llvm::toString(std::move(e)));
  std::vector<Value *> outs;
  for (unsigned o = 0; o < numOut; ++o)
    outs.push_back(n->output(o));
  return outs;
}

llvm::Expected<Value *> TorchOpContext::emit(OpKind k,
                                             llvm::ArrayRef<Value *> inputs,
                                             const Attributes &attrs,
                                             llvm::StringRef) {
  auto r = emitMulti(k, inputs, 1, attrs);
  if (!r)
    return r.takeError();
  return (*r)[0];
}

llvm::Error TorchOpContext::emitOut(OpKind k, llvm::ArrayRef<Value *> inputs,
                                    const Attributes &attrs) {
  auto v = emit(k, inputs, attrs);
  if (!v)
    return v.takeError();
  setOut(0, TVal::tensor(*v));
  return llvm::Error::success();
}

Value *TorchOpContext::constant(Tensor t, llvm::StringRef suffix) {
  return st_.graph
      ->createConstant(name() + "_" + suffix.str(), std::move(t), loc())
      ->output();
}

Value *TorchOpContext::constInts(llvm::ArrayRef<int64_t> v,
                                 llvm::StringRef suffix) {
  return constant(Tensor::fromInts(DType::I64, Shape{int64_t(v.size())}, v),
                  suffix);
}

//===----------------------------------------------------------------------===//
// Import
//===----------------------------------------------------------------------===//

namespace {

/// Every node the importer cannot take, in one error.
llvm::Error checkSupported(const TsGraph &g, llvm::StringRef file) {
  std::vector<std::string> bad, flow, mut;
  // The last node reading each value (graph outputs: past the end).
  std::vector<size_t> lastUse(g.valueNames.size(), 0);
  for (size_t i = 0; i < g.nodes.size(); ++i)
    for (int v : g.nodes[i].inputs)
      lastUse[size_t(v)] = i;
  for (int v : g.outputs)
    lastUse[size_t(v)] = g.nodes.size();
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const TsNode &n = g.nodes[i];
    llvm::StringRef op = llvm::StringRef(n.kind).substr(n.kind.find("::") + 2);
    // In-place ops are imported as functional ones: right only when the
    // mutated value is not read again (libtorch's mutation removal could not
    // prove it otherwise).
    if (op.endswith("_") && !op.startswith("_") && !n.inputs.empty() &&
        lastUse[size_t(n.inputs[0])] > i)
      mut.push_back(describeTorchNode(file, g, n, int(i)));
    if (n.hasBlocks)
      flow.push_back(describeTorchNode(file, g, n, int(i)));
    else if (!findTorchOp(n.kind))
      bad.push_back(describeTorchNode(file, g, n, int(i)));
  }
  if (bad.empty() && flow.empty() && mut.empty())
    return llvm::Error::success();
  std::string msg;
  if (!mut.empty()) {
    msg += std::to_string(mut.size()) +
           " in-place node(s) whose input is read again after the mutation "
           "(aliasing is not supported; write the op out of place):";
    for (const std::string &s : mut)
      msg += "\n  " + s;
  }
  if (!flow.empty()) {
    if (!msg.empty())
      msg += "\n";
    msg += std::to_string(flow.size()) +
           " data-dependent control-flow node(s) left after freezing, "
           "constant propagation and constant-loop unrolling (only "
           "prim::If on constants and prim::Loop with a constant trip count "
           "are resolved at import; trace the model or make the condition "
           "constant):";
    for (const std::string &s : flow)
      msg += "\n  " + s;
  }
  if (!bad.empty()) {
    if (!msg.empty())
      msg += "\n";
    msg += std::to_string(bad.size()) +
           " unsupported TorchScript node(s) (bmnetp --list_ops lists the "
           "supported ones):";
    for (const std::string &s : bad)
      msg += "\n  " + s;
  }
  return makeError(msg);
}

TVal fromConst(const TsConst &c, Graph &g, const std::string &name,
               const SourceLoc &loc) {
  TVal v;
  switch (c.kind) {
  case TsConst::None:
  case TsConst::Other:
    v.kind = TVal::None;
    break;
  case TsConst::Int:
    v.kind = TVal::Int;
    v.i = c.i;
    break;
  case TsConst::Bool:
    v.kind = TVal::Bool;
    v.i = c.i;
    break;
  case TsConst::Float:
    v.kind = TVal::Float;
    v.f = c.f;
    break;
  case TsConst::String:
    v.kind = TVal::String;
    v.s = c.s;
    break;
  case TsConst::Ints:
    v.kind = TVal::List;
    for (int64_t x : c.ints)
      v.items.push_back(TVal::integer(x));
    break;
  case TsConst::Floats:
    v.kind = TVal::List;
    for (double x : c.floats)
      v.items.push_back(TVal::real(x));
    break;
  case TsConst::Tensor:
    v = TVal::tensor(g.createConstant(name, c.tensor, loc)->output());
    break;
  }
  return v;
}

void flattenOutputs(const TVal &v, std::vector<const TVal *> &out) {
  if (v.kind == TVal::List || v.kind == TVal::Tuple) {
    for (const TVal &e : v.items)
      flattenOutputs(e, out);
    return;
  }
  out.push_back(&v);
}

} // namespace

llvm::Expected<std::unique_ptr<Module>>
importTorchGraph(const TsGraph &g, llvm::StringRef file,
                 const TorchImportOptions &opts) {
  if (llvm::Error e = checkSupported(g, file))
    return e;
  auto m = std::make_unique<Module>();
  m->sourceFile = file.str();
  m->name = llvm::sys::path::stem(file).str();
  TorchImportState st;
  st.graph = &m->graph;
  st.ts = &g;
  st.file = file.str();
  st.fileName = llvm::sys::path::filename(file).str();
  st.vals.resize(g.valueNames.size());

  if (opts.shapes.size() != g.inputs.size())
    return makeError(file + ": forward takes " + llvm::Twine(g.inputs.size()) +
                     " tensor input(s) but --shapes gives " +
                     llvm::Twine(opts.shapes.size()) +
                     " shape(s); TorchScript carries no input shapes, so "
                     "give one static shape per input, e.g. "
                     "--shapes=[1,3,224,224]");
  if (!opts.inputNames.empty() && opts.inputNames.size() != g.inputs.size())
    return makeError(file + ": --input_names gives " +
                     llvm::Twine(opts.inputNames.size()) + " name(s) for " +
                     llvm::Twine(g.inputs.size()) + " input(s)");
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    int id = g.inputs[i];
    if (g.valueTypes[size_t(id)] != "Tensor")
      return makeError(file + ": forward input '" +
                       g.valueNames[size_t(id)] + "' has type " +
                       g.valueTypes[size_t(id)] +
                       "; only tensor inputs are supported");
    if (!opts.shapes[i].isStatic())
      return makeError(file + ": --shapes " + opts.shapes[i].str() +
                       " for input '" + g.valueNames[size_t(id)] +
                       "' is not static");
    std::string name = opts.inputNames.empty() ? g.valueNames[size_t(id)]
                                               : opts.inputNames[i];
    st.vals[size_t(id)] = TVal::tensor(
        m->graph.addInput(name, TensorType(DType::F32, opts.shapes[i])));
  }

  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const TsNode &n = g.nodes[i];
    if (n.constant) {
      std::string name = g.valueNames[size_t(n.outputs[0])];
      st.vals[size_t(n.outputs[0])] =
          fromConst(*n.constant, m->graph, name,
                    SourceLoc{st.fileName, name, n.kind, 0});
      continue;
    }
    const TorchOpRow *row = findTorchOp(n.kind);
    TorchOpContext ctx(st, n, int(i), *row);
    if (llvm::Error e = row->fn(ctx))
      return e;
  }

  std::vector<const TVal *> outs;
  for (int id : g.outputs)
    flattenOutputs(st.vals[size_t(id)], outs);
  if (!opts.outputNames.empty() && opts.outputNames.size() != outs.size())
    return makeError(file + ": --output_names gives " +
                     llvm::Twine(opts.outputNames.size()) + " name(s) for " +
                     llvm::Twine(outs.size()) + " output tensor(s)");
  for (size_t i = 0; i < outs.size(); ++i) {
    if (outs[i]->kind != TVal::Tensor)
      return makeError(file + ": output " + llvm::Twine(i) + " of forward is " +
                       kindName(outs[i]->kind) + ", not a tensor");
    Value *v = outs[i]->v;
    bool taken = v->producer() == nullptr ||
                 llvm::is_contained(m->graph.outputs(), v);
    bool named = !opts.outputNames.empty();
    if (named && !taken && m->graph.renameValue(v, opts.outputNames[i]))
      taken = false;
    else if (named)
      taken = true;
    if (taken) {
      // A graph input, a repeated output or a name in use: a node of its own.
      std::string nm = named ? opts.outputNames[i] : v->name() + "_out";
      Node *id = m->graph.createNode(OpKind::Identity, {v}, {nm}, nm);
      if (llvm::Error e = opHooks(OpKind::Identity).infer(*id))
        return e;
      v = id->output();
    }
    m->graph.addOutput(v);
  }
  return m;
}

llvm::Expected<std::unique_ptr<Module>>
importTorchFile(llvm::StringRef file, const TorchImportOptions &opts) {
  auto g = loadTorchScript(file);
  if (!g)
    return g.takeError();
  return importTorchGraph(*g, file, opts);
}

} // namespace onntc
