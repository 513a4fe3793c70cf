#include <cohort/observe/stats.hpp>
#include <cohort/observe/trace.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

namespace cohort::observe {
namespace {

double seconds(std::int64_t ns) { return static_cast<double>(ns) / 1e9; }

double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const double pos = p * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - static_cast<double>(lo));
}

std::string fixed(double v, int digits) {
  char b[64];
  std::snprintf(b, sizeof b, "%.*f", digits, v);
  return b;
}

std::string duration(double s) {
  if (s < 1e-3) return fixed(s * 1e6, 0) + " us";
  if (s < 1) return fixed(s * 1e3, 1) + " ms";
  return fixed(s, s < 100 ? 2 : 0) + " s";
}

}  // namespace

RunStats compute_stats(const Recording& r) {
  RunStats s;
  s.job = r.job;
  s.ranks = r.world_size;
  s.wall_seconds = seconds(std::max<std::int64_t>(r.end_ns - r.begin_ns, 0));
  s.tasks = r.queued;
  s.failed = r.failed;
  s.retries = r.retries;
  std::map<int, RankStats> ranks;
  for (const auto& [rank, w] : r.workers) {
    RankStats& rs = ranks[rank];
    rs.rank = rank;
    rs.host = w.host;
    rs.threads = w.threads;
    rs.tasks = w.tasks;
    rs.clock_offset_ns = w.clock_offset_ns;
    rs.clock_rtt_ns = w.clock_rtt_ns;
    if (w.threads > 0) ++s.workers;
    s.threads += w.threads;
  }
  std::vector<double> durations;
  durations.reserve(r.tasks.size());
  double busy_total = 0;
  for (const TaskSpan& t : r.tasks) {
    s.bytes_in += t.bytes_in;
    s.bytes_out += t.bytes_out;
    if (t.start_ns < 0) continue;
    const double d = seconds(t.end_ns - t.start_ns);
    durations.push_back(d);
    busy_total += d;
    ranks[t.rank].busy_seconds += d;
  }
  // Every attempt that came back was a success, a final failure or a retry.
  std::uint64_t attempts = 0;
  for (const auto& [rank, w] : r.workers) attempts += w.tasks;
  s.succeeded = attempts >= s.failed + s.retries ? attempts - s.failed - s.retries : 0;
  for (const BatchSpan& b : r.batches)
    if (b.kind == EventKind::task_batch_sent) ++s.batches;
  const double finished = static_cast<double>(s.succeeded + s.failed);
  s.throughput = s.wall_seconds > 0 ? finished / s.wall_seconds : 0;
  s.timed = !durations.empty();
  if (s.timed) {
    std::sort(durations.begin(), durations.end());
    s.task_p50 = percentile(durations, 0.5);
    s.task_p90 = percentile(durations, 0.9);
    s.task_p99 = percentile(durations, 0.99);
    s.task_max = durations.back();
    s.task_mean = busy_total / static_cast<double>(durations.size());
    if (s.threads > 0 && s.wall_seconds > 0) s.utilization = busy_total / (s.threads * s.wall_seconds);
  }
  for (auto& [rank, rs] : ranks) {
    if (rs.threads > 0 && s.wall_seconds > 0) rs.utilization = rs.busy_seconds / (rs.threads * s.wall_seconds);
    s.per_rank.push_back(rs);
  }
  for (const PhaseSpan& p : r.phases) s.phases.push_back({p.name, p.round, seconds(p.end_ns - p.begin_ns)});
  return s;
}

std::string format_summary(const RunStats& s) {
  std::string out = "cohort: " + (s.job.empty() ? std::string("run") : s.job) + ": " + std::to_string(s.tasks) +
                    " task(s) on " + std::to_string(s.workers) + " worker(s) x " +
                    (s.workers > 0 ? std::to_string(s.threads / static_cast<std::uint32_t>(s.workers)) : "0") +
                    " thread(s) in " + duration(s.wall_seconds) + " (" + fixed(s.throughput, 1) + " tasks/s); " +
                    std::to_string(s.failed) + " failed, " + std::to_string(s.retries) + " retried";
  if (s.timed) out += "; busy " + fixed(100 * s.utilization, 0) + "%";
  out += "\n";
  if (s.timed) {
    out += "cohort: task time p50 " + duration(s.task_p50) + ", p90 " + duration(s.task_p90) + ", max " +
           duration(s.task_max);
    if (!s.phases.empty()) {
      out += "; phases";
      for (const auto& p : s.phases)
        out += " " + p.name + (p.round > 0 ? "#" + std::to_string(p.round) : "") + " " + duration(p.seconds);
    }
    out += "\n";
  }
  return out;
}

std::string stats_json(const RunStats& s) {
  nlohmann::ordered_json j;
  j["job"] = s.job;
  j["ranks"] = s.ranks;
  j["workers"] = s.workers;
  j["threads"] = s.threads;
  j["wall_seconds"] = s.wall_seconds;
  j["tasks"] = s.tasks;
  j["succeeded"] = s.succeeded;
  j["failed"] = s.failed;
  j["retries"] = s.retries;
  j["throughput"] = s.throughput;
  j["utilization"] = s.utilization;
  j["timed"] = s.timed;
  j["task_seconds"] = {{"mean", s.task_mean}, {"p50", s.task_p50}, {"p90", s.task_p90}, {"p99", s.task_p99},
                       {"max", s.task_max}};
  j["bytes_in"] = s.bytes_in;
  j["bytes_out"] = s.bytes_out;
  j["batches"] = s.batches;
  auto& ranks = j["per_rank"] = nlohmann::ordered_json::array();
  for (const RankStats& r : s.per_rank)
    ranks.push_back({{"rank", r.rank},
                     {"host", r.host},
                     {"threads", r.threads},
                     {"tasks", r.tasks},
                     {"busy_seconds", r.busy_seconds},
                     {"utilization", r.utilization},
                     {"clock_offset_ns", r.clock_offset_ns},
                     {"clock_rtt_ns", r.clock_rtt_ns}});
  auto& phases = j["phases"] = nlohmann::ordered_json::array();
  for (const auto& p : s.phases) phases.push_back({{"name", p.name}, {"round", p.round}, {"seconds", p.seconds}});
  return j.dump(2) + "\n";
}

void write_stats(const RunStats& stats, const std::filesystem::path& path) {
  write_file_atomically(path, stats_json(stats));
}

}  // namespace cohort::observe
