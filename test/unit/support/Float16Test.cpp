//===- Float16Test.cpp - the one f32 <-> f16/bf16 conversion --------------===//
//
// Checks support/Float16.h against a reference that knows nothing of bit
// tricks: the nearest of all finite half values (found by search over the
// sorted table of every half), ties to the even bit pattern, and 65520 as
// the first value that overflows to infinity.
//
//===----------------------------------------------------------------------===//
#include "support/Float16.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

using namespace onntc;

namespace {

uint32_t bitsOf(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  return x;
}
float floatOf(uint32_t x) {
  float f;
  std::memcpy(&f, &x, 4);
  return f;
}

/// Value of a non-negative finite half, computed with ldexp.
double halfValue(uint16_t h) {
  int e = (h >> 10) & 0x1f;
  int m = h & 0x3ff;
  return e == 0 ? std::ldexp(double(m), -24)
                : std::ldexp(double(m | 0x400), e - 25);
}

/// Reference rounding of a finite or infinite non-NaN float to half bits.
uint16_t referenceHalf(float f) {
  static const std::vector<double> table = [] {
    std::vector<double> t;
    for (uint16_t h = 0; h < 0x7c00; ++h)
      t.push_back(halfValue(h));
    return t;
  }();
  uint16_t sign = std::signbit(f) ? 0x8000 : 0;
  double a = std::fabs(double(f));
  if (a >= 65520.0)
    return sign | 0x7c00;
  auto it = std::lower_bound(table.begin(), table.end(), a);
  size_t hi = size_t(it - table.begin());
  if (hi < table.size() && table[hi] == a)
    return uint16_t(sign | hi);
  // 0 < hi: a > 0 = table[0] here, and a < 65520 keeps hi in range or at
  // the end (a in (65504, 65520) rounds down).
  size_t lo = hi - 1;
  if (hi == table.size())
    return uint16_t(sign | lo);
  double dLo = a - table[lo], dHi = table[hi] - a;
  size_t pick = dLo < dHi ? lo : dHi < dLo ? hi : (lo % 2 == 0 ? lo : hi);
  return uint16_t(sign | pick);
}

uint16_t referenceBF16(float f) {
  // Round the f32 to 8 significant bits in double arithmetic (exact), ties
  // to even, through nearbyint in the default rounding mode.
  if (f == 0 || std::isinf(f))
    return uint16_t(bitsOf(f) >> 16);
  double r;
  if (std::fabs(f) < std::numeric_limits<float>::min()) {
    // f32 denormals: bf16 keeps the top 7 of their 23 bits (units 2^-133).
    r = std::ldexp(std::nearbyint(std::ldexp(double(f), 133)), -133);
  } else {
    int e;
    double m = std::frexp(double(f), &e); // |m| in [0.5, 1)
    r = std::ldexp(std::nearbyint(std::ldexp(m, 8)), e - 8);
  }
  if (std::fabs(r) > double(std::numeric_limits<float>::max()))
    return uint16_t((bitsOf(f) >> 16 & 0x8000) | 0x7f80);
  return uint16_t(bitsOf(float(r)) >> 16);
}

} // namespace

TEST_CASE("every half value survives f16 -> f32 -> f16", "[float16]") {
  for (uint32_t i = 0; i < 0x10000; ++i) {
    uint16_t h = uint16_t(i);
    float f = halfToFloat(h);
    bool nan = (h & 0x7c00) == 0x7c00 && (h & 0x3ff);
    if (nan) {
      // NaNs stay NaN with their sign; the result is quiet.
      REQUIRE(std::isnan(f));
      uint16_t back = floatToHalf(f);
      REQUIRE((back & 0x7c00) == 0x7c00);
      REQUIRE((back & 0x200) != 0);
      REQUIRE((back & 0x8000) == (h & 0x8000));
      REQUIRE((back & 0x1ff) == (h & 0x1ff));
      continue;
    }
    INFO("half 0x" << std::hex << i);
    if ((h & 0x7fff) == 0x7c00)
      REQUIRE(std::isinf(f));
    else
      REQUIRE(std::fabs(double(f)) == halfValue(h & 0x7fff));
    REQUIRE(std::signbit(f) == bool(h & 0x8000));
    REQUIRE(floatToHalf(f) == h);
  }
}

TEST_CASE("f32 -> f16 rounds to nearest even", "[float16]") {
  const float tiny = std::ldexp(1.0f, -24); // smallest denormal half
  struct Case {
    float in;
    uint16_t want;
  } cases[] = {
      {0.0f, 0x0000},
      {-0.0f, 0x8000},
      {1.0f, 0x3c00},
      {-2.0f, 0xc000},
      // Ties between 1 and the next half (1 + 2^-10): to even.
      {1.0f + std::ldexp(1.0f, -11), 0x3c00},
      {1.0f + 3 * std::ldexp(1.0f, -11), 0x3c02},
      {1.0f + std::ldexp(1.0f, -11) + std::ldexp(1.0f, -20), 0x3c01},
      // Rounding that carries into the exponent.
      {2.0f - std::ldexp(1.0f, -12), 0x4000},
      // Largest finite, the overflow threshold and beyond.
      {65504.0f, 0x7bff},
      {65519.996f, 0x7bff},
      {65520.0f, 0x7c00},
      {-65520.0f, 0xfc00},
      {1e10f, 0x7c00},
      {std::numeric_limits<float>::infinity(), 0x7c00},
      {-std::numeric_limits<float>::infinity(), 0xfc00},
      // Denormals: smallest, halfway to zero (tie to even = 0), just above,
      // a tie between 1 and 2 units (to 2), the largest denormal, and the
      // rounding up into the smallest normal.
      {tiny, 0x0001},
      {tiny / 2, 0x0000},
      {-tiny / 2, 0x8000},
      {std::nextafter(tiny / 2, 1.0f), 0x0001},
      {tiny * 1.5f, 0x0002},
      {tiny * 2.5f, 0x0002},
      {tiny * 1023, 0x03ff},
      {tiny * 1023.5f, 0x0400},
      {std::ldexp(1.0f, -14), 0x0400},
      // f32 denormals and the smallest f32 flush to signed zero.
      {std::numeric_limits<float>::denorm_min(), 0x0000},
      {-std::numeric_limits<float>::min(), 0x8000},
  };
  for (const Case &c : cases) {
    INFO("input " << c.in << " (0x" << std::hex << bitsOf(c.in) << ")");
    CHECK(floatToHalf(c.in) == c.want);
    CHECK(referenceHalf(c.in) == c.want);
  }
  uint16_t qnan = floatToHalf(std::numeric_limits<float>::quiet_NaN());
  CHECK((qnan & 0x7e00) == 0x7e00);
  uint16_t negNan = floatToHalf(-std::numeric_limits<float>::quiet_NaN());
  CHECK((negNan & 0xfe00) == 0xfe00);
  // A signalling f32 NaN whose payload sits in the low bits stays NaN.
  CHECK((floatToHalf(floatOf(0x7f800001)) & 0x7e00) == 0x7e00);
}

TEST_CASE("f32 -> f16 matches the nearest-value reference on a sweep",
          "[float16]") {
  // Every 997th f32 bit pattern (both signs, all exponents) and every f32
  // in the half range near ties: patterns whose low 13 bits are 0x1000 and
  // their neighbours.
  uint64_t checked = 0;
  for (uint64_t x = 0; x <= 0xffffffffull; x += 997) {
    float f = floatOf(uint32_t(x));
    if (std::isnan(f))
      continue;
    ++checked;
    if (floatToHalf(f) != referenceHalf(f)) {
      INFO("f32 bits 0x" << std::hex << x);
      REQUIRE(floatToHalf(f) == referenceHalf(f));
    }
  }
  for (uint32_t e = 100; e <= 143; ++e)
    for (uint32_t m = 0; m < (1u << 23); m += 0x2000 + 7)
      for (uint32_t d : {0x0fffu, 0x1000u, 0x1001u}) {
        uint32_t x = (e << 23) | ((m & ~0x1fffu) + d);
        float f = floatOf(x);
        ++checked;
        if (floatToHalf(f) != referenceHalf(f)) {
          INFO("f32 bits 0x" << std::hex << x);
          REQUIRE(floatToHalf(f) == referenceHalf(f));
        }
      }
  CHECK(checked > 4000000);
}

TEST_CASE("bfloat16 conversions", "[float16]") {
  for (uint32_t i = 0; i < 0x10000; ++i) {
    uint16_t b = uint16_t(i);
    float f = bf16ToFloat(b);
    REQUIRE(bitsOf(f) == uint32_t(b) << 16);
    if (std::isnan(f))
      REQUIRE((floatToBF16(f) & 0x7fc0) == 0x7fc0);
    else
      REQUIRE(floatToBF16(f) == b);
  }
  // Ties to even, overflow of the rounding to infinity, NaN stays NaN.
  CHECK(floatToBF16(floatOf(0x3f808000)) == 0x3f80);
  CHECK(floatToBF16(floatOf(0x3f818000)) == 0x3f82);
  CHECK(floatToBF16(floatOf(0x3f808001)) == 0x3f81);
  CHECK(floatToBF16(floatOf(0x7f7fffff)) == 0x7f80);
  CHECK(floatToBF16(floatOf(0x00008000)) == 0x0000);
  CHECK(floatToBF16(floatOf(0x00018000)) == 0x0002);
  CHECK((floatToBF16(floatOf(0x7f800001)) & 0x7fc0) == 0x7fc0);
  for (uint64_t x = 0; x <= 0xffffffffull; x += 1009) {
    float f = floatOf(uint32_t(x));
    if (std::isnan(f))
      continue;
    if (floatToBF16(f) != referenceBF16(f)) {
      INFO("f32 bits 0x" << std::hex << x);
      REQUIRE(floatToBF16(f) == referenceBF16(f));
    }
  }
}
