//===- TorchLoader.cpp - libtorch: .pt -> frozen TsGraph ------------------===//
//
// The only file of the front-end that includes libtorch. It loads the
// TorchScript archive, freezes the module in eval mode (parameters and
// attributes become constants, methods are inlined), removes in-place
// mutation where that is provably safe, folds constants (prim::If on a
// constant condition disappears) and unrolls prim::Loop with a constant
// trip count. What is left is copied into a TsGraph.
//
//===----------------------------------------------------------------------===//
#include "frontends/torch/TorchScript.h"

#include "ir/Diagnostics.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <torch/csrc/jit/api/module.h>
#include <torch/csrc/jit/passes/constant_propagation.h>
#include <torch/csrc/jit/passes/dead_code_elimination.h>
#include <torch/csrc/jit/passes/freeze_module.h>
#include <torch/csrc/jit/passes/inliner.h>
#include <torch/csrc/jit/passes/loop_unrolling.h>
#include <torch/csrc/jit/passes/remove_mutation.h>
#include <torch/csrc/jit/serialization/import.h>

#include <unordered_map>

namespace onntc {
namespace {

std::optional<DType> dtypeOf(c10::ScalarType t) {
  switch (t) {
  case c10::kFloat:
  case c10::kDouble:
  case c10::kHalf:
  case c10::kBFloat16:
    return DType::F32;
  case c10::kLong:
    return DType::I64;
  case c10::kInt:
    return DType::I32;
  case c10::kBool:
    return DType::Bool;
  default:
    return std::nullopt;
  }
}

/// A copy of an at::Tensor as our Tensor (floats as f32).
std::optional<Tensor> toTensor(const at::Tensor &src) {
  std::optional<DType> dt = dtypeOf(src.scalar_type());
  if (!dt)
    return std::nullopt;
  at::Tensor t = src.detach().contiguous();
  if (*dt == DType::F32)
    t = t.to(c10::kFloat).contiguous();
  Shape shape;
  for (int64_t d : t.sizes())
    shape.mutableDims().push_back(d);
  Tensor out(*dt, shape);
  std::memcpy(out.raw(), t.data_ptr(), out.byteSize());
  return out;
}

TsConst constOf(const c10::IValue &v) {
  TsConst c;
  if (v.isNone()) {
    c.kind = TsConst::None;
  } else if (v.isBool()) {
    c.kind = TsConst::Bool;
    c.i = v.toBool();
  } else if (v.isInt()) {
    c.kind = TsConst::Int;
    c.i = v.toInt();
  } else if (v.isDouble()) {
    c.kind = TsConst::Float;
    c.f = v.toDouble();
  } else if (v.isString()) {
    c.kind = TsConst::String;
    c.s = v.toStringRef();
  } else if (v.isIntList()) {
    c.kind = TsConst::Ints;
    c.ints = v.toIntVector();
  } else if (v.isDoubleList()) {
    c.kind = TsConst::Floats;
    c.floats = v.toDoubleVector();
  } else if (v.isBoolList()) {
    c.kind = TsConst::Ints;
    for (bool b : v.toBoolList())
      c.ints.push_back(b);
  } else if (v.isTensor()) {
    if (std::optional<Tensor> t = toTensor(v.toTensor())) {
      c.kind = TsConst::Tensor;
      c.tensor = std::move(*t);
    } else {
      c.kind = TsConst::Other;
      c.s = "tensor of " + std::string(c10::toString(v.toTensor().scalar_type()));
    }
  } else if (v.isDevice()) {
    c.kind = TsConst::String;
    c.s = v.toDevice().str();
  } else {
    c.kind = TsConst::Other;
    c.s = v.tagKind();
  }
  return c;
}

std::string sourceOf(const torch::jit::Node *n) {
  auto flc = n->sourceRange().file_line_col();
  if (!flc)
    return {};
  return llvm::sys::path::filename(std::get<0>(*flc)).str() + ":" +
         std::to_string(std::get<1>(*flc));
}

TsGraph convert(torch::jit::Graph &g) {
  TsGraph out;
  std::unordered_map<const torch::jit::Value *, int> ids;
  auto idOf = [&](const torch::jit::Value *v) {
    auto it = ids.find(v);
    if (it != ids.end())
      return it->second;
    int id = int(out.valueNames.size());
    ids[v] = id;
    out.valueNames.push_back(v->debugName());
    out.valueTypes.push_back(v->type()->str());
    return id;
  };
  for (const torch::jit::Value *v : g.inputs()) {
    if (v->type()->kind() == c10::TypeKind::ClassType)
      continue; // the module itself
    out.inputs.push_back(idOf(v));
  }
  for (const torch::jit::Node *n : g.nodes()) {
    TsNode tn;
    tn.kind = n->kind().toQualString();
    for (const torch::jit::Value *v : n->inputs())
      tn.inputs.push_back(idOf(v));
    for (const torch::jit::Value *v : n->outputs())
      tn.outputs.push_back(idOf(v));
    tn.source = sourceOf(n);
    tn.hasBlocks = !n->blocks().empty();
    if (n->kind() == c10::prim::Constant) {
      std::optional<c10::IValue> iv = torch::jit::toIValue(n->output());
      tn.constant = iv ? constOf(*iv) : TsConst{};
    }
    out.nodes.push_back(std::move(tn));
  }
  for (const torch::jit::Value *v : g.outputs())
    out.outputs.push_back(idOf(v));
  return out;
}

llvm::Expected<TsGraph> loadChecked(llvm::StringRef file) {
  torch::jit::Module m;
  try {
    m = torch::jit::load(file.str());
  } catch (const c10::Error &e) {
    return makeError(file + ": not a loadable TorchScript archive (save the "
                            "model with torch.jit.trace/torch.jit.script and "
                            "torch.jit.save; a torch.save'd state_dict or "
                            "pickled nn.Module is not TorchScript): " +
                     e.what_without_backtrace());
  }
  if (!m.find_method("forward"))
    return makeError(file + ": the TorchScript module has no forward method");
  m.eval();
  torch::jit::Module frozen = torch::jit::freeze_module(m);
  std::shared_ptr<torch::jit::Graph> g =
      frozen.get_method("forward").graph()->copy();
  torch::jit::Inline(*g);
  torch::jit::RemoveListMutation(g);
  torch::jit::RemoveTensorMutation(g);
  torch::jit::ConstantPropagation(g);
  torch::jit::UnrollConstantLoops(g);
  torch::jit::ConstantPropagation(g);
  torch::jit::EliminateDeadCode(g);
  return convert(*g);
}

} // namespace

llvm::Expected<TsGraph> loadTorchScript(llvm::StringRef file) {
  if (!llvm::sys::fs::exists(file))
    return makeError(file + ": no such file");
  if (llvm::sys::fs::is_directory(file))
    return makeError(file + ": is a directory, expected a TorchScript .pt");
  try {
    return loadChecked(file);
  } catch (const c10::Error &e) {
    return makeError(file + ": libtorch failed on the TorchScript module: " +
                     e.what_without_backtrace());
  } catch (const std::exception &e) {
    return makeError(file + ": libtorch failed on the TorchScript module: " +
                     e.what());
  } catch (...) {
    return makeError(file + ": libtorch failed on the TorchScript module "
                            "(unknown exception)");
  }
}

} // namespace onntc
