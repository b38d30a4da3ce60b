//===- Printer.h - the textual IR printer ----------------------*- C++ -*-===//
//
// Prints a Module in the text form specified in docs/ir.md. The form is
// canonical: attributes are sorted by name and those equal to their Ops.def
// default are left out, so that print(parse(text)) == text for every text
// the printer itself produces.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_IR_PRINTER_H
#define ONNTC_IR_PRINTER_H

#include "ir/Graph.h"

#include "llvm/Support/raw_ostream.h"

#include <string>

namespace onntc {

class WeightsFile;
class WeightsWriter;

/// How tensor-valued attributes (Constant `value`, ...) are printed. Tensors
/// of at most `inlineLimit` elements are always printed as decimal
/// `dense<[...]>`. Larger ones, in order of preference: added to `sink`
/// and referenced by key; referenced by key in `existing` when the tensor is
/// still the one loaded from it; elided when above `elideAbove` (>= 0),
/// which is for human eyes only and cannot be parsed back; else printed
/// inline as hex `dense<"0x...">`.
struct PrintOptions {
  int64_t inlineLimit = 16;
  WeightsWriter *sink = nullptr;
  /// The reference the header records for `sink` (usually the file name
  /// relative to the .tir file).
  std::string sinkRef;
  const WeightsFile *existing = nullptr;
  int64_t elideAbove = -1;
};

/// Prints the whole module (header line and graph).
void printModule(const Module &m, llvm::raw_ostream &os,
                 const PrintOptions &opts = {});
std::string printModuleToString(const Module &m, const PrintOptions &opts = {});

/// One node as its line in the text form, without indentation or regions;
/// tensors above 16 elements are elided. For messages and debugging.
std::string printNodeLine(const Node &n);

/// `tensor<1x3x?x?xf32>` plus `, quant<...>` when the type is quantized.
std::string printType(const TensorType &t);
/// `%name`, quoted as `%"..."` when the name has characters outside
/// [A-Za-z0-9_.$/-] or is empty.
std::string printValueName(llvm::StringRef name);
/// A name usable after `@` or `%`: bare when possible, else quoted.
std::string printSymbol(llvm::StringRef name);
/// The shortest decimal text that reads back as exactly `f`; always has a
/// '.', an exponent, or is inf/-inf/nan, so it cannot be taken for an int.
std::string formatFloat(float f);
/// A double-quoted string literal with escapes.
std::string quoteString(llvm::StringRef s);

/// Writes `tirPath` and, when the module has tensors above `inlineLimit`
/// elements, the sidecar `<tirPath without .tir>.weights` next to it. Both
/// are written atomically; the header refers to the sidecar by file name.
llvm::Error writeModuleFiles(const Module &m, llvm::StringRef tirPath,
                             int64_t inlineLimit = 16);

} // namespace onntc

#endif
