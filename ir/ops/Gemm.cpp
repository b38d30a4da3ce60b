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

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define ONNTC_HAVE_X86 1
#endif

namespace onntc {
namespace {

constexpr int64_t kMR = 6;
constexpr int64_t kNR = 16;
constexpr int64_t kKC = 256;
constexpr int64_t kMC = 96;
constexpr int64_t kNC = 2048;

/// Computes an MR x NR tile from packed panels: c = alpha * a*b + beta * c.
/// beta == 0 means c is write-only.
using MicroKernel = void (*)(int64_t kc, const float *a, const float *b,
                             float *c, int64_t ldc, float alpha, float beta);

typedef float V8 __attribute__((vector_size(32)));

void microKernelGeneric(int64_t kc, const float *a, const float *b, float *c,
                        int64_t ldc, float alpha, float beta) {
  V8 acc[kMR][2];
  for (int i = 0; i < kMR; ++i)
    acc[i][0] = acc[i][1] = V8{};
  for (int64_t k = 0; k < kc; ++k) {
    V8 b0, b1;
    std::memcpy(&b0, b, sizeof(V8));
    std::memcpy(&b1, b + 8, sizeof(V8));
    for (int i = 0; i < kMR; ++i) {
      acc[i][0] += a[i] * b0;
      acc[i][1] += a[i] * b1;
    }
    a += kMR;
    b += kNR;
  }
  for (int i = 0; i < kMR; ++i) {
    float *row = c + i * ldc;
    for (int h = 0; h < 2; ++h) {
      V8 r = acc[i][h] * alpha;
      if (beta != 0.0f) {
        V8 old;
        std::memcpy(&old, row + 8 * h, sizeof(V8));
        r += old * beta;
      }
      std::memcpy(row + 8 * h, &r, sizeof(V8));
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
#endif

MicroKernel selectKernel() {
#ifdef ONNTC_HAVE_X86
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    return microKernelAvx2;
#endif
  return microKernelGeneric;
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
};

/// Packs rows [i0, i0+mc) x cols [k0, k0+kc) of op(A) into MR-high panels,
/// each stored k-major (MR values per k), zero-padded to a multiple of MR.
void packA(const GemmProblem &p, int64_t i0, int64_t mc, int64_t k0,
           int64_t kc, float *dst) {
  for (int64_t ir = 0; ir < mc; ir += kMR) {
    int64_t mr = std::min(kMR, mc - ir);
    float *d = dst + ir * kc;
    if (!p.transA) {
      for (int64_t i = 0; i < mr; ++i) {
        const float *src = p.A + (i0 + ir + i) * p.lda + k0;
        for (int64_t k = 0; k < kc; ++k)
          d[k * kMR + i] = src[k];
      }
    } else {
      for (int64_t k = 0; k < kc; ++k) {
        const float *src = p.A + (k0 + k) * p.lda + i0 + ir;
        for (int64_t i = 0; i < mr; ++i)
          d[k * kMR + i] = src[i];
      }
    }
    for (int64_t i = mr; i < kMR; ++i)
      for (int64_t k = 0; k < kc; ++k)
        d[k * kMR + i] = 0.0f;
  }
}

/// Packs rows [k0, k0+kc) x cols [j0, j0+nc) of op(B) into NR-wide slivers,
/// each stored k-major (NR values per k), zero-padded to a multiple of NR.
void packB(const GemmProblem &p, int64_t k0, int64_t kc, int64_t j0,
           int64_t nc, float *dst) {
  for (int64_t jr = 0; jr < nc; jr += kNR) {
    int64_t nr = std::min(kNR, nc - jr);
    float *d = dst + jr * kc;
    if (!p.transB) {
      for (int64_t k = 0; k < kc; ++k) {
        const float *src = p.B + (k0 + k) * p.ldb + j0 + jr;
        float *dk = d + k * kNR;
        if (nr == kNR) {
          std::memcpy(dk, src, kNR * sizeof(float));
        } else {
          for (int64_t j = 0; j < nr; ++j)
            dk[j] = src[j];
          for (int64_t j = nr; j < kNR; ++j)
            dk[j] = 0.0f;
        }
      }
    } else {
      for (int64_t j = 0; j < nr; ++j) {
        const float *src = p.B + (j0 + jr + j) * p.ldb + k0;
        for (int64_t k = 0; k < kc; ++k)
          d[k * kNR + j] = src[k];
      }
      for (int64_t j = nr; j < kNR; ++j)
        for (int64_t k = 0; k < kc; ++k)
          d[k * kNR + j] = 0.0f;
    }
  }
}

/// The whole loop nest for C rows [m0, m1) and columns [n0, n1).
void gemmRange(const GemmProblem &p, MicroKernel kernel, int64_t K,
               int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  int64_t M = m1 - m0, N = n1 - n0;
  if (M <= 0 || N <= 0)
    return;
  int64_t kcMax = std::min(K, kKC);
  int64_t mcMax = std::min((M + kMR - 1) / kMR * kMR, kMC);
  int64_t ncMax = std::min((N + kNR - 1) / kNR * kNR, kNC);
  AlignedBuf bufA(size_t(mcMax * kcMax)), bufB(size_t(ncMax * kcMax));
  alignas(64) float tile[kMR * kNR];

  for (int64_t jc = n0; jc < n1; jc += kNC) {
    int64_t nc = std::min(kNC, n1 - jc);
    for (int64_t pc = 0; pc < K; pc += kKC) {
      int64_t kc = std::min(kKC, K - pc);
      float beta = pc == 0 ? p.beta : 1.0f;
      packB(p, pc, kc, jc, nc, bufB.p);
      for (int64_t ic = m0; ic < m1; ic += kMC) {
        int64_t mc = std::min(kMC, m1 - ic);
        packA(p, ic, mc, pc, kc, bufA.p);
        for (int64_t jr = 0; jr < nc; jr += kNR) {
          int64_t nr = std::min(kNR, nc - jr);
          const float *bp = bufB.p + jr * kc;
          for (int64_t ir = 0; ir < mc; ir += kMR) {
            int64_t mr = std::min(kMR, mc - ir);
            const float *ap = bufA.p + ir * kc;
            float *cp = p.C + (ic + ir) * p.ldc + jc + jr;
            if (mr == kMR && nr == kNR) {
              kernel(kc, ap, bp, cp, p.ldc, p.alpha, beta);
              continue;
            }
            kernel(kc, ap, bp, tile, kNR, p.alpha, 0.0f);
            for (int64_t i = 0; i < mr; ++i)
              for (int64_t j = 0; j < nr; ++j) {
                float &dst = cp[i * p.ldc + j];
                dst = beta == 0.0f ? tile[i * kNR + j]
                                   : tile[i * kNR + j] + beta * dst;
              }
          }
        }
      }
    }
  }
}

} // namespace

const char *sgemmKernelName() {
  return selectKernel() == microKernelGeneric ? "generic" : "avx2-fma";
}

void sgemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K,
           float alpha, const float *A, int64_t lda, const float *B,
           int64_t ldb, float beta, float *C, int64_t ldc,
           KernelContext *ctx) {
  if (M <= 0 || N <= 0)
    return;
  if (K <= 0 || alpha == 0.0f) {
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j)
        C[i * ldc + j] = beta == 0.0f ? 0.0f : beta * C[i * ldc + j];
    return;
  }
  GemmProblem p{transA, transB, A, lda, B, ldb, alpha, beta, C, ldc};
  MicroKernel kernel = selectKernel();
  int64_t threads = ctx ? ctx->numThreads() : 1;
  double work = double(M) * double(N) * double(K);
  if (threads <= 1 || work < 65536.0) {
    gemmRange(p, kernel, K, 0, M, 0, N);
    return;
  }
  // Split the dimension with more micro-tiles, in whole tiles.
  int64_t tilesM = (M + kMR - 1) / kMR, tilesN = (N + kNR - 1) / kNR;
  bool splitN = tilesN >= tilesM;
  int64_t tiles = splitN ? tilesN : tilesM;
  int64_t parts = std::min(threads, tiles);
  ctx->parallelFor(parts, 1, [&](int64_t b, int64_t e) {
    for (int64_t part = b; part < e; ++part) {
      int64_t t0 = tiles * part / parts, t1 = tiles * (part + 1) / parts;
      if (splitN)
        gemmRange(p, kernel, K, 0, M, std::min(N, t0 * kNR),
                  std::min(N, t1 * kNR));
      else
        gemmRange(p, kernel, K, std::min(M, t0 * kMR), std::min(M, t1 * kMR),
                  0, N);
    }
  });
}

} // namespace onntc
