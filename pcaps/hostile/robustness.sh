#!/usr/bin/env bash
# Runs ftpsniff over every hostile shape and prints, per shape and output
# mode, what it cost and whether it held: file size, exit code, wall time,
# peak RSS, crash (exit >= 128, or "panic"/"fatal error" on stderr), a
# password from the passwords shape in the output, and the limits the
# summary reported (non-zero counters of the JSON summary, and the error
# line). It is a measurement: it exits 0 whatever ftpsniff did.
#
#   pcaps/hostile/robustness.sh                       # full size (~10 GB of files, tens of minutes)
#   HOSTILE_SCALE=0.01 pcaps/hostile/robustness.sh    # quick
#   HOSTILE_ONLY=idb-flood,gzip-bomb pcaps/hostile/robustness.sh
#
# Environment: HOSTILE_SCALE (default 1), HOSTILE_ONLY (shape names),
# HOSTILE_DIR (where the files go; default a temp dir, removed at the end
# unless HOSTILE_KEEP=1), HOSTILE_TIMEOUT (seconds per run, default 600).
set -u
cd "$(dirname "$0")/../.."
export PATH=$PATH:/usr/local/go/bin

scale=${HOSTILE_SCALE:-1}
timeout_s=${HOSTILE_TIMEOUT:-600}
dir=${HOSTILE_DIR:-$(mktemp -d /tmp/hostile.XXXXXX)}
mkdir -p "$dir/out"
bin=$dir/bin
mkdir -p "$bin"

CGO_ENABLED=0 go build -o "$bin/ftpsniff" ./cmd/ftpsniff || { echo "robustness: ftpsniff does not build"; exit 0; }
go build -o "$bin/mkhostile" ./pcaps/hostile/mkhostile || { echo "robustness: mkhostile does not build"; exit 0; }

only=()
[ -n "${HOSTILE_ONLY:-}" ] && only=(-only "$HOSTILE_ONLY")
echo "# ftpsniff $(git describe --always --dirty 2>/dev/null), scale $scale, timeout ${timeout_s}s, $(date -u +%FT%TZ)"
echo "# files in $dir"
"$bin/mkhostile" -out "$dir" -scale "$scale" "${only[@]}" >"$dir/files.tsv" || { echo "robustness: mkhostile failed"; exit 0; }

secrets='hunter2x|tabsecret9|nulsecret7|s3cr3t2024'
# Counters of the summary that count work, not limits or oddities.
plain='^(packets|bytes|tcp|sessions|data_connections|control_conns|control_bytes|sections|candidates|fragments|defragmented|icmp_errors)$'

printf '%-26s %-4s %10s %4s %8s %8s %-5s %-6s %s\n' shape mode size_B exit wall_s rss_MB crash secret limits
while IFS=$'\t' read -r name layer size path; do
	for mode in json text; do
		args=(read)
		[ "$mode" = json ] && args+=(--json)
		o=$dir/out/$name.$mode
		/usr/bin/time -v -o "$o.time" timeout -s KILL "$timeout_s" "$bin/ftpsniff" "${args[@]}" "$path" >"$o.stdout" 2>"$o.stderr"
		rc=$?
		wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]; printf "%.2f", s}' "$o.time")
		rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2/1024}' "$o.time")
		crash=no
		if [ "$rc" -ge 128 ] || grep -qE '^(panic|fatal error)' "$o.stderr"; then crash=YES; fi
		[ "$rc" -eq 137 ] && crash=KILLED
		secret=no
		grep -aqE "$secrets" "$o.stdout" "$o.stderr" && secret=YES
		limits=""
		if [ "$mode" = json ]; then
			limits=$(grep -a '"type":"summary"' "$o.stdout" | grep -oE '"[a-z_]+":[1-9][0-9]*' | tr -d '"' |
				awk -F: -v plain="$plain" '$1 !~ plain {printf "%s%s=%s", sep, $1, $2; sep=","}')
		fi
		err=$(grep -a '^ftpsniff: ' "$o.stderr" | tail -1 | cut -c1-160)
		[ -n "$err" ] && limits="${limits:+$limits; }$err"
		printf '%-26s %-4s %10s %4s %8s %8s %-5s %-6s %s\n' "$name" "$mode" "$size" "$rc" "$wall" "$rss" "$crash" "$secret" "${limits:--}"
	done
done <"$dir/files.tsv"

if [ -z "${HOSTILE_DIR:-}" ] && [ "${HOSTILE_KEEP:-0}" != 1 ]; then
	rm -rf "$dir"
fi
exit 0
