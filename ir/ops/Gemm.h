//===- Gemm.h - the FP32 matrix product behind Conv/Gemm/MatMul -*- C++ -*-===//
//
// A cache-blocked, register-tiled single-precision GEMM in the manner of
// Goto/BLIS: panels of A and B are packed into contiguous, zero-padded
// micro-panels and a 6x16 micro-kernel accumulates in registers. The
// micro-kernel uses AVX2+FMA when the CPU has it (checked at run time) and
// a portable vector-extension version otherwise.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_IR_OPS_GEMM_H
#define ONNTC_IR_OPS_GEMM_H

#include "llvm/ADT/StringRef.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace onntc {

struct KernelContext;

/// C = alpha * op(A) * op(B) + beta * C, all row-major. op(A) is M x K
/// (A is K x M with lda >= M when transA), op(B) is K x N (B is N x K when
/// transB). When beta is 0, C is not read (it may hold garbage or NaN).
/// With a non-null `ctx` the work is split over its threads. A non-null
/// `rowBias` (M values) is added to each row of the result, fused into the
/// store of each tile (conv bias) instead of a separate pass.
void sgemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K,
           float alpha, const float *A, int64_t lda, const float *B,
           int64_t ldb, float beta, float *C, int64_t ldc,
           KernelContext *ctx, const float *rowBias = nullptr);

/// KernelContext::scratch slots used by the GEMM and its callers. Callers
/// that pack B themselves (Conv) use kScratchCallerPackedB; sgemm uses the
/// others internally.
enum GemmScratchSlot : unsigned {
  kScratchCallerPackedB = 0,
  kScratchGemmPackedB = 1,
  kScratchGemmPartBase = 2, ///< Two per thread part: packed A, packed B.
};

/// Width W of the column panels B is packed into on this machine.
int64_t sgemmPanelWidth();
/// Floats needed to hold a K x N op(B) packed for sgemmPrepackedB.
size_t sgemmPackedBSize(int64_t K, int64_t N);
/// Packs op(B) (K x N) for sgemmPrepackedB. The layout is public so that
/// producers (im2col) can write it directly: column panel j (columns
/// [j*W, j*W+W)) occupies floats [j*W*K, (j+1)*W*K), its row k starts at
/// offset k*W, and columns past N are zero.
void sgemmPackB(bool transB, int64_t K, int64_t N, const float *B,
                int64_t ldb, float *dst, KernelContext *ctx);
/// sgemm with B already packed (once for the whole product, so large
/// products and producers that write the panels themselves skip a pass).
void sgemmPrepackedB(bool transA, int64_t M, int64_t N, int64_t K,
                     float alpha, const float *A, int64_t lda,
                     const float *packedB, float beta, float *C, int64_t ldc,
                     KernelContext *ctx, const float *rowBias = nullptr);

/// Names of the micro-kernels this CPU can run, best (the default) first.
std::vector<std::string> sgemmKernelNames();
/// sgemm forced onto one micro-kernel (tests and benchmarks compare them);
/// false if this CPU cannot run `kernel`.
bool sgemmWithKernel(llvm::StringRef kernel, bool transA, bool transB,
                     int64_t M, int64_t N, int64_t K, float alpha,
                     const float *A, int64_t lda, const float *B, int64_t ldb,
                     float beta, float *C, int64_t ldc, KernelContext *ctx);

/// Which micro-kernel sgemm uses on this machine ("avx512f", "avx2-fma" or
/// "generic").
const char *sgemmKernelName();

} // namespace onntc

#endif
