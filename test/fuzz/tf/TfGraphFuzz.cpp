//===- TfGraphFuzz.cpp - libFuzzer target for the TensorFlow importer -----===//
//
// Any byte string must give either a Module or an Error from the GraphDef
// parser and the importer: never a crash, a sanitizer report or a hang. The
// first byte picks binary (even) or TextFormat (odd) parsing; the rest is
// the file. Graphs whose Placeholders declare static shapes import fully.
//
//===----------------------------------------------------------------------===//
#include "frontends/tensorflow/TfImporter.h"
#include "frontends/tensorflow/tf_graph.pb.h"

#include "ir/Verifier.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1)
    return 0;
  bool text = data[0] & 1;
  llvm::StringRef bytes(reinterpret_cast<const char *>(data + 1), size - 1);
  auto g = onntc::parseTfGraph(bytes, text ? "fuzz.pbtxt" : "fuzz.pb", text);
  if (!g) {
    llvm::consumeError(g.takeError());
    return 0;
  }
  onntc::TfImportOptions opts;
  auto m = onntc::importTfGraph(**g, "fuzz.pb", opts);
  if (!m) {
    llvm::consumeError(m.takeError());
    return 0;
  }
  // What the importer builds must verify.
  if (llvm::Error e = onntc::verifyGraph((*m)->graph)) {
    llvm::consumeError(std::move(e));
    __builtin_trap();
  }
  return 0;
}
