//===- Gemm.cpp - blocked, packed FP32 GEMM -------------------------------===//
//
// Loop nest (outer to inner): jc over NC columns of C, pc over KC of the
// shared dimension (B panel packed once per (jc, pc)), ic over MC rows (A
// block packed), jr over NR-wide B slivers (stays in L1), ir over MR-high A
// micro-panels (stream from L2). Threads split C into disjoint column or row
// ranges, each running the whole nest with private packing buffers, so no
// synchronisation is needed inside.
//
//===----------------------------------------------------------------------===//
#include "ir/ops/Gemm.h"

#include "ir/KernelContext.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define ONNTC_HAVE_X86 1
#endif

namespace onntc {
namespace {

/// Tile of the AVX2 micro-kernel.
constexpr int64_t kMR = 6;
constexpr int64_t kNR = 16;
/// Largest tile of any micro-kernel (sizes the edge-tile scratch).
constexpr int64_t kMaxMR = 8;
constexpr int64_t kMaxNR = 32;
constexpr int64_t kKC = 256;
constexpr int64_t kMC = 96;
constexpr int64_t kNC = 2048;

/// Computes an MR x NR tile from packed panels: c = alpha * a*b + beta * c.
/// beta == 0 means c is write-only.
using MicroKernel = void (*)(int64_t kc, const float *a, const float *b,
                             float *c, int64_t ldc, float alpha, float beta);

typedef float V4 __attribute__((vector_size(16)));

/// Portable 4x8 tile in 128-bit GCC vectors (SSE on baseline x86-64, NEON
/// on AArch64): 8 accumulator registers, which every such target has.
constexpr int64_t kGenericMR = 4;
constexpr int64_t kGenericNR = 8;

void microKernelGeneric(int64_t kc, const float *a, const float *b, float *c,
                        int64_t ldc, float alpha, float beta) {
  V4 acc[kGenericMR][2];
  for (int i = 0; i < kGenericMR; ++i)
    acc[i][0] = acc[i][1] = V4{};
  for (int64_t k = 0; k < kc; ++k) {
    V4 b0, b1;
    std::memcpy(&b0, b, sizeof(V4));
    std::memcpy(&b1, b + 4, sizeof(V4));
    for (int i = 0; i < kGenericMR; ++i) {
      V4 av = V4{} + a[i];
      acc[i][0] += av * b0;
      acc[i][1] += av * b1;
    }
    a += kGenericMR;
    b += kGenericNR;
  }
  for (int i = 0; i < kGenericMR; ++i) {
    float *row = c + i * ldc;
    for (int h = 0; h < 2; ++h) {
      V4 r = acc[i][h] * alpha;
      if (beta != 0.0f) {
        V4 old;
        std::memcpy(&old, row + 4 * h, sizeof(V4));
        r += old * beta;
      }
      std::memcpy(row + 4 * h, &r, sizeof(V4));
    }
  }
}

#ifdef ONNTC_HAVE_X86
__attribute__((target("avx2,fma"))) void
microKernelAvx2(int64_t kc, const float *a, const float *b, float *c,
                int64_t ldc, float alpha, float beta) {
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
  __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
  __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
  __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
  __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
  __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
  for (int64_t k = 0; k < kc; ++k) {
    __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8);
    __m256 av = _mm256_broadcast_ss(a);
    c00 = _mm256_fmadd_ps(av, b0, c00);
    c01 = _mm256_fmadd_ps(av, b1, c01);
    av = _mm256_broadcast_ss(a + 1);
    c10 = _mm256_fmadd_ps(av, b0, c10);
    c11 = _mm256_fmadd_ps(av, b1, c11);
    av = _mm256_broadcast_ss(a + 2);
    c20 = _mm256_fmadd_ps(av, b0, c20);
    c21 = _mm256_fmadd_ps(av, b1, c21);
    av = _mm256_broadcast_ss(a + 3);
    c30 = _mm256_fmadd_ps(av, b0, c30);
    c31 = _mm256_fmadd_ps(av, b1, c31);
    av = _mm256_broadcast_ss(a + 4);
    c40 = _mm256_fmadd_ps(av, b0, c40);
    c41 = _mm256_fmadd_ps(av, b1, c41);
    av = _mm256_broadcast_ss(a + 5);
    c50 = _mm256_fmadd_ps(av, b0, c50);
    c51 = _mm256_fmadd_ps(av, b1, c51);
    a += kMR;
    b += kNR;
  }
  __m256 va = _mm256_set1_ps(alpha);
  __m256 acc[kMR][2] = {{c00, c01}, {c10, c11}, {c20, c21},
                        {c30, c31}, {c40, c41}, {c50, c51}};
  if (beta == 0.0f) {
    for (int i = 0; i < kMR; ++i) {
      _mm256_storeu_ps(c + i * ldc, _mm256_mul_ps(acc[i][0], va));
      _mm256_storeu_ps(c + i * ldc + 8, _mm256_mul_ps(acc[i][1], va));
    }
  } else {
    __m256 vb = _mm256_set1_ps(beta);
    for (int i = 0; i < kMR; ++i) {
      float *row = c + i * ldc;
      _mm256_storeu_ps(row, _mm256_fmadd_ps(acc[i][0], va,
                                            _mm256_mul_ps(_mm256_loadu_ps(row), vb)));
      _mm256_storeu_ps(row + 8,
                       _mm256_fmadd_ps(acc[i][1], va,
                                       _mm256_mul_ps(_mm256_loadu_ps(row + 8), vb)));
    }
  }
}

/// 8x32 tile for CPUs with AVX-512 (full-width FMA units on Zen 5 and Intel
/// server parts): 16 zmm accumulators, 2 B loads and 8 broadcasts per k.
__attribute__((target("avx512f"))) void
microKernelAvx512(int64_t kc, const float *a, const float *b, float *c,
                  int64_t ldc, float alpha, float beta) {
#define ONNTC_ROW(i)                                                           \
  __m512 c##i##0 = _mm512_setzero_ps(), c##i##1 = _mm512_setzero_ps();
  ONNTC_ROW(0) ONNTC_ROW(1) ONNTC_ROW(2) ONNTC_ROW(3)
  ONNTC_ROW(4) ONNTC_ROW(5) ONNTC_ROW(6) ONNTC_ROW(7)
#undef ONNTC_ROW
  for (int64_t k = 0; k < kc; ++k) {
    __m512 b0 = _mm512_load_ps(b), b1 = _mm512_load_ps(b + 16);
#define ONNTC_FMA(i)                                                           \
  {                                                                            \
    __m512 av = _mm512_set1_ps(a[i]);                                          \
    c##i##0 = _mm512_fmadd_ps(av, b0, c##i##0);                                \
    c##i##1 = _mm512_fmadd_ps(av, b1, c##i##1);                                \
  }
    ONNTC_FMA(0) ONNTC_FMA(1) ONNTC_FMA(2) ONNTC_FMA(3)
    ONNTC_FMA(4) ONNTC_FMA(5) ONNTC_FMA(6) ONNTC_FMA(7)
#undef ONNTC_FMA
    a += 8;
    b += 32;
  }
  __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
#define ONNTC_STORE(i)                                                         \
  {                                                                            \
    float *row = c + (i) * ldc;                                                \
    if (beta == 0.0f) {                                                        \
      _mm512_storeu_ps(row, _mm512_mul_ps(c##i##0, va));                       \
      _mm512_storeu_ps(row + 16, _mm512_mul_ps(c##i##1, va));                  \
    } else {                                                                   \
      _mm512_storeu_ps(row, _mm512_fmadd_ps(c##i##0, va,                       \
                                            _mm512_mul_ps(_mm512_loadu_ps(row), vb))); \
      _mm512_storeu_ps(row + 16,                                               \
                       _mm512_fmadd_ps(c##i##1, va,                            \
                                       _mm512_mul_ps(_mm512_loadu_ps(row + 16), vb))); \
    }                                                                          \
  }
  ONNTC_STORE(0) ONNTC_STORE(1) ONNTC_STORE(2) ONNTC_STORE(3)
  ONNTC_STORE(4) ONNTC_STORE(5) ONNTC_STORE(6) ONNTC_STORE(7)
#undef ONNTC_STORE
}
#endif

/// A micro-kernel and the tile it computes; packing follows the tile.
struct KernelChoice {
  MicroKernel fn;
  int64_t mr, nr;
  const char *name;
};

/// The micro-kernels this CPU can run, best first.
std::vector<KernelChoice> availableKernels() {
  std::vector<KernelChoice> k;
#ifdef ONNTC_HAVE_X86
  if (__builtin_cpu_supports("avx512f"))
    k.push_back({microKernelAvx512, 8, 32, "avx512f"});
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    k.push_back({microKernelAvx2, kMR, kNR, "avx2-fma"});
#endif
  k.push_back({microKernelGeneric, kGenericMR, kGenericNR, "generic"});
  return k;
}

KernelChoice selectKernel() {
#ifdef ONNTC_HAVE_X86
  if (__builtin_cpu_supports("avx512f"))
    return {microKernelAvx512, 8, 32, "avx512f"};
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    return {microKernelAvx2, kMR, kNR, "avx2-fma"};
#endif
  return {microKernelGeneric, kGenericMR, kGenericNR, "generic"};
}

/// 64-byte aligned scratch for packed panels.
struct AlignedBuf {
  explicit AlignedBuf(size_t floats)
      : p(static_cast<float *>(
            std::aligned_alloc(64, std::max<size_t>(64, (floats * 4 + 63) / 64 * 64)))) {}
  ~AlignedBuf() { std::free(p); }
  AlignedBuf(const AlignedBuf &) = delete;
  AlignedBuf &operator=(const AlignedBuf &) = delete;
  float *p;
};

struct GemmProblem {
  bool transA, transB;
  const float *A;
  int64_t lda;
  const float *B;
  int64_t ldb;
  float alpha, beta;
  float *C;
  int64_t ldc;
  /// When set, op(B) is already packed in whole-K column panels (see
  /// sgemmPackB) and B/ldb/transB are unused.
  const float *packedB = nullptr;
  /// When set, rowBias[i] is added to row i of C after the product.
  const float *rowBias = nullptr;
};

/// Packs rows [i0, i0+mc) x cols [k0, k0+kc) of op(A) into MR-high panels,
/// each stored k-major (MR values per k), zero-padded to a multiple of MR.
void packA(const GemmProblem &p, int64_t i0, int64_t mc, int64_t k0,
           int64_t kc, float *dst, int64_t tileM) {
  for (int64_t ir = 0; ir < mc; ir += tileM) {
    int64_t mr = std::min(tileM, mc - ir);
    float *d = dst + ir * kc;
    if (!p.transA) {
      for (int64_t i = 0; i < mr; ++i) {
        const float *src = p.A + (i0 + ir + i) * p.lda + k0;
        for (int64_t k = 0; k < kc; ++k)
          d[k * tileM + i] = src[k];
      }
    } else {
      for (int64_t k = 0; k < kc; ++k) {
        const float *src = p.A + (k0 + k) * p.lda + i0 + ir;
        for (int64_t i = 0; i < mr; ++i)
          d[k * tileM + i] = src[i];
      }
    }
    for (int64_t i = mr; i < tileM; ++i)
      for (int64_t k = 0; k < kc; ++k)
        d[k * tileM + i] = 0.0f;
  }
}

/// Packs rows [k0, k0+kc) x cols [j0, j0+nc) of op(B) into NR-wide slivers,
/// each stored k-major (NR values per k), zero-padded to a multiple of NR.
void packB(const GemmProblem &p, int64_t k0, int64_t kc, int64_t j0,
           int64_t nc, float *dst, int64_t tileN) {
  if (!p.transB) {
    // Row order: each source row segment is read sequentially once.
    for (int64_t k = 0; k < kc; ++k) {
      const float *src = p.B + (k0 + k) * p.ldb + j0;
      for (int64_t jr = 0; jr < nc; jr += tileN) {
        int64_t nr = std::min(tileN, nc - jr);
        float *dk = dst + jr * kc + k * tileN;
        std::memcpy(dk, src + jr, size_t(nr) * sizeof(float));
        for (int64_t j = nr; j < tileN; ++j)
          dk[j] = 0.0f;
      }
    }
    return;
  }
  for (int64_t jr = 0; jr < nc; jr += tileN) {
    int64_t nr = std::min(tileN, nc - jr);
    float *d = dst + jr * kc;
    for (int64_t j = 0; j < nr; ++j) {
      const float *src = p.B + (j0 + jr + j) * p.ldb + k0;
      for (int64_t k = 0; k < kc; ++k)
        d[k * tileN + j] = src[k];
    }
    for (int64_t j = nr; j < tileN; ++j)
      for (int64_t k = 0; k < kc; ++k)
        d[k * tileN + j] = 0.0f;
  }
}

/// The whole loop nest for C rows [m0, m1) and columns [n0, n1).
/// Packing buffer sizes (floats) gemmRange needs for an M x N part.
void rangeBufferSizes(const GemmProblem &p, const KernelChoice &kern,
                      int64_t K, int64_t M, int64_t N, size_t &a, size_t &b) {
  int64_t kcMax = std::min(K, kKC);
  a = size_t(std::min((M + kern.mr - 1) / kern.mr * kern.mr, kMC) * kcMax);
  b = p.packedB ? 0
                : size_t(std::min((N + kern.nr - 1) / kern.nr * kern.nr, kNC) *
                         kcMax);
}

/// The whole loop nest for C rows [m0, m1) and columns [n0, n1), packing
/// into bufA/bufB (sized by rangeBufferSizes, 64-byte aligned).
void gemmRange(const GemmProblem &p, const KernelChoice &kern, int64_t K,
               int64_t m0, int64_t m1, int64_t n0, int64_t n1, float *bufAp,
               float *bufBp) {
  const int64_t tileM = kern.mr, tileN = kern.nr;
  MicroKernel kernel = kern.fn;
  int64_t M = m1 - m0, N = n1 - n0;
  if (M <= 0 || N <= 0)
    return;
  struct {
    float *p;
  } bufA{bufAp}, bufB{bufBp};
  alignas(64) float tile[kMaxMR * kMaxNR];

  for (int64_t jc = n0; jc < n1; jc += kNC) {
    int64_t nc = std::min(kNC, n1 - jc);
    for (int64_t pc = 0; pc < K; pc += kKC) {
      int64_t kc = std::min(kKC, K - pc);
      float beta = pc == 0 ? p.beta : 1.0f;
      if (!p.packedB)
        packB(p, pc, kc, jc, nc, bufB.p, tileN);
      for (int64_t ic = m0; ic < m1; ic += kMC) {
        int64_t mc = std::min(kMC, m1 - ic);
        packA(p, ic, mc, pc, kc, bufA.p, tileM);
        for (int64_t jr = 0; jr < nc; jr += tileN) {
          int64_t nr = std::min(tileN, nc - jr);
          const float *bp = p.packedB ? p.packedB + (jc + jr) * K + pc * tileN
                                      : bufB.p + jr * kc;
          for (int64_t ir = 0; ir < mc; ir += tileM) {
            int64_t mr = std::min(tileM, mc - ir);
            const float *ap = bufA.p + ir * kc;
            float *cp = p.C + (ic + ir) * p.ldc + jc + jr;
            if (mr == tileM && nr == tileN) {
              kernel(kc, ap, bp, cp, p.ldc, p.alpha, beta);
            } else {
              kernel(kc, ap, bp, tile, tileN, p.alpha, 0.0f);
              for (int64_t i = 0; i < mr; ++i)
                for (int64_t j = 0; j < nr; ++j) {
                  float &dst = cp[i * p.ldc + j];
                  dst = beta == 0.0f ? tile[i * tileN + j]
                                     : tile[i * tileN + j] + beta * dst;
                }
            }
            // Bias epilogue on the last K block, while the tile is in L1.
            if (p.rowBias && pc + kc == K)
              for (int64_t i = 0; i < mr; ++i) {
                float bv = p.rowBias[ic + ir + i];
                float *row = cp + i * p.ldc;
                for (int64_t j = 0; j < nr; ++j)
                  row[j] += bv;
              }
          }
        }
      }
    }
  }
}

} // namespace

const char *sgemmKernelName() { return selectKernel().name; }

/// Splits C over the threads of `ctx` and runs the loop nest on each part.
static void runGemm(const GemmProblem &p, int64_t M, int64_t N, int64_t K,
                    KernelContext *ctx, const KernelChoice &kernel) {
  const int64_t tileM = kernel.mr, tileN = kernel.nr;
  int64_t threads = ctx ? ctx->numThreads() : 1;
  double work = double(M) * double(N) * double(K);
  // Packing buffers: the context's scratch when there is one (no page
  // faults on every call), else private allocations.
  auto buffers = [&](int64_t part, int64_t pm, int64_t pn, float *&a,
                     float *&b, std::unique_ptr<AlignedBuf> &ownA,
                     std::unique_ptr<AlignedBuf> &ownB) {
    size_t na, nb;
    rangeBufferSizes(p, kernel, K, pm, pn, na, nb);
    if (ctx) {
      a = ctx->scratch(kScratchGemmPartBase + 2 * unsigned(part), na);
      b = ctx->scratch(kScratchGemmPartBase + 2 * unsigned(part) + 1, nb);
      return;
    }
    ownA = std::make_unique<AlignedBuf>(na);
    ownB = std::make_unique<AlignedBuf>(nb);
    a = ownA->p;
    b = ownB->p;
  };
  if (threads <= 1 || work < 65536.0) {
    float *a, *b;
    std::unique_ptr<AlignedBuf> ownA, ownB;
    buffers(0, M, N, a, b, ownA, ownB);
    gemmRange(p, kernel, K, 0, M, 0, N, a, b);
    return;
  }
  // Split the dimension with more micro-tiles, in whole tiles.
  int64_t tilesM = (M + tileM - 1) / tileM, tilesN = (N + tileN - 1) / tileN;
  bool splitN = tilesN >= tilesM;
  int64_t tiles = splitN ? tilesN : tilesM;
  int64_t parts = std::min(threads, tiles);
  // Scratch is taken on this thread, before the workers start.
  std::vector<float *> bufA(static_cast<size_t>(parts)),
      bufB(static_cast<size_t>(parts));
  std::vector<std::unique_ptr<AlignedBuf>> own(size_t(2 * parts));
  for (int64_t part = 0; part < parts; ++part)
    buffers(part, splitN ? M : (tiles + parts - 1) / parts * tileM,
            splitN ? (tiles + parts - 1) / parts * tileN : N,
            bufA[size_t(part)], bufB[size_t(part)], own[size_t(2 * part)],
            own[size_t(2 * part + 1)]);
  ctx->parallelFor(parts, 1, [&](int64_t b, int64_t e) {
    for (int64_t part = b; part < e; ++part) {
      int64_t t0 = tiles * part / parts, t1 = tiles * (part + 1) / parts;
      if (splitN)
        gemmRange(p, kernel, K, 0, M, std::min(N, t0 * tileN),
                  std::min(N, t1 * tileN), bufA[size_t(part)],
                  bufB[size_t(part)]);
      else
        gemmRange(p, kernel, K, std::min(M, t0 * tileM),
                  std::min(M, t1 * tileM), 0, N, bufA[size_t(part)],
                  bufB[size_t(part)]);
    }
  });
}

/// Single-row products (batch-1 fully connected layers) are bound by
/// reading B once; they skip packing and stream B in its own layout.
static void gemv(bool transA, bool transB, int64_t N, int64_t K, float alpha,
                 const float *A, int64_t lda, const float *B, int64_t ldb,
                 float beta, float *C, const float *rowBias,
                 KernelContext *ctx) {
  // Row 0 of op(A): contiguous unless transposed (then stride lda).
  std::vector<float> a(static_cast<size_t>(K));
  for (int64_t k = 0; k < K; ++k)
    a[size_t(k)] = transA ? A[k * lda] : A[k];
  float bias = rowBias ? rowBias[0] : 0.0f;
  auto finish = [&](int64_t j, float acc) {
    C[j] = alpha * acc + (beta == 0.0f ? 0.0f : beta * C[j]) + bias;
  };
  auto run = [&](int64_t j0, int64_t j1) {
    if (transB) {
      // C[j] = dot(a, B[j, :]).
      for (int64_t j = j0; j < j1; ++j) {
        const float *row = B + j * ldb;
        V4 s0{}, s1{};
        int64_t k = 0;
        for (; k + 8 <= K; k += 8) {
          V4 x0, x1, y0, y1;
          std::memcpy(&x0, &a[size_t(k)], sizeof(V4));
          std::memcpy(&x1, &a[size_t(k + 4)], sizeof(V4));
          std::memcpy(&y0, row + k, sizeof(V4));
          std::memcpy(&y1, row + k + 4, sizeof(V4));
          s0 += x0 * y0;
          s1 += x1 * y1;
        }
        V4 s = s0 + s1;
        float acc = s[0] + s[1] + s[2] + s[3];
        for (; k < K; ++k)
          acc += a[size_t(k)] * row[k];
        finish(j, acc);
      }
      return;
    }
    // C[j0:j1] = sum_k a[k] * B[k, j0:j1], accumulated in a local row.
    std::vector<float> acc(static_cast<size_t>(j1 - j0), 0.0f);
    for (int64_t k = 0; k < K; ++k) {
      const float *row = B + k * ldb + j0;
      float av = a[size_t(k)];
      int64_t j = 0, n = j1 - j0;
      for (; j + 4 <= n; j += 4) {
        V4 x, y;
        std::memcpy(&x, &acc[size_t(j)], sizeof(V4));
        std::memcpy(&y, row + j, sizeof(V4));
        x += av * y;
        std::memcpy(&acc[size_t(j)], &x, sizeof(V4));
      }
      for (; j < n; ++j)
        acc[size_t(j)] += av * row[j];
    }
    for (int64_t j = j0; j < j1; ++j)
      finish(j, acc[size_t(j - j0)]);
  };
  if (ctx && double(N) * double(K) >= 65536.0)
    ctx->parallelFor(N, 64, run);
  else
    run(0, N);
}

/// C = beta * C for the degenerate products; true if handled.
static bool degenerate(int64_t M, int64_t N, int64_t K, float alpha,
                       float beta, float *C, int64_t ldc) {
  if (M <= 0 || N <= 0)
    return true;
  if (K > 0 && alpha != 0.0f)
    return false;
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j)
      C[i * ldc + j] = beta == 0.0f ? 0.0f : beta * C[i * ldc + j];
  return true;
}

void sgemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K,
           float alpha, const float *A, int64_t lda, const float *B,
           int64_t ldb, float beta, float *C, int64_t ldc,
           KernelContext *ctx, const float *rowBias) {
  if (degenerate(M, N, K, alpha, beta, C, ldc)) {
    for (int64_t i = 0; rowBias && i < M; ++i)
      for (int64_t j = 0; j < N; ++j)
        C[i * ldc + j] += rowBias[i];
    return;
  }
  if (M == 1) {
    gemv(transA, transB, N, K, alpha, A, lda, B, ldb, beta, C, rowBias, ctx);
    return;
  }
  GemmProblem p{transA, transB, A, lda, B, ldb, alpha, beta, C, ldc};
  p.rowBias = rowBias;
  // Products with few rows reuse each packed B element only M times; for
  // them, one row-order pass over B into whole-K panels is much cheaper
  // than packing strided blocks inside the loop nest.
  int64_t w = sgemmPanelWidth();
  if (!transB && M <= 4 * kMC && N >= 4 * w && K >= 16) {
    size_t n = sgemmPackedBSize(K, N);
    std::unique_ptr<AlignedBuf> own;
    float *packed;
    if (ctx) {
      packed = ctx->scratch(kScratchGemmPackedB, n);
    } else {
      own = std::make_unique<AlignedBuf>(n);
      packed = own->p;
    }
    sgemmPackB(false, K, N, B, ldb, packed, ctx);
    p.packedB = packed;
    runGemm(p, M, N, K, ctx, selectKernel());
    return;
  }
  runGemm(p, M, N, K, ctx, selectKernel());
}

std::vector<std::string> sgemmKernelNames() {
  std::vector<std::string> names;
  for (const KernelChoice &k : availableKernels())
    names.push_back(k.name);
  return names;
}

bool sgemmWithKernel(llvm::StringRef kernel, bool transA, bool transB,
                     int64_t M, int64_t N, int64_t K, float alpha,
                     const float *A, int64_t lda, const float *B, int64_t ldb,
                     float beta, float *C, int64_t ldc, KernelContext *ctx) {
  for (const KernelChoice &k : availableKernels()) {
    if (kernel != k.name)
      continue;
    if (!degenerate(M, N, K, alpha, beta, C, ldc)) {
      GemmProblem p{transA, transB, A, lda, B, ldb, alpha, beta, C, ldc};
      runGemm(p, M, N, K, ctx, k);
    }
    return true;
  }
  return false;
}

int64_t sgemmPanelWidth() { return selectKernel().nr; }

size_t sgemmPackedBSize(int64_t K, int64_t N) {
  int64_t w = sgemmPanelWidth();
  return size_t((N + w - 1) / w * w * std::max<int64_t>(K, 0));
}

void sgemmPackB(bool transB, int64_t K, int64_t N, const float *B,
                int64_t ldb, float *dst, KernelContext *ctx) {
  int64_t w = sgemmPanelWidth();
  GemmProblem p{false, transB, nullptr, 0, B, ldb, 1.0f, 0.0f, nullptr, 0};
  int64_t panels = (N + w - 1) / w;
  auto run = [&](int64_t b, int64_t e) {
    if (transB) {
      for (int64_t j = b; j < e; ++j)
        packB(p, 0, K, j * w, std::min(w, N - j * w), dst + j * w * K, w);
      return;
    }
    // Row order: each source row is read sequentially once.
    for (int64_t k = 0; k < K; ++k) {
      const float *src = B + k * ldb;
      for (int64_t j = b; j < e; ++j) {
        float *d = dst + j * w * K + k * w;
        int64_t n0 = j * w, cols = std::min(w, N - n0);
        if (cols == w) {
          std::memcpy(d, src + n0, sizeof(float) * size_t(w));
        } else {
          std::memcpy(d, src + n0, sizeof(float) * size_t(cols));
          std::memset(d + cols, 0, sizeof(float) * size_t(w - cols));
        }
      }
    }
  };
  if (ctx)
    ctx->parallelFor(panels, 4, run);
  else
    run(0, panels);
}

void sgemmPrepackedB(bool transA, int64_t M, int64_t N, int64_t K,
                     float alpha, const float *A, int64_t lda,
                     const float *packedB, float beta, float *C, int64_t ldc,
                     KernelContext *ctx, const float *rowBias) {
  if (degenerate(M, N, K, alpha, beta, C, ldc)) {
    for (int64_t i = 0; rowBias && i < M; ++i)
      for (int64_t j = 0; j < N; ++j)
        C[i * ldc + j] += rowBias[i];
    return;
  }
  GemmProblem p{transA, false, A, lda, nullptr, 0, alpha, beta, C, ldc};
  p.packedB = packedB;
  p.rowBias = rowBias;
  runGemm(p, M, N, K, ctx, selectKernel());
}

} // namespace onntc
