//===- TestUtil.h - helpers shared by the cmodel tests ----------*- C++ -*-===//
#ifndef ONNTC_TEST_UNIT_CMODEL_TESTUTIL_H
#define ONNTC_TEST_UNIT_CMODEL_TESTUTIL_H

#include "isa/Encoding.h"
#include "runtime/cmodel/CModel.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <string>
#include <vector>

namespace testutil {

using namespace onntc::isa;
using onntc::cmodel::CModel;

inline std::vector<double> randomValues(size_t n, unsigned seed, double lo = -1,
                                        double hi = 1) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d{float(lo), float(hi)};
  std::vector<double> v(n);
  for (double &x : v)
    x = d(rng);
  return v;
}

inline std::vector<double> randomInts(size_t n, unsigned seed, int lo, int hi) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> d(lo, hi);
  std::vector<double> v(n);
  for (double &x : v)
    x = d(rng);
  return v;
}

/// Fails the test with the message of an Error.
inline void requireOk(llvm::Error e) {
  if (e) {
    std::string m = llvm::toString(std::move(e));
    FAIL(m);
  }
}

template <class T> T requireOk(llvm::Expected<T> v) {
  if (!v) {
    std::string m = llvm::toString(v.takeError());
    FAIL(m);
  }
  return std::move(*v);
}

/// Expects an Error whose text contains `needle`.
inline void requireError(llvm::Error e, const std::string &needle) {
  REQUIRE(static_cast<bool>(e));
  std::string m = llvm::toString(std::move(e));
  INFO(m);
  CHECK(m.find(needle) != std::string::npos);
}

/// Writes a local tensor in a standard layout.
inline void put(CModel &m, uint32_t addr, Shape4 s, DType dt, LocalLayout l,
                const std::vector<double> &v) {
  const TargetInfo &t = m.target();
  requireOk(onntc::cmodel::writeLocalTensor(
      t, m.local(), addr, s, localStrides(t, s, dt, l, localLane(t, addr)), dt,
      v));
}

inline std::vector<double> get(CModel &m, uint32_t addr, Shape4 s, DType dt,
                               LocalLayout l) {
  const TargetInfo &t = m.target();
  return requireOk(onntc::cmodel::readLocalTensor(
      t, m.local(), addr, s, localStrides(t, s, dt, l, localLane(t, addr)),
      dt));
}

/// A strided local operand in a standard layout.
inline LocalOperand operand(const TargetInfo &t, uint32_t addr, Shape4 s,
                            DType dt, LocalLayout l = LocalLayout::AlignEU) {
  LocalOperand o;
  o.addr = addr;
  o.dtype = dt;
  o.stride = localStrides(t, s, dt, l, localLane(t, addr));
  return o;
}

inline void checkClose(const std::vector<double> &got,
                       const std::vector<double> &want, double tol) {
  REQUIRE(got.size() == want.size());
  double worst = 0;
  size_t at = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    double d = std::fabs(got[i] - want[i]) / std::max(1.0, std::fabs(want[i]));
    if (!(d <= worst)) {
      worst = d;
      at = i;
    }
  }
  INFO("worst relative error " << worst << " at " << at << ": got " << got[at]
                               << " want " << want[at]);
  CHECK(worst <= tol);
}

inline Command bdc(Command::Body b, uint32_t id = 1, uint32_t dep = 0,
                   uint32_t tag = 0) {
  return Command{CmdHeader{id, dep, tag}, std::move(b)};
}

} // namespace testutil

#endif
