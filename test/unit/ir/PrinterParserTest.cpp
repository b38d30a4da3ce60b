#include "ir/Parser.h"
#include "ir/Printer.h"
#include "ir/Weights.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>

using namespace onntc;

namespace {

/// Parses `text` (without verification unless asked), failing the test on
/// error.
ParsedModule parseOk(llvm::StringRef text, bool verify = false) {
  ParseOptions o;
  o.verify = verify;
  auto r = parseModuleText(text, "test.tir", o);
  if (!r)
    FAIL(llvm::toString(r.takeError()));
  return std::move(*r);
}

std::string parseErr(llvm::StringRef text) {
  auto r = parseModuleText(text, "bad.tir");
  REQUIRE(!r);
  return llvm::toString(r.takeError());
}

const char *kSample =
    "module @m stage=imported target=\"BM1684X\" source=\"m.onnx\"\n"
    "graph (%x: tensor<1x3x?x?xf32>, %\"in:1\": tensor<4xi64>) -> (%y, %s1) {\n"
    "  %w = constant dense<[0.25, -1.0, 3.0]> : tensor<3x1x1x1xf32>\n"
    "  %y = conv(%x, %w, none) {group = 3, kernel_shape = [1, 1]} : "
    "tensor<1x3x?x?xf32> on tpu loc(\"m.onnx\":\"/c/Conv\":\"Conv\":13)\n"
    "  %s1, %s2 = split(%\"in:1\") : tensor<2xi64>, tensor<2xi64>\n"
    "  %q = relu(%x) : tensor<1x3x?x?xf32, quant<scale=[0.5], zp=[3], "
    "axis=-1>>\n"
    "}\n";

} // namespace

TEST_CASE("printer output is parsed back to the same text", "[ir][text]") {
  ParsedModule p = parseOk(kSample);
  CHECK(printModuleToString(*p.module) == kSample);
  const Module &m = *p.module;
  CHECK(m.name == "m");
  CHECK(m.target == "BM1684X");
  CHECK(m.sourceFile == "m.onnx");
  REQUIRE(m.graph.inputs().size() == 2);
  CHECK(m.graph.inputs()[1]->name() == "in:1");
  CHECK(m.graph.inputs()[0]->shape()[2] == kDynamicDim);
  Value *y = m.graph.findValue("y");
  REQUIRE(y);
  Node *conv = y->producer();
  CHECK(conv->kind() == OpKind::Conv);
  CHECK(conv->numInputs() == 3);
  CHECK(conv->input(2) == nullptr);
  CHECK(conv->getInt("group") == 3);
  CHECK(conv->placement() == Placement::Tpu);
  CHECK(conv->loc().node == "/c/Conv");
  CHECK(conv->loc().opset == 13);
  CHECK(conv->name() == "/c/Conv");
  const Tensor *w = conv->input(1)->constantValue();
  REQUIRE(w);
  CHECK(w->data<float>()[1] == -1.0f);
  Value *s2 = m.graph.findValue("s2");
  REQUIRE(s2);
  CHECK(s2->producer()->numOutputs() == 2);
  CHECK(s2->resultIndex() == 1);
  const TensorType &qt = m.graph.findValue("q")->type();
  REQUIRE(qt.quant);
  CHECK(qt.quant->scale == std::vector<float>{0.5f});
  CHECK(qt.quant->zeroPoint == std::vector<int32_t>{3});
}

TEST_CASE("attributes print sorted and without Ops.def defaults",
          "[ir][text]") {
  Module m;
  m.name = "attrs";
  Value *x = m.graph.addInput("x", TensorType(DType::F32, Shape{1, 2, 4, 4}));
  Node *pool = m.graph.createNode(OpKind::MaxPool, {x}, {"p"}, "pool");
  pool->setAttr("strides", std::vector<int64_t>{2, 2});
  pool->setAttr("kernel_shape", std::vector<int64_t>{2, 2});
  pool->setAttr("ceil_mode", int64_t(0)); // the default: left out
  pool->output()->setType(TensorType(DType::F32, Shape{1, 2, 2, 2}));
  m.graph.addOutput(pool->output());
  std::string text = printModuleToString(m);
  CHECK(
      text.find("%p = max_pool(%x) {kernel_shape = [2, 2], strides = [2, 2]} : "
                "tensor<1x2x2x2xf32>") != std::string::npos);
  ParsedModule back = parseOk(text);
  CHECK(printModuleToString(*back.module) == text);
}

TEST_CASE("floats print as the shortest text that reads back exactly",
          "[ir][text]") {
  CHECK(formatFloat(0.1f) == "0.1");
  CHECK(formatFloat(1e-5f) == "1e-05");
  CHECK(formatFloat(10.f) == "10.0");
  CHECK(formatFloat(-0.f) == "-0.0");
  CHECK(formatFloat(INFINITY) == "inf");
  CHECK(formatFloat(NAN) == "nan");
  for (float f :
       {3.14159265f, 1.17549435e-38f, 16777217.f, 0.3f, 123456.789f}) {
    float back = std::strtof(formatFloat(f).c_str(), nullptr);
    CHECK(std::memcmp(&back, &f, 4) == 0);
  }
  CHECK(printValueName("a.b_c$1/x-y") == "%a.b_c$1/x-y");
  CHECK(printValueName("a b:0") == "%\"a b:0\"");
  CHECK(printValueName("") == "%\"\"");
}

TEST_CASE("every element type round-trips as decimal and as hex",
          "[ir][text]") {
  for (DType t :
       {DType::F32, DType::F16, DType::BF16, DType::I8, DType::U8, DType::I16,
        DType::U16, DType::I32, DType::I64, DType::Bool}) {
    for (int64_t n : {int64_t(3), int64_t(40)}) {
      Module m;
      Tensor v(t, Shape{n});
      for (int64_t i = 0; i < n; ++i) {
        if (isFloat(t))
          v.setDouble(i, 0.375 * double(i) - 2);
        else if (t == DType::Bool)
          v.setInt(i, i % 2);
        else
          v.setInt(i, (i * 7) % 100 - (isSignedInt(t) ? 50 : 0));
      }
      Node *c = m.graph.createConstant("c", v);
      m.graph.addOutput(c->output());
      std::string text = printModuleToString(m);
      CHECK(text.find(n > 16 ? "dense<\"0x" : "dense<[") != std::string::npos);
      ParsedModule back = parseOk(text);
      CHECK(printModuleToString(*back.module) == text);
      const Tensor *bt = back.module->graph.findValue("c")->constantValue();
      REQUIRE(bt);
      REQUIRE(bt->byteSize() == v.byteSize());
      CHECK(std::memcmp(bt->raw(), v.raw(), v.byteSize()) == 0);
    }
  }
}

TEST_CASE("parse errors carry file, line, column and a caret", "[ir][text]") {
  std::string e = parseErr("module @m stage=imported target=\"\" source=\"\"\n"
                           "graph (%x: tensor<2xf32>) -> (%x) {\n"
                           "  %y = relu(%x) {alpha = 1.0} : tensor<2xf32>\n"
                           "}\n");
  CHECK(e == "bad.tir:3:18: error: unknown attribute 'alpha' for 'relu'\n"
             "  %y = relu(%x) {alpha = 1.0} : tensor<2xf32>\n"
             "                 ^");
  CHECK(parseErr("module @m stage=final")
            .find("bad.tir:1:17: error: unknown stage 'final'") == 0);
  CHECK(parseErr("").find("bad.tir:1:1: error: expected 'module'") == 0);
  CHECK(parseErr("module @m\ngraph (%x: tensor<2xf32) -> () {}\n")
            .find("2:24: error: expected '>' to close the type, found ')'") !=
        std::string::npos);
  CHECK(parseErr("module @m\ngraph () -> () {\n  %a = constant dense<[1]> : "
                 "tensor<2x?xf32>\n}\n")
            .find("a tensor literal needs a static shape") !=
        std::string::npos);
  CHECK(
      parseErr(
          "module @m\ngraph (%x: tensor<2xf32>) -> () {\n  %a, %b = relu(%x) : "
          "tensor<2xf32>, tensor<2xf32>\n}\n")
          .find("'relu' produces 1 results, not 2") != std::string::npos);
  CHECK(parseErr(
            "module @m\ngraph (%x: tensor<2xf32>) -> () {\n  %a = relu(%x) : "
            "tensor<2xf32, quant<scale=[1.0, 2.0, 3.0], zp=[0, 0, 0], "
            "axis=0>>\n}\n")
            .find("per-channel quant<...> has 3 scales but axis 0") !=
        std::string::npos);
}

TEST_CASE("every op of Ops.def prints and parses back", "[ir][text]") {
  for (const OpInfo &info : allOps()) {
    INFO("op " << info.name.str());
    Module m;
    int nin = info.minInputs, nout = std::max(info.minOutputs, 1);
    std::vector<Value *> ins;
    for (int i = 0; i < nin; ++i)
      ins.push_back(
          m.graph.addInput("in" + std::to_string(i),
                           TensorType(DType::F32, Shape{2, kDynamicDim})));
    std::vector<std::string> outs;
    for (int i = 0; i < nout; ++i)
      outs.push_back("out" + std::to_string(i));
    Node *n = m.graph.createNode(info.kind, ins, outs, "n");
    // One value of each declared attribute, different from its default.
    for (const AttrSpec &a : info.attrs) {
      switch (a.kind) {
      case AttrKind::Int:
        n->setAttr(a.name, int64_t(3));
        break;
      case AttrKind::Float:
        n->setAttr(a.name, 0.125f);
        break;
      case AttrKind::String:
        n->setAttr(a.name, std::string("v\"q"));
        break;
      case AttrKind::Ints:
        n->setAttr(a.name, std::vector<int64_t>{1, -2});
        break;
      case AttrKind::Floats:
        n->setAttr(a.name, std::vector<float>{0.5f});
        break;
      case AttrKind::Strings:
        n->setAttr(a.name, std::vector<std::string>{"a", ""});
        break;
      case AttrKind::Type:
        n->setAttr(a.name, DType::I16);
        break;
      case AttrKind::Tensor:
        n->setAttr(a.name, Tensor::fromFloats(Shape{1}, {2.5f}));
        break;
      }
    }
    for (int i = 0; i < nout; ++i)
      n->output(unsigned(i))->setType(TensorType(DType::F32, Shape{1}));
    m.graph.addOutput(n->output());
    std::string text = printModuleToString(m);
    ParsedModule back = parseOk(text);
    CHECK(printModuleToString(*back.module) == text);
    Node *bn = back.module->graph.outputs()[0]->producer();
    REQUIRE(bn);
    CHECK(bn->kind() == info.kind);
    CHECK(bn->attrs().entries().size() == n->attrs().entries().size());
  }
}

TEST_CASE("absurd sizes and nesting are errors, not crashes", "[ir][text]") {
  CHECK(
      parseErr(
          "module @m\ngraph (%x: tensor<2xf32>) -> () {\n  %\"\" = relu(%x) : "
          "tensor<2xf32>\n}\n")
          .find("3:4: error: a value name cannot be empty") !=
      std::string::npos);
  CHECK(parseErr("module @m\ngraph (%\"\": tensor<2xf32>) -> () {\n}\n")
            .find("2:9: error: a value name cannot be empty") !=
        std::string::npos);
  CHECK(parseErr(
            "module @m\ngraph () -> (%c) {\n  %c = constant dense<\"0x00\"> : "
            "tensor<99999999999x99999999999xf32>\n}\n")
            .find("3:17: error: type tensor<99999999999x99999999999xf32> is "
                  "too large") != std::string::npos);
  std::string deep = "module @d\ngraph (%x: tensor<2xf32>) -> (%x) {\n";
  for (int i = 0; i < 100; ++i)
    deep += "  %y = identity(%x) : tensor<2xf32> {\n graph (%x: tensor<2xf32>) "
            "-> (%x) {\n";
  CHECK(parseErr(deep).find("regions nest deeper than 64 levels") !=
        std::string::npos);
}

TEST_CASE("no prefix of a valid text crashes the parser", "[ir][text]") {
  std::string text = kSample;
  size_t ok = 0;
  for (size_t len = 0; len < text.size(); ++len) {
    auto r = parseModuleText(text.substr(0, len), "cut.tir");
    if (r)
      ++ok;
    else
      CHECK(llvm::toString(r.takeError()).rfind("cut.tir:", 0) == 0);
  }
  // Only the texts that lack just the final newline are complete.
  CHECK(ok <= 1);
}

TEST_CASE("weights sidecar writes, validates and reads back", "[ir][weights]") {
  WeightsWriter w;
  Tensor a = Tensor::fromFloats(Shape{2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor b = Tensor::fromInts(DType::I64, Shape{5}, {1, -2, 3, -4, 5});
  Tensor s = Tensor::fromInts(DType::I8, Shape{}, {-7});
  CHECK(w.add("a", a) == "a");
  CHECK(w.add("a", b) == "a_1");   // key taken: made unique
  CHECK(w.add("other", a) == "a"); // same buffer: stored once
  CHECK(w.add("", s) == "w");
  CHECK(w.size() == 3);
  std::string img = w.serialize();
  CHECK(img.size() % kWeightsAlign == 0);
  auto f = WeightsFile::fromBuffer(img, "t.weights");
  REQUIRE(!!f);
  CHECK((*f)->keys() == std::vector<std::string>{"a", "a_1", "w"});
  const Tensor *ra = (*f)->find("a_1");
  REQUIRE(ra);
  CHECK(ra->dtype() == DType::I64);
  CHECK(ra->toInts() == std::vector<int64_t>{1, -2, 3, -4, 5});
  CHECK(reinterpret_cast<uintptr_t>(ra->raw()) % 64 == 0);
  CHECK((*f)->find("w")->shape().rank() == 0);
  CHECK((*f)->keyOf(*(*f)->find("a")) == llvm::StringRef("a"));
  CHECK(!(*f)->keyOf(a)); // a different buffer with equal contents

  // Every truncation is rejected with a message, never a crash.
  for (size_t len = 0; len < img.size(); len += 7) {
    auto bad = WeightsFile::fromBuffer(llvm::StringRef(img).take_front(len),
                                       "t.weights");
    REQUIRE(!bad);
    CHECK(llvm::toString(bad.takeError()).rfind("t.weights: ", 0) == 0);
  }
  // A corrupted dtype code and an overlong key length in the index.
  std::string badType = img;
  badType[48 + 4 + 1] = char(42);
  auto e1 = WeightsFile::fromBuffer(badType, "t.weights");
  REQUIRE(!e1);
  CHECK(llvm::toString(e1.takeError()).find("unknown element type code 42") !=
        std::string::npos);
  std::string badKey = img;
  badKey[48 + 3] = char(0x7f);
  auto e2 = WeightsFile::fromBuffer(badKey, "t.weights");
  REQUIRE(!e2);
  CHECK(llvm::toString(e2.takeError()).find("runs past the end of the index") !=
        std::string::npos);
}

TEST_CASE("writeModuleFiles writes text plus sidecar that parse back",
          "[ir][weights]") {
  llvm::SmallString<128> dir;
  REQUIRE(!llvm::sys::fs::createUniqueDirectory("onntc-irtext", dir));
  Module m;
  m.name = "files";
  std::vector<float> big(100);
  for (size_t i = 0; i < big.size(); ++i)
    big[i] = float(i) * 0.5f;
  Value *x = m.graph.addInput("x", TensorType(DType::F32, Shape{100}));
  Node *c =
      m.graph.createConstant("fc.weight", Tensor::fromFloats(Shape{100}, big));
  Node *add = m.graph.createNode(OpKind::Add, {x, c->output()}, {"y"}, "add");
  add->output()->setType(TensorType(DType::F32, Shape{100}));
  m.graph.addOutput(add->output());
  llvm::SmallString<128> tir(dir);
  llvm::sys::path::append(tir, "net.tir");
  REQUIRE(!writeModuleFiles(m, tir));
  llvm::SmallString<128> wpath(dir);
  llvm::sys::path::append(wpath, "net.weights");
  CHECK(llvm::sys::fs::exists(wpath));
  auto back = parseModuleFile(tir);
  REQUIRE(!!back);
  REQUIRE(back->weights);
  auto onDisk = llvm::MemoryBuffer::getFile(tir);
  REQUIRE(!!onDisk);
  llvm::StringRef text = (*onDisk)->getBuffer();
  CHECK(text.contains("weights=\"net.weights\""));
  CHECK(text.contains("%fc.weight = constant @fc.weight : tensor<100xf32>"));
  // Printed again with the loaded sidecar, the text refers to it unchanged;
  // without it, the tensor goes inline as hex.
  PrintOptions reuse;
  reuse.existing = back->weights.get();
  CHECK(printModuleToString(*back->module, reuse) == text);
  CHECK(printModuleToString(*back->module).find("dense<\"0x") !=
        std::string::npos);
  const Tensor *t = back->module->graph.findValue("fc.weight")->constantValue();
  REQUIRE(t);
  CHECK(t->data<float>()[99] == 49.5f);
  llvm::sys::fs::remove_directories(dir);
}
