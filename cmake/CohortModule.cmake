include(GenerateExportHeader)

# cohort_add_module(<name> SOURCES ... [DEPS cohort::x ...] [PRIVATE_DEPS ...])
#
# One layer = one folder = one shared library `cohort::<name>`:
#   include/cohort/<name>/   public headers (namespace cohort::<name>)
#   src/<name>/              sources and private headers
# Hidden symbol visibility; export macros come from the generated
# <cohort/<name>/export.hpp> (COHORT_<NAME>_EXPORT). A module links only the
# modules it may include (DEPS), so an include that breaks the layering fails to
# link.
function(cohort_add_module name)
  cmake_parse_arguments(M "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  set(tgt cohort_${name})
  add_library(${tgt} SHARED ${M_SOURCES})
  add_library(cohort::${name} ALIAS ${tgt})
  string(TOUPPER ${name} NAME_UP)
  generate_export_header(${tgt}
    BASE_NAME COHORT_${NAME_UP}
    EXPORT_FILE_NAME ${PROJECT_BINARY_DIR}/include/cohort/${name}/export.hpp)
  target_include_directories(${tgt} PUBLIC
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
    $<BUILD_INTERFACE:${PROJECT_BINARY_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_include_directories(${tgt} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  target_compile_features(${tgt} PUBLIC cxx_std_20)
  set_target_properties(${tgt} PROPERTIES
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    OUTPUT_NAME cohort_${name}
    VERSION ${PROJECT_VERSION}
    SOVERSION ${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR}
    EXPORT_NAME ${name})
  target_link_libraries(${tgt} PUBLIC ${M_DEPS} PRIVATE ${M_PRIVATE_DEPS} cohort_warnings)
  install(TARGETS ${tgt} EXPORT CohortTargets
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
    INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  set_property(GLOBAL APPEND PROPERTY COHORT_MODULES ${tgt})
endfunction()
