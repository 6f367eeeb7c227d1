#include "edgewm/thread_pool.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <set>
#include <string>
#include <system_error>
#include <utility>

#include "edgewm/error.h"

namespace edgewm {

int ThreadPool::physical_cores() {
  // Count distinct (package, core) pairs; SMT siblings share a core's FMA units.
  std::set<std::pair<int, int>> cores;
  for (unsigned cpu = 0; cpu < std::max(1u, std::thread::hardware_concurrency()); ++cpu) {
    std::string base = "/sys/devices/system/cpu/cpu" + std::to_string(cpu) + "/topology/";
    std::ifstream pkg(base + "physical_package_id"), core(base + "core_id");
    int p = 0, c = 0;
    if (!(pkg >> p) || !(core >> c)) return std::max(1u, std::thread::hardware_concurrency());
    cores.insert({p, c});
  }
  return std::max<int>(1, static_cast<int>(cores.size()));
}

std::shared_ptr<ThreadPool> ThreadPool::shared() {
  static std::mutex mu;
  static std::weak_ptr<ThreadPool> pool;
  std::lock_guard<std::mutex> lock(mu);
  std::shared_ptr<ThreadPool> p = pool.lock();
  if (!p) pool = p = std::make_shared<ThreadPool>();
  return p;
}

namespace {

constexpr uint64_t kIndexMask = 0xffff;
constexpr int kCountShift = 16, kJobShift = 32;
// Chunk counts must fit the claim word's 16-bit fields.
constexpr int64_t kMaxChunks = 0xffff;

// A wait for claimed chunks counts as a stall when it is longer than the caller's own part of
// the job and than this floor (a futex wake-up alone costs tens of microseconds).
constexpr int64_t kStallFloorNs = 500'000;
constexpr int64_t kSoloMinNs = 50'000'000, kSoloMaxNs = 1'000'000'000;

inline int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// About 50 microseconds of polling: long enough to bridge the gap between the parallel
// sections of one model run, short enough that an idle pool costs nothing measurable. Every 100
// polls the thread yields: where another thread of this process (or another program) shares
// the core, a spinning worker would otherwise take half of that thread's time; on an idle core
// sched_yield returns at once.
template <class Ready> bool spin_until(Ready ready) {
  for (int round = 0; round < 40; ++round) {
    for (int i = 0; i < 100; ++i) {
      if (ready()) return true;
      cpu_relax();
    }
    std::this_thread::yield();
  }
  return ready();
}

}  // namespace

ThreadPool::ThreadPool(int threads) {
  if (threads > kMaxThreads)
    throw Error(ErrorKind::kInvalidArgument, "thread count " + std::to_string(threads) + " is above the maximum " +
                                                 std::to_string(kMaxThreads));
  if (threads <= 0) threads = physical_cores();
  workers_.reserve(static_cast<size_t>(threads - 1));
  try {
    for (int i = 1; i < threads; ++i) workers_.emplace_back([this] { worker_loop(); });
  } catch (const std::system_error& e) {
    // Out of threads (a process or memory limit): stop the ones that started, then report.
    const size_t started = workers_.size();
    stop_workers();
    throw Error(ErrorKind::kInvalidArgument, "cannot start " + std::to_string(threads) + " threads (" +
                                                 std::to_string(started + 1) + " running): " + e.what());
  }
}

ThreadPool::~ThreadPool() { stop_workers(); }

void ThreadPool::stop_workers() {
  {
    std::lock_guard<std::mutex> lock(sleep_mu_);
    stop_.store(true);
    epoch_.fetch_add(1);
  }
  wake_.notify_all();
  for (auto& t : workers_) t.join();
  workers_.clear();
}

void ThreadPool::work() {
  uint64_t s = claim_.load(std::memory_order_acquire);
  for (;;) {
    const uint64_t index = s & kIndexMask, count = (s >> kCountShift) & kIndexMask;
    if (index >= count) return;
    // acquire: a successful claim sees the job the caller published with this claim word.
    if (!claim_.compare_exchange_weak(s, s + 1, std::memory_order_acq_rel, std::memory_order_acquire)) continue;
    // The claimed chunk keeps the job alive: the caller cannot return (or publish another job)
    // before it is counted complete, so fn_/ctx_ stay valid here.
    if (!failed_.load(std::memory_order_relaxed)) {
      const int64_t b = static_cast<int64_t>(index) * chunk_, e = std::min(n_, b + chunk_);
      try {
        fn_(ctx_, b, e);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mu_);
        if (!error_) error_ = std::current_exception();
        failed_.store(true, std::memory_order_relaxed);
      }
    }
    if (completed_.fetch_add(1) + 1 == count && caller_sleeping_.load()) {
      std::lock_guard<std::mutex> lock(sleep_mu_);  // the caller is between its check and its wait, or waiting
      done_.notify_one();
    }
    s = claim_.load(std::memory_order_acquire);
  }
}

void ThreadPool::run_chunks(int64_t n, int64_t grain, ChunkFn fn, void* ctx) {
  std::unique_lock<std::mutex> owner(submit_, std::try_to_lock);
  if (!owner.owns_lock()) {  // nested, or another thread has the workers: run here
    fn(ctx, 0, n);
    return;
  }
  const int64_t start = now_ns();
  if (start < solo_until_ns_) {  // a worker's core was taken a moment ago
    owner.unlock();
    fn(ctx, 0, n);
    return;
  }
  const int64_t threads = size();
  // A few chunks per thread balances uneven chunk costs, and lets the threads that run take
  // over the share of one that the OS holds off.
  int64_t chunks = std::min<int64_t>(threads * 4, (n + grain - 1) / std::max<int64_t>(grain, 1));
  chunks = std::clamp<int64_t>(chunks, 1, kMaxChunks);
  fn_ = fn;
  ctx_ = ctx;
  n_ = n;
  chunk_ = (n + chunks - 1) / chunks;
  const uint64_t count = static_cast<uint64_t>((n + chunk_ - 1) / chunk_);
  completed_.store(0, std::memory_order_relaxed);
  const uint64_t job = (claim_.load(std::memory_order_relaxed) >> kJobShift) + 1;
  claim_.store(job << kJobShift | count << kCountShift, std::memory_order_release);
  epoch_.fetch_add(1);  // seq_cst: ordered before the read of sleeping_workers_
  if (sleeping_workers_.load() > 0) {
    { std::lock_guard<std::mutex> lock(sleep_mu_); }
    wake_.notify_all();
  }
  work();
  // Only chunks that a thread has claimed are outstanding now; wait for them to finish.
  auto finished = [&] { return completed_.load(std::memory_order_acquire) >= count; };
  if (!finished()) {
    const int64_t own = now_ns() - start;
    if (!spin_until(finished)) {
      std::unique_lock<std::mutex> lock(sleep_mu_);
      // An exchange, not a store: the read of completed_ below must not pass it, whatever an
      // emulator or compiler makes of a seq_cst store followed by a load.
      caller_sleeping_.exchange(true);
      done_.wait(lock, [&] { return completed_.load() >= count; });
      caller_sleeping_.store(false);
    }
    const int64_t end = now_ns(), waited = end - start - own;
    if (waited > kStallFloorNs && waited > own) {
      // Stalls that come back soon after the workers were tried again lengthen the next period.
      const bool recurring = solo_period_ns_ > 0 && end - last_stall_ns_ < 4 * solo_period_ns_;
      solo_period_ns_ = recurring ? std::min(2 * solo_period_ns_, kSoloMaxNs) : kSoloMinNs;
      solo_until_ns_ = end + solo_period_ns_;
      last_stall_ns_ = end;
      ++stalls_;
    }
  }
  if (failed_.load(std::memory_order_relaxed)) {
    std::exception_ptr e;
    {
      std::lock_guard<std::mutex> lock(error_mu_);
      std::swap(e, error_);
    }
    failed_.store(false, std::memory_order_relaxed);
    std::rethrow_exception(e);
  }
}

uint64_t ThreadPool::stalls() const {
  std::lock_guard<std::mutex> lock(submit_);
  return stalls_;
}

void ThreadPool::worker_loop() {
  uint32_t seen = 0;
  for (;;) {
    if (!spin_until([&] { return epoch_.load(std::memory_order_acquire) != seen; })) {
      std::unique_lock<std::mutex> lock(sleep_mu_);
      sleeping_workers_.fetch_add(1);
      wake_.wait(lock, [&] { return epoch_.load() != seen; });
      sleeping_workers_.fetch_sub(1);
    }
    if (stop_.load()) return;
    seen = epoch_.load(std::memory_order_acquire);
    work();
  }
}

}  // namespace edgewm
