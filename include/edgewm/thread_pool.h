#pragma once
// A fixed pool of workers for data-parallel loops.
//
// Busy cores: on a robot or headset other software shares the cores, so any worker may be
// descheduled at any moment. Chunks are therefore claimed dynamically and the caller waits only
// for chunks that some thread has claimed, never for workers to check in: a worker the OS has
// not run yet finds no work left when it does run, and the threads that are running finish its
// share. Idle workers spin for about 50 microseconds (the gap between the parallel sections of
// one model run), then sleep on a futex: no spin-burn between runs.
//
// A chunk that a worker has claimed must still be waited for, and a worker preempted in the
// middle of one stalls the caller for a scheduler slice (milliseconds, against sections of
// microseconds). So the caller watches its waits: one much longer than its own share of the
// work means a worker's core is taken, and the pool then runs loops on the caller alone for a
// while (50 ms, doubling while stalls keep coming, up to 1 s) before trying the workers again.
// On a busy core that costs about what one thread costs; on idle cores it never triggers.
//
// Thread safety: parallel_for may be called from any thread, also concurrently and from inside
// a chunk. One caller at a time gets the workers; a concurrent or nested call runs its loop
// inline on its own thread. So one pool can serve many sessions (ThreadPool::shared()) without
// oversubscribing the cores, and never deadlocks.
//
// Errors: an exception thrown by fn on any thread stops further chunks from starting; once every
// chunk already running has finished, the first exception is rethrown to the caller of
// parallel_for, unchanged (an edgewm::Error stays one). The pool stays usable. The constructor
// throws edgewm::Error when the threads cannot be created (and leaves none behind).
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace edgewm {

class ThreadPool {
 public:
  static constexpr int kMaxThreads = 1024;

  // threads <= 0: one per physical core. Throws kInvalidArgument above kMaxThreads.
  explicit ThreadPool(int threads = 0);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return static_cast<int>(workers_.size()) + 1; }  // the caller works too

  // Calls fn(begin, end) over disjoint chunks covering [0, n); chunks are at least `grain`
  // long. Runs inline when n is small, the pool has one thread, or the workers are taken.
  template <class F> void parallel_for(int64_t n, int64_t grain, F&& fn) {
    if (n <= 0) return;
    if (size() == 1 || n <= grain) {
      fn(int64_t{0}, n);
      return;
    }
    using Fn = std::remove_reference_t<F>;
    run_chunks(n, grain, [](void* f, int64_t b, int64_t e) { (*static_cast<Fn*>(f))(b, e); },
               const_cast<void*>(static_cast<const void*>(&fn)));
  }

  // The process-wide pool of one thread per physical core, created on first use and shared by
  // every session that does not ask for its own thread count.
  static std::shared_ptr<ThreadPool> shared();
  static int physical_cores();
  // How often a stalled wait has switched the pool to the caller alone (diagnostics, tests).
  uint64_t stalls() const;

 private:
  using ChunkFn = void (*)(void*, int64_t, int64_t);
  void run_chunks(int64_t n, int64_t grain, ChunkFn fn, void* ctx);
  void worker_loop();
  // Claims and runs chunks of the current job until none is left unclaimed.
  void work();
  void stop_workers();

  std::vector<std::thread> workers_;
  mutable std::mutex submit_;  // held by the caller whose job the workers serve
  // Caller-only state (under submit_): the steady-clock time until which loops run on the
  // caller alone, the next such period, and when the last stall was seen.
  int64_t solo_until_ns_ = 0, solo_period_ns_ = 0, last_stall_ns_ = 0;
  uint64_t stalls_ = 0;
  // The current job's claim word: job number in bits 32..63, chunk count in 16..31, next
  // unclaimed chunk in 0..15. One compare-and-swap both checks that chunks remain and claims
  // one, so a worker that slept through several jobs can never claim from a stale one.
  std::atomic<uint64_t> claim_{0};
  std::atomic<uint32_t> completed_{0};  // chunks of the current job finished
  std::atomic<uint32_t> epoch_{0};      // bumped per job
  // Sleeping (after the spin): workers on wake_ until epoch_ moves, the caller on done_ until
  // completed_ reaches the count. The counters let the other side skip the lock when nobody
  // sleeps; every access to them and to epoch_/completed_ around a sleep is seq_cst, so a
  // sleeper and its waker always see each other's write.
  std::mutex sleep_mu_;
  std::condition_variable wake_, done_;
  std::atomic<int> sleeping_workers_{0};
  std::atomic<bool> caller_sleeping_{false};
  std::atomic<bool> stop_{false};
  std::atomic<bool> failed_{false};
  std::mutex error_mu_;
  std::exception_ptr error_;
  // The current job; written only while no chunk of the previous job is unclaimed or running.
  ChunkFn fn_ = nullptr;
  void* ctx_ = nullptr;
  int64_t n_ = 0, chunk_ = 0;
};

}  // namespace edgewm
