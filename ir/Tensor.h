//===- Tensor.h - concrete tensors with data ------------------*- C++ -*-===//
//
// A Tensor is a static-shaped, typed, contiguous (row-major) buffer. Weights,
// constants, interpreter values and reference data are all Tensors. Buffers
// are shared (copy-on-write is the caller's job) and 64-byte aligned so the
// kernels can vectorise.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_IR_TENSOR_H
#define ONNTC_IR_TENSOR_H

#include "ir/Types.h"
#include "support/Float16.h"

#include "llvm/Support/Error.h"

#include <cassert>
#include <memory>

namespace onntc {

/// Owned, 64-byte aligned, zero-initialised storage.
class Buffer {
public:
  explicit Buffer(size_t bytes);
  ~Buffer();
  Buffer(const Buffer &) = delete;
  Buffer &operator=(const Buffer &) = delete;
  uint8_t *data() { return data_; }
  const uint8_t *data() const { return data_; }
  size_t size() const { return size_; }

private:
  uint8_t *data_ = nullptr;
  size_t size_ = 0;
};

class Tensor {
public:
  /// An empty tensor (no type, no data); isValid() is false.
  Tensor() = default;
  /// Allocates zeroed storage for `shape`, which must be static.
  Tensor(DType dtype, Shape shape);
  /// Wraps existing storage (shared, not copied).
  Tensor(DType dtype, Shape shape, std::shared_ptr<Buffer> buf);

  bool isValid() const { return buf_ != nullptr; }
  DType dtype() const { return dtype_; }
  const Shape &shape() const { return shape_; }
  TensorType type() const { return TensorType(dtype_, shape_); }
  int64_t numElements() const { return shape_.numElements(); }
  size_t byteSize() const { return size_t(numElements()) * dtypeSize(dtype_); }

  uint8_t *raw() { return buf_->data(); }
  const uint8_t *raw() const { return buf_->data(); }
  template <typename T> T *data() { return reinterpret_cast<T *>(raw()); }
  template <typename T> const T *data() const {
    return reinterpret_cast<const T *>(raw());
  }
  const std::shared_ptr<Buffer> &buffer() const { return buf_; }

  /// The same data seen with another shape of equal element count.
  Tensor reshaped(Shape shape) const;
  /// A deep copy.
  Tensor clone() const;
  /// Element i converted to double / int64, whatever the dtype.
  double getDouble(int64_t i) const;
  int64_t getInt(int64_t i) const;
  /// Store v (converted) into element i.
  void setDouble(int64_t i, double v);
  void setInt(int64_t i, int64_t v);
  /// All elements as int64 (shape tensors, axes, pads ...).
  std::vector<int64_t> toInts() const;
  /// A converted copy (f32<->f16/bf16 with round-to-nearest-even, ints saturate
  /// only by C++ conversion rules as ONNX Cast does).
  Tensor castTo(DType to) const;

  static Tensor fromFloats(Shape shape, llvm::ArrayRef<float> v);
  static Tensor fromInts(DType dtype, Shape shape, llvm::ArrayRef<int64_t> v);
  static Tensor scalarFloat(float v) { return fromFloats(Shape{}, {v}); }

private:
  DType dtype_ = DType::F32;
  Shape shape_;
  std::shared_ptr<Buffer> buf_;
};

} // namespace onntc

#endif
