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

#include <cstdint>

namespace onntc {

struct KernelContext;

/// C = alpha * op(A) * op(B) + beta * C, all row-major. op(A) is M x K
/// (A is K x M with lda >= M when transA), op(B) is K x N (B is N x K when
/// transB). When beta is 0, C is not read (it may hold garbage or NaN).
/// With a non-null `ctx` the work is split over its threads.
void sgemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K,
           float alpha, const float *A, int64_t lda, const float *B,
           int64_t ldb, float beta, float *C, int64_t ldc,
           KernelContext *ctx);

/// Which micro-kernel sgemm uses on this machine ("avx2-fma" or "generic").
const char *sgemmKernelName();

} // namespace onntc

#endif
