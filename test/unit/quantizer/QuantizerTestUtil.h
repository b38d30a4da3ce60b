//===- QuantizerTestUtil.h - shared helpers of the quantizer tests -*- C++ -*-===//
#ifndef ONNTC_TEST_QUANTIZER_UTIL_H
#define ONNTC_TEST_QUANTIZER_UTIL_H

#include "ir/Graph.h"
#include "ir/Tensor.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <catch2/catch.hpp>

#include <memory>
#include <string>

namespace onntc::test {

/// The value of `e`, or a test failure showing its error.
template <typename T> T take(llvm::Expected<T> e) {
  if (!e)
    FAIL(llvm::toString(e.takeError()));
  return std::move(*e);
}

/// A fresh temporary directory, removed with its contents at scope end.
struct TempDir {
  std::string path;
  TempDir() {
    llvm::SmallString<128> p;
    REQUIRE(!llvm::sys::fs::createUniqueDirectory("onntc-quant", p));
    path = p.str().str();
  }
  ~TempDir() { (void)llvm::sys::fs::remove_directories(path); }
  std::string operator/(llvm::StringRef name) const {
    llvm::SmallString<256> p(path);
    llvm::sys::path::append(p, name);
    return p.str().str();
  }
};

/// x (1x3xHxW) -> conv 3x3 (4 out, pad 1, bias) -> relu -> global avg pool
/// -> flatten -> gemm (4 -> 2): every weight above the inline limit, so the
/// umodel carries them as tensors.
inline std::unique_ptr<Module> makeSmallNet(int64_t h = 8, int64_t w = 8,
                                            uint32_t seed = 1) {
  auto m = std::make_unique<Module>();
  m->name = "small";
  Graph &g = m->graph;
  Value *x = g.addInput("data", TensorType(DType::F32, Shape{1, 3, h, w}));
  uint32_t s = seed;
  auto rnd = [&] {
    s = s * 1664525u + 1013904223u;
    return float(int(s >> 9) % 2001 - 1000) / 1000.f;
  };
  Tensor wt(DType::F32, Shape{4, 3, 3, 3});
  for (int64_t i = 0; i < wt.numElements(); ++i)
    wt.data<float>()[i] = rnd() * (1 + i / 27); // channel scales differ
  Tensor b(DType::F32, Shape{4});
  for (int i = 0; i < 4; ++i)
    b.data<float>()[i] = 0.1f * i;
  Tensor fw(DType::F32, Shape{2, 4});
  for (int64_t i = 0; i < fw.numElements(); ++i)
    fw.data<float>()[i] = rnd();
  Tensor fb(DType::F32, Shape{2});
  Value *wv = g.createConstant("conv1.weight", wt)->output();
  Value *bv = g.createConstant("conv1.bias", b)->output();
  Node *conv = g.createNode(OpKind::Conv, {x, wv, bv}, {"conv1_out"}, "conv1",
                            SourceLoc{"small.onnx", "conv1", "Conv", 13});
  conv->setAttr("kernel_shape", AttrValue(std::vector<int64_t>{3, 3}));
  conv->setAttr("pads", AttrValue(std::vector<int64_t>{1, 1, 1, 1}));
  conv->output()->setType(TensorType(DType::F32, Shape{1, 4, h, w}));
  Node *relu = g.createNode(OpKind::Relu, {conv->output()}, {"relu1_out"}, "relu1");
  relu->output()->setType(TensorType(DType::F32, Shape{1, 4, h, w}));
  Node *gap = g.createNode(OpKind::GlobalAveragePool, {relu->output()},
                           {"pool_out"}, "pool");
  gap->output()->setType(TensorType(DType::F32, Shape{1, 4, 1, 1}));
  Node *flat = g.createNode(OpKind::Flatten, {gap->output()}, {"flat_out"}, "flat");
  flat->output()->setType(TensorType(DType::F32, Shape{1, 4}));
  Value *fwv = g.createConstant("fc.weight", fw)->output();
  Value *fbv = g.createConstant("fc.bias", fb)->output();
  Node *fc = g.createNode(OpKind::Gemm, {flat->output(), fwv, fbv}, {"prob"}, "fc");
  fc->setAttr("transB", AttrValue(int64_t(1)));
  fc->output()->setType(TensorType(DType::F32, Shape{1, 2}));
  g.addOutput(fc->output());
  return m;
}

} // namespace onntc::test

#endif
