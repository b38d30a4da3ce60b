//===- TorchImporterTest.cpp - the TorchScript importer on built graphs ---===//
//
// The op importers work on the torch-free TsGraph, so these tests build
// graphs by hand (the shapes traced torchvision graphs have) without libtorch.
//
//===----------------------------------------------------------------------===//
#include "frontends/torch/TorchImporter.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace onntc;

namespace {

struct Builder {
  TsGraph g;
  int value(const std::string &name, const std::string &type = "Tensor") {
    g.valueNames.push_back(name);
    g.valueTypes.push_back(type);
    return int(g.valueNames.size()) - 1;
  }
  int input(const std::string &name) {
    int v = value(name);
    g.inputs.push_back(v);
    return v;
  }
  std::vector<int> node(const std::string &kind, std::vector<int> ins,
                        std::vector<std::string> outs, bool blocks = false) {
    TsNode n;
    n.kind = kind;
    n.inputs = std::move(ins);
    for (const std::string &o : outs)
      n.outputs.push_back(value(o));
    n.hasBlocks = blocks;
    n.source = "model.py:" + std::to_string(g.nodes.size() + 1);
    g.nodes.push_back(n);
    return g.nodes.back().outputs;
  }
  int constInt(int64_t i) {
    TsConst c;
    c.kind = TsConst::Int;
    c.i = i;
    return constant(c, "int");
  }
  int constant(TsConst c, const std::string &type) {
    TsNode n;
    n.kind = "prim::Constant";
    n.outputs.push_back(value("c" + std::to_string(g.nodes.size()), type));
    n.constant = std::move(c);
    g.nodes.push_back(n);
    return n.outputs[0];
  }
};

TorchImportOptions shapes(std::vector<Shape> s) {
  TorchImportOptions o;
  o.shapes = std::move(s);
  return o;
}

} // namespace

TEST_CASE("the op table is sorted and has the traced classifier ops",
          "[torch]") {
  std::vector<llvm::StringRef> ops = supportedTorchOps();
  CHECK(std::is_sorted(ops.begin(), ops.end()));
  for (const char *k : {"aten::_convolution", "aten::batch_norm",
                        "aten::adaptive_avg_pool2d", "aten::linear",
                        "aten::chunk", "prim::ListUnpack", "prim::Constant"})
    CHECK(std::find(ops.begin(), ops.end(), k) != ops.end());
}

TEST_CASE("shape arithmetic of a traced channel shuffle folds at import",
          "[torch]") {
  // b, c = x.size(0), x.size(1); view(x, b, 2, c // 2, 4, 4)
  Builder b;
  int x = b.input("x");
  int zero = b.constInt(0), one = b.constInt(1);
  int n = b.node("aten::size", {x, zero}, {"n"})[0];
  int c = b.node("aten::size", {x, one}, {"c"})[0];
  int ct = b.node("prim::NumToTensor", {c}, {"ct"})[0];
  TsConst two;
  two.kind = TsConst::Tensor;
  two.tensor = Tensor::fromInts(DType::I64, Shape{}, {2});
  int twoT = b.constant(two, "Tensor");
  int q = b.node("aten::floor_divide", {ct, twoT}, {"q"})[0];
  int qi = b.node("aten::Int", {q}, {"qi"})[0];
  int g = b.constInt(2), four = b.constInt(4);
  int shape =
      b.node("prim::ListConstruct", {n, g, qi, four, four}, {"shape"})[0];
  int y = b.node("aten::view", {x, shape}, {"y"})[0];
  b.g.outputs = {y};
  auto m = importTorchGraph(b.g, "shuffle.pt", shapes({Shape{1, 8, 4, 4}}));
  if (!m)
    FAIL(llvm::toString(m.takeError()));
  REQUIRE((*m)->graph.outputs().size() == 1);
  CHECK((*m)->graph.outputs()[0]->shape() == Shape{1, 2, 4, 4, 4});
}

TEST_CASE("chunk + ListUnpack become slices of the right shape", "[torch]") {
  Builder b;
  int x = b.input("x");
  int two = b.constInt(2), one = b.constInt(1);
  int l = b.node("aten::chunk", {x, two, one}, {"l"})[0];
  auto parts = b.node("prim::ListUnpack", {l}, {"a", "b"});
  int t = b.node("prim::TupleConstruct", {parts[1], parts[0]}, {"t"})[0];
  b.g.outputs = {t};
  auto m = importTorchGraph(b.g, "chunk.pt", shapes({Shape{1, 6, 2, 2}}));
  if (!m)
    FAIL(llvm::toString(m.takeError()));
  REQUIRE((*m)->graph.outputs().size() == 2);
  for (Value *v : (*m)->graph.outputs()) {
    CHECK(v->shape() == Shape{1, 3, 2, 2});
    CHECK(v->producer()->kind() == OpKind::Slice);
  }
}

TEST_CASE("add with alpha scales the second operand", "[torch]") {
  Builder b;
  int x = b.input("x"), y = b.input("y");
  TsConst alpha;
  alpha.kind = TsConst::Float;
  alpha.f = 2.5;
  int a = b.constant(alpha, "float");
  int z = b.node("aten::add", {x, y, a}, {"z"})[0];
  b.g.outputs = {z};
  auto m = importTorchGraph(b.g, "add.pt",
                            shapes({Shape{2, 3}, Shape{3}}));
  if (!m)
    FAIL(llvm::toString(m.takeError()));
  Node *add = (*m)->graph.outputs()[0]->producer();
  REQUIRE(add->kind() == OpKind::Add);
  CHECK(add->output()->shape() == Shape{2, 3});
  Node *mul = add->input(1)->producer();
  REQUIRE(mul);
  CHECK(mul->kind() == OpKind::Mul);
  const Tensor *k = mul->input(1)->constantValue();
  REQUIRE(k);
  CHECK(k->getDouble(0) == 2.5);
}

TEST_CASE("every unsupported node and control flow is listed at once",
          "[torch]") {
  Builder b;
  int x = b.input("x");
  int s = b.node("aten::sort", {x}, {"s"})[0];
  int c = b.node("aten::cumprod", {s}, {"c"})[0];
  int i = b.node("prim::If", {c}, {"i"}, /*blocks=*/true)[0];
  b.g.outputs = {i};
  auto m = importTorchGraph(b.g, "bad.pt", shapes({Shape{4}}));
  REQUIRE(!m);
  std::string msg = llvm::toString(m.takeError());
  CHECK(msg.find("1 data-dependent control-flow node(s)") != std::string::npos);
  CHECK(msg.find("bad.pt: node #2 'prim::If' (output '%i', model.py:3)") !=
        std::string::npos);
  CHECK(msg.find("2 unsupported TorchScript node(s)") != std::string::npos);
  CHECK(msg.find("'aten::sort'") != std::string::npos);
  CHECK(msg.find("'aten::cumprod'") != std::string::npos);
}

TEST_CASE("input shapes are required, one per tensor input", "[torch]") {
  Builder b;
  int x = b.input("x");
  int r = b.node("aten::relu", {x}, {"r"})[0];
  b.g.outputs = {r};
  auto m = importTorchGraph(b.g, "relu.pt", TorchImportOptions{});
  REQUIRE(!m);
  CHECK(llvm::toString(m.takeError()).find(
            "relu.pt: forward takes 1 tensor input(s) but --shapes gives 0") !=
        std::string::npos);
}

TEST_CASE("a file that is not TorchScript is an error, not a crash",
          "[torch]") {
  llvm::SmallString<128> path;
  int fd = -1;
  REQUIRE(!llvm::sys::fs::createTemporaryFile("notscript", "pt", fd, path));
  {
    llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
    os << "def forward(self, x):\n    return x\n";
  }
  auto m = importTorchFile(path, shapes({Shape{1}}));
  llvm::sys::fs::remove(path);
  REQUIRE(!m);
  std::string msg = llvm::toString(m.takeError());
  CHECK(msg.find(std::string(path.str()) +
                 ": not a loadable TorchScript archive") != std::string::npos);
}

TEST_CASE("an in-place op whose input is read again is refused", "[torch]") {
  Builder b;
  int x = b.input("x");
  int r = b.node("aten::relu", {x}, {"r"})[0];
  int r2 = b.node("aten::relu_", {r}, {"r2"})[0];
  int s = b.node("aten::add", {r, r2}, {"s"})[0];
  b.g.outputs = {s};
  auto m = importTorchGraph(b.g, "alias.pt", shapes({Shape{4}}));
  REQUIRE(!m);
  std::string msg = llvm::toString(m.takeError());
  CHECK(msg.find("1 in-place node(s) whose input is read again") !=
        std::string::npos);
  CHECK(msg.find("'aten::relu_'") != std::string::npos);

  // The same op where its input dies there imports.
  Builder ok;
  int y = ok.input("y");
  int q = ok.node("aten::relu", {y}, {"q"})[0];
  int q2 = ok.node("aten::relu_", {q}, {"q2"})[0];
  ok.g.outputs = {q2};
  auto m2 = importTorchGraph(ok.g, "fine.pt", shapes({Shape{4}}));
  if (!m2)
    FAIL(llvm::toString(m2.takeError()));
}
