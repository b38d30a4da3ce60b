//===- IntMath.h - the integer requant arithmetic, once --------*- C++ -*-===//
//
// Floor 0: the rounding shift and requant core of the INT8 commands. The
// cmodel executes them through isa/Requant.h, the IR's INT8 reference
// kernels (ir/ops/Quant.cpp) and the quantizer use them directly, so the
// chip and the reference round the same way by construction.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_SUPPORT_INTMATH_H
#define ONNTC_SUPPORT_INTMATH_H

#include <cstdint>

namespace onntc {
namespace support {

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

/// The float -> integer quantization of the quantize op and the cast
/// command: round-half-to-even of x * mul computed in f32 (mul is the f32
/// of 1 / scale), plus zp, saturated to [lo, hi]; NaN gives zp.
inline int64_t quantizeF32(float x, float mul, int64_t zp, int64_t lo,
                           int64_t hi) {
  float p = x * mul;
  if (p != p)
    return zp < lo ? lo : zp > hi ? hi : zp;
  double r = __builtin_nearbyint(double(p));
  if (r > 4.0e18)
    r = 4.0e18;
  if (r < -4.0e18)
    r = -4.0e18;
  int64_t v = int64_t(r) + zp;
  return v < lo ? lo : v > hi ? hi : v;
}

/// Clamps v into [lo, hi].
inline int64_t clampInt(int64_t v, int64_t lo, int64_t hi) {
  return v < lo ? lo : v > hi ? hi : v;
}

} // namespace support
} // namespace onntc

#endif
