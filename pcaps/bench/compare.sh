#!/usr/bin/env bash
# compare.sh: ftpsniff's speed and memory against a bare gopacket decoding
# loop (pcaps/bench/bareloop) and tshark, on one large generated capture.
#
#   pcaps/bench/compare.sh            # 1 GB capture in ./bench-out
#
# Environment:
#   BENCH_OUT     directory for binaries, capture and results (default ./bench-out, gitignored)
#   BENCH_SIZE    capture size for mkcapture (default 1GB)
#   BENCH_SEED    mkcapture seed (default 1)
#   BENCH_RUNS    timed runs of ftpsniff and bareloop; the median wall time counts (default 5)
#   SKIP_TSHARK=1 do not time tshark (it takes minutes on 1 GB)
#   CGO_ENABLED   how ftpsniff is built (default 0, the README's default build)
#
# Nothing is dropped from the page cache: every tool runs once untimed
# first, so all timings are from a warm cache. Targets: ftpsniff wall time
# <= 1.5x bareloop, >= 30x faster than tshark, peak RSS < 64 MB. A missed
# target is reported loudly, but the exit status is 0 (it is a measurement,
# not a test); it is non-zero only when something fails to run or ftpsniff
# disagrees with what the generator wrote.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
out=${BENCH_OUT:-$repo/bench-out}
size=${BENCH_SIZE:-1GB}
seed=${BENCH_SEED:-1}
runs=${BENCH_RUNS:-5}
mkdir -p "$out/bin"
out=$(cd "$out" && pwd)
cap=$out/ftp-$size-seed$seed.pcap

if [[ ! -x /usr/bin/time ]]; then
	echo "compare.sh: installing GNU time" >&2
	apt-get install -y time >/dev/null
fi
have_tshark=1
if [[ ${SKIP_TSHARK:-0} == 1 ]] || ! command -v tshark >/dev/null; then
	have_tshark=0
fi

echo "== build"
(cd "$repo" && CGO_ENABLED=${CGO_ENABLED:-0} go build -o "$out/bin/ftpsniff" ./cmd/ftpsniff && # the default build (README)
	go build -o "$out/bin/bareloop" ./pcaps/bench/bareloop &&
	go build -o "$out/bin/mkcapture" ./pcaps/bench/mkcapture)
go version

if [[ ! -s $cap || ! -s $cap.json ]]; then
	echo "== make capture $cap"
	"$out/bin/mkcapture" -size "$size" -seed "$seed" -o "$cap"
fi
ls -l "$cap"

# measure NAME CMD...: one run under /usr/bin/time -v (user, sys, max RSS); appends
# "NAME wall_s user_s sys_s maxrss_kb" to $out/times.txt.
measure() {
	local name=$1
	shift
	local log=$out/time-$name.log t0 t1
	t0=$EPOCHREALTIME
	/usr/bin/time -v -o "$log" "$@"
	t1=$EPOCHREALTIME
	# time -v prints wall time to 10 ms; the shell's clock around it is
	# finer (and includes only a fork/exec more).
	awk -v name="$name" -v w="$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" '
		/User time/ { u = $NF }
		/System time/ { s = $NF }
		/Maximum resident set size/ { r = $NF }
		END { printf "%s %.3f %.2f %.2f %d\n", name, w, u, s, r }' "$log" >>"$out/times.txt"
}

echo "== warm up (untimed)"
"$out/bin/ftpsniff" read --json "$cap" >"$out/ftpsniff.jsonl"
"$out/bin/bareloop" "$cap" | tee "$out/bareloop.txt"
if ((have_tshark)); then
	tshark -r "$repo/pcaps/real/passive-curl.pcap" -Y ftp >/dev/null 2>&1
fi

echo "== check ftpsniff against the generator's counts"
want=$(jq -c '{sessions, data: .data_connections, transferred, connected, packets}' "$cap.json")
got=$(tail -n 1 "$out/ftpsniff.jsonl" | jq -c '{sessions, data: .data_connections, transferred: (.outcomes.transferred // 0), connected: (.outcomes.connected // 0), packets: (.decode.packets // .decode.Packets)}')
echo "generator: $want"
echo "ftpsniff:  $got"
if [[ $want != "$got" ]]; then
	echo "compare.sh: ftpsniff's summary differs from what mkcapture wrote" >&2
	exit 1
fi

echo "== timed runs ($runs each; tshark once); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
: >"$out/times.txt"
for ((i = 1; i <= runs; i++)); do
	measure ftpsniff "$out/bin/ftpsniff" read --json "$cap" >/dev/null
	measure bareloop "$out/bin/bareloop" "$cap" >/dev/null
done
if ((have_tshark)); then
	measure tshark tshark -r "$cap" -Y ftp >/dev/null 2>"$out/tshark.err"
fi
cat "$out/times.txt"

# median wall, max RSS per tool
summary=$(awk '
	{ w[$1] = w[$1] " " $2; if ($5 > r[$1]) r[$1] = $5; u[$1] += $3; s[$1] += $4; n[$1]++ }
	END {
		for (t in w) {
			k = split(substr(w[t], 2), a, " ")
			for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] < a[i]) { x = a[i]; a[i] = a[j]; a[j] = x }
			med = (k % 2) ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
			printf "%s %.3f %.1f %.2f %.2f\n", t, med, r[t] / 1024, u[t] / n[t], s[t] / n[t]
		}
	}' "$out/times.txt")
get() { awk -v t="$1" -v f="$2" '$1 == t { print $f }' <<<"$summary"; }
fw=$(get ftpsniff 2) fr=$(get ftpsniff 3)
bw=$(get bareloop 2) br=$(get bareloop 3)
tw=$(get tshark 2) tr=$(get tshark 3)
mb=$(awk -v b="$(stat -c %s "$cap")" 'BEGIN { printf "%.0f", b / 1048576 }')

echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine makes wall times noisy)"
echo
echo "== results: $cap ($mb MiB), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
printf '%-10s %10s %10s %10s %10s %12s\n' tool wall_s user_s sys_s maxrss_MB MiB/s
for t in ftpsniff bareloop tshark; do
	w=$(get $t 2)
	[[ -z $w ]] && continue
	printf '%-10s %10s %10s %10s %10s %12.0f\n' $t "$w" "$(get $t 4)" "$(get $t 5)" "$(get $t 3)" "$(awk -v m="$mb" -v w="$w" 'BEGIN { print m / w }')"
done
ratio_fb=$(awk -v a="$fw" -v b="$bw" 'BEGIN { printf "%.2f", a / b }')
cpu_fb=$(awk -v a="$(get ftpsniff 4)" -v b="$(get ftpsniff 5)" -v c="$(get bareloop 4)" -v d="$(get bareloop 5)" 'BEGIN { printf "%.2f", (a + b) / (c + d) }')
echo "ftpsniff / bareloop wall: ${ratio_fb}x (CPU user+sys: ${cpu_fb}x)"
if [[ -n $tw ]]; then
	ratio_tf=$(awk -v a="$tw" -v b="$fw" 'BEGIN { printf "%.1f", a / b }')
	echo "tshark / ftpsniff wall:   ${ratio_tf}x"
fi

echo
missed=0
check() { # check DESCRIPTION awk-condition
	if awk "BEGIN { exit !($2) }"; then
		echo "target met:    $1"
	else
		echo "!!! TARGET MISSED: $1 !!!"
		missed=1
	fi
}
check "ftpsniff wall <= 1.5x bareloop (${ratio_fb}x)" "$fw <= 1.5 * $bw"
if [[ -n $tw ]]; then
	check "ftpsniff >= 30x faster than tshark (${ratio_tf}x)" "$tw >= 30 * $fw"
else
	echo "target skipped: tshark not timed"
fi
check "ftpsniff peak RSS < 64 MB (${fr} MB)" "$fr < 64"
if ((missed)); then
	echo "!!! compare.sh: at least one target missed (see above) !!!"
fi
exit 0
