#include "parallel.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

extern "C" void scipy_openblas_set_num_threads(int);

namespace pynn {
namespace {

thread_local bool t_in_parallel = false;

int default_threads() {
  if (const char* env = std::getenv("PYNN_NUM_THREADS")) {
    int n = std::atoi(env);
    if (n > 0) return n;
  }
  unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : static_cast<int>(hw);
}

// Workers spin briefly after a job (kSpin) and then sleep on a condition variable, so back-to-back regions (a
// training step's ops) find them awake instead of paying a futex wake-up each (~20 us on this machine, as much as
// a 256k-element exp), while a loaded machine or an idle process gets the cores back within the bound. The
// caller likewise spins briefly for the last chunks before blocking. Each job has its own state, so a worker
// that wakes late for a finished job finds no chunk left and never touches the next job's closure.
constexpr std::chrono::microseconds kSpin{50};

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#else
  std::this_thread::yield();
#endif
}

// Spins until ready() or the budget runs out; returns ready().
template <typename F>
bool spin_until(F&& ready) {
  const auto deadline = std::chrono::steady_clock::now() + kSpin;
  for (int i = 0;; ++i) {
    if (ready()) return true;
    cpu_relax();
    if ((i & 63) == 63 && std::chrono::steady_clock::now() >= deadline) return ready();
  }
}
class ThreadPool {
 public:
  explicit ThreadPool(int workers) { resize(workers); }
  ~ThreadPool() { stop(); }

  void resize(int workers) {
    stop();
    stopping_ = false;
    stopping_flag_.store(false);
    for (int i = 0; i < workers; ++i) threads_.emplace_back([this] { worker_loop(); });
  }

  // Runs chunk indices [0, nchunks) on the workers and the caller; returns when all are done.
  void run(int64_t nchunks, const std::function<void(int64_t)>& chunk) {
    auto job = std::make_shared<Job>();
    job->fn = &chunk;
    job->nchunks = nchunks;
    job->pending.store(nchunks);
    {
      std::lock_guard<std::mutex> lock(mu_);
      job_ = job;
      generation_.fetch_add(1, std::memory_order_release);
    }
    cv_.notify_all();  // no system call when every worker is still spinning
    work(*job);
    if (!spin_until([&] { return job->pending.load(std::memory_order_acquire) == 0; })) {
      std::unique_lock<std::mutex> lock(mu_);
      done_cv_.wait(lock, [&] { return job->pending.load() == 0; });
    }
    std::lock_guard<std::mutex> lock(mu_);  // the last worker may still hold it to notify
    job_.reset();
    if (job->error) std::rethrow_exception(job->error);
  }

 private:
  struct Job {
    const std::function<void(int64_t)>* fn = nullptr;
    int64_t nchunks = 0;
    std::atomic<int64_t> next{0};
    std::atomic<int64_t> pending{0};  // chunks not finished yet
    std::exception_ptr error;          // guarded by mu_
  };

  void work(Job& job) {
    bool prev = t_in_parallel;
    t_in_parallel = true;
    int64_t finished = 0;
    std::exception_ptr err;
    for (;;) {
      int64_t i = job.next.fetch_add(1);
      if (i >= job.nchunks) break;
      try {
        (*job.fn)(i);
      } catch (...) {
        if (!err) err = std::current_exception();
      }
      ++finished;
    }
    t_in_parallel = prev;
    if (finished) {
      if (err) {
        std::lock_guard<std::mutex> lock(mu_);
        if (!job.error) job.error = err;
      }
      // The error is recorded before pending can reach 0, so the caller sees it. Reaching 0 is announced under
      // the lock, so a caller that stopped spinning cannot miss it between its check and its wait.
      if (job.pending.fetch_sub(finished, std::memory_order_acq_rel) == finished) {
        std::lock_guard<std::mutex> lock(mu_);
        done_cv_.notify_all();
      }
    }
  }
  void worker_loop() {
    uint64_t seen = 0;
    for (;;) {
      spin_until([&] { return generation_.load(std::memory_order_acquire) != seen || stopping_flag_.load(); });
      std::shared_ptr<Job> job;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return stopping_ || (generation_.load() != seen && job_); });
        if (stopping_) return;
        seen = generation_.load();
        job = job_;
      }
      work(*job);
    }
  }
  void stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
      stopping_flag_.store(true);
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
    threads_.clear();
  }

  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::condition_variable cv_, done_cv_;
  std::shared_ptr<Job> job_;
  std::atomic<uint64_t> generation_{0};   // written under mu_, read by spinning workers without it
  bool stopping_ = false;                 // guarded by mu_
  std::atomic<bool> stopping_flag_{false};  // stopping_ for the spin
};

std::mutex g_pool_mu;  // one job at a time; a second caller runs its work serially instead of waiting
int g_num_threads = 0;

ThreadPool& pool() {
  static ThreadPool* p = [] {
    g_num_threads = default_threads();
    scipy_openblas_set_num_threads(g_num_threads);
    return new ThreadPool(g_num_threads - 1);  // leaked: joining threads at exit can deadlock
  }();
  return *p;
}

}  // namespace

int get_num_threads() {
  pool();
  return g_num_threads;
}

void set_num_threads(int n) {
  if (n < 1) n = 1;
  std::lock_guard<std::mutex> lock(g_pool_mu);
  pool().resize(n - 1);
  g_num_threads = n;
  scipy_openblas_set_num_threads(n);
}

bool in_parallel_region() { return t_in_parallel; }

void parallel_for(int64_t begin, int64_t end, int64_t grain, const std::function<void(int64_t, int64_t)>& f) {
  int64_t n = end - begin;
  if (n <= 0) return;
  grain = std::max<int64_t>(grain, 1);
  if (n <= grain || t_in_parallel || get_num_threads() == 1) {
    f(begin, end);
    return;
  }
  std::unique_lock<std::mutex> lock(g_pool_mu, std::try_to_lock);
  if (!lock.owns_lock()) {
    f(begin, end);
    return;
  }
  // Up to four chunks per thread, taken dynamically: when another process deschedules one of our threads, the
  // others take the chunks it has not started, so the caller waits for at most one chunk, not a whole share.
  int64_t nchunks = std::min<int64_t>(4 * static_cast<int64_t>(g_num_threads), (n + grain - 1) / grain);
  int64_t chunk = (n + nchunks - 1) / nchunks;
  // BLAS calls made inside the region run single-threaded by design: the region's threads are the parallelism
  // (OpenBLAS's thread count is global, so it is lowered for the region and restored after it).
  struct SerialBlas {
    SerialBlas() { scipy_openblas_set_num_threads(1); }
    ~SerialBlas() { scipy_openblas_set_num_threads(g_num_threads); }
  } serial_blas;
  pool().run(nchunks, [&](int64_t i) {
    int64_t b = begin + i * chunk;
    int64_t e = std::min(end, b + chunk);
    if (b < e) f(b, e);
  });
}

}  // namespace pynn
