#!/usr/bin/env bash
# The two ways to start fogbank from a fresh Debian machine (see README.md):
#   scripts/dev.sh serve [serve options]   install what is missing, build, run `fogbank serve`
#   scripts/dev.sh test [STAGE...]         install what is missing, then every CI stage (or the named ones)
# and the checks CI does not run:
#   scripts/dev.sh tidy [FILE...]          clang-tidy over fogbank's sources (or FILEs)
#   scripts/dev.sh format                  clang-format -i over fogbank's C++ files
#   scripts/dev.sh fuzz [TARGET] [SECONDS] run the fuzzers longer than CI does (default: all, 300 s each)
# Set FOGBANK_BUILD_DIR to build elsewhere (default: build/; the sanitizer builds go beside it,
# in build-asan/ and build-tsan/).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${FOGBANK_BUILD_DIR:-$root/build}
asan_dir=${build_dir}-asan
tsan_dir=${build_dir}-tsan

# Debian packages the build and the tests need. Keep docker/Dockerfile in step with the build's
# part of this list (the image needs neither the test clients nor the checks' Clang tools).
packages=(
  build-essential cmake ninja-build ccache pkg-config
  libboost-dev libboost-system-dev librocksdb-dev nlohmann-json3-dev libyaml-cpp-dev zlib1g-dev libssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  # Lambda deployment packages are zip archives: libzip reads them (README, Dependencies).
  libzip-dev
  # The server's allocator (README, Dependencies; bench/README.md, "The front's fixed costs").
  libmimalloc-dev
  # The server's linker: lld 15 or later lays out the code its start runs together
  # (cmake/startup_order.cmake; README, Dependencies). Debian 12's default lld is 14.
  lld-16
  python3 python3-boto3 awscli
  # The API Gateway WebSocket e2e tests' client.
  python3-websockets
  # tests/e2e/test_scenario_schema.py validates the bundled scenarios against their JSON Schema.
  python3-jsonschema
  # The Lambda worker tests' `provided` bootstraps speak the Runtime API with curl.
  curl
  # tests/e2e/test_load_bench.py opens `fogbank bench --html`'s page in headless Chromium.
  chromium
  # The checks: Clang 14 for the sanitizer builds and libFuzzer (its runtimes are in
  # libclang-rt-14-dev), clang-format and clang-tidy.
  clang clang-format clang-tidy libclang-rt-14-dev
  # LLVM's linker for the sanitizer builds: GNU ld took 12-17 s per instrumented test or fuzz
  # executable (about 40 of them), lld a fraction of that.
  lld
)

install_missing() {
  local missing=()
  for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  # The JavaScript SDK tests need npm; the image may carry its own Node.js, so only a machine
  # without npm gets Debian's.
  command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
  if ((${#missing[@]})); then
    echo "== installing: ${missing[*]}"
    local sudo=()
    [ "$(id -u)" -eq 0 ] || sudo=(sudo)
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

# The JavaScript SDK tests (tests/e2e/test_sqs_js.py) run against exactly the packages of their
# lock file. `npm ci` installs them here, before the tests, so that no test reaches a registry;
# under CI=true that test fails if they are missing.
install_js_test_packages() {
  echo "== installing the JavaScript test packages (npm ci in tests/e2e/sqs_js)"
  (cd "$root/tests/e2e/sqs_js" && npm ci --no-audit --no-fund --loglevel=error)
  # aws-sdk v2, which the worker tests' handlers load (tests/unit/workers/sdk_test.cpp).
  echo "== installing the worker tests' packages (npm ci in tests/unit/workers/node_packages)"
  (cd "$root/tests/unit/workers/node_packages" && npm ci --no-audit --no-fund --loglevel=error)
  # The ws client and wscat of tests/e2e/test_apigw_ws_node.py.
  echo "== installing the WebSocket test clients (npm ci in tests/e2e/apigw_ws_js)"
  (cd "$root/tests/e2e/apigw_ws_js" && npm ci --no-audit --no-fund --loglevel=error)
}

# The AWS SDK for JavaScript v3 that Node.js functions load without bundling it, as on Lambda
# (emulator/workers: NODE_PATH of every Node.js worker). `fogbank serve` needs it too.
install_lambda_node_sdk() {
  echo "== installing the SDK for Node.js functions (npm ci in emulator/workers/node_sdk)"
  (cd "$root/emulator/workers/node_sdk" && npm ci --no-audit --no-fund --loglevel=error)
}

# build [TARGET...]: the GCC build, everything or the named targets; `serve` and `test` configure it
# alike so that neither rebuilds after the other. Warnings are errors (Debian's GCC is the one this
# project builds with; CI must fail on a warning whatever its environment says), and there is no
# debug information: -g is a third of the compile time, and the sanitizer builds keep line tables
# for their reports. Configure a directory of your own for a debugger.
build() {
  local ci_flags=(-DFOGBANK_WERROR=ON "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -DNDEBUG")
  echo "== configuring in $build_dir"
  cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${ci_flags[@]}" >/dev/null
  echo "== building${1:+ $*}"
  cmake --build "$build_dir" -j "$(nproc)" ${1:+--target "$@"}
}

# ---- The CI stages ---------------------------------------------------------------------------
# `scripts/dev.sh test` runs them in this order, cheapest and most telling first, and stops at the
# first that fails. Each prints "== <stage>" when it starts and its time when it ends.
#   format      clang-format --dry-run --Werror over every C++ file (seconds)
#   build       the GCC build of what users run (-O2, -Werror, no -g): the server and the
#               benchmarks (the unit tests are built and run under ASan, below); then the checks
#               of the server binary as linked (label binary)
#   bench       the benchmarks' smoke run
#   asan-build  one Clang build with ASan+UBSan for the tests and libFuzzer for fuzz/
#   asan-tests  unit and e2e tests under ASan+UBSan (they run here only: the code under test is
#               the same as the GCC build's, and building and running them twice costs ~4 minutes)
#   fuzz        every fuzz target for 8 s, two at a time
#   tsan-build  a Clang TSan build of what the threaded tests need
#   tsan-tests  the threaded unit and e2e tests (label threaded) under TSan
# clang-tidy is not a stage: it takes ~5 minutes on 2 cores (`scripts/dev.sh tidy`; README.md).
ci_stages=(format build bench asan-build asan-tests fuzz tsan-build tsan-tests)
# Not in CI: `unit` builds everything with GCC and runs the unit tests there (a quicker loop than
# ASan while working: `scripts/dev.sh test unit`).

# fogbank's own C++ files: what clang-format checks and clang-tidy reads.
cxx_files() {
  git -C "$root" ls-files -- '*.cpp' '*.hpp' | sed "s|^|$root/|"
}

# sanitizer_configure DIR OPT [CMAKE ARGS...]: the sanitizer builds use Clang with line tables only
# (usable stack traces at a fraction of the compile time of -g), lld, no benchmarks. OPT: both are -O0,
# which compiles two to three times faster than the sanitizers' advised -O1; the tests spend their
# time in clients and sockets, not in our code, so they take about as long (and nothing of ours
# needs the optimiser's smaller frames: every recursive parser has a depth limit, and std::regex,
# which recurses per character, runs on a thread with a 256 MB stack, template/src/stack.cpp).
# Executables are not position-independent: an instrumented test binary (~200 MB) carries about
# 1.3 million relocations the loader applies at every start, and ctest starts one process per test
# (~1,130 of them): -no-pie takes a start from ~0.19 to ~0.12 CPU-s (measured on unit_http).
sanitizer_configure() {
  local dir=$1 opt=$2
  shift 2
  CC=clang CXX=clang++ cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="$opt -gline-tables-only -fno-pie" -DFOGBANK_WERROR=ON \
    -DFOGBANK_BUILD_BENCH=OFF "-DCMAKE_EXE_LINKER_FLAGS=-fuse-ld=lld -no-pie" "$@" >/dev/null
}

stage_install() {
  install_missing
  install_lambda_node_sdk
  install_js_test_packages
  install_app_packages
}

stage_format() {
  # clang-format 14 (Debian's), as .clang-format says. `scripts/dev.sh format` fixes what this finds.
  cxx_files | xargs clang-format --dry-run --Werror
}

stage_build() {
  build fogbank benchmarks
  # The server as linked: its start's code laid out together (tests/build, cmake/startup_order.cmake).
  ctest --test-dir "$build_dir" --output-on-failure --timeout 120 -L binary
}

stage_bench() {
  ctest --test-dir "$build_dir" --output-on-failure --timeout 300 -j "$(nproc)" -L bench
}

stage_unit() {
  build
  ctest --test-dir "$build_dir" --output-on-failure --timeout 300 -j "$(nproc)" -L unit
}

stage_asan-build() {
  # One Clang build for ASan+UBSan and libFuzzer: the fuzzers link the same instrumented libraries.
  sanitizer_configure "$asan_dir" -O0 -DFOGBANK_FUZZ=ON
  cmake --build "$asan_dir" -j "$(nproc)"
}

stage_fuzz() {
  # Each fuzz target for 8 s (FOGBANK_FUZZ_SECONDS), two at a time: a smoke run of the seeds and
  # a little beyond; `scripts/dev.sh fuzz` is the long run.
  ctest --test-dir "$asan_dir" --output-on-failure --timeout 600 -j "$(nproc)" -L fuzz
}

stage_asan-tests() {
  # One test more than there are cores: the e2e tests spend much of their time waiting on
  # sockets, worker processes and real timeouts (three at a time used 1.5 of 2 cores on average
  # and took 406 s where two at a time took 446 s).
  ctest --test-dir "$asan_dir" --output-on-failure --timeout 900 -j "$(($(nproc) + 1))" -L 'unit|e2e'
}

stage_tsan-build() {
  # Only what the threaded tests need (tests/CMakeLists.txt registers nothing else under TSan).
  sanitizer_configure "$tsan_dir" -O0 -DFOGBANK_TSAN=ON
  cmake --build "$tsan_dir" -j "$(nproc)"
}

stage_tsan-tests() {
  ctest --test-dir "$tsan_dir" --output-on-failure --timeout 900 -j "$(nproc)" -L threaded
}

# Runs `install` and then the named stages (default: all, in order), printing "== <stage>" and
# each one's time.
run_stages() {
  local stages=("$@") start=$SECONDS stage_start
  ((${#stages[@]})) || stages=("${ci_stages[@]}")
  stages=(install "${stages[@]}")
  for stage in "${stages[@]}"; do
    if ! declare -F "stage_$stage" >/dev/null; then
      echo "unknown stage '$stage'; stages: ${ci_stages[*]}" >&2
      exit 2
    fi
  done
  local times=()
  for stage in "${stages[@]}"; do
    echo "== $stage"
    stage_start=$SECONDS
    # In a subshell with errexit, outside any `if`, so that a stage stops at its first failing command.
    set +e
    (set -e; "stage_$stage")
    local status=$?
    set -e
    if ((status != 0)); then
      echo "== $stage FAILED after $((SECONDS - stage_start)) s (total $((SECONDS - start)) s)"
      exit 1
    fi
    times+=("$stage $((SECONDS - stage_start)) s")
    echo "== $stage done in $((SECONDS - stage_start)) s (total $((SECONDS - start)) s)"
  done
  echo "== all stages passed in $((SECONDS - start)) s: $(IFS=,; echo "${times[*]}" | sed 's/,/, /g')"
}

tidy() {
  # Reads the Clang build's compile_commands.json (GCC's flags are not all Clang's), configuring
  # it if needed; nothing is compiled. Files default to every fogbank .cpp; headers are checked
  # through them (.clang-tidy's HeaderFilterRegex).
  [ -f "$asan_dir/compile_commands.json" ] || sanitizer_configure "$asan_dir" -O0 -DFOGBANK_FUZZ=ON
  local files=("$@")
  ((${#files[@]})) || mapfile -t files < <(cxx_files | grep '\.cpp$')
  run-clang-tidy -quiet -p "$asan_dir" -j "$(nproc)" "${files[@]}"
}

fuzz() {
  local target=${1:-} seconds=${2:-300}
  sanitizer_configure "$asan_dir" -O0 -DFOGBANK_FUZZ=ON
  cmake --build "$asan_dir" -j "$(nproc)"
  FOGBANK_FUZZ_SECONDS=$seconds ctest --test-dir "$asan_dir" --output-on-failure --timeout $((seconds * 2 + 600)) \
    -L fuzz ${target:+-R "^fuzz\\.$target\$"}
}

# The bundled apps' own Node.js packages (handlers/<app>/node: the visitor counter's aws-sdk v2,
# which Lambda's Node.js runtimes no longer carry), from their lock files, as `sam build` would.
install_app_packages() {
  local dir
  for dir in "$root"/handlers/*/node; do
    [ -f "$dir/package-lock.json" ] || continue
    echo "== installing ${dir#"$root"/}'s packages (npm ci)"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  done
}

# `serve` without a --template of its own loads the bundled apps, fixtures/*/template.yaml: each
# prints its WebSocket URL and a one-line client to try it (its Outputs) before fogbank listens.
bundled_app_templates() {
  local arg file
  for arg in "$@"; do [ "$arg" = --template ] && return 0; done
  for file in "$root"/fixtures/*/template.yaml; do
    [ -f "$file" ] && printf -- '--template\n%s\n' "$file"
  done
}

case "${1:-}" in
  serve)
    shift
    install_missing
    install_lambda_node_sdk
    install_app_packages
    build fogbank
    mapfile -t apps < <(bundled_app_templates "$@")
    exec "$build_dir/emulator/main/fogbank" serve "${apps[@]}" "$@"
    ;;
  test)
    shift
    run_stages "$@"
    ;;
  tidy)
    shift
    install_missing
    tidy "$@"
    ;;
  format)
    cxx_files | xargs clang-format -i
    ;;
  fuzz)
    shift
    install_missing
    fuzz "$@"
    ;;
  *)
    echo "usage: scripts/dev.sh serve [options] | test [STAGE...] | tidy [FILE...] | format | fuzz [TARGET] [SECONDS]" >&2
    echo "stages of test: ${ci_stages[*]}" >&2
    exit 2
    ;;
esac
