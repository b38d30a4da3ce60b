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

uint16_t floatToHalf(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  uint32_t sign = (x >> 16) & 0x8000;
  uint32_t mant = x & 0x7fffff;
  int32_t exp = int32_t((x >> 23) & 0xff);
  if (exp == 0xff) // inf or nan
    return uint16_t(sign | 0x7c00 | (mant ? 0x200 : 0));
  int32_t e = exp - 127 + 15;
  if (e >= 0x1f)
    return uint16_t(sign | 0x7c00);
  if (e <= 0) {
    if (e < -10)
      return uint16_t(sign);
    mant |= 0x800000;
    uint32_t shift = uint32_t(14 - e);
    uint32_t half = mant >> shift;
    uint32_t rem = mant & ((1u << shift) - 1);
    uint32_t mid = 1u << (shift - 1);
    if (rem > mid || (rem == mid && (half & 1)))
      ++half;
    return uint16_t(sign | half);
  }
  uint32_t half = sign | (uint32_t(e) << 10) | (mant >> 13);
  uint32_t rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem == 0x1000 && (half & 1)))
    ++half;
  return uint16_t(half);
}

float halfToFloat(uint16_t h) {
  uint32_t sign = uint32_t(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1f;
  uint32_t mant = h & 0x3ff;
  uint32_t x;
  if (exp == 0) {
    if (mant == 0) {
      x = sign;
    } else {
      int e = -1;
      do {
        ++e;
        mant <<= 1;
      } while (!(mant & 0x400));
      x = sign | (uint32_t(127 - 15 - e) << 23) | ((mant & 0x3ff) << 13);
    }
  } else if (exp == 0x1f) {
    x = sign | 0x7f800000 | (mant << 13);
  } else {
    x = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &x, 4);
  return f;
}

uint16_t floatToBF16(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  if ((x & 0x7fffffff) > 0x7f800000)
    return uint16_t((x >> 16) | 0x40);
  uint32_t lsb = (x >> 16) & 1;
  x += 0x7fff + lsb;
  return uint16_t(x >> 16);
}

float bf16ToFloat(uint16_t b) {
  uint32_t x = uint32_t(b) << 16;
  float f;
  std::memcpy(&f, &x, 4);
  return f;
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
