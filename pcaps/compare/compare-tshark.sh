#!/usr/bin/env bash
# compare-tshark.sh: for every capture of the shared corpus, compare the data
# endpoints ftpsniff decodes with the ones tshark's FTP dissector decodes.
#
# An announcement is "VIA addr:port" (PASV, EPSV, LPSV, PORT, EPRT, LPRT).
# ftpsniff's come from `read --json` command records (via + endpoint);
# tshark's from the ftp.passive/active/eprt/epsv fields. The two lists are
# compared as multisets, so a port announced twice must be found twice.
#
# Usage: pcaps/compare/compare-tshark.sh [-v] [CAPTURE...]
#   -v    also list the matched announcements
#   CORPUS  overrides the corpus directory (default ../shared/corpus beside the repo)
#   FTPSNIFF  a built ftpsniff binary (default: built from this repo into a temp dir)
#   TSHARK_ARGS  extra tshark options, e.g. "-d tcp.port==2811,ftp"
# Exits 0 when it skips (no corpus, no tshark); 1 when a tool fails.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
corpus=${CORPUS:-$repo/../shared/corpus}
verbose=0
if [[ ${1:-} == -v ]]; then verbose=1; shift; fi

if [[ $# -eq 0 && ! -d $corpus ]]; then
	echo "skip: corpus $corpus is absent"
	exit 0
fi
for t in tshark jq; do
	if ! command -v "$t" >/dev/null; then
		echo "skip: $t is not installed"
		exit 0
	fi
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fs=${FTPSNIFF:-}
if [[ -z $fs ]]; then
	fs=$tmp/ftpsniff
	(cd "$repo" && go build -o "$fs" ./cmd/ftpsniff)
fi

if [[ $# -gt 0 ]]; then
	files=("$@")
else
	mapfile -t files < <(find "$corpus" -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.pcap.gz' \) | sort)
fi

# ftpsniff: "KEY<TAB>packet" per announcement. The packet is the command's;
# for PASV/EPSV/LPSV the endpoint is in the reply that follows it.
ftpsniff_list() {
	jq -r 'select(.type=="command" and .via != null and .endpoint != null)
		| "\(.via) \(.endpoint)\t\(.packet)"' "$1"
}

# tshark: the same from the FTP fields, one line per frame (tshark 4.x
# dissects at most one FTP line per frame). Nothing is printed for a field
# left empty.
tshark_list() {
	# shellcheck disable=SC2086
	tshark -n -r "$1" ${TSHARK_ARGS:-} -Y 'ftp.passive.port or ftp.active.port or ftp.eprt.port or ftp.epsv.port' \
		-T fields -E separator=/t -E occurrence=f \
		-e frame.number \
		-e ftp.passive.ip -e ftp.passive.port \
		-e ftp.active.cip -e ftp.active.port \
		-e ftp.eprt.ip -e ftp.eprt.ipv6 -e ftp.eprt.port \
		-e ftp.epsv.ip -e ftp.epsv.ipv6 -e ftp.epsv.port 2>/dev/null |
		awk -F'\t' '
		function ap(a, p) { return (a ~ /:/ ? "[" a "]" : a) ":" p }
		$3 != "" { print "PASV " ap($2, $3) "\t" $1 }
		$5 != "" { print "PORT " ap($4, $5) "\t" $1 }
		$8 != "" { print "EPRT " ap($6 != "" ? $6 : $7, $8) "\t" $1 }
		$11 != "" { print "EPSV " ap($9 != "" ? $9 : $10, $11) "\t" $1 }'
}

status=0
printf '%-58s %5s %5s %5s %6s %6s  %s\n' FILE FS TS MATCH ONLYFS ONLYTS "FTPSNIFF (rc sessions data outcomes)"
for f in "${files[@]}"; do
	name=${f#"$corpus"/}
	rc=0
	"$fs" read --json "$f" >"$tmp/fs.jsonl" 2>"$tmp/fs.err" || rc=$?
	ftpsniff_list "$tmp/fs.jsonl" >"$tmp/fs.lst"
	if ! tshark_list "$f" >"$tmp/ts.lst"; then
		echo "$name: tshark failed" >&2
		status=1
		continue
	fi
	summary=$(jq -r 'select(.type=="summary")
		| "\(.sessions) \(.data_connections) \(.outcomes | to_entries | map("\(.key)=\(.value)") | join(","))"' "$tmp/fs.jsonl")
	# Multiset comparison: each tshark announcement consumes one ftpsniff
	# announcement with the same key.
	awk -F'\t' -v name="$name" -v verbose="$verbose" -v summary="rc=$rc $summary" '
		FNR == 1 { file++ }
		file == 1 { nf++; fk[nf] = $1; fp[nf] = $2; avail[$1] = avail[$1] " " nf; next }
		{
			nt++
			split(avail[$1], ids, " ")
			if (length(avail[$1]) > 0 && ids[1] != "") {
				i = ids[1]; sub(" " i, "", avail[$1]); used[i] = 1
				m++
				if (verbose) matched = matched sprintf("    =  %-50s ftpsniff pkt %s, tshark frame %s\n", $1, fp[i], $2)
			} else {
				ot++
				onlyt = onlyt sprintf("    T  %-50s tshark frame %s\n", $1, $2)
			}
		}
		END {
			for (i = 1; i <= nf; i++) if (!used[i]) { of++; onlyf = onlyf sprintf("    F  %-50s ftpsniff command packet %s\n", fk[i], fp[i]) }
			printf "%-58s %5d %5d %5d %6d %6d  %s\n", name, nf, nt, m, of, ot, summary
			printf "%s%s%s", onlyf, onlyt, matched
			printf "%d %d %d\n", nf, nt, m >>totals
		}' totals="$tmp/totals" "$tmp/fs.lst" "$tmp/ts.lst"
	if [[ -s $tmp/fs.err ]]; then sed 's/^/    stderr: /' "$tmp/fs.err"; fi
done
if [[ -s $tmp/totals ]]; then
	awk '{f += $1; t += $2; m += $3} END {printf "total: %d files, ftpsniff %d, tshark %d, matched %d\n", NR, f, t, m}' "$tmp/totals"
fi
exit $status
