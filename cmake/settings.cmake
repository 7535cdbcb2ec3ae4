# Interface targets carrying the project's compile settings, linked by every target.
add_library(bscbot_settings INTERFACE)
target_compile_options(bscbot_settings INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor)
# RelWithDebInfo's debug information at -g1: the line tables and function names that profiles
# (perf) and backtraces (sanitizers, gdb on a core) need, without variable locations; the build
# takes about a quarter less time, and building is most of CI's time.
target_compile_options(bscbot_settings INTERFACE $<$<CONFIG:RelWithDebInfo>:-g1>)
target_include_directories(bscbot_settings INTERFACE ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR})
# A program records only the shared libraries it calls into: bscbotd then does not load (and
# relocate, and keep resident) what only the CLI's commands use, such as libarchive and the
# libxml2 and ICU behind it.
target_link_options(bscbot_settings INTERFACE -Wl,--as-needed)
# Relative relocations packed (DT_RELR, glibc 2.36 and binutils 2.38 on): a position-independent
# program keeps its ASLR without a 400 KB relocation table that the loader reads in at every
# start and that stays resident in bscbotd (bench/README.md, footprint).
include(CheckLinkerFlag)
check_linker_flag(CXX "-Wl,-z,pack-relative-relocs" BSCBOT_HAVE_PACKED_RELOCS)
if(BSCBOT_HAVE_PACKED_RELOCS)
  target_link_options(bscbot_settings INTERFACE -Wl,-z,pack-relative-relocs)
endif()
# Beast/Asio: standalone string_view, no deprecated interfaces.
target_compile_definitions(bscbot_settings INTERFACE BOOST_ASIO_NO_DEPRECATED BOOST_BEAST_USE_STD_STRING_VIEW)
if(BSCBOT_SANITIZE AND BSCBOT_TSAN)
  message(FATAL_ERROR "BSCBOT_SANITIZE (ASan+UBSan) and BSCBOT_TSAN cannot share a build; use two build folders (scripts/check-sanitizers does)")
endif()
# A UBSan finding aborts (-fno-sanitize-recover) so a test fails instead of printing and going on.
if(BSCBOT_SANITIZE)
  # GCC's flow warnings are unreliable under ASan instrumentation (false -Wmaybe-uninitialized and
  # -Wrestrict inside libstdc++'s regex and string); the plain build keeps them.
  target_compile_options(bscbot_settings INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
                         $<$<CXX_COMPILER_ID:GNU>:-Wno-maybe-uninitialized -Wno-restrict>)
  target_link_options(bscbot_settings INTERFACE -fsanitize=address,undefined -fno-sanitize-recover=undefined)
endif()
if(BSCBOT_TSAN)
  # GCC warns (-Wtsan) that Asio's std_fenced_block uses atomic_thread_fence, which TSan does not
  # model; Asio's scheduler hands handlers over under its own mutex, which TSan does see, so the
  # warning names no race of ours and would only make the TSan build noisy.
  target_compile_options(bscbot_settings INTERFACE -fsanitize=thread -fno-omit-frame-pointer $<$<CXX_COMPILER_ID:GNU>:-Wno-tsan>)
  target_link_options(bscbot_settings INTERFACE -fsanitize=thread)
endif()
# Fuzzing: every library is instrumented for coverage (fuzzer-no-link) and checked by ASan and
# UBSan; only the targets in fuzz/ link libFuzzer's main.
if(BSCBOT_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "BSCBOT_FUZZ needs clang (libFuzzer); configure with CC=clang-14 CXX=clang++-14, as scripts/fuzz does")
  endif()
  if(BSCBOT_SANITIZE OR BSCBOT_TSAN)
    message(FATAL_ERROR "BSCBOT_FUZZ brings its own ASan+UBSan; do not combine it with BSCBOT_SANITIZE or BSCBOT_TSAN")
  endif()
  set(bscbot_fuzz_sanitizers -fsanitize=address,undefined -fno-sanitize-recover=undefined)
  target_compile_options(bscbot_settings INTERFACE -fsanitize=fuzzer-no-link ${bscbot_fuzz_sanitizers} -fno-omit-frame-pointer)
  target_link_options(bscbot_settings INTERFACE ${bscbot_fuzz_sanitizers})
endif()
# Test code (tests/ and the fuzz replays) is compiled for compile time, not run time: it is most
# of CI's build, and what it exercises (core, daemon, cmd) keeps the build type's optimisation.
# -O0 compiles a test file in about half the time of -O2 -g, line tables keep backtraces, and the
# shared headers are parsed once per target (bscbot_precompile_test_headers).
add_library(bscbot_test_settings INTERFACE)
target_compile_options(bscbot_test_settings INTERFACE -O0 -g1)
function(bscbot_precompile_test_headers target)
  target_precompile_headers(${target} PRIVATE <doctest/doctest.h> <fmt/format.h> <nlohmann/json.hpp> <SQLiteCpp/SQLiteCpp.h>
                            <filesystem> <fstream> <map> <string> <thread> <vector> ${ARGN})
endfunction()
