//===- KernelBench.cpp - timings of the heavy FP32 reference kernels ------===//
//
// Prints GFLOP/s of sgemm on fixed shapes and the time of a few Conv nodes
// run through the interpreter's kernels. Usage: kernel_bench [threads] [gemm|conv|resnet50|all] [resnet50 repetitions].
//
//===----------------------------------------------------------------------===//
#include "ir/Interpreter.h"
#include "ir/Verifier.h"
#include "ir/ops/Gemm.h"

#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <ctime>
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

/// CPU time of the whole process (all threads), in seconds. On a loaded
/// machine it is steadier than wall time.
double cpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

/// Best-of-several wall-clock timing of fn, in seconds; `cpu` receives the
/// process CPU time of the same run.
template <typename Fn> double timeBest(Fn fn, int reps, double *cpu = nullptr) {
  fn();
  double best = 1e30;
  for (int r = 0; r < reps; ++r) {
    double t0 = nowSeconds(), c0 = cpuSeconds();
    fn();
    double t = nowSeconds() - t0;
    if (t < best) {
      best = t;
      if (cpu)
        *cpu = cpuSeconds() - c0;
    }
  }
  return best;
}

void benchGemm(KernelContext &ctx, int64_t M, int64_t N, int64_t K,
               bool transB, const std::string &kernel = "") {
  std::vector<float> a = randomFloats(M * K, 1), b = randomFloats(K * N, 2),
                     c(M * N);
  double cpu = 0;
  double t = timeBest(
      [&] {
        if (kernel.empty())
          sgemm(false, transB, M, N, K, 1.0f, a.data(), K, b.data(),
                transB ? K : N, 0.0f, c.data(), N, &ctx);
        else if (!sgemmWithKernel(kernel, false, transB, M, N, K, 1.0f,
                                  a.data(), K, b.data(), transB ? K : N, 0.0f,
                                  c.data(), N, &ctx))
          std::exit(1);
      },
      5, &cpu);
  if (!kernel.empty())
    llvm::outs() << "[" << kernel << "] ";
  // GFLOP per second of wall time, and per second of CPU time summed over
  // threads (steadier on a shared machine).
  llvm::outs() << llvm::format(
      "sgemm M=%-5lld N=%-5lld K=%-5lld%s %8.3f ms %7.1f GFLOP/s, CPU %7.1f\n",
      (long long)M, (long long)N, (long long)K,
      static_cast<const char *>(transB ? " (B^T)" : "      "), t * 1e3,
      2.0 * M * N * K / t * 1e-9, 2.0 * M * N * K / cpu * 1e-9);
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

/// ResNet-50 v1.5 at 1x3x224x224 as this family's ops see it: convolutions
/// with folded batch-norm bias, the stem max-pool, global pooling and the
/// classifier. ReLU and the residual Adds belong to other families and are
/// left out (they are memory passes worth a few ms); projection shortcuts
/// become extra graph outputs so they are still computed.
void benchResNet50(KernelContext &ctx, int reps) {
  Graph g;
  std::vector<Tensor> feeds;
  unsigned seed = 10;
  auto param = [&](Shape s) {
    Value *v = g.addInput("p" + std::to_string(feeds.size()),
                          TensorType(DType::F32, s));
    feeds.push_back(Tensor::fromFloats(
        s, randomFloats(size_t(s.numElements()), seed++)));
    for (float &f : llvm::MutableArrayRef<float>(feeds.back().data<float>(),
                                                 size_t(s.numElements())))
      f *= 0.05f;
    return v;
  };
  double flops = 0;
  auto conv = [&](Value *x, int64_t cin, int64_t cout, int64_t k, int64_t s,
                  int64_t hw) {
    Value *w = param(Shape{cout, cin, k, k});
    Value *b = param(Shape{cout});
    Node *n = g.createNode(OpKind::Conv, {x, w, b}, {""},
                           "conv" + std::to_string(feeds.size()));
    n->setAttr("strides", std::vector<int64_t>{s, s});
    n->setAttr("pads", std::vector<int64_t>{k / 2, k / 2, k / 2, k / 2});
    int64_t out = hw / s;
    flops += 2.0 * cout * out * out * cin * k * k;
    return n->output();
  };
  Value *x = g.addInput("x", TensorType(DType::F32, Shape{1, 3, 224, 224}));
  feeds.push_back(Tensor::fromFloats(Shape{1, 3, 224, 224},
                                     randomFloats(3 * 224 * 224, 99)));
  // Graph inputs are matched by position; keep the image first.
  std::swap(feeds.front(), feeds.back());
  Value *h = conv(x, 3, 64, 7, 2, 224);
  Node *mp = g.createNode(OpKind::MaxPool, {h}, {"pool"}, "pool");
  mp->setAttr("kernel_shape", std::vector<int64_t>{3, 3});
  mp->setAttr("strides", std::vector<int64_t>{2, 2});
  mp->setAttr("pads", std::vector<int64_t>{1, 1, 1, 1});
  h = mp->output();
  int64_t cin = 64, hw = 56;
  const int64_t blocks[4] = {3, 4, 6, 3};
  for (int st = 0; st < 4; ++st) {
    int64_t width = 64 << st;
    for (int64_t b = 0; b < blocks[st]; ++b) {
      int64_t s = (b == 0 && st > 0) ? 2 : 1;
      Value *a = conv(h, cin, width, 1, 1, hw);
      a = conv(a, width, width, 3, s, hw);
      a = conv(a, width, width * 4, 1, 1, hw / s);
      if (b == 0)
        g.addOutput(conv(h, cin, width * 4, 1, s, hw));
      h = a;
      cin = width * 4;
      hw /= s;
    }
  }
  Node *gap = g.createNode(OpKind::GlobalAveragePool, {h}, {"gap"}, "gap");
  // Flatten belongs to TensorOps: run the classifier as a 1x1 convolution.
  Value *logits = conv(gap->output(), 2048, 1000, 1, 1, 1);
  g.addOutput(logits);
  if (llvm::Error e = inferTypes(g)) {
    llvm::errs() << llvm::toString(std::move(e)) << "\n";
    std::exit(1);
  }
  double cpu = 0;
  double t = timeBest(
      [&] {
        auto r = runGraph(g, feeds, ctx);
        if (!r) {
          llvm::errs() << llvm::toString(r.takeError()) << "\n";
          std::exit(1);
        }
      },
      reps, &cpu);
  llvm::outs() << llvm::format("resnet50 convs+pools %8.1f ms %7.1f GFLOP/s "
                               "(%.2f GFLOP, %.1f ms CPU)\n",
                               t * 1e3, flops / t * 1e-9, flops * 1e-9,
                               cpu * 1e3);
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
    for (const std::string &k : sgemmKernelNames()) {
      benchGemm(ctx, 512, 512, 512, false, k);
      benchGemm(ctx, 256, 3136, 576, false, k);
    }
  }
  if (what == "all" || what == "resnet50")
    benchResNet50(ctx, argc > 3 ? std::max(1, std::atoi(argv[3])) : 3);
  if (what != "all" && what != "conv")
    return 0;
  benchConv(ctx, 3, 224, 64, 7, 2, 1);
  benchConv(ctx, 64, 56, 64, 3, 1, 1);
  benchConv(ctx, 256, 56, 64, 1, 1, 1);
  benchConv(ctx, 512, 28, 512, 3, 1, 32);
  benchConv(ctx, 256, 56, 256, 3, 1, 256);
  return 0;
}
