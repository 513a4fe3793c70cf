#pragma once
/// The Cohort version this library was built as ("MAJOR.MINOR.PATCH").

#include <cohort/core/export.hpp>

namespace cohort::core {

COHORT_CORE_EXPORT const char* version() noexcept;

}  // namespace cohort::core
