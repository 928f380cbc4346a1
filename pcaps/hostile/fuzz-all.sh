#!/usr/bin/env bash
# Runs every Go fuzz target of the module, one at a time, for FUZZTIME
# each, and prints a table: target, package, time fuzzed, executions, new
# interesting inputs, result. Targets are found the way docs/fuzzing.md
# lists them (grep for '^func Fuzz' in *_test.go), so a new target is run
# without editing this script. One fuzz worker per target (-parallel 1)
# so that the run leaves the other core to whatever else the machine
# does; it is niced for the same reason.
#
#   pcaps/hostile/fuzz-all.sh                          # 2m each, ~30 targets, ~70 minutes
#   FUZZTIME=10s pcaps/hostile/fuzz-all.sh             # smoke run
#   FUZZ_ONLY='^Fuzz(Decode|Pipeline)$' pcaps/hostile/fuzz-all.sh
#
# Environment: FUZZTIME (a go duration in s, m or h; default 2m),
# FUZZ_ONLY (extended regex on target names), FUZZ_PARALLEL (workers,
# default 1), FUZZ_LOGDIR (one log per target, NAME.log; default a temp
# dir, kept so a failure can be read), FUZZ_NICE (default 15),
# FUZZ_MINIMIZETIME (passed as -fuzzminimizetime; default go's 60s).
#
# Go minimizes every input that finds new coverage before it fuzzes on,
# for up to -fuzzminimizetime, and those executions are not in the
# "execs" count. Where one execution is slow (FuzzPipeline builds a whole
# decoder per input, ~3 ms) nearly all of FUZZTIME goes to minimizing:
# FUZZ_MINIMIZETIME=5s leaves it the time to fuzz.
#
# Vet is off (-vet=off): go test vets the package before it fuzzes, and a
# vet complaint would fail the run without the target having failed; run
# go vet on its own. A package that does not build is reported as such,
# not as a fuzz failure.
#
# Every run is bounded twice: go test's own -timeout at FUZZTIME plus ten
# minutes (for building the instrumented binary and the baseline pass over
# the corpus), and an outer timeout -s KILL a minute after that. A target
# that fails leaves its input in PKG/testdata/fuzz/NAME/ (that is go
# test's doing, and is how the input becomes a seed); a passing run
# writes nothing to the tree. The exit code is the number of failed
# targets (at most 125).
set -u
cd "$(dirname "$0")/../.."
export PATH=$PATH:/usr/local/go/bin

fuzztime=${FUZZTIME:-2m}
parallel=${FUZZ_PARALLEL:-1}
nice_n=${FUZZ_NICE:-15}
only=${FUZZ_ONLY:-}
logdir=${FUZZ_LOGDIR:-$(mktemp -d /tmp/fuzzall.XXXXXX)}
mkdir -p "$logdir"

case $fuzztime in
*h) secs=$((${fuzztime%h} * 3600)) ;;
*m) secs=$((${fuzztime%m} * 60)) ;;
*s) secs=${fuzztime%s} ;;
*) echo "fuzz-all: FUZZTIME $fuzztime: want a whole number of s, m or h (e.g. 2m)" >&2; exit 125 ;;
esac
case $secs in
'' | *[!0-9]*) echo "fuzz-all: FUZZTIME $fuzztime: want a whole number of s, m or h (e.g. 2m)" >&2; exit 125 ;;
esac
bound=$((secs + 600))
minimize=()
[ -n "${FUZZ_MINIMIZETIME:-}" ] && minimize=(-fuzzminimizetime "$FUZZ_MINIMIZETIME")

# "./decode/ftp/command_test.go:119:func FuzzParseCommand(f *testing.F) {" -> "decode/ftp FuzzParseCommand"
targets=$(grep -rn '^func Fuzz' --include='*_test.go' . |
	sed -E 's#^\./(.*)/[^/]+_test\.go:[0-9]+:func (Fuzz[A-Za-z0-9_]*)\(.*#\1 \2#' | sort -u)
if [ -n "$only" ]; then
	targets=$(printf '%s\n' "$targets" | awk -v re="$only" '$2 ~ re')
fi
n=$(printf '%s\n' "$targets" | grep -c .)
if [ "$n" -eq 0 ]; then
	echo "fuzz-all: no fuzz target matches ${only:-anything}" >&2
	exit 125
fi

echo "# ftpsniff $(git describe --always --dirty 2>/dev/null || echo '(no git)'), $(go version | cut -d' ' -f3), $(nproc) cores, $n targets, -fuzztime $fuzztime -parallel $parallel${minimize[*]:+ ${minimize[*]}}, $(date -u +%FT%TZ)"
echo "# logs in $logdir"
printf '%-34s %-18s %8s %12s %8s %s\n' target package fuzzed execs new result
failed=0
while read -r pkg name; do
	log=$logdir/$name.log
	{
		echo "# nice -n $nice_n go test ./$pkg -run '^\$' -fuzz '^$name\$' -fuzztime $fuzztime -parallel $parallel -timeout ${bound}s -vet=off${minimize[*]:+ ${minimize[*]}}"
		echo "# start $(date -u +%FT%TZ)"
	} >"$log"
	timeout -s KILL $((bound + 60)) nice -n "$nice_n" go test "./$pkg" -run '^$' -fuzz "^$name\$" \
		-fuzztime "$fuzztime" -parallel "$parallel" -timeout "${bound}s" -vet=off "${minimize[@]}" >>"$log" 2>&1
	rc=$?
	echo "# end $(date -u +%FT%TZ) exit $rc" >>"$log"
	# The engine's last progress line: "fuzz: elapsed: 2m0s, execs: 8118230 (67598/sec), new interesting: 3 (total: 52)".
	last=$(grep -a '^fuzz: elapsed:' "$log" | tail -1)
	fuzzed=$(sed -nE 's/^fuzz: elapsed: ([^,]+),.*/\1/p' <<<"$last")
	execs=$(sed -nE 's/.* execs: ([0-9]+) .*/\1/p' <<<"$last")
	newi=$(sed -nE 's/.*new interesting: ([0-9]+).*/\1/p' <<<"$last")
	if [ "$rc" -eq 0 ] && grep -aq '^ok' "$log"; then
		result=PASS
	elif grep -aqE '\[(build|setup) failed\]' "$log"; then
		failed=$((failed + 1))
		result="NOT RUN: does not build: $(grep -aE '^[^#].*\.go:[0-9]+:[0-9]+: ' "$log" | head -1 | cut -c1-100)"
	else
		failed=$((failed + 1))
		input=$(grep -aoE "testdata/fuzz/$name/[0-9a-f]+" "$log" | tail -1)
		# The first line go test prints under "--- FAIL": the t.Fatal message,
		# "testing.go:NNNN: panic: ...", or "fuzzing process hung ...".
		reason=$(awk '/^[[:space:]]*--- FAIL/ {f=1; next} f && NF {sub(/^[[:space:]]+/, ""); print; exit}' "$log" | cut -c1-100)
		[ -z "$reason" ] && reason=$(grep -avE '^(#|fuzz: )' "$log" | grep -a . | tail -1 | cut -c1-100)
		[ "$rc" -ge 124 ] && reason="killed after $((bound + 60))s; $reason"
		result="FAIL (exit $rc) ${input:+$pkg/$input }${reason}"
	fi
	printf '%-34s %-18s %8s %12s %8s %s\n' "$name" "$pkg" "${fuzzed:--}" "${execs:--}" "${newi:--}" "$result"
done <<<"$targets"
echo "# $failed of $n failed"
[ "$failed" -gt 125 ] && failed=125
exit "$failed"
