//===- BackendTestUtil.h - build graphs, compile, run, compare -*- C++ -*-===//
#ifndef ONNTC_TEST_UNIT_BACKEND_BACKENDTESTUTIL_H
#define ONNTC_TEST_UNIT_BACKEND_BACKENDTESTUTIL_H

#include "backend/core/Backend.h"
#include "isa/Commands.h"
#include "ir/Graph.h"
#include "ir/Tensor.h"

#include <map>
#include <random>
#include <string>
#include <vector>

namespace onntc {
namespace backendtest {

/// A graph under construction with a seeded generator for its data.
struct Builder {
  Graph g;
  std::mt19937 rng{1234};
  unsigned counter = 0;

  /// Inputs get uniform random data in [-1, 1) unless a range or fixed data
  /// was given here (by input name).
  std::map<std::string, std::pair<float, float>> inputRange;
  std::map<std::string, Tensor> inputData;

  Tensor random(Shape s, float lo = -1.0f, float hi = 1.0f);
  Value *input(const std::string &name, Shape s);
  /// An input whose random data is uniform in [lo, hi).
  Value *input(const std::string &name, Shape s, float lo, float hi);
  /// An input that always gets `data` (e.g. rounding ties, exact zeros).
  Value *input(const std::string &name, Tensor data);
  /// A quantized input (i8/u8/i32) with a per-tensor scale; its random data
  /// covers the whole range of the type (i32: [-2^20, 2^20)).
  Value *qinput(const std::string &name, Shape s, DType t, float scale = 0.05f);
  /// Random integers of type t (uniform over the range, or [lo, hi]).
  Tensor randomInts(Shape s, DType t);
  Tensor randomInts(Shape s, DType t, int64_t lo, int64_t hi);
  Value *constant(Tensor t);
  Value *constant(Shape s, float lo = -1.0f, float hi = 1.0f) {
    return constant(random(std::move(s), lo, hi));
  }
  Value *scalar(float v);
  /// Adds a node with attributes; its output types come from inferTypes().
  Node *node(OpKind k, std::vector<Value *> ins,
             std::vector<std::pair<std::string, AttrValue>> attrs = {},
             unsigned outputs = 1);
  Value *op(OpKind k, std::vector<Value *> ins,
            std::vector<std::pair<std::string, AttrValue>> attrs = {}) {
    return node(k, std::move(ins), std::move(attrs))->output(0);
  }
};

/// Figures of one run.
struct RunFigures {
  double maxRelErr = 0;
  /// Output elements whose bytes differ from the reference (integer
  /// outputs count into maxRelErr as infinite error too).
  uint64_t mismatches = 0;
  double latencyUs = 0;
  double simWallUs = 0;
  uint64_t cycles = 0;
  backend::CompileStats stats;
  /// Every BDC command of the compiled net, decoded from the bmodel.
  std::vector<isa::Command> bdc;
  /// Every GDMA command, likewise.
  std::vector<isa::Command> gdma;
};

/// Infers types, compiles `b.g` for `target`, runs the bmodel on the
/// runtime with random inputs and compares every output with runGraph.
/// Fails the current test (REQUIRE) on any error; returns the figures.
RunFigures compileRunCompare(Builder &b, const isa::TargetInfo &target,
                             const backend::BackendOptions &opts = {});

/// The same on both targets; every output within `tol` (relative).
void checkBothTargets(Builder &b, double tol = 1e-4,
                      const backend::BackendOptions &opts = {});
/// The same on both targets; every output bit for bit equal to the
/// reference (the INT8 path, and f32 results of dequantize).
void checkBothTargetsExact(Builder &b,
                           const backend::BackendOptions &opts = {});

} // namespace backendtest
} // namespace onntc

#endif
