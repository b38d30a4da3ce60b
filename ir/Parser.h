//===- Parser.h - the textual IR parser ------------------------*- C++ -*-===//
//
// Reads the text form written by ir/Printer.h (grammar in docs/ir.md).
// Errors carry the buffer name, line, column and a caret under the offending
// text, as llvm::SourceMgr prints them:
//
//   model.tir:12:7: error: unknown op 'convv'
//     %y = convv(%x, %w) : tensor<1x8x4x4xf32>
//          ^
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_IR_PARSER_H
#define ONNTC_IR_PARSER_H

#include "ir/Graph.h"

#include "llvm/Support/Error.h"

#include <memory>
#include <string>

namespace onntc {

class WeightsFile;

struct ParseOptions {
  /// Run the verifier after parsing: structure, and output types against
  /// shape inference for every op that has it. Stored types are kept as
  /// written either way.
  bool verify = true;
  /// Where a relative `weights="..."` path is looked up. Empty: the
  /// directory of the .tir file (the working directory for stdin and for
  /// in-memory text).
  std::string weightsDir;
  /// When set, stands for the sidecar the header names, which is then not
  /// opened: containers that carry the weights themselves (umodels) use it.
  std::shared_ptr<WeightsFile> weights;
};

struct ParsedModule {
  std::unique_ptr<Module> module;
  /// The sidecar named by the header, or null when there is none. Keep it
  /// to print the module again with references to the unchanged weights
  /// (PrintOptions::existing).
  std::shared_ptr<WeightsFile> weights;
};

/// Parses the file at `path` ("-" reads stdin).
llvm::Expected<ParsedModule> parseModuleFile(llvm::StringRef path,
                                             const ParseOptions &opts = {});
/// Parses `text`; `bufferName` is what error messages call it.
llvm::Expected<ParsedModule> parseModuleText(llvm::StringRef text,
                                             llvm::StringRef bufferName,
                                             const ParseOptions &opts = {});

} // namespace onntc

#endif
