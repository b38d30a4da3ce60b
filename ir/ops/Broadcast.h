//===- Broadcast.h - the shared elementwise engine --------------*- C++ -*-===//
//
// Every elementwise reference kernel (unary, binary, ternary, n-ary) runs on
// the one engine defined here: the operand shapes are broadcast against the
// output, adjacent dimensions that need no index arithmetic are merged, and
// the innermost run is a plain loop that the compiler vectorises (with
// special cases for the all-contiguous and scalar-operand patterns, which is
// also what a per-channel operand becomes once merged). Large tensors are
// split over the KernelContext's threads.
//
// Kernels pick their C++ element type with dispatchDType, which only
// instantiates the dtypes listed in a compile-time mask.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_IR_OPS_BROADCAST_H
#define ONNTC_IR_OPS_BROADCAST_H

#include "ir/Tensor.h"
#include "ir/ops/OpUtils.h"

#include <array>
#include <cstring>
#include <tuple>
#include <type_traits>
#include <utility>

namespace onntc {

//===----------------------------------------------------------------------===//
// Dtype masks and dispatch
//===----------------------------------------------------------------------===//

constexpr unsigned dtBit(DType t) { return 1u << unsigned(t); }
constexpr unsigned kMaskF32 = dtBit(DType::F32);
constexpr unsigned kMaskHalf = dtBit(DType::F16) | dtBit(DType::BF16);
constexpr unsigned kMaskFloat = kMaskF32 | kMaskHalf;
constexpr unsigned kMaskSInt = dtBit(DType::I8) | dtBit(DType::I16) |
                               dtBit(DType::I32) | dtBit(DType::I64);
constexpr unsigned kMaskUInt = dtBit(DType::U8) | dtBit(DType::U16);
constexpr unsigned kMaskInt = kMaskSInt | kMaskUInt;
constexpr unsigned kMaskBool = dtBit(DType::Bool);
/// Types with native C++ arithmetic (halves are computed through F32).
constexpr unsigned kMaskArith = kMaskF32 | kMaskInt;
constexpr unsigned kMaskAll = kMaskFloat | kMaskInt | kMaskBool;

/// The C++ storage type of each dtype (halves are raw bits, Bool is 0/1).
template <DType D> struct Storage;
template <> struct Storage<DType::F32> { using type = float; };
template <> struct Storage<DType::F16> { using type = uint16_t; };
template <> struct Storage<DType::BF16> { using type = uint16_t; };
template <> struct Storage<DType::I8> { using type = int8_t; };
template <> struct Storage<DType::U8> { using type = uint8_t; };
template <> struct Storage<DType::I16> { using type = int16_t; };
template <> struct Storage<DType::U16> { using type = uint16_t; };
template <> struct Storage<DType::I32> { using type = int32_t; };
template <> struct Storage<DType::I64> { using type = int64_t; };
template <> struct Storage<DType::Bool> { using type = uint8_t; };

template <DType D> using DTag = std::integral_constant<DType, D>;

/// Calls f(DTag<t>{}) if t is in Mask and returns true; false otherwise.
/// Only the dtypes in Mask are instantiated.
template <unsigned Mask, typename F> bool dispatchDType(DType t, F &&f) {
#define ONNTC_DT_CASE(D)                                                       \
  case DType::D:                                                               \
    if constexpr ((Mask & dtBit(DType::D)) != 0) {                             \
      f(DTag<DType::D>{});                                                     \
      return true;                                                             \
    } else {                                                                   \
      return false;                                                            \
    }
  switch (t) {
    ONNTC_DT_CASE(F32)
    ONNTC_DT_CASE(F16)
    ONNTC_DT_CASE(BF16)
    ONNTC_DT_CASE(I8)
    ONNTC_DT_CASE(U8)
    ONNTC_DT_CASE(I16)
    ONNTC_DT_CASE(U16)
    ONNTC_DT_CASE(I32)
    ONNTC_DT_CASE(I64)
    ONNTC_DT_CASE(Bool)
  }
#undef ONNTC_DT_CASE
  return false;
}

/// Calls f(U{}) with an unsigned integer type of `bytes` bytes (1, 2, 4, 8):
/// for kernels that only move elements.
template <typename F> void dispatchBySize(size_t bytes, F &&f) {
  switch (bytes) {
  case 1:
    f(uint8_t{});
    return;
  case 2:
    f(uint16_t{});
    return;
  case 4:
    f(uint32_t{});
    return;
  default:
    f(uint64_t{});
    return;
  }
}

/// "f32" etc. for messages.
std::string dtypeList(unsigned mask);

//===----------------------------------------------------------------------===//
// Broadcast layout
//===----------------------------------------------------------------------===//

/// An iteration space with merged dimensions: `dims` (outermost first, at
/// least one) and, per operand, element strides per dimension (0 where the
/// operand is broadcast).
struct BroadcastLayout {
  llvm::SmallVector<int64_t, 6> dims;
  llvm::SmallVector<llvm::SmallVector<int64_t, 6>, 3> strides;
};

/// Builds the merged layout of operands `ins` broadcast to `out`. Every
/// operand shape must be broadcastable to `out` (checked by the caller).
BroadcastLayout makeBroadcastLayout(const Shape &out,
                                    llvm::ArrayRef<const Shape *> ins);

/// The broadcast shape of all valid tensors in `ts`, or an error.
llvm::Expected<Shape> broadcastTensors(llvm::ArrayRef<Tensor> ts);

/// Largest result, in bytes, that a reference kernel allocates when the size
/// comes from tensor data (broadcasts, shapes, repeats, pads, depth ...): a
/// bigger one is an Error rather than an abort inside the allocator.
constexpr int64_t kMaxTensorBytes = int64_t(1) << 32;
/// A zeroed tensor of static shape `s`, or an error if it exceeds
/// kMaxTensorBytes.
llvm::Expected<Tensor> allocTensor(DType t, const Shape &s);

/// Element count above which an elementwise loop is split over threads.
constexpr int64_t kParallelElems = 1 << 15;

namespace detail {

template <typename OutT, typename Fn, typename Ptrs, size_t... I>
inline void innerRun(OutT *__restrict o, int64_t n, const Ptrs &p,
                     const std::array<int64_t, sizeof...(I)> &s, Fn &fn,
                     std::index_sequence<I...>) {
  if (((s[I] == 1) && ...)) {
    for (int64_t i = 0; i < n; ++i)
      o[i] = OutT(fn(std::get<I>(p)[i]...));
    return;
  }
  if constexpr (sizeof...(I) == 2) {
    if (s[0] == 0 && s[1] == 1) {
      auto a = *std::get<0>(p);
      const auto *b = std::get<1>(p);
      for (int64_t i = 0; i < n; ++i)
        o[i] = OutT(fn(a, b[i]));
      return;
    }
    if (s[0] == 1 && s[1] == 0) {
      const auto *a = std::get<0>(p);
      auto b = *std::get<1>(p);
      for (int64_t i = 0; i < n; ++i)
        o[i] = OutT(fn(a[i], b));
      return;
    }
  }
  for (int64_t i = 0; i < n; ++i)
    o[i] = OutT(fn(std::get<I>(p)[i * s[I]]...));
}

template <typename Ptrs, size_t... I>
inline Ptrs offsetPtrs(const Ptrs &base,
                       const std::array<int64_t, sizeof...(I)> &off,
                       std::index_sequence<I...>) {
  return Ptrs(std::get<I>(base) + off[I]...);
}

template <typename Ptrs, size_t... I>
inline Ptrs makePtrs(const std::array<const Tensor *, sizeof...(I)> &ins,
                     std::index_sequence<I...>) {
  return Ptrs(
      reinterpret_cast<std::tuple_element_t<I, Ptrs>>(ins[I]->raw())...);
}

} // namespace detail

/// out[i] = fn(in0[i'], in1[i''], ...) over the broadcast of the inputs to
/// `out`'s shape. `out` must be allocated with the broadcast shape; InT are
/// the storage types of the inputs, OutT that of the output.
template <typename OutT, typename... InT, typename Fn>
void broadcastMap(KernelContext &ctx, Tensor &out,
                  const std::array<const Tensor *, sizeof...(InT)> &ins,
                  Fn fn) {
  constexpr size_t K = sizeof...(InT);
  using Ptrs = std::tuple<const InT *...>;
  using Seq = std::index_sequence_for<InT...>;
  int64_t total = out.numElements();
  if (total == 0)
    return;
  std::array<const Shape *, K> shapes;
  for (size_t k = 0; k < K; ++k)
    shapes[k] = &ins[k]->shape();
  BroadcastLayout L = makeBroadcastLayout(out.shape(), shapes);
  Ptrs base = detail::makePtrs<Ptrs>(ins, Seq());
  OutT *o = out.data<OutT>();
  size_t r = L.dims.size();
  int64_t inner = L.dims[r - 1];
  int64_t rows = total / inner;
  std::array<int64_t, K> innerStride;
  for (size_t k = 0; k < K; ++k)
    innerStride[k] = L.strides[k][r - 1];

  // Runs output rows [rb, re), walking the outer dims with a counter.
  auto runRows = [&](int64_t rb, int64_t re) {
    llvm::SmallVector<int64_t, 6> idx(r, 0);
    std::array<int64_t, K> off{};
    int64_t rem = rb;
    for (size_t d = r - 1; d-- > 0;) {
      idx[d] = rem % L.dims[d];
      rem /= L.dims[d];
      for (size_t k = 0; k < K; ++k)
        off[k] += idx[d] * L.strides[k][d];
    }
    for (int64_t row = rb; row < re; ++row) {
      detail::innerRun(o + row * inner, inner,
                       detail::offsetPtrs(base, off, Seq()), innerStride, fn,
                       Seq());
      for (size_t d = r - 1; d-- > 0;) {
        for (size_t k = 0; k < K; ++k)
          off[k] += L.strides[k][d];
        if (++idx[d] < L.dims[d])
          break;
        for (size_t k = 0; k < K; ++k)
          off[k] -= idx[d] * L.strides[k][d];
        idx[d] = 0;
      }
    }
  };

  if (total < kParallelElems || ctx.numThreads() <= 1) {
    runRows(0, rows);
  } else if (rows == 1) {
    // One long run: split it.
    ctx.parallelFor(inner, kParallelElems / 4, [&](int64_t b, int64_t e) {
      std::array<int64_t, K> off;
      for (size_t k = 0; k < K; ++k)
        off[k] = b * innerStride[k];
      detail::innerRun(o + b, e - b, detail::offsetPtrs(base, off, Seq()),
                       innerStride, fn, Seq());
    });
  } else {
    int64_t grain = std::max<int64_t>(1, (kParallelElems / 4) / inner);
    ctx.parallelFor(rows, grain, runRows);
  }
}

/// A float tensor's elements as float whatever its float dtype (copies halves).
Tensor toF32(const Tensor &t);

//===----------------------------------------------------------------------===//
// Shared shape inference
//===----------------------------------------------------------------------===//

/// Error naming the first attribute that Ops.def marks required and the node
/// lacks (the typed getters assert on those).
llvm::Error checkRequiredAttrs(const Node &n);
/// Checks that input `i` exists and that its dtype is in `mask`.
llvm::Error checkInputDType(const Node &n, unsigned i, unsigned mask);
/// Output 0 gets the broadcast shape of all present inputs; all present
/// inputs must share one dtype in `mask`. `out` overrides the output dtype.
llvm::Error inferBroadcastAs(Node &n, unsigned mask, std::optional<DType> out);

/// For F16/BF16 operands: runs `f` on F32 copies and casts F32 outputs back.
/// Lets arithmetic kernels be written for native types only.
llvm::Error computeViaF32(ComputeFn f, const Node &n,
                          llvm::ArrayRef<Tensor> inputs,
                          std::vector<Tensor> &outputs, KernelContext &ctx);
/// True if any valid input has dtype F16 or BF16.
bool hasHalfInput(llvm::ArrayRef<Tensor> inputs);

/// Wraps a native-type ComputeFn so that F16/BF16 inputs go through F32.
template <ComputeFn F>
llvm::Error withHalfViaF32(const Node &n, llvm::ArrayRef<Tensor> inputs,
                           std::vector<Tensor> &outputs, KernelContext &ctx) {
  if (hasHalfInput(inputs))
    return computeViaF32(F, n, inputs, outputs, ctx);
  return F(n, inputs, outputs, ctx);
}

} // namespace onntc

#endif
