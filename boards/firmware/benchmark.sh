#!/usr/bin/env bash
# Firmware benchmark (docs/results.md, "Firmware"): the 784-128-34 equality check and the
# instructions per step of each layer shape on each emulated core. Slow (minutes); not part of
# mvn verify, whose FirmwareEqualsHostTest does the same for 784-32-34.
#
#   boards/firmware/benchmark.sh [SAMPLES] [HELD_OUT]     (defaults 300 and 100)
#   SPELA="java -jar host-tools/target/spela.jar" boards/firmware/benchmark.sh
#
# Needs gcc-arm-none-eabi, libnewlib-arm-none-eabi and qemu-system-arm, and ../shared/datasets/mnist.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
samples="${1:-300}"
held_out="${2:-100}"
mnist="${MNIST_DIR:-$root/../shared/datasets/mnist}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# SPELA may name another spela command (a built jar: "java -jar .../spela.jar").
spela() { ${SPELA:-"$root/spela"} "$@"; }

# Boards large enough for 784-128-34 on each core: the shipped profiles' cores, with 4 MB of RAM.
profiles="$root/boards/src/main/resources/dev/spela/boards"
for core in m4:nrf52840 m7:stm32f746 m0plus:rp2040; do
  name="${core%%:*}-4mb"
  sed -e "s/\"id\": \"${core#*:}\"/\"id\": \"$name\"/" -e 's/"sramBytes": [0-9]*/"sramBytes": 4194304/' \
    -e 's/"flashBytes": [0-9]*/"flashBytes": 4194304/' "$profiles/${core#*:}.json" > "$work/$name.json"
done

for layers in 784,32,34 784,128,34; do
  shape="${layers//,/-}"
  image="$work/model-$shape.img"
  spela compile --layers "$layers" --seed 3 -o "$image" >/dev/null
  spela train --dataset mnist --data-dir "$mnist" --engine fixed --init "$image" --in-order \
    --epochs 1 --threads 1 --train-samples "$samples" --test-samples "$held_out" \
    --save "$work/host-$shape.img" --json > "$work/host-$shape.json"
  host_sha="$(sha256sum "$work/host-$shape.img" | cut -d' ' -f1)"
  for core in m4 m7 m0plus; do
    out="$work/fw-$core-$shape"
    spela firmware build --board-file "$work/$core-4mb.json" --image "$image" --data-dir "$mnist" \
      --samples "$samples" --held-out "$held_out" -o "$out" >/dev/null
    spela firmware run "$out" --json > "$out.json"
    python3 - "$shape" "$core" "$out.json" "$work/host-$shape.json" "$host_sha" <<'PY'
import json, sys
layers, core, fw_file, host_file, host_sha = sys.argv[1:]
fw = json.load(open(fw_file))
host = json.load(open(host_file))
same = fw["writtenImageSha256"] == host_sha and fw["layerAccuracy"] == host["layerAccuracy"]
i = fw["instructions"]
print(f"{layers} {core}: training step {i['trainStep']:,} prediction {i['prediction']:,}"
      f" load {i['load']:,} write-back {i['writeBack']:,} instructions;"
      f" accuracy {fw['layerAccuracy']}; {'same image and accuracy as the host' if same else 'DIFFERS FROM THE HOST'}")
if not same:
    sys.exit(1)
PY
  done
done
