//===- IrCompareTest.cpp - commands against the IR reference kernels
//-------===//
//
// Each case runs the way a compiled net does: GDMA loads from global
// memory, one BDC command, GDMA stores back, all as one id-synced stream;
// the result must match the IR interpreter's kernel for the same op.
//
//===----------------------------------------------------------------------===//
#include "../TestUtil.h"

#include "ir/Graph.h"
#include "ir/Interpreter.h"
#include "ir/KernelContext.h"

#include <cstring>

using namespace testutil;
using onntc::OpKind;
using onntc::Tensor;

namespace {

constexpr uint64_t kBase = 0x100000000ull;

/// Runs one IR node on the reference interpreter.
Tensor runIr(OpKind k, const std::vector<Tensor> &ins,
             const std::function<void(onntc::Node &)> &attrs) {
  onntc::Graph g;
  std::vector<onntc::Value *> vals;
  for (size_t i = 0; i < ins.size(); ++i)
    vals.push_back(g.addInput("in" + std::to_string(i), ins[i].type()));
  onntc::Node *n = g.createNode(k, vals, {std::string("y")}, "node");
  attrs(*n);
  requireOk(onntc::opHooks(k).infer(*n));
  onntc::KernelContext ctx(1);
  auto r = requireOk(onntc::runNode(*n, ins, ctx));
  return r[0];
}

Tensor randomTensor(onntc::Shape s, unsigned seed, double lo = -1,
                    double hi = 1) {
  auto v = randomValues(size_t(s.numElements()), seed, lo, hi);
  return Tensor::fromFloats(s, std::vector<float>(v.begin(), v.end()));
}

std::vector<double> valuesOf(const Tensor &t) {
  std::vector<double> v(size_t(t.numElements()));
  for (int64_t i = 0; i < t.numElements(); ++i)
    v[size_t(i)] = t.getDouble(i);
  return v;
}

/// A small bump allocator over one mapped global region plus helpers that
/// build the GDMA commands of a load-compute-store stream.
struct Stream {
  CModel m;
  uint64_t next = kBase;
  std::vector<Command> gdma, bdc;

  explicit Stream(const TargetInfo &t) : m(t) {
    requireOk(m.global().mapRegion(kBase, 4 << 20, "neuron"));
  }
  uint64_t upload(const Tensor &t) {
    uint64_t a = next;
    std::vector<float> f(size_t(t.numElements()));
    for (size_t i = 0; i < f.size(); ++i)
      f[i] = float(t.getDouble(int64_t(i)));
    std::vector<uint8_t> b(f.size() * 4);
    std::memcpy(b.data(), f.data(), b.size());
    requireOk(m.global().write(a, b));
    next += alignUp(b.size(), 4096);
    return a;
  }
  uint64_t reserve(uint64_t bytes) {
    uint64_t a = next;
    next += alignUp(bytes, 4096);
    return a;
  }
  void load(Shape4 s, uint64_t g, Strides4 gs, uint32_t l, Strides4 lst) {
    GdmaMoveCmd c;
    c.shape = s;
    c.src = {MemSpace::Global, g, gs};
    c.dst = {MemSpace::Local, l, lst};
    gdma.push_back(Command{CmdHeader{uint32_t(gdma.size() + 1), 0, 1}, c});
  }
  void compute(Command::Body b) {
    bdc.push_back(
        Command{CmdHeader{uint32_t(bdc.size() + 1), uint32_t(gdma.size()), 2},
                std::move(b)});
  }
  void store(Shape4 s, uint32_t l, Strides4 lst, uint64_t g) {
    GdmaMoveCmd c;
    c.shape = s;
    c.src = {MemSpace::Local, l, lst};
    c.dst = {MemSpace::Global, g, contiguousStrides(s)};
    gdma.push_back(Command{
        CmdHeader{uint32_t(gdma.size() + 1), uint32_t(bdc.size()), 3}, c});
  }
  std::vector<double> run(uint64_t out, size_t n) {
    auto bb = requireOk(encodeStream(bdc));
    auto gb = requireOk(encodeStream(gdma));
    onntc::cmodel::Profile p =
        requireOk(m.run(bb, uint32_t(bdc.size()), gb, uint32_t(gdma.size())));
    CHECK(p.totalCycles > 0);
    std::vector<float> f(n);
    std::vector<uint8_t> b(n * 4);
    requireOk(m.global().read(out, b));
    std::memcpy(f.data(), b.data(), b.size());
    return std::vector<double>(f.begin(), f.end());
  }
};

Shape4 s4(const onntc::Shape &s) {
  return {uint32_t(s[0]), uint32_t(s[1]), uint32_t(s[2]), uint32_t(s[3])};
}

} // namespace

TEST_CASE("conv commands match the IR Conv kernel", "[cmodel][ir][conv]") {
  struct Case {
    Shape4 x;
    uint32_t oc, k, stride, pad, dil, group;
    unsigned outLane;
  } cases[] = {{{1, 3, 32, 32}, 64, 7, 2, 3, 1, 1, 0},
               {{1, 130, 9, 9}, 70, 3, 1, 1, 1, 1, 0},
               {{2, 96, 10, 10}, 96, 3, 2, 1, 1, 96, 33},
               {{1, 16, 12, 12}, 24, 3, 1, 2, 2, 4, 5},
               {{1, 64, 7, 7}, 65, 1, 1, 0, 1, 1, 63}};
  for (const TargetInfo *tp : allTargets())
    for (const Case &k : cases) {
      const TargetInfo &t = *tp;
      INFO(t.name.str() << " ic=" << k.x.c << " oc=" << k.oc
                        << " g=" << k.group);
      uint32_t icg = k.x.c / k.group;
      Tensor X = randomTensor({k.x.n, k.x.c, k.x.h, k.x.w}, 40);
      Tensor W = randomTensor({k.oc, icg, k.k, k.k}, 41);
      Tensor B = randomTensor({k.oc}, 42);
      int64_t st = k.stride, pd = k.pad, dl = k.dil, gr = k.group;
      Tensor Y = runIr(OpKind::Conv, {X, W, B}, [&](onntc::Node &n) {
        n.setAttr("strides", std::vector<int64_t>{st, st});
        n.setAttr("pads", std::vector<int64_t>{pd, pd, pd, pd});
        n.setAttr("dilations", std::vector<int64_t>{dl, dl});
        n.setAttr("group", gr);
      });
      Stream s(t);
      ConvCmd c;
      c.in = k.x;
      c.oc = k.oc;
      c.kh = c.kw = uint16_t(k.k);
      c.strideH = c.strideW = uint16_t(k.stride);
      c.padT = c.padB = c.padL = c.padR = uint16_t(k.pad);
      c.dilH = c.dilW = uint16_t(k.dil);
      c.groups = k.group;
      c.hasBias = true;
      c.oh = slidingOutSize(k.x.h, k.k, k.stride, k.pad, k.pad, k.dil);
      c.ow = slidingOutSize(k.x.w, k.k, k.stride, k.pad, k.pad, k.dil);
      Shape4 os{k.x.n, k.oc, c.oh, c.ow};
      REQUIRE(s4(Y.shape()) == os);
      uint32_t ks = icg * k.k * k.k;
      Strides4 inSt = localStrides(t, k.x, DType::F32, LocalLayout::AlignEU);
      Strides4 outSt =
          localStrides(t, os, DType::F32, LocalLayout::AlignEU, k.outLane);
      uint32_t off = 0;
      c.inAddr = 0;
      off += uint32_t(alignUp(
          localBytesPerLane(t, k.x, DType::F32, LocalLayout::AlignEU), 64));
      c.weightAddr = makeLocalAddr(t, k.outLane, off);
      off += uint32_t(alignUp(
          convWeightBytesPerLane(t, k.oc, icg, k.k, k.k, DType::F32, k.outLane),
          64));
      c.biasAddr = makeLocalAddr(t, k.outLane, off);
      off += 1024;
      c.outAddr = makeLocalAddr(t, k.outLane, off);
      s.load(k.x, s.upload(X), contiguousStrides(k.x), c.inAddr, inSt);
      s.load({1, k.oc, 1, ks}, s.upload(W), {0, ks, 0, 1}, c.weightAddr,
             {0, ks, 0, 1});
      s.load({1, k.oc, 1, 1}, s.upload(B), {0, 1, 0, 1}, c.biasAddr,
             {0, 1, 0, 1});
      s.compute(c);
      uint64_t out = s.reserve(os.numElements() * 4);
      s.store(os, c.outAddr, outSt, out);
      checkClose(s.run(out, os.numElements()), valuesOf(Y), 1e-4);
    }
}

TEST_CASE("matmul matches the IR Gemm kernel", "[cmodel][ir][matmul]") {
  const TargetInfo &t = getBM1684XTarget();
  uint32_t M = 4, K = 300, N = 70;
  Tensor X = randomTensor({M, K}, 43), W = randomTensor({N, K}, 44),
         B = randomTensor({N}, 45);
  Tensor Y = runIr(OpKind::Gemm, {X, W, B},
                   [](onntc::Node &n) { n.setAttr("transB", int64_t(1)); });
  Stream s(t);
  MatMulCmd c;
  c.m = M;
  c.k = K;
  c.n = N;
  c.rTrans = true;
  c.hasBias = true;
  Shape4 ls{1, M, 1, K}, rs{1, N, 1, K}, ys{1, M, 1, N};
  c.lAddr = 0;
  c.rAddr = makeLocalAddr(t, 0, 0x4000);
  c.biasAddr = makeLocalAddr(t, 0, 0x10000);
  c.outAddr = makeLocalAddr(t, 0, 0x20000);
  s.load(ls, s.upload(X), contiguousStrides(ls), c.lAddr,
         localStrides(t, ls, DType::F32, LocalLayout::AlignEU));
  s.load(rs, s.upload(W), contiguousStrides(rs), c.rAddr,
         localStrides(t, rs, DType::F32, LocalLayout::AlignEU));
  // Bias replicated into the M lanes: global C stride 0.
  s.load({1, M, 1, N}, s.upload(B), {0, 0, 0, 1}, c.biasAddr,
         localStrides(t, {1, M, 1, N}, DType::F32, LocalLayout::Compact));
  s.compute(c);
  uint64_t out = s.reserve(M * N * 4);
  s.store(ys, c.outAddr, localStrides(t, ys, DType::F32, LocalLayout::AlignEU),
          out);
  checkClose(s.run(out, M * N), valuesOf(Y), 1e-4);
}

TEST_CASE("pool commands match the IR pooling kernels", "[cmodel][ir][pool]") {
  const TargetInfo &t = getBM1684Target();
  for (int kind = 0; kind < 3; ++kind) {
    INFO("kind " << kind);
    Shape4 x{1, 67, 13, 12};
    Tensor X = randomTensor({1, 67, 13, 12}, 46);
    bool isMax = kind == 0;
    int64_t cip = kind == 2;
    Tensor Y = runIr(isMax ? OpKind::MaxPool : OpKind::AveragePool, {X},
                     [&](onntc::Node &n) {
                       n.setAttr("kernel_shape", std::vector<int64_t>{3, 3});
                       n.setAttr("strides", std::vector<int64_t>{2, 2});
                       n.setAttr("pads", std::vector<int64_t>{1, 1, 1, 1});
                       if (!isMax)
                         n.setAttr("count_include_pad", cip);
                     });
    Stream s(t);
    PoolCmd p;
    p.in = x;
    p.kh = p.kw = 3;
    p.strideH = p.strideW = 2;
    p.padT = p.padB = p.padL = p.padR = 1;
    p.mode = isMax ? PoolMode::Max : PoolMode::Avg;
    p.countIncludePad = cip;
    p.oh = slidingOutSize(13, 3, 2, 1, 1, 1);
    p.ow = slidingOutSize(12, 3, 2, 1, 1, 1);
    Shape4 os{1, 67, p.oh, p.ow};
    REQUIRE(s4(Y.shape()) == os);
    p.inAddr = 0;
    p.outAddr = 0x8000;
    s.load(x, s.upload(X), contiguousStrides(x), p.inAddr,
           localStrides(t, x, DType::F32, LocalLayout::AlignEU));
    s.compute(p);
    uint64_t out = s.reserve(os.numElements() * 4);
    s.store(os, p.outAddr,
            localStrides(t, os, DType::F32, LocalLayout::AlignEU), out);
    checkClose(s.run(out, os.numElements()), valuesOf(Y), 1e-5);
  }
}

TEST_CASE("unary and binary commands match the IR kernels",
          "[cmodel][ir][elementwise]") {
  const TargetInfo &t = getBM1684XTarget();
  Shape4 x{2, 67, 3, 5};
  Tensor X = randomTensor({2, 67, 3, 5}, 47, -4, 4);
  struct U {
    OpKind k;
    UnaryOp op;
  } unaries[] = {{OpKind::Relu, UnaryOp::Relu},
                 {OpKind::Sigmoid, UnaryOp::Sigmoid},
                 {OpKind::Tanh, UnaryOp::Tanh},
                 {OpKind::Erf, UnaryOp::Erf},
                 {OpKind::Softplus, UnaryOp::Softplus},
                 {OpKind::Mish, UnaryOp::Mish},
                 {OpKind::HardSwish, UnaryOp::HardSwish},
                 {OpKind::Exp, UnaryOp::Exp},
                 {OpKind::Abs, UnaryOp::Abs},
                 {OpKind::Sin, UnaryOp::Sin}};
  for (const U &u : unaries) {
    INFO(unaryOpName(u.op).str());
    Tensor Y = runIr(u.k, {X}, [](onntc::Node &) {});
    Stream s(t);
    Strides4 st = localStrides(t, x, DType::F32, LocalLayout::AlignEU);
    s.load(x, s.upload(X), contiguousStrides(x), 0, st);
    UnaryCmd c;
    c.shape = x;
    c.in = operand(t, 0, x, DType::F32);
    c.out = operand(t, 0x4000, x, DType::F32);
    c.op = u.op;
    s.compute(c);
    uint64_t out = s.reserve(x.numElements() * 4);
    s.store(x, 0x4000, st, out);
    checkClose(s.run(out, x.numElements()), valuesOf(Y), 1e-5);
  }
  // Per-channel bias add, broadcast over N, H and W.
  Tensor Bc = randomTensor({1, 67, 1, 1}, 48);
  Tensor Y = runIr(OpKind::Add, {X, Bc}, [](onntc::Node &) {});
  Stream s(t);
  Strides4 st = localStrides(t, x, DType::F32, LocalLayout::AlignEU);
  s.load(x, s.upload(X), contiguousStrides(x), 0, st);
  s.load({1, 67, 1, 1}, s.upload(Bc), {0, 1, 0, 1}, 0x4000, {0, 1, 0, 1});
  BinaryCmd b;
  b.shape = x;
  b.a = operand(t, 0, x, DType::F32);
  b.b = LocalOperand{0x4000, {0, 1, 0, 0}, DType::F32};
  b.out = operand(t, 0x8000, x, DType::F32);
  b.op = BinaryOp::Add;
  s.compute(b);
  uint64_t out = s.reserve(x.numElements() * 4);
  s.store(x, 0x8000, st, out);
  checkClose(s.run(out, x.numElements()), valuesOf(Y), 0);
}
