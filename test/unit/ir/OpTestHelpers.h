//===- OpTestHelpers.h - one-node graphs for op family tests ----*- C++ -*-===//
//
// Builds a graph with a single op whose operands are graph inputs (known
// type, value given at run time), Constant nodes, or absent; runs shape
// inference and the reference kernel, and checks that the computed outputs
// agree with the inferred types.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_TEST_UNIT_IR_OPTESTHELPERS_H
#define ONNTC_TEST_UNIT_IR_OPTESTHELPERS_H

#include "ir/Graph.h"
#include "ir/Interpreter.h"
#include "ir/KernelContext.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

namespace onntc {
namespace test {

/// One operand of the op under test.
struct Operand {
  enum Kind { Input, Constant, TypeOnly, Absent } kind = Absent;
  TensorType type;
  Tensor value;

  /// A graph input fed with `t` at run time (shape known to inference).
  static Operand in(Tensor t) {
    Operand o;
    o.kind = Input;
    o.type = t.type();
    o.value = std::move(t);
    return o;
  }
  /// A Constant node holding `t` (inference may read its value).
  static Operand constant(Tensor t) {
    Operand o;
    o.kind = Constant;
    o.type = t.type();
    o.value = std::move(t);
    return o;
  }
  /// A graph input of type `t` for inference-only tests.
  static Operand typed(DType d, Shape s) {
    Operand o;
    o.kind = TypeOnly;
    o.type = TensorType(d, std::move(s));
    return o;
  }
  static Operand none() { return Operand(); }
};

using Attr = std::pair<std::string, AttrValue>;

/// A graph holding one node of kind `k`.
struct OneOp {
  Graph g;
  Node *node = nullptr;
  std::vector<Tensor> feeds;

  OneOp(OpKind k, const std::vector<Operand> &ops,
        const std::vector<Attr> &attrs, unsigned numOutputs = 1) {
    std::vector<Value *> ins;
    for (size_t i = 0; i < ops.size(); ++i) {
      const Operand &o = ops[i];
      std::string name = "x" + std::to_string(i);
      switch (o.kind) {
      case Operand::Input:
        ins.push_back(g.addInput(name, o.type));
        feeds.push_back(o.value);
        break;
      case Operand::TypeOnly:
        ins.push_back(g.addInput(name, o.type));
        break;
      case Operand::Constant:
        ins.push_back(g.createConstant(name, o.value)->output());
        break;
      case Operand::Absent:
        ins.push_back(nullptr);
        break;
      }
    }
    std::vector<std::string> outs(numOutputs);
    node = g.createNode(k, ins, outs, "op");
    for (const Attr &a : attrs)
      node->setAttr(a.first, a.second);
    for (unsigned i = 0; i < numOutputs; ++i)
      g.addOutput(node->output(i));
  }

  /// Runs the op's shape inference.
  llvm::Error infer() {
    const OpHooks &h = opHooks(node->kind());
    REQUIRE(h.infer);
    return h.infer(*node);
  }

  /// Inference, then the kernel on the fed inputs; checks that each output
  /// matches the inferred dtype and every static inferred dim.
  llvm::Expected<std::vector<Tensor>> run(unsigned threads = 2) {
    if (llvm::Error e = infer())
      return e;
    KernelContext ctx(threads);
    auto r = runGraph(g, feeds, ctx);
    if (!r)
      return r.takeError();
    for (unsigned i = 0; i < node->numOutputs(); ++i) {
      const TensorType &t = node->output(i)->type();
      const Tensor &v = (*r)[i];
      CHECK(v.dtype() == t.dtype);
      REQUIRE(v.shape().rank() == t.shape.rank());
      for (size_t d = 0; d < t.shape.rank(); ++d)
        if (t.shape[d] >= 0)
          CHECK(v.shape()[d] == t.shape[d]);
    }
    return r;
  }
};

/// Fails the test with the error message unless `x` holds a value.
#define REQUIRE_OK(x)                                                          \
  do {                                                                         \
    if (!(x))                                                                  \
      FAIL(llvm::toString((x).takeError()));                                   \
  } while (0)

inline Tensor f32(Shape s, std::vector<float> v) {
  return Tensor::fromFloats(s, v);
}
inline Tensor ints(DType d, Shape s, std::vector<int64_t> v) {
  return Tensor::fromInts(d, s, v);
}
inline Tensor i64(std::vector<int64_t> v) {
  int64_t n = int64_t(v.size());
  return Tensor::fromInts(DType::I64, Shape{n}, v);
}
inline Tensor bools(Shape s, std::vector<int64_t> v) {
  return Tensor::fromInts(DType::Bool, s, v);
}

inline std::vector<float> floatsOf(const Tensor &t) {
  std::vector<float> v;
  for (int64_t i = 0; i < t.numElements(); ++i)
    v.push_back(float(t.getDouble(i)));
  return v;
}

/// Element-wise comparison with a relative+absolute tolerance; NaN == NaN.
inline void checkClose(const Tensor &t, const std::vector<float> &want,
                       float tol = 1e-5f) {
  REQUIRE(t.numElements() == int64_t(want.size()));
  for (size_t i = 0; i < want.size(); ++i) {
    double got = t.getDouble(int64_t(i));
    if (std::isnan(want[i])) {
      CHECK(std::isnan(got));
      continue;
    }
    INFO("element " << i << ": got " << got << " want " << want[i]);
    CHECK(std::fabs(got - want[i]) <= tol * (1 + std::fabs(want[i])));
  }
}

/// Runs and returns output 0, failing the test on error.
inline Tensor run1(OpKind k, const std::vector<Operand> &ops,
                   const std::vector<Attr> &attrs = {}) {
  OneOp op(k, ops, attrs);
  auto r = op.run();
  if (!r)
    FAIL(llvm::toString(r.takeError()));
  return (*r)[0];
}

/// The error message of running (inference + kernel), or "" on success.
inline std::string runError(OpKind k, const std::vector<Operand> &ops,
                            const std::vector<Attr> &attrs = {}) {
  OneOp op(k, ops, attrs);
  auto r = op.run();
  if (r)
    return "";
  return llvm::toString(r.takeError());
}

/// The inferred output type, failing the test on error.
inline TensorType inferred(OpKind k, const std::vector<Operand> &ops,
                           const std::vector<Attr> &attrs = {},
                           unsigned out = 0, unsigned numOutputs = 1) {
  OneOp op(k, ops, attrs, numOutputs);
  if (llvm::Error e = op.infer())
    FAIL(llvm::toString(std::move(e)));
  return op.node->output(out)->type();
}

/// The inference error message, or "" if inference succeeded.
inline std::string inferError(OpKind k, const std::vector<Operand> &ops,
                              const std::vector<Attr> &attrs = {},
                              unsigned numOutputs = 1) {
  OneOp op(k, ops, attrs, numOutputs);
  if (llvm::Error e = op.infer())
    return llvm::toString(std::move(e));
  return "";
}

inline std::vector<int64_t> intsOf(const Tensor &t) { return t.toInts(); }

} // namespace test
} // namespace onntc

#endif
