#include <cohort/observe/report.hpp>
#include <cohort/observe/trace.hpp>

#include "report_page.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <ctime>
#include <map>
#include <numeric>

namespace cohort::observe {
namespace {

using Json = nlohmann::ordered_json;

std::string html_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

/// Which task attempts the page embeds: all, or the slowest tenth of the cap
/// and an even sample of the rest.
std::vector<std::size_t> pick(const Recording& r, std::size_t cap) {
  std::vector<std::size_t> all(r.tasks.size());
  std::iota(all.begin(), all.end(), 0);
  if (all.size() <= cap) return all;
  auto length = [&](std::size_t i) { return r.tasks[i].end_ns - r.tasks[i].start_ns; };
  const std::size_t slow = cap / 10;
  std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(slow), all.end(),
                    [&](std::size_t a, std::size_t b) { return length(a) > length(b); });
  std::vector<std::size_t> out(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(slow));
  const std::size_t rest = all.size() - slow, want = cap - slow;
  for (std::size_t k = 0; k < want; ++k) out.push_back(all[slow + k * rest / want]);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

std::string report_html(const Recording& r, const RunStats& stats, const ReportOptions& options) {
  Json d;
  d["summary"] = Json::parse(stats_json(stats));
  {
    std::time_t now = std::time(nullptr);
    char b[64];
    std::strftime(b, sizeof b, "%Y-%m-%d %H:%M:%S", std::localtime(&now));
    d["generated"] = b;
  }
  d["names"] = r.names;
  // One row per pool thread of every worker, then any thread seen only in tasks.
  std::map<std::pair<int, int>, int> row_of;
  Json rows = Json::array();
  auto add_row = [&](int rank, int thread) {
    auto [it, fresh] = row_of.try_emplace({rank, thread}, static_cast<int>(rows.size()));
    if (!fresh) return it->second;
    auto w = r.workers.find(rank);
    const std::string host = w != r.workers.end() && !w->second.host.empty() ? " " + w->second.host : "";
    rows.push_back({{"rank", rank},
                    {"thread", thread},
                    {"label", "rank " + std::to_string(rank) + host + " · " +
                                  (thread < 0 ? std::string("thread ?") : "thread " + std::to_string(thread))}});
    return it->second;
  };
  for (const auto& [rank, w] : r.workers)
    for (std::uint32_t t = 0; t < w.threads; ++t) add_row(rank, static_cast<int>(t));
  const auto chosen = pick(r, std::max<std::size_t>(options.max_tasks, 10));
  std::vector<std::pair<int, int>> keys;
  for (std::size_t i : chosen) keys.emplace_back(r.tasks[i].rank, r.tasks[i].thread);
  std::sort(keys.begin(), keys.end());
  for (const auto& [rank, thread] : keys) add_row(rank, thread);
  Json row = Json::array(), start = Json::array(), dur = Json::array(), name = Json::array(), id = Json::array(),
       attempt = Json::array(), outcome = Json::array();
  for (std::size_t i : chosen) {
    const TaskSpan& t = r.tasks[i];
    const bool timed = t.start_ns >= 0;
    const std::int64_t s = timed ? t.start_ns : t.dispatch_ns;
    const std::int64_t e = timed ? t.end_ns : std::max(t.result_ns, t.dispatch_ns);
    row.push_back(row_of.at({t.rank, t.thread}));
    start.push_back(static_cast<double>(s) / 1e3);
    dur.push_back(static_cast<double>(std::max<std::int64_t>(e - s, 0)) / 1e3);
    name.push_back(t.name);
    id.push_back(t.id);
    attempt.push_back(t.attempt);
    outcome.push_back(t.outcome == TaskSpan::Outcome::ok        ? 0
                      : t.outcome == TaskSpan::Outcome::failed  ? 1
                      : t.outcome == TaskSpan::Outcome::retried ? 2
                                                                : 3);
  }
  d["rows"] = std::move(rows);
  d["tasks"] = {{"row", row}, {"start", start}, {"dur", dur}, {"name", name}, {"id", id}, {"attempt", attempt},
                {"outcome", outcome}};
  d["shown"] = chosen.size();
  d["attempts"] = r.tasks.size();
  // The timeline shows the run's work: from its beginning (or an earlier
  // task) to its end, not the runtime's start-up before it.
  std::int64_t t0 = r.begin_ns;
  for (std::size_t i : chosen) {
    const TaskSpan& t = r.tasks[i];
    t0 = std::min(t0, t.start_ns >= 0 ? t.start_ns : t.dispatch_ns);
  }
  t0 = std::max<std::int64_t>(t0, 0);
  d["t0_us"] = static_cast<double>(t0) / 1e3;
  d["wall_us"] = static_cast<double>(r.end_ns) / 1e3;
  Json phases = Json::array();
  for (const PhaseSpan& p : r.phases)
    phases.push_back({{"name", p.name + (p.round > 0 ? " #" + std::to_string(p.round) : "")},
                      {"begin_us", static_cast<double>(p.begin_ns) / 1e3},
                      {"end_us", static_cast<double>(p.end_ns) / 1e3}});
  d["phases"] = std::move(phases);

  // "</" inside the JSON would end the <script> element early.
  std::string data = d.dump(-1, ' ', false, Json::error_handler_t::replace);
  for (std::size_t at = data.find("</"); at != std::string::npos; at = data.find("</", at + 3)) data.insert(at + 1, "\\");

  const std::string title = html_escape(options.title.empty() ? "Cohort run: " + (r.job.empty() ? "tasks" : r.job)
                                                              : options.title);
  std::string head = detail::kReportHead;
  for (std::size_t at = head.find("@TITLE@"); at != std::string::npos; at = head.find("@TITLE@", at + title.size()))
    head.replace(at, 7, title);
  return head + data + detail::kReportTail;
}

void write_report(const Recording& recording, const RunStats& stats, const std::filesystem::path& path,
                  const ReportOptions& options) {
  write_file_atomically(path, report_html(recording, stats, options));
}

}  // namespace cohort::observe
