//===- KernelContext.h - what reference kernels may use -------*- C++ -*-===//
#ifndef ONNTC_IR_KERNELCONTEXT_H
#define ONNTC_IR_KERNELCONTEXT_H

#include <cstdint>
#include <functional>
#include <memory>

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

private:
  std::unique_ptr<ThreadPool> pool_;
};

} // namespace onntc

#endif
