//===- Requant.h - integer arithmetic the commands define -------*- C++ -*-===//
//
// The INT8 semantics of BDC commands, written once: the cmodel executes
// them and the backend/quantizer use them to predict results bit for bit.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_ISA_REQUANT_H
#define ONNTC_ISA_REQUANT_H

#include "isa/Target.h"

#include <cmath>
#include <cstdint>

namespace onntc {
namespace isa {

/// Arithmetic right shift by `shift` rounding half up (towards +inf):
/// (v + 2^(shift-1)) >> shift. A negative shift shifts left, saturating to
/// the int64 range. Defined for every shift a descriptor can hold: a right
/// shift of 64 or more rounds every int64 to 0.
inline int64_t roundingShift(int64_t v, int shift) {
  if (shift <= 0) {
    if (v == 0)
      return 0;
    if (shift < -62)
      return v > 0 ? INT64_MAX : INT64_MIN;
    __int128 r = __int128(v) * (__int128(1) << (-shift));
    if (r > INT64_MAX)
      return INT64_MAX;
    if (r < INT64_MIN)
      return INT64_MIN;
    return int64_t(r);
  }
  if (shift >= 64)
    return 0;
  return int64_t((__int128(v) + (__int128(1) << (shift - 1))) >> shift);
}

/// The requant core: roundingShift(acc * multiplier, shift) + zp, before
/// saturation (computed wide, so no intermediate overflows; results outside
/// int64 saturate).
inline int64_t requantValue(int64_t acc, int32_t multiplier, int shift,
                            int32_t zp) {
  __int128 p = __int128(acc) * multiplier;
  int64_t q = p > INT64_MAX ? INT64_MAX
              : p < INT64_MIN ? INT64_MIN
                              : int64_t(p);
  __int128 r = __int128(roundingShift(q, shift)) + zp;
  return r > INT64_MAX ? INT64_MAX : r < INT64_MIN ? INT64_MIN : int64_t(r);
}

/// Smallest and largest value of an integer dtype (f32/f16/bf16: +-inf).
inline double dtypeMin(DType t) {
  switch (t) {
  case DType::I8:
    return -128;
  case DType::U8:
  case DType::U16:
  case DType::U32:
    return 0;
  case DType::I16:
    return -32768;
  case DType::I32:
    return -2147483648.0;
  case DType::F32:
  case DType::F16:
  case DType::BF16:
    return -INFINITY;
  }
  return 0;
}
inline double dtypeMax(DType t) {
  switch (t) {
  case DType::I8:
    return 127;
  case DType::U8:
    return 255;
  case DType::I16:
    return 32767;
  case DType::U16:
    return 65535;
  case DType::I32:
    return 2147483647.0;
  case DType::U32:
    return 4294967295.0;
  case DType::F32:
  case DType::F16:
  case DType::BF16:
    return INFINITY;
  }
  return 0;
}

/// Clamps an integer result into the range of t.
inline int64_t saturate(int64_t v, DType t) {
  double lo = dtypeMin(t), hi = dtypeMax(t);
  if (double(v) < lo)
    return int64_t(lo);
  if (double(v) > hi)
    return int64_t(hi);
  return v;
}

} // namespace isa
} // namespace onntc

#endif
