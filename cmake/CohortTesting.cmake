find_package(GTest REQUIRED)

set(COHORT_MPI_ENV
  OMPI_ALLOW_RUN_AS_ROOT=1
  OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
  # Loopback only, no InfiniBand probing noise on laptops/CI machines.
  OMPI_MCA_btl=self,vader,tcp
  OMPI_MCA_btl_tcp_if_include=lo
  OMPI_MCA_oob_tcp_if_include=lo
  OMPI_MCA_rmaps_base_oversubscribe=1)

# cohort_add_unit_test(<module> <name> SOURCES ... [DEPS ...] [TIMEOUT s])
# -> executable unit_<module>_<name>, one CTest `unit.<module>.<name>`, label unit.
function(cohort_add_unit_test module name)
  cmake_parse_arguments(T "" "TIMEOUT" "SOURCES;DEPS" ${ARGN})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 120)
  endif()
  set(exe unit_${module}_${name})
  add_executable(${exe} ${T_SOURCES})
  target_link_libraries(${exe} PRIVATE cohort::${module} ${T_DEPS} GTest::gtest GTest::gtest_main
                        Threads::Threads cohort_warnings)
  add_test(NAME unit.${module}.${name} COMMAND ${exe})
  set_tests_properties(unit.${module}.${name} PROPERTIES LABELS "unit;${module}" TIMEOUT ${T_TIMEOUT})
endfunction()

# cohort_add_mpi_test(<name> COMMAND exe args... NP 1 2 3 5 [TIMEOUT s] [LABELS ...])
# -> one CTest per process count, `mpi.<name>.np<N>`, RUN_SERIAL (two MPI jobs on
# two cores slow each other badly) and a TIMEOUT so a deadlock fails fast.
function(cohort_add_mpi_test name)
  cmake_parse_arguments(T "" "TIMEOUT" "COMMAND;NP;LABELS" ${ARGN})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 120)
  endif()
  if(NOT T_LABELS)
    set(T_LABELS mpi)
  endif()
  foreach(np IN LISTS T_NP)
    set(test mpi.${name}.np${np})
    add_test(NAME ${test}
      COMMAND ${MPIEXEC_EXECUTABLE} ${MPIEXEC_NUMPROC_FLAG} ${np} --oversubscribe
              ${MPIEXEC_PREFLAGS} ${T_COMMAND} ${MPIEXEC_POSTFLAGS})
    set_tests_properties(${test} PROPERTIES
      LABELS "${T_LABELS}" TIMEOUT ${T_TIMEOUT} RUN_SERIAL TRUE
      ENVIRONMENT "${COHORT_MPI_ENV}")
  endforeach()
endfunction()
