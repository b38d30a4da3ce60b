//===- PaddleFuzz.cpp - libFuzzer target for the Paddle file parsers ------===//
//
// The first byte picks the parser, the rest is its input:
//   0: a ProgramDesc (__model__ / .pdmodel), then its persistable list
//   1: a sequence of LoDTensor records (parameter files)
//   2: a program whose size is the next two bytes (little-endian), then a
//      combined .pdiparams for it
// Errors are expected; crashes, leaks and sanitizer reports are not.
//
//===----------------------------------------------------------------------===//
#include "frontends/paddle/PaddleModel.h"

#include <cstddef>
#include <cstdint>

using namespace onntc;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1)
    return 0;
  llvm::ArrayRef<uint8_t> rest(data + 1, size - 1);
  switch (data[0] % 3) {
  case 0: {
    auto p = parsePaddleProgram(rest, "fuzz");
    if (p)
      (void)paddlePersistableVars(**p);
    else
      llvm::consumeError(p.takeError());
    break;
  }
  case 1: {
    size_t pos = 0;
    while (pos < rest.size()) {
      auto t = readPaddleLoDTensor(rest, pos, "fuzz", "v");
      if (!t) {
        llvm::consumeError(t.takeError());
        break;
      }
    }
    break;
  }
  default: {
    if (rest.size() < 2)
      return 0;
    size_t n = rest[0] | (size_t(rest[1]) << 8);
    rest = rest.drop_front(2);
    if (n > rest.size())
      return 0;
    auto p = parsePaddleProgram(rest.take_front(n), "fuzz");
    if (!p) {
      llvm::consumeError(p.takeError());
      return 0;
    }
    auto params = readPaddleCombinedParams(**p, rest.drop_front(n), "fuzz");
    if (!params)
      llvm::consumeError(params.takeError());
    break;
  }
  }
  return 0;
}
