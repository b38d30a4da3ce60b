// The quantize stage on a net that exercises every rule of docs/int8.md §2:
// conv+relu and conv+clip(0,6) folded into qconv, add+relu into qadd, max
// pooling on INT8 values, a sigmoid as a lookup table, a concat whose inputs
// need rescaling, global average pooling, gemm, and a softmax left in FP32.
// The INT8 net must track the FP32 one (cosine over random inputs).
#include "QuantizerTestUtil.h"

#include "quantizer/QuantizeNet.h"

#include "ir/Interpreter.h"
#include "ir/Verifier.h"

#include <cmath>
#include <map>
#include <random>

using namespace onntc;
using namespace onntc::test;

namespace {

Value *conv(Graph &g, Value *x, int64_t ic, int64_t oc, int64_t k,
            const std::string &name, std::mt19937 &rng) {
  std::normal_distribution<float> d(0.f, 0.4f);
  Tensor w(DType::F32, Shape{oc, ic, k, k});
  for (int64_t i = 0; i < w.numElements(); ++i)
    w.data<float>()[i] = d(rng) * (1 + float(i / (ic * k * k)) * 0.5f);
  Tensor b(DType::F32, Shape{oc});
  for (int64_t i = 0; i < oc; ++i)
    b.data<float>()[i] = d(rng) * 0.1f;
  Node *n = g.createNode(OpKind::Conv,
                         {x, g.createConstant(name + ".w", w)->output(),
                          g.createConstant(name + ".b", b)->output()},
                         {name}, name);
  n->setAttr("kernel_shape", AttrValue(std::vector<int64_t>{k, k}));
  int64_t p = k / 2;
  n->setAttr("pads", AttrValue(std::vector<int64_t>{p, p, p, p}));
  return n->output();
}

Value *unary(Graph &g, OpKind k, std::vector<Value *> ins,
             const std::string &name) {
  return g.createNode(k, ins, {name}, name)->output();
}

std::unique_ptr<Module> makeNet() {
  std::mt19937 rng(7);
  auto m = std::make_unique<Module>();
  m->name = "rules";
  Graph &g = m->graph;
  Value *x = g.addInput("x", TensorType(DType::F32, Shape{1, 3, 8, 8}));
  Value *a = unary(g, OpKind::Relu, {conv(g, x, 3, 4, 3, "c1", rng)}, "a");
  Tensor lo(DType::F32, Shape{}), hi(DType::F32, Shape{});
  hi.data<float>()[0] = 6;
  Value *b = unary(g, OpKind::Clip,
                   {conv(g, a, 4, 4, 1, "c2", rng),
                    g.createConstant("lo", lo)->output(),
                    g.createConstant("hi", hi)->output()},
                   "b");
  Value *s = unary(g, OpKind::Add, {a, b}, "sum");
  Value *c = unary(g, OpKind::Relu, {s}, "c");
  Node *mp = g.createNode(OpKind::MaxPool, {c}, {"d"}, "d");
  mp->setAttr("kernel_shape", AttrValue(std::vector<int64_t>{2, 2}));
  mp->setAttr("strides", AttrValue(std::vector<int64_t>{2, 2}));
  Value *e = unary(g, OpKind::Sigmoid, {mp->output()}, "e");
  Node *cat = g.createNode(OpKind::Concat, {mp->output(), e}, {"f"}, "f");
  cat->setAttr("axis", AttrValue(int64_t(1)));
  Value *p = unary(g, OpKind::GlobalAveragePool, {cat->output()}, "p");
  Value *fl = unary(g, OpKind::Flatten, {p}, "fl");
  Tensor fw(DType::F32, Shape{3, 8});
  std::normal_distribution<float> d(0.f, 1.f);
  for (int64_t i = 0; i < fw.numElements(); ++i)
    fw.data<float>()[i] = d(rng);
  Node *gm = g.createNode(OpKind::Gemm,
                          {fl, g.createConstant("fc.w", fw)->output()},
                          {"logits"}, "fc");
  gm->setAttr("transB", AttrValue(int64_t(1)));
  Value *out = unary(g, OpKind::Softmax, {gm->output()}, "prob");
  g.addOutput(out);
  REQUIRE(!llvm::errorToBool(inferTypes(g)));
  return m;
}

std::vector<Tensor> randomInputs(unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(-1.f, 1.f);
  Tensor t(DType::F32, Shape{1, 3, 8, 8});
  for (int64_t i = 0; i < t.numElements(); ++i)
    t.data<float>()[i] = d(rng);
  return {t};
}

/// Symmetric abs-max scales of every value over a few random inputs (what
/// calibration with -th_method=MAX would give).
UModel calibrate() {
  auto m = makeNet();
  Graph &g = m->graph;
  std::vector<Value *> all;
  for (auto &n : g.nodes())
    if (n->kind() != OpKind::Constant)
      all.push_back(n->output());
  g.setOutputs(all);
  UModel u;
  u.kind = UModelKind::Int8;
  u.netName = "rules";
  KernelContext ctx(1);
  std::map<std::string, float> absMax;
  for (unsigned s = 0; s < 8; ++s) {
    auto in = randomInputs(s);
    absMax["x"] = 1.f;
    auto r = take(runGraph(g, in, ctx));
    for (size_t i = 0; i < all.size(); ++i) {
      float &mx = absMax[all[i]->name()];
      for (int64_t k = 0; k < r[i].numElements(); ++k)
        mx = std::max(mx, std::fabs(r[i].data<float>()[k]));
    }
  }
  for (auto &[name, mx] : absMax) {
    ActivationQuant a;
    a.threshold = mx;
    a.scale = mx > 0 ? mx / 127.f : 1.f / 127;
    u.activations[name] = a;
  }
  u.perChannel = true;
  return u;
}

double cosine(const Tensor &a, const Tensor &b) {
  double dot = 0, na = 0, nb = 0;
  for (int64_t i = 0; i < a.numElements(); ++i) {
    double x = a.data<float>()[i], y = b.data<float>()[i];
    dot += x * y, na += x * x, nb += y * y;
  }
  return dot / std::sqrt(na * nb);
}

std::map<OpKind, int> kinds(const Graph &g) {
  std::map<OpKind, int> k;
  for (auto &n : g.nodes())
    ++k[n->kind()];
  return k;
}

/// Worst cosine of the quantized net against the FP32 one.
double worstCosine(const Graph &q) {
  auto fp = makeNet();
  KernelContext ctx(1);
  double worst = 1;
  for (unsigned s = 100; s < 106; ++s) {
    auto in = randomInputs(s);
    auto want = take(runGraph(fp->graph, in, ctx));
    std::vector<Tensor> qin = in;
    if (q.inputs()[0]->dtype() == DType::I8) {
      const QuantParams &qp = *q.inputs()[0]->type().quant;
      Tensor t(DType::I8, in[0].shape());
      for (int64_t i = 0; i < t.numElements(); ++i)
        t.setInt(i, std::clamp<int64_t>(
                        std::lrint(in[0].data<float>()[i] / qp.scale[0]), -128, 127));
      qin = {t};
    }
    auto got = take(runGraph(q, qin, ctx));
    REQUIRE(got[0].dtype() == DType::F32);
    worst = std::min(worst, cosine(got[0], want[0]));
  }
  return worst;
}

} // namespace

TEST_CASE("the quantize stage applies every rule", "[quantizer][quantize]") {
  UModel u = calibrate();
  auto m = makeNet();
  QuantizeOptions o;
  QuantizeSummary s = take(quantizeModule(*m, u, o));
  Graph &g = m->graph;
  CHECK(m->stage == IRStage::Quantized);
  auto k = kinds(g);
  CHECK(k[OpKind::QConv] == 2);
  CHECK(k[OpKind::QAdd] == 1);
  CHECK(k[OpKind::Lut] == 1);
  CHECK(k[OpKind::QAvgPool] == 1);
  CHECK(k[OpKind::QMatMul] == 1);
  CHECK(k[OpKind::MaxPool] == 1);
  CHECK(k[OpKind::Concat] == 1);
  CHECK(k[OpKind::Requant] >= 1); // d and e have different scales
  CHECK(k[OpKind::Dequantize] == 1);
  CHECK(k[OpKind::Softmax] == 1);
  // Folded: no relu, clip, sigmoid, float conv or gemm left.
  for (OpKind gone : {OpKind::Relu, OpKind::Clip, OpKind::Sigmoid, OpKind::Conv,
                      OpKind::Gemm, OpKind::Add, OpKind::Quantize})
    CHECK(k[gone] == 0);
  for (auto &n : g.nodes())
    if (n->kind() == OpKind::QConv || n->kind() == OpKind::QAdd)
      CHECK(n->getInt("relu") == 1);
  CHECK(s.fp32Nodes == 1);
  CHECK(s.fp32Ops.at("Softmax") == 1);
  // The INT8 input, the FP32 output, both under their model names.
  CHECK(g.inputs()[0]->dtype() == DType::I8);
  CHECK(g.outputs()[0]->name() == "prob");
  CHECK(g.findValue("c") != nullptr);
  CHECK(g.findValue("c")->dtype() == DType::I8);
  CHECK(!llvm::errorToBool(verifyGraph(g)));
  CHECK(worstCosine(g) > 0.995);
}

TEST_CASE("fp32 layers and fp32 inputs get casts at their boundaries",
          "[quantizer][quantize]") {
  UModel u = calibrate();
  auto m = makeNet();
  QuantizeOptions o;
  o.allInputsFp32 = true;
  o.fp32Layers = {"c2"};
  QuantizeSummary s = take(quantizeModule(*m, u, o));
  Graph &g = m->graph;
  auto k = kinds(g);
  CHECK(g.inputs()[0]->dtype() == DType::F32);
  CHECK(k[OpKind::Conv] == 1);
  CHECK(k[OpKind::QConv] == 1);
  // x and c2's clip output are quantized; a is dequantized for c2.
  CHECK(k[OpKind::Quantize] == 2);
  CHECK(k[OpKind::Dequantize] == 2);
  CHECK(s.casts == 4);
  CHECK(worstCosine(g) > 0.995);
}

TEST_CASE("a missing calibration entry names the node", "[quantizer][quantize]") {
  UModel u = calibrate();
  u.activations.erase("a");
  auto m = makeNet();
  auto r = quantizeModule(*m, u, QuantizeOptions());
  REQUIRE(!r);
  std::string msg = llvm::toString(r.takeError());
  CHECK(msg.find("no calibration entry for its input 'a'") != std::string::npos);
}
