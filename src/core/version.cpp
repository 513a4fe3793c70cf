#include <cohort/core/version.hpp>

namespace cohort::core {

const char* version() noexcept { return COHORT_VERSION_STRING; }

}  // namespace cohort::core
