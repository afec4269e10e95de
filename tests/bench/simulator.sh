#!/usr/bin/env bash
# Load figures of `spela fleet simulate` (docs/results.md, "Hundreds of devices per host"): for each
# fleet size, N virtual devices in one simulator process, a `spela monitor` process storing into
# SQLite and a third-party subscriber (mosquitto_sub), on the embedded HiveMQ CE broker and on
# Mosquitto, and two collectors into PostgreSQL on Mosquitto; one line of figures per size and run
# (FleetSimulatorBenchmark).
#
#   tests/bench/simulator.sh                 # 16, 64 and 256 devices
#   SIZES="16 64" RECORDS=50 RECORD_EVERY=10 tests/bench/simulator.sh
#   SIZES=256 TESTS=mosquittoTwoCollectorsIntoPostgresql tests/bench/simulator.sh   # one of the runs
#
# Each device sends RECORDS records, one every RECORD_EVERY training samples of a LAYERS model.
# Runs at low priority (nice): the machine is shared. Prints the revision and the load average.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
sizes="${SIZES:-16 64 256}"
echo "revision $(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo ' (modified)'), load average" \
  "$(cut -d' ' -f1-3 /proc/loadavg), $(nproc) processors"
for n in $sizes; do
  log="$(mktemp --suffix="-simulator-$n.log")"
  if ! nice mvn -B -q -o -pl tests -am verify -Dtest="FleetSimulatorBenchmark${TESTS:+#$TESTS}" -Dsurefire.excludedTags=zero-allocation \
    -Dsurefire.failIfNoSpecifiedTests=false -Dbench.devices="$n" -Dbench.records="${RECORDS:-50}" \
    -Dbench.recordEvery="${RECORD_EVERY:-10}" -Dbench.layers="${LAYERS:-784,32,16}" -Dbench.heap="${HEAP:-2g}" \
    > "$log" 2>&1; then
    echo "$n devices: the benchmark failed (Maven's output: $log)"
  fi
  grep -oE '(embedded HiveMQ CE|Mosquitto)(, 2 collectors into PostgreSQL)?, [0-9]+ devices: .*' "$log" || true
done
