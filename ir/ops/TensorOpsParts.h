//===- TensorOpsParts.h - helpers shared by the TensorOps files -*- C++ -*-===//
//
// The TensorOps family (TensorOps.def) is implemented in four files:
// TensorOps.cpp (constants, casts, reshapes, transposes, concat/split),
// TensorShapeOps.cpp (Shape, Size, ConstantOfShape, Range),
// TensorSliceOps.cpp (Slice, Pad, Expand, Tile) and TensorIndexOps.cpp
// (gathers, scatters, OneHot, Trilu). registerTensorOps calls the others.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_IR_OPS_TENSOROPSPARTS_H
#define ONNTC_IR_OPS_TENSOROPSPARTS_H

#include "ir/ops/Broadcast.h"
#include "ir/ops/StridedCopy.h"

namespace onntc {

void registerTensorShapeOps(HookTable &t);
void registerTensorSliceOps(HookTable &t);
void registerTensorIndexOps(HookTable &t);

/// Largest element count a shape computed from constant data may have; a
/// bigger one is reported as an error instead of being allocated.
constexpr int64_t kMaxElements = int64_t(1) << 40;

/// Error unless inputs [0, n) are present.
llvm::Error requireInputs(llvm::ArrayRef<Tensor> in, size_t n);
/// Error unless the node's inputs [0, n) are present.
llvm::Error requireNodeInputs(const Node &node, unsigned n);
/// Error unless input i (if present) is an integer tensor of rank <= 1.
llvm::Error checkIntVector(const Node &node, unsigned i, llvm::StringRef what);
/// Product of dims; kDynamicDim if any is dynamic; error on overflow past
/// kMaxElements.
llvm::Expected<int64_t> checkedProduct(llvm::ArrayRef<int64_t> dims);
/// Row-major element strides of a concrete shape.
llvm::SmallVector<int64_t, 6> rowStrides(const Shape &s);

} // namespace onntc

#endif
