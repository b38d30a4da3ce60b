#include "ir/Types.h"

#include "llvm/Support/ErrorHandling.h"

namespace onntc {

size_t dtypeSize(DType t) {
  switch (t) {
  case DType::F32: return 4;
  case DType::F16: return 2;
  case DType::BF16: return 2;
  case DType::I8: return 1;
  case DType::U8: return 1;
  case DType::I16: return 2;
  case DType::U16: return 2;
  case DType::I32: return 4;
  case DType::I64: return 8;
  case DType::Bool: return 1;
  }
  llvm_unreachable("bad dtype");
}

llvm::StringRef dtypeName(DType t) {
  switch (t) {
  case DType::F32: return "f32";
  case DType::F16: return "f16";
  case DType::BF16: return "bf16";
  case DType::I8: return "i8";
  case DType::U8: return "u8";
  case DType::I16: return "i16";
  case DType::U16: return "u16";
  case DType::I32: return "i32";
  case DType::I64: return "i64";
  case DType::Bool: return "bool";
  }
  llvm_unreachable("bad dtype");
}

std::optional<DType> parseDType(llvm::StringRef s) {
  for (DType t : {DType::F32, DType::F16, DType::BF16, DType::I8, DType::U8,
                  DType::I16, DType::U16, DType::I32, DType::I64, DType::Bool})
    if (dtypeName(t) == s)
      return t;
  return std::nullopt;
}

bool isFloat(DType t) {
  return t == DType::F32 || t == DType::F16 || t == DType::BF16;
}

bool isSignedInt(DType t) {
  return t == DType::I8 || t == DType::I16 || t == DType::I32 ||
         t == DType::I64;
}

bool Shape::isStatic() const {
  for (int64_t d : dims_)
    if (d < 0)
      return false;
  return true;
}

int64_t Shape::numElements() const {
  int64_t n = 1;
  for (int64_t d : dims_) {
    if (d < 0)
      return -1;
    n *= d;
  }
  return n;
}

std::string Shape::str() const {
  std::string out;
  for (size_t i = 0; i < dims_.size(); ++i) {
    if (i)
      out += 'x';
    out += dims_[i] < 0 ? std::string("?") : std::to_string(dims_[i]);
  }
  return out;
}

std::string TensorType::str() const {
  std::string out = "tensor<";
  if (shape.rank()) {
    out += shape.str();
    out += 'x';
  }
  out += dtypeName(dtype).str();
  out += '>';
  return out;
}

llvm::raw_ostream &operator<<(llvm::raw_ostream &os, const Shape &s) {
  return os << s.str();
}
llvm::raw_ostream &operator<<(llvm::raw_ostream &os, const TensorType &t) {
  return os << t.str();
}

} // namespace onntc
