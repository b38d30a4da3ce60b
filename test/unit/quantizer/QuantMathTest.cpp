//===- QuantMathTest.cpp - multiplier/shift against the chip's requant ----===//
#include "QuantizerTestUtil.h"

#include "quantizer/QuantMath.h"

// The chip's arithmetic, as the cmodel executes it (read-only use).
#include "isa/Requant.h"

#include <cmath>
#include <random>

using namespace onntc;

TEST_CASE("requant parameters reproduce the real scale through the chip's math") {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> logScale(-20, 4);
  std::uniform_int_distribution<int64_t> accDist(-(int64_t(1) << 24),
                                                 int64_t(1) << 24);
  for (int i = 0; i < 2000; ++i) {
    double real = std::pow(2.0, logScale(rng));
    RequantParams p = requantFromScale(real);
    INFO("scale " << real << " -> " << p.multiplier << " >> " << p.shift);
    REQUIRE(p.multiplier >= (1 << 30));
    REQUIRE(std::fabs(double(p.multiplier) * std::ldexp(1.0, -p.shift) - real) <=
            real * std::ldexp(1.0, -30));
    for (int k = 0; k < 20; ++k) {
      int64_t acc = accDist(rng);
      int64_t got = isa::requantValue(acc, p.multiplier, p.shift, 0);
      // Round-half-up of acc * real, up to the 2^-30 relative scale error.
      double want = double(acc) * real;
      REQUIRE(std::fabs(double(got) - want) <= 0.5 + std::fabs(want) * 1e-9 + 1e-9);
    }
  }
}

TEST_CASE("requant parameters: exact powers of two and edge cases") {
  RequantParams half = requantFromScale(0.5);
  CHECK(half.multiplier == 1 << 30);
  CHECK(half.shift == 31);
  // Ties round up (towards +inf), as the chip's rounding shift does.
  CHECK(isa::requantValue(3, half.multiplier, half.shift, 0) == 2);
  CHECK(isa::requantValue(-3, half.multiplier, half.shift, 0) == -1);
  CHECK(isa::requantValue(5, half.multiplier, half.shift, -4) == -1);
  RequantParams big = requantFromScale(3.0);
  CHECK(isa::requantValue(7, big.multiplier, big.shift, 0) == 21);
  RequantParams none = requantFromScale(0);
  CHECK(none.multiplier == 0);
  CHECK(requantFromScale(-1).multiplier == 0);
  CHECK(requantFromScale(NAN).multiplier == 0);
  RequantParams tiny = requantFromScale(std::ldexp(1.0, -70));
  CHECK(tiny.shift == 62);
  CHECK(tiny.multiplier == 0);
  RequantParams small = requantFromScale(std::ldexp(1.0, -40));
  CHECK(small.shift <= 62);
  CHECK(double(small.multiplier) * std::ldexp(1.0, -small.shift) ==
        Approx(std::ldexp(1.0, -40)).epsilon(1e-6));
}
