// Tests of the Nn family: shape inference and FP32 kernels, checked against
// hand-computed values and straightforward reference loops.
#include "NnOpsTestUtil.h"

#include "ir/ops/Gemm.h"
#include "ir/ops/OpUtils.h"

#include <cmath>

using namespace onntc;
using namespace onntc::optest;

namespace {

/// Direct N-d convolution (spatial rank 1..3) written as plainly as possible.
std::vector<float> refConv(const Tensor &X, const Tensor &W, const Tensor *B,
                           std::vector<int64_t> st, std::vector<int64_t> pads,
                           std::vector<int64_t> dil, int64_t group,
                           Shape &ys) {
  const Shape &xs = X.shape(), &ws = W.shape();
  size_t nsp = xs.rank() - 2;
  int64_t N = xs[0], C = xs[1], F = ws[0], Cg = C / group, Fg = F / group;
  ys = Shape{N, F};
  for (size_t i = 0; i < nsp; ++i)
    ys.mutableDims().push_back(
        (xs[2 + i] + pads[i] + pads[nsp + i] - dil[i] * (ws[2 + i] - 1) - 1) /
            st[i] +
        1);
  std::vector<float> y(size_t(ys.numElements()));
  int64_t osz = 1, ksz = 1;
  for (size_t i = 0; i < nsp; ++i) {
    osz *= ys[2 + i];
    ksz *= ws[2 + i];
  }
  std::vector<int64_t> xst = stridesOf(xs), wst = stridesOf(ws);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t f = 0; f < F; ++f)
      for (int64_t o = 0; o < osz; ++o) {
        std::vector<int64_t> oi(nsp);
        for (size_t i = nsp, r = size_t(o); i-- > 0;) {
          oi[i] = int64_t(r) % ys[2 + i];
          r /= size_t(ys[2 + i]);
        }
        double acc = B ? B->getDouble(f) : 0.0;
        int64_t g = f / Fg;
        for (int64_t c = 0; c < Cg; ++c)
          for (int64_t k = 0; k < ksz; ++k) {
            std::vector<int64_t> ki(nsp);
            for (size_t i = nsp, r = size_t(k); i-- > 0;) {
              ki[i] = int64_t(r) % ws[2 + i];
              r /= size_t(ws[2 + i]);
            }
            int64_t xoff = n * xst[0] + (g * Cg + c) * xst[1];
            bool inside = true;
            for (size_t i = 0; i < nsp; ++i) {
              int64_t p = oi[i] * st[i] - pads[i] + ki[i] * dil[i];
              inside = inside && p >= 0 && p < xs[2 + i];
              xoff += p * xst[2 + i];
            }
            if (!inside)
              continue;
            int64_t woff = f * wst[0] + c * wst[1];
            for (size_t i = 0; i < nsp; ++i)
              woff += ki[i] * wst[2 + i];
            acc += X.getDouble(xoff) * W.getDouble(woff);
          }
        y[size_t((n * F + f) * osz + o)] = float(acc);
      }
  return y;
}

/// Direct scatter form of ConvTranspose for 2-D.
std::vector<float> refConvTranspose2d(const Tensor &X, const Tensor &W,
                                      int64_t s, int64_t p, int64_t d,
                                      int64_t op, int64_t group, Shape &ys) {
  const Shape &xs = X.shape(), &ws = W.shape();
  int64_t N = xs[0], C = xs[1], H = xs[2], Wd = xs[3], Fg = ws[1];
  int64_t F = Fg * group, Cg = C / group, KH = ws[2], KW = ws[3];
  int64_t OH = s * (H - 1) + op + (KH - 1) * d + 1 - 2 * p;
  int64_t OW = s * (Wd - 1) + op + (KW - 1) * d + 1 - 2 * p;
  ys = Shape{N, F, OH, OW};
  std::vector<float> y(size_t(ys.numElements()), 0.0f);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t h = 0; h < H; ++h)
        for (int64_t w = 0; w < Wd; ++w)
          for (int64_t f = 0; f < Fg; ++f)
            for (int64_t kh = 0; kh < KH; ++kh)
              for (int64_t kw = 0; kw < KW; ++kw) {
                int64_t oh = h * s - p + kh * d, ow = w * s - p + kw * d;
                if (oh < 0 || oh >= OH || ow < 0 || ow >= OW)
                  continue;
                int64_t fo = (c / Cg) * Fg + f;
                y[size_t(((n * F + fo) * OH + oh) * OW + ow)] +=
                    float(X.getDouble(((n * C + c) * H + h) * Wd + w) *
                          W.getDouble(((c * Fg + f) * KH + kh) * KW + kw));
              }
  return y;
}

} // namespace

TEST_CASE("sgemm matches a naive triple loop", "[nn][gemm]") {
  KernelContext ctx(2);
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> d(-1, 1);
  const int64_t sizes[][3] = {{1, 1, 1},    {5, 7, 3},     {6, 16, 1},
                              {13, 33, 17}, {97, 50, 300}, {7, 2100, 9},
                              {200, 3, 260}, {64, 100, 513},
                              {20, 300, 40},  {100, 1000, 300},
                              {1, 37, 45},    {1, 300, 20}};
  for (auto &sz : sizes)
    for (int ta = 0; ta < 2; ++ta)
      for (int tb = 0; tb < 2; ++tb)
        for (float beta : {0.0f, 0.5f}) {
          int64_t M = sz[0], N = sz[1], K = sz[2];
          std::vector<float> A(M * K), Bm(K * N), C(M * N), R(M * N);
          for (float &v : A)
            v = d(rng);
          for (float &v : Bm)
            v = d(rng);
          for (size_t i = 0; i < C.size(); ++i)
            C[i] = R[i] = d(rng);
          float alpha = 1.5f;
          for (int64_t i = 0; i < M; ++i)
            for (int64_t j = 0; j < N; ++j) {
              double acc = 0;
              for (int64_t k = 0; k < K; ++k)
                acc += double(ta ? A[k * M + i] : A[i * K + k]) *
                       (tb ? Bm[j * K + k] : Bm[k * N + j]);
              R[i * N + j] = float(alpha * acc + beta * R[i * N + j]);
            }
          // Every other case also adds a per-row bias in the epilogue.
          bool withBias = (M + N) % 2 == 1;
          std::vector<float> bias(M);
          for (int64_t i = 0; i < M; ++i) {
            bias[i] = float(i % 5) - 2.0f;
            if (withBias)
              for (int64_t j = 0; j < N; ++j)
                R[i * N + j] += bias[i];
          }
          sgemm(ta, tb, M, N, K, alpha, A.data(), ta ? M : K, Bm.data(),
                tb ? K : N, beta, C.data(), N, &ctx,
                withBias ? bias.data() : nullptr);
          double worst = 0;
          for (size_t i = 0; i < C.size(); ++i)
            worst = worseOf(worst, double(std::abs(C[i] - R[i])));
          INFO("M=" << M << " N=" << N << " K=" << K << " ta=" << ta
                    << " tb=" << tb << " beta=" << beta);
          CHECK(worst < 1e-3);
        }
}

TEST_CASE("every sgemm micro-kernel matches a naive loop", "[nn][gemm]") {
  KernelContext ctx(2);
  std::mt19937 rng(13);
  std::uniform_real_distribution<float> d(-1, 1);
  std::vector<std::string> names = sgemmKernelNames();
  CHECK(names.back() == "generic");
  CHECK(names.front() == sgemmKernelName());
  const int64_t sizes[][3] = {{1, 1, 1}, {9, 17, 5}, {33, 70, 300},
                              {100, 40, 7}};
  for (const std::string &kn : names)
    for (auto &sz : sizes)
      for (int tb = 0; tb < 2; ++tb) {
        int64_t M = sz[0], N = sz[1], K = sz[2];
        std::vector<float> A(M * K), Bm(K * N), C(M * N, 5.0f);
        for (float &v : A)
          v = d(rng);
        for (float &v : Bm)
          v = d(rng);
        REQUIRE(sgemmWithKernel(kn, false, tb, M, N, K, 1.0f, A.data(), K,
                                Bm.data(), tb ? K : N, 0.5f, C.data(), N,
                                &ctx));
        double worst = 0;
        for (int64_t i = 0; i < M; ++i)
          for (int64_t j = 0; j < N; ++j) {
            double acc = 2.5;
            for (int64_t k = 0; k < K; ++k)
              acc += double(A[i * K + k]) * (tb ? Bm[j * K + k] : Bm[k * N + j]);
            worst = worseOf(worst, std::abs(acc - C[i * N + j]));
          }
        INFO(kn << " M=" << M << " N=" << N << " K=" << K << " tb=" << tb);
        CHECK(worst < 1e-3);
      }
  CHECK(!sgemmWithKernel("no-such-kernel", false, false, 1, 1, 1, 1.0f,
                         nullptr, 1, nullptr, 1, 0.0f, nullptr, 1, &ctx));
}

TEST_CASE("sgemm on prepacked B equals sgemm", "[nn][gemm]") {
  KernelContext ctx(2);
  std::mt19937 rng(9);
  std::uniform_real_distribution<float> d(-1, 1);
  for (int64_t N : {1, 31, 33, 250}) {
    int64_t M = 13, K = 70;
    std::vector<float> A(M * K), Bm(K * N), C1(M * N), C2(M * N);
    for (float &v : A)
      v = d(rng);
    for (float &v : Bm)
      v = d(rng);
    for (int tb = 0; tb < 2; ++tb) {
      std::vector<float> packed(sgemmPackedBSize(K, N) + 16);
      // The packed panels must be 64-byte aligned.
      float *pp = packed.data();
      while (reinterpret_cast<uintptr_t>(pp) % 64)
        ++pp;
      sgemmPackB(tb, K, N, Bm.data(), tb ? K : N, pp, &ctx);
      sgemm(false, tb, M, N, K, 1.0f, A.data(), K, Bm.data(), tb ? K : N,
            0.0f, C1.data(), N, &ctx);
      sgemmPrepackedB(false, M, N, K, 1.0f, A.data(), K, pp, 0.0f, C2.data(),
                      N, &ctx);
      for (size_t i = 0; i < C1.size(); ++i)
        CHECK(C1[i] == Approx(C2[i]).margin(1e-4));
    }
  }
}

TEST_CASE("Conv hand-computed 3x3 with padding and stride", "[nn][conv]") {
  KernelContext ctx(2);
  // The ONNX example: 5x5 ramp input, all-ones 3x3 kernel.
  std::vector<float> xv(25);
  for (int i = 0; i < 25; ++i)
    xv[i] = float(i);
  Tensor X = Tensor::fromFloats(Shape{1, 1, 5, 5}, xv);
  Tensor W = Tensor::fromFloats(Shape{1, 1, 3, 3}, std::vector<float>(9, 1.0f));
  OneNode on(OpKind::Conv, {X, W});
  on.n->setAttr("strides", std::vector<int64_t>{2, 2});
  on.n->setAttr("pads", std::vector<int64_t>{1, 1, 1, 1});
  auto y = runOp(on, {X, W}, ctx);
  CHECK(y[0].shape() == Shape{1, 1, 3, 3});
  CHECK(floatsOf(y[0]) == std::vector<float>{12, 27, 24, 63, 108, 81, 72,
                                             117, 84});
}

TEST_CASE("Conv matches a direct reference over many shapes", "[nn][conv]") {
  KernelContext ctx(2);
  std::mt19937 rng(11);
  struct Case {
    Shape x, w;
    std::vector<int64_t> st, pads, dil;
    int64_t group;
    bool bias;
  };
  std::vector<Case> cases = {
      {{1, 3, 9, 9}, {4, 3, 3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}, 1, true},
      {{2, 4, 7, 8}, {6, 2, 3, 2}, {2, 1}, {1, 0, 2, 1}, {1, 2}, 2, true},
      {{1, 8, 10, 11}, {8, 1, 3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}, 8, true},
      {{1, 4, 10, 9}, {8, 1, 3, 3}, {2, 2}, {0, 1, 2, 0}, {2, 1}, 4, false},
      {{1, 16, 6, 6}, {5, 16, 1, 1}, {1, 1}, {0, 0, 0, 0}, {1, 1}, 1, true},
      {{1, 6, 7, 7}, {9, 6, 1, 1}, {2, 2}, {0, 0, 0, 0}, {1, 1}, 1, false},
      {{1, 3, 23, 19}, {7, 3, 5, 7}, {3, 2}, {2, 3, 1, 3}, {1, 1}, 1, true},
      {{1, 12, 5, 5}, {12, 4, 3, 3}, {1, 1}, {2, 2, 2, 2}, {2, 2}, 3, true},
      {{2, 5, 13}, {4, 5, 3}, {2}, {1, 2}, {2}, 1, true},
      {{1, 2, 4, 5, 6}, {3, 2, 2, 3, 2}, {1, 2, 1}, {1, 0, 1, 0, 1, 1},
       {1, 1, 2}, 1, true},
      {{1, 70, 9, 9}, {40, 70, 3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}, 1, true},
  };
  for (size_t ci = 0; ci < cases.size(); ++ci) {
    const Case &c = cases[ci];
    Tensor X = randomTensor(c.x, rng), W = randomTensor(c.w, rng);
    Tensor B = randomTensor(Shape{c.w[0]}, rng);
    std::vector<Tensor> ins = {X, W};
    if (c.bias)
      ins.push_back(B);
    OneNode on(OpKind::Conv, ins);
    on.n->setAttr("strides", c.st);
    on.n->setAttr("pads", c.pads);
    on.n->setAttr("dilations", c.dil);
    on.n->setAttr("group", c.group);
    auto y = runOp(on, ins, ctx);
    Shape rs;
    std::vector<float> ref =
        refConv(X, W, c.bias ? &B : nullptr, c.st, c.pads, c.dil, c.group, rs);
    INFO("case " << ci);
    CHECK(y[0].shape() == rs);
    CHECK(maxRelDiff(y[0], ref) < 1e-4);
  }
}

TEST_CASE("Conv shape inference: dynamic dims and errors", "[nn][conv]") {
  Graph g;
  Value *x = g.addInput("x", TensorType(DType::F32, Shape{kDynamicDim, 3,
                                                          kDynamicDim, 32}));
  Value *w = g.addInput("w", TensorType(DType::F32, Shape{8, 3, 3, 3}));
  Node *n = g.createNode(OpKind::Conv, {x, w}, {"y"}, "c");
  n->setAttr("strides", std::vector<int64_t>{2, 2});
  n->setAttr("pads", std::vector<int64_t>{1, 1, 1, 1});
  llvm::Error ok = opHooks(OpKind::Conv).infer(*n);
  REQUIRE(!ok);
  CHECK(n->output()->shape() == Shape{kDynamicDim, 8, kDynamicDim, 16});

  Value *w2 = g.addInput("w2", TensorType(DType::F32, Shape{8, 4, 3, 3}));
  Node *bad = g.createNode(OpKind::Conv, {x, w2}, {"z"}, "bad");
  llvm::Error e = opHooks(OpKind::Conv).infer(*bad);
  REQUIRE(bool(e));
  CHECK_THAT(llvm::toString(std::move(e)),
             Catch::Contains("3 channels") && Catch::Contains("expects 4"));
  Node *bad2 = g.createNode(OpKind::Conv, {x, w}, {"q"}, "bad2");
  bad2->setAttr("pads", std::vector<int64_t>{1, 1});
  llvm::Error e2 = opHooks(OpKind::Conv).infer(*bad2);
  REQUIRE(bool(e2));
  CHECK_THAT(llvm::toString(std::move(e2)), Catch::Contains("pads"));
}

TEST_CASE("ConvTranspose matches a scatter reference", "[nn][conv]") {
  KernelContext ctx(2);
  std::mt19937 rng(5);
  struct Case {
    Shape x, w;
    int64_t s, p, d, op, group;
  };
  std::vector<Case> cases = {{{1, 1, 3, 3}, {1, 2, 3, 3}, 1, 0, 1, 0, 1},
                             {{2, 4, 4, 5}, {4, 3, 3, 3}, 2, 1, 1, 1, 1},
                             {{1, 4, 3, 3}, {4, 2, 2, 2}, 3, 0, 2, 0, 2},
                             {{1, 6, 5, 4}, {6, 1, 3, 3}, 2, 1, 1, 1, 6}};
  for (const Case &c : cases) {
    Tensor X = randomTensor(c.x, rng), W = randomTensor(c.w, rng);
    OneNode on(OpKind::ConvTranspose, {X, W});
    on.n->setAttr("strides", std::vector<int64_t>{c.s, c.s});
    on.n->setAttr("pads", std::vector<int64_t>{c.p, c.p, c.p, c.p});
    on.n->setAttr("dilations", std::vector<int64_t>{c.d, c.d});
    on.n->setAttr("output_padding", std::vector<int64_t>{c.op, c.op});
    on.n->setAttr("group", c.group);
    auto y = runOp(on, {X, W}, ctx);
    Shape rs;
    std::vector<float> ref =
        refConvTranspose2d(X, W, c.s, c.p, c.d, c.op, c.group, rs);
    CHECK(y[0].shape() == rs);
    CHECK(maxRelDiff(y[0], ref) < 1e-4);
  }
  // Bias is added per output channel.
  Tensor X = Tensor::fromFloats(Shape{1, 1, 1, 1}, {2.0f});
  Tensor W = Tensor::fromFloats(Shape{1, 2, 1, 1}, {1.0f, 3.0f});
  Tensor B = Tensor::fromFloats(Shape{2}, {10.0f, 20.0f});
  OneNode on(OpKind::ConvTranspose, {X, W, B});
  CHECK(floatsOf(runOp(on, {X, W, B}, ctx)[0]) == std::vector<float>{12, 26});
}

TEST_CASE("MaxPool values, indices and ceil mode", "[nn][pool]") {
  KernelContext ctx(2);
  std::vector<float> xv(25);
  for (int i = 0; i < 25; ++i)
    xv[i] = float(i + 1);
  Tensor X = Tensor::fromFloats(Shape{1, 1, 5, 5}, xv);
  {
    OneNode on(OpKind::MaxPool, {X}, 2);
    on.n->setAttr("kernel_shape", std::vector<int64_t>{2, 2});
    on.n->setAttr("strides", std::vector<int64_t>{2, 2});
    on.n->setAttr("storage_order", int64_t(1));
    auto y = runOp(on, {X}, ctx);
    CHECK(floatsOf(y[0]) == std::vector<float>{7, 9, 17, 19});
    // Column-major positions: h + w * H.
    CHECK(intsOf(y[1]) == std::vector<int64_t>{6, 16, 8, 18});
  }
  {
    OneNode on(OpKind::MaxPool, {X}, 2);
    on.n->setAttr("kernel_shape", std::vector<int64_t>{3, 3});
    on.n->setAttr("strides", std::vector<int64_t>{2, 2});
    on.n->setAttr("ceil_mode", int64_t(1));
    on.n->setAttr("pads", std::vector<int64_t>{0, 0, 1, 1});
    auto y = runOp(on, {X}, ctx);
    CHECK(y[0].shape() == Shape{1, 1, 3, 3});
    CHECK(floatsOf(y[0]) == std::vector<float>{13, 15, 15, 23, 25, 25, 23,
                                               25, 25});
    CHECK(intsOf(y[1])[2] == 14);
  }
  {
    // uint8 and dilation.
    std::vector<int64_t> v(16);
    for (int i = 0; i < 16; ++i)
      v[i] = (i * 7) % 16;
    Tensor U = Tensor::fromInts(DType::U8, Shape{1, 1, 4, 4}, v);
    OneNode on(OpKind::MaxPool, {U});
    on.n->setAttr("kernel_shape", std::vector<int64_t>{2, 2});
    on.n->setAttr("dilations", std::vector<int64_t>{2, 2});
    auto y = runOp(on, {U}, ctx);
    CHECK(y[0].dtype() == DType::U8);
    // Window (0,0): elements 0,2,8,10 -> values 0,14,8,6.
    CHECK(intsOf(y[0]) == std::vector<int64_t>{14, 15, 12, 11});
  }
}

TEST_CASE("AveragePool with and without counting pads", "[nn][pool]") {
  KernelContext ctx(2);
  Tensor X = Tensor::fromFloats(Shape{1, 1, 2, 2}, {1, 2, 3, 4});
  for (int include = 0; include < 2; ++include) {
    OneNode on(OpKind::AveragePool, {X});
    on.n->setAttr("kernel_shape", std::vector<int64_t>{2, 2});
    on.n->setAttr("pads", std::vector<int64_t>{1, 1, 1, 1});
    on.n->setAttr("count_include_pad", int64_t(include));
    auto y = runOp(on, {X}, ctx);
    REQUIRE(y[0].shape() == Shape{1, 1, 3, 3});
    std::vector<float> v = floatsOf(y[0]);
    CHECK(v[0] == Approx(include ? 0.25 : 1.0));
    CHECK(v[1] == Approx(include ? 0.75 : 1.5));
    CHECK(v[4] == Approx(2.5));
  }
  // 1-D with strides, and global pools.
  Tensor X1 = Tensor::fromFloats(Shape{1, 2, 5}, {1, 2, 3, 4, 5, 5, 4, 3, 2, 1});
  OneNode on(OpKind::AveragePool, {X1});
  on.n->setAttr("kernel_shape", std::vector<int64_t>{2});
  on.n->setAttr("strides", std::vector<int64_t>{2});
  CHECK(floatsOf(runOp(on, {X1}, ctx)[0]) ==
        std::vector<float>{1.5, 3.5, 4.5, 2.5});
  OneNode ga(OpKind::GlobalAveragePool, {X1});
  CHECK(floatsOf(runOp(ga, {X1}, ctx)[0]) == std::vector<float>{3, 3});
  OneNode gm(OpKind::GlobalMaxPool, {X1});
  auto m = runOp(gm, {X1}, ctx);
  CHECK(m[0].shape() == Shape{1, 2, 1});
  CHECK(floatsOf(m[0]) == std::vector<float>{5, 5});
}

TEST_CASE("Gemm with transposes, alpha, beta and broadcast C", "[nn][gemm]") {
  KernelContext ctx(2);
  Tensor A = Tensor::fromFloats(Shape{3, 2}, {1, 2, 3, 4, 5, 6}); // A^T: 2x3
  Tensor B = Tensor::fromFloats(Shape{2, 3}, {1, 0, 1, 0, 1, 1}); // B^T: 3x2
  Tensor C = Tensor::fromFloats(Shape{2}, {10, 20});
  OneNode on(OpKind::Gemm, {A, B, C});
  on.n->setAttr("transA", int64_t(1));
  on.n->setAttr("transB", int64_t(1));
  on.n->setAttr("alpha", 2.0f);
  on.n->setAttr("beta", 0.5f);
  auto y = runOp(on, {A, B, C}, ctx);
  // A^T = [[1,3,5],[2,4,6]], B^T = [[1,0],[0,1],[1,1]] -> [[6,8],[8,10]].
  CHECK(floatsOf(y[0]) == std::vector<float>{17, 26, 21, 30});
  Tensor Bad = Tensor::fromFloats(Shape{4, 2}, std::vector<float>(8, 0.0f));
  OneNode bad(OpKind::Gemm, {A, Bad});
  CHECK_THAT(bad.infer(), Catch::Contains("inner dimensions"));
}

TEST_CASE("MatMul batched broadcast and 1-D operands", "[nn][gemm]") {
  KernelContext ctx(2);
  std::mt19937 rng(3);
  std::vector<std::pair<Shape, Shape>> cases = {
      {{2, 3, 4}, {4, 5}},       {{4}, {4, 5}},
      {{3, 4}, {4}},             {{2, 1, 3, 4}, {5, 4, 6}},
      {{1, 7, 33}, {3, 33, 40}}, {{4}, {2, 4, 3}}};
  for (auto &[as, bs] : cases) {
    Tensor A = randomTensor(as, rng), B = randomTensor(bs, rng);
    OneNode on(OpKind::MatMul, {A, B});
    auto y = runOp(on, {A, B}, ctx);
    // Reference through numpy rules, written out.
    Shape a2 = as.rank() == 1 ? Shape{1, as[0]} : as;
    Shape b2 = bs.rank() == 1 ? Shape{bs[0], 1} : bs;
    int64_t M = a2[a2.rank() - 2], K = a2[a2.rank() - 1],
            N = b2[b2.rank() - 1];
    size_t r = std::max(a2.rank(), b2.rank()) - 2;
    std::vector<int64_t> batch(r);
    for (size_t i = 0; i < r; ++i) {
      int64_t da = i + a2.rank() - 2 >= r ? a2[i + a2.rank() - 2 - r] : 1;
      int64_t db = i + b2.rank() - 2 >= r ? b2[i + b2.rank() - 2 - r] : 1;
      batch[i] = std::max(da, db);
    }
    int64_t nb = 1;
    for (int64_t d : batch)
      nb *= d;
    std::vector<float> ref;
    for (int64_t bi = 0; bi < nb; ++bi) {
      int64_t oa = 0, ob = 0, sa = 1, sb = 1, rem = bi;
      for (size_t i = r; i-- > 0;) {
        int64_t idx = rem % batch[i];
        rem /= batch[i];
        int64_t ai = int64_t(i) - int64_t(r - (a2.rank() - 2));
        int64_t bj = int64_t(i) - int64_t(r - (b2.rank() - 2));
        if (ai >= 0) {
          oa += (a2[ai] == 1 ? 0 : idx) * sa;
          sa *= a2[ai];
        }
        if (bj >= 0) {
          ob += (b2[bj] == 1 ? 0 : idx) * sb;
          sb *= b2[bj];
        }
      }
      for (int64_t i = 0; i < M; ++i)
        for (int64_t j = 0; j < N; ++j) {
          double acc = 0;
          for (int64_t k = 0; k < K; ++k)
            acc += A.getDouble(oa * M * K + i * K + k) *
                   B.getDouble(ob * K * N + k * N + j);
          ref.push_back(float(acc));
        }
    }
    INFO(as.str() << " x " << bs.str() << " -> " << y[0].shape().str());
    CHECK(maxRelDiff(y[0], ref) < 1e-5);
  }
  OneNode s(OpKind::MatMul, {randomTensor({4}, rng), randomTensor({4}, rng)});
  CHECK(s.infer().empty());
  CHECK(s.n->output()->shape() == Shape{});
}

TEST_CASE("BatchNormalization, InstanceNormalization, LayerNormalization",
          "[nn][norm]") {
  KernelContext ctx(2);
  Tensor X = Tensor::fromFloats(Shape{1, 2, 2}, {1, 3, 2, 6});
  Tensor s = Tensor::fromFloats(Shape{2}, {1, 2});
  Tensor b = Tensor::fromFloats(Shape{2}, {0, 1});
  Tensor mean = Tensor::fromFloats(Shape{2}, {1, 2});
  Tensor var = Tensor::fromFloats(Shape{2}, {4, 1});
  OneNode bn(OpKind::BatchNormalization, {X, s, b, mean, var});
  bn.n->setAttr("epsilon", 0.0f);
  CHECK(floatsOf(runOp(bn, {X, s, b, mean, var}, ctx)[0]) ==
        std::vector<float>{0, 1, 1, 9});
  OneNode in(OpKind::InstanceNormalization, {X, s, b});
  in.n->setAttr("epsilon", 0.0f);
  CHECK(floatsOf(runOp(in, {X, s, b}, ctx)[0]) ==
        std::vector<float>{-1, 1, -1, 3});
  Tensor ls = Tensor::fromFloats(Shape{2}, {1, 10});
  OneNode ln(OpKind::LayerNormalization, {X, ls});
  ln.n->setAttr("epsilon", 0.0f);
  CHECK(floatsOf(runOp(ln, {X, ls}, ctx)[0]) ==
        std::vector<float>{-1, 10, -1, 10});
  OneNode ln0(OpKind::LayerNormalization, {X, Tensor::scalarFloat(2.0f)});
  ln0.n->setAttr("axis", int64_t(0));
  ln0.n->setAttr("epsilon", 0.0f);
  auto y = runOp(ln0, {X, Tensor::scalarFloat(2.0f)}, ctx);
  double sum = 0;
  for (float v : floatsOf(y[0]))
    sum += v;
  CHECK(std::abs(sum) < 1e-5);
  Tensor bad = Tensor::fromFloats(Shape{3}, {1, 2, 3});
  OneNode lnb(OpKind::LayerNormalization, {X, bad});
  CHECK_THAT(lnb.infer(), Catch::Contains("does not broadcast"));
}

TEST_CASE("LRN across channels", "[nn][norm]") {
  KernelContext ctx(2);
  Tensor X = Tensor::fromFloats(Shape{1, 3, 1, 1}, {1, 2, 3});
  OneNode on(OpKind::LRN, {X});
  on.n->setAttr("size", int64_t(3));
  on.n->setAttr("alpha", 3.0f);
  on.n->setAttr("beta", 1.0f);
  on.n->setAttr("bias", 1.0f);
  auto y = floatsOf(runOp(on, {X}, ctx)[0]);
  CHECK(y[0] == Approx(1.0 / (1 + 5)));
  CHECK(y[1] == Approx(2.0 / (1 + 14)));
  CHECK(y[2] == Approx(3.0 / (1 + 13)));
}

TEST_CASE("Softmax, LogSoftmax and Hardmax along one axis", "[nn][softmax]") {
  KernelContext ctx(2);
  Tensor X = Tensor::fromFloats(Shape{2, 3}, {1, 2, 3, 1000, 1000, 0});
  OneNode sm(OpKind::Softmax, {X});
  auto y = floatsOf(runOp(sm, {X}, ctx)[0]);
  double e = std::exp(1.0), z = 1 + e + e * e;
  CHECK(y[0] == Approx(1 / z));
  CHECK(y[2] == Approx(e * e / z));
  CHECK(y[3] == Approx(0.5));
  CHECK(y[5] == Approx(0.0).margin(1e-30));
  OneNode lsm(OpKind::LogSoftmax, {X});
  lsm.n->setAttr("axis", int64_t(0));
  auto l = floatsOf(runOp(lsm, {X}, ctx)[0]);
  CHECK(l[0] == Approx(-999.0));
  CHECK(l[3] == Approx(0.0).margin(1e-6));
  CHECK(l[5] == Approx(-3.0 - std::log1p(std::exp(-3.0))));
  OneNode hm(OpKind::Hardmax, {X});
  CHECK(floatsOf(runOp(hm, {X}, ctx)[0]) ==
        std::vector<float>{0, 0, 1, 1, 0, 0});
  OneNode bad(OpKind::Softmax, {X});
  bad.n->setAttr("axis", int64_t(2));
  CHECK_THAT(bad.infer(), Catch::Contains("out of range"));
}

TEST_CASE("the error reductions of these tests fail on NaN", "[nn][testutil]") {
  // std::max(worst, NaN) returns worst: a NaN output would have passed.
  Tensor good = Tensor::fromFloats(Shape{3}, {1.0f, 2.0f, 3.0f});
  Tensor bad = Tensor::fromFloats(Shape{3}, {1.0f, NAN, 3.0f});
  CHECK(maxRelDiff(good, {1.0f, 2.0f, 3.0f}) == 0.0);
  CHECK_FALSE(maxRelDiff(bad, {1.0f, 2.0f, 3.0f}) < 1e-4);
  CHECK_FALSE(maxRelDiff(good, {1.0f, NAN, 3.0f}) < 1e-4);
  CHECK(std::isinf(worseOf(0.5, NAN)));
  CHECK(std::isinf(worseOf(worseOf(0.0, NAN), 0.25)));
  CHECK(worseOf(0.5, 0.25) == 0.5);
}
