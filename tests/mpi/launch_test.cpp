// detect_launch / launch_mismatch: the self-check that catches N copies
// launched as worlds of one. Pure functions over a fake environment.
#include <cohort/cluster/launch.hpp>

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace {

using cohort::cluster::detect_launch;
using cohort::cluster::launch_mismatch;

cohort::cluster::EnvLookup fake(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
}

TEST(Launch, NothingSetIsOneTask) {
  auto info = detect_launch(fake({}));
  EXPECT_EQ(info.launcher, "none");
  EXPECT_EQ(info.tasks, 1);
  EXPECT_FALSE(launch_mismatch(info, 1));
}

TEST(Launch, MpirunSizeIsTrustedFirst) {
  auto info = detect_launch(fake({{"OMPI_COMM_WORLD_SIZE", "4"}, {"SLURM_NTASKS", "8"}, {"SLURM_STEP_ID", "0"}}));
  EXPECT_EQ(info.launcher, "mpirun");
  EXPECT_EQ(info.tasks, 4);
  EXPECT_FALSE(launch_mismatch(info, 4));
  auto msg = launch_mismatch(info, 1);
  ASSERT_TRUE(msg);
  EXPECT_NE(msg->find("OMPI_COMM_WORLD_SIZE=4"), std::string::npos) << *msg;
  EXPECT_NE(msg->find("launched 4 times"), std::string::npos) << *msg;
}

TEST(Launch, PlainSrunStepIsCaught) {
  auto info = detect_launch(fake({{"SLURM_STEP_ID", "0"}, {"SLURM_NTASKS", "3"}}));
  EXPECT_EQ(info.tasks, 3);
  auto msg = launch_mismatch(info, 1);
  ASSERT_TRUE(msg);
  EXPECT_NE(msg->find("SLURM_NTASKS=3"), std::string::npos) << *msg;
  EXPECT_NE(msg->find("srun --mpi=pmix"), std::string::npos) << *msg;
}

TEST(Launch, StepTaskCountBeatsJobTaskCount) {
  auto info = detect_launch(fake({{"SLURM_STEP_ID", "2"}, {"SLURM_NTASKS", "8"}, {"SLURM_STEP_NUM_TASKS", "1"}}));
  EXPECT_EQ(info.tasks, 1);
  EXPECT_FALSE(launch_mismatch(info, 1));
}

TEST(Launch, BatchScriptIsNotAStep) {
  auto info = detect_launch(fake({{"SLURM_STEP_ID", "batch"}, {"SLURM_NTASKS", "4"}}));
  EXPECT_EQ(info.tasks, 1);
  EXPECT_FALSE(launch_mismatch(info, 1));
}

TEST(Launch, PmixAndPmiSizes) {
  auto pmix = detect_launch(fake({{"PMIX_RANK", "0"}, {"SLURM_STEP_ID", "0"}, {"SLURM_STEP_NUM_TASKS", "2"}}));
  EXPECT_EQ(pmix.launcher, "srun --mpi=pmix");
  EXPECT_EQ(pmix.tasks, 2);
  EXPECT_FALSE(launch_mismatch(pmix, 2));
  auto pmi = detect_launch(fake({{"PMI_SIZE", "5"}}));
  EXPECT_EQ(pmi.tasks, 5);
  auto msg = launch_mismatch(pmi, 1);
  ASSERT_TRUE(msg);
  EXPECT_NE(msg->find("PMI_SIZE=5"), std::string::npos) << *msg;
}

TEST(Launch, PlainSrunIsCaughtBeforeMpiInitWithOpenMpiOnly) {
  auto plain = detect_launch(fake({{"SLURM_STEP_ID", "0"}, {"SLURM_STEP_NUM_TASKS", "2"}, {"SLURM_NTASKS", "2"}}));
  auto msg = cohort::cluster::launch_problem_before_init(plain, true);
  ASSERT_TRUE(msg);
  EXPECT_NE(msg->find("SLURM_STEP_NUM_TASKS=2"), std::string::npos) << *msg;
  EXPECT_NE(msg->find("srun --mpi=pmix"), std::string::npos) << *msg;
  EXPECT_FALSE(cohort::cluster::launch_problem_before_init(plain, false));  // MPICH may wire up from Slurm
  auto pmix = detect_launch(fake({{"SLURM_STEP_ID", "0"}, {"SLURM_STEP_NUM_TASKS", "2"}, {"PMIX_RANK", "1"}}));
  EXPECT_FALSE(cohort::cluster::launch_problem_before_init(pmix, true));
  auto one = detect_launch(fake({{"SLURM_STEP_ID", "0"}, {"SLURM_STEP_NUM_TASKS", "1"}}));
  EXPECT_FALSE(cohort::cluster::launch_problem_before_init(one, true));
}

TEST(Launch, GarbageCountsAreIgnored) {
  auto info = detect_launch(fake({{"OMPI_COMM_WORLD_SIZE", "four"}, {"PMI_SIZE", "-3"}}));
  EXPECT_EQ(info.tasks, 1);
}

TEST(Launch, AffinityListsAtLeastOneCpu) {
  std::string cpus = cohort::cluster::affinity_string();
  EXPECT_FALSE(cpus.empty());
  EXPECT_NE(cpus, "none");
  EXPECT_NE(cpus, "unknown");
}

}  // namespace
