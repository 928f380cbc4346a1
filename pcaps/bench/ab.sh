#!/bin/bash
# ab.sh FILE RUNS BIN... — interleaved A/B timing of ftpsniff builds (and
# the bare loop) on one capture: each round runs every BIN once, in turn,
# so drift in the machine's load falls on all of them alike. Prints per
# BIN the median wall time, the median CPU (user+sys) and the largest
# peak RSS. A BIN whose name contains "bare" is run as `BIN FILE`; the
# others as `BIN read $FORMAT FILE` with FORMAT from the environment
# (default --json; FORMAT="--format zeek" times the zeek writer).
#
#	pcaps/bench/ab.sh bench-out/sessions-20000.pcap 7 ./ftpsniff-old ./ftpsniff-new ./bareloop
set -euo pipefail
if [ $# -lt 3 ]; then
	echo "usage: ab.sh FILE RUNS BIN..." >&2
	exit 2
fi
file=$1 runs=$2
shift 2
format=${FORMAT:---json}
log=$(mktemp)
one=$(mktemp)
trap 'rm -f "$log" "$one"' EXIT
for ((i = 0; i < runs; i++)); do
	for bin in "$@"; do
		if [[ $(basename "$bin") == *bare* ]]; then
			/usr/bin/time -o "$one" -f "%e %U %S %M" "$bin" "$file" >/dev/null 2>&1
		else
			# shellcheck disable=SC2086 # FORMAT may be two words
			/usr/bin/time -o "$one" -f "%e %U %S %M" "$bin" read $format "$file" >/dev/null 2>&1
		fi
		echo "$bin $(cat "$one")" >>"$log"
	done
done
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for bin in "$@"; do
	wall=$(awk -v b="$bin" '$1==b {print $2}' "$log" | median)
	cpu=$(awk -v b="$bin" '$1==b {print $3+$4}' "$log" | median)
	rss=$(awk -v b="$bin" '$1==b {print $5}' "$log" | sort -n | tail -1)
	all=$(awk -v b="$bin" '$1==b {printf "%s ", $2}' "$log")
	printf "%-24s wall %s s  cpu %s s  peak RSS %.1f MB  (walls: %s)\n" "$(basename "$bin")" "$wall" "$cpu" "$(echo "$rss/1024" | bc -l)" "$all"
done
