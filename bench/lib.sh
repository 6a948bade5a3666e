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
