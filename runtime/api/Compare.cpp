//===- Compare.cpp - bmrt_test output comparison --------------------------===//
#include "Compare.h"

#include "llvm/Support/Format.h"

#include <cmath>
#include <cstring>

using namespace onntc;
using namespace onntc::bmrt;
using runtime::DType;

static float halfToFloat(uint16_t h) {
  uint32_t sign = uint32_t(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1f, man = h & 0x3ff, bits;
  if (exp == 0) {
    if (man == 0) {
      bits = sign;
    } else {
      // Subnormal: normalise.
      int e = -1;
      do {
        ++e;
        man <<= 1;
      } while (!(man & 0x400));
      bits = sign | uint32_t(127 - 15 - e) << 23 | (man & 0x3ff) << 13;
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | man << 13;
  } else {
    bits = sign | (exp + 127 - 15) << 23 | man << 13;
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

bool bmrt::isFloatType(DType t) {
  return t == DType::F32 || t == DType::F16 || t == DType::BF16;
}

double bmrt::elementAt(llvm::ArrayRef<uint8_t> b, DType t, uint64_t i) {
  auto le = [&](unsigned n) {
    uint64_t v = 0;
    for (unsigned k = 0; k < n; ++k)
      v |= uint64_t(b[i * n + k]) << (8 * k);
    return v;
  };
  switch (t) {
  case DType::F32: {
    uint32_t u = uint32_t(le(4));
    float f;
    std::memcpy(&f, &u, 4);
    return f;
  }
  case DType::F16:
    return halfToFloat(uint16_t(le(2)));
  case DType::BF16: {
    uint32_t u = uint32_t(le(2)) << 16;
    float f;
    std::memcpy(&f, &u, 4);
    return f;
  }
  case DType::I8:
    return int8_t(le(1));
  case DType::U8:
    return uint8_t(le(1));
  case DType::I16:
    return int16_t(le(2));
  case DType::U16:
    return uint16_t(le(2));
  case DType::I32:
    return int32_t(le(4));
  case DType::U32:
    return uint32_t(le(4));
  case DType::I4:
  case DType::U4: {
    uint8_t byte = b[i / 2];
    int v = (i % 2) ? byte >> 4 : byte & 0xf;
    if (t == DType::I4 && v >= 8)
      v -= 16;
    return v;
  }
  }
  return 0;
}

uint64_t bmrt::compareTensor(const runtime::Tensor &got,
                             llvm::ArrayRef<uint8_t> exp, const Tolerance &tol,
                             llvm::StringRef label, llvm::raw_ostream &os) {
  const unsigned kMaxPrinted = 30;
  uint64_t n = got.elementCount(), errors = 0;
  bool isFloat = isFloatType(got.dtype);
  for (uint64_t i = 0; i < n; ++i) {
    double e = elementAt(exp, got.dtype, i);
    double g = elementAt(got.data, got.dtype, i);
    if (isFloat) {
      bool bad;
      const char *kind;
      if (std::isnan(e) || std::isnan(g)) {
        bad = std::isnan(e) != std::isnan(g);
        kind = "nan";
      } else {
        double m = std::max(std::fabs(e), std::fabs(g));
        double diff = std::fabs(e - g);
        if (m > 1.0) {
          bad = diff / m > tol.f;
          kind = "rel";
        } else {
          bad = diff > tol.f;
          kind = "abs";
        }
      }
      if (!bad)
        continue;
      if (errors++ < kMaxPrinted)
        os << label << " " << kind << " warning at index " << i
           << llvm::format(" exp %.20f got %.20f\n", e, g);
    } else {
      int64_t ei = int64_t(e), gi = int64_t(g);
      int64_t diff = ei > gi ? ei - gi : gi - ei;
      if (diff <= tol.i)
        continue;
      if (errors++ < kMaxPrinted)
        os << label
           << llvm::format(" error at index %3llu: [exp %3lld, got %3lld] "
                           "diff=%2lld (delta=%d)\n",
                           (unsigned long long)i, (long long)ei, (long long)gi,
                           (long long)(ei - gi), tol.i);
    }
  }
  if (errors > kMaxPrinted)
    os << label << " ... " << errors << " mismatches in total (first "
       << kMaxPrinted << " shown)\n";
  return errors;
}
