# Settings for hnn's own programs (tests, examples, benchmarks), never for
# consumers: the warning flags, the C++ standard they are built with, the
# sanitizers and the benchmark flags. Included by the top-level CMakeLists.

# hnn_warnings: -Wall -Wextra -Wpedantic (+ -Werror with HNN_WERROR).
# A private INTERFACE target: not installed, not exported, not on hnn::hnn.
if(NOT TARGET hnn_warnings)
  add_library(hnn_warnings INTERFACE)
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(hnn_warnings INTERFACE -Wall -Wextra -Wpedantic)
    if(HNN_WERROR)
      target_compile_options(hnn_warnings INTERFACE -Werror)
    endif()
  elseif(MSVC)
    target_compile_options(hnn_warnings INTERFACE /W4 /permissive-)
    if(HNN_WERROR)
      target_compile_options(hnn_warnings INTERFACE /WX)
    endif()
  endif()
endif()

# hnn_sanitize: address + undefined behaviour sanitizers at -O1.
if(NOT TARGET hnn_sanitize)
  add_library(hnn_sanitize INTERFACE)
  if(HNN_SANITIZE)
    if(NOT CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
      message(FATAL_ERROR "hnn: HNN_SANITIZE needs g++ or clang++")
    endif()
    # Comes after the build type's -O2 on the command line, so -O1 wins.
    set(_hnn_san -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
    # Line tables only: a sanitizer's report still names every file and line
    # of its stack trace, for a fifth less compile time and a sixth of the
    # object size of full debug information (-g).
    if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
      set(_hnn_san_debug -gline-tables-only)
    else()
      set(_hnn_san_debug -g1)
    endif()
    target_compile_options(hnn_sanitize INTERFACE ${_hnn_san} -O1 ${_hnn_san_debug})
    unset(_hnn_san_debug)
    target_link_options(hnn_sanitize INTERFACE ${_hnn_san})
    unset(_hnn_san)
  endif()
endif()

# hnn_bench_flags: -O3 -march=native for the benchmarks when HNN_NATIVE is ON.
if(NOT TARGET hnn_bench_flags)
  add_library(hnn_bench_flags INTERFACE)
  if(HNN_NATIVE)
    target_compile_options(hnn_bench_flags INTERFACE -O3 -march=native)
  endif()
endif()

# The C++ standard of hnn's own programs: a CMAKE_CXX_STANDARD given by the
# user (17, 20, 23, ...) is honoured, so the test script can build the suite
# as C++20; otherwise C++17, the library's minimum. No GNU extensions.
set(_hnn_too_old_standards 98 11 14)
if(DEFINED CMAKE_CXX_STANDARD AND CMAKE_CXX_STANDARD IN_LIST _hnn_too_old_standards)
  message(FATAL_ERROR "hnn needs C++17 or later, but CMAKE_CXX_STANDARD is ${CMAKE_CXX_STANDARD}")
endif()
unset(_hnn_too_old_standards)

# OpenMP for examples and benchmarks (HNN_WITH_OPENMP).
if(HNN_WITH_OPENMP AND NOT TARGET OpenMP::OpenMP_CXX)
  find_package(OpenMP REQUIRED COMPONENTS CXX)
endif()

# hnn_dev_target(<target> [BENCH] [OPENMP])
#   Links <target> to hnn::hnn and gives it hnn's warning flags, C++ standard
#   and sanitizers. BENCH adds the benchmark flags; OPENMP links OpenMP when
#   HNN_WITH_OPENMP is ON.
function(hnn_dev_target target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "BENCH;OPENMP" "" "")
  target_link_libraries(${target} PRIVATE hnn::hnn hnn_warnings hnn_sanitize)
  if(DEFINED CMAKE_CXX_STANDARD)
    set(_std ${CMAKE_CXX_STANDARD})
  else()
    set(_std 17)
  endif()
  if(DEFINED CMAKE_CXX_EXTENSIONS)
    set(_ext ${CMAKE_CXX_EXTENSIONS})
  else()
    set(_ext OFF)
  endif()
  set_target_properties(${target} PROPERTIES
    CXX_STANDARD ${_std}
    CXX_STANDARD_REQUIRED ON
    CXX_EXTENSIONS ${_ext})
  if(arg_BENCH)
    target_link_libraries(${target} PRIVATE hnn_bench_flags)
  endif()
  if(arg_OPENMP AND HNN_WITH_OPENMP)
    target_link_libraries(${target} PRIVATE OpenMP::OpenMP_CXX)
  endif()
endfunction()
