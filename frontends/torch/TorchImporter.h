//===- TorchImporter.h - TorchScript .pt -> IR -----------------*- C++ -*-===//
//
// Imports the frozen forward graph of a TorchScript module (traced or
// scripted). TorchScript carries no input shapes, so the caller gives one
// static shape per tensor input. Every IR node carries SourceLoc{.pt file,
// TorchScript output value, node kind}.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_FRONTENDS_TORCH_TORCHIMPORTER_H
#define ONNTC_FRONTENDS_TORCH_TORCHIMPORTER_H

#include "frontends/torch/TorchScript.h"

#include "ir/Graph.h"

#include <memory>
#include <string>
#include <vector>

namespace onntc {

struct TorchImportOptions {
  /// One static shape per tensor input of forward (required).
  std::vector<Shape> shapes;
  /// Names for the inputs, in order (default: TorchScript's names).
  std::vector<std::string> inputNames;
  /// Names for the outputs, in order (default: TorchScript's names).
  std::vector<std::string> outputNames;
};

/// Imports an already loaded graph; `file` names it in errors/locations.
llvm::Expected<std::unique_ptr<Module>>
importTorchGraph(const TsGraph &g, llvm::StringRef file,
                 const TorchImportOptions &opts);

/// loadTorchScript + importTorchGraph.
llvm::Expected<std::unique_ptr<Module>>
importTorchFile(llvm::StringRef file, const TorchImportOptions &opts);

/// The node kinds the importer handles ("aten::add", "prim::Constant", ...)
/// in name order, from its op table (`bmnetp --list_ops`).
std::vector<llvm::StringRef> supportedTorchOps();

} // namespace onntc

#endif
