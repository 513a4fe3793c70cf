#include "worker.hpp"

#include <cohort/core/error.hpp>
#include <cohort/wire/envelope.hpp>
#include <cohort/wire/registry.hpp>

#include "control.hpp"
#include "current_task.hpp"
#include "log.hpp"
#include "peer_link.hpp"

#include <algorithm>
#include <cstring>
#include <memory>
#include <utility>

namespace cohort::cluster::detail {
namespace {
constexpr std::size_t kMinSlice = 32;  // fewer tasks than this are not worth another thread
std::int64_t no_clock() { return 0; }  // task times off: 0 means "not measured"
}

// One decoded task batch, shared by the slices that run it.
// Each slice leaves its results in its own slot; the slice that finishes last
// hands them all to the loop at once (one loop wake-up per batch, not per slice).
struct Worker::Job {
  explicit Job(wire::TaskBatch b) : batch(std::move(b)) {}
  wire::TaskBatch batch;
  std::vector<wire::ResultBatchWriter> parts;    // by slice
  std::vector<std::vector<observe::Event>> ran;  // by slice (collect_ only)
  std::atomic<std::size_t> slices_left{0};
};

Worker::Worker(core::EventLoop& loop, core::ThreadPool& pool, const wire::Registry& registry,
               const ClusterOptions& options, int rank, std::string host, Send send_to_root,
               core::UniqueFunction<void()> on_stopped, RunState& run)
    : loop_(loop),
      pool_(pool),
      registry_(registry),
      options_(options),
      rank_(rank),
      host_(std::move(host)),
      send_(std::move(send_to_root)),
      on_stopped_(std::move(on_stopped)),
      run_(run),
      collect_(options.collect_worker_events) {}

// A small stable number for the calling pool thread (0, 1, ... in the order
// the threads first ran a task of this worker), for the trace's thread rows.
int Worker::pool_thread_index() {
  thread_local const Worker* owner = nullptr;
  thread_local int index = -1;
  if (owner != this) {
    owner = this;
    index = next_thread_index_.fetch_add(1, std::memory_order_relaxed);
  }
  return index;
}

void Worker::start() {
  send_(0, encode_control(Control{ControlOp::hello, static_cast<std::uint32_t>(pool_.size()), kNoBatch, 0, host_}));
}

void Worker::on_message(int source, std::span<const std::byte> bytes) {
  if (stopped_) {
    run_.protocol_error("malformed message from rank " + std::to_string(source) +
                        ": a message after this worker stopped");
    return;
  }
  try {
    const wire::EnvelopeView v = wire::decode_envelope(bytes, source);
    if (v.header.kind == wire::MessageKind::shuffle_data) {  // from any worker, to a peer handler (peer.hpp)
      deliver_peer_message(source, v);
      return;
    }
    if (source != 0) throw DecodeError("workers take messages from rank 0 only (and peer messages)", source);
    switch (v.header.kind) {
      case wire::MessageKind::task_batch:
        if (stop_requested_) throw DecodeError("a task batch after stop", source);
        if (collect_) {
          observe::Event e;
          e.kind = observe::EventKind::task_batch_received;
          e.time_ns = observe::now_ns();
          e.peer = source;
          e.batch = v.header.batch_id;
          e.bytes = bytes.size();
          if (v.payload.size() >= 4) {  // the payload starts with its u32 task count
            std::uint32_t n = 0;
            std::memcpy(&n, v.payload.data(), sizeof n);
            e.count = n;
          }
          events_.push(e);
        }
        ++active_batches_;
        run_batch(std::vector<std::byte>(bytes.begin(), bytes.end()), source);
        break;
      case wire::MessageKind::task_array:
        if (stop_requested_) throw DecodeError("a task array after stop", source);
        ++active_batches_;
        run_array(std::vector<std::byte>(bytes.begin(), bytes.end()), source);
        break;
      case wire::MessageKind::control: {
        const Control c = decode_control(v.payload, source);
        if (c.op == ControlOp::ping) {
          send_(0, encode_control(Control{ControlOp::pong, 0, static_cast<std::uint64_t>(observe::now_ns()), c.count, {}}));
          break;
        }
        if (c.op != ControlOp::stop) throw DecodeError("unexpected control operation at a worker", source);
        stop_requested_ = true;
        maybe_stop();
        break;
      }
      default:
        throw DecodeError(std::string("unexpected ") + std::string(wire::to_string(v.header.kind)) +
                              " message at a worker",
                          source);
    }
  } catch (const DecodeError& e) {
    report(e.what(), kNoBatch);
  }
}

void Worker::report(const std::string& what, std::uint64_t batch_id) {
  run_.protocol_error(what);
  send_(0, encode_control(Control{ControlOp::error_report, 0, batch_id, 0, what}));
}

// On a pool thread: decode, then run in slices (this thread takes the first).
void Worker::run_batch(std::vector<std::byte> message, int source) {
  pool_.post([this, message = std::move(message), source]() mutable {
    std::shared_ptr<Job> job;
    std::uint64_t batch_id = kNoBatch;
    try {
      batch_id = wire::decode_envelope(message, source).header.batch_id;
      job = std::make_shared<Job>(wire::TaskBatch::decode(std::move(message), source));
    } catch (const DecodeError& e) {
      loop_.call_soon_threadsafe([this, what = std::string(e.what()), batch_id] {
        report(what, batch_id);
        --active_batches_;
        maybe_stop();
      });
      return;
    }
    const std::size_t n = job->batch.size();
    const std::size_t slices = std::clamp<std::size_t>(n / kMinSlice, 1, std::max<std::size_t>(pool_.size(), 1));
    job->parts.resize(slices);
    job->ran.resize(slices);
    job->slices_left.store(slices, std::memory_order_relaxed);  // before the posts below
    auto run_slice = [this, job, n, slices](std::size_t k) {
      const std::size_t begin = n * k / slices, end = n * (k + 1) / slices;
      wire::ResultBatchWriter part;
      const wire::InvokeContext ctx{rank_, job->batch.source_rank(),
                                    options_.record_task_times ? nullptr : &no_clock};
      std::vector<observe::Event> ran;  // collect_: which thread ran what (times are in the results)
      if (collect_) {
        ran.reserve(end - begin);
        observe::Event e;
        e.kind = observe::EventKind::task_started;
        e.thread = pool_thread_index();
        e.batch = job->batch.header().batch_id;
        for (std::size_t i = begin; i < end; ++i) {
          e.id = job->batch[i].id;
          e.attempt = job->batch[i].attempt;
          ran.push_back(e);
        }
      }
      // Consecutive tasks share a name (a view into the batch's name table):
      // look the invoker up once per run of one name.
      const char* last_name = nullptr;
      const wire::Registry::Invoker* invoker = nullptr;
      CurrentTaskScope current(0, 0, {});  // what the fatal-signal handler names
      for (std::size_t i = begin; i < end; ++i) {
        const wire::TaskRecord& task = job->batch[i];
        current.set(task.id, task.id, task.name);
        if (task.name.data() != last_name) {
          last_name = task.name.data();
          invoker = registry_.find(task.name);
        }
        if (invoker != nullptr) {
          invoker->run(task, part, ctx);
        } else {
          registry_.invoke(task, part, ctx);  // the unknown_task record
        }
      }
      job->parts[k] = std::move(part);
      job->ran[k] = std::move(ran);
      // acq_rel: the last slice sees every other slice's part.
      if (job->slices_left.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
      loop_.call_soon_threadsafe([this, job] {
        for (auto& r : job->ran)
          if (!r.empty()) events_.append(std::move(r));
        for (std::size_t i = 0; i < job->parts.size(); ++i)
          absorb(std::move(job->parts[i]), i + 1 == job->parts.size());
      });
    };
    for (std::size_t k = 1; k < slices; ++k) pool_.post([run_slice, k] { run_slice(k); });
    run_slice(0);
  });
}

void Worker::absorb(wire::ResultBatchWriter&& part, bool batch_done) {
  tasks_run_ += part.size();
  if (out_.empty() && batch_done) {
    // The common case (one slice): send it as it is, no copy.
    const std::size_t n = part.size();
    send_results(part.finish(next_batch_++), n);
  } else {
    out_.append(part);
    if (batch_done || out_.size() >= options_.max_batch) flush();
  }
  if (batch_done) {
    --active_batches_;
    maybe_stop();
  }
}

void Worker::flush() {
  if (out_.empty()) return;
  const std::size_t n = out_.size();
  send_results(out_.finish(next_batch_++), n);
}

void Worker::send_results(std::vector<std::byte> message, std::size_t count) {
  if (collect_) {
    observe::Event e;
    e.kind = observe::EventKind::result_batch_sent;
    e.time_ns = observe::now_ns();
    e.peer = 0;
    e.batch = next_batch_ - 1;
    e.count = count;
    e.bytes = message.size();
    events_.push(e);
  }
  send_(0, std::move(message));
}

void Worker::maybe_stop() {
  if (!stop_requested_ || stopped_ || active_batches_ > 0) return;
  flush();
  if (collect_) {
    // Before stop_ack, so rank 0 has them all once every worker acknowledged.
    for (std::string& chunk : events_.encode_chunks(kMaxControlText))
      send_(0, encode_control(Control{ControlOp::events, 0, kNoBatch, 0, std::move(chunk)}));
  }
  send_(0, encode_control(Control{ControlOp::stop_ack, 0, kNoBatch, tasks_run_, {}}));
  stopped_ = true;
  COHORT_CLUSTER_DEBUG("stopping after " + std::to_string(tasks_run_) + " task(s)");
  if (on_stopped_) loop_.call_soon(std::move(on_stopped_));
}

}  // namespace cohort::cluster::detail
