//===- QuantMath.cpp - real scale -> multiplier and shift -----------------===//
#include "quantizer/QuantMath.h"

#include <cmath>

namespace onntc {

RequantParams requantFromScale(double real) {
  if (!(real > 0) || !std::isfinite(real))
    return {};
  int exp = 0;
  double mant = std::frexp(real, &exp); // real = mant * 2^exp, mant in [0.5, 1)
  int64_t m = std::llround(mant * double(int64_t(1) << 31));
  int shift = 31 - exp;
  if (m == (int64_t(1) << 31)) { // mantissa rounded up to 1.0
    m >>= 1;
    --shift;
  }
  if (shift < -32) // Larger than 2^63: saturate to the largest factor.
    return {int32_t((int64_t(1) << 31) - 1), -32};
  if (shift > 62) // Keep the product within 64 bits: fewer mantissa bits.
    return {int32_t(std::llround(std::ldexp(real, 62))), 62};
  return {int32_t(m), shift};
}

} // namespace onntc
