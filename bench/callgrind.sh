#!/usr/bin/env bash
# Counts instructions per operation (valgrind --tool=callgrind, deterministic) for each
# contender's single-thread read (inlined into its loop, and called from ordinary code), swap and
# three-field read, and the linked structures' list walk and map get: the evidence behind the
# "why" of BENCHMARKS.md.
# Usage: bench/callgrind.sh [OPS]   (default 100000; takes about a minute)
#        HAZPTR_BARRIER=fallback bench/callgrind.sh   (hazptr's fallback barrier; valgrind runs
#        membarrier, so the default is the asymmetric one)
set -eu
cd "$(dirname "$0")/.."
ops="${1:-100000}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target/bench-prof}"
CARGO_PROFILE_RELEASE_DEBUG=line-tables-only cargo build -q --release -p hazptr-bench --bin profile
bin="$CARGO_TARGET_DIR/release/profile"
out="$(mktemp -d)"
echo "hazptr barrier: ${HAZPTR_BARRIER:-asymmetric where membarrier works} (HAZPTR_BARRIER=fallback for the other)"
printf '%-28s %12s\n' "operation contender" "instr/op"
for run in "read hazptr-derive" "read hazptr-macro" "read raw-reused" "read raw-new" \
    "read arc-swap" "read epoch" "read seize" "read rwlock" \
    "swap hazptr-derive" "swap raw-reused" "swap arc-swap" "swap epoch" "swap seize" \
    "fields protected-block" "fields three-guards" "fields arc-swap" \
    "ordinary hazptr-derive" "ordinary hazptr-macro" "ordinary raw-reused" "ordinary epoch" \
    "ordinary seize" "ordinary arc-swap" "ordinary plain"; do
    set -- $run
    file="$out/$1.$2.out"
    valgrind --tool=callgrind --callgrind-out-file="$file" "$bin" "$1" "$2" "$ops" >/dev/null 2>&1
    # Inclusive count of the measuring function (`ns_per_read`, `ns_per_replace`,
    # `ns_per_read_all`, `ns_per_call`), which runs OPS + 1 operations (one warm-up).
    total=$(callgrind_annotate --inclusive=yes "$file" 2>/dev/null |
        grep -m1 -E '::ns_per_(read|replace|read_all|call)( \[|$)' | awk '{gsub(",", "", $1); print $1}')
    awk -v run="$run" -v total="$total" -v ops="$ops" 'BEGIN { printf "%-28s %12.1f\n", run, total / (ops + 1) }'
done
# Linked structures (workloads 9 and 10): instructions per node visited by `contains` on the
# 1,000-key list (the inclusive count of `ns_per_node_visited`, over the nodes its lookups
# visit), and per `get` in the 100,000-key map (the difference between runs of 300,000 and
# 100,000 lookups over 200,000: the fill, the same in both, cancels out).
for contender in hazptr epoch; do
    file="$out/list.$contender.out"
    nodes=$(valgrind --tool=callgrind --callgrind-out-file="$file" "$bin" list "$contender" 2000 2>/dev/null |
        sed -n 's/.*(\([0-9]*\) nodes).*/\1/p')
    total=$(callgrind_annotate --inclusive=yes "$file" 2>/dev/null |
        grep -m1 -E '::ns_per_node_visited' | awk '{gsub(",", "", $1); print $1}')
    awk -v c="$contender" -v total="$total" -v nodes="$nodes" \
        'BEGIN { printf "%-28s %12.1f  (per node visited)\n", "list " c, total / nodes }'
done
for contender in hazptr dashmap rwlock; do
    for n in 100000 300000; do
        valgrind --tool=callgrind --callgrind-out-file="$out/get.$contender.$n.out" "$bin" get "$contender" "$n" >/dev/null 2>&1
    done
    small=$(callgrind_annotate "$out/get.$contender.100000.out" 2>/dev/null | grep -m1 PROGRAM | awk '{gsub(",", "", $1); print $1}')
    large=$(callgrind_annotate "$out/get.$contender.300000.out" 2>/dev/null | grep -m1 PROGRAM | awk '{gsub(",", "", $1); print $1}')
    awk -v c="$contender" -v s="$small" -v l="$large" \
        'BEGIN { printf "%-28s %12.1f  (per map get)\n", "get " c, (l - s) / 200000 }'
done
rm -rf "$out"
