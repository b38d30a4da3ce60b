//===- QuantMath.h - real scales as the chip's integer requant --*- C++ -*-===//
//
// The BDC INT8 commands rescale an accumulator as
// roundingShift(acc * multiplier, shift) + zp (docs/isa.md section 6,
// isa/Requant.h, which executes it). A quantize pass needs the
// inverse: the (multiplier, shift) that best represents a real rescale
// factor such as in_scale * w_scale / out_scale. Written here, next to the
// scales it converts, until the requant math moves to one shared file.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_QUANTIZER_QUANTMATH_H
#define ONNTC_QUANTIZER_QUANTMATH_H

#include <cstdint>

namespace onntc {

struct RequantParams {
  int32_t multiplier = 0;
  int shift = 0; ///< Right shift; negative shifts left.
};

/// The (multiplier, shift) with multiplier in [2^30, 2^31) (31 significant
/// bits) and real ~= multiplier * 2^-shift, relative error below 2^-31.
/// Shifts are kept within [-32, 62] so that acc * multiplier (acc within
/// 32 bits) never overflows 64 bits: tiny scales lose mantissa bits, scales
/// below 2^-62 give multiplier 0. `real` <= 0 or not finite gives {0, 0}.
RequantParams requantFromScale(double real);

} // namespace onntc

#endif
