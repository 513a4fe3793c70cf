# Install rules and the exported CMake package (CohortConfig.cmake), so a user
# builds a job plugin out of tree with find_package(Cohort) + cohort_add_job().
include(CMakePackageConfigHelpers)

set(COHORT_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/Cohort)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/cohort DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
# Generated headers: export macros and plugin config.
install(DIRECTORY ${PROJECT_BINARY_DIR}/include/cohort DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

install(EXPORT CohortTargets
  NAMESPACE cohort::
  FILE CohortTargets.cmake
  DESTINATION ${COHORT_CMAKE_DIR})

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/CohortConfig.cmake.in
  ${PROJECT_BINARY_DIR}/CohortConfig.cmake
  INSTALL_DESTINATION ${COHORT_CMAKE_DIR}
  PATH_VARS CMAKE_INSTALL_INCLUDEDIR)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/CohortConfigVersion.cmake
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMinorVersion)
install(FILES
  ${PROJECT_BINARY_DIR}/CohortConfig.cmake
  ${PROJECT_BINARY_DIR}/CohortConfigVersion.cmake
  ${PROJECT_SOURCE_DIR}/cmake/CohortJob.cmake
  DESTINATION ${COHORT_CMAKE_DIR})
