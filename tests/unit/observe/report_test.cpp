#include <cohort/observe/report.hpp>

#include "synthetic_run.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <regex>

using namespace cohort::observe;

namespace {

struct Page {
  std::string html;
  nlohmann::json data;
};

Page page(const std::string& job, ReportOptions o = {}) {
  Recorder rec;
  test::feed_synthetic_run(rec, now_ns() + test::kMs);
  Recording r = rec.finish();
  r.job = job;
  Page p;
  p.html = report_html(r, compute_stats(r), o);
  const std::string open = "<script type=\"application/json\" id=\"cohort-data\">";
  const auto a = p.html.find(open);
  const auto b = p.html.find("</script>", a);
  EXPECT_NE(a, std::string::npos);
  EXPECT_NE(b, std::string::npos);
  p.data = nlohmann::json::parse(p.html.substr(a + open.size(), b - a - open.size()));
  return p;
}

}  // namespace

TEST(Report, IsOneSelfContainedPage) {
  const Page p = page("demo");
  EXPECT_EQ(p.html.rfind("<!DOCTYPE html>", 0), 0u);
  // Nothing is fetched: no external scripts, styles, fonts, images or frames.
  for (const char* bad : {"<link", "src=", "href=", "url(", "@import", "<iframe", "<img", "fetch(", "XMLHttpRequest"})
    EXPECT_EQ(p.html.find(bad), std::string::npos) << bad;
  // The only URL is the SVG namespace (a name, never requested).
  const std::regex url(R"(https?://[^"'\s)]+)");
  for (auto it = std::sregex_iterator(p.html.begin(), p.html.end(), url); it != std::sregex_iterator(); ++it)
    EXPECT_EQ(it->str(), "http://www.w3.org/2000/svg");
  EXPECT_NE(p.html.find("<title>Cohort run: demo</title>"), std::string::npos);
}

TEST(Report, EmbedsOneRowPerWorkerThreadAndEveryAttempt) {
  const Page p = page("demo");
  const auto& d = p.data;
  EXPECT_EQ(d["summary"]["tasks"], 6);
  EXPECT_EQ(d["summary"]["failed"], 1);
  ASSERT_EQ(d["rows"].size(), 4u);  // 2 workers x 2 threads
  EXPECT_EQ(d["rows"][0]["rank"], 1);
  EXPECT_EQ(d["rows"][0]["thread"], 0);
  EXPECT_EQ(d["shown"], 7);
  EXPECT_EQ(d["attempts"], 7);
  EXPECT_EQ(d["tasks"]["row"].size(), 7u);
  EXPECT_EQ(d["names"], nlohmann::json({"square", "cube"}));
  // Outcomes: 0 ok, 1 failed, 2 retried.
  int failed = 0, retried = 0;
  for (const auto& o : d["tasks"]["outcome"]) failed += o == 1, retried += o == 2;
  EXPECT_EQ(failed, 1);
  EXPECT_EQ(retried, 1);
  EXPECT_EQ(d["phases"].size(), 1u);
}

TEST(Report, TextThatLooksLikeMarkupStaysText) {
  const Page p = page("</script><b>x");
  EXPECT_EQ(p.data["summary"]["job"], "</script><b>x");
  EXPECT_NE(p.html.find("<title>Cohort run: &lt;/script&gt;&lt;b&gt;x</title>"), std::string::npos);
  // Exactly the two script elements of the page.
  std::size_t closes = 0;
  for (auto at = p.html.find("</script>"); at != std::string::npos; at = p.html.find("</script>", at + 1)) ++closes;
  EXPECT_EQ(closes, 2u);
}

TEST(Report, CapsTheTasksItEmbedsButKeepsTheSlowest) {
  Recorder rec;
  const std::int64_t t0 = now_ns() + test::kMs;
  Event e;
  e.kind = EventKind::worker_joined, e.peer = 1, e.count = 1, e.name = "h";
  rec.on_event(e);
  for (std::uint64_t id = 0; id < 1000; ++id) {
    e = Event{};
    e.kind = EventKind::task_dispatched, e.id = id, e.peer = 1, e.name = "t", e.time_ns = t0;
    rec.on_event(e);
    e.kind = EventKind::task_finished, e.start_ns = t0 + static_cast<std::int64_t>(id) * 1000;
    e.end_ns = e.start_ns + (id == 777 ? 5'000'000 : 1000);
    rec.on_event(e);
  }
  Recording r = rec.finish();
  const std::string html = report_html(r, compute_stats(r), {.max_tasks = 100, .title = "capped"});
  const auto a = html.find("id=\"cohort-data\">") + 17;
  const auto d = nlohmann::json::parse(html.substr(a, html.find("</script>", a) - a));
  EXPECT_EQ(d["shown"], 100);
  EXPECT_EQ(d["attempts"], 1000);
  bool slowest = false;
  for (const auto& id : d["tasks"]["id"]) slowest |= id == 777;
  EXPECT_TRUE(slowest);
  EXPECT_NE(html.find("<title>capped</title>"), std::string::npos);
}
