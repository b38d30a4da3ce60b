//===- CombineTest.cpp - combine rules, extract, reference data
//------------===//
#include "BModelTestUtil.h"

using namespace onntc::bmodel;
using namespace onntc::bmodel::test;

namespace {

/// A one-net, one-stage model file (in memory) named `name`.
BModel oneStage(const std::string &name, const std::string &net,
                StageInfo (*make)(BModelWriter &, uint64_t), uint64_t arg,
                const std::string &chip = "BM1684X") {
  BModelWriter w;
  ModelInfo m;
  m.chip = chip;
  NetInfo n;
  n.name = net;
  n.stages.push_back(make(w, arg));
  m.nets.push_back(n);
  return mustRead(mustSerialize(w, m), name);
}

StageInfo batch(BModelWriter &w, uint64_t n) {
  return staticStage(w, n, pattern(500, 1));
}

std::string combineError(std::initializer_list<const BModel *> ins) {
  return errorText(combineModels(llvm::ArrayRef<const BModel *>(ins)));
}

} // namespace

TEST_CASE("combine: same name and different shapes make stages",
          "[bmodel][combine]") {
  BModel a = oneStage("a.bmodel", "conv", batch, 1);
  BModel b = oneStage("b.bmodel", "conv", batch, 4);
  BModel d = oneStage("d.bmodel", "det", dynamicStage, 320);
  const BModel *ins[] = {&a, &d, &b};
  auto c = combineModels(ins);
  REQUIRE(bool(c));
  const ModelInfo &m = c->built.model;
  REQUIRE(m.nets.size() == 2);
  CHECK(m.nets[0].name == "conv");
  CHECK(m.nets[0].stages.size() == 2);
  CHECK(m.nets[1].name == "det");
  REQUIRE(c->placement.size() == 3);
  CHECK(c->placement[1][0].net == 1);
  CHECK(c->placement[2][0].net == 0);
  CHECK(c->placement[2][0].stage == 1);

  // Written and read back: the shared coefficients are one blob.
  BModel r = mustRead(mustSerialize(c->built.blobs, m));
  const auto &st = r.info().nets[0].stages;
  CHECK(st[0].coeff->data == st[1].coeff->data);
  CHECK(!verifyCheckCodes(r));

  SECTION("extract gives each input back byte for byte") {
    for (auto [net, stage, src] :
         {std::make_tuple(0u, 0u, &a), std::make_tuple(0u, 1u, &b),
          std::make_tuple(1u, 0u, &d)}) {
      auto e = extractStage(r, net, stage);
      REQUIRE(bool(e));
      auto bytes = mustSerialize(e->blobs, e->model);
      std::vector<uint8_t> orig(src->header().headerSize +
                                src->header().flatbuffersSize +
                                src->header().binarySize);
      auto fbuf = src->flatbuffer();
      auto bin = src->binaryRegion();
      CHECK(bytes.size() == orig.size());
      // Compare the parts (the header words are checked by the size).
      CHECK(llvm::ArrayRef<uint8_t>(bytes).slice(64, fbuf.size()) == fbuf);
      CHECK(llvm::ArrayRef<uint8_t>(bytes).slice(64 + fbuf.size()) == bin);
    }
    CHECK_THAT(errorText(extractStage(r, 0, 2)),
               Catch::Contains("has no net 0 stage 2"));
  }
}

TEST_CASE("combine: each SDK rule is enforced with both files named",
          "[bmodel][combine]") {
  BModel a = oneStage("a.bmodel", "net", batch, 1);

  SECTION("static and dynamic") {
    BModel d = oneStage("d.bmodel", "net", dynamicStage, 320);
    std::string msg = combineError({&a, &d});
    CHECK_THAT(msg, Catch::Contains("'d.bmodel'"));
    CHECK_THAT(msg, Catch::Contains("'a.bmodel'"));
    CHECK_THAT(msg, Catch::Contains("static and dynamic stages"));
  }
  SECTION("identical shapes") {
    BModel a2 = oneStage("a2.bmodel", "net", batch, 1);
    CHECK_THAT(combineError({&a, &a2}),
               Catch::Contains("every input shape is the same"));
  }
  auto variant = [&](const std::string &file, auto change) {
    BModelWriter w;
    ModelInfo m;
    m.chip = "BM1684X";
    NetInfo n;
    n.name = "net";
    n.stages.push_back(batch(w, 2));
    change(n);
    m.nets.push_back(n);
    return mustRead(mustSerialize(w, m), file);
  };
  SECTION("input names") {
    BModel v = variant("v.bmodel",
                       [](NetInfo &n) { n.stages[0].inputs[0].name = "x"; });
    CHECK_THAT(combineError({&a, &v}),
               Catch::Contains("input 0 name differs ('data' vs 'x')"));
  }
  SECTION("dtype") {
    BModel v = variant("v.bmodel", [](NetInfo &n) {
      n.stages[0].inputs[0].dtype = DType::I8;
    });
    CHECK_THAT(combineError({&a, &v}),
               Catch::Contains("dtype differs (float32 vs int8)"));
  }
  SECTION("scale") {
    BModel v = variant("v.bmodel",
                       [](NetInfo &n) { n.stages[0].inputs[0].scale = 0.5f; });
    CHECK_THAT(combineError({&a, &v}), Catch::Contains("scale differs"));
  }
  SECTION("zero point") {
    BModel v = variant("v.bmodel",
                       [](NetInfo &n) { n.stages[0].inputs[0].zeroPoint = 3; });
    CHECK_THAT(combineError({&a, &v}), Catch::Contains("zero point differs"));
  }
  SECTION("input count") {
    BModel v = variant("v.bmodel", [](NetInfo &n) {
      n.stages[0].inputs.push_back(tensor("extra", {1}));
    });
    CHECK_THAT(combineError({&a, &v}),
               Catch::Contains("the input count differs (1 vs 2)"));
  }
  SECTION("addr_mode") {
    BModel v = variant("v.bmodel", [](NetInfo &n) { n.addrMode = 1; });
    CHECK_THAT(combineError({&a, &v}), Catch::Contains("addr_mode differs"));
  }
  SECTION("n_dynamic / h_w_dynamic") {
    BModel v =
        variant("v.bmodel", [](NetInfo &n) { n.stages[0].nDynamic = true; });
    CHECK_THAT(combineError({&a, &v}),
               Catch::Contains("n_dynamic/h_w_dynamic differ"));
  }
  SECTION("subnet count") {
    BModel v = variant("v.bmodel", [](NetInfo &n) {
      n.stages[0].subnets.push_back(n.stages[0].subnets[0]);
    });
    CHECK_THAT(combineError({&a, &v}),
               Catch::Contains("several subnets and the other does not"));
  }
  SECTION("cascade nets") {
    BModel v = variant("v.bmodel", [](NetInfo &n) {
      n.cascade = CascadeInfo{0, 0, "main"};
    });
    CHECK_THAT(combineError({&a, &v}),
               Catch::Contains("a cascade net cannot have several stages"));
  }
  SECTION("chip") {
    BModel v = oneStage("v.bmodel", "other", batch, 1, "BM1684");
    CHECK_THAT(combineError({&a, &v}),
               Catch::Contains("all inputs must be for one chip"));
  }
  SECTION("a different name is simply another net") {
    BModel v = variant("v.bmodel", [](NetInfo &n) { n.name = "net2"; });
    const BModel *ins[] = {&a, &v};
    auto c = combineModels(ins);
    REQUIRE(bool(c));
    CHECK(c->built.model.nets.size() == 2);
  }
}

TEST_CASE("combine keeps the first file's modules and the largest device_num",
          "[bmodel][combine]") {
  auto make = [](const std::string &name, uint32_t devices, uint8_t seed) {
    BModelWriter w;
    ModelInfo m;
    m.chip = "BM1684X";
    m.deviceNum = devices;
    m.kernelModule = ModuleInfo{"k" + std::to_string(seed) + ".so",
                                w.addBlob(pattern(100, seed))};
    NetInfo n;
    n.name = name;
    n.stages.push_back(batch(w, 1));
    m.nets.push_back(n);
    return mustRead(mustSerialize(w, m), name + ".bmodel");
  };
  BModel a = make("a", 1, 1), b = make("b", 3, 2);
  const BModel *ins[] = {&a, &b};
  auto c = combineModels(ins);
  REQUIRE(bool(c));
  CHECK(c->built.model.deviceNum == 3);
  REQUIRE(c->built.model.kernelModule);
  CHECK(c->built.model.kernelModule->fileName == "k1.so");
  CHECK(c->built.blobs.bytes(c->built.model.kernelModule->binary).vec() ==
        pattern(100, 1));
}

TEST_CASE("reference data is reordered into the merged order",
          "[bmodel][combine][refdata]") {
  BModel a = oneStage("a.bmodel", "conv", batch, 1);
  BModel d = oneStage("d.bmodel", "det", dynamicStage, 32);
  BModel b = oneStage("b.bmodel", "conv", batch, 2);
  const BModel *ins[] = {&a, &d, &b};
  auto c = combineModels(ins);
  REQUIRE(bool(c));
  // conv b1 input: 1x3x8x8 f32 = 768 bytes; b2 1536; det 1x3x32x32 = 12288.
  CHECK(refDataBytes(a.info().nets[0].stages[0].inputs) == 768);
  std::vector<std::vector<uint8_t>> refs = {std::vector<uint8_t>(768, 'a'),
                                            std::vector<uint8_t>(12288, 'd'),
                                            std::vector<uint8_t>(1536, 'b')};
  std::vector<std::string> names = {"a.dat", "d.dat", "b.dat"};
  auto merged = mergeRefData(ins, refs, names, c->placement, true);
  REQUIRE(bool(merged));
  REQUIRE(merged->size() == 768 + 1536 + 12288);
  CHECK((*merged)[0] == 'a');
  CHECK((*merged)[768] == 'b');
  CHECK((*merged)[768 + 1536] == 'd');

  refs[1].pop_back();
  CHECK_THAT(errorText(mergeRefData(ins, refs, names, c->placement, true)),
             Catch::Contains("d.dat: is 12287 bytes but net 'det' needs more"));

  SECTION("int4 packs two elements per byte") {
    TensorInfo t = tensor("q", {3, 3}, DType::I4);
    CHECK(refDataBytes({t}) == 5);
  }
}
