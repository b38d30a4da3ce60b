//===- BModelFuzz.cpp - libFuzzer target for the bmodel reader
//-------------===//
//
// Any byte string must give either a BModel or an Error: never a crash, a
// sanitizer report or a hang. A file that opens is also run through
// everything tpu_model does with it (info, weights, print, extract, combine
// with itself, check codes), since those walk the same view.
//
//===----------------------------------------------------------------------===//
#include "bmodel/BModel.h"
#include "bmodel/BModelOps.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  auto m = onntc::bmodel::readBModelBytes(llvm::ArrayRef<uint8_t>(data, size),
                                          "fuzz.bmodel");
  if (!m) {
    llvm::consumeError(m.takeError());
    return 0;
  }
  using namespace onntc::bmodel;
  (void)formatInfo(*m).size();
  (void)formatWeights(*m).size();
  if (auto t = printAsText(*m))
    (void)t->size();
  else
    llvm::consumeError(t.takeError());
  llvm::consumeError(verifyCheckCodes(*m));
  if (auto e = extractStage(*m, 0, 0)) {
    WriteOptions o;
    o.fixedTime = "Thu Jan  1 00:00:00 1970";
    if (auto bytes = e->blobs.serialize(e->model, o)) {
      // What we write must read back.
      auto again = readBModelBytes(*bytes, "extracted");
      if (!again)
        __builtin_trap();
    } else {
      llvm::consumeError(bytes.takeError());
    }
  } else {
    llvm::consumeError(e.takeError());
  }
  const BModel *two[] = {&*m, &*m};
  if (auto c = combineModels(two))
    (void)c->placement.size();
  else
    llvm::consumeError(c.takeError());
  return 0;
}
