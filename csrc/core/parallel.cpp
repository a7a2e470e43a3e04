#include "parallel.h"

#include <algorithm>
#include <atomic>
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

// Workers sleep on a condition variable between jobs (blocking, not spinning), so a loaded machine
// does not make them fight the caller for cores. Each job has its own state, so a worker that wakes
// late for a finished job finds no chunk left and never touches the next job's closure.
class ThreadPool {
 public:
  explicit ThreadPool(int workers) { resize(workers); }
  ~ThreadPool() { stop(); }

  void resize(int workers) {
    stop();
    stopping_ = false;
    for (int i = 0; i < workers; ++i) threads_.emplace_back([this] { worker_loop(); });
  }

  // Runs chunk indices [0, nchunks) on the workers and the caller; returns when all are done.
  void run(int64_t nchunks, const std::function<void(int64_t)>& chunk) {
    auto job = std::make_shared<Job>();
    job->fn = &chunk;
    job->nchunks = nchunks;
    job->pending = nchunks;
    {
      std::lock_guard<std::mutex> lock(mu_);
      job_ = job;
      ++generation_;
    }
    cv_.notify_all();
    work(*job);
    std::unique_lock<std::mutex> lock(mu_);
    done_cv_.wait(lock, [&] { return job->pending == 0; });
    job_.reset();
    if (job->error) std::rethrow_exception(job->error);
  }

 private:
  struct Job {
    const std::function<void(int64_t)>* fn = nullptr;
    int64_t nchunks = 0;
    std::atomic<int64_t> next{0};
    int64_t pending = 0;  // guarded by mu_
    std::exception_ptr error;
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
      std::lock_guard<std::mutex> lock(mu_);
      if (err && !job.error) job.error = err;
      job.pending -= finished;
      if (job.pending == 0) done_cv_.notify_all();
    }
  }
  void worker_loop() {
    uint64_t seen = 0;
    for (;;) {
      std::shared_ptr<Job> job;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return stopping_ || (generation_ != seen && job_); });
        if (stopping_) return;
        seen = generation_;
        job = job_;
      }
      work(*job);
    }
  }
  void stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
    threads_.clear();
  }

  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::condition_variable cv_, done_cv_;
  std::shared_ptr<Job> job_;
  uint64_t generation_ = 0;
  bool stopping_ = false;
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
