//===- KernelBench.cpp - timings of the heavy FP32 reference kernels ------===//
//
// Prints GFLOP/s of sgemm on fixed shapes and the time of a few Conv nodes
// run through the interpreter's kernels. Usage: kernel_bench [threads] [gemm|conv|all].
//
//===----------------------------------------------------------------------===//
#include "ir/Interpreter.h"
#include "ir/Verifier.h"
#include "ir/ops/Gemm.h"

#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

using namespace onntc;

namespace {

double nowSeconds() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::vector<float> randomFloats(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float &x : v)
    x = d(rng);
  return v;
}

/// Best-of-several timing of fn, in seconds.
template <typename Fn> double timeBest(Fn fn, int reps) {
  fn();
  double best = 1e30;
  for (int r = 0; r < reps; ++r) {
    double t0 = nowSeconds();
    fn();
    best = std::min(best, nowSeconds() - t0);
  }
  return best;
}

void benchGemm(KernelContext &ctx, int64_t M, int64_t N, int64_t K,
               bool transB) {
  std::vector<float> a = randomFloats(M * K, 1), b = randomFloats(K * N, 2),
                     c(M * N);
  double t = timeBest(
      [&] {
        sgemm(false, transB, M, N, K, 1.0f, a.data(), K, b.data(),
              transB ? K : N, 0.0f, c.data(), N, &ctx);
      },
      5);
  llvm::outs() << llvm::format("sgemm M=%-5lld N=%-5lld K=%-5lld%s %8.3f ms %7.1f GFLOP/s\n",
                               (long long)M, (long long)N, (long long)K,
                               static_cast<const char *>(transB ? " (B^T)" : "      "), t * 1e3,
                               2.0 * M * N * K / t * 1e-9);
}

void benchConv(KernelContext &ctx, int64_t C, int64_t H, int64_t F, int64_t k,
               int64_t stride, int64_t group) {
  Graph g;
  int64_t pad = k / 2;
  Value *x = g.addInput("x", TensorType(DType::F32, Shape{1, C, H, H}));
  Shape wshape{F, C / group, k, k};
  Value *wv = g.addInput("w", TensorType(DType::F32, wshape));
  Tensor wt = Tensor::fromFloats(wshape, randomFloats(wshape.numElements(), 3));
  Node *conv = g.createNode(OpKind::Conv, {x, wv}, {"y"}, "conv");
  conv->setAttr("strides", std::vector<int64_t>{stride, stride});
  conv->setAttr("pads", std::vector<int64_t>{pad, pad, pad, pad});
  conv->setAttr("group", group);
  g.addOutput(conv->output());
  if (llvm::Error e = inferTypes(g)) {
    llvm::errs() << llvm::toString(std::move(e)) << "\n";
    std::exit(1);
  }
  Tensor in = Tensor::fromFloats(Shape{1, C, H, H}, randomFloats(C * H * H, 4));
  double t = timeBest(
      [&] {
        auto r = runGraph(g, {in, wt}, ctx);
        if (!r) {
          llvm::errs() << llvm::toString(r.takeError()) << "\n";
          std::exit(1);
        }
      },
      5);
  const Shape &os = conv->output()->shape();
  double flops = 2.0 * os.numElements() * (C / group) * k * k;
  llvm::outs() << llvm::format(
      "conv C=%-4lld %3lldx%-3lld F=%-4lld k=%lld s=%lld g=%-4lld %8.3f ms %7.1f GFLOP/s\n",
      (long long)C, (long long)H, (long long)H, (long long)F, (long long)k,
      (long long)stride, (long long)group, t * 1e3, flops / t * 1e-9);
}

} // namespace

int main(int argc, char **argv) {
  unsigned threads = argc > 1 ? unsigned(std::atoi(argv[1])) : 0;
  KernelContext ctx(threads);
  llvm::outs() << "threads: " << ctx.numThreads()
               << ", micro-kernel: " << sgemmKernelName() << "\n";
  std::string what = argc > 2 ? argv[2] : "all";
  if (what == "all" || what == "gemm") {
    benchGemm(ctx, 512, 512, 512, false);
    benchGemm(ctx, 64, 3136, 576, false);
    benchGemm(ctx, 256, 3136, 576, false);
    benchGemm(ctx, 1, 1000, 2048, true);
  }
  if (what != "all" && what != "conv")
    return 0;
  benchConv(ctx, 3, 224, 64, 7, 2, 1);
  benchConv(ctx, 64, 56, 64, 3, 1, 1);
  benchConv(ctx, 256, 56, 64, 1, 1, 1);
  benchConv(ctx, 512, 28, 512, 3, 1, 32);
  benchConv(ctx, 256, 56, 256, 3, 1, 256);
  return 0;
}
