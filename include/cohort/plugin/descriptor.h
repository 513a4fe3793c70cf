#ifndef COHORT_PLUGIN_DESCRIPTOR_H
#define COHORT_PLUGIN_DESCRIPTOR_H
/* The C ABI between the cohort program and a job plugin.
 *
 * A plugin is a shared library `libcohort_job_<name>.so` exporting one
 * extern "C" function named COHORT_PLUGIN_ENTRY ("cohort_plugin_descriptor")
 * that returns a pointer to a static CohortPluginDescriptor. The loader checks
 * `size` and `abi_version` before it touches any other field, so a plugin built
 * against another Cohort is refused with a message instead of a crash.
 *
 * Plain C on purpose: this is the one layout that must not change silently.
 * Add fields only at the end, and bump COHORT_PLUGIN_ABI_VERSION when the
 * meaning of an existing field, or of the object `create` returns, changes. */

#include <stdint.h>

#define COHORT_PLUGIN_ABI_VERSION 1u
#define COHORT_PLUGIN_ENTRY cohort_plugin_descriptor
#define COHORT_PLUGIN_ENTRY_NAME "cohort_plugin_descriptor"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct CohortPluginDescriptor {
  uint32_t size;           /* sizeof(CohortPluginDescriptor) the plugin was built with */
  uint32_t abi_version;    /* COHORT_PLUGIN_ABI_VERSION the plugin was built with */
  const char* fingerprint; /* build fingerprint: cohort version, compiler, C++ ABI */
  const char* name;        /* job name, e.g. "wordcount" */
  const char* summary;     /* one line for `cohort list` */
  const char* version;     /* the plugin's own version */
  /* Creates the job object (a cohort::mapreduce::Job for ABI 1); the caller
   * owns it and releases it with `destroy`. */
  void* (*create)(void);
  void (*destroy)(void*);
} CohortPluginDescriptor;

typedef const CohortPluginDescriptor* (*CohortPluginEntryFn)(void);

#ifdef __cplusplus
}
#endif

#endif /* COHORT_PLUGIN_DESCRIPTOR_H */
