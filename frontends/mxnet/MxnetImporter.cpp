//===- MxnetImporter.cpp - MXNet checkpoint -> IR module ------------------===//
//
// The driver: picks the outputs (heads or --output_names), the nodes they
// need (labels of *Output ops are not followed), splits the null nodes into
// parameters and network inputs, reports every unsupported op and every
// missing parameter at once, creates the inputs with their shapes and
// imports each node through its op-table row, in the symbol's order (which
// MXNet keeps topological).
//
//===----------------------------------------------------------------------===//
#include "frontends/mxnet/MxnetContext.h"

#include "ir/Diagnostics.h"

#include "llvm/Support/Path.h"

#include <set>

namespace onntc {

namespace {

/// Suffixes MXNet gives to the parameters its layers create.
constexpr llvm::StringLiteral kParamSuffixes[] = {
    "_weight",      "_bias",       "_gamma",        "_beta",       "_alpha",
    "_moving_mean", "_moving_var", "_running_mean", "_running_var"};

bool looksLikeParam(const MxNode &n) {
  for (llvm::StringRef s : kParamSuffixes)
    if (llvm::StringRef(n.name).endswith(s))
      return true;
  return n.attrs.count("__init__") != 0;
}

class Importer {
public:
  Importer(const MxSymbol &sym, const MxParams &params, llvm::StringRef symFile,
           llvm::StringRef paramsFile, const MxnetImportOptions &opts)
      : sym_(sym), params_(params), opts_(opts) {
    st_.symbolFile = llvm::sys::path::filename(symFile).str();
    st_.paramsFile = llvm::sys::path::filename(paramsFile).str();
    st_.sym = &sym;
    st_.params = &params;
  }

  llvm::Expected<std::unique_ptr<Module>> run();

private:
  llvm::Error selectOutputs();
  void markNeeded();
  llvm::Error classifyNullNodes();
  llvm::Error checkSupported();
  llvm::Error createInputs();
  llvm::Error importNodes();
  llvm::Error fileError(const llvm::Twine &msg) const {
    return makeError(st_.symbolFile + ": " + msg);
  }
  bool isParam(const MxNode &n) const {
    auto it = params_.params.find(n.name);
    return it != params_.params.end() && it->second.value.isValid();
  }

  const MxSymbol &sym_;
  const MxParams &params_;
  const MxnetImportOptions &opts_;
  MxImportState st_;
  std::unique_ptr<Module> module_;
  std::vector<MxEntry> outputs_;
  std::vector<char> needed_;
  std::vector<uint32_t> inputs_; ///< null-node ids that are network inputs
};

llvm::Error Importer::selectOutputs() {
  if (opts_.outputNames.empty()) {
    outputs_ = sym_.heads;
    return llvm::Error::success();
  }
  for (const std::string &want : opts_.outputNames) {
    bool found = false;
    for (uint32_t id = 0; id < sym_.nodes.size() && !found; ++id) {
      llvm::StringRef w = want;
      const std::string &nm = sym_.nodes[id].name;
      if (!w.consume_front(nm))
        continue;
      uint32_t index = 0;
      if (w.empty() || w == "_output") {
        found = true;
      } else if (w.consume_front("_output") && !w.getAsInteger(10, index)) {
        found = true;
      }
      if (found)
        outputs_.push_back({id, index});
    }
    if (!found)
      return fileError("--output_names: no node or output named '" + want +
                       "' (use a node name, or <node>_output<i> for one "
                       "output of a multi-output node)");
  }
  return llvm::Error::success();
}

void Importer::markNeeded() {
  needed_.assign(sym_.nodes.size(), 0);
  for (const MxEntry &e : outputs_)
    needed_[e.node] = 1;
  // Ids are topological, so one backward sweep finds everything needed.
  for (size_t id = sym_.nodes.size(); id-- > 0;) {
    if (!needed_[id])
      continue;
    const MxNode &n = sym_.nodes[id];
    size_t count = n.inputs.size();
    if (mxnetOpHasLabelInputs(n.op) && count > 1)
      count = 1;
    for (size_t i = 0; i < count; ++i)
      needed_[n.inputs[i].node] = 1;
  }
}

llvm::Error Importer::classifyNullNodes() {
  std::vector<std::string> missing;
  std::set<std::string> named(opts_.inputNames.begin(), opts_.inputNames.end());
  for (uint32_t id = 0; id < sym_.nodes.size(); ++id) {
    const MxNode &n = sym_.nodes[id];
    if (n.op != "null" || !needed_[id] || isParam(n))
      continue;
    bool input = opts_.inputNames.empty() ? !looksLikeParam(n)
                                          : named.count(n.name) != 0;
    if (input) {
      inputs_.push_back(id);
      continue;
    }
    // Name the first user, to point at the layer that lacks its weights.
    std::string user;
    for (const MxNode &u : sym_.nodes)
      for (const MxEntry &e : u.inputs)
        if (user.empty() && e.node == id)
          user = " (read by node '" + u.name + "' (" + u.op + "))";
    missing.push_back("'" + n.name + "'" + user);
  }
  if (!missing.empty()) {
    std::string msg = st_.paramsFile + ": " + std::to_string(missing.size()) +
                      " parameter(s) that " + st_.symbolFile +
                      " needs are missing (are these the params of another "
                      "net?):";
    for (const std::string &m : missing)
      msg += "\n  " + m;
    if (opts_.inputNames.empty())
      msg += "\n(if one of them is a network input, name the inputs with "
             "--input_names)";
    return makeError(msg);
  }
  if (!opts_.inputNames.empty()) {
    // Order the inputs as --input_names does; each must be a null node.
    std::vector<uint32_t> ordered;
    for (const std::string &want : opts_.inputNames) {
      auto it = llvm::find_if(
          inputs_, [&](uint32_t id) { return sym_.nodes[id].name == want; });
      if (it == inputs_.end())
        return fileError("--input_names: '" + want +
                         "' is not an input of the network (a variable the "
                         "outputs need that is not in the params file)");
      ordered.push_back(*it);
    }
    inputs_ = std::move(ordered);
  }
  if (inputs_.empty())
    return fileError("the network has no inputs (every variable is in the "
                     "params file)");
  if (!opts_.shapes.empty() && opts_.shapes.size() != inputs_.size())
    return fileError("--shapes gives " + llvm::Twine(opts_.shapes.size()) +
                     " shape(s) but the network has " +
                     llvm::Twine(inputs_.size()) + " input(s)");
  return llvm::Error::success();
}

llvm::Error Importer::checkSupported() {
  std::vector<std::string> bad;
  std::set<std::string> badOps;
  for (uint32_t id = 0; id < sym_.nodes.size(); ++id) {
    const MxNode &n = sym_.nodes[id];
    if (!needed_[id] || n.op == "null" || findMxnetOp(n.op))
      continue;
    bad.push_back("node '" + n.name + "' (" + n.op + ")");
    badOps.insert(n.op);
  }
  if (bad.empty())
    return llvm::Error::success();
  std::string ops;
  for (const std::string &o : badOps)
    ops += (ops.empty() ? "" : ", ") + o;
  std::string msg = st_.symbolFile + ": " + std::to_string(bad.size()) +
                    " node(s) use unsupported ops [" + ops + "]:";
  for (const std::string &b : bad)
    msg += "\n  " + b;
  msg += "\n(bmnetm --list_ops prints the supported ops; --output_names can "
         "cut the graph before them)";
  return makeError(msg);
}

llvm::Error Importer::createInputs() {
  Graph &g = module_->graph;
  for (size_t i = 0; i < inputs_.size(); ++i) {
    const MxNode &n = sym_.nodes[inputs_[i]];
    Shape shape;
    if (!opts_.shapes.empty()) {
      shape = opts_.shapes[i];
    } else {
      MxImportState tmp = st_;
      MxNodeContext ctx(tmp, inputs_[i]);
      auto s = ctx.attrTuple("__shape__", {});
      if (!s)
        return s.takeError();
      bool ok = !s->empty();
      for (int64_t d : *s)
        ok = ok && d > 0;
      if (!ok)
        return fileError("input '" + n.name +
                         "' has no shape in the symbol; give the shapes of "
                         "all inputs with --shapes, e.g. --shapes=[1,3,224,"
                         "224]");
      shape = Shape(llvm::ArrayRef<int64_t>(*s));
    }
    st_.values[{inputs_[i], 0}] =
        g.addInput(n.name, TensorType(DType::F32, shape));
  }
  return llvm::Error::success();
}

llvm::Error Importer::importNodes() {
  for (uint32_t id = 0; id < sym_.nodes.size(); ++id) {
    const MxNode &n = sym_.nodes[id];
    if (!needed_[id] || n.op == "null")
      continue;
    const MxOpRow *row = findMxnetOp(n.op);
    assert(row && "checkSupported let an unknown op through");
    MxNodeContext ctx(st_, id);
    if (llvm::Error e = row->fn(ctx))
      return e;
  }
  Graph &g = module_->graph;
  for (const MxEntry &e : outputs_) {
    Value *v = nullptr;
    auto it = st_.values.find({e.node, e.index});
    if (it != st_.values.end())
      v = it->second;
    const MxNode &n = sym_.nodes[e.node];
    if (!v)
      return fileError("output " + llvm::Twine(e.index) + " of node '" +
                       n.name + "' (" + n.op + ") does not exist");
    if (v->producer() && v->producer()->kind() == OpKind::Constant)
      return fileError("output '" + n.name +
                       "' is a parameter, not a "
                       "computed value");
    g.addOutput(v);
  }
  return llvm::Error::success();
}

llvm::Expected<std::unique_ptr<Module>> Importer::run() {
  module_ = std::make_unique<Module>();
  module_->sourceFile = st_.symbolFile;
  module_->name = llvm::StringRef(st_.symbolFile).rsplit('.').first.str();
  module_->stage = IRStage::Imported;
  st_.graph = &module_->graph;
  if (llvm::Error e = selectOutputs())
    return e;
  markNeeded();
  if (llvm::Error e = checkSupported())
    return e;
  if (llvm::Error e = classifyNullNodes())
    return e;
  if (llvm::Error e = createInputs())
    return e;
  if (llvm::Error e = importNodes())
    return e;
  return std::move(module_);
}

} // namespace

llvm::Expected<std::unique_ptr<Module>>
importMxnetModel(const MxSymbol &sym, const MxParams &params,
                 llvm::StringRef symbolFile, llvm::StringRef paramsFile,
                 const MxnetImportOptions &opts) {
  Importer imp(sym, params, symbolFile, paramsFile, opts);
  return imp.run();
}

llvm::Expected<std::unique_ptr<Module>>
importMxnetFiles(llvm::StringRef symbolPath, llvm::StringRef paramsPath,
                 const MxnetImportOptions &opts) {
  auto sym = readMxnetSymbolFile(symbolPath);
  if (!sym)
    return sym.takeError();
  if (paramsPath.empty())
    return makeError(llvm::sys::path::filename(symbolPath) +
                     ": no params file; give it with --weight");
  auto params = readMxnetParamsFile(paramsPath);
  if (!params)
    return params.takeError();
  return importMxnetModel(*sym, *params, symbolPath, paramsPath, opts);
}

std::vector<llvm::StringRef> supportedMxnetOps() {
  std::vector<llvm::StringRef> out;
  for (const MxOpRow &r : mxnetOpTable())
    out.push_back(r.name);
  return out;
}

} // namespace onntc
