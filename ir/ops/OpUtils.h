//===- OpUtils.h - helpers shared by the op family files -------*- C++ -*-===//
#ifndef ONNTC_IR_OPS_OPUTILS_H
#define ONNTC_IR_OPS_OPUTILS_H

#include "ir/Diagnostics.h"
#include "ir/Graph.h"
#include "ir/KernelContext.h"

#include <optional>

namespace onntc {

/// Maps a possibly negative axis into [0, rank); error if out of range.
llvm::Expected<int64_t> normalizeAxis(int64_t axis, int64_t rank);
/// Numpy multidirectional broadcast of two shapes (dynamic dims propagate).
llvm::Expected<Shape> broadcastShapes(const Shape &a, const Shape &b);
/// The integer contents of a constant input, if input i is constant.
std::optional<std::vector<int64_t>> constantInts(const Node &n, unsigned i);
/// Sets output i to dtype/shape.
inline void setOutput(Node &n, unsigned i, DType t, Shape s) {
  n.output(i)->setType(TensorType(t, std::move(s)));
}
/// Row-major strides of a static shape.
std::vector<int64_t> stridesOf(const Shape &s);

} // namespace onntc

#endif
