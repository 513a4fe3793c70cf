#pragma once
/// COHORT_BUILD_FINGERPRINT: what a plugin and the cohort program each were
/// built with (Cohort version, compiler, C++ library ABI). Expanded in the
/// plugin's own translation unit, so it records the plugin's build.

#include <cohort/plugin/config.h>

#include <version>  // defines the C++ library's ABI macros below

#define COHORT_FP_STR2(x) #x
#define COHORT_FP_STR(x) COHORT_FP_STR2(x)

#if defined(__clang__)
#define COHORT_FP_COMPILER "clang " COHORT_FP_STR(__clang_major__)
#elif defined(__GNUC__)
#define COHORT_FP_COMPILER "gcc " COHORT_FP_STR(__GNUC__)
#else
#define COHORT_FP_COMPILER "unknown compiler"
#endif

#if defined(_GLIBCXX_USE_CXX11_ABI)
#define COHORT_FP_STDLIB "libstdc++ cxx11-abi=" COHORT_FP_STR(_GLIBCXX_USE_CXX11_ABI)
#elif defined(_LIBCPP_VERSION)
#define COHORT_FP_STDLIB "libc++ " COHORT_FP_STR(_LIBCPP_VERSION)
#else
#define COHORT_FP_STDLIB "unknown C++ library"
#endif

#define COHORT_BUILD_FINGERPRINT \
  "cohort " COHORT_PLUGIN_COHORT_VERSION "; " COHORT_FP_COMPILER "; " COHORT_FP_STDLIB
