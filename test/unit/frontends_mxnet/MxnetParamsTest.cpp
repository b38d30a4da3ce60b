//===- MxnetParamsTest.cpp - NDArray lists and symbol JSON parsing --------===//

#include "MxnetTestUtil.h"

#include "frontends/mxnet/MxnetImporter.h"

#include <catch2/catch.hpp>

using namespace onntc;
using namespace onntc::test;

namespace {

std::vector<ArraySpec> sample() {
  return {{"arg:conv_weight", {2, 1, 1, 1}, {1.5f, -2.0f}},
          {"aux:bn_moving_var", {3}, {0.5f, 1.0f, 2.0f}},
          {"plain", {2, 2}, {1, 2, 3, 4}}};
}

} // namespace

TEST_CASE("params: the legacy, V1, V2 and V3 layouts read alike",
          "[mxnet][params]") {
  for (MxNDArrayLayout layout : {MxNDArrayLayout::Legacy, MxNDArrayLayout::V1,
                                 MxNDArrayLayout::V2, MxNDArrayLayout::V3}) {
    auto p = parseMxnetParams(makeParams(sample(), layout), "t.params");
    REQUIRE(bool(p));
    REQUIRE(p->order ==
            std::vector<std::string>{"conv_weight", "bn_moving_var", "plain"});
    const MxParam &w = p->params["conv_weight"];
    CHECK(w.kind == MxParamKind::Arg);
    CHECK(w.layout == layout);
    CHECK(w.value.shape() == Shape{2, 1, 1, 1});
    CHECK(w.value.data<float>()[1] == -2.0f);
    CHECK(p->params["bn_moving_var"].kind == MxParamKind::Aux);
    CHECK(p->params["bn_moving_var"].value.data<float>()[2] == 2.0f);
    CHECK(p->params["plain"].value.shape() == Shape{2, 2});
  }
}

TEST_CASE("params: every truncation is an error, never a crash",
          "[mxnet][params]") {
  for (MxNDArrayLayout layout :
       {MxNDArrayLayout::Legacy, MxNDArrayLayout::V2}) {
    std::string full = makeParams(sample(), layout);
    for (size_t n = 0; n < full.size(); ++n) {
      auto p =
          parseMxnetParams(llvm::StringRef(full).take_front(n), "t.params");
      REQUIRE_FALSE(bool(p));
      std::string msg = llvm::toString(p.takeError());
      CHECK(llvm::StringRef(msg).startswith("t.params: "));
    }
  }
  std::string full = makeParams(sample(), MxNDArrayLayout::V2);
  auto p = parseMxnetParams(llvm::StringRef(full).take_front(40), "t.params");
  REQUIRE_FALSE(bool(p));
  CHECK_THAT(llvm::toString(p.takeError()),
             Catch::Contains("truncated file: array #0"));
}

TEST_CASE("params: foreign and corrupt files", "[mxnet][params]") {
  auto p = parseMxnetParams("{\"nodes\": []}   ", "x.params");
  REQUIRE_FALSE(bool(p));
  CHECK_THAT(llvm::toString(p.takeError()),
             Catch::Contains("not an MXNet .params file"));
  std::string extra = makeParams(sample(), MxNDArrayLayout::V2) + "zz";
  p = parseMxnetParams(extra, "x.params");
  REQUIRE_FALSE(bool(p));
  CHECK_THAT(llvm::toString(p.takeError()),
             Catch::Contains("2 unexpected byte(s)"));
  // A sparse (row_sparse) array is refused by name.
  std::string sparse = makeParams(sample(), MxNDArrayLayout::V2);
  sparse[24 + 4] = 1;
  p = parseMxnetParams(sparse, "x.params");
  REQUIRE_FALSE(bool(p));
  CHECK_THAT(llvm::toString(p.takeError()),
             Catch::Contains("array #0 has storage type 1 (sparse)"));
}

TEST_CASE("symbol: old `param` and new `attrs` keys, 2- and 3-element inputs",
          "[mxnet][symbol]") {
  const char *oldJson = R"J({"nodes": [
    {"op": "null", "param": {}, "name": "data", "inputs": []},
    {"op": "Pooling", "param": {"kernel": "(2,2)", "pool_type": "max"},
     "name": "p", "inputs": [[0, 0]], "backward_source_id": -1}],
    "arg_nodes": [0], "heads": [[1, 0]]})J";
  const char *newJson = R"J({"nodes": [
    {"op": "null", "name": "data", "inputs": []},
    {"op": "Pooling", "attrs": {"kernel": "(2,2)", "pool_type": "max"},
     "name": "p", "inputs": [[0, 0, 0]]}],
    "arg_nodes": [0], "node_row_ptr": [0, 1, 2], "heads": [[1, 0, 0]],
    "attrs": {"mxnet_version": ["int", 10500]}})J";
  for (const char *text : {oldJson, newJson}) {
    auto s = parseMxnetSymbol(text, "s.json");
    REQUIRE(bool(s));
    REQUIRE(s->nodes.size() == 2);
    CHECK(s->nodes[1].attrs.at("kernel") == "(2,2)");
    CHECK(s->nodes[1].inputs.size() == 1);
    CHECK(s->heads.size() == 1);
  }
}

TEST_CASE("symbol: structural errors name the file and node",
          "[mxnet][symbol]") {
  auto bad = [](const char *text) {
    auto s = parseMxnetSymbol(text, "s.json");
    REQUIRE_FALSE(bool(s));
    return llvm::toString(s.takeError());
  };
  CHECK_THAT(bad("{\"nodes\": [ "), Catch::Contains("s.json: not a valid "
                                                    "MXNet symbol file"));
  CHECK_THAT(bad("[1, 2]"), Catch::Contains("no \"nodes\" array"));
  CHECK_THAT(bad(R"J({"nodes": [{"op": "relu", "name": "r",
      "inputs": [[1, 0]]}, {"op": "null", "name": "d", "inputs": []}],
      "heads": [[0, 0]]})J"),
             Catch::Contains("node 'r' (relu): input [1,0] refers to a node "
                             "that is not before it"));
  CHECK_THAT(bad(R"J({"nodes": [{"op": "null", "name": "d", "inputs": []}],
      "heads": [[3, 0]]})J"),
             Catch::Contains("names node 3 but there are only 1 nodes"));
  CHECK_THAT(bad(R"J({"nodes": [{"op": "null", "name": "d", "inputs": [],
      "attrs": {"k": [1]}}], "heads": [[0, 0]]})J"),
             Catch::Contains("attribute values must be strings"));
}
