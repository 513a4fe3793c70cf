#pragma once
// MPI error codes -> cohort::MpiError, and the count of open transports (so
// MPI_Finalize can warn about a transport still holding requests).
//
// Thread safety: check_mpi on the MPI thread; the counter from any thread.

#include <cohort/core/error.hpp>

#include <mpi.h>

#include <string>

namespace cohort::cluster::detail {

inline std::string mpi_error_string(int code) {
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  if (MPI_Error_string(code, text, &len) != MPI_SUCCESS) return "unknown MPI error";
  return std::string(text, static_cast<std::size_t>(len));
}

/// Throws MpiError(routine, code) unless code is MPI_SUCCESS.
inline void check_mpi(int code, const char* routine) {
  if (code != MPI_SUCCESS) throw MpiError(routine, code, mpi_error_string(code));
}

int live_transports() noexcept;
void add_live_transport(int delta) noexcept;

}  // namespace cohort::cluster::detail
