#!/usr/bin/env bash
# scaling.sh: how ftpsniff's time and memory grow with the number of FTP
# sessions that ever passed, on captures of many small vsftpd sessions
# spread over hours of packet time (pcaps/bench/mksessions), against the
# bare decoding loop (pcaps/bench/bareloop) on the same files.
#
#   pcaps/bench/scaling.sh                    # 10k, 20k, ... 640k, 1M sessions in ./bench-out
#   SCALE_MAX=80000 pcaps/bench/scaling.sh    # quick: 10k, 20k, 40k, 80k
#
# Environment:
#   BENCH_OUT          directory for binaries, captures and results (default ./bench-out, gitignored)
#   SCALE_MIN          smallest capture, in sessions (default 10000); the series doubles from it
#   SCALE_MAX          largest capture (default 1000000); it ends the series even when not a doubling
#   SCALE_RUNS         timed runs of each tool per file; the median wall time counts (default 3)
#   SCALE_SEED         mksessions seed (default 1)
#   SCALE_CONCURRENCY  most sessions under way at once (default 32)
#   SCALE_GAP          mean time between session arrivals, packet time (default 1s: 10k sessions span ~2.8 h)
#   SCALE_RESERVE_MB   disk space to leave free when making captures (default 2048)
#   SCALE_KEEP=0       delete each capture once measured (default: keep them for the next run)
#   SCALE_FTPSNIFF     an ftpsniff binary to measure instead of building ./cmd/ftpsniff
#                      (e.g. one built from an older commit, for a before/after table)
#   CGO_ENABLED        how ftpsniff is built (default 0, the README's default build; 1 for the
#                      cgo build, about 4 MB more resident: the C library and its loader)
#
# Captures are made once and kept (a file of N sessions is about N * 14 KB:
# 1M sessions is 14 GB). Before making one the script checks free disk space
# and skips it, and every larger one, with a message when it would not fit.
# For each file: one untimed run of each tool (warms the page cache), in
# which ftpsniff's JSON summary is checked against the generator's counts;
# then SCALE_RUNS timed runs of `ftpsniff read --json FILE >/dev/null` and
# `bareloop FILE` under /usr/bin/time -v.
#
# The table: ftpsniff_s and bareloop_s are median wall times, ratio their
# quotient, RSS_MB ftpsniff's largest peak RSS over the runs, us/session
# ftpsniff's wall time per session, counts whether its summary agreed with
# the generator, cpu_s ftpsniff's median user+sys time (less sensitive to
# other work on the machine than wall time) and cpu_ratio that over
# bareloop's (whose short runs /usr/bin/time counts in 10 ms steps). A
# last line gives the growth per session between the smallest and the
# largest file. Kept in $BENCH_OUT/scaling.txt.
#
# Targets: ftpsniff's peak RSS <= 32 MB on every file and flat (the largest
# within 15 % of the smallest); time per session constant (the largest
# within 25 % of the smallest); ftpsniff wall <= 1.5x bareloop on every
# file. A missed target is reported loudly, but the exit status is 0 (it is
# a measurement, not a test); it is non-zero only when something fails to
# run or ftpsniff's counts differ from what the generator wrote.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
out=${BENCH_OUT:-$repo/bench-out}
smin=${SCALE_MIN:-10000}
smax=${SCALE_MAX:-1000000}
runs=${SCALE_RUNS:-3}
seed=${SCALE_SEED:-1}
conc=${SCALE_CONCURRENCY:-32}
gap=${SCALE_GAP:-1s}
reserve_mb=${SCALE_RESERVE_MB:-2048}
keep=${SCALE_KEEP:-1}
for v in smin smax runs conc reserve_mb; do
	if ! [[ ${!v} =~ ^[1-9][0-9]*$ ]]; then
		echo "scaling.sh: $v=${!v} is not a positive whole number" >&2
		exit 2
	fi
done
if ((smax < smin)); then
	echo "scaling.sh: SCALE_MAX=$smax is below SCALE_MIN=$smin" >&2
	exit 2
fi
mkdir -p "$out/bin"
out=$(cd "$out" && pwd)

if [[ ! -x /usr/bin/time ]]; then
	echo "scaling.sh: installing GNU time" >&2
	apt-get install -y time >/dev/null
fi

echo "== build"
ftpsniff=$out/bin/ftpsniff
if [[ -n ${SCALE_FTPSNIFF:-} ]]; then
	ftpsniff=$(realpath "$SCALE_FTPSNIFF")
	echo "measuring $ftpsniff (SCALE_FTPSNIFF)"
else
	(cd "$repo" && CGO_ENABLED=${CGO_ENABLED:-0} go build -o "$ftpsniff" ./cmd/ftpsniff) # the default build (README)
fi
(cd "$repo" && go build -o "$out/bin/bareloop" ./pcaps/bench/bareloop &&
	go build -o "$out/bin/mksessions" ./pcaps/bench/mksessions)
go version

series=()
for ((n = smin; n <= smax; n *= 2)); do
	series+=("$n")
done
if ((series[${#series[@]} - 1] != smax)); then
	series+=("$smax")
fi
echo "series: ${series[*]} sessions; concurrency $conc, arrivals ${gap} apart, seed $seed; $runs timed runs each"

# measure FILE NAME CMD...: one run under /usr/bin/time -v; appends
# "NAME wall_s user_s sys_s maxrss_kb" to FILE.
measure() {
	local times=$1 name=$2
	shift 2
	local log=$out/scaling-time.log t0 t1
	t0=$EPOCHREALTIME
	/usr/bin/time -v -o "$log" "$@" >/dev/null
	t1=$EPOCHREALTIME
	# time -v prints wall time to 10 ms; the shell's clock around it is finer.
	awk -v name="$name" -v w="$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" '
		/User time/ { u = $NF }
		/System time/ { s = $NF }
		/Maximum resident set size/ { r = $NF }
		END { printf "%s %.3f %.2f %.2f %d\n", name, w, u, s, r }' "$log" >>"$times"
}

# check_counts CAP: runs ftpsniff once (untimed) and compares its summary,
# and the sums over its session and data records, with CAP.json. Prints
# "ok" or "DIFFER".
check_counts() {
	local cap=$1 sum=$out/scaling-summary.json want got sums
	sums=$("$ftpsniff" read --json "$cap" | awk -v sumfile="$sum" '
		/^\{"type":"session"/ {
			if (match($0, /"commands":[0-9]+/)) c += substr($0, RSTART + 11, RLENGTH - 11)
			if (index($0, "\"login_state\":\"login failed\"")) f++
			if (!index($0, "\"end_reason\":\"fin\"")) unclean++
			next
		}
		/^\{"type":"data"/ {
			if (match($0, /"bytes":[0-9]+/)) b += substr($0, RSTART + 8, RLENGTH - 8)
			next
		}
		/^\{"type":"finding"/ {
			if (match($0, /"code":"[^"]*"/)) code[substr($0, RSTART + 8, RLENGTH - 9)]++
			next
		}
		/^\{"type":"summary"/ { print > sumfile }
		END {
			for (k in code) if (k != "cleartext-login") odd = odd " " k "=" code[k]
			printf "%.0f %.0f %.0f %.0f%s\n", c, f, b, unclean, odd
		}') || {
		echo "scaling.sh: ftpsniff failed on $cap" >&2
		return 1
	}
	want=$(jq -c '{sessions, data: .data_connections, transferred, connected, not_attempted, packets, control_bytes, commands, failed_logins, data_bytes, unclean: 0}' "$cap.json")
	got=$(jq -c --argjson c "$(cut -d' ' -f1 <<<"$sums")" --argjson f "$(cut -d' ' -f2 <<<"$sums")" \
		--argjson b "$(cut -d' ' -f3 <<<"$sums")" --argjson u "$(cut -d' ' -f4 <<<"$sums")" \
		'{sessions, data: .data_connections, transferred: (.outcomes.transferred // 0), connected: (.outcomes.connected // 0),
		  not_attempted: (.outcomes["not-attempted"] // 0), packets: .decode.packets, control_bytes: .decode.control_bytes,
		  commands: $c, failed_logins: $f, data_bytes: $b, unclean: $u}' "$sum")
	local limits odd
	limits=$(jq -c '.limits // {} | with_entries(select(.value != 0))' "$sum")
	odd=$(cut -d' ' -f5- <<<"$sums")
	echo "   generator: $want" >&2
	if [[ $want != "$got" ]]; then
		echo "   ftpsniff:  $got" >&2
		echo "!!! ftpsniff's counts differ from what mksessions wrote (a dropped session, or a generator bug) !!!" >&2
		echo DIFFER
	else
		echo "   ftpsniff:  the same" >&2
		echo ok
	fi
	if [[ $limits != "{}" ]]; then
		echo "!!! ftpsniff hit limits: $limits !!!" >&2
	fi
	if [[ -n $odd ]]; then
		echo "   findings other than cleartext-login:$odd" >&2
	fi
}

results=$out/scaling.txt
: >"$results.rows"
failed=0
bps=16000 # bytes per session, until a capture says better
for n in "${series[@]}"; do
	cap=$out/sessions-$n-c$conc-g$gap-seed$seed.pcap
	echo
	echo "== $n sessions: $cap"
	if [[ ! -s $cap || ! -s $cap.json ]]; then
		avail=$(df -B1 --output=avail "$out" | tail -n 1 | tr -d ' ')
		need=$((n * bps * 105 / 100 + reserve_mb * 1048576))
		if ((need > avail)); then
			echo "!!! skipped: $n sessions need about $((n * bps / 1048576)) MB and $reserve_mb MB must stay free; $((avail / 1048576)) MB free !!!"
			echo "$n skipped" >>"$results.rows"
			continue
		fi
		"$out/bin/mksessions" -sessions "$n" -seed "$seed" -concurrency "$conc" -gap "$gap" -o "$cap"
	fi
	bps=$(jq '(.bytes / .sessions) | ceil' "$cap.json")
	mem_avail=$(awk '/MemAvailable/ { printf "%.0f", $2 * 1024 }' /proc/meminfo)
	if (($(stat -c %s "$cap") > mem_avail)); then
		echo "   note: the file is larger than the memory available ($((mem_avail / 1048576)) MB): reads may come from disk"
	fi

	echo "   warm-up and count check (untimed)"
	counts=$(check_counts "$cap") || exit 1
	"$out/bin/bareloop" "$cap" >/dev/null
	if [[ $counts != ok ]]; then
		failed=1
	fi

	times=$out/scaling-times-$n.txt
	: >"$times"
	echo "   timed runs; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
	for ((i = 1; i <= runs; i++)); do
		measure "$times" ftpsniff "$ftpsniff" read --json "$cap"
		measure "$times" bareloop "$out/bin/bareloop" "$cap"
	done
	sed 's/^/   /' "$times"
	# median wall and max RSS per tool
	summary=$(awk '
		{ w[$1] = w[$1] " " $2; c[$1] = c[$1] " " ($3 + $4); if ($5 > r[$1]) r[$1] = $5 }
		function median(list, a, k, i, j, x) {
			k = split(substr(list, 2), a, " ")
			for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] + 0 < a[i] + 0) { x = a[i]; a[i] = a[j]; a[j] = x }
			return (k % 2) ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
		}
		END { for (t in w) printf "%s %.3f %.1f %.2f\n", t, median(w[t]), r[t] / 1024, median(c[t]) }' "$times")
	get() { awk -v t="$1" -v f="$2" '$1 == t { print $f }' <<<"$summary"; }
	jq -r --arg n "$n" --arg fw "$(get ftpsniff 2)" --arg fr "$(get ftpsniff 3)" --arg bw "$(get bareloop 2)" --arg counts "$counts" --arg fc "$(get ftpsniff 4)" --arg bc "$(get bareloop 4)" \
		'[$n, .packets, (.bytes / 1048576), (.span_seconds / 3600), $fw, $bw, $fr, $counts, $fc, $bc] | map(tostring) | join(" ")' "$cap.json" >>"$results.rows"
	if [[ $keep == 0 ]]; then
		rm -f "$cap"
	fi
done

{
	echo "== scaling: sessions of vsftpd dialogue, concurrency $conc, arrivals ${gap} apart, seed $seed; median of $runs runs"
	echo "== ftpsniff: $ftpsniff (repository at $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?'), with its working tree when built here)"
	echo "== $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); load average now: $(cut -d' ' -f1-3 /proc/loadavg)"
	printf '%9s %10s %8s %7s %11s %11s %6s %7s %11s %7s %8s %9s\n' sessions packets file_MB span_h ftpsniff_s bareloop_s ratio RSS_MB us/session counts cpu_s cpu_ratio
	awk '
		$2 == "skipped" { printf "%9s %10s\n", $1, "skipped (disk)"; next }
		{ printf "%9d %10d %8.0f %7.1f %11.3f %11.3f %6.2f %7.1f %11.1f %7s %8.2f %9.2f\n", $1, $2, $3, $4, $5, $6, $5 / $6, $7, $5 / $1 * 1e6, $8, $9, $9 / ($10 > 0 ? $10 : 0.01) }' "$results.rows"
	# Growth between the smallest and the largest file: what each further
	# session costs, apart from what every run costs once.
	awk '$2 != "skipped"' "$results.rows" | awk '
		NR == 1 { n0 = $1; w0 = $5; r0 = $7; c0 = $9 }
		{ n1 = $1; w1 = $5; r1 = $7; c1 = $9 }
		END {
			if (n1 > n0) printf "growth from %d to %d sessions: %.1f us wall, %.1f us CPU and %.0f bytes of peak RSS per further session\n", n0, n1, (w1 - w0) / (n1 - n0) * 1e6, (c1 - c0) / (n1 - n0) * 1e6, (r1 - r0) * 1048576 / (n1 - n0)
		}'
} | tee "$results"

echo
measured=$(awk '$2 != "skipped"' "$results.rows")
if [[ -z $measured ]]; then
	echo "scaling.sh: no capture measured" >&2
	exit 1
fi
missed=0
check() { # check DESCRIPTION awk-condition
	if awk "BEGIN { exit !($2) }"; then
		echo "target met:    $1"
	else
		echo "!!! TARGET MISSED: $1 !!!"
		missed=1
	fi
}
stat_of() { awk "$1" <<<"$measured"; }
rss_max=$(stat_of 'NR == 1 || $7 > m { m = $7 } END { print m }')
rss_min=$(stat_of 'NR == 1 || $7 < m { m = $7 } END { print m }')
us_max=$(stat_of '{ v = $5 / $1 * 1e6 } NR == 1 || v > m { m = v } END { printf "%.1f", m }')
us_min=$(stat_of '{ v = $5 / $1 * 1e6 } NR == 1 || v < m { m = v } END { printf "%.1f", m }')
ratio_max=$(stat_of '{ v = $5 / $6 } NR == 1 || v > m { m = v } END { printf "%.2f", m }')
check "ftpsniff peak RSS <= 32 MB on every file (largest ${rss_max} MB)" "$rss_max <= 32"
if (($(wc -l <<<"$measured") > 1)); then
	check "peak RSS flat: largest within 15% of smallest (${rss_min} to ${rss_max} MB)" "$rss_max <= 1.15 * $rss_min"
	check "time per session constant within 25% (${us_min} to ${us_max} us)" "$us_max <= 1.25 * $us_min"
else
	echo "target skipped: flatness needs two files or more"
fi
check "ftpsniff wall <= 1.5x bareloop on every file (largest ${ratio_max}x)" "$ratio_max <= 1.5"
if grep -q skipped "$results.rows"; then
	echo "!!! some captures were skipped for disk space: see above !!!"
fi
if ((missed)); then
	echo "!!! scaling.sh: at least one target missed (see above) !!!"
fi
if ((failed)); then
	echo "scaling.sh: ftpsniff's counts differ from the generator's on at least one file (see above)" >&2
	exit 1
fi
exit 0
