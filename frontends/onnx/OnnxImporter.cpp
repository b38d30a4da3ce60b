//===- OnnxImporter.cpp - ONNX model -> IR module
//--------------------------===//
//
// The driver: loads the protobuf, checks opsets and domains, resolves the
// network inputs (--input_names, --shapes) and outputs (--output_names),
// finds every unsupported op among the nodes the outputs need, then imports
// initializers as Constant nodes and each ONNX node through its op-table row.
//
//===----------------------------------------------------------------------===//

#include "frontends/onnx/OnnxContext.h"

#include "ir/Diagnostics.h"

#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/text_format.h>

#include <set>

namespace onntc {

static bool isTextModel(llvm::StringRef path) {
  return path.endswith(".onnxtxt") || path.endswith(".textproto") ||
         path.endswith(".pbtxt");
}

llvm::Expected<std::unique_ptr<onnx::ModelProto>>
loadOnnxModel(llvm::StringRef path) {
  auto buf = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                         /*RequiresNullTerminator=*/false);
  if (!buf)
    return makeError("cannot read model '" + path +
                     "': " + buf.getError().message());
  llvm::StringRef bytes = (*buf)->getBuffer();
  auto model = std::make_unique<onnx::ModelProto>();
  if (isTextModel(path)) {
    google::protobuf::TextFormat::Parser parser;
    // Collect the parser's message instead of letting protobuf log it.
    struct Collector : google::protobuf::io::ErrorCollector {
      std::string msg;
      void AddError(int line, int col, const std::string &m) override {
        if (msg.empty())
          msg = std::to_string(line + 1) + ":" + std::to_string(col + 1) +
                ": " + m;
      }
    } collector;
    parser.RecordErrorsTo(&collector);
    if (!parser.ParseFromString(bytes.str(), model.get()))
      return makeError(path +
                       ": not a valid ONNX text model: " + collector.msg);
  } else {
    if (bytes.empty())
      return makeError(path + ": the file is empty, not an ONNX model");
    google::protobuf::io::ArrayInputStream raw(bytes.data(), int(bytes.size()));
    google::protobuf::io::CodedInputStream in(&raw);
    in.SetTotalBytesLimit(INT32_MAX);
    if (!model->ParseFromCodedStream(&in) || !in.ConsumedEntireMessage())
      return makeError(path + ": not a valid ONNX model (the protobuf does not "
                              "parse: truncated file or not an .onnx file)");
  }
  // A protobuf parse of arbitrary bytes can succeed; a model has a graph and
  // an IR version.
  if (!model->has_graph() || model->ir_version() <= 0)
    return makeError(path + ": not an ONNX model (no " +
                     (model->has_graph() ? "ir_version" : "graph") +
                     "); is this really an .onnx file?");
  return model;
}

namespace {

/// Dimensions of a ValueInfoProto's tensor type; dynamic dims -> kDynamicDim.
struct DeclaredType {
  int elemType = 0;
  bool hasShape = false;
  Shape shape;
};

DeclaredType declaredType(const onnx::ValueInfoProto &vi) {
  DeclaredType d;
  if (!vi.type().has_tensor_type())
    return d;
  const auto &tt = vi.type().tensor_type();
  d.elemType = tt.elem_type();
  if (tt.has_shape()) {
    d.hasShape = true;
    for (const auto &dim : tt.shape().dim())
      d.shape.mutableDims().push_back(dim.has_dim_value() && dim.dim_value() > 0
                                          ? dim.dim_value()
                                          : kDynamicDim);
  }
  return d;
}

class Importer {
public:
  Importer(const onnx::ModelProto &m, llvm::StringRef path,
           const OnnxImportOptions &o)
      : model_(m), g_(m.graph()), path_(path.str()), opts_(o) {}

  llvm::Expected<std::unique_ptr<Module>> run();

private:
  llvm::Error checkOpsets();
  llvm::Error selectInputs();
  llvm::Error selectOutputs();
  llvm::Error sliceNodes();
  llvm::Error checkSupported();
  llvm::Error createInputs();
  std::string exampleShapes() const;
  llvm::Error importNodes();
  std::string nodeName(const onnx::NodeProto &n, int index) const {
    if (!n.name().empty())
      return n.name();
    if (n.output_size() && !n.output(0).empty())
      return n.output(0);
    return n.op_type() + "_" + std::to_string(index);
  }
  llvm::Error fileError(const llvm::Twine &msg) const {
    return makeError(st_.fileName + ": " + msg);
  }

  const onnx::ModelProto &model_;
  const onnx::GraphProto &g_;
  std::string path_;
  const OnnxImportOptions &opts_;
  OnnxImportState st_;
  std::unique_ptr<Module> module_;

  llvm::StringMap<const onnx::TensorProto *> initializers_;
  /// Graph inputs that are not initializers, in model order.
  std::vector<const onnx::ValueInfoProto *> realInputs_;
  std::vector<const onnx::ValueInfoProto *> selected_;
  std::vector<std::string> outputs_;
  /// Indices of the nodes needed for the outputs, in topological order.
  std::vector<int> order_;
};

llvm::Error Importer::checkOpsets() {
  int opset = -1;
  for (const auto &o : model_.opset_import())
    if (o.domain().empty() || o.domain() == "ai.onnx")
      opset = int(o.version());
  if (opset < 0) {
    // IR version 1..2 models predate opset_import and mean opset 1.
    return llvm::make_error<OnnxUnsupportedError>(
        st_.fileName + ": the model imports no ai.onnx opset; opsets " +
        std::to_string(kMinOnnxOpset) + " to " + std::to_string(kMaxOnnxOpset) +
        " are supported");
  }
  if (opset < kMinOnnxOpset || opset > kMaxOnnxOpset)
    return llvm::make_error<OnnxUnsupportedError>(
        st_.fileName + ": ai.onnx opset " + std::to_string(opset) +
        " is not supported (opsets " + std::to_string(kMinOnnxOpset) + " to " +
        std::to_string(kMaxOnnxOpset) +
        "); convert the model with "
        "onnx.version_converter.convert_version(model, 13)");
  st_.opset = opset;
  return llvm::Error::success();
}

llvm::Error Importer::selectInputs() {
  for (const auto &t : g_.initializer())
    initializers_[t.name()] = &t;
  for (const auto &in : g_.input())
    if (!initializers_.count(in.name()))
      realInputs_.push_back(&in);
  if (opts_.inputNames.empty()) {
    selected_ = realInputs_;
  } else {
    for (const std::string &name : opts_.inputNames) {
      const onnx::ValueInfoProto *found = nullptr;
      for (const auto *in : realInputs_)
        if (in->name() == name)
          found = in;
      if (!found) {
        std::string have;
        for (const auto *in : realInputs_)
          have += (have.empty() ? "'" : ", '") + in->name() + "'";
        return fileError("--input_names: '" + name +
                         "' is not an input of the model (inputs: " +
                         (have.empty() ? std::string("none") : have) + ")");
      }
      if (llvm::is_contained(selected_, found))
        return fileError("--input_names: '" + name + "' is named twice");
      selected_.push_back(found);
    }
  }
  if (!opts_.shapes.empty() && opts_.shapes.size() != selected_.size())
    return fileError("--shapes gives " + llvm::Twine(opts_.shapes.size()) +
                     " shape(s) but the network has " +
                     llvm::Twine(selected_.size()) + " input(s)");
  return llvm::Error::success();
}

llvm::Error Importer::selectOutputs() {
  if (opts_.outputNames.empty()) {
    for (const auto &o : g_.output())
      outputs_.push_back(o.name());
  } else {
    llvm::StringSet<> known;
    for (const auto &in : g_.input())
      known.insert(in.name());
    for (const auto &t : g_.initializer())
      known.insert(t.name());
    for (const auto &n : g_.node())
      for (const auto &o : n.output())
        known.insert(o);
    for (const std::string &name : opts_.outputNames) {
      if (!known.count(name))
        return fileError("--output_names: no value named '" + name +
                         "' in the model");
      outputs_.push_back(name);
    }
  }
  if (outputs_.empty())
    return fileError("the model has no outputs");
  return llvm::Error::success();
}

llvm::Error Importer::sliceNodes() {
  llvm::StringMap<int> producer;
  for (int i = 0; i < g_.node_size(); ++i)
    for (const auto &o : g_.node(i).output())
      if (!o.empty())
        producer[o] = i;
  // Depth-first post-order from the outputs gives a topological order of
  // exactly the needed nodes, even if the model lists them out of order.
  std::vector<char> state(size_t(g_.node_size()), 0); // 0 new, 1 open, 2 done
  std::vector<std::pair<int, int>> stack;             // node, next input
  auto visitValue = [&](const std::string &name) {
    auto it = producer.find(name);
    if (it != producer.end() && state[size_t(it->second)] == 0) {
      state[size_t(it->second)] = 1;
      stack.push_back({it->second, 0});
    }
  };
  for (const std::string &o : outputs_) {
    visitValue(o);
    while (!stack.empty()) {
      auto &[node, next] = stack.back();
      const auto &np = g_.node(node);
      if (next < np.input_size()) {
        const std::string &in = np.input(next++);
        if (in.empty())
          continue;
        auto it = producer.find(in);
        if (it != producer.end() && state[size_t(it->second)] == 1)
          return fileError("the graph has a cycle through node '" +
                           nodeName(g_.node(it->second), it->second) + "'");
        visitValue(in);
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
  std::set<std::string> badOps; // sorted, for a stable message
  for (int idx : order_) {
    const auto &n = g_.node(idx);
    std::string what = "node '" + nodeName(n, idx) + "' (";
    if (!n.domain().empty() && n.domain() != "ai.onnx") {
      bad.push_back(what + n.domain() + "::" + n.op_type() + ": domain '" +
                    n.domain() + "' is not supported, only ai.onnx)");
      badOps.insert(n.domain() + "::" + n.op_type());
      continue;
    }
    const OnnxOpRow *row = findOnnxOp(n.op_type());
    if (!row) {
      bad.push_back(what + n.op_type() + ")");
      badOps.insert(n.op_type());
    } else if (st_.opset < row->minOpset) {
      bad.push_back(what + n.op_type() + ": needs opset " +
                    std::to_string(row->minOpset) + ")");
      badOps.insert(n.op_type());
    }
  }
  if (bad.empty())
    return llvm::Error::success();
  std::string ops;
  for (const auto &k : badOps)
    ops += (ops.empty() ? "" : ", ") + k;
  std::string msg = st_.fileName + " (opset " + std::to_string(st_.opset) +
                    "): " + std::to_string(bad.size()) +
                    " node(s) use unsupported ops [" + ops + "]:";
  for (const std::string &b : bad)
    msg += "\n  " + b;
  msg += "\n(bmneto --list_ops prints the supported ops)";
  return llvm::make_error<OnnxUnsupportedError>(msg);
}

std::string Importer::exampleShapes() const {
  // Dynamic dims shown as 1, in --shapes syntax.
  std::vector<std::string> parts;
  for (const auto *in : selected_) {
    DeclaredType d = declaredType(*in);
    std::string s = "[";
    for (size_t k = 0; k < d.shape.rank(); ++k)
      s += (k ? "," : "") + std::to_string(d.shape[k] < 0 ? 1 : d.shape[k]);
    parts.push_back(s + "]");
  }
  if (parts.size() == 1)
    return parts[0];
  std::string all = "[";
  for (size_t i = 0; i < parts.size(); ++i)
    all += (i ? "," : "") + parts[i];
  return all + "]";
}

llvm::Error Importer::createInputs() {
  Graph &g = module_->graph;
  for (size_t i = 0; i < selected_.size(); ++i) {
    const auto &vi = *selected_[i];
    DeclaredType d = declaredType(vi);
    if (!vi.type().has_tensor_type())
      return llvm::make_error<OnnxUnsupportedError>(
          st_.fileName + ": input '" + vi.name() +
          "' is not a tensor (sequences, maps and optionals are not "
          "supported)");
    auto dt = dtypeFromOnnx(d.elemType);
    if (!dt)
      return llvm::make_error<OnnxUnsupportedError>(
          st_.fileName + ": input '" + vi.name() + "' has data type " +
          onnxTypeName(d.elemType).str() + ", which is not supported");
    Shape shape = d.shape;
    if (!opts_.shapes.empty()) {
      const Shape &given = opts_.shapes[i];
      if (d.hasShape && given.rank() != d.shape.rank())
        return fileError("--shapes gives input '" + vi.name() + "' shape " +
                         given.str() + " (rank " + llvm::Twine(given.rank()) +
                         ") but the model declares " + d.shape.str() +
                         " (rank " + llvm::Twine(d.shape.rank()) + ")");
      for (size_t k = 0; d.hasShape && k < given.rank(); ++k)
        if (d.shape[k] >= 0 && d.shape[k] != given[k])
          return fileError("--shapes gives input '" + vi.name() + "' shape " +
                           given.str() + " but the model fixes dimension " +
                           llvm::Twine(k) + " to " + llvm::Twine(d.shape[k]) +
                           " (declared " + d.shape.str() + ")");
      shape = given;
    } else if (!d.hasShape) {
      return fileError("input '" + vi.name() +
                       "' has no declared shape; give it with --shapes");
    } else if (!shape.isStatic()) {
      return fileError("input '" + vi.name() + "' has dynamic shape " +
                       shape.str() +
                       "; give static shapes of all inputs with "
                       "--shapes, e.g. --shapes=" +
                       exampleShapes());
    }
    st_.values[vi.name()] = g.addInput(vi.name(), TensorType(*dt, shape));
  }
  return llvm::Error::success();
}

llvm::Error Importer::importNodes() {
  Graph &g = module_->graph;
  llvm::StringSet<> selectedNames;
  for (const auto *in : selected_)
    selectedNames.insert(in->name());
  llvm::StringSet<> produced;
  for (int idx : order_)
    for (const auto &o : g_.node(idx).output())
      produced.insert(o);

  // Every value a needed node or an output reads must come from somewhere.
  auto resolve = [&](const std::string &name,
                     const std::string &user) -> llvm::Error {
    if (name.empty() || st_.values.count(name) || produced.count(name))
      return llvm::Error::success();
    auto it = initializers_.find(name);
    if (it != initializers_.end()) {
      auto t = tensorFromOnnx(*it->second, st_.baseDir,
                              st_.fileName + ": initializer '" + name + "'");
      if (!t)
        return t.takeError();
      SourceLoc loc{st_.fileName, name, "initializer", st_.opset};
      st_.values[name] = g.createConstant(name, std::move(*t), loc)->output();
      return llvm::Error::success();
    }
    for (const auto *in : realInputs_)
      if (in->name() == name)
        return fileError(user + " needs input '" + name +
                         "', which --input_names leaves out");
    return fileError(user + " reads '" + name +
                     "', which no node, input or initializer defines "
                     "(missing initializer?)");
  };

  for (int idx : order_) {
    const auto &n = g_.node(idx);
    std::string name = nodeName(n, idx);
    std::string user = "node '" + name + "' (" + n.op_type() + ")";
    for (const auto &in : n.input())
      if (llvm::Error e = resolve(in, user))
        return e;
    // Absent required values of a node produced by later nodes cannot
    // happen: order_ is topological.
    const OnnxOpRow *row = findOnnxOp(n.op_type());
    assert(row && "checkSupported let an unknown op through");
    OnnxNodeContext ctx(st_, n, *row, name);
    if (llvm::Error e = row->fn(ctx))
      return e;
    for (int o = 0; o < n.output_size(); ++o)
      if (!n.output(o).empty() && !st_.values.count(n.output(o)))
        return ctx.error("output '" + n.output(o) + "' is not supported");
  }
  for (const std::string &o : outputs_) {
    if (llvm::Error e = resolve(o, "output"))
      return e;
    Value *v = st_.values.lookup(o);
    if (!v)
      return fileError("output '" + o + "' is not computed by the graph");
    g.addOutput(v);
  }
  return llvm::Error::success();
}

llvm::Expected<std::unique_ptr<Module>> Importer::run() {
  st_.file = path_;
  st_.fileName = llvm::sys::path::filename(path_).str();
  st_.baseDir = llvm::sys::path::parent_path(path_).str();
  st_.inferTypes = opts_.inferTypes;
  st_.foldConstants = opts_.foldConstants && opts_.inferTypes;
  KernelContext kernels(1);
  st_.kernels = &kernels;
  if (llvm::Error e = checkOpsets())
    return e;
  module_ = std::make_unique<Module>();
  module_->sourceFile = path_;
  module_->name = g_.name();
  module_->stage = IRStage::Imported;
  st_.graph = &module_->graph;
  if (llvm::Error e = selectInputs())
    return e;
  if (llvm::Error e = selectOutputs())
    return e;
  if (llvm::Error e = sliceNodes())
    return e;
  if (llvm::Error e = checkSupported())
    return e;
  if (llvm::Error e = createInputs())
    return e;
  if (llvm::Error e = importNodes())
    return e;
  return std::move(module_);
}

} // namespace

llvm::Expected<std::unique_ptr<Module>>
importOnnxModel(const onnx::ModelProto &model, llvm::StringRef path,
                const OnnxImportOptions &opts) {
  Importer imp(model, path, opts);
  return imp.run();
}

llvm::Expected<std::unique_ptr<Module>>
importOnnxFile(llvm::StringRef path, const OnnxImportOptions &opts) {
  auto model = loadOnnxModel(path);
  if (!model)
    return model.takeError();
  return importOnnxModel(**model, path, opts);
}

std::vector<OnnxOpDesc> supportedOnnxOps() {
  std::vector<OnnxOpDesc> out;
  for (const OnnxOpRow &r : onnxOpTable())
    out.push_back({r.name, r.minOpset});
  return out;
}

} // namespace onntc
