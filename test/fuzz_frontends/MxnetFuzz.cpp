//===- MxnetFuzz.cpp - libFuzzer target for the MXNet file parsers --------===//
//
// Every input is parsed both as a -symbol.json and as a .params NDArray
// list; either must return a value or an llvm::Error, never crash, hang or
// read out of bounds (ASan). The parsers need only makeError from ir/, so
// the harness defines it instead of linking the whole graph library.
//
//===----------------------------------------------------------------------===//
#include "frontends/mxnet/MxnetModel.h"

#include "ir/Diagnostics.h"

namespace onntc {
llvm::Error makeError(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg.str());
}
} // namespace onntc

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef bytes(reinterpret_cast<const char *>(data), size);
  if (auto s = onntc::parseMxnetSymbol(bytes, "fuzz-symbol.json")) {
    for (const onntc::MxNode &n : s->nodes)
      for (const onntc::MxEntry &e : n.inputs)
        if (e.node >= s->nodes.size())
          __builtin_trap(); // the parser promised earlier nodes only
  } else {
    llvm::consumeError(s.takeError());
  }
  if (auto p = onntc::parseMxnetParams(bytes, "fuzz.params")) {
    for (const std::string &name : p->order)
      if (!p->params.count(name))
        __builtin_trap();
  } else {
    llvm::consumeError(p.takeError());
  }
  return 0;
}
