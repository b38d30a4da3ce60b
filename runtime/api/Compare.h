//===- Compare.h - bmrt_test output comparison ------------------*- C++ -*-===//
#ifndef ONNTC_TOOLS_BMRT_TEST_COMPARE_H
#define ONNTC_TOOLS_BMRT_TEST_COMPARE_H

#include "runtime/api/Runtime.h"

#include "llvm/Support/raw_ostream.h"

#include <string>

namespace onntc {
namespace bmrt {

/// Tolerances of --accuracy_f / --accuracy_i.
struct Tolerance {
  float f = 0.01f;
  int i = 0;
};

/// Compares `got` with the reference bytes `exp` (same dtype and element
/// count) as the SDK's bmrt_test does: floats (f32/f16/bf16) use a relative
/// error when max(|exp|, |got|) > 1 and an absolute error otherwise, NaN
/// mismatches count; integers use |exp - got| > accuracy_i. Prints up to 30
/// mismatches, each line starting with `label`. Returns the mismatch count.
uint64_t compareTensor(const runtime::Tensor &got, llvm::ArrayRef<uint8_t> exp,
                       const Tolerance &tol, llvm::StringRef label,
                       llvm::raw_ostream &os);

/// Element i of raw bytes of dtype t as double (int4 unpacked low nibble
/// first).
double elementAt(llvm::ArrayRef<uint8_t> bytes, runtime::DType t, uint64_t i);
bool isFloatType(runtime::DType t);

} // namespace bmrt
} // namespace onntc

#endif
