#include <cohort/core/thread_pool.hpp>

#include <cohort/core/cpu.hpp>
#include <cohort/core/detail/pool_queue.hpp>
#include <cohort/core/error.hpp>

#include <atomic>
#include <cassert>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

namespace cohort::core {
namespace {

// 4096 cells x 64 bytes = 256 KiB per worker: big enough that a burst of tiny
// tasks rarely spills to the (locked) overflow list, small enough to stay in L2.
constexpr std::size_t kQueueCapacity = 4096;
// Rounds of "yield, look again" before a worker goes to sleep. Keeps a worker
// awake across the short gaps of a busy producer without burning a core.
constexpr int kSpinRounds = 64;
// A worker looks at the overflow list first every this many tasks, so spilled
// work is not starved by a producer that keeps the rings full.
constexpr unsigned kOverflowCheckPeriod = 61;

// The sleep/wake handshake needs a StoreLoad barrier on both sides. Normally a
// seq_cst fence (a core-local barrier, then a read of a shared line nobody
// writes while workers are busy). ThreadSanitizer does not model fences, so
// under it the same guarantee comes from read-modify-writes on the counter.
#if defined(__SANITIZE_THREAD__)
inline void fence_after_announce() noexcept {}
inline int sleepers_after_publish(std::atomic<int>& sleepers) noexcept {
  return sleepers.fetch_add(0, std::memory_order_seq_cst);
}
#else
inline void fence_after_announce() noexcept { std::atomic_thread_fence(std::memory_order_seq_cst); }
inline int sleepers_after_publish(std::atomic<int>& sleepers) noexcept {
  std::atomic_thread_fence(std::memory_order_seq_cst);
  return sleepers.load(std::memory_order_relaxed);
}
#endif

}  // namespace

struct ThreadPool::Impl {
  explicit Impl(std::size_t n) {
    queues.reserve(n);
    for (std::size_t i = 0; i < n; ++i) queues.push_back(std::make_unique<detail::PoolQueue>(kQueueCapacity));
  }

  std::vector<std::unique_ptr<detail::PoolQueue>> queues;
  std::vector<std::thread> threads;

  std::mutex overflow_mutex;
  std::deque<Work> overflow;
  std::atomic<std::size_t> overflow_size{0};

  alignas(detail::kCacheLine) std::atomic<int> sleepers{0};
  std::mutex sleep_mutex;
  std::condition_variable sleep_cv;

  alignas(detail::kCacheLine) std::atomic<bool> closed{false};
  std::atomic<bool> stopping{false};
  std::atomic<bool> cancelling{false};

  std::mutex join_mutex;

  static thread_local Impl* current_pool;
  static thread_local std::size_t current_index;
  static thread_local std::size_t round_robin;

  std::function<void()> on_thread_start;

  void worker_main(std::size_t index);
  bool find_work(std::size_t index, Work& out, unsigned& tick);
  bool pop_overflow(Work& out);
  bool any_work() const noexcept;
  void sleep();
  void wake_one();
  void push(Work& fn);
  void drain();
};

thread_local ThreadPool::Impl* ThreadPool::Impl::current_pool = nullptr;
thread_local std::size_t ThreadPool::Impl::current_index = 0;
thread_local std::size_t ThreadPool::Impl::round_robin = 0;

bool ThreadPool::Impl::pop_overflow(Work& out) {
  if (overflow_size.load(std::memory_order_relaxed) == 0) return false;
  std::lock_guard lock(overflow_mutex);
  if (overflow.empty()) return false;
  out = std::move(overflow.front());
  overflow.pop_front();
  overflow_size.fetch_sub(1, std::memory_order_relaxed);
  return true;
}

bool ThreadPool::Impl::find_work(std::size_t index, Work& out, unsigned& tick) {
  if (++tick % kOverflowCheckPeriod == 0 && pop_overflow(out)) return true;
  if (queues[index]->try_pop(out)) return true;
  const std::size_t n = queues.size();
  for (std::size_t k = 1; k < n; ++k) {
    std::size_t victim = index + k;
    if (victim >= n) victim -= n;
    if (queues[victim]->try_pop(out)) return true;
  }
  return pop_overflow(out);
}

bool ThreadPool::Impl::any_work() const noexcept {
  if (overflow_size.load(std::memory_order_relaxed) != 0) return true;
  for (const auto& q : queues)
    if (q->maybe_nonempty()) return true;
  return false;
}

// Sleep protocol (no lost wake-ups): the sleeper announces itself (sleepers++),
// then looks for work; a producer publishes its work, then looks for sleepers.
// The barriers (see fence_after_announce) make sure at least one sees the other. The
// producer notifies under sleep_mutex, which the sleeper holds from announcing
// until it is inside wait(), so the notification cannot fall in between.
void ThreadPool::Impl::sleep() {
  std::unique_lock lock(sleep_mutex);
  sleepers.fetch_add(1, std::memory_order_seq_cst);
  fence_after_announce();
  if (!any_work() && !stopping.load(std::memory_order_relaxed)) sleep_cv.wait(lock);
  sleepers.fetch_sub(1, std::memory_order_relaxed);
}

void ThreadPool::Impl::wake_one() {
  if (sleepers_after_publish(sleepers) > 0) {
    std::lock_guard lock(sleep_mutex);
    sleep_cv.notify_one();
  }
}

void ThreadPool::Impl::worker_main(std::size_t index) {
  if (on_thread_start) on_thread_start();  // before the first work (noexcept context: a throw terminates)
  current_pool = this;
  current_index = index;
  Work work;
  unsigned tick = 0;
  auto run = [&]() noexcept {
    // A pending task dropped by shutdown(cancel_pending) is destroyed unrun.
    if (!cancelling.load(std::memory_order_relaxed)) work();
    work = nullptr;
  };
  for (;;) {
    if (find_work(index, work, tick)) {
      run();
      continue;
    }
    bool found = false;
    for (int round = 0; round < kSpinRounds && !found; ++round) {
      std::this_thread::yield();
      found = find_work(index, work, tick);
    }
    if (found) {
      run();
      continue;
    }
    if (stopping.load(std::memory_order_acquire)) {
      if (!any_work()) break;
      continue;
    }
    sleep();
  }
  current_pool = nullptr;
}

void ThreadPool::Impl::push(Work& fn) {
  const std::size_t n = queues.size();
  std::size_t start = current_pool == this ? current_index : round_robin++ % n;
  for (std::size_t k = 0; k < n; ++k) {
    std::size_t i = start + k;
    if (i >= n) i -= n;
    if (queues[i]->try_push(fn)) return;
  }
  std::lock_guard lock(overflow_mutex);
  overflow.push_back(std::move(fn));
  overflow_size.fetch_add(1, std::memory_order_relaxed);
}

void ThreadPool::Impl::drain() {
  Work work;
  for (auto& q : queues)
    while (q->try_pop(work)) work = nullptr;
  std::deque<Work> spilled;
  {
    std::lock_guard lock(overflow_mutex);
    spilled.swap(overflow);
    overflow_size.store(0, std::memory_order_relaxed);
  }
  spilled.clear();  // destroyed outside the lock: destructors may resolve futures
}

ThreadPool::ThreadPool(std::size_t threads) : ThreadPool(Options{threads, {}}) {}

ThreadPool::ThreadPool(Options options) {
  const std::size_t n = options.threads > 0 ? options.threads : default_thread_count();
  impl_ = std::make_unique<Impl>(n);
  impl_->on_thread_start = std::move(options.on_thread_start);
  impl_->threads.reserve(n);
  try {
    for (std::size_t i = 0; i < n; ++i) impl_->threads.emplace_back([impl = impl_.get(), i] { impl->worker_main(i); });
  } catch (...) {
    shutdown(true, true);
    throw;
  }
}

ThreadPool::~ThreadPool() {
  assert(!running_in_this_thread() && "a ThreadPool destroyed by one of its own workers");
  shutdown(true, false);
}

void ThreadPool::post(Work fn) {
  if (impl_->closed.load(std::memory_order_acquire)) return;  // dropped: fn's destructor runs here
  impl_->push(fn);
  impl_->wake_one();
}

void ThreadPool::shutdown(bool wait, bool cancel_pending) {
  if (wait && running_in_this_thread())
    throw Error(Errc::invalid_state,
                "ThreadPool::shutdown(wait=true) called from one of the pool's own workers: it would wait for itself");
  impl_->closed.store(true, std::memory_order_release);
  if (cancel_pending) {
    impl_->cancelling.store(true, std::memory_order_relaxed);
    impl_->drain();
  }
  {
    std::lock_guard lock(impl_->sleep_mutex);
    impl_->stopping.store(true, std::memory_order_release);
  }
  impl_->sleep_cv.notify_all();
  if (wait) {
    std::lock_guard lock(impl_->join_mutex);
    for (auto& t : impl_->threads)
      if (t.joinable()) t.join();
  }
}

std::size_t ThreadPool::size() const noexcept { return impl_->queues.size(); }

bool ThreadPool::is_shutdown() const noexcept { return impl_->closed.load(std::memory_order_acquire); }

bool ThreadPool::running_in_this_thread() const noexcept { return Impl::current_pool == impl_.get(); }

}  // namespace cohort::core
