// Test plugins, one source built several times with different COHORT_TEST_* defines.
#include <cohort/plugin/descriptor.h>
#include <cohort/plugin/fingerprint.hpp>

#ifndef COHORT_TEST_ABI
#define COHORT_TEST_ABI COHORT_PLUGIN_ABI_VERSION
#endif
#ifndef COHORT_TEST_NAME
#define COHORT_TEST_NAME "good"
#endif

namespace {
int g_live = 0;
void* create() {
  ++g_live;
  return new int(42);
}
void destroy(void* p) {
  --g_live;
  delete static_cast<int*>(p);
}
const CohortPluginDescriptor kDescriptor = {
#ifdef COHORT_TEST_SMALL_SIZE
    8,
#else
    sizeof(CohortPluginDescriptor),
#endif
    COHORT_TEST_ABI, COHORT_BUILD_FINGERPRINT, COHORT_TEST_NAME, "a test plugin", "1.0", &create, &destroy};
}  // namespace

#ifdef COHORT_TEST_NO_ENTRY
extern "C" __attribute__((visibility("default"))) int not_the_entry_point() { return 1; }
#else
extern "C" __attribute__((visibility("default"))) const CohortPluginDescriptor* COHORT_PLUGIN_ENTRY() {
  return &kDescriptor;
}
#endif
