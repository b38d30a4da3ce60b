//===- Float16.h - IEEE half and bfloat16 conversions -----------*- C++ -*-===//
//
// The one conversion between f32 and the two 16-bit float formats, used by
// the reference interpreter (ir/), the cmodel (runtime/cmodel) and the
// runtime's comparison, so the chip simulator and the reference round
// identically. Narrowing rounds to nearest, ties to even; values at or above
// the largest finite value plus half an ulp become infinity; results below
// the normal range become denormals (or signed zero); NaN stays a quiet NaN
// with the sign and the upper payload bits kept. Widening is exact.
//
// Header-only and free of project includes: support/ is the lowest floor.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_SUPPORT_FLOAT16_H
#define ONNTC_SUPPORT_FLOAT16_H

#include <cstdint>
#include <cstring>

namespace onntc {

namespace float16_detail {
inline uint32_t bitsOf(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  return x;
}
inline float floatOf(uint32_t x) {
  float f;
  std::memcpy(&f, &x, 4);
  return f;
}
/// value >> shift rounded to nearest, ties to even (shift in 1..31).
inline uint32_t shiftRoundEven(uint32_t value, unsigned shift) {
  uint32_t q = value >> shift;
  uint32_t rem = value & ((1u << shift) - 1);
  uint32_t half = 1u << (shift - 1);
  if (rem > half || (rem == half && (q & 1)))
    ++q;
  return q;
}
} // namespace float16_detail

/// f32 -> IEEE binary16 bits, round to nearest even.
inline uint16_t floatToHalf(float f) {
  using namespace float16_detail;
  uint32_t x = bitsOf(f);
  uint32_t sign = (x >> 16) & 0x8000;
  uint32_t a = x & 0x7fffffff;
  if (a > 0x7f800000) // NaN: quiet, upper payload bits kept
    return uint16_t(sign | 0x7e00 | ((a >> 13) & 0x3ff));
  if (a >= 0x477ff000) // >= 65520 (65504 + half an ulp) and Inf
    return uint16_t(sign | 0x7c00);
  uint32_t exp = a >> 23;
  uint32_t mant = (a & 0x7fffff) | 0x800000;
  if (exp < 113) { // below 2^-14: a denormal in units of 2^-24, or zero
    if (exp < 102) // below 2^-25: rounds to zero
      return uint16_t(sign);
    // Rounding up to 0x400 gives the smallest normal, as it should.
    return uint16_t(sign | shiftRoundEven(mant, 126 - exp));
  }
  // Normal: the carry of the rounding may move into the exponent.
  uint32_t h = ((exp - 112) << 10) + shiftRoundEven(mant, 13) - 0x400;
  return uint16_t(sign | h);
}

/// IEEE binary16 bits -> f32 (exact).
inline float halfToFloat(uint16_t h) {
  using namespace float16_detail;
  uint32_t sign = uint32_t(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1f;
  uint32_t mant = h & 0x3ff;
  if (exp == 0x1f) // Inf, NaN (payload kept)
    return floatOf(sign | 0x7f800000 | (mant << 13));
  if (exp != 0)
    return floatOf(sign | ((exp + 112) << 23) | (mant << 13));
  if (mant == 0)
    return floatOf(sign);
  // Denormal: normalise.
  uint32_t e = 113;
  while (!(mant & 0x400)) {
    mant <<= 1;
    --e;
  }
  return floatOf(sign | (e << 23) | ((mant & 0x3ff) << 13));
}

/// f32 -> bfloat16 bits, round to nearest even; NaN stays a quiet NaN.
inline uint16_t floatToBF16(float f) {
  using namespace float16_detail;
  uint32_t x = bitsOf(f);
  if ((x & 0x7fffffff) > 0x7f800000)
    return uint16_t((x >> 16) | 0x40);
  return uint16_t((x + 0x7fff + ((x >> 16) & 1)) >> 16);
}

/// bfloat16 bits -> f32 (exact).
inline float bf16ToFloat(uint16_t b) {
  return float16_detail::floatOf(uint32_t(b) << 16);
}

} // namespace onntc

#endif
