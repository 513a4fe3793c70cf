// GoogleTest main for tests that run under mpirun: one MPI session for the
// whole executable, the verdict agreed across ranks, and an uncaught
// exception aborting the job instead of leaving the other ranks waiting.
#include <cohort/cluster/mpi_session.hpp>

#include <gtest/gtest.h>
#include <mpi.h>

#include <cstdio>
#include <memory>

namespace {

// Ranks other than 0 print only their failures, prefixed with the rank, so the
// log reads like one run rather than N interleaved ones.
class FailuresOnly : public testing::EmptyTestEventListener {
 public:
  explicit FailuresOnly(int rank) : rank_(rank) {}
  void OnTestPartResult(const testing::TestPartResult& r) override {
    if (r.failed())
      std::fprintf(stderr, "[rank %d] %s:%d: failure\n%s\n", rank_, r.file_name() ? r.file_name() : "?",
                   r.line_number(), r.summary());
  }

 private:
  int rank_;
};

}  // namespace

int main(int argc, char** argv) {
  // SERIALIZED: the runtime under test calls MPI from its own event-loop
  // thread while this (main) thread only waits.
  cohort::cluster::MpiSession session({.thread_level = cohort::cluster::ThreadLevel::serialized});
  testing::InitGoogleTest(&argc, argv);
  // An exception escaping a test goes to std::terminate, which aborts the
  // whole job (see cohort/cluster/abort.hpp): a rank that stops mid-test
  // would otherwise leave the others waiting on it until the CTest timeout.
  GTEST_FLAG_SET(catch_exceptions, false);

  if (session.rank() != 0) {
    testing::TestEventListeners& listeners = testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
    listeners.Append(new FailuresOnly(session.rank()));
  }

  int local_failed = RUN_ALL_TESTS() != 0 ? 1 : 0;
  int failed_ranks = 0;
  MPI_Allreduce(&local_failed, &failed_ranks, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  if (session.rank() == 0 && failed_ranks > 0)
    std::fprintf(stderr, "%d of %d rank(s) had failing tests\n", failed_ranks, session.size());
  return failed_ranks == 0 ? 0 : 1;
}
