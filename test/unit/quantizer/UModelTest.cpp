//===- UModelTest.cpp - umodel files and their prototxt ------------------===//
#include "QuantizerTestUtil.h"

#include "quantizer/NetText.h"
#include "quantizer/UModel.h"

#include "ir/Printer.h"

#include "llvm/Support/MemoryBuffer.h"

#include <optional>

using namespace onntc;
using onntc::test::TempDir;

namespace {
UModel makeInt8() {
  UModel u;
  u.kind = UModelKind::Int8;
  u.netName = "small";
  u.module = test::makeSmallNet();
  u.thMethod = "KL";
  u.perChannel = true;
  u.calibrationSamples = 12;
  ActivationQuant a;
  a.threshold = 2.5f;
  a.min = -2.f;
  a.max = 3.f;
  a.scale = 2.5f / 127;
  u.activations["conv1_out"] = a;
  a.fp32 = true;
  u.activations["prob"] = a;
  Int8Weight w;
  w.data = Tensor(DType::I8, Shape{4, 3, 3, 3});
  for (int i = 0; i < 108; ++i)
    w.data.data<int8_t>()[i] = int8_t(i - 54);
  w.scales = {0.1f, 0.2f, 0.3f, 0.4f};
  w.axis = 0;
  u.int8Weights["conv1.weight"] = w;
  Int32Bias b;
  b.data = Tensor::fromInts(DType::I32, Shape{4}, {1, -2, 3, 100000});
  b.scales = {1e-3f, 2e-3f, 3e-3f, 4e-3f};
  u.int32Biases["conv1.bias"] = b;
  return u;
}
} // namespace

TEST_CASE("int8umodel round trip keeps net, weights and quant tables") {
  UModel u = makeInt8();
  std::string text = printModuleToString(*u.module);
  auto bytes = serializeUModel(u);
  REQUIRE(!!bytes);
  auto back = std::optional<UModel>(test::take(parseUModel(*bytes, "small.int8umodel")));
  CHECK(back->kind == UModelKind::Int8);
  CHECK(back->netName == "small");
  CHECK(back->thMethod == "KL");
  CHECK(back->perChannel);
  CHECK(back->calibrationSamples == 12);
  CHECK(printModuleToString(*back->module) == text);
  const Value *w = back->module->graph.findValue("conv1.weight");
  REQUIRE(w);
  REQUIRE(w->constantValue());
  CHECK(w->constantValue()->data<float>()[5] ==
        u.module->graph.findValue("conv1.weight")->constantValue()->data<float>()[5]);
  REQUIRE(back->activations.size() == 2);
  CHECK(back->activations["conv1_out"].threshold == 2.5f);
  CHECK(!back->activations["conv1_out"].fp32);
  CHECK(back->activations["prob"].fp32);
  const Int8Weight &qw = back->int8Weights.at("conv1.weight");
  CHECK(qw.axis == 0);
  CHECK(qw.scales == std::vector<float>{0.1f, 0.2f, 0.3f, 0.4f});
  CHECK(qw.data.data<int8_t>()[107] == 53);
  CHECK(back->int32Biases.at("conv1.bias").data.data<int32_t>()[3] == 100000);
  // Deterministic: serialising again gives the same bytes.
  auto bytes2 = serializeUModel(*back);
  REQUIRE(!!bytes2);
  CHECK(*bytes2 == *bytes);
}

TEST_CASE("every truncation and a wrong identifier are clean errors") {
  auto bytes = serializeUModel(makeInt8());
  REQUIRE(!!bytes);
  size_t step = std::max<size_t>(1, bytes->size() / 397);
  for (size_t n = 0; n < bytes->size(); n += step) {
    auto r = parseUModel(llvm::StringRef(*bytes).take_front(n), "cut.int8umodel");
    INFO("truncated to " << n << " of " << bytes->size());
    REQUIRE(!r);
    std::string msg = llvm::toString(r.takeError());
    CHECK(llvm::StringRef(msg).startswith("cut.int8umodel: "));
  }
  std::string wrong = *bytes;
  wrong[4] = 'X';
  auto r = parseUModel(wrong, "w.umodel");
  REQUIRE(!r);
  CHECK(llvm::toString(r.takeError()) ==
        "w.umodel: not a umodel (no 'OUMD' identifier; expected a .fp32umodel "
        "or .int8umodel written by OpenNNTC)");
}

TEST_CASE("writeFp32Umodel writes the SDK's two files, which read back") {
  TempDir t;
  auto m = test::makeSmallNet();
  DataLayer d;
  d.name = d.top = "data";
  d.source = "/data/calib_lmdb";
  d.preprocess.mean = {1, 2, 3};
  d.preprocess.scale = {0.5f};
  d.preprocess.resizeH = d.preprocess.resizeW = 8;
  d.preprocess.bgr2rgb = true;
  REQUIRE(!llvm::errorToBool(writeFp32Umodel(*m, t.path, "small", "bmneto", {d})));
  auto u = std::optional<UModel>(test::take(readUModel(t / "small_bmneto.fp32umodel")));
  CHECK(u->kind == UModelKind::Fp32);
  CHECK(printModuleToString(*u->module) == printModuleToString(*m));
  auto text = readNetText(t / "small_bmneto_test_fp32.prototxt");
  REQUIRE(!!text);
  CHECK(text->name == "small");
  CHECK(text->modelType == "BMNETO2UModel");
  REQUIRE(text->data.size() == 1);
  CHECK(text->data[0].source == "/data/calib_lmdb");
  CHECK(text->data[0].batchSize == 1);
  CHECK(text->data[0].preprocess.mean == std::vector<float>{1, 2, 3});
  CHECK(text->data[0].preprocess.scale == std::vector<float>{0.5f, 0.5f, 0.5f});
  CHECK(text->data[0].preprocess.bgr2rgb);
  CHECK(text->data[0].preprocess.resizeH == 8);
  REQUIRE(text->layers.size() == 5);
  CHECK(text->layers[0].name == "conv1_out");
  CHECK(text->layers[0].type == "Convolution");
  CHECK(text->layers[0].bottoms == std::vector<std::string>{"data"});
  CHECK(text->layers[4].type == "InnerProduct");
  llvm::Error match = checkNetTextMatches(*text, "p.prototxt", *u->module,
                                          u->netName, "u.fp32umodel");
  INFO(llvm::toString(std::move(match)));
  REQUIRE(!match);

  SECTION("another net's prototxt is refused, naming both files") {
    NetText other = *text;
    other.name = "resnet";
    auto e = checkNetTextMatches(other, "p.prototxt", *u->module, "small",
                                 "u.fp32umodel");
    CHECK(llvm::toString(std::move(e)) ==
          "p.prototxt and u.fp32umodel describe different nets: the prototxt "
          "is net 'resnet', the umodel net 'small' (pass the prototxt written "
          "with this umodel)");
    other = *text;
    other.layers.pop_back();
    e = checkNetTextMatches(other, "p.prototxt", *u->module, "small",
                            "u.fp32umodel");
    CHECK(llvm::StringRef(llvm::toString(std::move(e)))
              .contains("the prototxt has 4 layers, the umodel 5; the "
                        "prototxt lacks layer 'prob'"));
  }
}

TEST_CASE("prototxt reader: Caffe's own transform fields, unknown fields, errors") {
  auto t = parseNetText(R"(name: "n"
layer { name: "in" type: "Data" top: "in"
  transform_param { scale: 0.017 mean_value: 104 mean_value: 117 mean_value: 123 }
  data_param { source: "x.lmdb" batch_size: 4 backend: LMDB }
  include { phase: TEST } }
layer { name: "c" type: "Convolution" bottom: "in" top: "c"
  convolution_param { num_output: 8 kernel_size: 3 } })", "n.prototxt");
  REQUIRE(!!t);
  REQUIRE(t->data.size() == 1);
  CHECK(t->data[0].batchSize == 4);
  CHECK(t->data[0].preprocess.scale == std::vector<float>{0.017f});
  CHECK(t->data[0].preprocess.mean.size() == 3);
  REQUIRE(t->layers.size() == 1);

  auto bad = parseNetText("name: \"n\"\nlayer { name: \"x\" type: }", "b.prototxt");
  REQUIRE(!bad);
  CHECK(llvm::StringRef(llvm::toString(bad.takeError())).startswith("b.prototxt:2:"));
  auto lev = parseNetText("layer { name: \"d\" type: \"Data\" top: \"d\" "
                          "data_param { backend: LEVELDB } }", "l.prototxt");
  REQUIRE(!lev);
  CHECK(llvm::StringRef(llvm::toString(lev.takeError())).contains("only backend: LMDB"));
}
