#!/usr/bin/env bash
# Issue 8's faults at fleet scale (docs/results.md, "Faults at fleet scale"): `spela fleet simulate`
# with DEVICES devices, a `spela monitor` process with a persistent session and a third-party
# subscriber, while the monitor is killed ten times, one of two shared collectors (PostgreSQL) is
# killed, the monitor is paused for 15 s, or the broker is down for 5 s and 60 s (Mosquitto, and
# the embedded broker on disk) (FleetFaultBenchmark), or one device process killed -9 and
# restarted and another restarted with its state deleted (DeviceFaultBenchmark); one line of
# figures per run, with the records lost.
#
#   tests/bench/faults.sh                                  # every fault, 16 devices, 5 epochs of 400 records
#   TESTS='*KilledTenTimes' tests/bench/faults.sh          # devices train until the ten kills are over
#   DEVICES=64 TESTS=mosquittoDownFiveSeconds tests/bench/faults.sh
#   TESTS='*DeviceKilledAndWiped' tests/bench/faults.sh       # device kill -9 and state wipe
#
# Runs at low priority (nice): the machine is shared. Prints the revision and the load average.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
echo "revision $(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo ' (modified)'), load average" \
  "$(cut -d' ' -f1-3 /proc/loadavg), $(nproc) processors"
log="$(mktemp --suffix=-faults.log)"
if ! nice mvn -B -q -o -pl tests -am verify -Dtest="FleetFaultBenchmark${TESTS:+#$TESTS},DeviceFaultBenchmark${TESTS:+#$TESTS}" -Dsurefire.excludedTags=zero-allocation \
  -Dsurefire.failIfNoSpecifiedTests=false -Dbench.devices="${DEVICES:-16}" -Dbench.records="${RECORDS:-400}" \
  -Dbench.recordEvery="${RECORD_EVERY:-10}" -Dbench.epochs="${EPOCHS:-5}" -Dbench.layers="${LAYERS:-784,32,16}" -Dbench.heap="${HEAP:-2g}" \
  > "$log" 2>&1; then
  echo "the benchmark failed (Maven's output: $log)"
fi
grep -oE '(embedded HiveMQ CE|Mosquitto)[^,]*, [^:]*: .* sent, .*' "$log" || true
