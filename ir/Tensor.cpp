#include "ir/Tensor.h"

#include "llvm/Support/ErrorHandling.h"

#include <cmath>
#include <cstdlib>
#include <cstring>

namespace onntc {

Buffer::Buffer(size_t bytes) : size_(bytes) {
  size_t rounded = (bytes + 63) / 64 * 64;
  if (rounded == 0)
    rounded = 64;
  data_ = static_cast<uint8_t *>(std::aligned_alloc(64, rounded));
  if (!data_)
    llvm::report_bad_alloc_error("tensor buffer");
  std::memset(data_, 0, rounded);
}

Buffer::~Buffer() { std::free(data_); }

Tensor::Tensor(DType dtype, Shape shape) : dtype_(dtype), shape_(std::move(shape)) {
  assert(shape_.isStatic() && "tensor needs a static shape");
  buf_ = std::make_shared<Buffer>(byteSize());
}

Tensor::Tensor(DType dtype, Shape shape, std::shared_ptr<Buffer> buf)
    : dtype_(dtype), shape_(std::move(shape)), buf_(std::move(buf)) {
  assert(buf_ && buf_->size() >= byteSize());
}

Tensor Tensor::reshaped(Shape shape) const {
  assert(shape.numElements() == numElements());
  return Tensor(dtype_, std::move(shape), buf_);
}

Tensor Tensor::clone() const {
  Tensor t(dtype_, shape_);
  if (byteSize())
    std::memcpy(t.raw(), raw(), byteSize());
  return t;
}

double Tensor::getDouble(int64_t i) const {
  switch (dtype_) {
  case DType::F32: return data<float>()[i];
  case DType::F16: return halfToFloat(data<uint16_t>()[i]);
  case DType::BF16: return bf16ToFloat(data<uint16_t>()[i]);
  case DType::I8: return data<int8_t>()[i];
  case DType::U8: return data<uint8_t>()[i];
  case DType::I16: return data<int16_t>()[i];
  case DType::U16: return data<uint16_t>()[i];
  case DType::I32: return data<int32_t>()[i];
  case DType::I64: return double(data<int64_t>()[i]);
  case DType::Bool: return data<uint8_t>()[i] ? 1.0 : 0.0;
  }
  llvm_unreachable("bad dtype");
}

int64_t Tensor::getInt(int64_t i) const {
  switch (dtype_) {
  case DType::I64: return data<int64_t>()[i];
  case DType::I32: return data<int32_t>()[i];
  case DType::I16: return data<int16_t>()[i];
  case DType::U16: return data<uint16_t>()[i];
  case DType::I8: return data<int8_t>()[i];
  case DType::U8: return data<uint8_t>()[i];
  case DType::Bool: return data<uint8_t>()[i] ? 1 : 0;
  case DType::F32:
  case DType::F16:
  case DType::BF16: return int64_t(getDouble(i));
  }
  llvm_unreachable("bad dtype");
}

void Tensor::setDouble(int64_t i, double v) {
  switch (dtype_) {
  case DType::F32: data<float>()[i] = float(v); return;
  case DType::F16: data<uint16_t>()[i] = floatToHalf(float(v)); return;
  case DType::BF16: data<uint16_t>()[i] = floatToBF16(float(v)); return;
  case DType::I8: data<int8_t>()[i] = int8_t(v); return;
  case DType::U8: data<uint8_t>()[i] = uint8_t(v); return;
  case DType::I16: data<int16_t>()[i] = int16_t(v); return;
  case DType::U16: data<uint16_t>()[i] = uint16_t(v); return;
  case DType::I32: data<int32_t>()[i] = int32_t(v); return;
  case DType::I64: data<int64_t>()[i] = int64_t(v); return;
  case DType::Bool: data<uint8_t>()[i] = v != 0.0; return;
  }
  llvm_unreachable("bad dtype");
}

void Tensor::setInt(int64_t i, int64_t v) {
  switch (dtype_) {
  case DType::I64: data<int64_t>()[i] = v; return;
  case DType::I32: data<int32_t>()[i] = int32_t(v); return;
  case DType::I16: data<int16_t>()[i] = int16_t(v); return;
  case DType::U16: data<uint16_t>()[i] = uint16_t(v); return;
  case DType::I8: data<int8_t>()[i] = int8_t(v); return;
  case DType::U8: data<uint8_t>()[i] = uint8_t(v); return;
  case DType::Bool: data<uint8_t>()[i] = v != 0; return;
  case DType::F32:
  case DType::F16:
  case DType::BF16: setDouble(i, double(v)); return;
  }
  llvm_unreachable("bad dtype");
}

std::vector<int64_t> Tensor::toInts() const {
  std::vector<int64_t> out(static_cast<size_t>(numElements()));
  for (int64_t i = 0; i < numElements(); ++i)
    out[size_t(i)] = getInt(i);
  return out;
}

Tensor Tensor::castTo(DType to) const {
  if (to == dtype_)
    return clone();
  Tensor out(to, shape_);
  int64_t n = numElements();
  bool intToInt = !isFloat(dtype_) && !isFloat(to);
  for (int64_t i = 0; i < n; ++i) {
    if (intToInt)
      out.setInt(i, getInt(i));
    else if (to == DType::Bool)
      out.setInt(i, getDouble(i) != 0.0);
    else if (!isFloat(to)) {
      double v = getDouble(i);
      out.setInt(i, std::isfinite(v) ? int64_t(v) : 0);
    } else
      out.setDouble(i, getDouble(i));
  }
  return out;
}

Tensor Tensor::fromFloats(Shape shape, llvm::ArrayRef<float> v) {
  Tensor t(DType::F32, std::move(shape));
  assert(size_t(t.numElements()) == v.size());
  if (!v.empty())
    std::memcpy(t.raw(), v.data(), v.size() * 4);
  return t;
}

Tensor Tensor::fromInts(DType dtype, Shape shape, llvm::ArrayRef<int64_t> v) {
  Tensor t(dtype, std::move(shape));
  assert(size_t(t.numElements()) == v.size());
  for (size_t i = 0; i < v.size(); ++i)
    t.setInt(int64_t(i), v[i]);
  return t;
}

} // namespace onntc
