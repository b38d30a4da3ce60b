//===- WriterReaderTest.cpp - write, read back, dedupe, check_code
//---------===//
#include "BModelTestUtil.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <cstring>

using namespace onntc::bmodel;
using namespace onntc::bmodel::test;

namespace {

/// Two nets: "conv" with two static stages sharing one coefficient blob,
/// "det" with one dynamic stage (IR subnet + CPU subnet), a kernel module.
ModelInfo sampleModel(BModelWriter &w) {
  ModelInfo m;
  m.chip = "BM1684X";
  auto coeff = pattern(1000, 1);
  m.kernelModule =
      ModuleInfo{"libbm1684x_kernel_module.so", w.addBlob(pattern(5000, 77))};
  NetInfo conv;
  conv.name = "conv";
  conv.stages.push_back(staticStage(w, 1, coeff));
  conv.stages.push_back(staticStage(w, 4, coeff));
  NetInfo det;
  det.name = "det";
  det.stages.push_back(dynamicStage(w, 640));
  m.nets = {conv, det};
  return m;
}

uint32_t le32(const std::vector<uint8_t> &b, size_t at) {
  uint32_t v;
  std::memcpy(&v, b.data() + at, 4);
  return v;
}

} // namespace

TEST_CASE("header layout and model-level strings", "[bmodel][writer]") {
  BModelWriter w;
  ModelInfo m = sampleModel(w);
  auto bytes = mustSerialize(w, m);
  REQUIRE(bytes.size() > 64);
  CHECK(le32(bytes, 0) == 0xFF55AAEE);
  CHECK(bytes[0] == 0xEE);
  CHECK(bytes[3] == 0xFF);
  CHECK(le32(bytes, 4) == 64);
  uint32_t fbSize = le32(bytes, 8), binSize = le32(bytes, 12);
  CHECK(uint64_t(64) + fbSize + binSize == bytes.size());
  for (size_t i = 16; i < 64; ++i)
    CHECK(bytes[i] == 0);

  BModel r = mustRead(bytes);
  CHECK(r.info().type == "B");
  CHECK(r.info().version == "2.2+onntc-0.1.0");
  CHECK(r.info().time == std::string(kFixedTime) + "\n");
  CHECK(r.info().chip == "BM1684X");
  // neuron_size is the largest ctx_size of any stage (conv stage 1: 4*4096).
  CHECK(r.info().neuronSize == 16384);
}

TEST_CASE("the current time is stored in ctime form", "[bmodel][writer]") {
  BModelWriter w;
  ModelInfo m = sampleModel(w);
  auto bytes = w.serialize(m);
  REQUIRE(bool(bytes));
  BModel r = mustRead(*bytes);
  const std::string &t = r.info().time;
  REQUIRE(t.size() == 25);
  CHECK(t.back() == '\n');
  CHECK(t[3] == ' ');
  CHECK(t[13] == ':');
}

TEST_CASE("read back gives the view that was written", "[bmodel][reader]") {
  BModelWriter w;
  ModelInfo m = sampleModel(w);
  BModel r = mustRead(mustSerialize(w, m));
  const ModelInfo &got = r.info();
  REQUIRE(got.nets.size() == 2);
  const NetInfo &conv = got.nets[0];
  CHECK(conv.name == "conv");
  REQUIRE(conv.stages.size() == 2);
  CHECK(conv.stages[1].inputs[0].shapes[0] == Shape{4, 3, 8, 8});
  CHECK(conv.stages[1].outputs[0].name == "prob");
  CHECK(conv.stages[0].ctxAddr == 0x1000000);
  REQUIRE(conv.stages[0].coeff);
  CHECK(conv.stages[0].coeff->address == 0x100000);
  CHECK(conv.stages[0].coeff->locations.size() == 2);
  CHECK(conv.stages[0].coeff->locations[1].name == "fc");
  REQUIRE(conv.stages[0].subnets.size() == 1);
  const CmdGroupInfo &g = conv.stages[0].subnets[0].cmdGroups.at(0);
  CHECK(g.bdcNum == 2);
  CHECK(g.gdmaNum == 3);
  CHECK(r.bytes(*g.bdc).vec() == pattern(256, 1));
  CHECK(r.bytes(*g.gdma).vec() == pattern(384, 2));

  const NetInfo &det = got.nets[1];
  REQUIRE(det.stages.size() == 1);
  const StageInfo &ds = det.stages[0];
  CHECK(ds.isDynamic);
  CHECK(ds.hwDynamic);
  CHECK(!ds.nDynamic);
  REQUIRE(ds.subnets.size() == 2);
  CHECK(ds.subnets[0].isDynamic);
  CHECK(ds.subnets[0].irLen == 30);
  CHECK(ds.subnets[0].nextSubnetIds == std::vector<int32_t>{1});
  CHECK(ds.subnets[1].mode == SubnetMode::Cpu);
  CHECK(ds.subnets[1].id == 1);
  REQUIRE(ds.subnets[1].cpuParams.size() == 1);
  const CpuConstInfo &c = ds.subnets[1].cpuParams[0].consts.at(0);
  CHECK(c.name == "anchors");
  CHECK(r.bytes(*c.data).vec() == pattern(48, 4));
  auto h = sha256(pattern(48, 4));
  CHECK(c.checkCode == std::vector<uint8_t>(h.begin(), h.end()));
  CHECK(r.bytes(*ds.binaryIR).vec() == pattern(120, 9));
  CHECK(ds.stageIR.at(0).heightHigh == 640);
  CHECK(ds.cpuMemSize == 100);
  REQUIRE(got.kernelModule);
  CHECK(r.bytes(got.kernelModule->binary).vec() == pattern(5000, 77));
  // The kernel module is laid out first, at offset 0, as the SDK does.
  CHECK(got.kernelModule->binary.start == 0);
}

TEST_CASE("equal blobs are stored once", "[bmodel][writer]") {
  BModelWriter w;
  ModelInfo m = sampleModel(w);
  auto bytes = mustSerialize(w, m);
  BModel r = mustRead(bytes);
  const auto &st = r.info().nets[0].stages;
  // Both conv stages use the same coefficient bytes: one range.
  CHECK(st[0].coeff->data == st[1].coeff->data);
  CHECK(st[0].coeff->checkCode == st[1].coeff->checkCode);
  // Unique blobs: kernel 5000, coeff 1000, stage cmds 2x(256+384),
  // IR 120, cpu param 16, cpu const 48.
  CHECK(r.binaryRegion().size() ==
        5000 + 1000 + 2 * (256 + 384) + 120 + 16 + 48);

  SECTION("adding the same bytes twice returns the first range") {
    BModelWriter w2;
    BinaryRange a = w2.addBlob(pattern(10, 5));
    BinaryRange b = w2.addBlob(pattern(11, 5));
    BinaryRange c = w2.addBlob(pattern(10, 5));
    CHECK(a == c);
    CHECK(!(a == b));
    CHECK(w2.size() == 21);
    CHECK(w2.addBlob({}) == BinaryRange{0, 0});
  }
}

TEST_CASE("check_code is the SHA-256 of the coefficients",
          "[bmodel][checkcode]") {
  // Known answer: SHA-256("abc").
  const char abc[] = "abc";
  auto h = sha256(
      llvm::ArrayRef<uint8_t>(reinterpret_cast<const uint8_t *>(abc), 3));
  CHECK(llvm::toHex(llvm::ArrayRef<uint8_t>(h), true) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");

  BModelWriter w;
  ModelInfo m = sampleModel(w);
  auto bytes = mustSerialize(w, m);
  BModel r = mustRead(bytes);
  auto want = sha256(pattern(1000, 1));
  CHECK(r.info().nets[0].stages[0].coeff->checkCode ==
        std::vector<uint8_t>(want.begin(), want.end()));
  CHECK(!verifyCheckCodes(r));

  // Change one coefficient byte in the file: the check must fail.
  BinaryRange cr = r.info().nets[0].stages[0].coeff->data;
  size_t at = 64 + r.header().flatbuffersSize + cr.start + 10;
  bytes[at] ^= 0xFF;
  BModel bad = mustRead(bytes);
  std::string msg = errorText(verifyCheckCodes(bad));
  CHECK_THAT(msg, Catch::Contains("net 'conv' stage 0 coeff"));
  CHECK_THAT(msg, Catch::Contains("check_code"));
}

TEST_CASE("same model, same bytes, whatever the order blobs came in",
          "[bmodel][writer][determinism]") {
  BModelWriter w1;
  ModelInfo m1 = sampleModel(w1);
  // w2 receives extra unused blobs first and the model's blobs after.
  BModelWriter w2;
  w2.addBlob(pattern(333, 42));
  w2.addBlob(pattern(48, 4));
  ModelInfo m2 = sampleModel(w2);
  auto a = mustSerialize(w1, m1), b = mustSerialize(w2, m2);
  CHECK(a == b);
  CHECK(mustSerialize(w1, m1) == a);
}

TEST_CASE("a file read and written again is byte-identical",
          "[bmodel][roundtrip]") {
  BModelWriter w;
  ModelInfo m = sampleModel(w);
  auto bytes = mustSerialize(w, m);
  BModel r = mustRead(bytes);
  BModelWriter again;
  ModelInfo copy = r.info();
  forEachBinary(copy,
                [&](BinaryRange &br) { br = again.addBlob(r.bytes(br)); });
  CHECK(mustSerialize(again, copy) == bytes);
}

TEST_CASE("writer validation", "[bmodel][writer]") {
  BModelWriter w;
  ModelInfo m = sampleModel(w);
  SECTION("a stage without inputs") {
    m.nets[0].stages[0].inputs.clear();
    CHECK_THAT(errorText(w.serialize(m, fixedTime())),
               Catch::Contains("net 'conv' stage 0 needs at least one input"));
  }
  SECTION("two nets of one name") {
    m.nets[1].name = "conv";
    CHECK_THAT(errorText(w.serialize(m, fixedTime())),
               Catch::Contains("appears twice"));
  }
  SECTION("a range this writer never returned") {
    m.nets[0].stages[0].coeff->data = BinaryRange{1u << 30, 4};
    CHECK_THAT(errorText(w.serialize(m, fixedTime())),
               Catch::Contains("was not returned by this writer"));
  }
  SECTION("no chip") {
    m.chip.clear();
    CHECK_THAT(errorText(w.serialize(m, fixedTime())), Catch::Contains("chip"));
  }
}

TEST_CASE("writeAtomic leaves the old file on failure", "[bmodel][writer]") {
  llvm::SmallString<128> dir;
  REQUIRE(!llvm::sys::fs::createUniqueDirectory("bmodel-test", dir));
  llvm::SmallString<128> path(dir);
  llvm::sys::path::append(path, "m.bmodel");
  BModelWriter w;
  ModelInfo m = sampleModel(w);
  REQUIRE(!w.writeAtomic(path, m, fixedTime()));
  auto good = readBModel(path);
  REQUIRE(bool(good));
  ModelInfo broken = m;
  broken.nets.clear();
  llvm::Error e = w.writeAtomic(path, broken, fixedTime());
  CHECK(bool(e));
  llvm::consumeError(std::move(e));
  auto still = readBModel(path);
  REQUIRE(bool(still));
  CHECK(still->info().nets.size() == 2);
  // Only the model file is in the folder: no temporary left behind.
  std::error_code ec;
  int files = 0;
  for (llvm::sys::fs::directory_iterator it(dir, ec), end; it != end && !ec;
       it.increment(ec))
    ++files;
  CHECK(files == 1);
  llvm::sys::fs::remove_directories(dir);
}
