#include "ir/KernelContext.h"

#include "llvm/Support/ErrorHandling.h"

#include <algorithm>
#include <cstdlib>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace onntc {

/// A fixed set of workers that run one parallelFor at a time.
class ThreadPool {
public:
  explicit ThreadPool(unsigned n) {
    for (unsigned i = 0; i < n; ++i)
      workers_.emplace_back([this, i] { loop(i + 1); });
  }
  ~ThreadPool() {
    {
      std::lock_guard<std::mutex> g(m_);
      stop_ = true;
      ++generation_;
    }
    cv_.notify_all();
    for (auto &t : workers_)
      t.join();
  }
  unsigned size() const { return unsigned(workers_.size()) + 1; }

  void run(unsigned parts, const std::function<void(unsigned)> &fn) {
    {
      std::lock_guard<std::mutex> g(m_);
      job_ = &fn;
      parts_ = parts;
      remaining_ = parts - 1;
      ++generation_;
    }
    cv_.notify_all();
    fn(0);
    std::unique_lock<std::mutex> l(m_);
    done_.wait(l, [this] { return remaining_ == 0; });
    job_ = nullptr;
  }

private:
  void loop(unsigned index) {
    uint64_t seen = 0;
    while (true) {
      const std::function<void(unsigned)> *job;
      {
        std::unique_lock<std::mutex> l(m_);
        cv_.wait(l, [&] { return generation_ != seen; });
        seen = generation_;
        if (stop_)
          return;
        if (index >= parts_)
          continue;
        job = job_;
      }
      (*job)(index);
      {
        std::lock_guard<std::mutex> g(m_);
        --remaining_;
      }
      done_.notify_one();
    }
  }

  std::vector<std::thread> workers_;
  std::mutex m_;
  std::condition_variable cv_, done_;
  const std::function<void(unsigned)> *job_ = nullptr;
  unsigned parts_ = 0, remaining_ = 0;
  uint64_t generation_ = 0;
  bool stop_ = false;
};

KernelContext::KernelContext(unsigned threads) {
  if (threads == 0)
    threads = std::max(1u, std::thread::hardware_concurrency());
  pool_ = std::make_unique<ThreadPool>(threads - 1);
}

KernelContext::~KernelContext() {
  for (ScratchBuf &b : scratch_)
    std::free(b.data);
}

float *KernelContext::scratch(unsigned slot, size_t floats) {
  if (slot >= scratch_.size())
    scratch_.resize(slot + 1);
  ScratchBuf &b = scratch_[slot];
  if (b.floats < floats || !b.data) {
    std::free(b.data);
    size_t bytes = (std::max<size_t>(floats, 16) * sizeof(float) + 63) / 64 * 64;
    b.data = static_cast<float *>(std::aligned_alloc(64, bytes));
    if (!b.data)
      llvm::report_bad_alloc_error("kernel scratch");
    b.floats = bytes / sizeof(float);
  }
  return b.data;
}

unsigned KernelContext::numThreads() const { return pool_->size(); }

void KernelContext::parallelFor(int64_t n, int64_t grain,
                                const std::function<void(int64_t, int64_t)> &fn) {
  if (n <= 0)
    return;
  grain = std::max<int64_t>(grain, 1);
  int64_t parts = std::min<int64_t>(numThreads(), (n + grain - 1) / grain);
  if (parts <= 1) {
    fn(0, n);
    return;
  }
  int64_t chunk = (n + parts - 1) / parts;
  pool_->run(unsigned(parts), [&](unsigned p) {
    int64_t b = int64_t(p) * chunk, e = std::min(n, b + chunk);
    if (b < e)
      fn(b, e);
  });
}

} // namespace onntc
