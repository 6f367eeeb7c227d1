// The thread pool's contract (edgewm/thread_pool.h): every index exactly once, errors from any
// thread reach the caller, nested and concurrent calls are safe.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "edgewm/error.h"
#include "edgewm/thread_pool.h"

namespace edgewm {
namespace {

// Spins until pred() holds or ten seconds pass (a bound, not a timing: a hung pool fails the
// test instead of hanging the suite).
template <class P> bool eventually(P pred) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!pred()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::yield();
  }
  return true;
}

TEST(ThreadPool, CoversRangeExactlyOnce) {
  for (int threads : {1, 2, 3, 8}) {
    ThreadPool pool(threads);
    EXPECT_EQ(pool.size(), threads);
    for (int64_t n : {1, 7, 8, 1000, 100003}) {
      for (int64_t grain : {1, 7, 4096}) {
        std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
        pool.parallel_for(n, grain, [&](int64_t b, int64_t e) {
          ASSERT_LE(0, b);
          ASSERT_LT(b, e);
          ASSERT_LE(e, n);
          for (int64_t i = b; i < e; ++i) hits[static_cast<size_t>(i)].fetch_add(1);
        });
        for (int64_t i = 0; i < n; ++i) ASSERT_EQ(hits[static_cast<size_t>(i)].load(), 1) << threads << " " << n;
      }
    }
  }
}

TEST(ThreadPool, WorkersTakePartAndManyJobsInARowStayExact) {
  ThreadPool pool(2);
  const auto caller = std::this_thread::get_id();
  std::atomic<int64_t> total{0}, on_workers{0};
  for (int job = 0; job < 2000; ++job) {
    pool.parallel_for(64, 1, [&](int64_t b, int64_t e) {
      if (std::this_thread::get_id() != caller) on_workers.fetch_add(e - b);
      total.fetch_add(e - b);
    });
  }
  EXPECT_EQ(total.load(), 2000 * 64);
  // A worker takes part whenever the caller waits for one. A fresh pool: on a loaded machine a
  // worker preempted during the jobs above switches that pool to the caller alone for a while
  // (by design), and no worker would come (this test timed out so under ctest -j2).
  ThreadPool fresh(2);
  std::atomic<bool> worker_ran{false};
  fresh.parallel_for(8, 1, [&](int64_t, int64_t) {
    if (std::this_thread::get_id() != caller) worker_ran = true;
    else ASSERT_TRUE(eventually([&] { return worker_ran.load(); }));
  });
  EXPECT_TRUE(worker_ran.load());
}

// The first chunk the caller runs waits until a worker has its own chunk; that worker throws.
// A fresh pool per round: a throw that takes long (the unwinder's first run, under qemu) reads
// as a stalled worker and sends the next loops to the caller alone, where no worker would come.
TEST(ThreadPool, ExceptionOnAWorkerReachesTheCallerAndThePoolStaysUsable) {
  const auto caller = std::this_thread::get_id();
  for (int round = 0; round < 3; ++round) {
    ThreadPool pool(2);
    std::atomic<bool> worker_in{false};
    try {
      pool.parallel_for(16, 1, [&](int64_t b, int64_t) {
        if (std::this_thread::get_id() != caller) {
          worker_in = true;
          throw Error(ErrorKind::kInvalidModel, "chunk " + std::to_string(b) + " failed on a worker");
        }
        ASSERT_TRUE(eventually([&] { return worker_in.load(); }));
      });
      ADD_FAILURE() << "no exception";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInvalidModel);
      EXPECT_NE(std::string(e.what()).find("failed on a worker"), std::string::npos);
    }
    std::atomic<int64_t> sum{0};
    pool.parallel_for(1000, 1, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) sum += i;
    });
    EXPECT_EQ(sum.load(), 999 * 1000 / 2);
  }
}

TEST(ThreadPool, ExceptionOnTheCallerWaitsForRunningChunksFirst) {
  ThreadPool pool(2);
  const auto caller = std::this_thread::get_id();
  std::atomic<bool> worker_in{false}, worker_done{false};
  EXPECT_THROW(pool.parallel_for(4, 1,
                                 [&](int64_t, int64_t) {
                                   if (std::this_thread::get_id() != caller) {
                                     if (worker_in.exchange(true)) return;
                                     std::this_thread::sleep_for(std::chrono::milliseconds(20));
                                     worker_done = true;
                                     return;
                                   }
                                   if (!eventually([&] { return worker_in.load(); })) return;
                                   throw std::runtime_error("caller chunk");
                                 }),
               std::runtime_error);
  // The worker's chunk still referred to this frame's variables: it must be over by now.
  EXPECT_TRUE(worker_done.load());
}

TEST(ThreadPool, NestedCallsRunInline) {
  ThreadPool pool(2);
  std::vector<std::atomic<int>> hits(64 * 64);
  pool.parallel_for(64, 1, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i)
      pool.parallel_for(64, 1, [&](int64_t b2, int64_t e2) {
        for (int64_t j = b2; j < e2; ++j) hits[static_cast<size_t>(i * 64 + j)].fetch_add(1);
      });
  });
  for (auto& h : hits) ASSERT_EQ(h.load(), 1);
}

TEST(ThreadPool, ConcurrentCallersShareOnePool) {
  auto pool = std::make_shared<ThreadPool>(2);
  std::vector<std::thread> callers;
  std::vector<int64_t> sums(4, 0);
  for (int c = 0; c < 4; ++c)
    callers.emplace_back([&, c] {
      for (int job = 0; job < 300; ++job) {
        std::atomic<int64_t> sum{0};
        pool->parallel_for(257, 3, [&](int64_t b, int64_t e) {
          for (int64_t i = b; i < e; ++i) sum += i;
        });
        sums[static_cast<size_t>(c)] += sum.load();
      }
    });
  for (auto& t : callers) t.join();
  for (int64_t s : sums) EXPECT_EQ(s, 300 * (256 * 257 / 2));
}

// While another caller's job holds the workers, a second caller does its own work instead of
// queueing behind it. (That the caller never waits for a worker the OS holds off is measured by
// `bench/peers/run_peers.py --busy-core`: timing has no place in a test.)
TEST(ThreadPool, ACallerWhoseWorkersAreTakenRunsItsLoopItself) {
  ThreadPool pool(2);
  std::atomic<bool> release{false}, held{false};
  std::thread other([&] {
    // The pool's one worker runs chunk 1 of this job and blocks in it until released.
    pool.parallel_for(2, 1, [&](int64_t b, int64_t) {
      if (b == 1) {
        held = true;
        eventually([&] { return release.load(); });
      }
    });
  });
  ASSERT_TRUE(eventually([&] { return held.load(); }));
  // Meanwhile a second caller: the workers are taken, so its loop runs on its own thread and
  // finishes while the worker is still held.
  std::atomic<int64_t> sum{0};
  pool.parallel_for(100, 1, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) sum += i;
  });
  EXPECT_EQ(sum.load(), 99 * 100 / 2);
  EXPECT_FALSE(release.load());
  release = true;
  other.join();
}

// A worker that holds its chunk far longer than the caller's own share (as one preempted on a
// busy core does: simulated by a sleep) switches the pool to the caller alone for a while.
TEST(ThreadPool, AStalledWorkerSendsLoopsToTheCallerAlone) {
  ThreadPool pool(2);
  const auto caller = std::this_thread::get_id();
  std::atomic<bool> slept{false};
  for (int attempt = 0; attempt < 5 && pool.stalls() == 0; ++attempt) {
    pool.parallel_for(64, 1, [&](int64_t, int64_t) {
      if (std::this_thread::get_id() != caller) {
        if (!slept.exchange(true)) std::this_thread::sleep_for(std::chrono::milliseconds(20));
      } else {
        eventually([&] { return slept.load(); });  // the caller's part ends once the worker is in
      }
    });
    slept = false;
  }
  ASSERT_EQ(pool.stalls(), 1u);
  std::atomic<int> on_workers{0};
  std::atomic<int64_t> sum{0};
  pool.parallel_for(64, 1, [&](int64_t b, int64_t e) {
    if (std::this_thread::get_id() != caller) ++on_workers;
    for (int64_t i = b; i < e; ++i) sum += i;
  });
  EXPECT_EQ(sum.load(), 63 * 64 / 2);
  EXPECT_EQ(on_workers.load(), 0);  // inside the solo period (10 ms) unless this machine froze
}

TEST(ThreadPool, RefusesAbsurdThreadCounts) {
  EXPECT_THROW(ThreadPool(ThreadPool::kMaxThreads + 1), Error);
  EXPECT_THROW(ThreadPool(1 << 30), Error);
}

TEST(ThreadPool, SharedPoolIsOnePerProcessWhileInUse) {
  auto a = ThreadPool::shared(), b = ThreadPool::shared();
  EXPECT_EQ(a.get(), b.get());
  EXPECT_EQ(a->size(), ThreadPool::physical_cores());
}

}  // namespace
}  // namespace edgewm
