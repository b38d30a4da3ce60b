//===- CompareTest.cpp - comparison rules and context-dir checks ----------===//
#include "TestModels.h"

#include "runtime/api/Compare.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>

using namespace onntc;
using namespace onntc::runtime;
using namespace onntc::testmodels;

namespace {

std::vector<uint8_t> f32Bytes(const std::vector<float> &v) {
  std::vector<uint8_t> b(v.size() * 4);
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

uint64_t cmp(const Tensor &got, const std::vector<uint8_t> &exp, Tolerance tol,
             std::string *text = nullptr) {
  std::string s;
  llvm::raw_string_ostream os(s);
  uint64_t n = compareTensor(got, exp, tol, "out:", os);
  if (text)
    *text = os.str();
  return n;
}

} // namespace

TEST_CASE("float comparison: relative above 1, absolute below",
          "[runtime][compare]") {
  Tolerance tol; // 0.01
  Tensor got = f32Tensor({4}, {100.5f, 0.5f, 2.0f, 0.0f});
  // 100.5 vs 100: rel 0.005 ok; 0.5 vs 0.509: abs 0.009 ok; 2 vs 2.03: rel
  // 0.0148 bad; 0 vs 0.02: abs 0.02 bad.
  std::string text;
  CHECK(cmp(got, f32Bytes({100.0f, 0.509f, 2.03f, 0.02f}), tol, &text) == 2);
  CHECK(text.find("out: rel warning at index 2 exp 2.0299999713897705078") !=
        std::string::npos);
  CHECK(text.find("out: abs warning at index 3 exp 0.01999999955296516418") !=
        std::string::npos);
  tol.f = 0.05f;
  CHECK(cmp(got, f32Bytes({100.0f, 0.509f, 2.03f, 0.02f}), tol) == 0);
  // NaN on one side only is a mismatch; on both sides it is not.
  Tensor nan = f32Tensor({2}, {NAN, NAN});
  CHECK(cmp(nan, f32Bytes({NAN, 1.0f}), tol, &text) == 1);
  CHECK(text.find("nan warning at index 1") != std::string::npos);
}

TEST_CASE("integer and half comparison", "[runtime][compare]") {
  Tensor got(DType::I8, {3});
  got.data = {uint8_t(int8_t(-5)), 7, 127};
  std::vector<uint8_t> exp = {uint8_t(int8_t(-4)), 7, uint8_t(int8_t(-128))};
  Tolerance tol;
  std::string text;
  CHECK(cmp(got, exp, tol, &text) == 2);
  CHECK(text.find("out: error at index   0: [exp  -4, got  -5] diff= 1 "
                  "(delta=0)") != std::string::npos);
  tol.i = 1;
  CHECK(cmp(got, exp, tol) == 1);
  // f16: 1.0 = 0x3c00, 1.5 = 0x3e00, -2 = 0xc000.
  Tensor h(DType::F16, {3});
  h.data = {0x00, 0x3c, 0x00, 0x3e, 0x00, 0xc0};
  CHECK(elementAt(h.data, DType::F16, 1) == 1.5);
  CHECK(elementAt(h.data, DType::F16, 2) == -2.0);
  CHECK(cmp(h, {0x00, 0x3c, 0x00, 0x3e, 0x00, 0xc0}, Tolerance()) == 0);
  CHECK(cmp(h, {0x00, 0x3c, 0x00, 0x3c, 0x00, 0xc0}, Tolerance()) == 1);
  // int4: low nibble first, signed.
  std::vector<uint8_t> i4 = {0xf7};
  CHECK(elementAt(i4, DType::I4, 0) == 7);
  CHECK(elementAt(i4, DType::I4, 1) == -1);
  CHECK(elementAt(i4, DType::U4, 1) == 15);
}

TEST_CASE("at most 30 mismatch lines are printed", "[runtime][compare]") {
  std::vector<float> zeros(50, 0.0f), ones(50, 1.0f);
  std::string text;
  CHECK(cmp(f32Tensor({50}, zeros), f32Bytes(ones), Tolerance(), &text) == 50);
  CHECK(std::count(text.begin(), text.end(), '\n') == 31);
  CHECK(text.find("50 mismatches in total (first 30 shown)") !=
        std::string::npos);
}

TEST_CASE("checkContextDir runs every stage against the ref files",
          "[runtime][compare]") {
  const isa::TargetInfo &t = isa::getBM1684XTarget();
  SampleModel m = makeModel(t);
  addAddReluNet(m, t, "addrelu", {{1, 4, 4, 4}, {1, 4, 8, 8}}, 11);
  addConvNet(m, t, "conv", 21);
  addInt8AddNet(m, t, "qadd", 41);
  llvm::SmallString<128> dir;
  REQUIRE_FALSE(llvm::sys::fs::createUniqueDirectory("rtcheck", dir));
  if (llvm::Error e = writeContextDir(m, dir))
    FAIL(llvm::toString(std::move(e)));
  std::string log;
  llvm::raw_string_ostream os(log);
  auto r = checkContextDir(dir, Tolerance(), os);
  if (!r)
    FAIL(llvm::toString(r.takeError()));
  REQUIRE(r->size() == 4);
  for (const StageCheck &c : *r) {
    INFO(c.net << " " << c.stage);
    CHECK(c.mismatches == 0);
    CHECK(c.profile.totalCycles > 0);
  }
  CHECK((*r)[1].stage == 1);
  CHECK(os.str().empty());

  // Corrupt the int8 output (the last 128 bytes): mismatches, not an error.
  llvm::SmallString<128> out(dir);
  llvm::sys::path::append(out, "output_ref_data.dat");
  {
    std::fstream f(out.c_str(),
                   std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(256 + 1024 + 300 + 3);
    f.put(char(99));
  }
  r = checkContextDir(dir, Tolerance(), os);
  REQUIRE(static_cast<bool>(r));
  CHECK((*r)[3].mismatches == 1);
  CHECK((*r)[0].mismatches == 0);
  CHECK(os.str().find("output #0 'qy': error at index   3") !=
        std::string::npos);

  // A short input file and a missing one are errors naming the file.
  llvm::SmallString<128> in(dir);
  llvm::sys::path::append(in, "input_ref_data.dat");
  {
    std::ofstream f(in.c_str(), std::ios::binary | std::ios::trunc);
    f << std::string(100, 'x');
  }
  std::string msg =
      llvm::toString(checkContextDir(dir, Tolerance(), os).takeError());
  CHECK(msg.find("input_ref_data.dat has 100 bytes") != std::string::npos);
  REQUIRE_FALSE(llvm::sys::fs::remove(in));
  msg = llvm::toString(checkContextDir(dir, Tolerance(), os).takeError());
  CHECK(msg.find("cannot open") != std::string::npos);
  llvm::sys::fs::remove_directories(dir);
}

TEST_CASE("the number of outputs is compared", "[runtime][compare]") {
  const isa::TargetInfo &t = isa::getBM1684XTarget();
  SampleModel m = makeModel(t);
  addAddReluNet(m, t, "addrelu", {{1, 4, 4, 4}}, 11);
  llvm::SmallString<128> dir;
  REQUIRE_FALSE(llvm::sys::fs::createUniqueDirectory("rtcount", dir));
  if (llvm::Error e = writeContextDir(m, dir))
    FAIL(llvm::toString(std::move(e)));
  llvm::SmallString<128> path(dir);
  llvm::sys::path::append(path, "compilation.bmodel");
  Context ctx;
  if (llvm::Error e = ctx.loadBModel(path))
    FAIL(llvm::toString(std::move(e)));
  RefLayout l = computeRefLayout(ctx);
  REQUIRE(l.outBytes.size() == 1);
  uint64_t outBytes = l.outBytes[0];

  // A run that returns fewer outputs than the net declares is a mismatch,
  // even though every output it did return matches.
  std::vector<uint8_t> ref(outBytes, 0);
  std::string text;
  llvm::raw_string_ostream os(text);
  CHECK(compareOutputs(ctx, l, 0, 0, {}, ref, Tolerance(), os) == 1);
  CHECK(os.str().find("net 'addrelu' stage 0 declares 1 outputs but the run "
                      "returned 0") != std::string::npos);

  // Reference data with an output more than the bmodel returns is an error,
  // as is one with less; the exact size passes.
  llvm::Error exact = checkRefSizes(l, 0, UINT64_MAX, outBytes, dir);
  CHECK_FALSE(static_cast<bool>(exact));
  llvm::consumeError(std::move(exact));
  std::string msg =
      llvm::toString(checkRefSizes(l, 0, UINT64_MAX, outBytes + 4, dir));
  CHECK(msg.find("the reference holds more or larger outputs than the bmodel "
                 "returns") != std::string::npos);
  msg = llvm::toString(checkRefSizes(l, 0, UINT64_MAX, outBytes - 4, dir));
  CHECK(msg.find("output_ref_data.dat has") != std::string::npos);
  llvm::sys::fs::remove_directories(dir);
}
