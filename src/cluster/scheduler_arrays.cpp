// Scheduler, columnar part: map over fixed-size types travels as task arrays
// (wire/array_batch.hpp). Rank 0 keeps one record per batch out (ArrayOut),
// none per task: a batch's credit, timeout and cancellation are handled once;
// only a task that fails is looked at alone (its RemoteError names its id; a
// retry goes out as an array of one).
#include "scheduler.hpp"

#include <cohort/core/error.hpp>
#include <cohort/wire/array_batch.hpp>
#include <cohort/wire/batch.hpp>

#include "log.hpp"

#include <algorithm>
#include <string>
#include <utility>

namespace cohort::cluster::detail {

// ---- Submission defaults (any submission can take columnar answers) ---------

void Submission::deliver_values(std::size_t first, std::size_t count, std::span<const std::byte> values, int rank,
                                std::string_view host) {
  const std::size_t size = count == 0 ? 0 : values.size() / count;
  for (std::size_t j = 0; j < count; ++j) {
    wire::ResultRecord r;
    r.id = first_id + first + j;
    r.value = values.subspan(j * size, size);
    deliver(first + j, r, rank, host);
  }
}

void Submission::fail_range(std::size_t first, std::size_t count, std::exception_ptr error) {
  for (std::size_t j = 0; j < count; ++j) fail(first + j, error);
}

// ---- queueing and dispatch --------------------------------------------------

void Scheduler::add_columnar(std::unique_ptr<Submission> s) {
  Submission* raw = s.get();
  const std::uint64_t n = raw->size();
  raw->first_id = table_.end_id();
  table_.skip(n, Entry{nullptr, 0, 0, 0, -1, State::done});
  raw->unsettled = n;
  blocks_.push_back(Block{raw, 0, n, 0});
  queued_ += n;
  owned_.emplace(raw, std::move(s));
  post_dispatch();
}

void Scheduler::settle_range(Submission& s, std::uint64_t count) {
  if (count == 0) return;
  s.unsettled -= count;
  if (s.unsettled == 0) owned_.erase(&s);
}

// One task array from the front block for `rank` (which has credit).
std::size_t Scheduler::send_array(int rank, std::size_t budget) {
  std::size_t looked = 0;
  while (!blocks_.empty()) {
    Block& b = blocks_.front();
    Submission& s = *b.sub;
    if (s.abandoned(b.first)) {  // the map's future was cancelled: none of these run
      const std::uint64_t n = b.count;
      queued_ -= n;
      looked += n;
      blocks_.pop_front();
      settle_range(s, n);
      continue;
    }
    const std::uint64_t cap = std::min<std::uint64_t>({b.count, batch_size(), std::max<std::size_t>(budget, 1),
                                                        wire::DecodeLimits{}.max_tasks_per_batch});
    const auto n = static_cast<std::uint32_t>(cap);
    const std::uint64_t batch = next_batch_++;
    const std::uint64_t first_id = s.first_id + b.first;
    std::vector<std::byte> message = wire::encode_task_array(
        batch, first_id, b.attempt, s.name, n, s.arg_size, s.result_size,
        std::span<const std::byte>(s.args.data() + b.first * s.arg_size, std::size_t{n} * s.arg_size));
    arrays_out_.emplace(batch, ArrayOut{&s, b.first, first_id, n, b.attempt, rank, false});
    if (s.policy.timeout.count() > 0)
      deadlines_.push(Deadline{std::chrono::steady_clock::now() + s.policy.timeout, batch, 0, true});
    WorkerState& w = workers_[static_cast<std::size_t>(rank)];
    ++w.batches;
    w.inflight += n;
    inflight_ += n;
    queued_ -= n;
    b.first += n;
    b.count -= n;
    if (b.count == 0) blocks_.pop_front();
    send_(rank, std::move(message));
    if (!deadlines_.empty()) arm_timer();
    return looked + n;
  }
  return looked;
}

// ---- results ----------------------------------------------------------------

void Scheduler::on_array_results(int source, std::span<const std::byte> message) {
  const wire::ResultArray ra = wire::ResultArray::decode(message, source);
  const auto it = arrays_out_.find(ra.task_batch_id);
  if (it == arrays_out_.end() || it->second.rank != source || it->second.first_id != ra.first_id ||
      it->second.count != ra.count || it->second.attempt != ra.attempt) {
    run_.protocol_error("malformed message from rank " + std::to_string(source) + ": results for task array " +
                        std::to_string(ra.task_batch_id) + " (tasks " + std::to_string(ra.first_id) + " + " +
                        std::to_string(ra.count) + ", attempt " + std::to_string(ra.attempt) +
                        ") that is not out on that rank");
    return;
  }
  const ArrayOut out = it->second;
  arrays_out_.erase(it);
  WorkerState& w = workers_[static_cast<std::size_t>(source)];
  w.inflight -= out.count;
  inflight_ -= out.count;
  --w.batches;  // one message answers the whole array: its credit is back
  if (out.timed_out) {  // their futures already say TimeoutError
    timed_out_out_ -= out.count;
    stuck_arrays_.erase(ra.task_batch_id);
    return;
  }
  Submission& s = *out.sub;
  const std::size_t rs = s.result_size;
  if (ra.result_size != rs) {
    for (std::uint32_t j = 0; j < out.count; ++j) run_.task_failed();
    s.fail_range(out.first, out.count,
                 std::make_exception_ptr(DecodeError(
                     "result of task " + std::to_string(out.first_id) + ": rank " + std::to_string(source) +
                         " sent results of " + std::to_string(ra.result_size) + " bytes, " + std::to_string(rs) +
                         " expected (do both sides agree on the result type of '" + s.name + "'?)",
                     source)));
    settle_range(s, out.count);
    return;
  }
  std::uint64_t settled = 0;
  std::vector<Block> retries;  // runs of consecutive failed tasks to send again
  std::size_t from = 0;  // first index not yet delivered
  auto deliver_run = [&](std::size_t to) {
    if (to <= from) return;
    s.deliver_values(out.first + from, to - from, ra.values.subspan(from * rs, (to - from) * rs), source, w.host);
    settled += to - from;
  };
  for (const wire::ArrayErrorView& e : ra.errors) {
    deliver_run(e.index);
    from = e.index + 1;
    if (e.status == Errc::remote_error && static_cast<int>(out.attempt) < s.policy.max_retries && !shutting_down_) {
      COHORT_CLUSTER_DEBUG("task " + std::to_string(ra.first_id + e.index) + " failed on rank " +
                           std::to_string(source) + ", retrying (attempt " + std::to_string(out.attempt + 1) + ")");
      if (!retries.empty() && retries.back().first + retries.back().count == out.first + e.index) {
        ++retries.back().count;
      } else {
        retries.push_back(Block{&s, out.first + e.index, 1, out.attempt + 1});
      }
      ++queued_;
      continue;
    }
    wire::ResultRecord rec;
    rec.id = ra.first_id + e.index;
    rec.attempt = ra.attempt;
    rec.status = e.status;
    rec.error_type = e.type;
    rec.error_message = e.message;
    run_.task_failed();
    s.deliver(out.first + e.index, rec, source, w.host);
    ++settled;
  }
  deliver_run(out.count);
  // Retries go first, in index order.
  for (auto r = retries.rbegin(); r != retries.rend(); ++r) blocks_.push_front(*r);
  settle_range(s, settled);  // last: may drop the submission
}

// ---- timeouts, failures, shutdown -----------------------------------------------

void Scheduler::on_array_timeout(std::uint64_t batch) {
  const auto it = arrays_out_.find(batch);
  if (it == arrays_out_.end() || it->second.timed_out) return;
  ArrayOut& o = it->second;
  o.timed_out = true;
  timed_out_out_ += o.count;
  for (std::uint32_t j = 0; j < o.count; ++j) run_.task_failed();
  Submission& s = *o.sub;
  const WorkerState& w = workers_[static_cast<std::size_t>(o.rank)];
  std::string what = "task " + std::to_string(o.first_id) + " ('" + s.name + "') ran past its timeout of " +
                     std::to_string(s.policy.timeout.count()) + " ms on rank " + std::to_string(o.rank) + " (" +
                     w.host + ")";
  if (o.count > 1) {
    what += ", with the other tasks of its batch (ids " + std::to_string(o.first_id) + ".." +
            std::to_string(o.first_id + o.count - 1) + ")";
  }
  stuck_arrays_[batch] = (o.count > 1 ? "tasks " + std::to_string(o.first_id) + ".." +
                                            std::to_string(o.first_id + o.count - 1)
                                      : "task " + std::to_string(o.first_id)) +
                         " ('" + s.name + "') on rank " + std::to_string(o.rank) + " (" + w.host + ")";
  s.fail_range(o.first, o.count, std::make_exception_ptr(TimeoutError(what)));
  settle_range(s, o.count);
}

// A worker could not read task array `batch`: its tasks will never come back.
bool Scheduler::fail_array(int rank, std::uint64_t batch, const std::string& why) {
  const auto it = arrays_out_.find(batch);
  if (it == arrays_out_.end() || it->second.rank != rank) return false;
  const ArrayOut o = it->second;
  arrays_out_.erase(it);
  WorkerState& w = workers_[static_cast<std::size_t>(rank)];
  w.inflight -= o.count;
  inflight_ -= o.count;
  --w.batches;
  if (o.timed_out) {
    timed_out_out_ -= o.count;
    stuck_arrays_.erase(batch);
    return true;
  }
  for (std::uint32_t j = 0; j < o.count; ++j) run_.task_failed();
  o.sub->fail_range(o.first, o.count, std::make_exception_ptr(DecodeError(why, 0)));
  settle_range(*o.sub, o.count);
  return true;
}

// shutdown(cancel_pending): columnar tasks not yet sent are cancelled.
void Scheduler::cancel_blocks() {
  while (!blocks_.empty()) {
    const Block b = blocks_.front();
    blocks_.pop_front();
    queued_ -= b.count;
    for (std::uint64_t j = 0; j < b.count; ++j) b.sub->cancel(b.first + j);
    settle_range(*b.sub, b.count);
  }
}

// The runtime is going down: break the promises of whatever is unsettled.
void Scheduler::abandon_arrays() {
  auto down = [](const std::string& what) {
    return std::make_exception_ptr(
        Error(Errc::executor_shutdown, "the cluster runtime stopped before " + what + " finished"));
  };
  for (const Block& b : blocks_)
    b.sub->fail_range(b.first, b.count, down("task " + std::to_string(b.sub->first_id + b.first)));
  blocks_.clear();
  for (const auto& [batch, o] : arrays_out_)
    if (!o.timed_out) o.sub->fail_range(o.first, o.count, down("task " + std::to_string(o.first_id)));
  arrays_out_.clear();
}

}  // namespace cohort::cluster::detail
