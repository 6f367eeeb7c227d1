#pragma once
// A fixed pool of workers for data-parallel loops. Workers block on a condition variable
// between jobs (no spin-burn on a shared 2-core device).
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace edgewm {

class ThreadPool {
 public:
  // threads <= 0: one per physical core.
  explicit ThreadPool(int threads = 0);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return static_cast<int>(workers_.size()) + 1; }  // the caller works too

  // Calls fn(begin, end) over disjoint chunks covering [0, n); chunks are at least `grain`
  // long. Runs inline when n is small or the pool has one thread. Not re-entrant.
  template <class F> void parallel_for(int64_t n, int64_t grain, F&& fn) {
    if (n <= 0) return;
    if (size() == 1 || n <= grain) {
      fn(int64_t{0}, n);
      return;
    }
    using Fn = std::remove_reference_t<F>;
    run_chunks(n, grain, [](void* f, int64_t b, int64_t e) { (*static_cast<Fn*>(f))(b, e); }, const_cast<void*>(static_cast<const void*>(&fn)));
  }

  static int physical_cores();

 private:
  using ChunkFn = void (*)(void*, int64_t, int64_t);
  void run_chunks(int64_t n, int64_t grain, ChunkFn fn, void* ctx);
  void worker_loop(int index);
  void do_chunks();

  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable wake_, done_;
  // A model run is hundreds of short parallel sections: waking a sleeping thread costs tens of
  // microseconds each time, so workers and the caller first spin briefly (bounded, with pause)
  // on these before sleeping on the condition variables.
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  bool stop_ = false;
  // Current job.
  ChunkFn fn_ = nullptr;
  void* ctx_ = nullptr;
  int64_t n_ = 0, chunk_ = 0, num_chunks_ = 0;
  std::atomic<int64_t> next_chunk_{0};
};

}  // namespace edgewm
