#include <cohort/core/cpu.hpp>

#include <gtest/gtest.h>

using cohort::core::ThreadCountInputs;
using cohort::core::ThreadCountSource;
using cohort::core::resolve_thread_count;

TEST(ThreadCount, ARequestWinsOverEverything) {
  ThreadCountInputs in;
  in.requested = 3;
  in.affinity_cpus = 8;
  in.slurm_cpus_per_task = "4";
  in.omp_num_threads = "2";
  in.hardware_concurrency = 16;
  auto tc = resolve_thread_count(in);
  EXPECT_EQ(tc.count, 3u);
  EXPECT_EQ(tc.source, ThreadCountSource::requested);
}

TEST(ThreadCount, AffinityBeatsTheEnvironment) {
  ThreadCountInputs in;
  in.affinity_cpus = 6;
  in.slurm_cpus_per_task = "4";
  in.omp_num_threads = "2";
  in.hardware_concurrency = 16;
  auto tc = resolve_thread_count(in);
  EXPECT_EQ(tc.count, 6u);
  EXPECT_EQ(tc.source, ThreadCountSource::affinity);
}

TEST(ThreadCount, WithoutAffinitySlurmThenOmpThenHardware) {
  ThreadCountInputs in;
  in.slurm_cpus_per_task = "4";
  in.omp_num_threads = "2";
  in.hardware_concurrency = 16;
  EXPECT_EQ(resolve_thread_count(in).count, 4u);
  EXPECT_EQ(resolve_thread_count(in).source, ThreadCountSource::slurm_cpus_per_task);
  in.slurm_cpus_per_task.reset();
  EXPECT_EQ(resolve_thread_count(in).count, 2u);
  EXPECT_EQ(resolve_thread_count(in).source, ThreadCountSource::omp_num_threads);
  in.omp_num_threads.reset();
  EXPECT_EQ(resolve_thread_count(in).count, 16u);
  EXPECT_EQ(resolve_thread_count(in).source, ThreadCountSource::hardware);
  in.hardware_concurrency = 0;
  EXPECT_EQ(resolve_thread_count(in).count, 1u);
  EXPECT_EQ(resolve_thread_count(in).source, ThreadCountSource::fallback);
}

TEST(ThreadCount, MalformedEnvironmentValuesAreSkipped) {
  ThreadCountInputs in;
  in.affinity_cpus = 0;  // an empty mask says nothing
  in.hardware_concurrency = 5;
  for (const char* bad : {"", "0", "-2", "four", "3x", " "}) {
    in.slurm_cpus_per_task = bad;
    in.omp_num_threads = bad;
    auto tc = resolve_thread_count(in);
    EXPECT_EQ(tc.count, 5u) << "value '" << bad << "'";
    EXPECT_EQ(tc.source, ThreadCountSource::hardware) << "value '" << bad << "'";
  }
}

TEST(ThreadCount, OmpNestedListUsesItsFirstLevel) {
  ThreadCountInputs in;
  in.omp_num_threads = "4,2";
  EXPECT_EQ(resolve_thread_count(in).count, 4u);
  in.omp_num_threads = " 7 ";
  EXPECT_EQ(resolve_thread_count(in).count, 7u);
}

TEST(ThreadCount, ThisProcessUsesItsAffinityMask) {
  auto cpus = cohort::core::affinity_cpu_count();
  ASSERT_TRUE(cpus.has_value()) << "sched_getaffinity should work on Linux";
  EXPECT_GE(*cpus, 1u);
  auto tc = cohort::core::explain_thread_count();
  EXPECT_EQ(tc.count, *cpus);
  EXPECT_EQ(tc.source, ThreadCountSource::affinity);
  EXPECT_EQ(cohort::core::default_thread_count(), *cpus);
  EXPECT_EQ(cohort::core::explain_thread_count(11).count, 11u);
}

TEST(ThreadCount, SourcesHaveNames) {
  EXPECT_EQ(cohort::core::to_string(ThreadCountSource::affinity), "affinity mask");
  EXPECT_EQ(cohort::core::to_string(ThreadCountSource::slurm_cpus_per_task), "SLURM_CPUS_PER_TASK");
  EXPECT_EQ(cohort::core::to_string(ThreadCountSource::omp_num_threads), "OMP_NUM_THREADS");
}
