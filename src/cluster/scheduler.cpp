#include "scheduler.hpp"

#include <cohort/cluster/abort.hpp>
#include <cohort/cluster/exit_codes.hpp>
#include <cohort/core/error.hpp>
#include <cohort/wire/envelope.hpp>

#include "log.hpp"

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>

namespace cohort::cluster::detail {

Submission::~Submission() = default;

Scheduler::Scheduler(core::EventLoop& loop, const ClusterOptions& options, std::vector<int> worker_ranks,
                     int world_size, Send send, RunState& run)
    : loop_(loop),
      options_(options),
      worker_ranks_(std::move(worker_ranks)),
      workers_(static_cast<std::size_t>(world_size)),
      send_(std::move(send)),
      run_(run),
      observer_(options.observer) {
  options_.max_batch = std::max<std::size_t>(options_.max_batch, 1);
  options_.credits = std::max(options_.credits, 1);
}

Scheduler::~Scheduler() {
  timer_.cancel();
  shutdown_timer_.cancel();
  // Whatever is still unsettled (the runtime is going down): break the promises
  // rather than leave anyone waiting.
  abandon_arrays();
  for (std::uint64_t id = table_.front_id(); id < table_.end_id(); ++id) {
    Entry& e = table_[id];
    if (e.sub == nullptr) continue;
    e.sub->fail(e.index, std::make_exception_ptr(Error(Errc::executor_shutdown,
                                                       "the cluster runtime stopped before task " +
                                                           std::to_string(id) + " finished")));
  }
}

// ---- task table -------------------------------------------------------------

Scheduler::Entry* Scheduler::find(std::uint64_t id) {
  return table_.contains(id) ? &table_[id] : nullptr;
}

// The task's future is settled (or will never be): drop the submission when
// it was its last task.
void Scheduler::settle(Entry& e) {
  if (e.sub == nullptr) return;
  Submission* s = e.sub;
  e.sub = nullptr;
  if (--s->unsettled == 0) owned_.erase(s);
}

void Scheduler::trim() {
  while (!table_.empty() && table_.front().state == State::done) table_.pop_front();
}

void Scheduler::add(std::unique_ptr<Submission> s) {
  const std::uint64_t n = s->size();
  if (n == 0) return;
  if (shutting_down_) {
    for (std::uint64_t i = 0; i < n; ++i)
      s->fail(i, std::make_exception_ptr(Error(Errc::executor_shutdown, "task '" + s->name +
                                                                            "' submitted after shutdown()")));
    return;
  }
  if (n > UINT32_MAX)
    throw Error(Errc::invalid_argument, "one submission of " + std::to_string(n) + " tasks of '" + s->name +
                                            "': at most 2^32 - 1 per call");
  if (s->columnar && s->targets.empty()) {
    add_columnar(std::move(s));
    return;
  }
  Submission* raw = s.get();
  const std::uint64_t first = table_.end_id();
  for (std::uint64_t i = 0; i < n; ++i)
    table_.push_back(Entry{raw, 0, static_cast<std::uint32_t>(i), 0, -1, State::queued});
  if (raw->targets.empty()) {
    queue_.push_back(Range{first, n});
    queued_ += n;
  } else {
    for (std::uint64_t i = 0; i < n; ++i) {
      const int r = raw->targets[i];
      const bool ok = std::find(worker_ranks_.begin(), worker_ranks_.end(), r) != worker_ranks_.end();
      if (!ok) {
        Entry& e = table_[first + i];
        e.state = State::done;
        e.sub = nullptr;
        raw->fail(i, std::make_exception_ptr(Error(Errc::invalid_argument,
                                                   "call_on: rank " + std::to_string(r) +
                                                       " runs no tasks (workers are ranks " +
                                                       std::to_string(worker_ranks_.front()) + ".." +
                                                       std::to_string(worker_ranks_.back()) + ")")));
        continue;
      }
      workers_[static_cast<std::size_t>(r)].pinned.push_back(first + i);
      ++pinned_;
    }
  }
  // Count only the tasks that are still to settle.
  std::uint64_t live = 0;
  for (std::uint64_t i = 0; i < n; ++i)
    if (table_[first + i].state != State::done) ++live;
  if (live == 0) {
    trim();
    return;
  }
  raw->unsettled = live;
  if (observer_) {
    observe::Event e;
    e.kind = observe::EventKind::tasks_queued;
    e.id = first;
    e.count = n;
    e.name = raw->name;
    emit(e);
  }
  owned_.emplace(raw, std::move(s));
  post_dispatch();
}

// ---- dispatch ---------------------------------------------------------------

void Scheduler::post_dispatch() {
  if (dispatch_posted_ || stop_sent_) return;
  dispatch_posted_ = true;
  loop_.call_soon([this] { dispatch(); });
}

std::size_t Scheduler::batch_size() const {
  const std::uint64_t per = queued_ / (worker_ranks_.size() * static_cast<std::uint64_t>(options_.credits));
  return static_cast<std::size_t>(std::clamp<std::uint64_t>(per, 1, options_.max_batch));
}

void Scheduler::dispatch() {
  dispatch_posted_ = false;
  if (stop_sent_) return;
  std::size_t budget = kSliceTasks;
  bool progress = true;
  while (budget > 0 && progress && (queued_ + pinned_) > 0) {
    progress = false;
    for (std::size_t k = 0; k < worker_ranks_.size() && budget > 0; ++k) {
      const int rank = worker_ranks_[(rr_ + k) % worker_ranks_.size()];
      const std::size_t sent = send_batch(rank, budget);
      if (sent > 0) {
        progress = true;
        budget -= std::min(budget, sent);
      }
    }
    rr_ = (rr_ + 1) % worker_ranks_.size();
  }
  if (budget == 0) post_dispatch();  // more may fit: continue after the loop ran other work
  if (observer_ && budget < kSliceTasks) emit_counters();
  check_drained();
}

// Next task for `rank`: its pinned tasks first, then the shared queue.
bool Scheduler::take(int rank, std::uint64_t& id) {
  auto& pinned = workers_[static_cast<std::size_t>(rank)].pinned;
  if (!pinned.empty()) {
    id = pinned.front();
    pinned.pop_front();
    --pinned_;
    return true;
  }
  if (queue_.empty()) return false;
  Range& r = queue_.front();
  id = r.first++;
  if (--r.count == 0) queue_.pop_front();
  --queued_;
  return true;
}

std::size_t Scheduler::send_batch(int rank, std::size_t budget) {
  WorkerState& w = workers_[static_cast<std::size_t>(rank)];
  if (!w.ready || w.acked) return 0;
  if (w.batches >= options_.credits) return 0;
  if (!blocks_.empty() && queue_.empty() && w.pinned.empty()) return send_array(rank, budget);
  const std::size_t room = std::min(batch_size(), budget);
  const std::uint64_t batch = next_batch_++;
  const auto now = std::chrono::steady_clock::now();
  const std::int64_t dispatched_ns = observer_ ? observe::now_ns() : 0;  // one clock read per batch
  std::size_t looked = 0;
  std::uint64_t id = 0;
  const Submission* asked = nullptr;  // a map's tasks share one answer to abandoned()
  bool asked_abandoned = false;
  while (writer_.size() < room && take(rank, id)) {
    ++looked;
    Entry& e = table_[id];
    Submission& s = *e.sub;
    if (!s.cancel_per_task && &s != asked) {
      asked = &s;
      asked_abandoned = s.abandoned(e.index);
    }
    if (s.cancel_per_task ? s.abandoned(e.index) : asked_abandoned) {  // its future was cancelled: don't run it
      e.state = State::done;
      settle(e);
      continue;
    }
    const auto args = s.args_of(e.index);
    writer_.add(id, e.attempt, s.name, args);
    e.state = State::running;
    e.rank = rank;
    e.batch = batch;
    if (observer_) {
      observe::Event ev;
      ev.kind = observe::EventKind::task_dispatched;
      ev.time_ns = dispatched_ns;
      ev.id = id;
      ev.attempt = e.attempt;
      ev.peer = rank;
      ev.batch = batch;
      ev.bytes = args.size();
      ev.name = s.name;
      emit(ev);
    }
    if (s.policy.timeout.count() > 0) deadlines_.push(Deadline{now + s.policy.timeout, id, e.attempt});
  }
  const std::size_t n = writer_.size();
  if (n > 0) {
    ++w.batches;
    batch_left_.emplace(batch, n);
    w.inflight += n;
    inflight_ += n;
    std::vector<std::byte> message = writer_.finish(batch);
    if (observer_) {
      observe::Event ev;
      ev.kind = observe::EventKind::task_batch_sent;
      ev.peer = rank;
      ev.batch = batch;
      ev.count = n;
      ev.bytes = message.size();
      emit(ev);
    }
    send_(rank, std::move(message));
    if (!deadlines_.empty()) arm_timer();
  }
  trim();
  return std::max(n, looked);
}

// ---- results and control ----------------------------------------------------

void Scheduler::on_message(int source, std::span<const std::byte> bytes) {
  try {
    const wire::EnvelopeView v = wire::decode_envelope(bytes, source);
    if (source < 0 || static_cast<std::size_t>(source) >= workers_.size())
      throw DecodeError("a message from a rank outside the world", source);
    switch (v.header.kind) {
      case wire::MessageKind::result_batch: on_results(source, bytes); break;
      case wire::MessageKind::result_array: on_array_results(source, bytes); break;
      case wire::MessageKind::control: on_control(source, decode_control(v.payload, source)); break;
      default:
        throw DecodeError(std::string("unexpected ") + std::string(wire::to_string(v.header.kind)) +
                              " message at the scheduler",
                          source);
    }
  } catch (const DecodeError& e) {
    run_.protocol_error(e.what());
  }
  trim();
  post_dispatch();
  if (observer_) emit_counters();
  check_drained();
}

void Scheduler::on_results(int source, std::span<const std::byte> message) {
  wire::ResultBatch rb = wire::ResultBatch::decode(std::vector<std::byte>(message.begin(), message.end()), source);
  WorkerState& w = workers_[static_cast<std::size_t>(source)];
  const std::int64_t received_ns = observer_ ? observe::now_ns() : 0;  // one clock read per batch
  if (observer_) {
    observe::Event ev;
    ev.kind = observe::EventKind::result_batch_received;
    ev.time_ns = received_ns;
    ev.peer = source;
    ev.batch = rb.header().batch_id;
    ev.count = rb.size();
    ev.bytes = message.size();
    emit(ev);
  }
  for (const wire::ResultRecord& rec : rb.results()) {
    Entry* e = find(rec.id);
    if (e == nullptr || e->rank != source || (e->state != State::running && e->state != State::timed_out) ||
        rec.attempt != e->attempt) {
      run_.protocol_error("malformed message from rank " + std::to_string(source) + ": a result for task " +
                          std::to_string(rec.id) + " (attempt " + std::to_string(rec.attempt) +
                          ") that is not out on that rank");
      continue;
    }
    --w.inflight;
    --inflight_;
    answered(source, e->batch);
    if (e->state == State::timed_out) {  // its future already says TimeoutError
      e->state = State::done;
      --timed_out_out_;
      stuck_tasks_.erase(rec.id);
      continue;
    }
    Submission& s = *e->sub;
    if (!rec.ok() && rec.status == Errc::remote_error && static_cast<int>(e->attempt) < s.policy.max_retries &&
        !shutting_down_) {
      COHORT_CLUSTER_DEBUG("task " + std::to_string(rec.id) + " failed on rank " + std::to_string(source) +
                           ", retrying (attempt " + std::to_string(e->attempt + 1) + ")");
      if (observer_) emit_result(observe::EventKind::task_retried, source, rec, received_ns);
      ++e->attempt;
      e->state = State::queued;
      e->rank = -1;
      if (s.targets.empty()) {
        queue_.push_front(Range{rec.id, 1});
        ++queued_;
      } else {
        w.pinned.push_front(rec.id);
        ++pinned_;
      }
      continue;
    }
    if (!rec.ok()) run_.task_failed();
    if (observer_) emit_result(rec.ok() ? observe::EventKind::task_finished : observe::EventKind::task_failed, source, rec,
                                 received_ns);
    s.deliver(e->index, rec, source, w.host);
    e->state = State::done;
    settle(*e);
  }
}

void Scheduler::on_control(int source, const Control& c) {
  WorkerState& w = workers_[static_cast<std::size_t>(source)];
  switch (c.op) {
    case ControlOp::hello:
      w.ready = true;
      w.threads = c.threads;
      w.host = c.text;
      COHORT_CLUSTER_DEBUG("worker rank " + std::to_string(source) + " on " + w.host + " ready with " +
                           std::to_string(c.threads) + " thread(s)");
      if (observer_) {
        observe::Event ev;
        ev.kind = observe::EventKind::worker_joined;
        ev.peer = source;
        ev.count = c.threads;
        ev.name = w.host;
        emit(ev);
        // Not once stop went out: the worker may already have stopped (a
        // run that ended before this worker said hello).
        if (!stop_sent_) send_ping(source);
      }
      break;
    case ControlOp::stop_ack:
      if (!stop_sent_ || w.acked) throw DecodeError("a stop acknowledgement nobody asked for", source);
      w.acked = true;
      COHORT_CLUSTER_DEBUG("worker rank " + std::to_string(source) + " stopped after " + std::to_string(c.count) +
                           " task(s)");
      if (observer_) {
        observe::Event ev;
        ev.kind = observe::EventKind::worker_stopped;
        ev.peer = source;
        ev.count = c.count;
        emit(ev);
      }
      if (--acks_missing_ == 0) {
        shutdown_timer_.cancel();
        if (on_down_) loop_.call_soon(std::move(on_down_));
      }
      break;
    case ControlOp::error_report:
      run_.protocol_error("rank " + std::to_string(source) + " (" + w.host + ") reported: " + c.text);
      if (c.batch_id != kNoBatch) fail_batch(source, c.batch_id, c.text);
      break;
    case ControlOp::pong:
      on_pong(source, c);
      break;
    case ControlOp::events:
      if (observer_) {
        const auto* p = reinterpret_cast<const std::byte*>(c.text.data());
        for (const observe::Event& e : observe::decode_events({p, c.text.size()}, source)) observer_->on_event(e);
      }
      break;
    case ControlOp::stop:
    case ControlOp::ping:
      throw DecodeError("a " + std::string(c.op == ControlOp::stop ? "stop request" : "ping") + " sent to rank 0",
                        source);
  }
}

// ---- events -----------------------------------------------------------------

void Scheduler::emit(observe::Event e) const {
  e.rank = 0;
  if (e.time_ns == 0) e.time_ns = observe::now_ns();
  observer_->on_event(e);
}

void Scheduler::emit_counters() const {
  observe::Event e;
  e.kind = observe::EventKind::counters;
  e.count = queued_ + pinned_;
  e.value = static_cast<std::int64_t>(inflight_);
  emit(e);
}

void Scheduler::emit_result(observe::EventKind kind, int source, const wire::ResultRecord& rec,
                            std::int64_t time_ns) const {
  observe::Event e;
  e.kind = kind;
  e.time_ns = time_ns;
  e.peer = source;
  e.id = rec.id;
  e.attempt = rec.attempt;
  e.start_ns = rec.start_ns;
  e.end_ns = rec.end_ns;
  e.bytes = rec.value.size();
  std::string text;
  if (!rec.ok()) {
    text = std::string(rec.error_type) + (rec.error_type.empty() ? "" : ": ") + std::string(rec.error_message);
    e.text = text;
  }
  emit(e);
}

// Clock offsets: kClockPings round trips per worker, one at a time.
void Scheduler::send_ping(int rank) {
  send_(rank, encode_control(Control{ControlOp::ping, 0, kNoBatch, static_cast<std::uint64_t>(observe::now_ns()), {}}));
}

void Scheduler::on_pong(int source, const Control& c) {
  const std::int64_t t2 = observe::now_ns();
  WorkerState& w = workers_[static_cast<std::size_t>(source)];
  if (!observer_ || w.clock.samples() >= kClockPings) throw DecodeError("a pong nobody asked for", source);
  w.clock.add(static_cast<std::int64_t>(c.count), static_cast<std::int64_t>(c.batch_id), t2);
  if (w.clock.samples() < kClockPings && !stop_sent_) {
    send_ping(source);
    return;
  }
  observe::Event ev;
  ev.kind = observe::EventKind::clock_offset;
  ev.peer = source;
  ev.value = w.clock.offset();
  ev.count = static_cast<std::uint64_t>(std::max<std::int64_t>(w.clock.rtt(), 0));
  emit(ev);
}

// One more task of `batch` came back (or never will): the batch's credit
// returns with its last task.
void Scheduler::answered(int rank, std::uint64_t batch) {
  if (last_left_ == nullptr || batch != last_batch_) {
    auto it = batch_left_.find(batch);
    if (it == batch_left_.end()) return;
    last_batch_ = batch;
    last_left_ = &it->second;  // map nodes don't move: valid until erased
  }
  if (--*last_left_ == 0) {
    batch_left_.erase(batch);
    last_left_ = nullptr;
    --workers_[static_cast<std::size_t>(rank)].batches;
  }
}

// A worker could not read batch `batch`: its tasks will never come back.
void Scheduler::fail_batch(int rank, std::uint64_t batch, const std::string& why) {
  if (fail_array(rank, batch, why)) return;
  WorkerState& w = workers_[static_cast<std::size_t>(rank)];
  for (std::uint64_t id = table_.front_id(); id < table_.end_id(); ++id) {
    Entry& e = table_[id];
    if (e.rank != rank || e.batch != batch || (e.state != State::running && e.state != State::timed_out)) continue;
    --w.inflight;
    --inflight_;
    answered(rank, batch);
    if (e.state == State::running) {
      run_.task_failed();
      if (observer_) {
        observe::Event ev;
        ev.kind = observe::EventKind::task_failed;
        ev.peer = rank;
        ev.id = id;
        ev.attempt = e.attempt;
        ev.text = why;
        emit(ev);
      }
      e.sub->fail(e.index, std::make_exception_ptr(DecodeError(why, 0)));
      settle(e);
    } else {
      --timed_out_out_;
      stuck_tasks_.erase(id);
    }
    e.state = State::done;
  }
}

// ---- timeouts ---------------------------------------------------------------

void Scheduler::arm_timer() {
  if (deadlines_.empty()) return;
  const auto at = deadlines_.top().at;
  if (timer_ && !timer_.cancelled() && timer_at_ <= at) return;
  timer_.cancel();
  timer_at_ = at;
  timer_ = loop_.call_at(at, [this] { on_timer(); });
}

void Scheduler::on_timer() {
  timer_ = {};
  const auto now = std::chrono::steady_clock::now();
  while (!deadlines_.empty() && deadlines_.top().at <= now) {
    const Deadline d = deadlines_.top();
    deadlines_.pop();
    if (d.array) {
      on_array_timeout(d.id);
      continue;
    }
    Entry* e = find(d.id);
    if (e == nullptr || e->state != State::running || e->attempt != d.attempt) continue;
    Submission& s = *e->sub;
    const WorkerState& w = workers_[static_cast<std::size_t>(e->rank)];
    e->state = State::timed_out;
    ++timed_out_out_;
    run_.task_failed();
    if (observer_) {
      observe::Event ev;
      ev.kind = observe::EventKind::task_failed;
      ev.peer = e->rank;
      ev.id = d.id;
      ev.attempt = d.attempt;
      ev.text = "timeout";
      emit(ev);
    }
    std::string what = "task " + std::to_string(d.id) + " ('" + s.name + "')";
    stuck_tasks_[d.id] = what + " on rank " + std::to_string(e->rank) + " (" + w.host + ")";
    s.fail(e->index, std::make_exception_ptr(TimeoutError(
                         what + " ran past its timeout of " + std::to_string(s.policy.timeout.count()) +
                         " ms on rank " + std::to_string(e->rank) + " (" + w.host + ")")));
    settle(*e);
  }
  arm_timer();
  check_drained();
}

// ---- shutdown ---------------------------------------------------------------

// The timed-out tasks still out, for the abort message: the first few, by id.
std::string Scheduler::stuck_list() const {
  std::vector<std::pair<std::uint64_t, const std::string*>> all;
  for (const auto& [id, what] : stuck_tasks_) all.emplace_back(id, &what);
  for (const auto& [batch, what] : stuck_arrays_) all.emplace_back(batch, &what);
  std::sort(all.begin(), all.end());
  constexpr std::size_t kShown = 5;
  std::string list;
  for (std::size_t i = 0; i < all.size() && i < kShown; ++i) list += (i == 0 ? "" : ", ") + *all[i].second;
  if (all.size() > kShown) list += " and " + std::to_string(all.size() - kShown) + " more";
  return list.empty() ? "(unknown)" : list;
}

void Scheduler::request_shutdown(bool cancel_pending, core::UniqueFunction<void()> on_down) {
  if (shutting_down_) return;
  shutting_down_ = true;
  on_down_ = std::move(on_down);
  if (cancel_pending) {
    std::uint64_t id = 0;
    auto cancel = [&](std::uint64_t task) {
      Entry& e = table_[task];
      if (e.sub != nullptr) e.sub->cancel(e.index);
      e.state = State::done;
      settle(e);
    };
    while (!queue_.empty()) {
      Range r = queue_.front();
      queue_.pop_front();
      for (id = r.first; id < r.first + r.count; ++id) cancel(id);
    }
    cancel_blocks();
    queued_ = 0;
    for (int rank : worker_ranks_) {
      auto& pinned = workers_[static_cast<std::size_t>(rank)].pinned;
      for (std::uint64_t task : pinned) cancel(task);
      pinned.clear();
    }
    pinned_ = 0;
    trim();
  }
  check_drained();
}

void Scheduler::check_drained() {
  if (!shutting_down_ || stop_sent_ || queued_ + pinned_ > 0) return;
  if (inflight_ > 0) {
    // Only tasks whose futures already timed out are still out: they may
    // never come back, so waiting for them gets a deadline.
    if (inflight_ == timed_out_out_ && !shutdown_timer_)
      shutdown_timer_ = loop_.call_later(options_.shutdown_deadline, [this] {
        abort_job(std::to_string(timed_out_out_) + " timed-out task(s) still running " +
                      std::to_string(options_.shutdown_deadline.count()) + " ms after shutdown (stuck?): " +
                      stuck_list() + "; their ranks cannot stop cleanly",
                  exit_code::kShutdownTimeout);
      });
    return;
  }
  shutdown_timer_.cancel();
  stop_sent_ = true;
  acks_missing_ = static_cast<int>(worker_ranks_.size());
  for (int rank : worker_ranks_) send_(rank, encode_control(Control{ControlOp::stop, 0, kNoBatch, 0, {}}));
  shutdown_timer_ = loop_.call_later(options_.shutdown_deadline, [this] {
    std::string missing;
    for (int rank : worker_ranks_)
      if (!workers_[static_cast<std::size_t>(rank)].acked) missing += (missing.empty() ? "" : ", ") + std::to_string(rank);
    abort_job("worker rank(s) " + missing + " did not stop within the shutdown deadline of " +
                  std::to_string(options_.shutdown_deadline.count()) + " ms",
              exit_code::kShutdownTimeout);
  });
}

}  // namespace cohort::cluster::detail
