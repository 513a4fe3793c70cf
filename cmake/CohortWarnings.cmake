# cohort_warnings: a private interface target every Cohort target links, so
# warning flags (and -Werror in CI) are set in one place.
add_library(cohort_warnings INTERFACE)
target_compile_options(cohort_warnings INTERFACE -Wall -Wextra -Wpedantic)
# GCC 12 reports -Wrestrict false positives inside libstdc++'s std::string
# operator+ at -O2 (GCC bug 105651, fixed in 13): keep it from failing -Werror.
target_compile_options(cohort_warnings INTERFACE
  $<$<AND:$<CXX_COMPILER_ID:GNU>,$<VERSION_LESS:$<CXX_COMPILER_VERSION>,13>>:-Wno-restrict>)
if(COHORT_WERROR)
  target_compile_options(cohort_warnings INTERFACE -Werror)
endif()

if(COHORT_SANITIZE)
  add_compile_options(-fsanitize=${COHORT_SANITIZE} -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${COHORT_SANITIZE})
endif()
