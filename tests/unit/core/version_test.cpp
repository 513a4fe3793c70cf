#include <cohort/core/version.hpp>

#include <gtest/gtest.h>

#include <string>

TEST(Version, MatchesTheProjectVersion) {
  EXPECT_EQ(std::string(cohort::core::version()), COHORT_EXPECTED_VERSION);
}
