# shellcheck shell=bash
# Shell helpers shared by the bench scripts. Source it after setting BENCH_TAG (the prefix of
# log lines, e.g. "bench" or "sqs-bench").

log() { printf '[%s] %s\n' "${BENCH_TAG:-bench}" "$*" >&2; }
die() { printf '[%s] ERROR: %s\n' "${BENCH_TAG:-bench}" "$*" >&2; exit 1; }

as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

need_apt() {  # need_apt COMMAND PACKAGE: installs PACKAGE with apt-get unless COMMAND exists
  command -v "$1" >/dev/null 2>&1 && return 0
  log "installing $2 (apt-get)"
  as_root apt-get update -qq >/dev/null || true
  # shellcheck disable=SC2015 # log and fail when either step fails
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null && command -v "$1" >/dev/null 2>&1 \
    || { log "could not install $2 with apt-get"; return 1; }
}

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }  # utime + stime of every thread of PID

# ensure_fogbank: FOGBANK_BIN as given, or fogbank built (tests off, the project's default
# RelWithDebInfo) in BUILD_DIR from ROOT; build logs go to WORK.
ensure_fogbank() {
  if [[ -z "$FOGBANK_BIN" ]]; then
    FOGBANK_BIN="$BUILD_DIR/emulator/main/fogbank"
    log "building fogbank in $BUILD_DIR"
    cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DFOGBANK_BUILD_TESTS=OFF >"$WORK/cmake.log" 2>&1 \
      || { tail -20 "$WORK/cmake.log" >&2; die "cmake configure failed"; }
    ninja -C "$BUILD_DIR" -j2 fogbank >"$WORK/ninja.log" 2>&1 \
      || { tail -30 "$WORK/ninja.log" >&2; die "fogbank build failed"; }
  fi
  [[ -x "$FOGBANK_BIN" ]] || die "no fogbank binary at $FOGBANK_BIN"
}

# ensure_baseline: BASELINE_BIN (default BUILD_DIR/bench/beast_baseline), the ceiling of every
# HTTP benchmark here (bench/baseline_server.cpp), built with g++ -O2 when missing or older than
# its source.
ensure_baseline() {
  BASELINE_BIN="${BASELINE_BIN:-$BUILD_DIR/bench/beast_baseline}"
  if [[ ! -x "$BASELINE_BIN" || "$HERE/baseline_server.cpp" -nt "$BASELINE_BIN" ]]; then
    log "building the Beast baseline server"
    mkdir -p "$(dirname "$BASELINE_BIN")"
    g++ -O2 -std=c++20 -o "$BASELINE_BIN" "$HERE/baseline_server.cpp" -lpthread \
      || die "could not build bench/baseline_server.cpp"
  fi
}

# start_server NAME PATTERN COMMAND...: starts COMMAND (its output in WORK/NAME.log, its pid added
# to PIDS for the caller's cleanup) and sets PORT from the first output line matching PATTERN
# (a sed -E regex whose group 1 is the port); fails after 10 s or when the process exits first.
start_server() {
  local name="$1" pattern="$2"
  shift 2
  local out="$WORK/$name.log"
  : >"$out"  # there before the first look below, which may come before the child opens it
  "$@" >"$out" 2>&1 &
  PIDS+=("$!")
  local pid=$! i
  for ((i = 0; i < 200; i++)); do
    PORT="$(sed -nE "s#$pattern#\\1#p" "$out" | head -1)"
    [[ -n "$PORT" ]] && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  tail -20 "$out" >&2
  return 1
}

# bench_workspace NAME: WORK, a directory under /tmp removed at exit, and PIDS, where the script
# adds every process it starts: each is killed and waited for at exit (Ctrl-C included).
bench_workspace() {
  WORK="$(mktemp -d "/tmp/$1.XXXXXX")"
  PIDS=()
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
}
bench_cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
