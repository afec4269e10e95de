#!/usr/bin/env bash
# Issue 8's "the fleet tests pass 20 runs in a row on a machine kept busy by a CPU hog in parallel"
# (docs/results.md, "The fleet tests under load"): builds once, starts HOGS busy loops (`yes >
# /dev/null`, as many as processors by default), then runs the fleet tests RUNS times in a row,
# at the same priority as the hogs (no nice: the point is tests that compete for the processors).
#
#   tests/bench/fleet-under-load.sh                      # 20 runs beside one hog per processor
#   tests/bench/fleet-under-load.sh --runs 5 --hogs 2    # 5 runs beside two hogs
#   tests/bench/fleet-under-load.sh --keep-going         # every run, even after a failure
#   TESTS='*HostSessionTest' tests/bench/fleet-under-load.sh --runs 3   # a part of the set
#
# The fleet tests are every test class of dev.spela.tests.fleet (FLEET_TESTS below; benchmarks are
# tagged and stay out). Each run is `mvn -o -pl tests -am test` (compilation is up to date after
# the first build, so a run costs a few seconds of Maven besides the tests): surefire:test alone
# would take the other modules' jars from ~/.m2, not this worktree's classes.
#
# Writes one line per run (number, passed or failed, tests, seconds, failed tests) to
# tests/target/fleet-under-load/runs.log and keeps a failed run's surefire reports in
# tests/target/fleet-under-load/run-N/. Stops at the first failed run unless --keep-going.
# Exit code 0 only if every run passed; 1 if one failed; 2 on a usage error.
set -euo pipefail

FLEET_TESTS='dev/spela/tests/fleet/*Test'

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'
  cat <<'EOF'

Options:
  --runs N       runs in a row (default 20)
  --hogs N       busy loops beside the tests (default: one per processor; 0 for none)
  --keep-going   go on after a failed run
  --help         this text
EOF
}

runs=20
hogs="$(nproc)"
keep_going=false
while (($#)); do
  case "$1" in
    --runs) runs="${2:?--runs needs a number}"; shift 2 ;;
    --hogs) hogs="${2:?--hogs needs a number}"; shift 2 ;;
    --keep-going) keep_going=true; shift ;;
    --help|-h) usage; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
if ! [[ "$runs" =~ ^[1-9][0-9]*$ && "$hogs" =~ ^[0-9]+$ ]]; then
  echo "--runs must be a positive number and --hogs a number (see --help)" >&2
  exit 2
fi

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
out="tests/target/fleet-under-load"
reports="tests/target/surefire-reports"
tests="${TESTS:+dev/spela/tests/fleet/$TESTS}"
tests="${tests:-$FLEET_TESTS}"
revision="$(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo ' (modified)')"

echo "revision $revision, $(nproc) processors, load average $(cut -d' ' -f1-3 /proc/loadavg); building"
build_log="$(mktemp --suffix=-fleet-build.log)"
if ! mvn -B -q -o -pl tests -am test-compile > "$build_log" 2>&1; then
  echo "the build failed (Maven's output: $build_log)" >&2
  exit 1
fi
mkdir -p "$out"

hog_pids=()
stop_hogs() {
  if ((${#hog_pids[@]})); then
    kill "${hog_pids[@]}" 2> /dev/null || true
  fi
}
trap stop_hogs EXIT
trap 'exit 130' INT TERM
for ((h = 0; h < hogs; h++)); do
  yes > /dev/null &
  hog_pids+=($!)
done

log="$out/runs.log"
echo "# $(date -u '+%F %T') UTC, revision $revision, $hogs hogs, $(nproc) processors, tests $tests" >> "$log"
echo "$hogs hogs started; $runs runs of $tests; one line a run in $log"

# "tests failures errors" summed over the reports, then the failed tests as Class#method.
summarise() {
  awk '
    /<testsuite / {
      for (i = 1; i <= NF; i++) if (split($i, kv, "=") == 2) { gsub(/[">]/, "", kv[2]); s[kv[1]] += kv[2] }
    }
    /<testcase / {
      match($0, / name="[^"]*"/); name = substr($0, RSTART + 7, RLENGTH - 8)
      match($0, / classname="[^"]*"/); class = substr($0, RSTART + 12, RLENGTH - 13); sub(/.*\./, "", class)
    }
    /<(failure|error)[ >]/ { failed = failed " " class "#" name }
    END { printf "%d %d %d%s\n", s["tests"], s["failures"], s["errors"], failed }
  ' "$reports"/TEST-*.xml 2> /dev/null || echo "0 0 0"
}

passed=0
failed_runs=0
for ((run = 1; run <= runs; run++)); do
  rm -rf "$reports"
  run_log="$out/run-$run.maven.log"
  start=$(date +%s)
  status=passed
  mvn -B -q -o -pl tests -am test -Dtest="$tests" -Dsurefire.failIfNoSpecifiedTests=false > "$run_log" 2>&1 \
    || status=failed
  seconds=$(($(date +%s) - start))
  read -r count failures errors failed_tests <<< "$(summarise)"
  if ((count == 0)); then
    status=failed
    failed_tests="no test ran (Maven's output: $out/run-$run/${run_log##*/})"
  fi
  line="run $run/$runs $status: $count tests, $failures failures, $errors errors, $seconds s, load average $(cut -d' ' -f1 /proc/loadavg)${failed_tests:+; failed: $failed_tests}"
  echo "$line" | tee -a "$log"
  if [[ "$status" == passed ]]; then
    passed=$((passed + 1))
    rm -f "$run_log"
  else
    failed_runs=$((failed_runs + 1))
    rm -rf "$out/run-$run"
    cp -r "$reports" "$out/run-$run" 2> /dev/null || mkdir -p "$out/run-$run"
    mv "$run_log" "$out/run-$run/"
    if ! $keep_going; then
      break
    fi
  fi
done
echo "$passed of $((passed + failed_runs)) runs passed (of $runs asked), revision $revision, $hogs hogs" | tee -a "$log"
((failed_runs == 0 && passed == runs))
