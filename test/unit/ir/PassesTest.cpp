#include "ir/Interpreter.h"
#include "ir/Parser.h"
#include "ir/PassManager.h"
#include "ir/Printer.h"
#include "ir/Verifier.h"

#include <catch2/catch.hpp>

#include <cmath>

using namespace onntc;

namespace {

std::unique_ptr<Module> parse(llvm::StringRef text) {
  auto r = parseModuleText(text, "pass-test.tir");
  if (!r)
    FAIL(llvm::toString(r.takeError()));
  return std::move(r->module);
}

/// Deterministic pseudo-random floats in [-1, 1).
Tensor randomTensor(const Shape &s, uint32_t seed) {
  Tensor t(DType::F32, s);
  uint32_t x = seed * 2654435761u + 1;
  for (int64_t i = 0; i < t.numElements(); ++i) {
    x = x * 1664525u + 1013904223u;
    t.data<float>()[i] = float(x >> 8) / float(1u << 23) - 1.f;
  }
  return t;
}

std::vector<Tensor> run(const Module &m, llvm::ArrayRef<Tensor> in) {
  KernelContext k(1);
  auto r = runGraph(m.graph, in, k);
  if (!r)
    FAIL(llvm::toString(r.takeError()));
  return std::move(*r);
}

/// Largest |a - b|; infinite when a difference is NaN (std::max would keep
/// the old maximum and let a NaN output pass).
float maxAbsDiff(const Tensor &a, const Tensor &b) {
  REQUIRE(a.shape() == b.shape());
  float d = 0;
  for (int64_t i = 0; i < a.numElements(); ++i) {
    float e = std::fabs(a.data<float>()[i] - b.data<float>()[i]);
    if (std::isnan(e))
      return INFINITY;
    d = std::max(d, e);
  }
  return d;
}

/// The numerical checks below need the reference kernels of these ops.
void requireKernels(std::initializer_list<OpKind> ks) {
  for (OpKind k : ks) {
    INFO("op " << opInfo(k).name.str());
    REQUIRE(opHooks(k).compute != nullptr);
    REQUIRE(opHooks(k).infer != nullptr);
  }
}

size_t countOps(const Module &m, OpKind k) {
  size_t n = 0;
  for (auto &node : m.graph.nodes())
    n += node->kind() == k;
  return n;
}

/// Runs `passes` with --verify-each and checks that the outputs for random
/// inputs stay within `tol`.
void checkSameResults(Module &m, llvm::StringRef passes, float tol,
                      llvm::StringMap<int64_t> *stats = nullptr) {
  std::vector<Tensor> inputs;
  for (size_t i = 0; i < m.graph.inputs().size(); ++i)
    inputs.push_back(
        randomTensor(m.graph.inputs()[i]->shape(), uint32_t(i + 7)));
  std::vector<Tensor> before = run(m, inputs);
  PipelineOptions o;
  o.passes = passes.str();
  o.verifyEach = true;
  KernelContext k(1);
  if (llvm::Error e = runPipeline(m, o, k, stats))
    FAIL(llvm::toString(std::move(e)));
  std::vector<Tensor> after = run(m, inputs);
  REQUIRE(before.size() == after.size());
  for (size_t i = 0; i < before.size(); ++i)
    CHECK(maxAbsDiff(before[i], after[i]) <= tol);
}

std::string constant(llvm::StringRef name, const Shape &s, uint32_t seed,
                     float offset = 0) {
  Tensor t = randomTensor(s, seed);
  std::string lit;
  for (int64_t i = 0; i < t.numElements(); ++i)
    lit += (i ? ", " : "") + formatFloat(t.data<float>()[i] + offset);
  return "  %" + name.str() + " = constant dense<[" + lit +
         "]> : " + printType(t.type()) + "\n";
}

std::string bnParams(int64_t c) {
  return constant("gamma", Shape{c}, 11) + constant("beta", Shape{c}, 12) +
         constant("mean", Shape{c}, 13) + constant("var", Shape{c}, 14, 1.5f);
}

} // namespace

TEST_CASE("pipelines expand from Passes.def", "[ir][passes]") {
  auto p = expandPipeline("optimize, dce");
  REQUIRE(!!p);
  CHECK(p->front() == "remove-identity");
  CHECK(p->back() == "dce");
  CHECK(llvm::is_contained(*p, "constant-fold"));
  auto bad = expandPipeline("dce,nope");
  REQUIRE(!bad);
  CHECK(
      llvm::toString(bad.takeError()).find("unknown pass or pipeline 'nope'") !=
      std::string::npos);
  for (const PassInfo &pi : allPasses()) {
    CHECK(findPass(pi.argument) == &pi);
    CHECK(pi.minStage <= pi.maxStage);
  }
}

TEST_CASE("BatchNorm folds into Conv with the same results", "[ir][passes]") {
  requireKernels({OpKind::Conv, OpKind::BatchNormalization});
  std::string text =
      "module @m stage=imported target=\"\" source=\"\"\n"
      "graph (%x: tensor<2x4x6x6xf32>) -> (%out) {\n" +
      constant("w", Shape{6, 2, 3, 3}, 1) + constant("b", Shape{6}, 2) +
      bnParams(6) +
      "  %c = conv(%x, %w, %b) {group = 2, kernel_shape = [3, 3], pads = [1, "
      "1, 1, 1]} : tensor<2x6x6x6xf32>\n"
      "  %out = batch_norm(%c, %gamma, %beta, %mean, %var) : "
      "tensor<2x6x6x6xf32>\n}\n";
  auto m = parse(text);
  llvm::StringMap<int64_t> stats;
  checkSameResults(*m, "fold-batchnorm,dce", 1e-5f, &stats);
  CHECK(stats["fold-batchnorm.folded"] == 1);
  CHECK(countOps(*m, OpKind::BatchNormalization) == 0);
  CHECK(m->graph.outputs()[0]->name() == "out");
  CHECK(m->graph.outputs()[0]->producer()->kind() == OpKind::Conv);
}

TEST_CASE("BatchNorm folds into grouped ConvTranspose", "[ir][passes]") {
  requireKernels({OpKind::ConvTranspose, OpKind::BatchNormalization});
  std::string text =
      "module @m stage=imported target=\"\" source=\"\"\n"
      "graph (%x: tensor<1x4x3x3xf32>) -> (%out) {\n" +
      constant("w", Shape{4, 3, 2, 2}, 3) + bnParams(6) +
      "  %c = conv_transpose(%x, %w) {group = 2, kernel_shape = [2, 2], "
      "strides = [2, 2]} : tensor<1x6x6x6xf32>\n"
      "  %out = batch_norm(%c, %gamma, %beta, %mean, %var) : "
      "tensor<1x6x6x6xf32>\n}\n";
  auto m = parse(text);
  checkSameResults(*m, "fold-batchnorm,dce", 1e-5f);
  CHECK(countOps(*m, OpKind::BatchNormalization) == 0);
}

TEST_CASE("BatchNorm folds into Gemm with and without transB", "[ir][passes]") {
  requireKernels({OpKind::Gemm, OpKind::BatchNormalization});
  for (int transB : {0, 1}) {
    Shape ws = transB ? Shape{6, 5} : Shape{5, 6};
    std::string text = "module @m stage=imported target=\"\" source=\"\"\n"
                       "graph (%x: tensor<3x5xf32>) -> (%out) {\n" +
                       constant("w", ws, 4) + constant("b", Shape{6}, 5) +
                       bnParams(6) +
                       "  %g = gemm(%x, %w, %b) {alpha = 0.5, beta = 2.0" +
                       (transB ? ", transB = 1" : "") +
                       "} : tensor<3x6xf32>\n"
                       "  %out = batch_norm(%g, %gamma, %beta, %mean, %var) : "
                       "tensor<3x6xf32>\n}\n";
    auto m = parse(text);
    checkSameResults(*m, "fold-batchnorm,dce", 1e-5f);
    CHECK(countOps(*m, OpKind::BatchNormalization) == 0);
  }
}

TEST_CASE("constant folding and shape chains give the same results",
          "[ir][passes]") {
  requireKernels({OpKind::Shape, OpKind::Gather, OpKind::Unsqueeze,
                  OpKind::Concat, OpKind::Reshape, OpKind::ConstantOfShape,
                  OpKind::Add});
  auto m = parse(
      "module @m stage=imported target=\"\" source=\"\"\n"
      "graph (%x: tensor<2x3x4xf32>) -> (%y, %z) {\n"
      "  %s = shape(%x) : tensor<3xi64>\n"
      "  %i = constant dense<[0]> : tensor<1xi64>\n"
      "  %d0 = gather(%s, %i) : tensor<1xi64>\n"
      "  %m1 = constant dense<[12]> : tensor<1xi64>\n"
      "  %t = concat(%d0, %m1) {axis = 0} : tensor<2xi64>\n"
      "  %y = reshape(%x, %t) : tensor<?x?xf32>\n"
      "  %zs = constant_of_shape(%t) {value = dense<[0.5]> : tensor<1xf32>} : "
      "tensor<?x?xf32>\n"
      "  %z = add(%zs, %zs) : tensor<?x?xf32>\n"
      "}\n");
  std::vector<Tensor> in{randomTensor(Shape{2, 3, 4}, 1)};
  std::vector<Tensor> before = run(*m, in);
  PipelineOptions o;
  o.passes = "constant-fold,dce";
  o.verifyEach = true;
  o.foldElementLimit = 4; // %z has 24 elements but no input larger than 2
  KernelContext k(1);
  REQUIRE(!runPipeline(*m, o, k));
  // %t folded to [2, 12], so %y and %zs get static types; %zs (and %z) stay
  // unevaluated because of the limit.
  CHECK(m->graph.findValue("t")->constantValue());
  CHECK(m->graph.findValue("y")->shape() == Shape{2, 12});
  CHECK(m->graph.findValue("zs")->producer()->kind() ==
        OpKind::ConstantOfShape);
  CHECK(m->graph.findValue("z")->shape() == Shape{2, 12});
  std::vector<Tensor> after = run(*m, in);
  CHECK(maxAbsDiff(before[0], after[0]) == 0);
  CHECK(maxAbsDiff(before[1], after[1]) == 0);
  // With the default limit everything but the reshape of %x folds.
  o.foldElementLimit = 1 << 16;
  REQUIRE(!runPipeline(*m, o, k));
  CHECK(m->graph.findValue("z")->constantValue());
  CHECK(countOps(*m, OpKind::Reshape) == 1);
}

TEST_CASE("Gelu pattern fusion keeps the results", "[ir][passes]") {
  requireKernels(
      {OpKind::Gelu, OpKind::Erf, OpKind::Div, OpKind::Mul, OpKind::Add});
  auto m = parse("module @m stage=imported target=\"\" source=\"\"\n"
                 "graph (%x: tensor<4x16xf32>) -> (%y) {\n"
                 "  %r2 = constant dense<[1.4142135]> : tensor<f32>\n"
                 "  %one = constant dense<[1.0]> : tensor<f32>\n"
                 "  %half = constant dense<[0.5]> : tensor<f32>\n"
                 "  %d = div(%x, %r2) : tensor<4x16xf32>\n"
                 "  %e = erf(%d) : tensor<4x16xf32>\n"
                 "  %a = add(%e, %one) : tensor<4x16xf32>\n"
                 "  %m = mul(%x, %a) : tensor<4x16xf32>\n"
                 "  %y = mul(%m, %half) : tensor<4x16xf32>\n"
                 "}\n");
  checkSameResults(*m, "fuse-gelu,dce", 1e-5f);
  CHECK(countOps(*m, OpKind::Gelu) == 1);
  CHECK(m->graph.numNodes() == 1);
}

TEST_CASE("tanh-approximate Gelu fusion keeps the results", "[ir][passes]") {
  requireKernels(
      {OpKind::Gelu, OpKind::Tanh, OpKind::Pow, OpKind::Mul, OpKind::Add});
  auto m = parse("module @m stage=imported target=\"\" source=\"\"\n"
                 "graph (%x: tensor<4x16xf32>) -> (%y) {\n"
                 "  %half = constant dense<[0.5]> : tensor<f32>\n"
                 "  %one = constant dense<[1.0]> : tensor<f32>\n"
                 "  %k = constant dense<[0.7978846]> : tensor<f32>\n"
                 "  %c = constant dense<[0.044715]> : tensor<f32>\n"
                 "  %three = constant dense<[3.0]> : tensor<f32>\n"
                 "  %x3 = pow(%x, %three) : tensor<4x16xf32>\n"
                 "  %cx3 = mul(%x3, %c) : tensor<4x16xf32>\n"
                 "  %s = add(%x, %cx3) : tensor<4x16xf32>\n"
                 "  %ks = mul(%s, %k) : tensor<4x16xf32>\n"
                 "  %t = tanh(%ks) : tensor<4x16xf32>\n"
                 "  %p = add(%t, %one) : tensor<4x16xf32>\n"
                 "  %h = mul(%x, %half) : tensor<4x16xf32>\n"
                 "  %y = mul(%h, %p) : tensor<4x16xf32>\n"
                 "}\n");
  checkSameResults(*m, "fuse-gelu,dce", 1e-5f);
  REQUIRE(m->graph.numNodes() == 1);
  CHECK(m->graph.nodes().front()->getString("approximate") == "tanh");
}

TEST_CASE("LayerNorm pattern fusion keeps the results", "[ir][passes]") {
  requireKernels({OpKind::LayerNormalization, OpKind::ReduceMean, OpKind::Sub,
                  OpKind::Pow, OpKind::Sqrt, OpKind::Div, OpKind::Mul,
                  OpKind::Add});
  std::string text =
      "module @m stage=imported target=\"\" source=\"\"\n"
      "graph (%x: tensor<2x5x8xf32>) -> (%y) {\n"
      "  %two = constant dense<[2.0]> : tensor<f32>\n"
      "  %eps = constant dense<[1e-05]> : tensor<f32>\n" +
      constant("gamma", Shape{8}, 3) + constant("beta", Shape{8}, 4) +
      "  %m = reduce_mean(%x) {axes = [-1]} : tensor<2x5x1xf32>\n"
      "  %d = sub(%x, %m) : tensor<2x5x8xf32>\n"
      "  %p = pow(%d, %two) : tensor<2x5x8xf32>\n"
      "  %v = reduce_mean(%p) {axes = [-1]} : tensor<2x5x1xf32>\n"
      "  %ve = add(%v, %eps) : tensor<2x5x1xf32>\n"
      "  %s = sqrt(%ve) : tensor<2x5x1xf32>\n"
      "  %n = div(%d, %s) : tensor<2x5x8xf32>\n"
      "  %g = mul(%n, %gamma) : tensor<2x5x8xf32>\n"
      "  %y = add(%g, %beta) : tensor<2x5x8xf32>\n"
      "}\n";
  auto m = parse(text);
  checkSameResults(*m, "fuse-layernorm,dce", 1e-5f);
  CHECK(countOps(*m, OpKind::LayerNormalization) == 1);
  CHECK(countOps(*m, OpKind::ReduceMean) == 0);
}

TEST_CASE("a failing pass stops the pipeline with its error", "[ir][passes]") {
  auto m = parse("module @m stage=imported target=\"\" source=\"\"\n"
                 "graph (%x: tensor<4xf32>) -> (%y) {\n"
                 "  %r = constant dense<[0.5]> : tensor<f32>\n"
                 "  %t = constant dense<[1]> : tensor<bool>\n"
                 "  %dead = neg(%x) : tensor<4xf32>\n"
                 "  %y = dropout(%x, %r, %t) : tensor<4xf32>\n"
                 "}\n");
  PipelineOptions o;
  o.passes = "remove-identity,dce";
  KernelContext k(1);
  llvm::Error e = runPipeline(*m, o, k);
  REQUIRE(!!e);
  CHECK(llvm::toString(std::move(e)).find("pass 'remove-identity' failed") ==
        0);
  CHECK(m->graph.findValue("dead")); // dce never ran
  CHECK(m->stage == IRStage::Imported);
}

TEST_CASE("the optimize pipeline marks the module optimized", "[ir][passes]") {
  auto m = parse("module @m stage=imported target=\"\" source=\"\"\n"
                 "graph (%x: tensor<4xf32>) -> (%y) {\n"
                 "  %y = identity(%x) : tensor<4xf32>\n"
                 "}\n");
  PipelineOptions o;
  std::string printed;
  llvm::raw_string_ostream os(printed);
  o.printStream = &os;
  o.printAfter = {"dce"};
  KernelContext k(1);
  REQUIRE(!runPipeline(*m, o, k));
  os.flush();
  CHECK(m->stage == IRStage::Optimized);
  CHECK(printed.rfind(
            "// -----// IR after dce //----- //\nmodule @m stage=imported",
            0) == 0);
  // Identity between graph input and output stays (it names the output).
  CHECK(m->graph.numNodes() == 1);
}

TEST_CASE("maxAbsDiff fails on NaN", "[passes][testutil]") {
  // std::max(d, NaN) keeps d: a pass producing NaN would have compared equal.
  Tensor good = Tensor::fromFloats(Shape{2}, {1.0f, 2.0f});
  Tensor bad = Tensor::fromFloats(Shape{2}, {1.0f, NAN});
  CHECK(maxAbsDiff(good, good) == 0);
  CHECK_FALSE(maxAbsDiff(bad, good) <= 1e-3f);
  CHECK_FALSE(maxAbsDiff(good, bad) == 0);
}
