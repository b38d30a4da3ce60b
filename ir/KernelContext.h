//===- KernelContext.h - what reference kernels may use -------*- C++ -*-===//
#ifndef ONNTC_IR_KERNELCONTEXT_H
#define ONNTC_IR_KERNELCONTEXT_H

#include <cstdint>
#include <cstddef>
#include <functional>
#include <memory>
#include <vector>

namespace onntc {

class ThreadPool;

/// Passed to every kernel: the worker threads to split heavy loops over.
/// Owned by the caller (a tool or the interpreter's user); never global.
struct KernelContext {
  explicit KernelContext(unsigned threads = 0);
  ~KernelContext();
  KernelContext(const KernelContext &) = delete;
  KernelContext &operator=(const KernelContext &) = delete;

  unsigned numThreads() const;
  /// Runs fn(begin, end) over [0, n) split into contiguous chunks, one per
  /// thread, each chunk at least `grain` long; returns when all are done.
  void parallelFor(int64_t n, int64_t grain,
                   const std::function<void(int64_t, int64_t)> &fn);

  /// Grow-only, 64-byte aligned scratch owned by this context, for kernels
  /// that need large temporaries on every call (packed GEMM panels): fresh
  /// allocations would page-fault on every node. Buffers in different
  /// `slot`s may be used at the same time; a slot's pointer stays valid
  /// until the next scratch() call for that slot. Contents are unspecified.
  /// Call only from the thread that calls parallelFor, not from workers.
  float *scratch(unsigned slot, size_t floats);

private:
  struct ScratchBuf {
    float *data = nullptr;
    size_t floats = 0;
  };
  std::unique_ptr<ThreadPool> pool_;
  std::vector<ScratchBuf> scratch_;
};

} // namespace onntc

#endif
