#include <cohort/wire/registry.hpp>

#include <cxxabi.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <typeinfo>

namespace cohort::wire {

std::int64_t steady_now_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

namespace detail {

std::string where(const TaskRecord& task, const InvokeContext& ctx) {
  return "task '" + std::string(task.name) + "' (id " + std::to_string(task.id) + ", attempt " +
         std::to_string(task.attempt) + ") on rank " + std::to_string(ctx.rank);
}

std::string demangle(const char* mangled) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> out(abi::__cxa_demangle(mangled, nullptr, nullptr, &status), std::free);
  std::string s = (status == 0 && out) ? std::string(out.get()) : std::string(mangled);
  // The one spelling users recognise.
  static constexpr std::string_view kLong = "std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >";
  for (auto at = s.find(kLong); at != std::string::npos; at = s.find(kLong, at)) s.replace(at, kLong.size(), "std::string");
  for (auto at = s.find("std::__cxx11::"); at != std::string::npos; at = s.find("std::__cxx11::", at)) {
    s.erase(at + 5, 9);
  }
  return s;
}

namespace {
// Inside a catch block: the demangled type and the message of the exception being handled.
void describe_current_exception(std::string& type, std::string& message) {
  type = "unknown";
  if (const std::type_info* t = abi::__cxa_current_exception_type()) type = demangle(t->name());
  try {
    throw;
  } catch (const std::exception& e) {
    message += e.what();
  } catch (...) {
    message += "(an exception that is not a std::exception)";
  }
}
}  // namespace

void record_current_exception(ResultBatchWriter& out, const TaskRecord& task, const InvokeContext&,
                              std::int64_t start_ns, std::int64_t end_ns, std::string_view phase) {
  std::string type;
  std::string message(phase);
  describe_current_exception(type, message);
  out.add_error(task.id, task.attempt, Errc::remote_error, type, message, start_ns, end_ns);
}

ArrayError array_error_of_current_exception(std::uint32_t index) {
  ArrayError e;
  e.index = index;
  e.status = Errc::remote_error;
  describe_current_exception(e.type, e.message);
  return e;
}

void record_decode_error(ResultBatchWriter& out, const TaskRecord& task, const InvokeContext& ctx,
                         const DecodeError& error) {
  out.add_error(task.id, task.attempt, Errc::decode_error, "cohort::DecodeError",
                where(task, ctx) + ": cannot decode its arguments: " + error.what());
}

}  // namespace detail

Registry::Invoker::~Invoker() = default;

// The general path: each task through run() into a one-record batch, whose
// record is then copied into the array (value bytes or error).
void Registry::Invoker::run_array(const TaskArray& tasks, std::size_t begin, std::size_t end,
                                  std::span<std::byte> values, std::vector<ArrayError>& errors,
                                  const InvokeContext& ctx) const {
  ResultBatchWriter scratch;
  for (std::size_t i = begin; i < end; ++i) {
    const TaskRecord task{tasks.id_of(i), tasks.attempt, tasks.name, tasks.args_of(i)};
    run(task, scratch, ctx);
    const ResultBatch one = ResultBatch::decode(scratch.finish(0), ctx.rank);
    const auto index = static_cast<std::uint32_t>(i);
    if (one.size() != 1) {
      errors.push_back({index, Errc::invalid_state, "cohort::Error",
                        detail::where(task, ctx) + ": its invoker wrote " + std::to_string(one.size()) +
                            " records instead of one"});
      continue;
    }
    const ResultRecord& r = one[0];
    if (!r.ok()) {
      errors.push_back({index, r.status, std::string(r.error_type), std::string(r.error_message)});
    } else if (r.value.size() != tasks.result_size) {
      errors.push_back({index, Errc::decode_error, "cohort::DecodeError",
                        detail::where(task, ctx) + ": its result is " + std::to_string(r.value.size()) +
                            " bytes, the caller expects " + std::to_string(tasks.result_size) +
                            " (do both sides agree on the result type?)"});
    } else if (!r.value.empty()) {
      std::memcpy(values.data() + i * tasks.result_size, r.value.data(), r.value.size());
    }
  }
}

Registry::Registry() = default;
Registry::~Registry() = default;
Registry::Registry(Registry&&) noexcept = default;
Registry& Registry::operator=(Registry&&) noexcept = default;

void Registry::add_invoker(std::string name, std::unique_ptr<Invoker> invoker) {
  if (name.empty()) throw Error(Errc::invalid_argument, "Registry::add: a task name must not be empty");
  if (name.size() > kMaxTaskNameBytes) {
    throw Error(Errc::invalid_argument, "Registry::add: task name '" + name.substr(0, 40) + "...' is " +
                                            std::to_string(name.size()) + " bytes, over the limit of " +
                                            std::to_string(kMaxTaskNameBytes));
  }
  if (!invoker) throw Error(Errc::invalid_argument, "Registry::add: null invoker for task '" + name + "'");
  if (entries_.contains(name)) {
    throw Error(Errc::invalid_argument, "Registry::add: a task named '" + name + "' is already registered (" +
                                            entries_.find(name)->second->signature() + ")");
  }
  entries_.emplace(std::move(name), std::move(invoker));
}

bool Registry::contains(std::string_view name) const { return entries_.find(name) != entries_.end(); }

std::vector<std::string> Registry::names() const {
  std::vector<std::string> out;
  out.reserve(entries_.size());
  for (const auto& [name, invoker] : entries_) out.push_back(name);
  std::sort(out.begin(), out.end());
  return out;
}

const Registry::Invoker* Registry::find(std::string_view name) const {
  auto it = entries_.find(name);
  return it == entries_.end() ? nullptr : it->second.get();
}

void Registry::invoke(const TaskRecord& task, ResultBatchWriter& out, const InvokeContext& ctx) const {
  if (const Invoker* invoker = find(task.name)) {
    invoker->run(task, out, ctx);
    return;
  }
  out.add_error(task.id, task.attempt, Errc::unknown_task, "cohort::Error",
                "no task named '" + std::string(task.name) + "' is registered on rank " + std::to_string(ctx.rank) +
                    " (task id " + std::to_string(task.id) + "); registered: " + std::to_string(entries_.size()) +
                    " tasks");
}

void Registry::invoke_array(const TaskArray& tasks, std::size_t begin, std::size_t end, std::span<std::byte> values,
                            std::vector<ArrayError>& errors, const InvokeContext& ctx) const {
  if (const Invoker* invoker = find(tasks.name)) {
    invoker->run_array(tasks, begin, end, values, errors, ctx);
    return;
  }
  for (std::size_t i = begin; i < end; ++i) {
    errors.push_back({static_cast<std::uint32_t>(i), Errc::unknown_task, "cohort::Error",
                      "no task named '" + std::string(tasks.name) + "' is registered on rank " +
                          std::to_string(ctx.rank) + " (task id " + std::to_string(tasks.id_of(i)) +
                          "); registered: " + std::to_string(entries_.size()) + " tasks"});
  }
}

void Registry::invoke_all(const TaskBatch& batch, ResultBatchWriter& out, const InvokeContext& ctx) const {
  InvokeContext c = ctx;
  c.source_rank = batch.source_rank();
  // Consecutive tasks usually share a name: look it up once per run of names.
  std::string_view last_name;
  const Invoker* last = nullptr;
  for (const TaskRecord& task : batch.tasks()) {
    if (last == nullptr || task.name.data() != last_name.data()) {
      last_name = task.name;
      last = find(task.name);
    }
    if (last) {
      last->run(task, out, c);
    } else {
      invoke(task, out, c);
    }
  }
}

}  // namespace cohort::wire
