//===- ParserTest.cpp - ProgramDesc and LoDTensor parsing -----------------===//

#include "PaddleTestUtil.h"

using namespace onntc;
using namespace onntc::test;

TEST_CASE("a LoDTensor record round-trips, with and without LoD levels",
          "[paddle]") {
  Tensor t = ramp(Shape{2, 3});
  for (uint64_t levels : {0u, 2u}) {
    std::string rec = lodTensorRecord(t, PaddleVarType::FP32, levels);
    size_t pos = 0;
    auto r = readPaddleLoDTensor(bytes(rec), pos, "f", "w");
    REQUIRE(bool(r));
    CHECK(pos == rec.size());
    CHECK(r->shape() == Shape{2, 3});
    CHECK(std::memcmp(r->raw(), t.raw(), t.byteSize()) == 0);
  }
}

TEST_CASE("FP64 and INT64 records are read", "[paddle]") {
  Tensor d(DType::I64, Shape{2});
  d.data<int64_t>()[0] = 0x3ff0000000000000; // 1.0 as a double
  d.data<int64_t>()[1] = 0x4000000000000000; // 2.0
  std::string rec = lodTensorRecord(d, PaddleVarType::FP64);
  size_t pos = 0;
  auto r = readPaddleLoDTensor(bytes(rec), pos, "f", "w");
  REQUIRE(bool(r));
  CHECK(r->dtype() == DType::F32);
  CHECK(r->data<float>()[1] == 2.0f);
  pos = 0;
  auto i = readPaddleLoDTensor(bytes(lodTensorRecord(d, PaddleVarType::INT64)),
                               pos, "f", "w");
  REQUIRE(bool(i));
  CHECK(i->dtype() == DType::I64);
}

TEST_CASE("every truncation of a LoDTensor record is an error naming the "
          "file and variable", "[paddle]") {
  std::string rec = lodTensorRecord(ramp(Shape{3, 2}), 5, 1);
  for (size_t n = 0; n < rec.size(); ++n) {
    size_t pos = 0;
    auto r = readPaddleLoDTensor(bytes(rec.substr(0, n)), pos, "dir/w0", "w0");
    REQUIRE_FALSE(bool(r));
    std::string msg = llvm::toString(r.takeError());
    CHECK(msg.find("dir/w0: variable 'w0'") == 0);
  }
}

TEST_CASE("bad records: version, data type, dims", "[paddle]") {
  std::string rec = lodTensorRecord(ramp(Shape{2}));
  std::string bad = rec;
  bad[0] = 1;
  size_t pos = 0;
  auto r = readPaddleLoDTensor(bytes(bad), pos, "f", "w");
  REQUIRE_FALSE(bool(r));
  CHECK_THAT(llvm::toString(r.takeError()), Catch::Contains("version 1"));
  pos = 0;
  auto c = readPaddleLoDTensor(bytes(lodTensorRecord(ramp(Shape{2}), 23)), pos,
                               "f", "w");
  REQUIRE_FALSE(bool(c));
  CHECK_THAT(llvm::toString(c.takeError()), Catch::Contains("COMPLEX64"));
}

TEST_CASE("program parsing rejects non-programs", "[paddle]") {
  std::string png = "\x89PNG\r\n\x1a\n0000IHDR";
  auto p = parsePaddleProgram(bytes(png), "x/__model__");
  REQUIRE_FALSE(bool(p));
  CHECK_THAT(llvm::toString(p.takeError()),
             Catch::StartsWith("x/__model__: not a Paddle program"));
  ProgramBuilder b;
  b.feed("x", {1, 4});
  b.fetch("x");
  std::string ok = b.program().SerializeAsString();
  REQUIRE(bool(parsePaddleProgram(bytes(ok), "m")));
  // Every truncation either fails to parse or loses ops; none crashes.
  for (size_t n = 0; n + 1 < ok.size(); ++n) {
    auto t = parsePaddleProgram(bytes(ok.substr(0, n)), "m");
    if (t)
      CHECK((*t)->SerializeAsString() != ok);
    else
      llvm::consumeError(t.takeError());
  }
}

TEST_CASE("unknown fields are ignored", "[paddle]") {
  ProgramBuilder b;
  b.feed("x", {1, 4});
  b.fetch("x");
  std::string s = b.program().SerializeAsString();
  // Field 99 (varint) appended at the top level: a newer writer's field.
  s += std::string("\x98\x06\x01", 3);
  auto p = parsePaddleProgram(bytes(s), "m");
  REQUIRE(bool(p));
  CHECK((*p)->blocks(0).ops_size() == 2);
}

TEST_CASE("combined parameters are read in sorted-name order and checked",
          "[paddle]") {
  ProgramBuilder b;
  b.feed("x", {1, 2});
  b.param("zeta", ramp(Shape{2}));
  b.param("alpha", ramp(Shape{3, 2}));
  b.fetch("x");
  std::string file = lodTensorRecord(ramp(Shape{3, 2})) +
                     lodTensorRecord(ramp(Shape{2}));
  auto r = readPaddleCombinedParams(b.program(), bytes(file), "p.pdiparams");
  REQUIRE(bool(r));
  CHECK(r->lookup("alpha").shape() == Shape{3, 2});
  CHECK(r->lookup("zeta").shape() == Shape{2});

  SECTION("trailing bytes") {
    auto e = readPaddleCombinedParams(b.program(), bytes(file + file),
                                      "p.pdiparams");
    REQUIRE_FALSE(bool(e));
    CHECK_THAT(llvm::toString(e.takeError()),
               Catch::Contains("bytes left after the 2 persistable"));
  }
  SECTION("one record short") {
    auto e = readPaddleCombinedParams(
        b.program(), bytes(lodTensorRecord(ramp(Shape{3, 2}))), "p.pdiparams");
    REQUIRE_FALSE(bool(e));
    CHECK_THAT(llvm::toString(e.takeError()),
               Catch::Contains("ends before variable 'zeta'"));
  }
  SECTION("records of another net") {
    std::string other = lodTensorRecord(ramp(Shape{2})) +
                        lodTensorRecord(ramp(Shape{3, 2}));
    auto e = readPaddleCombinedParams(b.program(), bytes(other), "p.pdiparams");
    REQUIRE_FALSE(bool(e));
    CHECK_THAT(llvm::toString(e.takeError()),
               Catch::Contains("variable 'alpha' is 2 f32 in the parameter "
                               "file but the program declares 3x2 FP32"));
  }
}
