//===- ReaderErrorsTest.cpp - damaged files give errors, not crashes
//-------===//
#include "BModelTestUtil.h"

#include <cstring>

using namespace onntc::bmodel;
using namespace onntc::bmodel::test;

namespace {

std::vector<uint8_t> goodFile() {
  BModelWriter w;
  ModelInfo m;
  m.chip = "BM1684X";
  NetInfo n;
  n.name = "conv";
  n.stages.push_back(staticStage(w, 1, pattern(300, 2)));
  m.nets.push_back(n);
  return mustSerialize(w, m);
}

void put32(std::vector<uint8_t> &b, size_t at, uint32_t v) {
  std::memcpy(b.data() + at, &v, 4);
}
uint32_t get32(const std::vector<uint8_t> &b, size_t at) {
  uint32_t v;
  std::memcpy(&v, b.data() + at, 4);
  return v;
}

std::string readError(const std::vector<uint8_t> &b) {
  return errorText(readBModelBytes(b, "bad.bmodel"));
}

} // namespace

TEST_CASE("damaged files", "[bmodel][reader][errors]") {
  std::vector<uint8_t> f = goodFile();
  REQUIRE(bool(readBModelBytes(f, "good.bmodel")));

  SECTION("empty") {
    CHECK_THAT(readError({}),
               Catch::Contains("bad.bmodel: file is 0 bytes, shorter than the "
                               "64-byte bmodel header"));
  }
  SECTION("shorter than the header") {
    f.resize(63);
    CHECK_THAT(readError(f), Catch::Contains("file is 63 bytes"));
  }
  SECTION("wrong magic") {
    put32(f, 0, 0x12345678);
    CHECK_THAT(readError(f), Catch::Contains("bad magic 0x12345678"));
  }
  SECTION("header sizes larger than the file") {
    put32(f, 12, get32(f, 12) + 1);
    CHECK_THAT(readError(f), Catch::Contains("truncated?"));
    put32(f, 12, 0xFFFFFFFF);
    put32(f, 8, 0xFFFFFFFF);
    CHECK_THAT(readError(f), Catch::Contains("truncated?"));
  }
  SECTION("header size below 64") {
    put32(f, 4, 16);
    CHECK_THAT(readError(f), Catch::Contains("header_size 16"));
  }
  SECTION("flatbuffer failing verification") {
    put32(f, 64, 0x7FFFFFF0);
    CHECK_THAT(readError(f), Catch::Contains("fails verification"));
  }
  SECTION("flatbuffer size zero") {
    uint32_t bin = get32(f, 12);
    put32(f, 8, 0);
    (void)bin;
    CHECK_THAT(readError(f), Catch::Contains("fails verification"));
  }
  SECTION("a binary range past the end") {
    put32(f, 12, get32(f, 12) - 1);
    f.pop_back();
    CHECK_THAT(readError(f),
               Catch::Contains("lies past the end of the binary region"));
  }
  SECTION("a longer header moves both regions (and misaligns the buffer)") {
    std::vector<uint8_t> g(f.begin(), f.begin() + 64);
    g.insert(g.end(), {0, 0, 0, 0});
    g.insert(g.end(), f.begin() + 64, f.end());
    put32(g, 4, 68);
    auto m = readBModelBytes(g, "h68.bmodel");
    REQUIRE(bool(m));
    auto ref = readBModelBytes(f, "h64.bmodel");
    REQUIRE(bool(ref));
    const StageInfo &a = m->info().nets[0].stages[0];
    CHECK(m->bytes(a.coeff->data).vec() == pattern(300, 2));
    CHECK(formatInfo(*m) == formatInfo(*ref));
    auto text = printAsText(*m);
    REQUIRE(bool(text));
    CHECK_THAT(*text, Catch::Contains("name: \"conv\""));
  }
  SECTION("trailing bytes after the regions are tolerated, as by the SDK") {
    f.push_back(0);
    CHECK(bool(readBModelBytes(f, "t.bmodel")));
  }
  SECTION("every single-byte change of the flatbuffer is an error or a model") {
    uint32_t fb = get32(f, 8);
    for (uint32_t i = 0; i < fb; ++i) {
      std::vector<uint8_t> g = f;
      g[64 + i] ^= 0xA5;
      auto m = readBModelBytes(g, "flip.bmodel");
      if (m)
        (void)formatInfo(*m);
      else
        llvm::consumeError(m.takeError());
    }
  }
}

TEST_CASE("a stage without inputs is refused on read", "[bmodel][reader]") {
  BModelWriter w;
  ModelInfo m;
  m.chip = "BM1684X";
  NetInfo n;
  n.name = "conv";
  n.stages.push_back(staticStage(w, 1, pattern(30, 2)));
  n.stages[0].inputs.clear();
  m.nets.push_back(n);
  WriteOptions o = fixedTime();
  o.validate = false;
  auto bytes = w.serialize(m, o);
  REQUIRE(bool(bytes));
  CHECK_THAT(readError(*bytes),
             Catch::Contains("net 'conv' stage 0 has no input tensors"));
}

TEST_CASE("readBModel on paths", "[bmodel][reader]") {
  CHECK_THAT(errorText(readBModel("/nonexistent/x.bmodel")),
             Catch::Contains("/nonexistent/x.bmodel: cannot open"));
  CHECK_THAT(errorText(readBModel("/")), Catch::Contains("not a regular file"));
}
