//===- TfTestUtil.h - small GraphDefs for the TensorFlow importer tests ---===//
#ifndef ONNTC_TEST_UNIT_FRONTENDS_TF_TFTESTUTIL_H
#define ONNTC_TEST_UNIT_FRONTENDS_TF_TFTESTUTIL_H

#include "frontends/tensorflow/TfContext.h"

#include "ir/Interpreter.h"
#include "ir/Verifier.h"

#include <catch2/catch.hpp>

#include <random>

namespace onntc::tftest {

/// A float Placeholder with a static NHWC (or any) shape.
inline std::string placeholder(const std::string &name,
                               std::vector<int64_t> dims) {
  std::string s = "node { name: \"" + name +
                  "\" op: \"Placeholder\" attr { key: \"dtype\" value { type: "
                  "DT_FLOAT } } attr { key: \"shape\" value { shape {";
  for (int64_t d : dims)
    s += " dim { size: " + std::to_string(d) + " }";
  return s + " } } } }\n";
}

/// A Const node from float values.
inline std::string constFloats(const std::string &name,
                               std::vector<int64_t> dims,
                               const std::vector<float> &v) {
  std::string s = "node { name: \"" + name +
                  "\" op: \"Const\" attr { key: \"dtype\" value { type: "
                  "DT_FLOAT } } attr { key: \"value\" value { tensor { dtype: "
                  "DT_FLOAT tensor_shape {";
  for (int64_t d : dims)
    s += " dim { size: " + std::to_string(d) + " }";
  s += " }";
  for (float f : v)
    s += " float_val: " + std::to_string(f);
  return s + " } } } }\n";
}

/// A Const node of int32 values.
inline std::string constInts(const std::string &name, std::vector<int64_t> dims,
                             const std::vector<int64_t> &v) {
  std::string s = "node { name: \"" + name +
                  "\" op: \"Const\" attr { key: \"dtype\" value { type: "
                  "DT_INT32 } } attr { key: \"value\" value { tensor { dtype: "
                  "DT_INT32 tensor_shape {";
  for (int64_t d : dims)
    s += " dim { size: " + std::to_string(d) + " }";
  s += " }";
  for (int64_t x : v)
    s += " int_val: " + std::to_string(x);
  return s + " } } } }\n";
}

/// A node with inputs and raw attr text.
inline std::string node(const std::string &name, const std::string &op,
                        std::vector<std::string> inputs,
                        const std::string &attrs = "") {
  std::string s = "node { name: \"" + name + "\" op: \"" + op + "\"";
  for (const auto &i : inputs)
    s += " input: \"" + i + "\"";
  return s + " " + attrs + " }\n";
}

inline std::string attrS(const std::string &k, const std::string &v) {
  return "attr { key: \"" + k + "\" value { s: \"" + v + "\" } }";
}
inline std::string attrInts(const std::string &k, std::vector<int64_t> v) {
  std::string s = "attr { key: \"" + k + "\" value { list {";
  for (int64_t x : v)
    s += " i: " + std::to_string(x);
  return s + " } } }";
}
inline std::string attrB(const std::string &k, bool v) {
  return "attr { key: \"" + k + "\" value { b: " + (v ? "true" : "false") +
         " } }";
}

inline std::unique_ptr<tfproto::GraphDef> parse(const std::string &text) {
  auto g = parseTfGraph(text, "test.pbtxt", /*text=*/true);
  if (!g) {
    FAIL(llvm::toString(g.takeError()));
  }
  return std::move(*g);
}

inline std::unique_ptr<Module> importOk(const std::string &text,
                                        TfImportOptions o = {}) {
  auto g = parse(text);
  auto m = importTfGraph(*g, "test.pbtxt", o);
  if (!m) {
    FAIL(llvm::toString(m.takeError()));
  }
  if (llvm::Error e = verifyGraph((*m)->graph)) {
    FAIL(llvm::toString(std::move(e)));
  }
  return std::move(*m);
}

inline std::string importError(const std::string &text, TfImportOptions o = {},
                               bool *unsupported = nullptr) {
  auto g = parseTfGraph(text, "test.pbtxt", true);
  if (!g)
    return llvm::toString(g.takeError());
  auto m = importTfGraph(**g, "test.pbtxt", o);
  REQUIRE(!bool(m));
  std::string msg;
  bool un = false;
  llvm::handleAllErrors(
      m.takeError(),
      [&](const TfUnsupportedError &e) {
        un = true;
        msg = e.message();
      },
      [&](const llvm::ErrorInfoBase &e) { msg = e.message(); });
  if (unsupported)
    *unsupported = un;
  return msg;
}

inline Tensor randomTensor(Shape s, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(-1.f, 1.f);
  Tensor t(DType::F32, s);
  for (int64_t i = 0; i < t.numElements(); ++i)
    t.data<float>()[i] = d(rng);
  return t;
}

inline std::vector<Tensor> run(const Module &m, std::vector<Tensor> inputs) {
  KernelContext k(1);
  auto r = runGraph(m.graph, inputs, k);
  if (!r) {
    FAIL(llvm::toString(r.takeError()));
  }
  return std::move(*r);
}

inline std::vector<float> floats(const std::vector<float> &v) { return v; }

/// Number of nodes of kind k whose input 0 is not a constant.
inline int countLive(const Module &m, OpKind k) {
  int n = 0;
  for (const auto &node : m.graph.nodes())
    if (node->kind() == k && !node->input(0)->constantValue())
      ++n;
  return n;
}

/// Reference NHWC convolution (HWIO filter), explicit pads, dilation.
inline std::vector<float> convNhwc(const Tensor &x, const std::vector<float> &w,
                                   int64_t kh, int64_t kw, int64_t co,
                                   int64_t stride, int64_t dil, int64_t padT,
                                   int64_t padL, int64_t oh, int64_t ow) {
  int64_t h = x.shape()[1], wd = x.shape()[2], ci = x.shape()[3];
  std::vector<float> out(size_t(oh * ow * co), 0.f);
  const float *xp = x.data<float>();
  for (int64_t oy = 0; oy < oh; ++oy)
    for (int64_t ox = 0; ox < ow; ++ox)
      for (int64_t o = 0; o < co; ++o) {
        double acc = 0;
        for (int64_t ky = 0; ky < kh; ++ky)
          for (int64_t kx = 0; kx < kw; ++kx) {
            int64_t iy = oy * stride + ky * dil - padT;
            int64_t ix = ox * stride + kx * dil - padL;
            if (iy < 0 || iy >= h || ix < 0 || ix >= wd)
              continue;
            for (int64_t c = 0; c < ci; ++c)
              acc += double(xp[(iy * wd + ix) * ci + c]) *
                     w[size_t(((ky * kw + kx) * ci + c) * co + o)];
          }
        out[size_t((oy * ow + ox) * co + o)] = float(acc);
      }
  return out;
}

inline void requireClose(const Tensor &t, const std::vector<float> &ref,
                         float tol = 1e-4f) {
  REQUIRE(t.numElements() == int64_t(ref.size()));
  for (size_t i = 0; i < ref.size(); ++i) {
    INFO("element " << i);
    REQUIRE(t.data<float>()[i] == Approx(ref[i]).margin(tol));
  }
}

} // namespace onntc::tftest

#endif
