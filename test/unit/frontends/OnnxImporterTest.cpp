#include "frontends/onnx/OnnxImporter.h"
#include "frontends/onnx/OnnxContext.h"

#include "ir/Interpreter.h"
#include "ir/Verifier.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <catch2/catch.hpp>
#include <google/protobuf/text_format.h>
#include <onnx/onnx_pb.h>

using namespace onntc;

namespace {

/// A model from ONNX text proto: `opset`, then the graph body.
onnx::ModelProto model(int opset, const std::string &graph) {
  onnx::ModelProto m;
  std::string text = "ir_version: 8\nopset_import { domain: \"\" version: " +
                     std::to_string(opset) + " }\ngraph { name: \"g\"\n" +
                     graph + "\n}\n";
  INFO(text);
  REQUIRE(google::protobuf::TextFormat::ParseFromString(text, &m));
  return m;
}

/// A value_info for a float tensor of static shape.
std::string tensorInfo(const std::string &kind, const std::string &name,
                       std::vector<int64_t> dims, int elem = 1) {
  std::string s = kind + " { name: \"" + name +
                  "\" type { tensor_type { elem_type: " + std::to_string(elem) +
                  " shape {";
  for (int64_t d : dims)
    s += " dim { dim_value: " + std::to_string(d) + " }";
  return s + " } } } }\n";
}

std::unique_ptr<Module> importOk(const onnx::ModelProto &m,
                                 OnnxImportOptions o = {}) {
  auto mod = importOnnxModel(m, "test.onnx", o);
  if (!mod) {
    FAIL(llvm::toString(mod.takeError()));
  }
  llvm::Error e = verifyGraph((*mod)->graph);
  if (e) {
    FAIL(llvm::toString(std::move(e)));
  }
  return std::move(*mod);
}

std::string importError(const onnx::ModelProto &m, bool *unsupported = nullptr,
                        OnnxImportOptions o = {}) {
  auto mod = importOnnxModel(m, "test.onnx", o);
  REQUIRE(!bool(mod));
  std::string msg;
  bool unsup = false;
  llvm::handleAllErrors(
      mod.takeError(),
      [&](const OnnxUnsupportedError &u) {
        unsup = true;
        llvm::raw_string_ostream os(msg);
        u.log(os);
      },
      [&](const llvm::ErrorInfoBase &b) { msg = b.message(); });
  if (unsupported)
    *unsupported = unsup;
  return msg;
}

std::vector<const Node *> nodesOf(const Module &m, OpKind k) {
  std::vector<const Node *> out;
  for (const auto &n : m.graph.nodes())
    if (n->kind() == k)
      out.push_back(n.get());
  return out;
}

std::vector<Tensor> run(const Module &m, std::vector<Tensor> inputs) {
  KernelContext ctx(1);
  auto r = runGraph(m.graph, inputs, ctx);
  if (!r) {
    FAIL(llvm::toString(r.takeError()));
  }
  return std::move(*r);
}

std::vector<float> floats(const Tensor &t) {
  std::vector<float> v;
  for (int64_t i = 0; i < t.numElements(); ++i)
    v.push_back(float(t.getDouble(i)));
  return v;
}

} // namespace

TEST_CASE("the op table is sorted, unique and searchable", "[onnx]") {
  llvm::ArrayRef<OnnxOpRow> table = onnxOpTable();
  REQUIRE(table.size() > 100);
  for (size_t i = 1; i < table.size(); ++i) {
    INFO(table[i - 1].name << " / " << table[i].name);
    CHECK(llvm::StringRef(table[i - 1].name) < llvm::StringRef(table[i].name));
  }
  for (const OnnxOpRow &r : table) {
    CHECK(findOnnxOp(r.name) == &r);
    CHECK(r.minOpset >= kMinOnnxOpset);
    CHECK(r.minOpset <= kMaxOnnxOpset);
  }
  CHECK(findOnnxOp("LSTM") == nullptr);
  CHECK(findOnnxOp("conv") == nullptr);
  CHECK(supportedOnnxOps().size() == table.size());
}

TEST_CASE("nodes carry source locations and initializers become constants",
          "[onnx]") {
  auto m = model(13, R"(
    node { name: "fc" op_type: "Gemm" input: "x" input: "w" input: "b" output: "y"
           attribute { name: "transB" i: 1 type: INT } }
    initializer { name: "w" dims: 2 dims: 3 data_type: 1 float_data: [1, 2, 3, 4, 5, 6] }
    initializer { name: "b" dims: 2 data_type: 1 raw_data: "\000\000\200?\000\000\000@" }
  )" + tensorInfo("input", "x", {1, 3}) +
                         tensorInfo("input", "w", {2, 3}) +
                         tensorInfo("output", "y", {1, 2}));
  auto mod = importOk(m);
  // w is both an input and an initializer: a constant, not a network input.
  REQUIRE(mod->graph.inputs().size() == 1);
  CHECK(mod->graph.inputs()[0]->name() == "x");
  auto gemm = nodesOf(*mod, OpKind::Gemm);
  REQUIRE(gemm.size() == 1);
  CHECK(gemm[0]->loc().file == "test.onnx");
  CHECK(gemm[0]->loc().node == "fc");
  CHECK(gemm[0]->loc().opType == "Gemm");
  CHECK(gemm[0]->loc().opset == 13);
  CHECK(gemm[0]->getInt("transB") == 1);
  for (const auto &n : mod->graph.nodes())
    CHECK(!n->loc().empty());
  auto out = run(*mod, {Tensor::fromFloats(Shape{1, 3}, {1, 1, 1})});
  CHECK(floats(out[0]) == std::vector<float>{7, 17});
}

TEST_CASE("auto_pad becomes explicit pads", "[onnx]") {
  auto conv = [](const std::string &autoPad, int stride) {
    return model(13, R"(
      node { name: "c" op_type: "Conv" input: "x" input: "w" output: "y"
             attribute { name: "auto_pad" s: ")" +
                         autoPad + R"(" type: STRING }
             attribute { name: "strides" ints: [)" +
                         std::to_string(stride) + ", " +
                         std::to_string(stride) + R"(] type: INTS } }
      initializer { name: "w" dims: [1, 1, 2, 2] data_type: 1 float_data: [1, 1, 1, 1] }
    )" + tensorInfo("input", "x", {1, 1, 5, 5}) +
                         tensorInfo("output", "y", {}));
  };
  auto upper = importOk(conv("SAME_UPPER", 1));
  CHECK(nodesOf(*upper, OpKind::Conv)[0]->getInts("pads") ==
        llvm::ArrayRef<int64_t>({0, 0, 1, 1}));
  auto lower = importOk(conv("SAME_LOWER", 1));
  CHECK(nodesOf(*lower, OpKind::Conv)[0]->getInts("pads") ==
        llvm::ArrayRef<int64_t>({1, 1, 0, 0}));
  auto valid = importOk(conv("VALID", 2));
  CHECK(nodesOf(*valid, OpKind::Conv)[0]->getInts("pads") ==
        llvm::ArrayRef<int64_t>({0, 0, 0, 0}));
  CHECK(valid->graph.outputs()[0]->shape() == Shape({1, 1, 2, 2}));
  // Stride 2 on 5 -> 3 outputs; window 2 needs one row of padding in total.
  auto strided = importOk(conv("SAME_UPPER", 2));
  CHECK(nodesOf(*strided, OpKind::Conv)[0]->getInts("pads") ==
        llvm::ArrayRef<int64_t>({0, 0, 1, 1}));
  CHECK(strided->graph.outputs()[0]->shape() == Shape({1, 1, 3, 3}));
  std::string err = importError(conv("SAME_MIDDLE", 1));
  CHECK(err ==
        "test.onnx: node 'c' (Conv, opset 13): auto_pad=SAME_MIDDLE is not a "
        "valid value (NOTSET, SAME_UPPER, SAME_LOWER or VALID)");
}

TEST_CASE("ConvTranspose output_shape becomes pads", "[onnx]") {
  auto m = model(13, R"(
    node { name: "ct" op_type: "ConvTranspose" input: "x" input: "w" output: "y"
           attribute { name: "strides" ints: [3, 2] type: INTS }
           attribute { name: "output_shape" ints: [10, 8] type: INTS } }
    initializer { name: "w" dims: [1, 2, 3, 3] data_type: 1
                  float_data: [1,1,1,1,1,1,1,1,1, 1,1,1,1,1,1,1,1,1] }
  )" + tensorInfo("input", "x", {1, 1, 3, 3}) +
                         tensorInfo("output", "y", {}));
  auto mod = importOk(m);
  const Node *ct = nodesOf(*mod, OpKind::ConvTranspose)[0];
  // Unpadded 3*(3-1)+3 = 9 rows, 2*(3-1)+3 = 7 columns: one short each,
  // made up by output_padding.
  CHECK(ct->getInts("output_padding") == llvm::ArrayRef<int64_t>({1, 1}));
  CHECK(mod->graph.outputs()[0]->shape() == Shape({1, 2, 10, 8}));
}

TEST_CASE("opset < 13 softmax keeps its flatten-to-2-D meaning", "[onnx]") {
  auto sm = [](int opset, int axis) {
    return model(opset, R"(
      node { name: "s" op_type: "Softmax" input: "x" output: "y"
             attribute { name: "axis" i: )" +
                            std::to_string(axis) + R"( type: INT } }
    )" + tensorInfo("input", "x", {2, 2, 2}) +
                            tensorInfo("output", "y", {}));
  };
  Tensor x = Tensor::fromFloats(Shape{2, 2, 2}, {0, 1, 2, 3, 0, 0, 0, 0});
  auto old = importOk(sm(11, 1));
  CHECK(nodesOf(*old, OpKind::Flatten).size() == 1);
  auto y = floats(run(*old, {x})[0]);
  float total = y[0] + y[1] + y[2] + y[3];
  CHECK(total == Approx(1.f));
  CHECK(y[4] == Approx(0.25f));
  // The last axis needs no reshapes.
  auto last = importOk(sm(11, 2));
  CHECK(nodesOf(*last, OpKind::Flatten).empty());
  CHECK(nodesOf(*last, OpKind::Softmax)[0]->getInt("axis") == -1);
  auto newer = importOk(sm(13, 1));
  CHECK(nodesOf(*newer, OpKind::Flatten).empty());
  auto y13 = floats(run(*newer, {x})[0]);
  CHECK(y13[0] + y13[2] == Approx(1.f));
}

TEST_CASE("operands moved from attributes to inputs", "[onnx]") {
  SECTION("Clip opset 6..10 min/max attributes") {
    auto m = model(9, R"(
      node { name: "c" op_type: "Clip" input: "x" output: "y"
             attribute { name: "min" f: -1 type: FLOAT } attribute { name: "max" f: 2 type: FLOAT } }
    )" + tensorInfo("input", "x", {3}) +
                          tensorInfo("output", "y", {}));
    auto mod = importOk(m);
    const Node *clip = nodesOf(*mod, OpKind::Clip)[0];
    REQUIRE(clip->numInputs() == 3);
    CHECK(clip->input(1)->constantValue());
    CHECK(floats(run(*mod, {Tensor::fromFloats(Shape{3}, {-5, 0, 5})})[0]) ==
          std::vector<float>{-1, 0, 2});
  }
  SECTION("Slice opset 9 attributes") {
    auto m = model(9, R"(
      node { name: "s" op_type: "Slice" input: "x" output: "y"
             attribute { name: "starts" ints: [1] type: INTS }
             attribute { name: "ends" ints: [1000] type: INTS }
             attribute { name: "axes" ints: [1] type: INTS } }
    )" + tensorInfo("input", "x", {2, 3}) +
                          tensorInfo("output", "y", {}));
    auto mod = importOk(m);
    CHECK(nodesOf(*mod, OpKind::Slice)[0]->numInputs() == 4);
    CHECK(floats(run(*mod, {Tensor::fromFloats(Shape{2, 3},
                                               {1, 2, 3, 4, 5, 6})})[0]) ==
          std::vector<float>{2, 3, 5, 6});
  }
  SECTION("Pad opset 2..10 attributes") {
    auto m = model(9, R"(
      node { name: "p" op_type: "Pad" input: "x" output: "y"
             attribute { name: "pads" ints: [1, 0] type: INTS }
             attribute { name: "value" f: 7 type: FLOAT } }
    )" + tensorInfo("input", "x", {2}) +
                          tensorInfo("output", "y", {}));
    auto mod = importOk(m);
    CHECK(floats(run(*mod, {Tensor::fromFloats(Shape{2}, {1, 2})})[0]) ==
          std::vector<float>{7, 1, 2});
  }
  SECTION("Split opset 11 split attribute") {
    auto m = model(11, R"(
      node { name: "sp" op_type: "Split" input: "x" output: "a" output: "b"
             attribute { name: "split" ints: [1, 3] type: INTS } }
    )" + tensorInfo("input", "x", {4}) +
                           tensorInfo("output", "a", {}) +
                           tensorInfo("output", "b", {}));
    auto mod = importOk(m);
    CHECK(mod->graph.outputs()[1]->shape() == Shape({3}));
  }
  SECTION("opset 13 axes inputs of Squeeze and ReduceSum become attributes") {
    auto m = model(13, R"(
      node { name: "sq" op_type: "Squeeze" input: "x" input: "ax" output: "s" }
      node { name: "rs" op_type: "ReduceSum" input: "s" input: "ax2" output: "y"
             attribute { name: "keepdims" i: 0 type: INT } }
      initializer { name: "ax" dims: [1] data_type: 7 int64_data: [0] }
      initializer { name: "ax2" dims: [1] data_type: 7 int64_data: [-1] }
    )" + tensorInfo("input", "x", {1, 2, 3}) +
                           tensorInfo("output", "y", {}));
    auto mod = importOk(m);
    CHECK(nodesOf(*mod, OpKind::Squeeze)[0]->getInts("axes") ==
          llvm::ArrayRef<int64_t>({0}));
    CHECK(nodesOf(*mod, OpKind::ReduceSum)[0]->getInts("axes") ==
          llvm::ArrayRef<int64_t>({-1}));
    CHECK(floats(run(*mod, {Tensor::fromFloats(Shape{1, 2, 3},
                                               {1, 2, 3, 4, 5, 6})})[0]) ==
          std::vector<float>{6, 15});
  }
  SECTION("computed axes are unsupported") {
    auto m = model(13, R"(
      node { name: "rs" op_type: "ReduceSum" input: "x" input: "axes" output: "y" }
    )" + tensorInfo("input", "x", {2, 3}) +
                           tensorInfo("input", "axes", {1}, 7) +
                           tensorInfo("output", "y", {}));
    bool unsupported = false;
    std::string err = importError(m, &unsupported);
    CHECK(unsupported);
    CHECK(err.find("node 'rs' (ReduceSum, opset 13): input 1 (axes) must be a "
                   "constant") != std::string::npos);
  }
  SECTION("Upsample opset 7 becomes Resize") {
    auto m = model(7, R"(
      node { name: "u" op_type: "Upsample" input: "x" output: "y"
             attribute { name: "scales" floats: [1, 1, 2, 2] type: FLOATS } }
    )" + tensorInfo("input", "x", {1, 1, 2, 2}) +
                          tensorInfo("output", "y", {}));
    auto mod = importOk(m);
    const Node *r = nodesOf(*mod, OpKind::Resize)[0];
    CHECK(r->getString("coordinate_transformation_mode") == "asymmetric");
    CHECK(mod->graph.outputs()[0]->shape() == Shape({1, 1, 4, 4}));
    auto y = floats(
        run(*mod, {Tensor::fromFloats(Shape{1, 1, 2, 2}, {1, 2, 3, 4})})[0]);
    CHECK(y[0] == 1);
    CHECK(y[1] == 1);
    CHECK(y[2] == 2);
    CHECK(y[15] == 4);
  }
  SECTION("TopK opset 9 k attribute") {
    auto m = model(9, R"(
      node { name: "t" op_type: "TopK" input: "x" output: "v" output: "i"
             attribute { name: "k" i: 2 type: INT } }
    )" + tensorInfo("input", "x", {4}) +
                          tensorInfo("output", "v", {}) +
                          tensorInfo("output", "i", {}));
    auto mod = importOk(m);
    auto out = run(*mod, {Tensor::fromFloats(Shape{4}, {3, 9, 1, 5})});
    CHECK(floats(out[0]) == std::vector<float>{9, 5});
    CHECK(out[1].toInts() == std::vector<int64_t>{1, 3});
  }
}

TEST_CASE("shape computations fold at import time", "[onnx]") {
  // y = reshape(x, concat(shape(x)[0], -1)) : the PyTorch flatten idiom.
  auto m = model(13, R"(
    node { name: "sh" op_type: "Shape" input: "x" output: "s" }
    node { name: "g" op_type: "Gather" input: "s" input: "zero" output: "n" }
    node { name: "u" op_type: "Unsqueeze" input: "n" input: "ax" output: "n1" }
    node { name: "c" op_type: "Concat" input: "n1" input: "minus1" output: "shape"
           attribute { name: "axis" i: 0 type: INT } }
    node { name: "r" op_type: "Reshape" input: "x" input: "shape" output: "y" }
    initializer { name: "zero" data_type: 7 int64_data: [0] }
    initializer { name: "ax" dims: [1] data_type: 7 int64_data: [0] }
    initializer { name: "minus1" dims: [1] data_type: 7 int64_data: [-1] }
  )" + tensorInfo("input", "x", {2, 3, 4}) +
                         tensorInfo("output", "y", {}));
  auto mod = importOk(m);
  CHECK(mod->graph.outputs()[0]->shape() == Shape({2, 12}));
  CHECK(nodesOf(*mod, OpKind::Shape).empty());
  CHECK(nodesOf(*mod, OpKind::Concat).empty());
  const Node *r = nodesOf(*mod, OpKind::Reshape)[0];
  REQUIRE(r->input(1)->constantValue());
  CHECK(r->input(1)->constantValue()->toInts() == std::vector<int64_t>{2, -1});
  // The folded constant keeps the ONNX name and location.
  CHECK(r->input(1)->name() == "shape");
  CHECK(r->input(1)->producer()->loc().node == "c");
}

TEST_CASE("Einsum equations become MatMul / Transpose", "[onnx]") {
  auto einsum = [](const std::string &eq, std::vector<int64_t> a,
                   std::vector<int64_t> b) {
    return model(12, R"(
      node { name: "e" op_type: "Einsum" input: "a" input: "b" output: "y"
             attribute { name: "equation" s: ")" +
                         eq + R"(" type: STRING } }
    )" + tensorInfo("input", "a", a) +
                         tensorInfo("input", "b", b) +
                         tensorInfo("output", "y", {}));
  };
  Tensor a = Tensor::fromFloats(Shape{1, 1, 2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor b = Tensor::fromFloats(Shape{1, 1, 2, 3}, {1, 0, 0, 0, 1, 1});
  auto attn = importOk(einsum("bhid,bhjd->bhij", {1, 1, 2, 3}, {1, 1, 2, 3}));
  CHECK(nodesOf(*attn, OpKind::MatMul).size() == 1);
  CHECK(floats(run(*attn, {a, b})[0]) == std::vector<float>{1, 5, 4, 11});
  auto mm = importOk(einsum("ij,jk", {2, 3}, {3, 1}));
  CHECK(floats(run(*mm, {a.reshaped(Shape{2, 3}),
                         Tensor::fromFloats(Shape{3, 1}, {1, 1, 1})})[0]) ==
        std::vector<float>{6, 15});
  bool unsupported = false;
  importError(einsum("ii,ij->j", {3, 3}, {3, 3}), &unsupported);
  CHECK(unsupported);
}

TEST_CASE("model-level errors", "[onnx]") {
  bool unsupported = false;
  SECTION("every unsupported op at once") {
    auto m = model(13, R"(
      node { name: "a" op_type: "Relu" input: "x" output: "r" }
      node { name: "b" op_type: "GRU" input: "r" output: "g" }
      node { name: "c" op_type: "Unique" input: "g" output: "y" }
    )" + tensorInfo("input", "x", {2}) +
                           tensorInfo("output", "y", {}));
    std::string err = importError(m, &unsupported);
    CHECK(unsupported);
    CHECK(err.find("2 node(s) use unsupported ops [GRU, Unique]") !=
          std::string::npos);
    CHECK(err.find("node 'b' (GRU)") != std::string::npos);
    CHECK(err.find("node 'c' (Unique)") != std::string::npos);
    // Cutting the graph before them with output_names avoids them.
    OnnxImportOptions o;
    o.outputNames = {"r"};
    auto mod = importOk(m, o);
    CHECK(mod->graph.numNodes() == 1);
  }
  SECTION("ops newer than the model's opset") {
    auto m = model(10, R"(
      node { name: "a" op_type: "CumSum" input: "x" input: "ax" output: "y" }
      initializer { name: "ax" data_type: 7 int64_data: [0] }
    )" + tensorInfo("input", "x", {2}) +
                           tensorInfo("output", "y", {}));
    CHECK(importError(m).find("node 'a' (CumSum: needs opset 11)") !=
          std::string::npos);
  }
  SECTION("dtypes the IR lacks are unsupported") {
    auto m = model(13, R"(
      node { name: "a" op_type: "Relu" input: "x" output: "y" }
    )" + tensorInfo("input", "x", {2}, 11) +
                           tensorInfo("output", "y", {}));
    CHECK(importError(m, &unsupported) ==
          "test.onnx: input 'x' has data type DOUBLE, which is not supported");
    CHECK(unsupported);
  }
  SECTION("bad initializer data") {
    auto m = model(13, R"(
      node { name: "a" op_type: "Add" input: "x" input: "w" output: "y" }
      initializer { name: "w" dims: [3] data_type: 1 float_data: [1, 2] }
    )" + tensorInfo("input", "x", {3}) +
                           tensorInfo("output", "y", {}));
    CHECK(importError(m, &unsupported) ==
          "test.onnx: initializer 'w': holds 2 values but its shape 3 needs 3");
    CHECK(!unsupported);
  }
  SECTION("inputs without shapes need --shapes") {
    auto m = model(13, R"(
      node { name: "a" op_type: "Relu" input: "x" output: "y" }
      input { name: "x" type { tensor_type { elem_type: 1 } } }
    )" + tensorInfo("output", "y", {}));
    CHECK(importError(m) ==
          "test.onnx: input 'x' has no declared shape; give it with --shapes");
    OnnxImportOptions o;
    o.shapes = {Shape{2, 2}};
    auto mod = importOk(m, o);
    CHECK(mod->graph.outputs()[0]->shape() == Shape({2, 2}));
  }
  SECTION("a node that reads itself") {
    auto m = model(13, R"(
      node { name: "a" op_type: "Add" input: "x" input: "y" output: "y" }
    )" + tensorInfo("input", "x", {2}) +
                           tensorInfo("output", "y", {}));
    CHECK(importError(m).find("cycle") != std::string::npos);
  }
}

TEST_CASE("external initializer data is read relative to the model", "[onnx]") {
  llvm::SmallString<128> dir;
  REQUIRE(!llvm::sys::fs::createUniqueDirectory("onntc-onnx-test", dir));
  llvm::SmallString<128> data(dir);
  llvm::sys::path::append(data, "weights.bin");
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(data, ec);
    REQUIRE(!ec);
    float v[4] = {0, 10, 20, 30};
    os << "PAD!";
    os.write(reinterpret_cast<const char *>(v), sizeof(v));
  }
  auto m = model(13, R"(
    node { name: "a" op_type: "Add" input: "x" input: "w" output: "y" }
    initializer { name: "w" dims: [2] data_type: 1 data_location: EXTERNAL
      external_data { key: "location" value: "weights.bin" }
      external_data { key: "offset" value: "8" }
      external_data { key: "length" value: "8" } }
  )" + tensorInfo("input", "x", {2}) +
                         tensorInfo("output", "y", {}));
  llvm::SmallString<128> path(dir);
  llvm::sys::path::append(path, "m.onnx");
  auto mod = importOnnxModel(m, path, {});
  REQUIRE(bool(mod));
  auto y = run(**mod, {Tensor::fromFloats(Shape{2}, {1, 1})});
  CHECK(floats(y[0]) == std::vector<float>{11, 21});
  m.mutable_graph()
      ->mutable_initializer(0)
      ->mutable_external_data(0)
      ->set_value("nope.bin");
  auto bad = importOnnxModel(m, path, {});
  REQUIRE(!bool(bad));
  CHECK(llvm::toString(bad.takeError()).find("cannot read external data") !=
        std::string::npos);
}
