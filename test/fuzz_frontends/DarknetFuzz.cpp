//===- DarknetFuzz.cpp - libFuzzer target for the Darknet file parsers ----===//
//
// Every input is parsed as a .cfg (then every option is read as an int, a
// float and an int list, as the importer would) and as a .weights file;
// either must return a value or an llvm::Error, never crash or read out of
// bounds (ASan). The harness defines makeError instead of linking ir/.
//
//===----------------------------------------------------------------------===//
#include "frontends/darknet/DarknetModel.h"

#include "ir/Diagnostics.h"

namespace onntc {
llvm::Error makeError(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg.str());
}
} // namespace onntc

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef bytes(reinterpret_cast<const char *>(data), size);
  if (auto cfg = onntc::parseDarknetCfg(bytes, "fuzz.cfg")) {
    for (const onntc::DnSection &s : cfg->sections)
      for (const onntc::DnOption &o : s.options) {
        if (auto v = cfg->getInt(s, o.key, 0); !v)
          llvm::consumeError(v.takeError());
        if (auto v = cfg->getFloat(s, o.key, 0); !v)
          llvm::consumeError(v.takeError());
        if (auto v = cfg->getInts(s, o.key); !v)
          llvm::consumeError(v.takeError());
      }
  } else {
    llvm::consumeError(cfg.takeError());
  }
  if (auto w = onntc::parseDarknetWeights(bytes, "fuzz.weights")) {
    while (w->remaining()) {
      auto part = w->take(7, "a layer");
      if (!part) {
        llvm::consumeError(part.takeError());
        break;
      }
    }
  } else {
    llvm::consumeError(w.takeError());
  }
  return 0;
}
