# Sanitizer builds, chosen by options in the top-level CMakeLists.txt:
#   FOGBANK_SANITIZE  AddressSanitizer + UndefinedBehaviorSanitizer (GCC or Clang)
#   FOGBANK_FUZZ      the same, plus libFuzzer coverage on what the fuzzers link and the fuzz/ targets (Clang)
#   FOGBANK_TSAN      ThreadSanitizer (GCC or Clang); cannot be combined with the other two
# Every sanitizer report fails: UB aborts instead of printing and going on, and ASan/TSan exit
# non-zero. scripts/dev.sh sets the run-time options (ASAN_OPTIONS, TSAN_OPTIONS, ...).

if(FOGBANK_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "FOGBANK_FUZZ needs Clang (libFuzzer): configure with -DCMAKE_CXX_COMPILER=clang++")
  endif()
  set(FOGBANK_SANITIZE ON)
endif()
if(FOGBANK_TSAN AND FOGBANK_SANITIZE)
  message(FATAL_ERROR "FOGBANK_TSAN cannot be combined with FOGBANK_SANITIZE or FOGBANK_FUZZ")
endif()

if(FOGBANK_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    # UBSan checks fogbank's code, not the code of the headers it includes (ubsan_ignore.txt).
    add_compile_options(-fsanitize-ignorelist=${CMAKE_CURRENT_LIST_DIR}/ubsan_ignore.txt)
  endif()
endif()
if(FOGBANK_FUZZ)
  # Coverage instrumentation for libFuzzer in every library, so that the fuzzers see the parsers'
  # branches; the callbacks resolve to no-ops in executables other than the fuzzers (the ASan
  # runtime defines them). The fuzz targets themselves add -fsanitize=fuzzer (fuzz/CMakeLists.txt).
  # Code no fuzz target links opts out with fogbank_without_fuzz_coverage (below).
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
if(FOGBANK_TSAN)
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
endif()

# fogbank_without_fuzz_coverage(<target>...): the targets are code no fuzz target links (the unit
# tests, the C++ handlers, the libraries behind `fogbank run`/`bench`/workers/templates), so the
# coverage instrumentation would only cost time: about a third of their compile time in the ASan
# build. A library a fuzzer starts linking must drop this call, or the fuzzer runs blind there.
function(fogbank_without_fuzz_coverage)
  if(FOGBANK_FUZZ)
    foreach(target ${ARGN})
      target_compile_options(${target} PRIVATE -fno-sanitize=fuzzer-no-link)
    endforeach()
  endif()
endfunction()
