//===- EwView.h - the 4-D broadcast view of element-wise ops ----*- C++ -*-===//
//
// Internal to onntc_backend. The element-wise tile programs (FP32 rows in
// LowerElementwise.cpp, INT8 rows in LowerQuant.cpp) view their output in
// 4-D: axes where every operand has the same broadcast pattern are merged;
// without any broadcast the tensor becomes (1, npuNum, H, W) so all lanes
// work. Each operand gets element strides with 0 on its broadcast axes.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_BACKEND_CORE_EWVIEW_H
#define ONNTC_BACKEND_CORE_EWVIEW_H

#include "isa/Layout.h"
#include "isa/Target.h"

#include "llvm/ADT/ArrayRef.h"

#include <optional>
#include <vector>

namespace onntc {
namespace backend {

/// The 4-D view of an element-wise op: one shape, per-operand strides.
struct EwView {
  isa::Shape4 shape;
  std::vector<isa::Strides4> strides; // one per operand, then the output
};

/// The view of an output of dims `out` computed from operands of dims
/// `ins` (numpy broadcasting); none when it needs more than 4 axes.
std::optional<EwView> makeEwView(const isa::TargetInfo &t,
                                 llvm::ArrayRef<int64_t> out,
                                 llvm::ArrayRef<std::vector<int64_t>> ins);

} // namespace backend
} // namespace onntc

#endif
