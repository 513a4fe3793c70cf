# Runs a program and compares its real output (stdout) with an expected file.
#
#   cmake -DEXPECTED=<file> -DMODE=exact|regex [-DENV=VAR=value] -P check_output.cmake -- <program> [args...]
#
# exact: the output must equal the file byte for byte.
# regex: one regular expression per line of the file; the output must have as
#        many lines, and line i must match expression i in full.
# Fails (FATAL_ERROR) with both texts shown, so the log says what differed.

set(command "")
set(after_dashes FALSE)
math(EXPR last "${CMAKE_ARGC} - 1")
foreach(i RANGE ${last})
  if(after_dashes)
    list(APPEND command "${CMAKE_ARGV${i}}")
  elseif("${CMAKE_ARGV${i}}" STREQUAL "--")
    set(after_dashes TRUE)
  endif()
endforeach()
if(NOT command)
  message(FATAL_ERROR "check_output.cmake: no program given after --")
endif()
if(DEFINED ENV)
  string(REPLACE "=" ";" kv "${ENV}")
  list(GET kv 0 k)
  list(GET kv 1 v)
  set(ENV{${k}} "${v}")
endif()

execute_process(COMMAND ${command} OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "'${command}' exited with ${rc}\nstdout:\n${out}\nstderr:\n${err}")
endif()
file(READ "${EXPECTED}" expected)

if(MODE STREQUAL "exact")
  if(NOT out STREQUAL expected)
    message(FATAL_ERROR "output of '${command}' differs from ${EXPECTED}\n--- expected:\n${expected}--- got:\n${out}")
  endif()
elseif(MODE STREQUAL "regex")
  # Lines: split on newlines (the output's lines hold no ';' by construction;
  # escape them anyway so list splitting cannot cut a line).
  string(REPLACE ";" "\\;" out_esc "${out}")
  string(REPLACE ";" "\\;" exp_esc "${expected}")
  string(REGEX REPLACE "\n$" "" out_esc "${out_esc}")
  string(REGEX REPLACE "\n$" "" exp_esc "${exp_esc}")
  string(REPLACE "\n" ";" out_lines "${out_esc}")
  string(REPLACE "\n" ";" exp_lines "${exp_esc}")
  list(LENGTH out_lines n_out)
  list(LENGTH exp_lines n_exp)
  if(NOT n_out EQUAL n_exp)
    message(FATAL_ERROR "'${command}' printed ${n_out} lines, expected ${n_exp} (${EXPECTED})\n--- got:\n${out}")
  endif()
  math(EXPR last_line "${n_out} - 1")
  foreach(i RANGE ${last_line})
    list(GET out_lines ${i} line)
    list(GET exp_lines ${i} re)
    if(NOT line MATCHES "^${re}$")
      math(EXPR lineno "${i} + 1")
      message(FATAL_ERROR "line ${lineno} of '${command}' does not match ${EXPECTED}\n  line:  ${line}\n  regex: ^${re}$\n--- got:\n${out}")
    endif()
  endforeach()
else()
  message(FATAL_ERROR "check_output.cmake: MODE must be exact or regex, got '${MODE}'")
endif()
