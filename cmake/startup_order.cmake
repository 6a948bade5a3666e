# The fogbank server's code laid out so that what its start runs lies together (option
# FOGBANK_STARTUP_ORDER in the top-level CMakeLists.txt).
#
# Why: an idle server's memory is mostly pages of its own binary, and the kernel maps the 64 KiB
# around every page of code that faults. The ~1.3 MiB of code a start runs was scattered over 12
# MiB of .text and kept two thirds of it resident (bench/README.md, "Idle RSS, fourth pass").
# lld places the functions listed in emulator/main/startup_functions.txt (scripts/startup_order.py
# makes it) first, in that order, when each function has a section of its own
# (-ffunction-sections; RocksDB's objects move whole). GNU ld 2.40 has no such option, and lld 14
# cannot give glibc's packed relative relocations (emulator/main/CMakeLists.txt): hence lld 15 or
# later, which Debian 12 packages as lld-16.
#
# Defines fogbank_code_layout, an interface library that everything linked into the fogbank
# executable links privately: it compiles them with a section per function (and per datum) when
# the order is used. Tests and benchmarks compile as before (their objects are not in the server).
# Sets FOGBANK_STARTUP_ORDER_LINK_OPTIONS: what the fogbank executable links with (empty when
# off or when no such lld is found).

add_library(fogbank_code_layout INTERFACE)
set(FOGBANK_STARTUP_ORDER_LINK_OPTIONS "")
if(FOGBANK_STARTUP_ORDER AND NOT FOGBANK_SANITIZE AND NOT FOGBANK_TSAN)
  find_program(FOGBANK_ORDERING_LLD ld.lld
               PATHS /usr/lib/llvm-19/bin /usr/lib/llvm-18/bin /usr/lib/llvm-17/bin /usr/lib/llvm-16/bin
                     /usr/lib/llvm-15/bin
               NO_DEFAULT_PATH)
  if(FOGBANK_ORDERING_LLD)
    get_filename_component(lld_dir "${FOGBANK_ORDERING_LLD}" DIRECTORY)
    # -B makes the compiler driver look for `ld.lld` there first, before Debian's default (lld 14).
    set(link_options "-B${lld_dir}/" "-fuse-ld=lld")
    include(CheckLinkerFlag)
    check_linker_flag(CXX "${link_options};-Wl,--fatal-warnings,-z,pack-relative-relocs,--symbol-ordering-file=/dev/null"
                      FOGBANK_LLD_ORDERS_AND_PACKS)
    if(FOGBANK_LLD_ORDERS_AND_PACKS)
      set(FOGBANK_STARTUP_ORDER_LINK_OPTIONS ${link_options})
      target_compile_options(fogbank_code_layout INTERFACE -ffunction-sections -fdata-sections)
    endif()
  endif()
  if(NOT FOGBANK_STARTUP_ORDER_LINK_OPTIONS)
    message(STATUS "fogbank: no lld 15 or later (Debian: lld-16); the server is linked in the default order")
  endif()
endif()
