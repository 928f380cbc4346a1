#!/usr/bin/env bash
# wire.sh FILE...: condensed tshark view of a capture, the one pcaps/real/README.md
# quotes: FTP commands/replies, SYN/FIN/RST, ICMP errors and data segments, with
# ARP, MLD and bare ACKs left out. Needs tshark.
set -u
[ $# -gt 0 ] || { echo "usage: $0 FILE.pcap..." >&2; exit 2; }
filter='ftp or ftp-data or tcp.flags.syn==1 or tcp.flags.fin==1 or tcp.flags.reset==1 or icmp or (icmpv6 and icmpv6.type<128) or (tcp.len>0)'
for f in "$@"; do
	[ $# -gt 1 ] && echo "=== $f"
	tshark -r "$f" -Y "$filter" -T fields -E separator=/t \
		-e frame.number -e frame.time_relative -e ip.src -e ipv6.src -e tcp.srcport \
		-e ip.dst -e ipv6.dst -e tcp.dstport -e tcp.flags.str -e tcp.len \
		-e ftp.request.command -e ftp.request.arg -e ftp.response.code -e ftp.response.arg -e _ws.col.Info -e tcp.payload 2>/dev/null |
		awk -F'\t' '{
			if ($11 != "") what = $11 " " $12
			else if ($13 != "") what = $13 " " $14
			else what = $15
			sub(/ Seq=.*/, "", what)
			# Not text (TLS after AUTH, binary data): show the first payload bytes.
			if ($16 != "" && (what ~ /\\[0-9][0-9][0-9]/ || what ~ /[^ -~]/ || what ~ /^ *$/))
				what = "payload " substr($16, 1, 16) "..."
			if (length(what) > 90) what = substr(what, 1, 90) "..."
			src = $3 $4; dst = $6 $7
			if ($5 != "") { src = src ":" $5; dst = dst ":" $8 }
			gsub(/[^A-Z]/, "", $9)
			printf "%4s %8.4f %s > %s %s len=%s | %s\n", $1, $2, src, dst, $9, $10, what
		}'
done
