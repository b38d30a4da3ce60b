//===- PaddleImporter.cpp - Paddle inference program -> IR ----------------===//

#include "frontends/paddle/PaddleImporter.h"
#include "frontends/paddle/PaddleContext.h"

#include "ir/Diagnostics.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Path.h"

#include <map>

namespace onntc {

char PaddleUnsupportedError::ID = 0;

namespace {

using VarDesc = ::paddle::framework::proto::VarDesc;

/// What the program says before any node is built: the inputs, outputs and
/// the ops they need, in program order.
struct ImportPlan {
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
  std::vector<int> ops;
};

std::vector<std::string> argsOf(const PaddleOpDesc &op, llvm::StringRef slot,
                                bool output) {
  for (const auto &v : output ? op.outputs() : op.inputs())
    if (v.parameter() == slot)
      return {v.arguments().begin(), v.arguments().end()};
  return {};
}

int64_t colOf(const PaddleOpDesc &op) {
  for (const auto &a : op.attrs())
    if (a.name() == "col")
      return a.has_l() ? a.l() : a.i();
  return 0;
}

std::string joinNames(llvm::ArrayRef<std::string> names) {
  std::string s;
  for (const std::string &n : names)
    s += (s.empty() ? "'" : ", '") + n + "'";
  return s.empty() ? "none" : s;
}

/// Feed targets, fetch targets (by `col`), the selected inputs/outputs and
/// the ops the outputs need; every unsupported op among them in one error.
llvm::Expected<ImportPlan> planImport(const PaddleProgram &prog,
                                      llvm::StringRef file,
                                      const PaddleImportOptions &opts) {
  const auto &block = prog.blocks(0);
  std::map<int64_t, std::string> feeds, fetches;
  llvm::StringSet<> produced;
  for (int i = 0; i < block.ops_size(); ++i) {
    const PaddleOpDesc &op = block.ops(i);
    if (op.type() == "feed") {
      auto out = argsOf(op, "Out", true);
      if (out.size() != 1)
        return makeError(describePaddleOp(file, op, i) +
                         ": a feed op needs one Out variable");
      feeds[colOf(op)] = out[0];
    } else if (op.type() == "fetch") {
      auto in = argsOf(op, "X", false);
      if (in.size() != 1)
        return makeError(describePaddleOp(file, op, i) +
                         ": a fetch op needs one X variable");
      fetches[colOf(op)] = in[0];
    } else {
      for (const auto &v : op.outputs())
        for (const auto &a : v.arguments())
          produced.insert(a);
    }
  }
  ImportPlan plan;
  std::vector<std::string> feedNames;
  for (const auto &[col, n] : feeds)
    feedNames.push_back(n);
  if (opts.inputNames.empty()) {
    plan.inputs = feedNames;
  } else {
    for (const std::string &n : opts.inputNames) {
      if (!llvm::is_contained(feedNames, n))
        return makeError(file + ": --input_names: '" + n +
                         "' is not a feed target of the program (feed "
                         "targets: " + joinNames(feedNames) + ")");
      plan.inputs.push_back(n);
    }
  }
  if (plan.inputs.empty())
    return makeError(file + ": the program has no feed ops (not an "
                            "inference program?)");
  if (opts.outputNames.empty()) {
    for (const auto &[col, n] : fetches)
      plan.outputs.push_back(n);
    if (plan.outputs.empty())
      return makeError(file + ": the program has no fetch ops; name the "
                              "outputs with --output_names");
  } else {
    plan.outputs = opts.outputNames;
  }
  for (const std::string &n : plan.outputs)
    if (!produced.count(n) && !llvm::is_contained(plan.inputs, n))
      return makeError(file + ": output '" + n +
                       "' is not produced by any op of the program");

  // The ops the outputs need, walking back from them.
  llvm::StringSet<> needed;
  for (const std::string &n : plan.outputs)
    needed.insert(n);
  std::vector<bool> keep(size_t(block.ops_size()), false);
  for (int i = block.ops_size() - 1; i >= 0; --i) {
    const PaddleOpDesc &op = block.ops(i);
    if (op.type() == "feed" || op.type() == "fetch")
      continue;
    bool used = false;
    for (const auto &v : op.outputs())
      for (const auto &a : v.arguments())
        used |= needed.count(a) > 0;
    if (!used)
      continue;
    keep[size_t(i)] = true;
    for (const auto &v : op.inputs())
      for (const auto &a : v.arguments())
        needed.insert(a);
  }
  std::vector<std::string> bad;
  for (int i = 0; i < block.ops_size(); ++i) {
    if (!keep[size_t(i)])
      continue;
    plan.ops.push_back(i);
    if (!findPaddleOp(block.ops(i).type()))
      bad.push_back(describePaddleOp(file, block.ops(i), i));
  }
  if (!bad.empty()) {
    std::string msg = std::to_string(bad.size()) +
                      " unsupported Paddle op(s) (bmpaddle --list_ops lists "
                      "the supported ones; --output_names can cut the "
                      "program before them):";
    for (const std::string &b : bad)
      msg += "\n  " + b;
    return llvm::make_error<PaddleUnsupportedError>(msg);
  }
  return plan;
}

const VarDesc *findVar(const PaddleProgram &prog, llvm::StringRef name) {
  for (const auto &v : prog.blocks(0).vars())
    if (v.name() == name)
      return &v;
  return nullptr;
}

} // namespace

llvm::Expected<std::unique_ptr<Module>>
importPaddleProgram(const PaddleProgram &prog,
                    const llvm::StringMap<Tensor> &params, llvm::StringRef file,
                    const PaddleImportOptions &opts) {
  if (prog.blocks_size() == 0)
    return makeError(file + ": the program has no blocks");
  auto plan = planImport(prog, file, opts);
  if (!plan)
    return plan.takeError();
  auto m = std::make_unique<Module>();
  m->sourceFile = file.str();
  m->name = llvm::sys::path::stem(file).str();
  PaddleImportState st;
  st.graph = &m->graph;
  st.file = file.str();
  st.fileName = llvm::sys::path::filename(file).str();
  st.params = &params;

  if (!opts.shapes.empty() && opts.shapes.size() != plan->inputs.size())
    return makeError(file + ": --shapes gives " +
                     llvm::Twine(opts.shapes.size()) + " shape(s) for " +
                     llvm::Twine(plan->inputs.size()) + " input(s) (" +
                     joinNames(plan->inputs) + ")");
  for (size_t i = 0; i < plan->inputs.size(); ++i) {
    const std::string &name = plan->inputs[i];
    const VarDesc *vd = findVar(prog, name);
    if (!vd || !vd->type().has_lod_tensor())
      return makeError(file + ": input '" + name +
                       "' has no tensor VarDesc in block 0");
    const auto &td = vd->type().lod_tensor().tensor();
    std::optional<DType> dt = dtypeFromPaddle(td.data_type());
    if (!dt || td.data_type() == PaddleVarType::FP64)
      return llvm::make_error<PaddleUnsupportedError>(
          (file + ": input '" + name + "' has data type " +
           paddleTypeName(td.data_type()) + ", which is not supported")
              .str());
    Shape declared;
    for (int64_t d : td.dims())
      declared.mutableDims().push_back(d < 0 ? kDynamicDim : d);
    Shape shape = declared;
    if (!opts.shapes.empty()) {
      const Shape &given = opts.shapes[i];
      bool ok = given.rank() == declared.rank();
      for (size_t d = 0; ok && d < given.rank(); ++d)
        ok = declared[d] == kDynamicDim || declared[d] == given[d];
      if (!ok)
        return makeError(file + ": --shapes " + given.str() + " for input '" +
                         name + "' contradicts the program, which declares " +
                         declared.str() + " (-1/? dims are free)");
      shape = given;
    }
    if (!shape.isStatic())
      return makeError(file + ": input '" + name + "' is " + shape.str() +
                       " in the program; give a static shape with --shapes");
    st.values[name] = m->graph.addInput(name, TensorType(*dt, shape));
  }

  const auto &block = prog.blocks(0);
  for (int i : plan->ops) {
    const PaddleOpDesc &op = block.ops(i);
    const PaddleOpRow *row = findPaddleOp(op.type());
    PaddleOpContext ctx(st, op, i, *row);
    if (llvm::Error e = row->fn(ctx))
      return e;
  }
  for (const std::string &n : plan->outputs) {
    Value *v = st.values.lookup(n);
    if (!v)
      return makeError(file + ": output '" + n +
                       "' was not computed (its ops were not imported)");
    m->graph.addOutput(v);
  }
  return m;
}

llvm::Expected<std::unique_ptr<Module>>
importPaddleModel(llvm::StringRef model, const PaddleImportOptions &opts) {
  auto files = locatePaddleModel(model);
  if (!files)
    return files.takeError();
  auto prog = loadPaddleProgram(files->programPath);
  if (!prog)
    return prog.takeError();
  // Unsupported ops and bad input/output names first: no parameter file is
  // read for a program that cannot be imported.
  if (auto plan = planImport(**prog, files->programPath, opts); !plan)
    return plan.takeError();
  auto params = loadPaddleParams(**prog, *files);
  if (!params)
    return params.takeError();
  return importPaddleProgram(**prog, *params, files->programPath, opts);
}

} // namespace onntc
