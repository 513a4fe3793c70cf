# cohort_add_job(<name> <source>... [OUTPUT_DIRECTORY dir])
#
# Builds a MapReduce job plugin `libcohort_job_<name>.so` from <source>..., which
# define a Job class and COHORT_JOB(ThatClass) (see <cohort/mapreduce/plugin.hpp>).
# Works in the Cohort tree and, through the installed package
# (find_package(Cohort) then cohort_add_job(...)), out of tree. Self-contained:
# it needs only the target cohort::mapreduce.
#
# - a MODULE library (dlopen'ed, never linked), hidden visibility: only the
#   entry point cohort_plugin_descriptor() is exported;
# - the job's name is checked at compile time against JobClass::kName;
# - output: OUTPUT_DIRECTORY, else <lib output dir>/cohort/jobs when
#   CMAKE_LIBRARY_OUTPUT_DIRECTORY is set (the Cohort tree: where the plugin
#   loader's install dir is), else the current binary dir (use --plugin-path or
#   COHORT_PLUGIN_PATH to point cohort at it);
# - installed to ${CMAKE_INSTALL_LIBDIR}/cohort/jobs, the loader's install dir.
function(cohort_add_job name)
  cmake_parse_arguments(J "" "OUTPUT_DIRECTORY" "" ${ARGN})
  if(NOT name MATCHES "^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
    message(FATAL_ERROR "cohort_add_job: '${name}' is not a valid job name (letters, digits, _ . -)")
  endif()
  if(NOT J_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "cohort_add_job(${name}): no source files")
  endif()
  if(NOT TARGET cohort::mapreduce)
    message(FATAL_ERROR "cohort_add_job(${name}): target cohort::mapreduce not found (find_package(Cohort) first)")
  endif()
  set(tgt cohort_job_${name})
  add_library(${tgt} MODULE ${J_UNPARSED_ARGUMENTS})
  target_link_libraries(${tgt} PRIVATE cohort::mapreduce)
  if(TARGET cohort_warnings)
    target_link_libraries(${tgt} PRIVATE cohort_warnings)
  endif()
  target_compile_features(${tgt} PRIVATE cxx_std_20)
  target_compile_definitions(${tgt} PRIVATE COHORT_JOB_TARGET_NAME="${name}")
  if(J_OUTPUT_DIRECTORY)
    set(out_dir ${J_OUTPUT_DIRECTORY})
  elseif(CMAKE_LIBRARY_OUTPUT_DIRECTORY)
    set(out_dir ${CMAKE_LIBRARY_OUTPUT_DIRECTORY}/cohort/jobs)
  else()
    set(out_dir ${CMAKE_CURRENT_BINARY_DIR})
  endif()
  set_target_properties(${tgt} PROPERTIES
    PREFIX lib
    OUTPUT_NAME cohort_job_${name}
    SUFFIX .so
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    LIBRARY_OUTPUT_DIRECTORY ${out_dir}
    # installed in <prefix>/lib/cohort/jobs: the Cohort libraries are two levels up
    INSTALL_RPATH "$ORIGIN/../..")
  include(GNUInstallDirs)
  install(TARGETS ${tgt} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}/cohort/jobs)
endfunction()
