#!/usr/bin/env bash
# Instructions a command runs, counted by valgrind's callgrind: the median of N runs (default 5), in millions.
# Wall time on these machines moves by 10-30% within minutes, and a page fault costs 10-20 µs (bench/page-faults.cjs),
# so an A/B of a few per cent in wall time needs dozens of paired runs; instruction counts repeat within 1-2% whatever
# else the machine does, and show such a change in five. Occasional runs count ~15% more (V8 compiling in the
# background): the median leaves them out. They do not count page faults or waiting, so they say whether a change
# does less work, not what a user waits; confirm a keeper with paired wall-time runs. About 5 s a run.
#
#   bench/instructions.sh [-n N] COMMAND [ARGS…]
#   bench/instructions.sh -n 7 node bin/run.cjs show --file examples/lambda-cold-start.json
#
# Runs as the bench does: no NODE_EXTRA_CA_CERTS (a CA bundle read at every start). Give each build its own
# XDG_CACHE_HOME when comparing two: the code cache (src/cli/code-cache.ts) is named by path, size and ctime.
set -euo pipefail
runs=5
if [ "${1:-}" = "-n" ]; then runs=$2; shift 2; fi
[ $# -gt 0 ] || { echo "usage: bench/instructions.sh [-n N] COMMAND [ARGS…]" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "bench/instructions.sh: valgrind is not installed (apt-get install valgrind)" >&2; exit 1; }
unset NODE_EXTRA_CA_CERTS
for _ in $(seq "$runs"); do
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null | sed -n 's/.*I *refs: *//p' | tr -d ,
done | sort -n | awk '{v[NR] = $1} END {printf "median %.1fM instructions (min %.1fM, max %.1fM, %d runs)\n", v[int((NR + 1) / 2)] / 1e6, v[1] / 1e6, v[NR] / 1e6, NR}'
