//===- NnCommon.h - helpers of the Nn/Reduction/Misc families -*- C++ -*-===//
//
// Private to ir/ops: sliding-window geometry shared by Conv, ConvTranspose
// and the pools, dtype dispatch for the typed kernels, and the entry points
// of the family files that registerNnOps() attaches.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_IR_OPS_NNCOMMON_H
#define ONNTC_IR_OPS_NNCOMMON_H

#include "ir/ops/OpUtils.h"

#include "llvm/ADT/SmallVector.h"

namespace onntc {

/// Kernels treat every sliding-window op as 3-D (D, H, W); 1-D and 2-D ops
/// get leading spatial dims of extent 1.
constexpr int kMaxSpatial = 3;

/// Window attributes of a Conv/ConvTranspose/pool node with defaults
/// applied, one entry per spatial dim (leading dims first).
struct Window {
  int nsp = 0;
  llvm::SmallVector<int64_t, 3> kernel, strides, dilations, padBegin, padEnd;
};

/// Reads kernel_shape/strides/pads/dilations of `n` for `nsp` spatial dims.
/// `weightKernel` (may be empty) is the kernel taken from a weight shape;
/// when kernel_shape is also set they must agree. Ops without a dilations
/// attribute pass hasDilations = false.
llvm::Expected<Window> readWindow(const Node &n, int nsp,
                                  llvm::ArrayRef<int64_t> weightKernel,
                                  bool hasDilations);

/// Output extent of a sliding window over `in` (kDynamicDim stays dynamic).
/// ceil_mode follows ONNX: a last window starting inside the end padding is
/// dropped. Returns an error text via `ok=false` when no window fits.
int64_t windowOutDim(int64_t in, int64_t k, int64_t s, int64_t d, int64_t pb,
                     int64_t pe, bool ceilMode, bool &ok);

/// 3-D view of a window: spatial arrays padded at the front to 3 entries.
struct Geom3 {
  int64_t in[3], out[3], k[3], s[3], d[3], pb[3], pe[3];
  int64_t inSize() const { return in[0] * in[1] * in[2]; }
  int64_t outSize() const { return out[0] * out[1] * out[2]; }
  int64_t kSize() const { return k[0] * k[1] * k[2]; }
};
Geom3 makeGeom3(const Window &w, llvm::ArrayRef<int64_t> inSpatial,
                llvm::ArrayRef<int64_t> outSpatial);

/// Calls fn(T{}) with T the C++ type of `t` for the numeric dtypes; f16,
/// bf16 and bool give an error naming `what`.
template <typename Fn>
llvm::Error dispatchNumeric(DType t, llvm::StringRef what, Fn &&fn) {
  switch (t) {
  case DType::F32:
    return fn(float{});
  case DType::I8:
    return fn(int8_t{});
  case DType::U8:
    return fn(uint8_t{});
  case DType::I16:
    return fn(int16_t{});
  case DType::U16:
    return fn(uint16_t{});
  case DType::I32:
    return fn(int32_t{});
  case DType::I64:
    return fn(int64_t{});
  case DType::F16:
  case DType::BF16:
  case DType::Bool:
    break;
  }
  return makeError(what + " has no kernel for element type " + dtypeName(t));
}

/// Error unless the dtype of input `i` of `n` is one of `allowed`.
llvm::Error expectDType(const Node &n, unsigned i,
                        std::initializer_list<DType> allowed);
/// Kernel-side guard: error unless every listed input that is present is
/// f32 (required inputs must be present). Kernels may be run on operands
/// that never went through inference, and must not read out of bounds.
llvm::Error expectF32Inputs(llvm::ArrayRef<Tensor> in,
                            std::initializer_list<unsigned> required,
                            std::initializer_list<unsigned> optional,
                            llvm::StringRef what);
/// Error if a result of `numElements` elements is implausibly large (over
/// 2^31), so that bad sizes fail cleanly instead of exhausting memory.
llvm::Error checkResultSize(double numElements, llvm::StringRef what);
/// Error unless input `i` exists and has rank `r` (unknown rank never).
llvm::Error expectRank(const Node &n, unsigned i, size_t r);

// Hook functions of the Nn family living outside Nn.cpp.
llvm::Error inferConv(Node &n);
llvm::Error computeConv(const Node &n, llvm::ArrayRef<Tensor> in,
                        std::vector<Tensor> &out, KernelContext &ctx);
llvm::Error inferConvTranspose(Node &n);
llvm::Error computeConvTranspose(const Node &n, llvm::ArrayRef<Tensor> in,
                                 std::vector<Tensor> &out, KernelContext &ctx);
llvm::Error inferMaxPool(Node &n);
llvm::Error computeMaxPool(const Node &n, llvm::ArrayRef<Tensor> in,
                           std::vector<Tensor> &out, KernelContext &ctx);
llvm::Error inferAveragePool(Node &n);
llvm::Error computeAveragePool(const Node &n, llvm::ArrayRef<Tensor> in,
                               std::vector<Tensor> &out, KernelContext &ctx);
llvm::Error inferGlobalPool(Node &n);
llvm::Error computeGlobalAveragePool(const Node &n, llvm::ArrayRef<Tensor> in,
                                     std::vector<Tensor> &out,
                                     KernelContext &ctx);
llvm::Error computeGlobalMaxPool(const Node &n, llvm::ArrayRef<Tensor> in,
                                 std::vector<Tensor> &out, KernelContext &ctx);
void registerNnNormOps(HookTable &t);
void registerResizeOp(HookTable &t);

} // namespace onntc

#endif
