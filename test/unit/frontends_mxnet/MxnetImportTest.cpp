//===- MxnetImportTest.cpp - the MXNet importer on small nets -------------===//

#include "MxnetTestUtil.h"

#include "frontends/mxnet/MxnetImporter.h"

#include "ir/Interpreter.h"
#include "ir/KernelContext.h"

#include <catch2/catch.hpp>

#include <cstring>

using namespace onntc;
using namespace onntc::test;

namespace {

std::vector<int64_t> reshape(std::vector<int64_t> in, std::vector<int64_t> p,
                             bool reverse = false) {
  auto r = inferMxnetReshape(in, p, reverse);
  if (!r) {
    FAIL(llvm::toString(r.takeError()));
    return {};
  }
  return *r;
}

using V = std::vector<int64_t>;

llvm::Expected<std::unique_ptr<Module>>
importText(const std::string &json, const std::vector<ArraySpec> &params,
           std::vector<Shape> shapes) {
  auto sym = parseMxnetSymbol(json, "t-symbol.json");
  if (!sym)
    return sym.takeError();
  auto p =
      parseMxnetParams(makeParams(params, MxNDArrayLayout::V2), "t.params");
  if (!p)
    return p.takeError();
  MxnetImportOptions o;
  o.shapes = std::move(shapes);
  return importMxnetModel(*sym, *p, "t-symbol.json", "t.params", o);
}

std::vector<Tensor> run(Module &m, std::vector<Tensor> in) {
  KernelContext k(1);
  auto r = runGraph(m.graph, in, k);
  REQUIRE(bool(r));
  return std::move(*r);
}

} // namespace

TEST_CASE("Reshape: MXNet's special codes", "[mxnet][reshape]") {
  // The examples of MXNet's Reshape documentation.
  CHECK(reshape({2, 3, 4}, {4, 0, 2}) == V{4, 3, 2});
  CHECK(reshape({2, 3, 4}, {2, 0, 0}) == V{2, 3, 4});
  CHECK(reshape({2, 3, 4}, {6, 1, -1}) == V{6, 1, 4});
  CHECK(reshape({2, 3, 4}, {3, -1, 8}) == V{3, 1, 8});
  CHECK(reshape({2, 3, 4}, {-1}) == V{24});
  CHECK(reshape({2, 3, 4}, {-2}) == V{2, 3, 4});
  CHECK(reshape({2, 3, 4}, {2, -2}) == V{2, 3, 4});
  CHECK(reshape({2, 3, 4}, {-2, 1, 1}) == V{2, 3, 4, 1, 1});
  CHECK(reshape({2, 3, 4}, {-3, 4}) == V{6, 4});
  CHECK(reshape({2, 3, 4, 5}, {-3, -3}) == V{6, 20});
  CHECK(reshape({2, 3, 4}, {0, -3}) == V{2, 12});
  CHECK(reshape({2, 3, 4}, {-3, -2}) == V{6, 4});
  CHECK(reshape({2, 3, 4}, {-4, 1, 2, -2}) == V{1, 2, 3, 4});
  CHECK(reshape({2, 3, 4}, {2, -4, -1, 3, -2}) == V{2, 1, 3, 4});
  // reverse applies the codes from the right.
  CHECK(reshape({10, 5, 4}, {-1, 0}) == V{40, 5});
  CHECK(reshape({10, 5, 4}, {-1, 0}, true) == V{50, 4});
  for (V p : {V{5, -1}, V{-1, -1}, V{0, 0, 0, 0}, V{-4, 5, -1}, V{-5}}) {
    auto r = inferMxnetReshape(V{2, 3, 4}, p, false);
    CHECK_FALSE(bool(r));
    llvm::consumeError(r.takeError());
  }
}

TEST_CASE("Pooling: pooling_convention full is ceil, valid is floor",
          "[mxnet][pooling]") {
  CHECK(mxnetPoolExtent(11, 3, 2, 0, true) == 5);
  CHECK(mxnetPoolExtent(11, 3, 2, 0, false) == 5);
  CHECK(mxnetPoolExtent(12, 3, 2, 0, true) == 6);
  CHECK(mxnetPoolExtent(12, 3, 2, 0, false) == 5);
  CHECK(mxnetPoolExtent(5, 2, 2, 0, true) == 3);

  const char *json = R"J({"nodes": [
    {"op": "null", "name": "data", "inputs": []},
    {"op": "Pooling", "attrs": {"kernel": "(2,2)", "stride": "(2,2)",
     "pool_type": "max", "pooling_convention": "full"},
     "name": "pool", "inputs": [[0, 0, 0]]}], "heads": [[1, 0, 0]]})J";
  auto m = importText(json, {}, {Shape{1, 1, 3, 3}});
  REQUIRE(bool(m));
  Value *out = (*m)->graph.outputs()[0];
  CHECK(out->shape() == Shape{1, 1, 2, 2});
  Tensor x = Tensor::fromFloats(Shape{1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  auto y = run(**m, {x});
  const float *d = y[0].data<float>();
  // The last row/column windows hang over the edge and see one element.
  CHECK(std::vector<float>(d, d + 4) == std::vector<float>{5, 6, 8, 9});
}

TEST_CASE("BatchNorm: fix_gamma ignores the stored gamma", "[mxnet][bn]") {
  auto json = [](const char *fix) {
    return std::string(R"J({"nodes": [
    {"op": "null", "name": "data", "inputs": []},
    {"op": "null", "name": "bn_gamma", "inputs": []},
    {"op": "null", "name": "bn_beta", "inputs": []},
    {"op": "null", "name": "bn_moving_mean", "inputs": []},
    {"op": "null", "name": "bn_moving_var", "inputs": []},
    {"op": "BatchNorm", "attrs": {"eps": "0", "fix_gamma": ")J") +
           fix + R"J("}, "name": "bn",
     "inputs": [[0,0,0],[1,0,0],[2,0,0],[3,0,1],[4,0,1]]}],
     "heads": [[5, 0, 0]]})J";
  };
  std::vector<ArraySpec> params = {{"arg:bn_gamma", {1}, {3.0f}},
                                   {"arg:bn_beta", {1}, {0.5f}},
                                   {"aux:bn_moving_mean", {1}, {1.0f}},
                                   {"aux:bn_moving_var", {1}, {4.0f}}};
  Tensor x = Tensor::fromFloats(Shape{1, 1, 1, 1}, {5.0f});
  auto fixed = importText(json("True"), params, {Shape{1, 1, 1, 1}});
  REQUIRE(bool(fixed));
  CHECK(run(**fixed, {x})[0].data<float>()[0] == Approx(2.5f)); // (5-1)/2+.5
  auto learned = importText(json("False"), params, {Shape{1, 1, 1, 1}});
  REQUIRE(bool(learned));
  CHECK(run(**learned, {x})[0].data<float>()[0] == Approx(6.5f));
}

TEST_CASE("SliceChannel, LeakyReLU(prelu), Reshape codes end to end",
          "[mxnet][import]") {
  const char *json = R"J({"nodes": [
    {"op": "null", "name": "data", "inputs": []},
    {"op": "SliceChannel", "param": {"num_outputs": "2", "axis": "1"},
     "name": "slice", "inputs": [[0, 0]]},
    {"op": "null", "name": "pr_gamma", "inputs": []},
    {"op": "LeakyReLU", "param": {"act_type": "prelu"}, "name": "pr",
     "inputs": [[1, 1], [2, 0]]},
    {"op": "Reshape", "param": {"shape": "(0,-3)"}, "name": "flat",
     "inputs": [[3, 0]]},
    {"op": "_rminus_scalar", "param": {"scalar": "10"}, "name": "rm",
     "inputs": [[1, 0]]}],
    "heads": [[4, 0], [5, 0]]})J";
  auto m = importText(json, {{"arg:pr_gamma", {2}, {0.5f, 0.25f}}},
                      {Shape{1, 4, 1, 1}});
  REQUIRE(bool(m));
  auto outs = (*m)->graph.outputs();
  REQUIRE(outs.size() == 2);
  CHECK(outs[0]->shape() == Shape{1, 2});
  CHECK(outs[1]->shape() == Shape{1, 2, 1, 1});
  auto y = run(**m, {Tensor::fromFloats(Shape{1, 4, 1, 1}, {1, 2, -4, 8})});
  CHECK(y[0].data<float>()[0] == Approx(-2.0f)); // -4 * 0.5
  CHECK(y[0].data<float>()[1] == Approx(8.0f));
  CHECK(y[1].data<float>()[0] == Approx(9.0f)); // 10 - 1
  CHECK(y[1].data<float>()[1] == Approx(8.0f));
}

TEST_CASE("every unsupported op and every missing parameter at once",
          "[mxnet][errors]") {
  const char *json = R"J({"nodes": [
    {"op": "null", "name": "data", "inputs": []},
    {"op": "FooOp", "name": "foo1", "inputs": [[0, 0]]},
    {"op": "_contrib_MultiBoxPrior", "name": "prior", "inputs": [[1, 0]]},
    {"op": "FooOp", "name": "foo2", "inputs": [[2, 0]]}],
    "heads": [[3, 0]]})J";
  auto m = importText(json, {}, {Shape{1, 1}});
  REQUIRE_FALSE(bool(m));
  std::string msg = llvm::toString(m.takeError());
  CHECK_THAT(msg, Catch::Contains("t-symbol.json: 3 node(s) use unsupported "
                                  "ops [FooOp, _contrib_MultiBoxPrior]"));
  CHECK_THAT(msg, Catch::Contains("node 'foo1' (FooOp)"));
  CHECK_THAT(msg, Catch::Contains("node 'foo2' (FooOp)"));

  const char *conv = R"J({"nodes": [
    {"op": "null", "name": "data", "inputs": []},
    {"op": "null", "name": "c_weight", "inputs": []},
    {"op": "null", "name": "c_bias", "inputs": []},
    {"op": "Convolution", "param": {"kernel": "(1,1)", "num_filter": "2"},
     "name": "c", "inputs": [[0, 0], [1, 0], [2, 0]]}], "heads": [[3, 0]]})J";
  m = importText(conv, {{"arg:other_weight", {1}, {1}}}, {Shape{1, 1, 2, 2}});
  REQUIRE_FALSE(bool(m));
  msg = llvm::toString(m.takeError());
  CHECK_THAT(msg, Catch::Contains("t.params: 2 parameter(s) that "
                                  "t-symbol.json needs are missing"));
  CHECK_THAT(msg, Catch::Contains("'c_weight' (read by node 'c' "
                                  "(Convolution))"));
  // A weight of the wrong shape names the layer and the parameter.
  m = importText(
      conv,
      {{"arg:c_weight", {3, 1, 1, 1}, {1, 2, 3}}, {"arg:c_bias", {2}, {0, 0}}},
      {Shape{1, 1, 2, 2}});
  REQUIRE_FALSE(bool(m));
  CHECK_THAT(llvm::toString(m.takeError()),
             Catch::Contains("t-symbol.json: node 'c' (Convolution): weight "
                             "'c_weight' has shape [3,1,1,1]"));
}

TEST_CASE("the op table is sorted and unique", "[mxnet][table]") {
  std::vector<llvm::StringRef> ops = supportedMxnetOps();
  REQUIRE(ops.size() > 40);
  for (size_t i = 1; i < ops.size(); ++i)
    CHECK(ops[i - 1] < ops[i]);
}

TEST_CASE("Deconvolution, UpSampling, Crop, FullyConnected(flatten=False)",
          "[mxnet][import]") {
  const char *json = R"J({"nodes": [
    {"op": "null", "name": "data", "inputs": []},
    {"op": "null", "name": "up_weight", "inputs": []},
    {"op": "Deconvolution", "attrs": {"kernel": "(2,2)", "stride": "(2,2)",
     "num_filter": "1"}, "name": "up", "inputs": [[0, 0, 0], [1, 0, 0]]},
    {"op": "UpSampling", "attrs": {"scale": "2", "sample_type": "nearest",
     "num_args": "1"}, "name": "nn", "inputs": [[0, 0, 0]]},
    {"op": "Crop", "attrs": {"h_w": "(2,2)", "center_crop": "True",
     "num_args": "1"}, "name": "crop", "inputs": [[2, 0, 0]]},
    {"op": "null", "name": "fc_weight", "inputs": []},
    {"op": "FullyConnected", "attrs": {"num_hidden": "1", "no_bias": "True",
     "flatten": "False"}, "name": "fc", "inputs": [[3, 0, 0], [5, 0, 0]]}],
    "heads": [[4, 0, 0], [6, 0, 0]]})J";
  auto m = importText(json,
                      {{"arg:up_weight", {1, 1, 2, 2}, {1, 2, 3, 4}},
                       {"arg:fc_weight", {1, 4}, {1, 1, 1, 1}}},
                      {Shape{1, 1, 1, 2}});
  REQUIRE(bool(m));
  auto outs = (*m)->graph.outputs();
  CHECK(outs[0]->shape() == Shape{1, 1, 2, 2});
  CHECK(outs[1]->shape() == Shape{1, 1, 2, 1});
  KernelContext k(1);
  auto y = runGraph((*m)->graph,
                    {Tensor::fromFloats(Shape{1, 1, 1, 2}, {1, 10})}, k);
  REQUIRE(bool(y));
  // Deconvolution of [1, 10] by [[1,2],[3,4]] (stride 2) is
  // [[1,2,10,20],[3,4,30,40]]; the centre 2x2 crop is [[2,10],[4,30]].
  const float *c = (*y)[0].data<float>();
  CHECK(std::vector<float>(c, c + 4) == std::vector<float>{2, 10, 4, 30});
  // UpSampling x2 repeats: rows [1,1,10,10]; the FC sums each row: 22.
  const float *f = (*y)[1].data<float>();
  CHECK(f[0] == Approx(22.0f));
  CHECK(f[1] == Approx(22.0f));
}
