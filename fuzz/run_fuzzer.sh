#!/usr/bin/env bash
# One bounded libFuzzer run, as ctest's fuzz.<name> tests (and CI) run it:
#   run_fuzzer.sh FUZZER SEED_CORPUS WORK_DIR MAX_LEN DICT
# for FOGBANK_FUZZ_SECONDS seconds (default 8: a smoke run; `scripts/dev.sh fuzz` runs them for longer).
# New inputs go to WORK_DIR/corpus (the checked-in seeds are only read); a crash, leak, sanitizer
# report, uncaught exception or an input slower than 10 s fails the run and prints the
# reproducer: its file, base64 and the command that replays it. Save a new finding under
# fuzz/findings/<name>/ (kept out of CI) with the fix's regression test beside it.
# FOGBANK_FUZZ_SEED fixes libFuzzer's seed (the run prints the one it used: "INFO: Seed: N").
set -uo pipefail

fuzzer=$1 seeds=$2 work=$3 max_len=$4 dict=$5
seconds=${FOGBANK_FUZZ_SECONDS:-8}
mkdir -p "$work/corpus" "$work/artifacts"
rm -f "$work"/artifacts/*

args=(-max_total_time="$seconds" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048
      -dict="$dict" -artifact_prefix="$work/artifacts/" -print_final_stats=1)
[ -n "${FOGBANK_FUZZ_SEED:-}" ] && args+=(-seed="$FOGBANK_FUZZ_SEED")

"$fuzzer" "${args[@]}" "$work/corpus" "$seeds" 2>"$work/log"
status=$?
# The log is long (one line per new coverage); keep the start and the end.
head -n 12 "$work/log"
echo "..."
tail -n 40 "$work/log"

shopt -s nullglob
artifacts=("$work"/artifacts/*)
if [ "$status" -ne 0 ] || [ ${#artifacts[@]} -gt 0 ]; then
  echo
  echo "FUZZ FAILURE in $(basename "$fuzzer") (exit $status)"
  for artifact in "${artifacts[@]}"; do
    echo "reproducer: $artifact ($(stat -c %s "$artifact") bytes)"
    echo "replay:     $fuzzer $artifact"
    echo "base64 (first 3 KB):"
    head -c 3072 "$artifact" | base64 -w 100
  done
  exit 1
fi
echo "$(basename "$fuzzer"): no finding in ${seconds} s; corpus now $(ls "$work/corpus" | wc -l) new inputs"
