#!/usr/bin/env bash
# The memory estimate against the peak resident memory of `exactspike run`, for recurrent
# networks of N IF_cond_exp neurons connected with fixed_probability p, each neuron with its own
# Poisson source (one_to_one), spikes recorded, 10 ms simulated. docs/performance.md ("Memory
# estimate") has the table this prints and how it was made.
#
#   benches/memory_estimate.sh                      # the documented sizes
#   benches/memory_estimate.sh 2000:0.5 20000:0.05  # N:p of your own
#
# Both figures are logged by the command at RUST_LOG=info: "memory estimate"
# (estimated_peak_bytes, before the network is built) and "memory used" (peak_resident_bytes,
# VmHWM of /proc/self/status at exit). Runs one network at a time; the largest default size
# needs about 5.8 GB and 30 s.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin="${CARGO_TARGET_DIR:-target}/release/exactspike"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

# The value of NAME=VALUE in a log without colours.
field() { grep -o "$1=[0-9]*" "$2" | head -n1 | cut -d= -f2; }

echo "| neurons | p | synapses | estimate | peak RSS | estimate / RSS | wall |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for case in ${@:-1000:1.0 10000:0.1 30000:0.1}; do
    n=${case%%:*}
    p=${case##*:}
    cat >"$dir/net.toml" <<EOF
[simulation]
t_stop = 10.0
seed = 1

[[population]]
name = "exc"
size = $n
model = "IF_cond_exp"

[[population]]
name = "noise"
size = $n
model = "SpikeSourcePoisson"
params = { rate = 20.0 }

[[projection]]
pre = "exc"
post = "exc"
connector = { type = "fixed_probability", p = $p }
weight = 0.0001
delay = 1.0

[[projection]]
pre = "noise"
post = "exc"
connector = { type = "one_to_one" }
weight = 0.01

[record]
spikes = ["exc"]
EOF
    start=$(date +%s.%N)
    RUST_LOG=exactspike=info "$bin" run "$dir/net.toml" --out "$dir/net.h5" --quiet --overwrite \
        2>&1 | sed 's/\x1b\[[0-9;]*m//g' >"$dir/log"
    wall=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
    estimate=$(field estimated_peak_bytes "$dir/log")
    resident=$(field peak_resident_bytes "$dir/log")
    synapses=$(field synapses "$dir/log")
    awk -v n="$n" -v p="$p" -v s="$synapses" -v e="$estimate" -v r="$resident" -v w="$wall" \
        'BEGIN { printf "| %d | %s | %d | %.1f MB | %.1f MB | %.3f | %.1f s |\n",
                 n, p, s, e / 1e6, r / 1e6, e / r, w }'
    rm -f "$dir/net.h5"
done
