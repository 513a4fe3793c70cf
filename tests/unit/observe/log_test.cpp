#include <cohort/observe/log.hpp>

#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

using namespace cohort::observe;

namespace {

// Captures what this process writes to stderr while `fn` runs.
template <class Fn>
std::string capture(Fn fn) {
  int fds[2];
  EXPECT_EQ(::pipe(fds), 0);
  const int saved = ::dup(STDERR_FILENO);
  ::dup2(fds[1], STDERR_FILENO);
  fn();
  ::dup2(saved, STDERR_FILENO);
  ::close(saved);
  ::close(fds[1]);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  ::close(fds[0]);
  return out;
}

struct Restore {
  Level level = log_level();
  ~Restore() {
    set_log_level(level);
    set_log_identity(0, "main");
    set_log_all_ranks(false);
  }
};

}  // namespace

TEST(Log, ParsesLevels) {
  EXPECT_EQ(parse_level("trace"), Level::trace);
  EXPECT_EQ(parse_level("warn"), Level::warn);
  EXPECT_EQ(parse_level("warning"), Level::warn);
  EXPECT_EQ(parse_level("off"), Level::off);
  EXPECT_FALSE(parse_level("loud"));
  EXPECT_FALSE(parse_level(""));
  for (Level l : {Level::trace, Level::debug, Level::info, Level::warn, Level::error, Level::critical, Level::off})
    EXPECT_EQ(parse_level(to_string(l)), l);
}

TEST(Log, LinesCarryRankAndRole) {
  Restore restore;
  set_log_level(Level::info);
  set_log_identity(0, "scheduler");
  const std::string out = capture([] {
    log(Level::info, "hello");
    log(Level::warn, "careful");
    log(Level::debug, "hidden");
  });
  EXPECT_EQ(out, "[r0 scheduler] hello\n[r0 scheduler] warn: careful\n");
}

TEST(Log, OtherRanksPrintOnlyWhatIsWrongUnlessAskedForAll) {
  Restore restore;
  set_log_level(Level::debug);
  set_log_identity(3, "worker");
  EXPECT_FALSE(should_log(Level::info));
  EXPECT_TRUE(should_log(Level::warn));
  EXPECT_TRUE(should_log(Level::error));
  const std::string out = capture([] {
    log(Level::info, "chatty");
    log(Level::error, "broken");
  });
  EXPECT_EQ(out, "[r3 worker] error: broken\n");
  set_log_all_ranks(true);
  EXPECT_TRUE(should_log(Level::debug));
  EXPECT_FALSE(should_log(Level::trace));
}

TEST(Log, TheLevelStillAppliesToWarnings) {
  Restore restore;
  set_log_identity(2, "worker");
  set_log_level(Level::error);
  EXPECT_FALSE(should_log(Level::warn));
  set_log_level(Level::off);
  EXPECT_FALSE(should_log(Level::critical));
}

TEST(Log, FormattingIsLazy) {
  Restore restore;
  set_log_identity(0, "main");
  set_log_level(Level::warn);
  int built = 0;
  auto text = [&] {
    ++built;
    return std::string("x");
  };
  const std::string out = capture([&] {
    COHORT_LOG_DEBUG(text());
    COHORT_LOG_INFO(text());
  });
  EXPECT_EQ(built, 0);
  EXPECT_TRUE(out.empty());
  capture([&] { COHORT_LOG_WARN(text()); });
  EXPECT_EQ(built, 1);
}
