//===- TfImporter.cpp - TensorFlow GraphDef -> IR: the import driver ------===//
//
// Steps: index the nodes → pick outputs (--output_names or the dangling
// tensors) → take the nodes the outputs need, in topological order → report
// every unsupported node at once → create the inputs (Placeholders, shapes
// from --shapes) → import each node through its op-table row → make the
// outputs (4-D NCHW values go back to NHWC).
//
//===----------------------------------------------------------------------===//

#include "frontends/tensorflow/TfContext.h"

#include "ir/Diagnostics.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Path.h"

#include <set>

namespace onntc {
namespace {

/// Ops that produce no data a network output would want.
bool isSourceLikeOp(llvm::StringRef op) {
  return op == "Const" || op == "Placeholder" || op == "NoOp" ||
         op == "PlaceholderWithDefault" || op == "VariableV2" ||
         op == "Assert" || op == "SaveV2" || op == "RestoreV2";
}

class Importer {
public:
  Importer(const tfproto::GraphDef &g, llvm::StringRef path,
           const TfImportOptions &o)
      : g_(g), path_(path.str()), opts_(o) {}

  llvm::Expected<std::unique_ptr<Module>> run();

private:
  llvm::Error indexNodes();
  llvm::Error selectOutputs();
  llvm::Error sliceNodes();
  llvm::Error checkSupported();
  llvm::Error selectInputs();
  llvm::Error createInputs();
  llvm::Error importNodes();
  llvm::Error makeOutputs();
  llvm::Error fileError(const llvm::Twine &msg) const {
    return makeError(st_.fileName + ": " + msg);
  }

  const tfproto::GraphDef &g_;
  std::string path_;
  const TfImportOptions &opts_;
  TfImportState st_;
  std::unique_ptr<Module> module_;
  llvm::StringMap<int> index_;
  std::vector<std::string> outputs_; ///< canonical tensor names
  std::vector<int> order_;           ///< needed nodes, topological
  bool cycle_ = false;
  std::string cycleNode_;
  std::vector<const tfproto::NodeDef *> inputs_;
};

llvm::Error Importer::indexNodes() {
  for (int i = 0; i < g_.node_size(); ++i) {
    const auto &n = g_.node(i);
    if (!index_.try_emplace(n.name(), i).second)
      return fileError("two nodes are named '" + n.name() + "'");
    st_.nodes[n.name()] = &n;
  }
  for (const auto &n : g_.node())
    for (const auto &in : n.input())
      if (!in.empty() && in[0] != '^')
        st_.consumers[tensorNodeName(in)].push_back(&n);
  return llvm::Error::success();
}

llvm::Error Importer::selectOutputs() {
  if (!opts_.outputNames.empty()) {
    for (const std::string &o : opts_.outputNames) {
      llvm::StringRef node = tensorNodeName(o);
      if (!index_.count(node))
        return fileError("--output_names: no node named '" + node +
                         "' in the graph");
      outputs_.push_back(canonicalTensorName(o));
    }
    return llvm::Error::success();
  }
  // The dangling tensors: outputs of nodes nothing reads.
  for (const auto &n : g_.node())
    if (!st_.consumers.count(n.name()) && !isSourceLikeOp(n.op()))
      outputs_.push_back(n.name() + ":0");
  if (outputs_.empty())
    return fileError("the graph has no dangling tensors to make outputs; "
                     "name them with --output_names");
  return llvm::Error::success();
}

llvm::Error Importer::sliceNodes() {
  // Depth-first post-order from the outputs over data inputs. A back edge
  // (a while loop's NextIteration -> Merge) is remembered, not followed:
  // the loop's ops are reported as unsupported first.
  std::vector<char> state(size_t(g_.node_size()), 0); // 0 new, 1 open, 2 done
  std::vector<std::pair<int, int>> stack;
  auto visit = [&](llvm::StringRef tensor) -> llvm::Error {
    auto it = index_.find(tensorNodeName(tensor));
    if (it == index_.end())
      return llvm::Error::success(); // reported when the reader is imported
    char &s = state[size_t(it->second)];
    if (s == 1) {
      cycle_ = true;
      cycleNode_ = it->first().str();
    } else if (s == 0) {
      s = 1;
      stack.push_back({it->second, 0});
    }
    return llvm::Error::success();
  };
  for (const std::string &o : outputs_) {
    if (llvm::Error e = visit(o))
      return e;
    while (!stack.empty()) {
      auto &[node, next] = stack.back();
      const auto &nd = g_.node(node);
      if (next < nd.input_size()) {
        const std::string &in = nd.input(next++);
        if (!in.empty() && in[0] != '^')
          if (llvm::Error e = visit(in))
            return e;
        continue;
      }
      state[size_t(node)] = 2;
      order_.push_back(node);
      stack.pop_back();
    }
  }
  return llvm::Error::success();
}

llvm::Error Importer::checkSupported() {
  std::vector<std::string> bad;
  std::set<std::string> badOps;
  for (int idx : order_) {
    const auto &n = g_.node(idx);
    if (findTfOp(n.op()))
      continue;
    bad.push_back("node '" + n.name() + "' (" + n.op() + ")");
    badOps.insert(n.op());
  }
  if (bad.empty()) {
    if (cycle_)
      return fileError("the graph has a cycle through node '" + cycleNode_ +
                       "'");
    return llvm::Error::success();
  }
  std::string ops;
  for (const auto &k : badOps)
    ops += (ops.empty() ? "" : ", ") + k;
  std::string msg = st_.fileName + ": " + std::to_string(bad.size()) +
                    " node(s) use " + std::to_string(badOps.size()) +
                    " unsupported op(s) [" + ops + "]:";
  for (const std::string &b : bad)
    msg += "\n  " + b;
  msg += "\n(bmnett --list_ops prints the supported ops; --output_names can "
         "cut the graph before the unsupported part)";
  return llvm::make_error<TfUnsupportedError>(msg);
}

llvm::Error Importer::selectInputs() {
  std::vector<const tfproto::NodeDef *> needed;
  for (int idx : order_)
    if (g_.node(idx).op() == "Placeholder")
      needed.push_back(&g_.node(idx));
  if (opts_.inputNames.empty()) {
    inputs_ = needed;
  } else {
    for (const std::string &name : opts_.inputNames) {
      llvm::StringRef node = tensorNodeName(name);
      auto it = index_.find(node);
      if (it == index_.end() || g_.node(it->second).op() != "Placeholder") {
        std::string have;
        for (const auto &n : g_.node())
          if (n.op() == "Placeholder")
            have += (have.empty() ? "'" : ", '") + n.name() + "'";
        return fileError(
            "--input_names: '" + name + "' is not " +
            (it == index_.end()
                 ? "a node of the graph"
                 : "a Placeholder (it is a " + g_.node(it->second).op() + ")") +
            " (Placeholders: " + (have.empty() ? std::string("none") : have) +
            ")");
      }
      if (llvm::is_contained(inputs_, &g_.node(it->second)))
        return fileError("--input_names: '" + name + "' is named twice");
      inputs_.push_back(&g_.node(it->second));
    }
    for (const auto *n : needed)
      if (!llvm::is_contained(inputs_, n))
        return fileError("the outputs need Placeholder '" + n->name() +
                         "', which --input_names leaves out");
  }
  if (!opts_.shapes.empty() && opts_.shapes.size() != inputs_.size())
    return fileError("--shapes gives " + llvm::Twine(opts_.shapes.size()) +
                     " shape(s) but the network has " +
                     llvm::Twine(inputs_.size()) + " input(s)");
  return llvm::Error::success();
}

llvm::Error Importer::createInputs() {
  Graph &g = module_->graph;
  for (size_t i = 0; i < inputs_.size(); ++i) {
    const auto &n = *inputs_[i];
    std::string what = "Placeholder '" + n.name() + "'";
    auto dtIt = n.attr().find("dtype");
    int tfType = dtIt == n.attr().end() ? int(tfproto::DT_FLOAT)
                                        : int(dtIt->second.type());
    auto dt = dtypeFromTf(tfType);
    if (!dt)
      return llvm::make_error<TfUnsupportedError>(
          st_.fileName + ": " + what + " has data type " + tfTypeName(tfType) +
          ", which is not supported");
    bool hasShape = false;
    Shape declared;
    auto shIt = n.attr().find("shape");
    if (shIt != n.attr().end() && shIt->second.has_shape() &&
        !shIt->second.shape().unknown_rank()) {
      hasShape = true;
      for (const auto &d : shIt->second.shape().dim())
        declared.mutableDims().push_back(d.size() >= 0 ? d.size()
                                                       : kDynamicDim);
    }
    Shape shape = declared;
    if (!opts_.shapes.empty()) {
      const Shape &given = opts_.shapes[i];
      if (hasShape && given.rank() != declared.rank())
        return fileError("--shapes gives " + what + " shape " + given.str() +
                         " (rank " + llvm::Twine(given.rank()) +
                         ") but the graph declares " + declared.str() +
                         " (rank " + llvm::Twine(declared.rank()) + ")");
      for (size_t k = 0; hasShape && k < given.rank(); ++k)
        if (declared[k] >= 0 && declared[k] != given[k])
          return fileError("--shapes gives " + what + " shape " + given.str() +
                           " but the graph fixes dimension " + llvm::Twine(k) +
                           " to " + llvm::Twine(declared[k]) + " (declared " +
                           declared.str() + ")");
      shape = given;
    } else if (!hasShape || !shape.isStatic()) {
      return fileError(what + " has " +
                       (hasShape ? "shape " + declared.str()
                                 : std::string("no declared shape")) +
                       "; give static shapes of all inputs, in TensorFlow's "
                       "layout (NHWC for images), with --shapes, e.g. "
                       "--shapes=[1,300,300,3]");
    }
    Value *v = g.addInput(n.name(), TensorType(*dt, shape));
    st_.values[n.name() + ":0"] = TfValue{v, false};
  }
  return llvm::Error::success();
}

llvm::Error Importer::importNodes() {
  for (int idx : order_) {
    const auto &n = g_.node(idx);
    for (const auto &in : n.input())
      if (!in.empty() && !index_.count(tensorNodeName(in)))
        return fileError("node '" + n.name() + "' (" + n.op() + ") reads '" +
                         in + "', which no node of the graph defines");
    const TfOpRow *row = findTfOp(n.op());
    assert(row && "checkSupported let an unknown op through");
    TfNodeContext ctx(st_, n, *row);
    if (llvm::Error e = row->fn(ctx))
      return e;
  }
  return llvm::Error::success();
}

llvm::Error Importer::makeOutputs() {
  Graph &g = module_->graph;
  for (const std::string &o : outputs_) {
    auto it = st_.values.find(o);
    if (it == st_.values.end()) {
      llvm::StringRef node = tensorNodeName(o);
      const auto &nd = g_.node(index_.lookup(node));
      return fileError("output '" + o + "': node '" + node + "' (" + nd.op() +
                       ") has no such output, or it is not supported as a "
                       "network output");
    }
    TfValue tv = it->second;
    Value *v = tv.v;
    std::string name =
        llvm::StringRef(o).endswith(":0") ? o.substr(0, o.size() - 2) : o;
    if (tv.nchw) {
      // Back to TensorFlow's layout; the output keeps the tensor's name.
      Node *t = g.createNode(
          OpKind::Transpose, {v}, {name + "/to_nhwc"}, name + "/to_nhwc",
          v->producer() ? v->producer()->loc() : SourceLoc{});
      t->setAttr("perm", std::vector<int64_t>{0, 2, 3, 1});
      if (llvm::Error e = opHooks(OpKind::Transpose).infer(*t))
        return e;
      if (v->name() == name)
        g.renameValue(v, g.uniqueName(name + "/nchw"));
      v = t->output();
    }
    if (v->name() != name && !g.findValue(name))
      g.renameValue(v, name);
    g.addOutput(v);
  }
  return llvm::Error::success();
}

llvm::Expected<std::unique_ptr<Module>> Importer::run() {
  st_.fileName = llvm::sys::path::filename(path_).str();
  KernelContext kernels(1);
  st_.kernels = &kernels;
  module_ = std::make_unique<Module>();
  module_->sourceFile = path_;
  module_->name = llvm::sys::path::stem(path_).str();
  module_->stage = IRStage::Imported;
  st_.graph = &module_->graph;
  for (auto step : {&Importer::indexNodes, &Importer::selectOutputs,
                    &Importer::sliceNodes, &Importer::checkSupported,
                    &Importer::selectInputs, &Importer::createInputs,
                    &Importer::importNodes, &Importer::makeOutputs})
    if (llvm::Error e = (this->*step)())
      return e;
  return std::move(module_);
}

} // namespace

llvm::Expected<std::unique_ptr<Module>>
importTfGraph(const tfproto::GraphDef &graph, llvm::StringRef path,
              const TfImportOptions &opts) {
  Importer imp(graph, path, opts);
  return imp.run();
}

llvm::Expected<std::unique_ptr<Module>>
importTfFile(llvm::StringRef path, const TfImportOptions &opts) {
  auto graph = loadTfGraph(path);
  if (!graph)
    return graph.takeError();
  return importTfGraph(**graph, path, opts);
}

std::vector<TfOpDesc> supportedTfOps() {
  std::vector<TfOpDesc> out;
  for (const TfOpRow &r : tfOpTable())
    out.push_back({r.name, r.note});
  return out;
}

} // namespace onntc
