//===- TorchScript.h - a frozen TorchScript graph, torch-free --*- C++ -*-===//
//
// The one translation unit that includes libtorch (TorchLoader.cpp) loads a
// `.pt`, freezes and inlines it, folds constant control flow, and hands the
// result over in this plain form; the op importers never see torch headers.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_FRONTENDS_TORCH_TORCHSCRIPT_H
#define ONNTC_FRONTENDS_TORCH_TORCHSCRIPT_H

#include "ir/Tensor.h"

#include "llvm/Support/Error.h"

#include <optional>
#include <string>
#include <vector>

namespace onntc {

/// A prim::Constant's value (or a graph input's kind).
struct TsConst {
  enum Kind { None, Int, Float, Bool, String, Ints, Floats, Tensor, Other };
  Kind kind = None;
  int64_t i = 0;
  double f = 0;
  std::string s;
  std::vector<int64_t> ints;
  std::vector<double> floats;
  onntc::Tensor tensor;
};

struct TsNode {
  std::string kind;          ///< "aten::conv2d", "prim::Constant", ...
  std::vector<int> inputs;   ///< value ids
  std::vector<int> outputs;  ///< value ids
  std::string source;        ///< "file.py:12" of the source range, if any
  bool hasBlocks = false;    ///< control flow left after folding
  std::optional<TsConst> constant; ///< prim::Constant only
};

struct TsGraph {
  std::vector<std::string> valueNames; ///< debug name per value id
  std::vector<std::string> valueTypes; ///< JIT type per value id ("Tensor")
  std::vector<int> inputs;             ///< tensor inputs (module self dropped)
  std::vector<int> outputs;
  std::vector<TsNode> nodes;
};

/// torch::jit::load + eval + freeze + inline + constant propagation +
/// constant-loop unrolling. Every libtorch exception becomes an error
/// naming `file`.
llvm::Expected<TsGraph> loadTorchScript(llvm::StringRef file);

} // namespace onntc

#endif
