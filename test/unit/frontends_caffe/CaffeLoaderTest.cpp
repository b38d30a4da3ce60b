//===- CaffeLoaderTest.cpp - prototxt/caffemodel reading and upgrades -----===//

#include "frontends/caffe/CaffeContext.h"
#include "frontends/caffe/CaffeLoader.h"

#include <catch2/catch.hpp>

using namespace onntc;
using namespace onntc_caffe;

namespace {

std::unique_ptr<NetParameter> parseUpgraded(const std::string &text,
                                            bool testPhase = true) {
  auto net = parseCaffeText(text, "t.prototxt");
  REQUIRE(static_cast<bool>(net));
  if (llvm::Error e = upgradeCaffeNet(**net, "t.prototxt", testPhase))
    FAIL(llvm::toString(std::move(e)));
  return std::move(*net);
}

std::string errorOf(llvm::Error e) {
  REQUIRE(static_cast<bool>(e));
  return llvm::toString(std::move(e));
}

} // namespace

TEST_CASE("the layer table is sorted, unique and searchable", "[caffe]") {
  llvm::ArrayRef<CaffeLayerRow> t = caffeLayerTable();
  REQUIRE(t.size() > 30);
  for (size_t i = 1; i < t.size(); ++i)
    CHECK(llvm::StringRef(t[i - 1].type) < llvm::StringRef(t[i].type));
  for (const CaffeLayerRow &r : t)
    CHECK(findCaffeLayer(r.type) == &r);
  CHECK(findCaffeLayer("PriorBox") == nullptr);
  CHECK(findCaffeLayer("convolution") == nullptr);
  CHECK(supportedCaffeLayers().size() == t.size());
}

TEST_CASE("unknown text fields are skipped, binary ones kept", "[caffe]") {
  auto net = parseUpgraded(R"(
    name: "n"
    some_future_field: 3
    layer { name: "a" type: "ReLU" bottom: "x" top: "y"
            param { lr_mult: 1 } fancy_param { nested { k: "v" } } })");
  REQUIRE(net->layer_size() == 1);
  CHECK(net->layer(0).type() == "ReLU");
  // A binary net with an unknown field 999 (varint 7) after the name.
  std::string bytes = "\x0a\x01n";
  bytes += std::string("\xb8\x3e\x07", 3);
  auto bin = parseCaffeBinary(bytes, "w.caffemodel");
  REQUIRE(static_cast<bool>(bin));
  CHECK((*bin)->name() == "n");
  auto bad = parseCaffeBinary(std::string("\x0a\x05n", 3), "w.caffemodel");
  CHECK(errorOf(bad.takeError()).find("w.caffemodel: not a Caffe binary") == 0);
}

TEST_CASE("old input declarations become Input layers", "[caffe]") {
  auto net = parseUpgraded(R"(
    input: "a" input_dim: 1 input_dim: 3 input_dim: 4 input_dim: 5
    input: "b" input_dim: 2 input_dim: 1 input_dim: 1 input_dim: 1
    layer { name: "r" type: "ReLU" bottom: "a" top: "r" })");
  REQUIRE(net->layer_size() == 3);
  CHECK(net->layer(0).type() == "Input");
  CHECK(net->layer(0).top(0) == "a");
  CHECK(net->layer(0).input_param().shape(0).dim_size() == 4);
  CHECK(net->layer(0).input_param().shape(0).dim(3) == 5);
  CHECK(net->layer(1).input_param().shape(0).dim(0) == 2);
  CHECK(net->layer(2).name() == "r");
  CHECK(net->input_size() == 0);

  auto shaped = parseUpgraded(
      R"(input: "a" input_shape { dim: 2 dim: 7 })");
  REQUIRE(shaped->layer_size() == 1);
  CHECK(shaped->layer(0).input_param().shape(0).dim(1) == 7);

  auto bad = parseCaffeText(R"(input: "a" input_dim: 1 input_dim: 3)", "t.prototxt");
  REQUIRE(static_cast<bool>(bad));
  CHECK(errorOf(upgradeCaffeNet(**bad, "t.prototxt")) ==
        "t.prototxt: 1 input(s) need 4 input_dim values, found 2");
}

TEST_CASE("V1 layers are upgraded like Caffe does", "[caffe]") {
  auto net = parseUpgraded(R"(
    layers { name: "c" type: CONVOLUTION bottom: "x" top: "c" blobs_lr: 1
             convolution_param { num_output: 4 kernel_size: 3 group: 2 }
             blobs { num: 4 channels: 1 height: 3 width: 3 } }
    layers { name: "p" type: POOLING bottom: "c" top: "p" pooling_param { pool: AVE kernel_size: 2 } }
    layers { name: "l" type: SOFTMAX_LOSS bottom: "p" bottom: "y" top: "l" }
    layers { name: "d" type: DECONVOLUTION bottom: "p" top: "d" })");
  REQUIRE(net->layer_size() == 4);
  CHECK(net->layers_size() == 0);
  CHECK(net->layer(0).type() == "Convolution");
  CHECK(net->layer(0).convolution_param().group() == 2);
  CHECK(net->layer(0).blobs(0).num() == 4);
  CHECK(net->layer(1).pooling_param().pool() == PoolingParameter::AVE);
  CHECK(net->layer(2).type() == "SoftmaxWithLoss");
  CHECK(net->layer(3).type() == "Deconvolution");
  CHECK(caffeV1TypeName(V1LayerParameter::TANH) == "TanH");
  CHECK(caffeV1TypeName(V1LayerParameter::BNLL) == "BNLL");
  CHECK(caffeV1TypeName(V1LayerParameter::INNER_PRODUCT) == "InnerProduct");

  auto mixed = parseCaffeText(R"(layers { name: "a" type: RELU }
                                 layer { name: "b" type: "ReLU" })", "t.prototxt");
  REQUIRE(static_cast<bool>(mixed));
  CHECK(errorOf(upgradeCaffeNet(**mixed, "t.prototxt")) ==
        "t.prototxt: the net mixes V1 'layers' and new 'layer' entries");
}

TEST_CASE("layers are filtered for the TEST phase", "[caffe]") {
  const char *text = R"(
    layer { name: "train_only" type: "ReLU" include { phase: TRAIN } }
    layer { name: "test_only" type: "ReLU" include { phase: TEST } }
    layer { name: "not_test" type: "ReLU" exclude { phase: TEST } }
    layer { name: "staged" type: "ReLU" include { stage: "deploy" } }
    layer { name: "always" type: "ReLU" })";
  auto net = parseUpgraded(text);
  REQUIRE(net->layer_size() == 2);
  CHECK(net->layer(0).name() == "test_only");
  CHECK(net->layer(1).name() == "always");
  CHECK(parseUpgraded(text, /*testPhase=*/false)->layer_size() == 5);
}
