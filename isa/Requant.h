//===- Requant.h - integer arithmetic the commands define -------*- C++ -*-===//
//
// The INT8 semantics of BDC commands, written once: the cmodel executes
// them and the backend/quantizer use them to predict results bit for bit.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_ISA_REQUANT_H
#define ONNTC_ISA_REQUANT_H

#include "isa/Target.h"

#include "support/IntMath.h"

#include <cmath>
#include <cstdint>

namespace onntc {
namespace isa {

using support::requantValue;
using support::roundingShift;

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
