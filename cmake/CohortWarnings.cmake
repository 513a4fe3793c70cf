# cohort_warnings: a private interface target every Cohort target links, so
# warning flags (and -Werror in CI) are set in one place.
add_library(cohort_warnings INTERFACE)
target_compile_options(cohort_warnings INTERFACE -Wall -Wextra -Wpedantic)
if(COHORT_WERROR)
  target_compile_options(cohort_warnings INTERFACE -Werror)
endif()

if(COHORT_SANITIZE)
  add_compile_options(-fsanitize=${COHORT_SANITIZE} -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${COHORT_SANITIZE})
endif()
