#!/usr/bin/env bash
# pgo.sh: regenerate cmd/ftpsniff/default.pgo, the CPU profile `go build`
# and `go test` use for profile-guided optimisation of ftpsniff (-pgo=auto:
# hotter call sites inlined, hot interface calls devirtualised). See
# docs/performance.md ("Profile-guided optimisation") for when to run it.
#
#   pcaps/bench/pgo.sh          # writes cmd/ftpsniff/default.pgo
#
# The profile is the merge of CPU profiles (--cpuprofile, hidden) of a
# build without a profile (-pgo=off, so the result does not depend on the
# profile it replaces) reading the shapes the benchmarks measure:
#   - the 10,000-session file (mksessions, 32 at once, 1 s apart, seed 1):
#     JSON and text with --workers 1, JSON with the default --workers 2
#   - a bulk-transfer capture (mkcapture, 300 MB, seed 1: compare.sh's
#     1 GB shape, smaller): JSON and text
#   - the hours series' 5,000-session file (mksessions, 32 at once, 10 s
#     apart, seed 2: 14 h of packet time): JSON and text
# each run PGO_RUNS times (CPU profiles sample at 100 Hz; a run is about a
# second, so one run is a hundred samples).
#
# Environment:
#   BENCH_OUT  directory for binaries, captures and the run profiles
#              (default ./bench-out, gitignored); missing captures are made
#   PGO_RUNS   runs of each command (default 5)
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
out=${BENCH_OUT:-$repo/bench-out}
runs=${PGO_RUNS:-5}
mkdir -p "$out/bin" "$out/pgo"
out=$(cd "$out" && pwd)
rm -f "$out"/pgo/*.prof

(cd "$repo" && CGO_ENABLED=0 go build -pgo=off -o "$out/bin/ftpsniff-nopgo" ./cmd/ftpsniff &&
	go build -o "$out/bin/mksessions" ./pcaps/bench/mksessions &&
	go build -o "$out/bin/mkcapture" ./pcaps/bench/mkcapture)

tenk=$out/sessions-10000-c32-g1s-seed1.pcap
hours=$out/hours-5000.pcap
bulk=$out/ftp-300MB-seed1.pcap
[[ -s $tenk ]] || "$out/bin/mksessions" -sessions 10000 -concurrency 32 -gap 1s -seed 1 -o "$tenk"
[[ -s $hours ]] || "$out/bin/mksessions" -sessions 5000 -concurrency 32 -gap 10s -seed 2 -o "$hours"
[[ -s $bulk ]] || "$out/bin/mkcapture" -size 300MB -seed 1 -o "$bulk"

# profile NAME ARGS...: PGO_RUNS runs of `ftpsniff read ARGS`, a profile each.
profile() {
	local name=$1 i
	shift
	for ((i = 1; i <= runs; i++)); do
		"$out/bin/ftpsniff-nopgo" read --cpuprofile "$out/pgo/$name-$i.prof" "$@" >/dev/null
	done
}
profile 10k-json-w1 --json --workers 1 "$tenk"
profile 10k-text-w1 --workers 1 "$tenk"
profile 10k-json-w2 --json "$tenk"
profile bulk-json --json "$bulk"
profile bulk-text "$bulk"
profile hours-json --json "$hours"
profile hours-text "$hours"

(cd "$repo" && go tool pprof -proto "$out"/pgo/*.prof >cmd/ftpsniff/default.pgo)
ls -l "$repo/cmd/ftpsniff/default.pgo"
