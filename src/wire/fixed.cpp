#include <cohort/wire/fixed.hpp>

#include <cohort/core/error.hpp>

namespace cohort::wire::detail {

void throw_decode_error(std::string_view what, std::uint64_t task_id, int source_rank, const std::string& message) {
  std::string where(what);
  if (task_id != ~std::uint64_t{0}) where += " of task " + std::to_string(task_id);
  throw DecodeError(where + ": " + message, source_rank);
}

}  // namespace cohort::wire::detail
