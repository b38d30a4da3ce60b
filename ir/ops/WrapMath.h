//===- WrapMath.h - integer arithmetic that wraps, for the kernels -*- C++ -*-===//
//
// Private to ir/ops. Integer kernels wrap around on overflow (two's
// complement), as numpy and other runtimes' integer kernels do; signed
// overflow is undefined in C++, so every integer add, subtract, multiply
// and negate of a kernel goes through the unsigned type here. Floats are
// computed directly.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_IR_OPS_WRAPMATH_H
#define ONNTC_IR_OPS_WRAPMATH_H

#include <type_traits>

namespace onntc {

template <typename T> T wrapAdd(T a, T b) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>)
    return T(std::make_unsigned_t<T>(a) + std::make_unsigned_t<T>(b));
  else
    return T(a + b);
}
template <typename T> T wrapSub(T a, T b) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>)
    return T(std::make_unsigned_t<T>(a) - std::make_unsigned_t<T>(b));
  else
    return T(a - b);
}
template <typename T> T wrapMul(T a, T b) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>)
    return T(std::make_unsigned_t<T>(a) * std::make_unsigned_t<T>(b));
  else
    return T(a * b);
}
/// -x; for integers -INT_MIN == INT_MIN, as numpy gives.
template <typename T> T wrapNeg(T x) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>)
    return T(std::make_unsigned_t<T>(0) - std::make_unsigned_t<T>(x));
  else
    return -x;
}

} // namespace onntc

#endif
