// A ClusterExecutor program that misbehaves on purpose, one way per mode, so
// CTest can check what a user sees when things go wrong (tests/fault/CMakeLists.txt):
//
//   fault_probe garbage KIND   every worker sends KIND of garbage to rank 0, rank 0
//                              to every worker (alone: to itself); then a map must
//                              still work. KIND: bad_magic, truncated,
//                              length_past_buffer, length_2_63, bad_payload.
//   fault_probe unknown_task   submits a task nobody registered, then a map.
//   fault_probe throw          a map where one input throws, then another map.
//   fault_probe hang           a task that never returns (timeout 300 ms), then a
//                              map; shutdown then finds it still running.
//   fault_probe hang_array     the same, the task sent in a columnar map.
//   fault_probe segv|abort     a task that segfaults / calls abort() on a worker.
//   fault_probe segv_array     the same inside a columnar map (task array).
//   fault_probe kill_root PIDFILE   keeps the workers busy, writes rank 0's pid
//                              to PIDFILE and waits (the test kills rank 0 with SIGKILL).
//
// Rank 0 prints what it observes as "fault_probe: ..." lines on stderr.
#include <cohort/cluster/cluster_executor.hpp>
#include <cohort/cluster/exit_codes.hpp>
#include <cohort/core/error.hpp>
#include <cohort/wire/envelope.hpp>
#include <cohort/wire/registry.hpp>

#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <numeric>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

using cohort::cluster::ClusterExecutor;
using cohort::cluster::ClusterOptions;
using cohort::cluster::TaskPolicy;
namespace wire = cohort::wire;

void say(const std::string& line) { std::fprintf(stderr, "fault_probe: %s\n", line.c_str()); }

[[noreturn]] void crash(int how) {
  if (how == 1) std::abort();
  volatile std::uintptr_t bad = 8;  // an address nobody maps
  *reinterpret_cast<volatile int*>(bad) = 1;
  std::abort();  // not reached
}

const wire::Registry& registry() {
  static const wire::Registry r = [] {
    wire::Registry reg;
    reg.add("square", [](std::int64_t x) { return x * x; });
    reg.add("fail_at", [](int x) -> int {
      if (x == 37) throw std::out_of_range("probe: input 37 is bad");
      return x;
    });
    reg.add("hang", [](int) -> int {
      for (;;) ::pause();  // stuck in user code, as a deadlocked task would be
    });
    reg.add("crash", [](int how) -> int { crash(how); });
    reg.add("crash_at", [](int x) -> int {
      if (x == 3) crash(0);
      return x;
    });
    reg.add("nap_ms", [](int ms) {
      std::this_thread::sleep_for(std::chrono::milliseconds(ms));
      return ms;
    });
    return reg;
  }();
  return r;
}

// A well-formed control message with nothing in it, to damage.
std::vector<std::byte> garbage(std::string_view kind, bool to_root) {
  const std::vector<std::byte> junk{std::byte{0xde}, std::byte{0xad}, std::byte{0xbe}, std::byte{0xef},
                                    std::byte{0x01}, std::byte{0x02}, std::byte{0x03}};
  wire::EnvelopeHeader h;
  h.kind = wire::MessageKind::control;
  h.batch_id = ~std::uint64_t{0};  // no batch of ours
  if (kind == "bad_payload") {  // a sound envelope around a payload that does not decode
    h.kind = to_root ? wire::MessageKind::result_batch : wire::MessageKind::task_batch;
    return wire::encode_envelope(h, junk);
  }
  std::vector<std::byte> m = wire::encode_envelope(h, junk);
  if (kind == "bad_magic") {
    m[0] = std::byte{'X'};
  } else if (kind == "truncated") {
    m.resize(wire::kHeaderSize / 2);
  } else if (kind == "length_past_buffer" || kind == "length_2_63") {
    h.payload_size = kind == "length_2_63" ? std::uint64_t{1} << 63 : junk.size() + 100;
    wire::write_envelope_header(m, h);  // a valid checksum over the lying length
  } else {
    throw std::invalid_argument("fault_probe: unknown garbage kind '" + std::string(kind) + "'");
  }
  return m;
}

bool map_works(ClusterExecutor& ex) {
  std::vector<std::int64_t> in(100);
  std::iota(in.begin(), in.end(), 0);
  const std::vector<std::int64_t> out = ex.map<std::int64_t>("square", in).get();
  for (std::size_t i = 0; i < in.size(); ++i)
    if (out[i] != in[i] * in[i]) return false;
  say("a map of 100 tasks after that: all results right");
  return true;
}

// Waits (bounded) until every worker's garbage and its report of rank 0's
// garbage are in: a worker queues its garbage as it starts, which on an
// oversubscribed node can be after rank 0's map, and a stop would overtake it.
void wait_for_every_worker(ClusterExecutor& ex) {
  const auto all_in = [&ex] {
    const std::vector<std::string> errors = ex.protocol_errors();
    for (int w = 1; w < ex.size(); ++w) {
      const std::string from = "from rank " + std::to_string(w) + ":";
      const std::string report = "rank " + std::to_string(w) + " (";
      bool sent = false, reported = false;
      for (const std::string& e : errors) {
        sent = sent || e.find(from) != std::string::npos;
        reported = reported || e.rfind(report, 0) == 0;
      }
      if (!sent || !reported) return false;
    }
    return true;
  };
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!all_in() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));  // polling a condition, not ordering events
  }
}

int run_root(ClusterExecutor& ex, std::string_view mode, int argc, char** argv) {
  if (mode == "garbage") {
    for (int w = 1; w < ex.size(); ++w) ex.send_raw(w, garbage(argv[2], false));
    if (ex.size() == 1) ex.send_raw(0, garbage(argv[2], true));
    if (!map_works(ex)) return 100;
    wait_for_every_worker(ex);
    ex.shutdown();
    for (const std::string& e : ex.protocol_errors()) say("protocol error: " + e);
  } else if (mode == "unknown_task") {
    try {
      ex.submit<int>("no_such_task", 1).get();
      say("no error for an unknown task");
      return 100;
    } catch (const cohort::Error& e) {
      say(std::string("task failed: ") + e.what());
    }
    if (!map_works(ex)) return 100;
  } else if (mode == "throw") {
    std::vector<int> in(100);
    std::iota(in.begin(), in.end(), 0);
    auto futures = ex.map_unordered<int>("fail_at", in);
    int ok = 0;
    for (auto& f : futures) {
      try {
        f.get();
        ++ok;
      } catch (const cohort::RemoteError& e) {
        say(std::string("task failed: ") + e.what());
      }
    }
    say(std::to_string(ok) + " of 100 tasks succeeded");
    if (!map_works(ex)) return 100;
  } else if (mode == "hang" || mode == "hang_array") {
    const TaskPolicy policy{0, std::chrono::milliseconds(300)};
    try {
      if (mode == "hang") {
        ex.submit_with<int>(policy, "hang", 0).get();
      } else {
        ex.map<int>("hang", std::vector<int>{0}, policy).get();  // a columnar task array
      }
      return 100;
    } catch (const cohort::TimeoutError& e) {
      say(std::string("task failed: ") + e.what());
    }
    if (!map_works(ex)) return 100;
    say("shutting down with the hung task still running");
  } else if (mode == "segv" || mode == "abort") {
    ex.submit<int>("crash", mode == "abort" ? 1 : 0).get();
    return 100;  // not reached: the job is aborted
  } else if (mode == "segv_array") {
    std::vector<int> in(1000);  // enough for chunks of several tasks on the worker
    std::iota(in.begin(), in.end(), 0);
    ex.map<int>("crash_at", in).get();
    return 100;
  } else if (mode == "kill_root") {
    if (argc < 3) throw std::invalid_argument("fault_probe kill_root PIDFILE");
    auto busy = ex.map<int>("nap_ms", std::vector<int>(10'000, 50));
    {
      const std::string tmp = std::string(argv[2]) + ".tmp";
      std::ofstream(tmp) << ::getpid() << '\n';
      std::rename(tmp.c_str(), argv[2]);  // whole or absent
    }
    say("rank 0 (pid " + std::to_string(::getpid()) + ") is waiting for its SIGKILL");
    busy.get();
    return 100;  // not reached in the test
  } else {
    throw std::invalid_argument("fault_probe: unknown mode '" + std::string(mode) + "'");
  }
  const int rc = ex.serve();
  say("exit code " + std::to_string(rc));
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string_view mode = argc > 1 ? argv[1] : "";
  if (mode.empty() || (mode == "garbage" && argc < 3)) {
    std::fprintf(stderr, "usage: fault_probe MODE [ARG] (see the source)\n");
    return cohort::cluster::exit_code::kUsage;
  }
  ClusterOptions options;
  options.threads = 2;
  options.shutdown_deadline = std::chrono::milliseconds(2000);
  ClusterExecutor ex(registry(), options);
  if (!ex.is_root()) {
    if (mode == "garbage") ex.send_raw(0, garbage(argv[2], true));
    return ex.serve();
  }
  return run_root(ex, mode, argc, argv);
}
