//===- Types.h - element types, shapes and tensor types -------*- C++ -*-===//
//
// The value types every layer of OpenNNTC shares: element types, shapes that
// may carry dynamic dimensions, quantization parameters and tensor types.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_IR_TYPES_H
#define ONNTC_IR_TYPES_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace onntc {

/// Element types of IR tensors. The order is part of no file format; the
/// bmodel dtype numbering lives in bmodel.
enum class DType : uint8_t { F32, F16, BF16, I8, U8, I16, U16, I32, I64, Bool };

/// Size in bytes of one element.
size_t dtypeSize(DType t);
/// Short name used by the textual IR: f32 f16 bf16 i8 u8 i16 u16 i32 i64 bool.
llvm::StringRef dtypeName(DType t);
/// Inverse of dtypeName.
std::optional<DType> parseDType(llvm::StringRef s);
bool isFloat(DType t);
bool isSignedInt(DType t);

/// A dimension whose extent is unknown at compile time.
constexpr int64_t kDynamicDim = -1;

/// A tensor shape. Dimensions may be kDynamicDim; a rank of zero is a scalar.
class Shape {
public:
  Shape() = default;
  Shape(std::initializer_list<int64_t> dims) : dims_(dims) {}
  explicit Shape(llvm::ArrayRef<int64_t> dims) : dims_(dims.begin(), dims.end()) {}

  size_t rank() const { return dims_.size(); }
  int64_t operator[](size_t i) const { return dims_[i]; }
  int64_t &operator[](size_t i) { return dims_[i]; }
  llvm::ArrayRef<int64_t> dims() const { return dims_; }
  llvm::SmallVectorImpl<int64_t> &mutableDims() { return dims_; }
  /// True when no dimension is dynamic.
  bool isStatic() const;
  /// Product of the dimensions; -1 when any dimension is dynamic.
  int64_t numElements() const;
  bool operator==(const Shape &o) const { return dims_ == o.dims_; }
  bool operator!=(const Shape &o) const { return !(*this == o); }
  /// Text form `2x3x?x4`, the same as used inside `tensor<...>`.
  std::string str() const;

private:
  llvm::SmallVector<int64_t, 6> dims_;
};

/// Quantization of a tensor: real = scale * (q - zeroPoint). One entry means
/// per-tensor; several mean per-channel along `axis`.
struct QuantParams {
  std::vector<float> scale;
  std::vector<int32_t> zeroPoint;
  int axis = -1;
  bool operator==(const QuantParams &o) const {
    return scale == o.scale && zeroPoint == o.zeroPoint && axis == o.axis;
  }
};

/// The type of an IR value: element type, shape and optional quantization.
struct TensorType {
  DType dtype = DType::F32;
  Shape shape;
  std::optional<QuantParams> quant;

  TensorType() = default;
  TensorType(DType t, Shape s) : dtype(t), shape(std::move(s)) {}
  bool operator==(const TensorType &o) const {
    return dtype == o.dtype && shape == o.shape && quant == o.quant;
  }
  bool operator!=(const TensorType &o) const { return !(*this == o); }
  /// Text form `tensor<1x3x224x224xf32>`; quantization is printed separately.
  std::string str() const;
};

llvm::raw_ostream &operator<<(llvm::raw_ostream &os, const Shape &s);
llvm::raw_ostream &operator<<(llvm::raw_ostream &os, const TensorType &t);

} // namespace onntc

#endif
