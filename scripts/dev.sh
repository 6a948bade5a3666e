#!/usr/bin/env bash
# The two ways to start fogbank from a fresh Debian machine (see README.md):
#   scripts/dev.sh serve [serve options]   install what is missing, build, run `fogbank serve`
#   scripts/dev.sh test                    install what is missing, build, run the whole test suite
# Set FOGBANK_BUILD_DIR to build elsewhere (default: build/).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${FOGBANK_BUILD_DIR:-$root/build}

# Debian packages the build and the tests need. Keep docker/Dockerfile in step with this list.
packages=(
  build-essential cmake ninja-build ccache pkg-config
  libboost-dev libboost-system-dev librocksdb-dev nlohmann-json3-dev libyaml-cpp-dev zlib1g-dev libssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-boto3 awscli
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
}

build() {
  local werror=OFF
  [ "${CI:-}" = "true" ] && werror=ON
  echo "== configuring in $build_dir"
  cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFOGBANK_WERROR=$werror >/dev/null
  echo "== building"
  cmake --build "$build_dir" -j "$(nproc)"
}

case "${1:-}" in
  serve)
    shift
    install_missing
    build
    exec "$build_dir/emulator/main/fogbank" serve "$@"
    ;;
  test)
    install_missing
    install_js_test_packages
    build
    echo "== running the test suite"
    cd "$build_dir"
    exec ctest --output-on-failure --timeout 900 -j "$(nproc)"
    ;;
  *)
    echo "usage: scripts/dev.sh serve [options] | scripts/dev.sh test" >&2
    exit 2
    ;;
esac
