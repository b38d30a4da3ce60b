//===- LegacyTest.cpp - files from before Net.parameter, SDK-style files --===//
//
// These tests build flatbuffers directly with the generated code (the only
// code outside bmodel/*.cpp that does), to make files our writer never
// writes: pre-`parameter` nets and files whose optional vectors are absent.
//
//===----------------------------------------------------------------------===//
#include "BModelTestUtil.h"

#include "bmodel/bmodel_generated.h"

#include <cstring>

using namespace onntc::bmodel;
using namespace onntc::bmodel::test;
namespace fb = ::bmodel;

namespace {

std::vector<uint8_t> wrap(flatbuffers::FlatBufferBuilder &b,
                          const std::vector<uint8_t> &binary) {
  std::vector<uint8_t> out(64 + b.GetSize() + binary.size(), 0);
  uint32_t h[4] = {0xFF55AAEE, 64, b.GetSize(), uint32_t(binary.size())};
  std::memcpy(out.data(), h, sizeof(h));
  std::copy(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize(),
            out.begin() + 64);
  std::copy(binary.begin(), binary.end(), out.begin() + 64 + b.GetSize());
  return out;
}

flatbuffers::Offset<fb::Tensor> fbTensor(flatbuffers::FlatBufferBuilder &b,
                                         const char *name,
                                         std::vector<uint64_t> dims) {
  auto d = b.CreateVector(dims);
  std::vector<flatbuffers::Offset<fb::Shape>> shapes = {fb::CreateShape(b, d)};
  return fb::CreateTensor(b, b.CreateString(name), 0, 0, 0, 0,
                          b.CreateVector(shapes));
}

} // namespace

TEST_CASE("pre-parameter files become stages", "[bmodel][reader][legacy]") {
  flatbuffers::FlatBufferBuilder b;
  std::vector<uint8_t> binary = pattern(64, 1);
  fb::Binary coeffBin(0, 64);
  auto coeff = fb::CreateCoeffMem(b, 0x1000, 0, &coeffBin);
  std::vector<flatbuffers::Offset<fb::Tensor>> ins = {
      fbTensor(b, "in", {1, 3, 4, 4})};
  std::vector<flatbuffers::Offset<fb::Tensor>> outs = {
      fbTensor(b, "out", {1, 2})};
  auto st = fb::CreateNetStatic(b, b.CreateVector(ins), b.CreateVector(outs), 0,
                                0, 512, coeff);
  std::vector<flatbuffers::Offset<fb::Tensor>> ins2 = {
      fbTensor(b, "in", {1, 3, 8, 8})};
  std::vector<flatbuffers::Offset<fb::Tensor>> outs2 = {
      fbTensor(b, "out", {1, 2})};
  auto dy = fb::CreateNetDynamic(b, b.CreateVector(ins2), b.CreateVector(outs2),
                                 1, 1);
  std::vector<flatbuffers::Offset<fb::NetStatic>> sts = {st};
  std::vector<flatbuffers::Offset<fb::NetDynamic>> dys = {dy};
  auto net = fb::CreateNet(b, b.CreateString("old"), b.CreateVector(sts),
                           b.CreateVector(dys));
  std::vector<flatbuffers::Offset<fb::Net>> nets = {net};
  auto model = fb::CreateModel(b, b.CreateString("B"), b.CreateString("2.2"),
                               b.CreateString("then\n"),
                               b.CreateString("BM1682"), b.CreateVector(nets));
  b.Finish(model);
  BModel r = mustRead(wrap(b, binary), "old.bmodel");
  const NetInfo &n = r.info().nets.at(0);
  REQUIRE(n.stages.size() == 2);
  CHECK(!n.stages[0].isDynamic);
  CHECK(n.stages[0].ctxSize == 512);
  REQUIRE(n.stages[0].coeff);
  CHECK(r.bytes(n.stages[0].coeff->data).vec() == binary);
  CHECK(n.stages[1].isDynamic);
  CHECK(n.stages[1].nDynamic);
  CHECK(n.stages[1].inputs[0].shapes[0] == Shape{1, 3, 8, 8});
  CHECK(r.info().version == "2.2");

  // Written again, the stages sit in `parameter`.
  BModelWriter w;
  ModelInfo copy = r.info();
  forEachBinary(copy, [&](BinaryRange &br) { br = w.addBlob(r.bytes(br)); });
  BModel again = mustRead(mustSerialize(w, copy));
  CHECK(again.info().nets[0].stages.size() == 2);
}

TEST_CASE("absent optional vectors read as empty; unknown dtypes are kept",
          "[bmodel][reader]") {
  flatbuffers::FlatBufferBuilder b;
  auto t = fb::CreateTensor(
      b, b.CreateString("x"), 42, 0, 0, 0,
      b.CreateVector(
          std::vector<flatbuffers::Offset<fb::Shape>>{fb::CreateShape(b)}));
  std::vector<flatbuffers::Offset<fb::Tensor>> ins = {t};
  std::vector<flatbuffers::Offset<fb::Tensor>> outs = {fbTensor(b, "y", {2})};
  auto p = fb::CreateNetParameter(b, b.CreateVector(ins), b.CreateVector(outs));
  std::vector<flatbuffers::Offset<fb::NetParameter>> ps = {p};
  auto net = fb::CreateNet(b, b.CreateString("n"), 0, 0, b.CreateVector(ps));
  std::vector<flatbuffers::Offset<fb::Net>> nets = {net};
  b.Finish(fb::CreateModel(b, b.CreateString("B"), b.CreateString("2.2"),
                           b.CreateString("t\n"), b.CreateString("BM1684X"),
                           b.CreateVector(nets)));
  BModel r = mustRead(wrap(b, {}), "sdk.bmodel");
  const StageInfo &s = r.info().nets[0].stages[0];
  CHECK(s.subnets.empty());
  CHECK(s.cmdGroups.empty());
  CHECK(!s.coeff);
  CHECK(static_cast<uint32_t>(s.inputs[0].dtype) == 42);
  // An empty shape prints as "[ ]" and an unknown dtype as the SDK's "unkown".
  std::string info = formatInfo(r);
  CHECK_THAT(info,
             Catch::Contains("input: x, [ ], unkown, scale: 1, zero point: 0"));
}
