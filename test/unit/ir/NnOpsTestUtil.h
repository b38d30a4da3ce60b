//===- NnOpsTestUtil.h - one-node harness for op family tests --*- C++ -*-===//
#ifndef ONNTC_TEST_UNIT_IR_NNOPSTESTUTIL_H
#define ONNTC_TEST_UNIT_IR_NNOPSTESTUTIL_H

#include "ir/Graph.h"
#include "ir/Interpreter.h"

#include <catch2/catch.hpp>
#include <cmath>

#include <random>
#include <string>
#include <vector>

namespace onntc {
namespace optest {

/// A graph holding one node whose inputs are graph inputs (invalid tensors
/// become absent optional inputs).
struct OneNode {
  Graph g;
  Node *n = nullptr;
  OneNode(OpKind k, llvm::ArrayRef<Tensor> ins, unsigned numOutputs = 1) {
    std::vector<Value *> vals;
    for (size_t i = 0; i < ins.size(); ++i)
      vals.push_back(ins[i].isValid()
                         ? g.addInput("in" + std::to_string(i), ins[i].type())
                         : nullptr);
    std::vector<std::string> names(numOutputs);
    n = g.createNode(k, vals, names, "node");
  }
  /// Runs shape inference; returns the error text or "" on success.
  std::string infer() {
    llvm::Error e = opHooks(n->kind()).infer(*n);
    return e ? llvm::toString(std::move(e)) : std::string();
  }
};

/// Infers and computes one node; requires both to succeed and the computed
/// shapes/dtypes to match the inferred ones.
inline std::vector<Tensor> runOp(OneNode &on, llvm::ArrayRef<Tensor> ins,
                                 KernelContext &ctx) {
  std::string err = on.infer();
  INFO(err);
  REQUIRE(err.empty());
  auto r = runNode(*on.n, ins, ctx);
  if (!r) {
    std::string msg = llvm::toString(r.takeError());
    FAIL(msg);
  }
  for (unsigned i = 0; i < on.n->numOutputs(); ++i) {
    const TensorType &t = on.n->output(i)->type();
    CHECK(t.dtype == (*r)[i].dtype());
    REQUIRE(t.shape.rank() == (*r)[i].shape().rank());
    for (size_t d = 0; d < t.shape.rank(); ++d)
      if (t.shape[d] >= 0)
        CHECK(t.shape[d] == (*r)[i].shape()[d]);
  }
  return std::move(*r);
}

inline Tensor randomTensor(Shape s, std::mt19937 &rng, float lo = -1.0f,
                           float hi = 1.0f) {
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(size_t(s.numElements()));
  for (float &x : v)
    x = d(rng);
  return Tensor::fromFloats(s, v);
}

inline std::vector<float> floatsOf(const Tensor &t) {
  std::vector<float> v(size_t(t.numElements()));
  for (int64_t i = 0; i < t.numElements(); ++i)
    v[size_t(i)] = float(t.getDouble(i));
  return v;
}

inline std::vector<int64_t> intsOf(const Tensor &t) { return t.toInts(); }

/// Keeps the worse of `worst` and `d`; a NaN difference is the worst of all
/// (std::max(worst, NaN) would return `worst` and hide it).
inline double worseOf(double worst, double d) {
  return std::isnan(d) ? INFINITY : std::max(worst, d);
}

/// Largest |a - b| relative to max(1, |b|); infinite when any difference is
/// NaN (a NaN output, or a NaN where a number is expected).
inline double maxRelDiff(const Tensor &a, const std::vector<float> &b) {
  REQUIRE(size_t(a.numElements()) == b.size());
  double m = 0.0;
  for (size_t i = 0; i < b.size(); ++i) {
    double d = std::abs(a.getDouble(int64_t(i)) - double(b[i])) /
               std::max(1.0, double(std::abs(b[i])));
    m = worseOf(m, d);
  }
  return m;
}

} // namespace optest
} // namespace onntc

#endif
