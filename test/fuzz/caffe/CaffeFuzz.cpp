//===- CaffeFuzz.cpp - libFuzzer target for the Caffe model parsers -------===//
//
// The first byte picks the parser (even: .prototxt text, odd: .caffemodel
// binary); the rest is the file. A parsed net is upgraded (V1 layers, input
// declarations, phase filtering) and its weight layers are indexed, as
// bmnetc does before importing. Any input must give a net or an error,
// never a crash.
//
//===----------------------------------------------------------------------===//
#include "frontends/caffe/CaffeLoader.h"
#include "frontends/caffe/caffe.pb.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0)
    return 0;
  bool text = (data[0] & 1) == 0;
  llvm::StringRef bytes(reinterpret_cast<const char *>(data + 1), size - 1);
  auto net = text ? onntc::parseCaffeText(bytes, "fuzz.prototxt")
                  : onntc::parseCaffeBinary(bytes, "fuzz.caffemodel");
  if (!net) {
    llvm::consumeError(net.takeError());
    return 0;
  }
  if (llvm::Error e = onntc::upgradeCaffeNet(**net, "fuzz", text)) {
    llvm::consumeError(std::move(e));
    return 0;
  }
  auto layers = onntc::caffeWeightLayers(**net);
  (void)layers;
  return 0;
}
