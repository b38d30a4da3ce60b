//===- DarknetTest.cpp - Darknet cfg/weights parsing and import -----------===//

#include "frontends/darknet/DarknetImporter.h"

#include "ir/Interpreter.h"
#include "ir/KernelContext.h"

#include <catch2/catch.hpp>

#include <cstring>

using namespace onntc;

namespace {

/// A .weights file: header (seen as uint64 from 0.2 on) + floats.
std::string weightsFile(int32_t major, int32_t minor,
                        const std::vector<float> &data) {
  std::string out;
  auto put = [&](const void *p, size_t n) {
    out.append(static_cast<const char *>(p), n);
  };
  int32_t rev = 0;
  put(&major, 4);
  put(&minor, 4);
  put(&rev, 4);
  if (major * 10 + minor >= 2) {
    uint64_t seen = 64;
    put(&seen, 8);
  } else {
    uint32_t seen = 64;
    put(&seen, 4);
  }
  put(data.data(), data.size() * 4);
  return out;
}

llvm::Expected<std::unique_ptr<Module>> import(const std::string &cfgText,
                                               const std::vector<float> &w) {
  auto cfg = parseDarknetCfg(cfgText, "t.cfg");
  if (!cfg)
    return cfg.takeError();
  auto wts = parseDarknetWeights(weightsFile(0, 2, w), "t.weights");
  if (!wts)
    return wts.takeError();
  return importDarknetModel(*cfg, *wts, {});
}

std::vector<float> run(Module &m, Tensor x) {
  KernelContext k(1);
  auto r = runGraph(m.graph, {x}, k);
  REQUIRE(bool(r));
  const Tensor &t = (*r)[0];
  return std::vector<float>(t.data<float>(), t.data<float>() + t.numElements());
}

} // namespace

TEST_CASE("cfg: sections, options, comments; errors name file and line",
          "[darknet][cfg]") {
  auto cfg = parseDarknetCfg("# comment\n[net]\nwidth = 8\n; other\n\n"
                             "[route]\nlayers = -1, 2\n",
                             "a.cfg");
  REQUIRE(bool(cfg));
  REQUIRE(cfg->sections.size() == 2);
  CHECK(cfg->sections[1].type == "route");
  CHECK(cfg->sections[1].line == 6);
  auto l = cfg->getInts(cfg->sections[1], "layers");
  REQUIRE(bool(l));
  CHECK(*l == std::vector<int64_t>{-1, 2});

  auto err = [](const char *text) {
    auto c = parseDarknetCfg(text, "b.cfg");
    REQUIRE_FALSE(bool(c));
    return llvm::toString(c.takeError());
  };
  CHECK(err("[net]\n[convolutional\nsize=3\n") ==
        "b.cfg:2: malformed section header '[convolutional' (expected "
        "[name])");
  CHECK(err("[net]\nwidth 8\n") ==
        "b.cfg:2: 'width 8' is neither a [section] nor key=value");
  CHECK(err("size=3\n[net]\n") ==
        "b.cfg:1: option 'size=3' before the first [section]");

  auto bad = parseDarknetCfg("[net]\n\n[convolutional]\nsize=abc\n", "c.cfg");
  REQUIRE(bool(bad));
  auto v = bad->getInt(bad->sections[1], "size", 1);
  REQUIRE_FALSE(bool(v));
  CHECK(llvm::toString(v.takeError()) ==
        "c.cfg:4: [convolutional] size=abc: not an integer");
}

TEST_CASE("weights: the seen width follows the version", "[darknet][weights]") {
  auto w1 = parseDarknetWeights(weightsFile(0, 1, {1, 2}), "w");
  REQUIRE(bool(w1));
  CHECK(w1->data == std::vector<float>{1, 2});
  auto w2 = parseDarknetWeights(weightsFile(0, 2, {1, 2}), "w");
  REQUIRE(bool(w2));
  CHECK(w2->data == std::vector<float>{1, 2});
  CHECK(w2->seen == 64);
  // The same bytes read with the other width would misalign the floats.
  std::string b = weightsFile(0, 1, {1, 2});
  b[4] = 2; // claim version 0.2
  auto w3 = parseDarknetWeights(b, "w");
  REQUIRE(bool(w3));
  CHECK(w3->data.size() == 1);
  auto bad = parseDarknetWeights(std::string(10, '\0'), "w");
  REQUIRE_FALSE(bool(bad));
  CHECK(llvm::toString(bad.takeError()) == "w: truncated header (revision)");
}

TEST_CASE("maxpool: Darknet's padding (size-1 total, stride 1 keeps the size)",
          "[darknet][maxpool]") {
  DnPoolGeometry g = darknetMaxPoolGeometry(13, 2, 1, 1);
  CHECK(g.padBegin == 0);
  CHECK(g.padEnd == 1);
  CHECK(g.out == 13);
  g = darknetMaxPoolGeometry(26, 2, 2, 1);
  CHECK(g.out == 13);
  g = darknetMaxPoolGeometry(13, 3, 2, 2);
  CHECK(g.padBegin == 1);
  CHECK(g.padEnd == 1);
  CHECK(g.out == 7);

  auto m = import("[net]\nchannels=1\nheight=2\nwidth=2\n"
                  "[maxpool]\nsize=2\nstride=1\n",
                  {});
  REQUIRE(bool(m));
  CHECK((*m)->graph.outputs()[0]->shape() == Shape{1, 1, 2, 2});
  // Windows reach one element past the right/bottom edge.
  CHECK(run(**m, Tensor::fromFloats(Shape{1, 1, 2, 2}, {4, 3, 2, 1})) ==
        std::vector<float>{4, 3, 2, 1});
  CHECK(run(**m, Tensor::fromFloats(Shape{1, 1, 2, 2}, {1, 2, 3, 4})) ==
        std::vector<float>{4, 4, 4, 4});
}

TEST_CASE("route: groups/group_id take a channel slice; negative indices",
          "[darknet][route]") {
  auto m = import("[net]\nchannels=4\nheight=1\nwidth=1\n"
                  "[maxpool]\nsize=1\nstride=1\n"
                  "[route]\nlayers=-1\ngroups=2\ngroup_id=1\n"
                  "[route]\nlayers=-1,0\n",
                  {});
  REQUIRE(bool(m));
  CHECK((*m)->graph.outputs()[0]->shape() == Shape{1, 6, 1, 1});
  CHECK(run(**m, Tensor::fromFloats(Shape{1, 4, 1, 1}, {1, 2, 3, 4})) ==
        std::vector<float>{3, 4, 1, 2, 3, 4});
  auto bad = import("[net]\nchannels=4\nheight=1\nwidth=1\n"
                    "[maxpool]\nsize=1\nstride=1\n[route]\nlayers=3\n",
                    {});
  REQUIRE_FALSE(bool(bad));
  CHECK(llvm::toString(bad.takeError()) ==
        "t.cfg:9: [route] layers=3: layer 1 can only refer to earlier "
        "layers, and 3 is not one");
}

TEST_CASE("convolutional: weight order, BN folding, size mismatches",
          "[darknet][conv]") {
  const char *cfg = "[net]\nchannels=1\nheight=1\nwidth=1\n"
                    "[convolutional]\nbatch_normalize=1\nfilters=1\nsize=1\n"
                    "activation=linear\n";
  // biases, scales, mean, variance, weights.
  auto m = import(cfg, {0.5f, 2.0f, 1.0f, 4.0f, 3.0f});
  REQUIRE(bool(m));
  // (3x - 1) / (sqrt(4) + 1e-6) * 2 + 0.5 at x = 2.
  CHECK(run(**m, Tensor::fromFloats(Shape{1, 1, 1, 1}, {2}))[0] ==
        Approx(5.5f));
  auto shortW = import(cfg, {0.5f, 2.0f, 1.0f, 4.0f});
  REQUIRE_FALSE(bool(shortW));
  CHECK_THAT(llvm::toString(shortW.takeError()),
             Catch::Contains("t.weights: too short: layer 0 (t.cfg:5: "
                             "[convolutional]) filters needs 1 floats but "
                             "only 0 remain"));
  auto longW = import(cfg, {0.5f, 2.0f, 1.0f, 4.0f, 3.0f, 9.0f});
  REQUIRE_FALSE(bool(longW));
  CHECK_THAT(llvm::toString(longW.takeError()),
             Catch::Contains("t.weights: too long: 1 float(s) left after "
                             "the last layer of t.cfg"));
}

TEST_CASE("unsupported sections are all listed at once", "[darknet][errors]") {
  auto m = import("[net]\nchannels=1\nheight=1\nwidth=1\n"
                  "[sam]\nfrom=-1\n[maxpool]\nsize=1\n[scale_channels]\n"
                  "from=-2\n[sam]\n",
                  {});
  REQUIRE_FALSE(bool(m));
  std::string msg = llvm::toString(m.takeError());
  CHECK_THAT(msg, Catch::Contains("t.cfg: 3 layer(s) of unsupported types "
                                  "[sam, scale_channels]"));
  CHECK_THAT(msg, Catch::Contains("t.cfg:5: [sam] (layer 0)"));
  CHECK_THAT(msg, Catch::Contains("t.cfg:11: [sam] (layer 3)"));
}

TEST_CASE("the section table is sorted", "[darknet][table]") {
  auto s = supportedDarknetSections();
  for (size_t i = 1; i < s.size(); ++i)
    CHECK(s[i - 1] < s[i]);
  auto a = supportedDarknetActivations();
  for (size_t i = 1; i < a.size(); ++i)
    CHECK(a[i - 1] < a[i]);
}
