#!/usr/bin/env bash
# record.sh: record real FTP captures (vsftpd, ProFTPD, Pure-FTPd, pyftpdlib, Twisted, inetutils ftpd,
# aioftp, BSD ftpd-ssl + curl/lftp/ftplib/wget) in throw-away network namespaces. See pcaps/real/README.md for what each holds.
#
# usage: record.sh [-o DIR] [-l] [scenario...]
#   -o DIR   write the pcaps to DIR (default: pcaps/real next to this script)
#   -l       list the scenarios and exit
# With no scenario named, all run. Must run as root.
set -u

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CONF=$HERE/conf
# shellcheck source=netlab.sh
. "$HERE/netlab.sh"

SCENARIOS=(
	passive-curl passive-ftplib-pasv passive-lftp
	active-curl-eprt active-ftplib-port ipv6-epsv
	missing-file upload-stor
	pasv-drop pasv-reject-rst pasv-reject-icmp pasv-reject-icmp6 pasv-outside-range
	nat-no-pasv-address-default nat-no-pasv-address-trusting nat-pasv-address nat-router-any
	active-client-firewall ftps-explicit
	ftps-reuse-required data-source-nat pasv-address-invalid login-brute-force
	control-idle-nat
	helper-nat helper-nat-ftps router-drop-data-syn
	router-drop-data-synack helper-split-227 helper-split-port
	proftpd-passive proftpd-pasv-drop proftpd-ftps-reuse proftpd-nat-no-masquerade
	pureftpd-passive pureftpd-pasv-drop pureftpd-ftps pureftpd-nat-no-forced-ip
	proftpd-active proftpd-ftps-upload pureftpd-ftps-upload proftpd-ftps-lftp
	proftpd-port-refused pureftpd-port-refused pureftpd-natmode vsftpd-ftps-ftplib
	pyftpdlib-passive pyftpdlib-nat-no-masquerade pyftpdlib-data-source-nat pyftpdlib-ftps
	vsftpd-wget
	abort-vsftpd abort-proftpd abort-pureftpd resume-vsftpd resume-proftpd resume-pureftpd
	filecmds-vsftpd filecmds-proftpd filecmds-pureftpd mirror-vsftpd mirror-proftpd mirror-pureftpd
	implicit-ftps-vsftpd implicit-ftps-proftpd ftps-ccc-proftpd control-port-2121
	ipv6-active-vsftpd ipv6-proftpd ipv6-pureftpd
	client-tnftp client-inetutils client-ncftp client-busybox
	ascii-vsftpd ascii-vsftpd-conv ascii-proftpd
	control-refused control-reject-icmp control-drop control-synack-drop
	pyftpdlib-active-client-reject pyftpdlib-active-client-drop
	twisted-passive inetutils-ftpd-passive
	inetutils-ftpd-pasv-drop aioftp-passive-drop ftpd-ssl-handshake-alert twisted-nat inetutils-ftpd-nat
	inetutils-ftpd-greeting-late twisted-active-eprt-502
	lb-split client-nat-active-vsftpd client-nat-active-proftpd client-nat-active-pureftpd
	client-nat-active-pyftpdlib pasv-zero-vsftpd pasv-zero-proftpd pasv-zero-pureftpd pasv-zero-pyftpdlib
	pureftpd-forced-ip-invalid pasv-range-swapped-vsftpd pasv-range-swapped-proftpd pasv-range-swapped-pureftpd
	ftps-prot-refused-proftpd ftps-protc-vsftpd implicit-ftps-port-9990 ftps-concurrent-vsftpd
)

usage() {
	sed -n '5,8s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

OUT=$(cd "$HERE/.." && pwd)/real
want=()
while [ $# -gt 0 ]; do
	case $1 in
	-o)
		[ $# -ge 2 ] || usage
		OUT=$2
		shift 2
		;;
	-l)
		printf '%s\n' "${SCENARIOS[@]}"
		exit 0
		;;
	-h | --help) usage ;;
	-*) usage ;;
	*)
		want+=("$1")
		shift
		;;
	esac
done
[ ${#want[@]} -gt 0 ] || want=("${SCENARIOS[@]}")
for s in "${want[@]}"; do
	case " ${SCENARIOS[*]} " in
	*" $s "*) ;;
	*)
		echo "record.sh: unknown scenario '$s' (try -l)" >&2
		exit 2
		;;
	esac
done
if [ "$(id -u)" != 0 ]; then
	echo "record.sh: must run as root: it creates network namespaces and runs vsftpd and tcpdump" >&2
	exit 1
fi
for tool in ip nft vsftpd tcpdump curl lftp wget python3 openssl timeout ss conntrack unshare dpkg-deb apt-get; do
	command -v "$tool" >/dev/null || {
		echo "record.sh: missing $tool (see APT_PACKAGES)" >&2
		exit 1
	}
done
mkdir -p "$OUT" || exit 1
OUT=$(cd "$OUT" && pwd)

# --- helpers -------------------------------------------------------------

CAPS=()

# cap SIDE FILE: capture on the client's or the server's lab interface,
# or (router-in, nat lab) on the router's interface towards the server.
cap() {
	local ns ifc
	case $1 in
	client) ns=$NETLAB_CLIENT_NS ifc=$NETLAB_CLIENT_IF ;;
	server) ns=$NETLAB_SERVER_NS ifc=$NETLAB_SERVER_IF ;;
	router-in) ns=$NETLAB_ROUTER_NS ifc=priv0 ;;
	router-any) ns=$NETLAB_ROUTER_NS ifc=any ;; # both sides at once, as tcpdump -i any on a router
	server2) ns=$NETLAB_SERVER2_NS ifc=$NETLAB_SERVER2_IF ;; # the lb lab's backend B
	esac
	netlab_capture_start "$ns" "$ifc" "$OUT/$2.pcap" || return 1
	CAPS+=("$NETLAB_LAST_PID")
}

# cap_stop: let the last FIN/ACKs arrive, then stop every capture.
cap_stop() {
	local pid
	sleep 0.5
	for pid in "${CAPS[@]}"; do
		netlab_capture_stop "$pid"
	done
	CAPS=()
}

say() { printf '    %s\n' "$*"; }

# run EXPECT LABEL CMD...: run a client in the client namespace, indent its
# output, check its exit status against EXPECT (several clients are meant to
# fail; EXPECT may be alternatives, 35|13, where the exit status depends on a
# race). A mismatch marks the scenario for one more try (UNEXPECTED).
UNEXPECTED=0
run() {
	local expect=$1 label=$2 rc
	shift 2
	say "\$ $label"
	netlab_client "$@" 2>&1 | sed 's/^/      /'
	rc=${PIPESTATUS[0]}
	if [[ "|$expect|" == *"|$rc|"* ]]; then
		say "-> exit $rc"
	else
		say "-> exit $rc, expected $expect"
		UNEXPECTED=1
	fi
}

CURL=(curl -sS --connect-timeout 3 -m 10)
FTPLIB=(python3 "$HERE/ftpclient.py")
LFTP_SET='set net:timeout 3; set net:max-retries 1; set net:reconnect-interval-base 1'

# server_fw RULES: an inet filter input chain in the server namespace.
server_fw() {
	netlab_nft "$NETLAB_SERVER_NS" <<EOF
table inet fw {
	chain input {
		type filter hook input priority filter; policy accept;
		ct state established,related accept
		$1
	}
}
EOF
}

# --- scenarios -----------------------------------------------------------

sc_passive_curl() {
	netlab_lab_direct && netlab_vsftpd "$NETLAB_SERVER_NS" "$CONF/anon.conf" || return 1
	cap client passive-curl || return 1
	run 0 "curl ftp://$NETLAB_SERVER_IP4/report.txt ftp://$NETLAB_SERVER_IP4/" \
		"${CURL[@]}" -o /dev/null "ftp://$NETLAB_SERVER_IP4/report.txt" -o /dev/null "ftp://$NETLAB_SERVER_IP4/"
	cap_stop
}

sc_passive_ftplib_pasv() {
	netlab_lab_direct && netlab_vsftpd "$NETLAB_SERVER_NS" "$CONF/anon.conf" || return 1
	cap client passive-ftplib-pasv || return 1
	run 0 "ftpclient.py $NETLAB_SERVER_IP4 retr:report.txt nlst" \
		"${FTPLIB[@]}" "$NETLAB_SERVER_IP4" retr:report.txt nlst
	cap_stop
}

sc_passive_lftp() {
	netlab_lab_direct && netlab_vsftpd "$NETLAB_SERVER_NS" "$CONF/anon.conf" || return 1
	cap client passive-lftp || return 1
	run 0 "lftp -e '$LFTP_SET; get data.bin -o ...; ls; bye' ftp://$NETLAB_SERVER_IP4" \
		lftp -e "$LFTP_SET; get data.bin -o $NETLAB_DIR/lftp-data.bin; ls; bye" "ftp://$NETLAB_SERVER_IP4"
	cap_stop
}

sc_active_curl_eprt() {
	netlab_lab_direct && netlab_vsftpd "$NETLAB_SERVER_NS" "$CONF/anon.conf" || return 1
	cap client active-curl-eprt || return 1
	run 0 "curl -P - ftp://$NETLAB_SERVER_IP4/report.txt" \
		"${CURL[@]}" -P - -o /dev/null "ftp://$NETLAB_SERVER_IP4/report.txt"
	cap_stop
}

sc_active_ftplib_port() {
	netlab_lab_direct && netlab_vsftpd "$NETLAB_SERVER_NS" "$CONF/anon.conf" || return 1
	cap client active-ftplib-port || return 1
	run 0 "ftpclient.py --active $NETLAB_SERVER_IP4 retr:report.txt" \
		"${FTPLIB[@]}" --active "$NETLAB_SERVER_IP4" retr:report.txt
	cap_stop
}

sc_ipv6_epsv() {
	netlab_lab_direct && netlab_vsftpd "$NETLAB_SERVER_NS" "$CONF/anon-ipv6.conf" || return 1
	cap client ipv6-epsv || return 1
	run 0 "curl -g ftp://[$NETLAB_SERVER_IP6]/report.txt" \
		"${CURL[@]}" -g -o /dev/null "ftp://[$NETLAB_SERVER_IP6]/report.txt"
	run 0 "ftpclient.py $NETLAB_SERVER_IP6 retr:report.txt" \
		"${FTPLIB[@]}" "$NETLAB_SERVER_IP6" retr:report.txt
	run 0 "ftpclient.py --active $NETLAB_SERVER_IP6 retr:report.txt" \
		"${FTPLIB[@]}" --active "$NETLAB_SERVER_IP6" retr:report.txt
	cap_stop
}

sc_missing_file() {
	netlab_lab_direct && netlab_vsftpd "$NETLAB_SERVER_NS" "$CONF/anon.conf" || return 1
	cap client missing-file || return 1
	run 1 "ftpclient.py $NETLAB_SERVER_IP4 retr:nosuch.txt" \
		"${FTPLIB[@]}" "$NETLAB_SERVER_IP4" retr:nosuch.txt
	run 1 "ftpclient.py --active $NETLAB_SERVER_IP4 retr:nosuch.txt" \
		"${FTPLIB[@]}" --active "$NETLAB_SERVER_IP4" retr:nosuch.txt
	cap_stop
}

sc_upload_stor() {
	netlab_lab_direct && netlab_vsftpd "$NETLAB_SERVER_NS" "$CONF/upload.conf" || return 1
	cap client upload-stor || return 1
	run 0 "ftpclient.py $NETLAB_SERVER_IP4 cwd:upload stor:up.txt:20000 appe:up.txt:5000 size:up.txt" \
		"${FTPLIB[@]}" "$NETLAB_SERVER_IP4" cwd:upload stor:up.txt:20000 appe:up.txt:5000 size:up.txt
	say "server file: $(stat -c '%s bytes' "$NETLAB_DIR/ftproot/upload/up.txt" 2>&1)"
	cap_stop
}

# pasv_blocked NAME EXPECT RULE: passive range firewalled on the server by
# RULE; curl should exit with EXPECT.
pasv_blocked() {
	local expect=$2
	netlab_lab_direct && netlab_vsftpd "$NETLAB_SERVER_NS" "$CONF/anon.conf" || return 1
	server_fw "$3" || return 1
	cap client "$1" || return 1
	run "$expect" "curl ftp://$NETLAB_SERVER_IP4/report.txt" \
		"${CURL[@]}" -o /dev/null "ftp://$NETLAB_SERVER_IP4/report.txt"
	cap_stop
}

sc_pasv_drop() {
	pasv_blocked pasv-drop 28 'tcp dport 40000-40100 ct state new drop'
}

sc_pasv_reject_rst() {
	pasv_blocked pasv-reject-rst 7 'tcp dport 40000-40100 ct state new reject with tcp reset'
}

sc_pasv_reject_icmp() {
	pasv_blocked pasv-reject-icmp 7 \
		'tcp dport 40000-40100 ct state new meta nfproto ipv4 reject with icmp type admin-prohibited'
}

sc_pasv_reject_icmp6() {
	netlab_lab_direct && netlab_vsftpd "$NETLAB_SERVER_NS" "$CONF/anon-ipv6.conf" || return 1
	server_fw 'tcp dport 40000-40100 ct state new meta nfproto ipv6 reject with icmpv6 type admin-prohibited' || return 1
	cap client pasv-reject-icmp6 || return 1
	run 8 "curl -g ftp://[$NETLAB_SERVER_IP6]/report.txt" \
		"${CURL[@]}" -g -o /dev/null "ftp://[$NETLAB_SERVER_IP6]/report.txt"
	cap_stop
}

sc_pasv_outside_range() {
	netlab_lab_direct && netlab_vsftpd "$NETLAB_SERVER_NS" "$CONF/pasv-outside-range.conf" || return 1
	netlab_nft "$NETLAB_SERVER_NS" <<'EOF' || return 1
table inet fw {
	chain input {
		type filter hook input priority filter; policy drop;
		iif "lo" accept
		ct state established,related accept
		meta l4proto { icmp, ipv6-icmp } accept
		tcp dport { 21, 40000-40100 } ct state new accept
	}
}
EOF
	cap client pasv-outside-range || return 1
	run 28 "curl ftp://$NETLAB_SERVER_IP4/report.txt" \
		"${CURL[@]}" -o /dev/null "ftp://$NETLAB_SERVER_IP4/report.txt"
	cap_stop
}

# nat NAME EXPECT CONF CURLOPTS...: client -> router (DNAT 21 + 40000-40100,
# no ftp helper) -> server; curl with PASV only (EPSV carries no address),
# expected to exit with EXPECT; captured on both sides.
nat() {
	local name=$1 expect=$2 conf=$3
	shift 3
	netlab_lab_nat && netlab_vsftpd "$NETLAB_SERVER_NS" "$CONF/$conf" || return 1
	cap client "$name-client" && cap server "$name-server" || return 1
	run "$expect" "curl --disable-epsv ${*:+$* }ftp://$NETLAB_PUBLIC_IP4/report.txt" \
		"${CURL[@]}" --disable-epsv "$@" -o /dev/null "ftp://$NETLAB_PUBLIC_IP4/report.txt"
	cap_stop
}

sc_nat_no_pasv_address_default() {
	nat nat-no-pasv-address-default 0 anon.conf
}

sc_nat_no_pasv_address_trusting() {
	nat nat-no-pasv-address-trusting 28 anon.conf --no-ftp-skip-pasv-ip
}

# nat-router-any: the NAT lab captured on the router with tcpdump -i any:
# every packet twice, under the public addresses on one side and the
# private ones on the other. curl with PASV (ignoring the 227's address),
# EPSV, then trusting the 227's private address, which the router drops.
sc_nat_router_any() {
	netlab_lab_nat && netlab_vsftpd "$NETLAB_SERVER_NS" "$CONF/anon.conf" || return 1
	cap router-any nat-router-any || return 1
	run 0 "curl --disable-epsv ftp://$NETLAB_PUBLIC_IP4/report.txt" \
		"${CURL[@]}" --disable-epsv -o /dev/null "ftp://$NETLAB_PUBLIC_IP4/report.txt"
	run 0 "curl ftp://$NETLAB_PUBLIC_IP4/report.txt" \
		"${CURL[@]}" -o /dev/null "ftp://$NETLAB_PUBLIC_IP4/report.txt"
	run 28 "curl --disable-epsv --no-ftp-skip-pasv-ip ftp://$NETLAB_PUBLIC_IP4/report.txt" \
		"${CURL[@]}" --disable-epsv --no-ftp-skip-pasv-ip -o /dev/null "ftp://$NETLAB_PUBLIC_IP4/report.txt"
	cap_stop
}

sc_nat_pasv_address() {
	nat nat-pasv-address 0 nat-pasv-address.conf --no-ftp-skip-pasv-ip
}

sc_active_client_firewall() {
	netlab_lab_direct && netlab_vsftpd "$NETLAB_SERVER_NS" "$CONF/active-client-firewall.conf" || return 1
	netlab_nft "$NETLAB_CLIENT_NS" <<'EOF' || return 1
table inet fw {
	chain input {
		type filter hook input priority filter; policy accept;
		ct state established,related accept
		meta l4proto tcp ct state new drop
	}
}
EOF
	cap client active-client-firewall || return 1
	run 1 "ftpclient.py --active --timeout 8 $NETLAB_SERVER_IP4 retr:report.txt" \
		"${FTPLIB[@]}" --active --timeout 8 "$NETLAB_SERVER_IP4" retr:report.txt
	cap_stop
}

sc_ftps_explicit() {
	netlab_lab_direct && netlab_tls_cert || return 1
	netlab_vsftpd "$NETLAB_SERVER_NS" "$CONF/ftps.conf" \
		"rsa_cert_file=$NETLAB_CERT" "rsa_private_key_file=$NETLAB_KEY" || return 1
	cap client ftps-explicit || return 1
	run 0 "curl --ssl-reqd -k ftp://$NETLAB_SERVER_IP4/report.txt" \
		"${CURL[@]}" --ssl-reqd -k -o /dev/null "ftp://$NETLAB_SERVER_IP4/report.txt"
	cap_stop
}

# --- the failure stories (issue 9; docs/troubleshooting.md) ----------------

# vsftpd require_ssl_reuse=YES: curl --no-sessionid opens the data connection
# with a full TLS handshake (TLS 1.3, then TLS 1.2) and vsftpd closes it
# (curl: "transfer closed with 4640 bytes remaining"); plain curl resumes the
# control connection's session and gets the file.
sc_ftps_reuse_required() {
	netlab_lab_direct && netlab_tls_cert || return 1
	netlab_vsftpd "$NETLAB_SERVER_NS" "$CONF/ftps-reuse.conf" \
		"rsa_cert_file=$NETLAB_CERT" "rsa_private_key_file=$NETLAB_KEY" || return 1
	cap client ftps-reuse-required || return 1
	run 18 "curl --ssl-reqd -k --no-sessionid ftp://$NETLAB_SERVER_IP4/report.txt" \
		"${CURL[@]}" --ssl-reqd -k --no-sessionid -o /dev/null "ftp://$NETLAB_SERVER_IP4/report.txt"
	run 18 "curl --tls-max 1.2 --ssl-reqd -k --no-sessionid ftp://$NETLAB_SERVER_IP4/report.txt" \
		"${CURL[@]}" --tls-max 1.2 --ssl-reqd -k --no-sessionid -o /dev/null "ftp://$NETLAB_SERVER_IP4/report.txt"
	run 0 "curl --tls-max 1.2 --ssl-reqd -k ftp://$NETLAB_SERVER_IP4/report.txt" \
		"${CURL[@]}" --tls-max 1.2 --ssl-reqd -k -o /dev/null "ftp://$NETLAB_SERVER_IP4/report.txt"
	cap_stop
}

# The client's data connections leave through a source NAT to another
# address (10.99.0.3), its control connection does not (docker-proxy, a load
# balancer, CGNAT): vsftpd answers "425 Security: Bad IP connecting.".
# Captured on the server's side, where the two sources differ.
sc_data_source_nat() {
	netlab_lab_direct && netlab_vsftpd "$NETLAB_SERVER_NS" "$CONF/anon.conf" || return 1
	netlab_addr "$NETLAB_CLIENT_NS" cli0 10.99.0.3/24 || return 1
	netlab_nft "$NETLAB_CLIENT_NS" <<'EOF' || return 1
table ip nat {
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		tcp dport 40000-40100 snat to 10.99.0.3
	}
}
EOF
	cap server data-source-nat || return 1
	run 19 "curl --disable-epsv ftp://$NETLAB_SERVER_IP4/report.txt" \
		"${CURL[@]}" --disable-epsv -o /dev/null "ftp://$NETLAB_SERVER_IP4/report.txt"
	cap_stop
}

# pasv_address="10.99.0.1" (quoted): vsftpd ends the session at the first
# PASV with "500 OOPS: invalid pasv_address"; curl: "Bad PASV/EPSV response".
sc_pasv_address_invalid() {
	netlab_lab_direct && netlab_vsftpd "$NETLAB_SERVER_NS" "$CONF/pasv-address-invalid.conf" || return 1
	cap client pasv-address-invalid || return 1
	run 13 "curl --disable-epsv ftp://$NETLAB_SERVER_IP4/report.txt" \
		"${CURL[@]}" --disable-epsv -o /dev/null "ftp://$NETLAB_SERVER_IP4/report.txt"
	cap_stop
}

# One client tries eight accounts with the same password (password
# spraying), one session each, then logs in anonymously and lists.
sc_login_brute_force() {
	netlab_lab_direct && netlab_vsftpd "$NETLAB_SERVER_NS" "$CONF/local-logins.conf" || return 1
	cap server login-brute-force || return 1
	local u
	for u in admin root oracle test ftpuser backup www deploy; do
		run 2 "ftpclient.py --user $u --password Summer2026 $NETLAB_SERVER_IP4" \
			"${FTPLIB[@]}" --user "$u" --password Summer2026 "$NETLAB_SERVER_IP4"
	done
	run 0 "ftpclient.py $NETLAB_SERVER_IP4 nlst" "${FTPLIB[@]}" "$NETLAB_SERVER_IP4" nlst
	cap_stop
}

# NAT router whose conntrack forgets an established TCP connection after 4 s
# of silence and drops packets it no longer knows (tcp_loose=0, ct state
# invalid drop): a 128 KiB upload through a 96 kbit/s token bucket on the
# client's link keeps the data connection busy for about 11 s while the
# control connection stays silent, so the 226 dies at the router and curl
# times out waiting for it. Captured on both sides.
sc_control_idle_nat() {
	netlab_lab_nat && netlab_vsftpd "$NETLAB_SERVER_NS" "$CONF/upload.conf" || return 1
	ip netns exec "$NETLAB_ROUTER_NS" sysctl -qw net.netfilter.nf_conntrack_tcp_timeout_established=4 \
		net.netfilter.nf_conntrack_tcp_loose=0 || return 1
	netlab_nft "$NETLAB_ROUTER_NS" <<'EOF' || return 1
table ip idle {
	chain forward {
		type filter hook forward priority filter - 1; policy accept;
		ct state invalid drop
	}
}
EOF
	head -c 131072 "$(netlab_ftproot)/data.bin" >"$NETLAB_DIR/up.bin" && chmod 644 "$NETLAB_DIR/up.bin" || return 1
	ip -n "$NETLAB_CLIENT_NS" link set cli0 gso_max_size 1500 2>/dev/null
	ip netns exec "$NETLAB_CLIENT_NS" ethtool -K cli0 tso off gso off 2>/dev/null
	tc -n "$NETLAB_CLIENT_NS" qdisc add dev cli0 root tbf rate 96kbit burst 3000 latency 2s || return 1
	cap client control-idle-nat-client && cap server control-idle-nat-server || return 1
	NETLAB_CMD_TIMEOUT=30 run 28 "curl --disable-epsv -m 22 -T up.bin ftp://$NETLAB_PUBLIC_IP4/upload/ (client link shaped to 96 kbit/s)" \
		curl -sS --connect-timeout 3 -m 22 --disable-epsv -T "$NETLAB_DIR/up.bin" "ftp://$NETLAB_PUBLIC_IP4/upload/"
	cap_stop
}

# --- two capture points and the Linux FTP helper (issue 13) ---------------

# helper_on: attach nf_conntrack_ftp (and so nf_nat_ftp) to control
# connections arriving at the NAT router, as nftables does it.
helper_on() {
	netlab_nft "$NETLAB_ROUTER_NS" <<'EOF2'
table ip ftphelper {
	ct helper ftp-std {
		type "ftp" protocol tcp
	}
	chain pre {
		type filter hook prerouting priority filter; policy accept;
		tcp dport 21 ct helper set "ftp-std"
	}
}
EOF2
}

# ct_watch NAME: log the router's conntrack expectations as they are
# created (conntrack -E expect) into NAME-conntrack.txt next to the
# captures; ct_dump NAME appends the connection table (conntrack -L,
# NAT-ed entries: -j) and stops the watcher by its PID.
CT_PID=''
ct_watch() {
	: >"$OUT/$1-conntrack.txt"
	ip netns exec "$NETLAB_ROUTER_NS" conntrack -E expect >>"$OUT/$1-conntrack.txt" 2>/dev/null &
	CT_PID=$!
	NETLAB_PIDS+=("$CT_PID")
	sleep 0.3
}
ct_dump() {
	{
		echo '# conntrack -L -j (NAT-ed connections, after the transfer)'
		ip netns exec "$NETLAB_ROUTER_NS" conntrack -L -j 2>/dev/null
	} >>"$OUT/$1-conntrack.txt"
	netlab_stop_pid "$CT_PID"
	CT_PID=''
}

# helper-nat: the nat lab with the ftp helper attached; vsftpd announces its
# private address and nf_nat_ftp rewrites the 227; curl trusts the 227.
sc_helper_nat() {
	netlab_lab_nat && helper_on && netlab_vsftpd "$NETLAB_SERVER_NS" "$CONF/anon.conf" || return 1
	ct_watch helper-nat
	cap client helper-nat-client && cap server helper-nat-server || return 1
	run 0 "curl --disable-epsv --no-ftp-skip-pasv-ip ftp://$NETLAB_PUBLIC_IP4/report.txt (ftp helper on the router)" \
		"${CURL[@]}" --disable-epsv --no-ftp-skip-pasv-ip -o /dev/null "ftp://$NETLAB_PUBLIC_IP4/report.txt"
	cap_stop
	ct_dump helper-nat
}

# helper-nat-ftps: the same router, explicit FTPS: the helper reads nothing;
# the transfer works only through the router's static DNAT of 40000-40100.
sc_helper_nat_ftps() {
	netlab_lab_nat && helper_on && netlab_tls_cert || return 1
	netlab_vsftpd "$NETLAB_SERVER_NS" "$CONF/ftps.conf" \
		"rsa_cert_file=$NETLAB_CERT" "rsa_private_key_file=$NETLAB_KEY" || return 1
	ct_watch helper-nat-ftps
	cap client helper-nat-ftps-client && cap server helper-nat-ftps-server || return 1
	run 0 "curl --disable-epsv --ssl-reqd -k ftp://$NETLAB_PUBLIC_IP4/report.txt (ftp helper on the router)" \
		"${CURL[@]}" --disable-epsv --ssl-reqd -k -o /dev/null "ftp://$NETLAB_PUBLIC_IP4/report.txt"
	cap_stop
	ct_dump helper-nat-ftps
}

# router-drop-data-syn: the nat router (no helper) drops every new data
# connection it forwards: the SYN leaves the client's side and never
# reaches the server's.
sc_router_drop_data_syn() {
	netlab_lab_nat && netlab_vsftpd "$NETLAB_SERVER_NS" "$CONF/anon.conf" || return 1
	netlab_nft "$NETLAB_ROUTER_NS" <<'EOF2' || return 1
table ip dropdata {
	chain forward {
		type filter hook forward priority filter - 10; policy accept;
		tcp dport 40000-40100 ct state new drop
	}
}
EOF2
	cap client router-drop-data-syn-client && cap server router-drop-data-syn-server || return 1
	run 28 "curl --disable-epsv ftp://$NETLAB_PUBLIC_IP4/report.txt (router drops data SYNs)" \
		"${CURL[@]}" --disable-epsv -o /dev/null "ftp://$NETLAB_PUBLIC_IP4/report.txt"
	cap_stop
}

# router-drop-data-synack: the nat router (no helper) lets the data SYN
# through to the server but drops the server's SYN-ACK on its way back:
# the server answers, the client never hears it. Captured at the client,
# on the router's inner interface (priv0) and at the server.
sc_router_drop_data_synack() {
	netlab_lab_nat && netlab_vsftpd "$NETLAB_SERVER_NS" "$CONF/anon.conf" || return 1
	netlab_nft "$NETLAB_ROUTER_NS" <<'EOF2' || return 1
table ip dropsynack {
	chain forward {
		type filter hook forward priority filter - 10; policy accept;
		iifname "priv0" tcp sport 40000-40100 tcp flags & (syn | ack) == syn | ack drop
	}
}
EOF2
	cap client router-drop-data-synack-client && cap router-in router-drop-data-synack-router-in &&
		cap server router-drop-data-synack-server || return 1
	run 28 "curl --disable-epsv ftp://$NETLAB_PUBLIC_IP4/report.txt (router drops the data SYN-ACK)" \
		"${CURL[@]}" --disable-epsv -o /dev/null "ftp://$NETLAB_PUBLIC_IP4/report.txt"
	cap_stop
}

# ftpserver NS ARGS...: the scripted server (ftpserver.py) on port 21 in NS,
# serving the lab's anonymous tree; one session, then it exits.
ftpserver() {
	local ns=$1
	shift
	ip netns exec "$ns" python3 "$HERE/ftpserver.py" --root "$(netlab_ftproot)" "$@" \
		</dev/null >"$NETLAB_DIR/ftpserver.out" 2>&1 &
	NETLAB_PIDS+=("$!")
	netlab_wait_port "$ns" 21 || {
		cat "$NETLAB_DIR/ftpserver.out" >&2
		return 1
	}
}

# helper-split-227: the nat router with the ftp helper, in front of the
# scripted server, whose passive ports (45000-45099) the router does not
# forward: only the helper's expectation lets a data connection in. The
# first 227 of the session is one segment, zero-padded (010,099,002,002,...)
# so that nf_nat_ftp's rewrite changes its length; the second is written in
# two segments, split inside the numbers after 35 bytes. ftplib connects to
# the control connection's address (it ignores the 227's); it times out
# waiting for the second 227.
sc_helper_split_227() {
	netlab_lab_nat && helper_on || return 1
	ftpserver "$NETLAB_SERVER_NS" --pad --split 2:35 || return 1
	ct_watch helper-split-227
	cap client helper-split-227-client && cap server helper-split-227-server || return 1
	run 2 "ftpclient.py --timeout 4 $NETLAB_PUBLIC_IP4 retr:report.txt retr:report.txt (second 227 split in two segments)" \
		"${FTPLIB[@]}" --timeout 4 "$NETLAB_PUBLIC_IP4" retr:report.txt retr:report.txt
	cap_stop
	ct_dump helper-split-227
	say "server: $(tr '\n' ' ' <"$NETLAB_DIR/ftpserver.out" | cut -c1-600)"
}

# helper-split-port: the same router in front of vsftpd; an active-mode
# ftplib client sends its first PORT in one segment and its second in two,
# split after 15 bytes ("PORT 10,99,1,2,"); it times out waiting for the
# reply to the second.
sc_helper_split_port() {
	netlab_lab_nat && helper_on && netlab_vsftpd "$NETLAB_SERVER_NS" "$CONF/anon.conf" || return 1
	ct_watch helper-split-port
	cap client helper-split-port-client && cap server helper-split-port-server || return 1
	run 2 "ftpclient.py --active --timeout 4 $NETLAB_PUBLIC_IP4 retr:report.txt split-port:15 retr:report.txt" \
		"${FTPLIB[@]}" --active --timeout 4 "$NETLAB_PUBLIC_IP4" retr:report.txt split-port:15 retr:report.txt
	cap_stop
	ct_dump helper-split-port
}

# --- ProFTPD and Pure-FTPd (Debian's packages, see netlab_proftpd) -------

# server_start KIND: KIND is proftpd[:CONF] (default proftpd-anon.conf),
# pureftpd, pyftpdlib, twisted, inetutils-ftpd, aioftp or ftpd-ssl; starts it
# in the server namespace with the remaining arguments (ProFTPD directives,
# Pure-FTPd options, pyftpd.py options, inetutils_ftpd's name server).
server_start() {
	local kind=$1
	shift
	case $kind in
	proftpd) netlab_proftpd "$NETLAB_SERVER_NS" "$CONF/proftpd-anon.conf" "$@" ;;
	proftpd:*) netlab_proftpd "$NETLAB_SERVER_NS" "$CONF/${kind#proftpd:}" "$@" ;;
	pureftpd) netlab_pureftpd "$NETLAB_SERVER_NS" "$@" ;;
	pyftpdlib) netlab_pyftpdlib "$NETLAB_SERVER_NS" "$@" ;;
	twisted) twisted_ftpd "$NETLAB_SERVER_NS" ;;
	inetutils-ftpd) inetutils_ftpd "$NETLAB_SERVER_NS" "$@" ;;
	aioftp) aioftp_ftpd "$NETLAB_SERVER_NS" ;;
	ftpd-ssl) ftpd_ssl "$NETLAB_SERVER_NS" ;;
	esac
}

# other_passive NAME KIND: anonymous curl download (EPSV) and an lftp ls
# (PASV), both working.
other_passive() {
	netlab_lab_direct && server_start "$2" || return 1
	cap client "$1" || return 1
	run 0 "curl ftp://$NETLAB_SERVER_IP4/report.txt" \
		"${CURL[@]}" -o /dev/null "ftp://$NETLAB_SERVER_IP4/report.txt"
	run 0 "lftp -e '$LFTP_SET; ls; bye' ftp://$NETLAB_SERVER_IP4" \
		lftp -e "$LFTP_SET; ls; bye" "ftp://$NETLAB_SERVER_IP4"
	cap_stop
}

# other_pasv_drop NAME KIND: the server's firewall drops every new
# connection but to port 21; curl times out on the data connection.
other_pasv_drop() {
	netlab_lab_direct && server_start "$2" || return 1
	server_fw 'tcp dport != 21 ct state new drop' || return 1
	cap client "$1" || return 1
	run 28 "curl ftp://$NETLAB_SERVER_IP4/report.txt (server drops new connections but to 21)" \
		"${CURL[@]}" -o /dev/null "ftp://$NETLAB_SERVER_IP4/report.txt"
	cap_stop
}

# other_nat NAME KIND [ARG...]: the nat lab (DNAT 21 + 40000-40100, no
# helper) with the server announcing its private address: ftplib (which
# connects to the control connection's address, ignoring the 227's) works,
# curl trusting the 227 (--no-ftp-skip-pasv-ip) times out. Both sides.
other_nat() {
	local name=$1 kind=$2
	shift 2
	netlab_lab_nat && server_start "$kind" "$@" || return 1
	cap client "$name-client" && cap server "$name-server" || return 1
	run 0 "ftpclient.py $NETLAB_PUBLIC_IP4 retr:report.txt (PASV; ftplib ignores the 227 address)" \
		"${FTPLIB[@]}" "$NETLAB_PUBLIC_IP4" retr:report.txt
	run 28 "curl --disable-epsv --no-ftp-skip-pasv-ip ftp://$NETLAB_PUBLIC_IP4/report.txt" \
		"${CURL[@]}" --disable-epsv --no-ftp-skip-pasv-ip -o /dev/null "ftp://$NETLAB_PUBLIC_IP4/report.txt"
	cap_stop
}

sc_proftpd_passive() { other_passive proftpd-passive proftpd; }
sc_pureftpd_passive() { other_passive pureftpd-passive pureftpd; }
sc_proftpd_pasv_drop() { other_pasv_drop proftpd-pasv-drop proftpd; }
sc_pureftpd_pasv_drop() { other_pasv_drop pureftpd-pasv-drop pureftpd; }
sc_proftpd_nat_no_masquerade() { other_nat proftpd-nat-no-masquerade proftpd; }
sc_pureftpd_nat_no_forced_ip() { other_nat pureftpd-nat-no-forced-ip pureftpd; }

# ProFTPD mod_tls, TLSRequired on, default TLSOptions: the data connection
# must resume the control connection's TLS session.
sc_proftpd_ftps_reuse() {
	netlab_lab_direct && netlab_tls_cert || return 1
	server_start proftpd:proftpd-ftps.conf "TLSRSACertificateFile $NETLAB_CERT" \
		"TLSRSACertificateKeyFile $NETLAB_KEY" || return 1
	cap client proftpd-ftps-reuse || return 1
	run 18 "curl --ssl-reqd -k --no-sessionid ftp://$NETLAB_SERVER_IP4/report.txt" \
		"${CURL[@]}" --ssl-reqd -k --no-sessionid -o /dev/null "ftp://$NETLAB_SERVER_IP4/report.txt"
	run 18 "curl --tls-max 1.2 --ssl-reqd -k --no-sessionid ftp://$NETLAB_SERVER_IP4/report.txt" \
		"${CURL[@]}" --tls-max 1.2 --ssl-reqd -k --no-sessionid -o /dev/null "ftp://$NETLAB_SERVER_IP4/report.txt"
	run 0 "curl --ssl-reqd -k ftp://$NETLAB_SERVER_IP4/report.txt" \
		"${CURL[@]}" --ssl-reqd -k -o /dev/null "ftp://$NETLAB_SERVER_IP4/report.txt"
	cap_stop
	say "TLSLog: $(grep -i 'reuse\|resum' "$NETLAB_DIR/proftpd-tls.log" | head -3 | tr '\n' ' ')"
}

# Pure-FTPd -Y 2 (TLS required on control and data); Debian's build does
# not require session resumption (ONLY_ACCEPT_REUSED_SSL_SESSIONS off).
sc_pureftpd_ftps() {
	netlab_lab_direct && server_start pureftpd -Y 2 || return 1
	cap client pureftpd-ftps || return 1
	run 0 "curl --ssl-reqd -k ftp://$NETLAB_SERVER_IP4/report.txt" \
		"${CURL[@]}" --ssl-reqd -k -o /dev/null "ftp://$NETLAB_SERVER_IP4/report.txt"
	run 0 "curl --ssl-reqd -k --no-sessionid ftp://$NETLAB_SERVER_IP4/report.txt" \
		"${CURL[@]}" --ssl-reqd -k --no-sessionid -o /dev/null "ftp://$NETLAB_SERVER_IP4/report.txt"
	cap_stop
}

# --- more shapes of ProFTPD, Pure-FTPd and vsftpd -----------------------

# RAWFTP: python3 -c "$RAWFTP" HOST CMD...: an anonymous ftplib
# session that sends each CMD as written (sendcmd) and prints the reply, or
# the error reply, and goes on; the word "retr" instead downloads
# report.txt in active mode over the last PORT/EPRT accepted (a listener on
# that port is opened first by "listen:PORT", so an accepted PORT can work).
# Without a listener RETR is sent all the same. Exit 0 always
# (the replies are the point); 2 on a connection error.
RAWFTP='
import ftplib, socket, sys
host, cmds = sys.argv[1], sys.argv[2:]
ftp = ftplib.FTP(timeout=4)
ftp.set_debuglevel(1)
try:
    ftp.connect(host, 21)
    ftp.login("anonymous", "anonymous@")
    lsock = None
    for c in cmds:
        if c.startswith("listen:"):
            lsock = socket.create_server(("", int(c[7:])))
            continue
        try:
            if c == "retr":
                ftp.putcmd("RETR report.txt")
                r = ftp.getresp()
                if r[0] != "1":
                    raise ftplib.error_reply(r)
                if lsock is None:
                    print("no listener", ftp.getresp())
                    continue
                lsock.settimeout(4)
                conn, _ = lsock.accept()
                n = 0
                while True:
                    b = conn.recv(8192)
                    if not b:
                        break
                    n += len(b)
                conn.close()
                print("got %d bytes" % n, ftp.voidresp())
            else:
                ftp.sendcmd(c)
        except ftplib.all_errors as e:
            print("%s -> %s" % (c, e))
    ftp.quit()
except (OSError, EOFError, ftplib.Error) as e:
    print("connection error: %s" % e)
    sys.exit(2)
'

# proftpd-active: active mode against ProFTPD: curl -P - (EPRT) and ftplib
# --active (PORT), downloads and a listing that work.
sc_proftpd_active() {
	netlab_lab_direct && server_start proftpd || return 1
	cap client proftpd-active || return 1
	run 0 "curl -P - ftp://$NETLAB_SERVER_IP4/report.txt" \
		"${CURL[@]}" -P - -o /dev/null "ftp://$NETLAB_SERVER_IP4/report.txt"
	run 0 "ftpclient.py --active $NETLAB_SERVER_IP4 retr:report.txt nlst" \
		"${FTPLIB[@]}" --active "$NETLAB_SERVER_IP4" retr:report.txt nlst
	cap_stop
}

# proftpd-ftps-upload: proftpd-ftps-upload.conf (TLSRequired on, default
# TLSOptions, anonymous STOR into upload/): curl --no-sessionid uploads
# over a data connection that does not resume the session (ProFTPD refuses
# it), then plain curl (resumes: works).
sc_proftpd_ftps_upload() {
	netlab_lab_direct && netlab_tls_cert || return 1
	server_start proftpd:proftpd-ftps-upload.conf "TLSRSACertificateFile $NETLAB_CERT" \
		"TLSRSACertificateKeyFile $NETLAB_KEY" || return 1
	head -c 20000 "$(netlab_ftproot)/data.bin" >"$NETLAB_DIR/up.bin" && chmod 644 "$NETLAB_DIR/up.bin" || return 1
	cap client proftpd-ftps-upload || return 1
	run 55 "curl --ssl-reqd -k --no-sessionid -T up.bin ftp://$NETLAB_SERVER_IP4/upload/" \
		"${CURL[@]}" --ssl-reqd -k --no-sessionid -T "$NETLAB_DIR/up.bin" "ftp://$NETLAB_SERVER_IP4/upload/"
	run 0 "curl --ssl-reqd -k -T up.bin ftp://$NETLAB_SERVER_IP4/upload/up2.bin" \
		"${CURL[@]}" --ssl-reqd -k -T "$NETLAB_DIR/up.bin" "ftp://$NETLAB_SERVER_IP4/upload/up2.bin"
	cap_stop
	say "server files: $(cd "$NETLAB_DIR/ftproot/upload" && stat -c '%n %s' -- * 2>&1 | tr '\n' ' ')"
	say "TLSLog: $(grep -i 'reuse\|resum' "$NETLAB_DIR/proftpd-tls.log" | head -3 | tr '\n' ' ')"
}

# pureftpd-ftps-upload: Pure-FTPd -Y 2 (anonymous uploads allowed: no -i)
# and curl --no-sessionid -T: Pure-FTPd does not require resumption.
sc_pureftpd_ftps_upload() {
	netlab_lab_direct && server_start pureftpd -Y 2 || return 1
	head -c 20000 "$(netlab_ftproot)/data.bin" >"$NETLAB_DIR/up.bin" && chmod 644 "$NETLAB_DIR/up.bin" || return 1
	cap client pureftpd-ftps-upload || return 1
	run 0 "curl --ssl-reqd -k --no-sessionid -T up.bin ftp://$NETLAB_SERVER_IP4/upload/" \
		"${CURL[@]}" --ssl-reqd -k --no-sessionid -T "$NETLAB_DIR/up.bin" "ftp://$NETLAB_SERVER_IP4/upload/"
	cap_stop
	say "server files: $(cd "$NETLAB_DIR/ftproot/upload" && stat -c '%n %s' -- * 2>&1 | tr '\n' ' ')"
}

# proftpd-ftps-lftp: lftp (GnuTLS, ftp:ssl-copy-sid yes by default)
# against proftpd-ftps.conf: ls and get.
sc_proftpd_ftps_lftp() {
	netlab_lab_direct && netlab_tls_cert || return 1
	server_start proftpd:proftpd-ftps.conf "TLSRSACertificateFile $NETLAB_CERT" \
		"TLSRSACertificateKeyFile $NETLAB_KEY" || return 1
	cap client proftpd-ftps-lftp || return 1
	local tls='set ftp:ssl-force true; set ftp:ssl-allow-anonymous true; set ssl:verify-certificate no'
	run 0 "lftp -e '$LFTP_SET; $tls; ls; get report.txt -o ...; bye' ftp://$NETLAB_SERVER_IP4" \
		lftp -e "$LFTP_SET; $tls; ls; get report.txt -o $NETLAB_DIR/lftp-report.txt; bye" "ftp://$NETLAB_SERVER_IP4"
	cap_stop
	say "got: $(stat -c '%s bytes' "$NETLAB_DIR/lftp-report.txt" 2>&1)"
	say "TLSLog: $(grep -i 'reuse\|resum' "$NETLAB_DIR/proftpd-tls.log" | head -3 | tr '\n' ' ')"
}

# port_refused NAME KIND: one anonymous session sends PORT/EPRT naming the
# client's own port 25, then a third host (10.99.0.3, an address of the
# client namespace), each followed by RETR, then a PORT to a listening
# high port and a RETR that works.
port_refused() {
	netlab_lab_direct && server_start "$2" || return 1
	netlab_addr "$NETLAB_CLIENT_NS" cli0 10.99.0.3/24 || return 1
	cap client "$1" || return 1
	run 0 "rawftp $NETLAB_SERVER_IP4 'PORT 10,99,0,2,0,25' retr 'EPRT |1|10.99.0.2|25|' 'PORT 10,99,0,3,195,80' retr 'EPRT |1|10.99.0.3|50000|' listen:50001 'PORT 10,99,0,2,195,81' retr" \
		python3 -c "$RAWFTP" "$NETLAB_SERVER_IP4" 'PORT 10,99,0,2,0,25' retr 'EPRT |1|10.99.0.2|25|' \
		'PORT 10,99,0,3,195,80' retr 'EPRT |1|10.99.0.3|50000|' listen:50001 'PORT 10,99,0,2,195,81' retr
	cap_stop
}

sc_proftpd_port_refused() { port_refused proftpd-port-refused proftpd; }
sc_pureftpd_port_refused() { port_refused pureftpd-port-refused pureftpd; }

# pureftpd-natmode: Pure-FTPd -N (--natmode, "force active mode") answers
# EPSV and PASV "500 Unknown command": curl in passive mode gives up, curl
# -P - (EPRT) works.
sc_pureftpd_natmode() {
	netlab_lab_direct && server_start pureftpd -N || return 1
	cap client pureftpd-natmode || return 1
	run 13 "curl ftp://$NETLAB_SERVER_IP4/report.txt (passive)" \
		"${CURL[@]}" -o /dev/null "ftp://$NETLAB_SERVER_IP4/report.txt"
	run 0 "curl -P - ftp://$NETLAB_SERVER_IP4/report.txt" \
		"${CURL[@]}" -P - -o /dev/null "ftp://$NETLAB_SERVER_IP4/report.txt"
	cap_stop
}

# FTPTLS: python3 -c "$FTPTLS" HOST [clear]: Python ftplib's FTP_TLS,
# anonymous, prot_p, RETR report.txt (ftplib connects the data connection,
# sends RETR and starts TLS on it after the 150); exit 1 if the RETR fails.
# With "clear": PBSZ 0 and PROT C instead of prot_p (data in clear), going
# on whatever the server answers them.
FTPTLS='
import ftplib, io, ssl, sys
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
ftp = ftplib.FTP_TLS(context=ctx, timeout=4)
ftp.set_debuglevel(1)
ftp.connect(sys.argv[1], 21)
ftp.login("anonymous", "anonymous@")
if sys.argv[2:] == ["clear"]:
    for c in ("PBSZ 0", "PROT C"):
        try:
            ftp.sendcmd(c)
        except ftplib.Error as e:
            print(c, "->", e)
else:
    ftp.prot_p()
rc = 0
try:
    sink = io.BytesIO()
    print(ftp.retrbinary("RETR report.txt", sink.write), "got", sink.tell())
except (ftplib.all_errors + (ssl.SSLError,)) as e:
    print("retr failed:", repr(e))
    rc = 1
try:
    ftp.quit()
except (ftplib.all_errors + (ssl.SSLError,)) as e:
    print("quit:", repr(e))
sys.exit(rc)
'

# vsftpd-ftps-ftplib: Python ftplib's FTP_TLS (prot_p) against vsftpd with
# require_ssl_reuse=YES: ftplib wraps each data socket in a new TLS session
# (no session= argument), so vsftpd refuses the data connection.
sc_vsftpd_ftps_ftplib() {
	netlab_lab_direct && netlab_tls_cert || return 1
	netlab_vsftpd "$NETLAB_SERVER_NS" "$CONF/ftps-reuse.conf" \
		"rsa_cert_file=$NETLAB_CERT" "rsa_private_key_file=$NETLAB_KEY" || return 1
	cap client vsftpd-ftps-ftplib || return 1
	run 1 "python3 ftplib FTP_TLS $NETLAB_SERVER_IP4: login, prot_p, RETR report.txt" \
		python3 -c "$FTPTLS" "$NETLAB_SERVER_IP4"
	cap_stop
}

# --- pyftpdlib (Debian's python3-pyftpdlib, via pyftpd.py) and wget -------

sc_pyftpdlib_passive() { other_passive pyftpdlib-passive pyftpdlib; }

# pyftpdlib-nat-no-masquerade: no masquerade_address, so the 227 names the
# server's private address 10.99.2.2.
sc_pyftpdlib_nat_no_masquerade() { other_nat pyftpdlib-nat-no-masquerade pyftpdlib; }

# pyftpdlib-data-source-nat: as data-source-nat, the client's connections
# to the passive ports leave through a source NAT to 10.99.0.3; pyftpdlib
# (permit_foreign_addresses = False, its default) closes the data
# connection and answers "425 Rejected data connection from foreign address".
sc_pyftpdlib_data_source_nat() {
	netlab_lab_direct && server_start pyftpdlib || return 1
	netlab_addr "$NETLAB_CLIENT_NS" cli0 10.99.0.3/24 || return 1
	netlab_nft "$NETLAB_CLIENT_NS" <<'EOF' || return 1
table ip nat {
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		tcp dport 40000-40100 snat to 10.99.0.3
	}
}
EOF
	cap server pyftpdlib-data-source-nat || return 1
	run 19 "curl --disable-epsv ftp://$NETLAB_SERVER_IP4/report.txt" \
		"${CURL[@]}" --disable-epsv -o /dev/null "ftp://$NETLAB_SERVER_IP4/report.txt"
	cap_stop
	say "server: $(grep -i 'foreign' "$NETLAB_DIR/pyftpdlib-$NETLAB_SERVER_NS.out" | head -2 | cut -c1-200 | tr '\n' ' ')"
}

# pyftpdlib-ftps: TLS_FTPHandler with tls_control_required and
# tls_data_required. Python ftplib FTP_TLS works (it starts TLS on the data
# connection after RETR's 125/150). curl does the data connection's TLS
# handshake at once, before TYPE I and RETR; pyftpdlib 1.5.7's DTPHandler
# closes a data connection that turns readable before a transfer command
# (DTPHandler.readable(): "it has been disconnected"), so the ClientHello
# meets a RST: curl exits 35 (SSL_connect: reset), or, when it goes on to
# PASV and reads the pending "200 Type set" as its reply, 13. Which one is a
# race; both runs fail, with and without --no-sessionid.
sc_pyftpdlib_ftps() {
	netlab_lab_direct && server_start pyftpdlib --tls --tls-control-required --tls-data-required || return 1
	cap client pyftpdlib-ftps || return 1
	run 0 "python3 ftplib FTP_TLS $NETLAB_SERVER_IP4: login, prot_p, RETR report.txt" \
		python3 -c "$FTPTLS" "$NETLAB_SERVER_IP4"
	run '35|13' "curl --ssl-reqd -k ftp://$NETLAB_SERVER_IP4/report.txt" \
		"${CURL[@]}" --ssl-reqd -k -o /dev/null "ftp://$NETLAB_SERVER_IP4/report.txt"
	run '35|13' "curl --ssl-reqd -k --no-sessionid ftp://$NETLAB_SERVER_IP4/report.txt" \
		"${CURL[@]}" --ssl-reqd -k --no-sessionid -o /dev/null "ftp://$NETLAB_SERVER_IP4/report.txt"
	cap_stop
}

# vsftpd-wget: GNU wget against vsftpd anon.conf, passive (its default) and
# --no-passive-ftp (PORT).
sc_vsftpd_wget() {
	netlab_lab_direct && netlab_vsftpd "$NETLAB_SERVER_NS" "$CONF/anon.conf" || return 1
	cap client vsftpd-wget || return 1
	run 0 "wget -nv -t 1 -T 3 -O /dev/null ftp://$NETLAB_SERVER_IP4/report.txt" \
		wget -nv -t 1 -T 3 -O /dev/null "ftp://$NETLAB_SERVER_IP4/report.txt"
	run 0 "wget -nv -t 1 -T 3 --no-passive-ftp -O /dev/null ftp://$NETLAB_SERVER_IP4/report.txt" \
		wget -nv -t 1 -T 3 --no-passive-ftp -O /dev/null "ftp://$NETLAB_SERVER_IP4/report.txt"
	cap_stop
}

# --- admin-day shapes: ABOR, REST, file commands, mirror, implicit FTPS, ----
# --- other control ports, IPv6 active, other clients, ASCII mode -----------

# FTPX: python3 -c "$FTPX" HOST [-P PORT] [-u USER PASS] OP...: a scripted
# ftplib session (anonymous unless -u) that runs each OP and goes on after
# an FTP error (exit 1 if any failed, 2 on a connection error):
#   cmd:TEXT             send TEXT as written (sendcmd), print the reply
#   active, passive      PORT/EPRT or PASV/EPSV for what follows
#   sleep:S              wait S seconds (NOOP keep-alives between)
#   retr:PATH[:REST]     TYPE I download, with REST REST first if given
#   retra:PATH           TYPE A download (retrlines)
#   stor:NAME:N, appe:NAME:N, stou:N   TYPE I uploads of N bytes
#   stora:NAME:N         TYPE A upload of N bytes (storlines: CRLF lines)
#   mlsd:PATH, list[:PATH], nlst[:PATH]   listings
#   abort:PATH:N         RETR PATH, read N bytes, ABOR (ftplib.abort(): urgent
#                        data) with the data connection open, drain it, read
#                        the second reply when the first was 426
#   aborttel:PATH:N      as abort, but ABOR the RFC 959 way (tnftp, inetutils):
#                        Telnet IP, Synch (IAC as urgent data, DM), then ABOR
#   close:PATH:N         RETR PATH, read N bytes, close the data connection
#                        without ABOR, read the reply
FTPX='
import ftplib, io, socket, sys, time
# ftpx HOST [-P PORT] [-u USER PASS] OP...: see record.sh.
args = sys.argv[1:]
host, port, user, pw = args.pop(0), 21, "anonymous", "anonymous@"
if args and args[0] == "-P":
    port = int(args[1]); args = args[2:]
if args and args[0] == "-u":
    user, pw = args[1], args[2]; args = args[3:]
def payload(n, text=False):
    line = b"uploaded by ftplib in the ftpsniff lab\n"
    return (line * (n // len(line) + 1))[:n]
ftp = ftplib.FTP(timeout=5)
ftp.set_debuglevel(1)
rc = 0
def show(label, f, *a, **k):
    global rc
    try:
        r = f(*a, **k)
        print(label, "->", r if not isinstance(r, bytes) else len(r))
        return r
    except (ftplib.all_errors + (ValueError,)) as e:
        print(label, "failed:", repr(e))
        rc = 1
try:
    ftp.connect(host, port)
    ftp.login(user, pw)
    for op in args:
        kind, _, arg = op.partition(":")
        if kind == "cmd":
            show(op, ftp.sendcmd, arg)
        elif kind == "active":
            ftp.set_pasv(False)
        elif kind == "passive":
            ftp.set_pasv(True)
        elif kind == "sleep":
            time.sleep(float(arg))
        elif kind == "retr":        # retr:PATH[:REST]
            path, _, rest = arg.partition(":")
            sink = io.BytesIO()
            show(op, ftp.retrbinary, "RETR " + path, sink.write, 8192, int(rest) if rest else None)
            print("got %d bytes" % sink.tell())
        elif kind == "retra":       # TYPE A download
            lines = []
            show(op, ftp.retrlines, "RETR " + arg, lines.append)
            print("got %d lines" % len(lines))
        elif kind in ("stor", "appe"):  # stor:NAME:BYTES (TYPE I)
            name, _, n = arg.partition(":")
            show(op, ftp.storbinary, "%s %s" % (kind.upper(), name), io.BytesIO(payload(int(n))))
        elif kind == "stora":       # TYPE A upload (storlines sends CRLF)
            name, _, n = arg.partition(":")
            show(op, ftp.storlines, "STOR " + name, io.BytesIO(payload(int(n))))
        elif kind == "stou":        # stou:BYTES
            show(op, ftp.storbinary, "STOU", io.BytesIO(payload(int(arg))))
        elif kind == "mlsd":
            show(op, lambda p: list(ftp.mlsd(p)), arg)
        elif kind == "list":
            lines = []
            show(op, ftp.retrlines, "LIST" + (" " + arg if arg else ""), lines.append)
        elif kind == "nlst":
            show(op, ftp.nlst, *([arg] if arg else []))
        elif kind in ("abort", "aborttel", "close"):
            # abort:PATH:BYTES: RETR PATH, read BYTES of it, then ABOR
            # (ftplib sends it as urgent data, MSG_OOB) while the data
            # connection is still open, read the rest of the replies and
            # the data connection end. close:PATH:BYTES: read BYTES and
            # close the data connection without ABOR (what a killed or
            # satisfied download does), then read the reply of the server.
            path, _, n = arg.partition(":")
            ftp.voidcmd("TYPE I")
            conn = ftp.transfercmd("RETR " + path)
            got = 0
            while got < int(n):
                b = conn.recv(8192)
                if not b:
                    break
                got += len(b)
            print("read %d bytes, now %s" % (got, kind))
            if kind in ("abort", "aborttel"):
                try:
                    if kind == "abort":
                        r = ftp.abort()
                    else:
                        # RFC 959 4.1.3, as tnftp and inetutils-ftp do it:
                        # Telnet IP, then Synch (IAC urgent, DM), then ABOR.
                        ftp.sock.sendall(b"\xff\xf4\xff", socket.MSG_OOB)
                        ftp.sock.sendall(b"\xf2ABOR\r\n")
                        r = ftp.getmultiline()
                    print("abort ->", r)
                except ftplib.all_errors as e:
                    print("abort ->", repr(e)); r = ""
                conn.settimeout(3)
                try:
                    while conn.recv(65536):
                        pass
                except OSError as e:
                    print("data:", repr(e))
                conn.close()
                if r[:3] == "426":
                    try:
                        print("then ->", ftp.getmultiline())
                    except ftplib.all_errors as e:
                        print("then ->", repr(e))
            else:
                conn.close()
                try:
                    print("reply ->", ftp.getmultiline())
                except ftplib.all_errors as e:
                    print("reply ->", repr(e))
        else:
            raise SystemExit("unknown op %r" % op)
    show("QUIT", ftp.quit)
except (OSError, EOFError, ftplib.Error) as e:
    print("connection error: %s" % e)
    sys.exit(2)
sys.exit(rc)
'

# big_file: ftproot/big.bin, 4 MiB (data.bin's pattern), for transfers that
# last long enough (under a server's rate limit) to be interrupted.
big_file() {
	local root
	root=$(netlab_ftproot) || return 1
	[ -f "$root/big.bin" ] && return 0
	python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(256)) * 16384)' >"$root/big.bin" &&
		chmod 644 "$root/big.bin"
}

# tree_dirs: ftproot/tree (two levels, 9 files of 1 to 60 KB) to mirror, and
# the same shape as a local tree $NETLAB_DIR/localtree to mirror -R.
tree_dirs() {
	local root d i
	root=$(netlab_ftproot) || return 1
	for d in "$root/tree" "$NETLAB_DIR/localtree"; do
		[ -d "$d" ] && continue
		mkdir -p "$d/docs" "$d/img/small" || return 1
		for i in 1 2 3; do
			head -c $((i * 20000)) "$root/data.bin" >"$d/docs/file$i.bin"
			head -c $((i * 1000 + 17)) "$root/report.txt" >"$d/img/pic$i.txt"
			head -c $((i * 333)) "$root/data.bin" >"$d/img/small/s$i.bin"
		done
		chmod -R a+rX "$d"
	done
}

# partial NAME BYTES: a local file $NETLAB_DIR/NAME holding the first BYTES
# of data.bin (a download cut short, to be resumed).
partial() {
	head -c "$2" "$(netlab_ftproot)/data.bin" >"$NETLAB_DIR/$1" && chmod 666 "$NETLAB_DIR/$1"
}

# abort_on NAME KIND: interrupted downloads of big.bin (4 MiB) from a
# server held to about 1 MB/s (KIND: vsftpd, proftpd, pureftpd): ftplib
# ABOR mid-RETR, ftplib closing the data connection without ABOR, curl
# stopping after a byte range (-r), curl killed by its time limit (-m 1),
# curl refusing by --max-filesize after SIZE, lftp interrupted by SIGINT.
abort_on() {
	netlab_lab_direct && big_file || return 1
	case $2 in
	vsftpd) netlab_vsftpd "$NETLAB_SERVER_NS" "$CONF/anon.conf" anon_max_rate=1000000 ;;
	proftpd) server_start proftpd "TransferRate RETR 1000" ;;
	pureftpd) server_start pureftpd -t 1000 ;;
	esac || return 1
	cap client "$1" || return 1
	# ftplib.abort() sends "ABOR\r\n" with MSG_OOB: its last byte is the
	# urgent one, so a server that reads urgent data out of line sees
	# "ABOR\r" and may wait for the line's end: exit 1 is a real outcome.
	run '0|1' "ftpx $NETLAB_SERVER_IP4 abort:big.bin:200000 cmd:NOOP (ftplib abort() mid-RETR)" \
		python3 -c "$FTPX" "$NETLAB_SERVER_IP4" abort:big.bin:200000 cmd:NOOP
	run '0|1' "ftpx $NETLAB_SERVER_IP4 aborttel:big.bin:200000 cmd:NOOP (IP, Synch, ABOR mid-RETR)" \
		python3 -c "$FTPX" "$NETLAB_SERVER_IP4" aborttel:big.bin:200000 cmd:NOOP
	run 0 "ftpx $NETLAB_SERVER_IP4 close:big.bin:200000 cmd:NOOP (data connection closed, no ABOR)" \
		python3 -c "$FTPX" "$NETLAB_SERVER_IP4" close:big.bin:200000 cmd:NOOP
	run 0 "curl -r 0-99999 ftp://$NETLAB_SERVER_IP4/big.bin" \
		"${CURL[@]}" -r 0-99999 -o /dev/null "ftp://$NETLAB_SERVER_IP4/big.bin"
	run 28 "curl -m 1 ftp://$NETLAB_SERVER_IP4/big.bin (killed by its time limit)" \
		curl -sS --connect-timeout 3 -m 1 -o /dev/null "ftp://$NETLAB_SERVER_IP4/big.bin"
	run 63 "curl --max-filesize 100000 ftp://$NETLAB_SERVER_IP4/big.bin" \
		"${CURL[@]}" --max-filesize 100000 -o /dev/null "ftp://$NETLAB_SERVER_IP4/big.bin"
	run '0|1|8|124|130' "timeout -s INT 1.5 lftp -e '$LFTP_SET; get big.bin -o ...; bye' (SIGINT mid-transfer)" \
		timeout -s INT 1.5 lftp -e "$LFTP_SET; get big.bin -o $NETLAB_DIR/lftp-big.bin; bye" "ftp://$NETLAB_SERVER_IP4"
	cap_stop
}

sc_abort_vsftpd() { abort_on abort-vsftpd vsftpd; }
sc_abort_proftpd() { abort_on abort-proftpd proftpd; }
sc_abort_pureftpd() { abort_on abort-pureftpd pureftpd; }

# resume_on NAME KIND: resumed downloads of data.bin (131072 bytes): ftplib
# REST 100000 + RETR, curl -C - over a local file of 50000 bytes, lftp get
# -c over one of 70000; then a resumed upload: ftplib STOR 30000 bytes,
# curl -C - -T of a 100000-byte file (SIZE, then APPE of the rest).
resume_on() {
	netlab_lab_direct || return 1
	case $2 in
	vsftpd) netlab_vsftpd "$NETLAB_SERVER_NS" "$CONF/write.conf" ;;
	proftpd) server_start proftpd:proftpd-write.conf ;;
	pureftpd) server_start pureftpd ;;
	esac || return 1
	partial curl-part.bin 50000 && partial lftp-part.bin 70000 && partial up100k.bin 100000 || return 1
	cap client "$1" || return 1
	run 0 "ftpx $NETLAB_SERVER_IP4 retr:data.bin:100000 (REST 100000, RETR)" \
		python3 -c "$FTPX" "$NETLAB_SERVER_IP4" retr:data.bin:100000
	run 0 "curl -C - -o curl-part.bin (50000 bytes) ftp://$NETLAB_SERVER_IP4/data.bin" \
		"${CURL[@]}" -C - -o "$NETLAB_DIR/curl-part.bin" "ftp://$NETLAB_SERVER_IP4/data.bin"
	run 0 "lftp -e '$LFTP_SET; get -c data.bin -o lftp-part.bin (70000 bytes); bye'" \
		lftp -e "$LFTP_SET; get -c data.bin -o $NETLAB_DIR/lftp-part.bin; bye" "ftp://$NETLAB_SERVER_IP4"
	run '0|1' "ftpx $NETLAB_SERVER_IP4 stor:upload/res.bin:30000" \
		python3 -c "$FTPX" "$NETLAB_SERVER_IP4" stor:upload/res.bin:30000
	run '0|25' "curl -C - -T up100k.bin ftp://$NETLAB_SERVER_IP4/upload/res.bin" \
		"${CURL[@]}" -C - -T "$NETLAB_DIR/up100k.bin" "ftp://$NETLAB_SERVER_IP4/upload/res.bin"
	cap_stop
	say "local: curl-part.bin $(stat -c %s "$NETLAB_DIR/curl-part.bin") lftp-part.bin $(stat -c %s "$NETLAB_DIR/lftp-part.bin"); server upload/res.bin $(stat -c %s "$NETLAB_DIR/ftproot/upload/res.bin" 2>&1)"
}

sc_resume_vsftpd() { resume_on resume-vsftpd vsftpd; }
sc_resume_proftpd() { resume_on resume-proftpd proftpd; }
sc_resume_pureftpd() { resume_on resume-pureftpd pureftpd; }

# filecmds_on NAME KIND: one ftplib session of file commands in upload/:
# FEAT, OPTS UTF8 ON, HELP, SYST, STAT, NOOP keep-alives 1 s apart, MKD,
# CWD, STOR, APPE, STOU, SIZE, MDTM, SITE CHMOD, RNFR/RNTO, MLSD, MLST,
# NLST, DELE (one missing), RMD of a non-empty and an empty directory.
filecmds_on() {
	netlab_lab_direct || return 1
	case $2 in
	vsftpd) netlab_vsftpd "$NETLAB_SERVER_NS" "$CONF/write.conf" ;;
	proftpd) server_start proftpd:proftpd-write.conf ;;
	pureftpd) server_start pureftpd -M ;;
	esac || return 1
	cap client "$1" || return 1
	run '0|1' "ftpx $NETLAB_SERVER_IP4 FEAT OPTS HELP SYST STAT NOOP MKD CWD STOR APPE STOU SIZE MDTM SITE RNFR RNTO MLSD MLST NLST DELE RMD" \
		python3 -c "$FTPX" "$NETLAB_SERVER_IP4" cmd:FEAT 'cmd:OPTS UTF8 ON' cmd:HELP cmd:SYST cmd:STAT \
		cmd:NOOP sleep:1 cmd:NOOP sleep:1 cmd:NOOP 'cmd:MKD upload/d1' 'cmd:CWD upload/d1' \
		stor:a.txt:3000 appe:a.txt:1000 stou:500 'cmd:SIZE a.txt' 'cmd:MDTM a.txt' \
		'cmd:SITE CHMOD 600 a.txt' 'cmd:RNFR a.txt' 'cmd:RNTO b.txt' mlsd:. 'cmd:MLST b.txt' nlst \
		'cmd:DELE b.txt' 'cmd:DELE nosuch.txt' 'cmd:MKD empty' 'cmd:RMD empty' cmd:CDUP 'cmd:RMD d1' cmd:PWD
	cap_stop
}

sc_filecmds_vsftpd() { filecmds_on filecmds-vsftpd vsftpd; }
sc_filecmds_proftpd() { filecmds_on filecmds-proftpd proftpd; }
sc_filecmds_pureftpd() { filecmds_on filecmds-pureftpd pureftpd; }

# mirror_on NAME KIND: lftp mirror --parallel=4 of tree/ (9 files, 3
# directories; several control and data connections at once), then
# mirror -R --parallel=4 of the same shape into upload/ (vsftpd and ProFTPD,
# which allow it). ProFTPD and Pure-FTPd offer MLST in FEAT: lftp lists with MLSD.
mirror_on() {
	netlab_lab_direct && tree_dirs || return 1
	case $2 in
	vsftpd) netlab_vsftpd "$NETLAB_SERVER_NS" "$CONF/write.conf" ;;
	proftpd) server_start proftpd:proftpd-write.conf ;;
	pureftpd) server_start pureftpd -M ;;
	esac || return 1
	cap client "$1" || return 1
	run 0 "lftp -e '$LFTP_SET; mirror --parallel=4 tree ...; bye' ftp://$NETLAB_SERVER_IP4" \
		lftp -e "$LFTP_SET; mirror --parallel=4 tree $NETLAB_DIR/mirror-down; bye" "ftp://$NETLAB_SERVER_IP4"
	run '0|1' "lftp -e '$LFTP_SET; mirror -R --parallel=4 localtree upload/up; bye' ftp://$NETLAB_SERVER_IP4" \
		lftp -e "$LFTP_SET; mirror -R --parallel=4 $NETLAB_DIR/localtree upload/up; bye" "ftp://$NETLAB_SERVER_IP4"
	cap_stop
	say "downloaded: $(find "$NETLAB_DIR/mirror-down" -type f 2>/dev/null | wc -l) files; uploaded: $(find "$NETLAB_DIR/ftproot/upload/up" -type f 2>/dev/null | wc -l) files"
}

sc_mirror_vsftpd() { mirror_on mirror-vsftpd vsftpd; }
sc_mirror_proftpd() { mirror_on mirror-proftpd proftpd; }
sc_mirror_pureftpd() { mirror_on mirror-pureftpd pureftpd; }

# implicit-ftps-vsftpd: vsftpd implicit_ssl=YES on port 990 (TLS from the
# first byte, no AUTH): curl ftps:// download and listing, lftp ftps:// ls.
sc_implicit_ftps_vsftpd() {
	netlab_lab_direct && netlab_tls_cert || return 1
	netlab_vsftpd "$NETLAB_SERVER_NS" "$CONF/ftps.conf" implicit_ssl=YES listen_port=990 \
		"rsa_cert_file=$NETLAB_CERT" "rsa_private_key_file=$NETLAB_KEY" || return 1
	cap client implicit-ftps-vsftpd || return 1
	run 0 "curl -k ftps://$NETLAB_SERVER_IP4/report.txt" \
		"${CURL[@]}" -k -o /dev/null "ftps://$NETLAB_SERVER_IP4/report.txt"
	run 0 "curl -k ftps://$NETLAB_SERVER_IP4/ (listing)" \
		"${CURL[@]}" -k -o /dev/null "ftps://$NETLAB_SERVER_IP4/"
	run 0 "lftp -e '$LFTP_SET; set ssl:verify-certificate no; ls; bye' ftps://$NETLAB_SERVER_IP4" \
		lftp -e "$LFTP_SET; set ssl:verify-certificate no; ls; bye" "ftps://$NETLAB_SERVER_IP4"
	cap_stop
}

# implicit-ftps-proftpd: ProFTPD, plain FTP on 21 and a <VirtualHost> on 990
# with TLSOptions UseImplicitSSL (conf/proftpd-implicit.conf); curl ftps://.
sc_implicit_ftps_proftpd() {
	netlab_lab_direct && netlab_tls_cert || return 1
	server_start proftpd:proftpd-implicit.conf || return 1
	netlab_wait_port "$NETLAB_SERVER_NS" 990 || return 1
	cap client implicit-ftps-proftpd || return 1
	run 0 "curl -k ftps://$NETLAB_SERVER_IP4/report.txt" \
		"${CURL[@]}" -k -o /dev/null "ftps://$NETLAB_SERVER_IP4/report.txt"
	run 0 "curl -k ftps://$NETLAB_SERVER_IP4/ (listing)" \
		"${CURL[@]}" -k -o /dev/null "ftps://$NETLAB_SERVER_IP4/"
	cap_stop
}

# ftps-ccc-proftpd: explicit FTPS (TLSRequired off, conf/proftpd-ccc.conf);
# lftp with ftp:ssl-use-ccc yes sends CCC after login and goes on in clear
# text on the control connection, data still protected (PROT P).
sc_ftps_ccc_proftpd() {
	netlab_lab_direct && netlab_tls_cert || return 1
	server_start proftpd:proftpd-ccc.conf "TLSRSACertificateFile $NETLAB_CERT" \
		"TLSRSACertificateKeyFile $NETLAB_KEY" || return 1
	cap client ftps-ccc-proftpd || return 1
	local tls='set ftp:ssl-force true; set ftp:ssl-allow-anonymous true; set ssl:verify-certificate no; set ftp:ssl-use-ccc yes'
	run '0|1' "lftp -e '$LFTP_SET; $tls; ls; get report.txt -o ...; bye' ftp://$NETLAB_SERVER_IP4" \
		lftp -e "$LFTP_SET; $tls; ls; get report.txt -o $NETLAB_DIR/lftp-report.txt; bye" "ftp://$NETLAB_SERVER_IP4"
	cap_stop
	say "got: $(stat -c '%s bytes' "$NETLAB_DIR/lftp-report.txt" 2>&1)"
}

# control-port-2121: vsftpd listen_port=2121: curl passive (EPSV) download,
# lftp ls (PASV), ftplib active (PORT) download.
sc_control_port_2121() {
	netlab_lab_direct && netlab_vsftpd "$NETLAB_SERVER_NS" "$CONF/anon.conf" listen_port=2121 || return 1
	cap client control-port-2121 || return 1
	run 0 "curl ftp://$NETLAB_SERVER_IP4:2121/report.txt" \
		"${CURL[@]}" -o /dev/null "ftp://$NETLAB_SERVER_IP4:2121/report.txt"
	run 0 "lftp -e '$LFTP_SET; ls; bye' ftp://$NETLAB_SERVER_IP4:2121" \
		lftp -e "$LFTP_SET; ls; bye" "ftp://$NETLAB_SERVER_IP4:2121"
	run 0 "ftpclient.py --port 2121 --active $NETLAB_SERVER_IP4 retr:report.txt" \
		"${FTPLIB[@]}" --port 2121 --active "$NETLAB_SERVER_IP4" retr:report.txt
	cap_stop
}

# ipv6_active_on NAME KIND: IPv6 sessions: curl -P CLIENT6 (EPRT |2|),
# curl passive (EPSV), ftplib --active (EPRT), lftp active (EPRT) and
# curl --disable-epsv (PASV on IPv6).
ipv6_active_on() {
	netlab_lab_direct || return 1
	case $2 in
	vsftpd) netlab_vsftpd "$NETLAB_SERVER_NS" "$CONF/anon-ipv6.conf" ;;
	proftpd) server_start proftpd:proftpd-ipv6.conf ;;
	pureftpd) pureftpd_dual "$NETLAB_SERVER_NS" ;;
	esac || return 1
	cap client "$1" || return 1
	local u="ftp://[$NETLAB_SERVER_IP6]"
	run 0 "curl -g -P $NETLAB_CLIENT_IP6 $u/report.txt (EPRT |2|)" \
		"${CURL[@]}" -g -P "$NETLAB_CLIENT_IP6" -o /dev/null "$u/report.txt"
	run 0 "curl -g $u/report.txt (EPSV)" \
		"${CURL[@]}" -g -o /dev/null "$u/report.txt"
	run 0 "ftpclient.py --active $NETLAB_SERVER_IP6 retr:report.txt nlst" \
		"${FTPLIB[@]}" --active "$NETLAB_SERVER_IP6" retr:report.txt nlst
	run 0 "lftp -e '$LFTP_SET; set ftp:passive-mode off; ls; bye' $u" \
		lftp -e "$LFTP_SET; set ftp:passive-mode off; ls; bye" "$u"
	run '0|7|13|28|30' "curl -g --disable-epsv $u/report.txt (PASV over IPv6)" \
		"${CURL[@]}" -g --disable-epsv -o /dev/null "$u/report.txt"
	cap_stop
}

# pureftpd_dual NS: Pure-FTPd as netlab_pureftpd starts it, but without -4,
# so it listens on IPv6 too.
pureftpd_dual() {
	local ns=$1 root bin home
	root=$(netlab_ftproot) || return 1
	if netlab_installed pure-ftpd; then
		bin=/usr/sbin/pure-ftpd
	else
		bin=$(netlab_unpack pure-ftpd) || return 1
		bin=$bin/usr/sbin/pure-ftpd
	fi
	netlab_ftp_user || return 1
	home=$(getent passwd ftp | cut -d: -f6)
	# shellcheck disable=SC2016 # $1, $2 and $@ are sh -c's own arguments
	netlab_start_server pure-ftpd "$ns" 21 unshare --mount --propagation private \
		sh -c 'mount --bind "$1" "$2" && shift 2 && exec "$@"' sh "$root" "$home" \
		"$bin" -e -H -p 40000:40100 -g "$NETLAB_DIR/pure-ftpd-$ns.pid" || return 1
	# shellcheck disable=SC2034 # set as netlab_pureftpd sets it, though no scenario reads it
	NETLAB_PUREFTPD_PID=$NETLAB_LAST_PID
}

sc_ipv6_active_vsftpd() { ipv6_active_on ipv6-active-vsftpd vsftpd; }
sc_ipv6_proftpd() { ipv6_active_on ipv6-proftpd proftpd; }
sc_ipv6_pureftpd() { ipv6_active_on ipv6-pureftpd pureftpd; }

# client_session NAME SH: vsftpd write.conf and one client run by sh -c SH
# in the client namespace, from $NETLAB_DIR/cl (its download folder).
client_session() {
	netlab_lab_direct && netlab_vsftpd "$NETLAB_SERVER_NS" "$CONF/write.conf" || return 1
	mkdir -p "$NETLAB_DIR/cl" && partial cl/up.bin 20000 || return 1
	cap client "$1" || return 1
	run '0|1' "$2" sh -c "cd $NETLAB_DIR/cl && $2"
	cap_stop
	say "client folder: $(cd "$NETLAB_DIR/cl" && stat -c '%n %s' -- * | tr '\n' ' ')"
}

# tnftp (Debian's "ftp"): an auto-fetch of one URL, then a scripted session
# (-n, user, passive: EPSV; then passive off: EPRT) with get, put, ls, size.
sc_client_tnftp() {
	client_session client-tnftp "tnftp -V ftp://$NETLAB_SERVER_IP4/report.txt; printf 'user anonymous tnftp@\nbinary\nls\nget data.bin\nsize data.bin\nascii\nget report.txt r.txt\nbinary\ncd upload\nput up.bin\npassive off\nget up.bin up2.bin\nls\nquit\n' | tnftp -n -v $NETLAB_SERVER_IP4"
}

# inetutils-ftp (GNU): a scripted session, passive (-p: PASV) then active
# (passive toggled off: PORT).
sc_client_inetutils() {
	client_session client-inetutils "printf 'user anonymous gnu@\nbinary\nls\nget data.bin\ncd upload\nput up.bin\npassive\nget up.bin up2.bin\nascii\nget ../report.txt r.txt\nquit\n' | inetutils-ftp -n -v -p $NETLAB_SERVER_IP4"
}

# ncftp: ncftpls (listing), ncftpget (download), ncftpput (upload), and
# ncftpget -E (active PORT).
sc_client_ncftp() {
	client_session client-ncftp "ncftpls -l ftp://$NETLAB_SERVER_IP4/ ; ncftpget -V $NETLAB_SERVER_IP4 . /data.bin; ncftpput -V $NETLAB_SERVER_IP4 /upload up.bin; ncftpget -V -E $NETLAB_SERVER_IP4 . /report.txt"
}

# busybox ftpget/ftpput (PASV only).
sc_client_busybox() {
	client_session client-busybox "busybox ftpget -v -u anonymous -p bb@ $NETLAB_SERVER_IP4 data.bin data.bin; busybox ftpput -v -u anonymous -p bb@ $NETLAB_SERVER_IP4 upload/bb.bin up.bin; busybox ftpget -c -v -u anonymous -p bb@ $NETLAB_SERVER_IP4 up.bin upload/bb.bin"
}

# ascii_on NAME KIND: TYPE A and TYPE I transfers of several sizes (0 B to
# 300 KB) both ways in one session: vsftpd write.conf (ascii_*_enable NO,
# its default: "ASCII" data goes through unconverted), vsftpd with
# ascii_upload_enable and ascii_download_enable, ProFTPD (converts).
ascii_on() {
	netlab_lab_direct || return 1
	case $2 in
	vsftpd) netlab_vsftpd "$NETLAB_SERVER_NS" "$CONF/write.conf" ;;
	vsftpd-conv) netlab_vsftpd "$NETLAB_SERVER_NS" "$CONF/write.conf" ascii_upload_enable=YES ascii_download_enable=YES ;;
	proftpd) server_start proftpd:proftpd-write.conf ;;
	esac || return 1
	cap client "$1" || return 1
	run '0|1' "ftpx $NETLAB_SERVER_IP4 retra:report.txt retr:report.txt stora/stor of 0..300000 bytes, retra/retr back, retra:data.bin" \
		python3 -c "$FTPX" "$NETLAB_SERVER_IP4" retra:report.txt retr:report.txt \
		stora:upload/a0.txt:0 stora:upload/a1.txt:100 stora:upload/a2.txt:50000 \
		stor:upload/b1.bin:1 stor:upload/b2.bin:300000 stor:upload/b0.bin:0 \
		retra:upload/a2.txt retr:upload/a2.txt retr:upload/b0.bin retra:upload/a0.txt retra:data.bin \
		'cmd:SIZE upload/a2.txt' 'cmd:TYPE A' 'cmd:SIZE upload/a2.txt' 'cmd:TYPE I'
	cap_stop
	say "server: $(cd "$NETLAB_DIR/ftproot/upload" && stat -c '%n %s' -- * | tr '\n' ' ')"
}

sc_ascii_vsftpd() { ascii_on ascii-vsftpd vsftpd; }
sc_ascii_vsftpd_conv() { ascii_on ascii-vsftpd-conv vsftpd-conv; }
sc_ascii_proftpd() { ascii_on ascii-proftpd proftpd; }

# --- control connections that never open; active data the client's --------
# --- firewall refuses; Twisted and inetutils-ftpd --------------------------

# client_fw RULES: an inet filter input chain in the client namespace.
client_fw() {
	netlab_nft "$NETLAB_CLIENT_NS" <<EOF
table inet fw {
	chain input {
		type filter hook input priority filter; policy accept;
		ct state established,related accept
		$1
	}
}
EOF
}

# control_blocked NAME EXPECT [RULESET]: vsftpd anon.conf (unless RULESET
# is the word "none": no server at all) and, when given, RULESET loaded into
# the server's nftables; then curl and ftplib each try one session to port
# 21 and never get a 220. The connect timeouts are 8 s, so a dropped SYN
# shows its retransmissions (7 SYNs in 8 s on Linux 6.18, whose
# tcp_syn_linear_timeouts resends it 1 s apart at first).
control_blocked() {
	local name=$1 expect=$2 rules=${3:-}
	netlab_lab_direct || return 1
	if [ "$rules" != none ]; then
		netlab_vsftpd "$NETLAB_SERVER_NS" "$CONF/anon.conf" || return 1
		if [ -n "$rules" ]; then
			netlab_nft "$NETLAB_SERVER_NS" <<<"$rules" || return 1
		fi
	fi
	cap client "$name" || return 1
	NETLAB_CMD_TIMEOUT=15 run "$expect" "curl --connect-timeout 8 ftp://$NETLAB_SERVER_IP4/report.txt" \
		curl -sS --connect-timeout 8 -m 12 -o /dev/null "ftp://$NETLAB_SERVER_IP4/report.txt"
	NETLAB_CMD_TIMEOUT=15 run 2 "ftpclient.py --timeout 8 $NETLAB_SERVER_IP4 retr:report.txt" \
		"${FTPLIB[@]}" --timeout 8 "$NETLAB_SERVER_IP4" retr:report.txt
	cap_stop
}

# control-refused: nothing listens on port 21 (no server started): the
# server's kernel answers each SYN with RST, ACK. curl exits 7.
sc_control_refused() { control_blocked control-refused 7 none; }

# control-reject-icmp: vsftpd listens, but the server's input chain rejects
# new connections to port 21 with ICMP "administratively prohibited" (type
# 3 code 13 for IPv4): Linux aborts the connect at the first ICMP error.
# curl exits 7.
sc_control_reject_icmp() {
	control_blocked control-reject-icmp 7 'table inet fw {
	chain input {
		type filter hook input priority filter; policy accept;
		ct state established,related accept
		tcp dport 21 ct state new reject with icmpx type admin-prohibited
	}
}'
}

# control-drop: the server's input chain drops new connections to port 21:
# the client's SYNs go unanswered until its connect timeout. curl exits 28.
sc_control_drop() {
	control_blocked control-drop 28 'table inet fw {
	chain input {
		type filter hook input priority filter; policy accept;
		ct state established,related accept
		tcp dport 21 ct state new drop
	}
}'
}

# control-synack-drop: vsftpd's kernel gets each SYN, but the server's
# output chain drops its SYN-ACKs (a broken return path: asymmetric routing,
# a stateful box that sees one direction only): the client keeps resending
# its SYN until its connect timeout. curl exits 28.
sc_control_synack_drop() {
	control_blocked control-synack-drop 28 'table inet fw {
	chain output {
		type filter hook output priority filter; policy accept;
		tcp sport 21 tcp flags & (syn | ack) == syn | ack drop
	}
}'
}

# pyftpdlib connects back at PORT/EPRT time (ActiveDTP), not at RETR, from an
# ephemeral port (not 20), and answers the PORT with what happened.
#
# pyftpdlib-active-client-reject: the client's input chain rejects new TCP
# connections with a TCP reset: each connect-back meets RST, ACK and
# pyftpdlib answers "425 Can't connect to specified address.". ftplib (PORT)
# exits 1; curl -P - (EPRT, then PORT after the 425, then QUIT) exits 30
# (its message names an inet_ntop error, a curl quirk).
sc_pyftpdlib_active_client_reject() {
	netlab_lab_direct && server_start pyftpdlib || return 1
	client_fw 'meta l4proto tcp ct state new reject with tcp reset' || return 1
	cap client pyftpdlib-active-client-reject || return 1
	run 1 "ftpclient.py --active $NETLAB_SERVER_IP4 retr:report.txt" \
		"${FTPLIB[@]}" --active "$NETLAB_SERVER_IP4" retr:report.txt
	run 30 "curl -P - ftp://$NETLAB_SERVER_IP4/report.txt" \
		"${CURL[@]}" -P - -o /dev/null "ftp://$NETLAB_SERVER_IP4/report.txt"
	cap_stop
}

# pyftpdlib-active-client-drop: the client's input chain drops new TCP
# connections: pyftpdlib's connect-back SYNs go unanswered for its
# ActiveDTP.timeout (30 s), then it answers the PORT "421 Active data
# channel timed out." and the session goes on. ftplib waits up to 40 s for
# that reply; exit 1.
sc_pyftpdlib_active_client_drop() {
	netlab_lab_direct && server_start pyftpdlib || return 1
	client_fw 'meta l4proto tcp ct state new drop' || return 1
	cap client pyftpdlib-active-client-drop || return 1
	NETLAB_CMD_TIMEOUT=50 run 1 "ftpclient.py --active --timeout 40 $NETLAB_SERVER_IP4 retr:report.txt" \
		"${FTPLIB[@]}" --active --timeout 40 "$NETLAB_SERVER_IP4" retr:report.txt
	cap_stop
}

# labpython3 MODULE: print the first of /usr/bin/python3 and python3 that
# imports MODULE (a pyenv python3 on PATH does not see Debian's dist-packages).
labpython3() {
	local p
	for p in /usr/bin/python3 python3; do
		if "$p" -c "import $1" 2>/dev/null; then
			printf '%s\n' "$p"
			return 0
		fi
	done
	netlab_die "no python3 imports $1 (see APT_PACKAGES)"
}

# TWISTEDFTP: python3 -c "$TWISTEDFTP" ROOT PORT LOW-HIGH: Twisted's FTP
# server (Debian's python3-twisted, twisted.protocols.ftp): anonymous,
# read-only on ROOT (FTPRealm, AllowAnonymousAccess), passivePortRange
# LOW-HIGH, logging to standard error; runs until SIGTERM.
TWISTEDFTP='
import sys
from twisted.cred.checkers import AllowAnonymousAccess
from twisted.cred.portal import Portal
from twisted.internet import reactor
from twisted.protocols.ftp import FTPFactory, FTPRealm
from twisted.python import log
root, port, (lo, hi) = sys.argv[1], int(sys.argv[2]), sys.argv[3].split("-")
factory = FTPFactory(Portal(FTPRealm(root), [AllowAnonymousAccess()]))
factory.passivePortRange = range(int(lo), int(hi) + 1)
log.startLogging(sys.stderr)
reactor.listenTCP(port, factory)
reactor.run()
'

# twisted_ftpd NS: Twisted's FTP server ($TWISTEDFTP) in NS on port 21,
# passivePortRange 40000-40100.
twisted_ftpd() {
	local py
	py=$(labpython3 twisted.protocols.ftp) || return 1
	netlab_start_server twisted "$1" 21 "$py" -c "$TWISTEDFTP" "$(netlab_ftproot)" 21 40000-40100
}

# twisted-passive: Twisted's FTP server (it has no EPSV: curl falls back to
# PASV after its 502), one curl session downloading report.txt and listing
# the root.
sc_twisted_passive() {
	netlab_lab_direct && twisted_ftpd "$NETLAB_SERVER_NS" || return 1
	cap client twisted-passive || return 1
	run 0 "curl ftp://$NETLAB_SERVER_IP4/report.txt ftp://$NETLAB_SERVER_IP4/" \
		"${CURL[@]}" -o /dev/null "ftp://$NETLAB_SERVER_IP4/report.txt" -o /dev/null "ftp://$NETLAB_SERVER_IP4/"
	cap_stop
}

# BIND_EXEC SRC DST [SRC DST...] -- CMD...: run CMD in a mount namespace of
# its own with each SRC bind-mounted on DST there; the mounts go with CMD and
# the host's files stay as they are.
# shellcheck disable=SC2016 # $1, $2 and $@ are sh -c's own arguments
BIND_EXEC=(unshare --mount --propagation private
	sh -c 'while [ "$1" != -- ]; do mount --bind "$1" "$2" || exit 1; shift 2; done; shift; exec "$@"' sh)

# inetutils_ftpd NS [NAMESERVER]: GNU inetutils ftpd standalone (-D), anonymous
# only (-A), IPv4 (-4), from the installed inetutils-ftpd or, as for ProFTPD,
# its unpacked .deb (it Conflicts with vsftpd's ftp-server). Anonymous sessions
# chroot to the ftp user's home: the server runs in a mount namespace of its
# own where the lab's tree is bind-mounted there (and, with NAMESERVER, a
# resolv.conf naming only it on /etc/resolv.conf: ftpd looks up each client's
# address before its greeting). ftpd -D forks into the background: its PID
# comes from its pid file (-p) and is recorded.
inetutils_ftpd() {
	local ns=$1 dns=${2:-} root bin home pidf i pid='' mounts=()
	root=$(netlab_ftproot) || return 1
	if netlab_installed inetutils-ftpd; then
		bin=/usr/sbin/ftpd
	else
		bin=$(netlab_unpack inetutils-ftpd) || return 1
		bin=$bin/usr/sbin/ftpd
	fi
	netlab_ftp_user || return 1
	home=$(getent passwd ftp | cut -d: -f6)
	[ -d "$home" ] || { netlab_die "the ftp user's home $home is not a directory"; return 1; }
	mounts=("$root" "$home")
	if [ -n "$dns" ]; then
		printf 'nameserver %s\n' "$dns" >"$NETLAB_DIR/resolv-$ns.conf" || return 1
		mounts+=("$NETLAB_DIR/resolv-$ns.conf" /etc/resolv.conf)
	fi
	pidf=$NETLAB_DIR/inetutils-ftpd-$ns.pid
	netlab_start_server inetutils-ftpd "$ns" 21 "${BIND_EXEC[@]}" "${mounts[@]}" -- \
		"$bin" -D -A -4 --pidfile="$pidf" || return 1
	for i in $(seq 1 50); do
		pid=$(cat "$pidf" 2>/dev/null)
		[ -n "$pid" ] && break
		sleep 0.1
	done
	[ -n "$pid" ] || { netlab_die "inetutils ftpd wrote no pid file $pidf"; return 1; }
	NETLAB_PIDS+=("$pid")
}

# inetutils-ftpd-passive: inetutils ftpd (its passive ports come from the
# kernel's ephemeral range: it has no setting for them), one curl session
# downloading report.txt and listing the root.
sc_inetutils_ftpd_passive() {
	netlab_lab_direct && inetutils_ftpd "$NETLAB_SERVER_NS" || return 1
	cap client inetutils-ftpd-passive || return 1
	run 0 "curl ftp://$NETLAB_SERVER_IP4/report.txt ftp://$NETLAB_SERVER_IP4/" \
		"${CURL[@]}" -o /dev/null "ftp://$NETLAB_SERVER_IP4/report.txt" -o /dev/null "ftp://$NETLAB_SERVER_IP4/"
	cap_stop
}

# --- Twisted, inetutils ftpd, aioftp and BSD ftpd-ssl failing ---------------

# AIOFTPD: python3 -c "$AIOFTPD" ROOT PORT LOW-HIGH: aioftp's server (Debian's
# python3-aioftp): one user with no login name (anyone logs in, USER alone
# gets 230), read-only on ROOT, data_ports LOW-HIGH, DEBUG log (every command
# and reply) to standard error; runs until SIGTERM.
AIOFTPD='
import asyncio, logging, pathlib, sys
import aioftp
root, port, (lo, hi) = sys.argv[1], int(sys.argv[2]), sys.argv[3].split("-")
logging.basicConfig(level=logging.DEBUG, stream=sys.stderr, format="%(asctime)s %(message)s")
user = aioftp.User(base_path=pathlib.Path(root), home_path=pathlib.PurePosixPath("/"),
                   permissions=[aioftp.Permission("/", readable=True, writable=False)])
server = aioftp.Server([user], data_ports=range(int(lo), int(hi) + 1))
asyncio.run(server.run("0.0.0.0", port))
'

# aioftp_ftpd NS: $AIOFTPD in NS on port 21, data_ports 40000-40100.
aioftp_ftpd() {
	local py
	py=$(labpython3 aioftp) || return 1
	netlab_start_server aioftp "$1" 21 "$py" -c "$AIOFTPD" "$(netlab_ftproot)" 21 40000-40100
}

# ftpd_ssl NS: BSD ftpd with TLS (Debian's ftpd-ssl, Linux-ftpd 0.17 with the
# SSL patch), standalone (-D), logging sessions (-l), given the lab's
# certificate and key (-z cert= -z key=); from the installed package or its
# unpacked .deb (it Provides ftp-server too). Its anonymous login goes through
# PAM's "ftp" service (pam_ftp); an unpacked .deb puts no /etc/pam.d/ftp on
# the host, so the server's own mount namespace gets a copy of /etc/pam.d with
# the package's ftp file added, and the lab's tree on the ftp user's home
# (anonymous sessions chroot there). in.ftpd -D detaches and writes no pid
# file: the PID of the process listening on port 21 is recorded.
ftpd_ssl() {
	local ns=$1 root bin pkg home pid mounts=()
	root=$(netlab_ftproot) || return 1
	netlab_ftp_user && netlab_tls_cert || return 1
	home=$(getent passwd ftp | cut -d: -f6)
	[ -d "$home" ] || { netlab_die "the ftp user's home $home is not a directory"; return 1; }
	mounts=("$root" "$home")
	if netlab_installed ftpd-ssl; then
		bin=/usr/sbin/in.ftpd
	else
		pkg=$(netlab_unpack ftpd-ssl) || return 1
		bin=$pkg/usr/sbin/in.ftpd
		cp -a /etc/pam.d "$NETLAB_DIR/pam.d" && cp "$pkg/etc/pam.d/ftp" "$NETLAB_DIR/pam.d/ftp" || return 1
		mounts+=("$NETLAB_DIR/pam.d" /etc/pam.d)
	fi
	netlab_start_server ftpd-ssl "$ns" 21 "${BIND_EXEC[@]}" "${mounts[@]}" -- \
		"$bin" -D -l -z "cert=$NETLAB_CERT" -z "key=$NETLAB_KEY" || return 1
	pid=$(ip netns exec "$ns" ss -Hltnp 'sport = :21' | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -n 1)
	[ -n "$pid" ] || { netlab_die "no PID for ftpd-ssl's listener in $ns"; return 1; }
	NETLAB_PIDS+=("$pid")
}

# passive_drop_wget NAME KIND: the server's firewall drops every new
# connection but to port 21 (as other_pasv_drop); curl (EPSV, then PASV)
# exits 28, then wget (PASV) gives up on the data connection after its 3 s
# (exit 4).
passive_drop_wget() {
	netlab_lab_direct && server_start "$2" || return 1
	server_fw 'tcp dport != 21 ct state new drop' || return 1
	cap client "$1" || return 1
	run 28 "curl ftp://$NETLAB_SERVER_IP4/report.txt (server drops new connections but to 21)" \
		"${CURL[@]}" -o /dev/null "ftp://$NETLAB_SERVER_IP4/report.txt"
	run 4 "wget -nv -t 1 -T 3 -O /dev/null ftp://$NETLAB_SERVER_IP4/report.txt" \
		wget -nv -t 1 -T 3 -O /dev/null "ftp://$NETLAB_SERVER_IP4/report.txt"
	cap_stop
}

# inetutils-ftpd-pasv-drop: inetutils ftpd announces ports from the kernel's
# ephemeral range, all dropped.
sc_inetutils_ftpd_pasv_drop() { passive_drop_wget inetutils-ftpd-pasv-drop inetutils-ftpd; }

# aioftp-passive-drop: aioftp (USER alone logs in; a two-line 227), its
# 40000-40100 dropped.
sc_aioftp_passive_drop() { passive_drop_wget aioftp-passive-drop aioftp; }

# ftpd-ssl-handshake-alert: BSD ftpd-ssl behind the same firewall. Plain
# curl times out on the data connection (exit 28); curl --ssl-reqd's AUTH SSL
# gets 234, its ClientHello a TLS alert, then a clear-text 421 naming
# SSL_accept's error (exit 35).
sc_ftpd_ssl_handshake_alert() {
	netlab_lab_direct && server_start ftpd-ssl || return 1
	server_fw 'tcp dport != 21 ct state new drop' || return 1
	cap client ftpd-ssl-handshake-alert || return 1
	run 28 "curl ftp://$NETLAB_SERVER_IP4/report.txt (server drops new connections but to 21)" \
		"${CURL[@]}" -o /dev/null "ftp://$NETLAB_SERVER_IP4/report.txt"
	run 35 "curl --ssl-reqd -k ftp://$NETLAB_SERVER_IP4/report.txt" \
		"${CURL[@]}" --ssl-reqd -k -o /dev/null "ftp://$NETLAB_SERVER_IP4/report.txt"
	cap_stop
}

# twisted-nat: the nat lab (no helper) with Twisted, which has no setting
# for the address its 227 names (so: 10.99.2.2). ftplib (PASV, ignoring the
# 227's address) works; curl trusting it times out. Captured on the client.
sc_twisted_nat() {
	netlab_lab_nat && server_start twisted || return 1
	cap client twisted-nat || return 1
	run 0 "ftpclient.py $NETLAB_PUBLIC_IP4 retr:report.txt (PASV; ftplib ignores the 227 address)" \
		"${FTPLIB[@]}" "$NETLAB_PUBLIC_IP4" retr:report.txt
	run 28 "curl --disable-epsv --no-ftp-skip-pasv-ip ftp://$NETLAB_PUBLIC_IP4/report.txt" \
		"${CURL[@]}" --disable-epsv --no-ftp-skip-pasv-ip -o /dev/null "ftp://$NETLAB_PUBLIC_IP4/report.txt"
	cap_stop
}

# LAB_DNS: a name server the labs cannot reach (the nat router has no route
# to it and answers ICMP net unreachable). Pinned for inetutils ftpd, which
# looks up every client's address before its greeting, so that its delay
# does not depend on the host's /etc/resolv.conf.
LAB_DNS=10.255.255.53

# inetutils-ftpd-nat: the nat lab (no helper) with inetutils ftpd, whose
# passive ports (the kernel's ephemeral range) the router does not forward
# and whose 227 names 10.99.2.2; the server's output chain rejects DNS, so
# its reverse lookup of the client fails at once. ftplib (PASV, to the
# router's address: the router refuses it); curl trusting the 227 (times
# out: nothing routes 10.99.2.2 to the client); curl EPSV, then PASV (both
# refused by the router). Captured on the client.
sc_inetutils_ftpd_nat() {
	netlab_lab_nat || return 1
	netlab_nft "$NETLAB_SERVER_NS" <<'NFT' || return 1
table inet dnsblock {
	chain output {
		type filter hook output priority filter; policy accept;
		udp dport 53 reject
		tcp dport 53 reject with tcp reset
	}
}
NFT
	inetutils_ftpd "$NETLAB_SERVER_NS" "$LAB_DNS" || return 1
	cap client inetutils-ftpd-nat || return 1
	run 1 "ftpclient.py $NETLAB_PUBLIC_IP4 retr:report.txt (PASV; ftplib ignores the 227 address)" \
		"${FTPLIB[@]}" "$NETLAB_PUBLIC_IP4" retr:report.txt
	run 28 "curl --disable-epsv --no-ftp-skip-pasv-ip ftp://$NETLAB_PUBLIC_IP4/report.txt" \
		"${CURL[@]}" --disable-epsv --no-ftp-skip-pasv-ip -o /dev/null "ftp://$NETLAB_PUBLIC_IP4/report.txt"
	run 7 "curl ftp://$NETLAB_PUBLIC_IP4/report.txt (EPSV, then PASV)" \
		"${CURL[@]}" -o /dev/null "ftp://$NETLAB_PUBLIC_IP4/report.txt"
	cap_stop
}

# inetutils-ftpd-greeting-late: the nat lab with inetutils ftpd resolving
# through $LAB_DNS: its reverse lookup of the client waits out a query the
# router's ICMP rate limit left unanswered (5 s), so the 220 comes after
# ftplib's 3 s timeout (exit 2) and curl's --connect-timeout 3 (exit 28).
# Captured on the server.
sc_inetutils_ftpd_greeting_late() {
	netlab_lab_nat && inetutils_ftpd "$NETLAB_SERVER_NS" "$LAB_DNS" || return 1
	cap server inetutils-ftpd-greeting-late || return 1
	run 2 "ftpclient.py $NETLAB_PUBLIC_IP4 retr:report.txt (3 s timeout)" \
		"${FTPLIB[@]}" "$NETLAB_PUBLIC_IP4" retr:report.txt
	run 28 "curl --disable-epsv --no-ftp-skip-pasv-ip ftp://$NETLAB_PUBLIC_IP4/report.txt" \
		"${CURL[@]}" --disable-epsv --no-ftp-skip-pasv-ip -o /dev/null "ftp://$NETLAB_PUBLIC_IP4/report.txt"
	cap_stop
}

# twisted-active-eprt-502: Twisted, the client's firewall dropping every new
# inbound TCP connection. wget --no-passive-ftp (PORT): Twisted connects back
# before it answers, its SYNs are dropped, wget gives up at 5 s (exit 4).
# curl -P -: EPRT gets 502 (Twisted has none), then PORT as for wget; no reply
# before curl's 10 s (exit 28).
sc_twisted_active_eprt_502() {
	netlab_lab_direct && server_start twisted || return 1
	client_fw 'meta l4proto tcp ct state new drop' || return 1
	cap client twisted-active-eprt-502 || return 1
	run 4 "wget -nv -t 1 -T 5 --no-passive-ftp -O /dev/null ftp://$NETLAB_SERVER_IP4/report.txt" \
		wget -nv -t 1 -T 5 --no-passive-ftp -O /dev/null "ftp://$NETLAB_SERVER_IP4/report.txt"
	run 28 "curl -P - ftp://$NETLAB_SERVER_IP4/report.txt (client drops new inbound connections)" \
		"${CURL[@]}" -P - -o /dev/null "ftp://$NETLAB_SERVER_IP4/report.txt"
	cap_stop
}

# --- failure stories 8, 10, 13 and 15 (docs/troubleshooting.md) ----------

# lb-split (story 8): netlab_lab_lb, a load balancer handing each new
# connection to ports 21 and 40000-40100 of 10.99.1.1 to the next of two
# vsftpd backends (lb-backend.conf: pasv_address=10.99.1.1), no affinity.
# One ftplib session (PASV) downloads report.txt three times: its control
# connection lands on backend A, its data connections on B, A, B; B has no
# passive listener on the port A announced, so its kernel answers RST and
# ftplib gets "Connection refused" for the first and third, the second
# works. Then one curl session: control on A, the EPSV data connection on
# B, refused; curl takes that for a broken EPSV, retries with PASV, whose
# data connection lands on A: the download works (exit 0). Captured at the
# client and at each backend (B sees only SYNs and its own RSTs).
sc_lb_split() {
	netlab_lab_lb && netlab_vsftpd "$NETLAB_SERVER_NS" "$CONF/lb-backend.conf" || return 1
	local log_a=$NETLAB_VSFTPD_LOG
	netlab_vsftpd "$NETLAB_SERVER2_NS" "$CONF/lb-backend.conf" || return 1
	local log_b=$NETLAB_VSFTPD_LOG
	cap client lb-split-client && cap server lb-split-backend-a && cap server2 lb-split-backend-b || return 1
	run 1 "ftpclient.py $NETLAB_PUBLIC_IP4 retr:report.txt retr:report.txt retr:report.txt (PASV)" \
		"${FTPLIB[@]}" "$NETLAB_PUBLIC_IP4" retr:report.txt retr:report.txt retr:report.txt
	run 0 "curl ftp://$NETLAB_PUBLIC_IP4/report.txt (EPSV, then PASV)" \
		"${CURL[@]}" -o /dev/null "ftp://$NETLAB_PUBLIC_IP4/report.txt"
	cap_stop
	say "backend A log: $(grep -c 'CONNECT' "$log_a") connects; $(grep -o '"227 [^"]*"\|"229 [^"]*"\|"226 [^"]*"\|"425 [^"]*"' "$log_a" | tr '\n' ' ')"
	say "backend B log: $(wc -l 2>/dev/null <"$log_b" || echo 0) lines (no control connection reached it)"
}

# client_nat_active NAME KIND [ARG...] (story 10): netlab_lab_client_nat, the
# client at 192.168.50.2 behind a masquerading router with no FTP helper, the
# server (KIND, started by server_start with ARG...) at 10.99.5.2 with its
# default refusal of a PORT/EPRT to an address other than the control
# connection's peer (vsftpd port_promiscuous=NO, ProFTPD AllowForeignAddress
# off, Pure-FTPd always, pyftpdlib permit_foreign_addresses=False). curl -P -
# (EPRT, then PORT), ftplib --active (PORT), each naming 192.168.50.2, which
# the server sees as 10.99.5.1; then ftplib passive, which works. Captured at
# the client and the server.
client_nat_active() {
	local name=$1 kind=$2
	shift 2
	netlab_lab_client_nat || return 1
	case $kind in
	vsftpd) netlab_vsftpd "$NETLAB_SERVER_NS" "$CONF/anon.conf" ;;
	*) server_start "$kind" "$@" ;;
	esac || return 1
	cap client "$name-client" && cap server "$name-server" || return 1
	run 30 "curl -P - ftp://$NETLAB_SERVER_IP4/report.txt (active, client behind NAT)" \
		"${CURL[@]}" -P - -o /dev/null "ftp://$NETLAB_SERVER_IP4/report.txt"
	run 1 "ftpclient.py --active $NETLAB_SERVER_IP4 retr:report.txt" \
		"${FTPLIB[@]}" --active "$NETLAB_SERVER_IP4" retr:report.txt
	run 0 "ftpclient.py $NETLAB_SERVER_IP4 retr:report.txt (passive)" \
		"${FTPLIB[@]}" "$NETLAB_SERVER_IP4" retr:report.txt
	cap_stop
}

sc_client_nat_active_vsftpd() { client_nat_active client-nat-active-vsftpd vsftpd; }
sc_client_nat_active_proftpd() { client_nat_active client-nat-active-proftpd proftpd; }
sc_client_nat_active_pureftpd() { client_nat_active client-nat-active-pureftpd pureftpd; }
sc_client_nat_active_pyftpdlib() { client_nat_active client-nat-active-pyftpdlib pyftpdlib; }

# pasv_zero NAME KIND [ARG...] (story 13): the direct lab, the server set to
# announce 0.0.0.0 (vsftpd pasv-zero.conf, ProFTPD proftpd-masq-zero.conf,
# Pure-FTPd -P 0.0.0.0, pyftpdlib --masquerade-address 0.0.0.0). curl PASV
# (it ignores the 227's address: works), curl PASV trusting the 227
# (--no-ftp-skip-pasv-ip: it connects to 0.0.0.0, which Linux takes for a
# local address: refused on the client's loopback, no SYN on the link,
# exit 7), ftplib PASV (ignores it too: works). Client side.
pasv_zero() {
	local name=$1 kind=$2
	shift 2
	netlab_lab_direct || return 1
	case $kind in
	vsftpd) netlab_vsftpd "$NETLAB_SERVER_NS" "$CONF/pasv-zero.conf" ;;
	*) server_start "$kind" "$@" ;;
	esac || return 1
	cap client "$name" || return 1
	run 0 "curl --disable-epsv ftp://$NETLAB_SERVER_IP4/report.txt" \
		"${CURL[@]}" --disable-epsv -o /dev/null "ftp://$NETLAB_SERVER_IP4/report.txt"
	run 7 "curl --disable-epsv --no-ftp-skip-pasv-ip ftp://$NETLAB_SERVER_IP4/report.txt" \
		"${CURL[@]}" --disable-epsv --no-ftp-skip-pasv-ip -o /dev/null "ftp://$NETLAB_SERVER_IP4/report.txt"
	run 0 "ftpclient.py $NETLAB_SERVER_IP4 retr:report.txt (PASV)" \
		"${FTPLIB[@]}" "$NETLAB_SERVER_IP4" retr:report.txt
	cap_stop
}

sc_pasv_zero_vsftpd() { pasv_zero pasv-zero-vsftpd vsftpd; }
sc_pasv_zero_proftpd() { pasv_zero pasv-zero-proftpd proftpd:proftpd-masq-zero.conf; }
sc_pasv_zero_pureftpd() { pasv_zero pasv-zero-pureftpd pureftpd -P 0.0.0.0; }
sc_pasv_zero_pyftpdlib() { pasv_zero pasv-zero-pyftpdlib pyftpdlib --masquerade-address 0.0.0.0; }

# pureftpd-forced-ip-invalid (story 13): Pure-FTPd -P ftp.example.invalid
# (ForcePassiveIP naming a host that does not resolve) starts, and answers
# every connection with its greeting turned into a 421 ("421 Illegal forced
# IP for passive connections") and closes it. curl, ftplib. Client side.
sc_pureftpd_forced_ip_invalid() {
	netlab_lab_direct && server_start pureftpd -P ftp.example.invalid || return 1
	cap client pureftpd-forced-ip-invalid || return 1
	run '8|28' "curl ftp://$NETLAB_SERVER_IP4/report.txt" \
		"${CURL[@]}" -o /dev/null "ftp://$NETLAB_SERVER_IP4/report.txt"
	run 2 "ftpclient.py $NETLAB_SERVER_IP4 retr:report.txt" \
		"${FTPLIB[@]}" "$NETLAB_SERVER_IP4" retr:report.txt
	cap_stop
}

# range_fw: the server's input firewall opens 21 and the intended passive
# range 40000-40100 only (as in pasv-outside-range).
range_fw() {
	netlab_nft "$NETLAB_SERVER_NS" <<'EOF'
table inet fw {
	chain input {
		type filter hook input priority filter; policy drop;
		iif "lo" accept
		ct state established,related accept
		meta l4proto { icmp, ipv6-icmp } accept
		tcp dport { 21, 40000-40100 } ct state new accept
	}
}
EOF
}

# pasv-range-swapped-vsftpd (story 15): pasv-range-swapped.conf
# (pasv_min_port=40100, pasv_max_port=40000) behind range_fw. vsftpd
# starts and hands out ports from 40100-65535; curl (EPSV, then PASV) and
# ftplib (PASV) time out on ports the firewall drops.
sc_pasv_range_swapped_vsftpd() {
	netlab_lab_direct && netlab_vsftpd "$NETLAB_SERVER_NS" "$CONF/pasv-range-swapped.conf" && range_fw || return 1
	cap client pasv-range-swapped-vsftpd || return 1
	run 28 "curl ftp://$NETLAB_SERVER_IP4/report.txt" \
		"${CURL[@]}" -o /dev/null "ftp://$NETLAB_SERVER_IP4/report.txt"
	run 1 "ftpclient.py $NETLAB_SERVER_IP4 retr:report.txt (PASV)" \
		"${FTPLIB[@]}" "$NETLAB_SERVER_IP4" retr:report.txt
	cap_stop
}

# range_swapped_refused NAME: behind range_fw, nothing listens on port 21
# (the server did not start): curl's SYN meets RST, exit 7.
range_swapped_refused() {
	range_fw && cap client "$1" || return 1
	run 7 "curl ftp://$NETLAB_SERVER_IP4/report.txt (the server did not start)" \
		"${CURL[@]}" -o /dev/null "ftp://$NETLAB_SERVER_IP4/report.txt"
	cap_stop
}

# pasv-range-swapped-proftpd (story 15): PassivePorts 40100 40000. In the
# main configuration file (a directive netlab_proftpd writes into the file
# ProFTPD reads) ProFTPD refuses to start; in a file it Includes
# (proftpd-range-swapped.conf) it logs the same "fatal:" line and "unable to
# include", starts all the same without a passive range, and hands out ports
# the firewall (range_fw) drops: curl (EPSV, then PASV) and ftplib (PASV)
# time out.
sc_pasv_range_swapped_proftpd() {
	netlab_lab_direct || return 1
	if server_start proftpd "PassivePorts 40100 40000" 2>/dev/null; then
		say "ProFTPD started with PassivePorts 40100 40000 in its main file"
		return 1
	fi
	local out=$NETLAB_DIR/proftpd-$NETLAB_SERVER_NS.out
	say "main file: $(grep -h 'fatal' "$out" 2>/dev/null | head -1 | sed 's/^.*proftpd\[[0-9]*\]: //')"
	: >"$out"
	server_start proftpd:proftpd-range-swapped.conf && range_fw || return 1
	say "included file: $(grep -h 'fatal\|unable to include' "$out" "$NETLAB_PROFTPD_LOG" 2>/dev/null | sort -u | sed 's/^.*proftpd\[[0-9]*\]: //' | tr '\n' ' ')"
	cap client pasv-range-swapped-proftpd || return 1
	run 28 "curl ftp://$NETLAB_SERVER_IP4/report.txt" \
		"${CURL[@]}" -o /dev/null "ftp://$NETLAB_SERVER_IP4/report.txt"
	run 1 "ftpclient.py $NETLAB_SERVER_IP4 retr:report.txt (PASV)" \
		"${FTPLIB[@]}" "$NETLAB_SERVER_IP4" retr:report.txt
	cap_stop
}

# pasv-range-swapped-pureftpd (story 15): Pure-FTPd -p 40100:40000 (what
# Debian's wrapper makes of conf/PassivePortRange "40100 40000") refuses to
# start: it writes "421 Configuration error: Illegal ports range" to its
# standard input (the client socket under inetd; here a file) and exits 252.
sc_pasv_range_swapped_pureftpd() {
	netlab_lab_direct || return 1
	local bin rc
	if netlab_installed pure-ftpd; then
		bin=/usr/sbin/pure-ftpd
	else
		bin=$(netlab_unpack pure-ftpd) || return 1
		bin=$bin/usr/sbin/pure-ftpd
	fi
	: >"$NETLAB_DIR/pure-ftpd-start.txt"
	netlab_exec "$NETLAB_SERVER_NS" "$bin" -e -H -4 -p 40100:40000 0<>"$NETLAB_DIR/pure-ftpd-start.txt" >/dev/null 2>&1
	rc=$?
	say "Pure-FTPd -p 40100:40000: exit $rc: $(tr -d '\r' <"$NETLAB_DIR/pure-ftpd-start.txt")"
	[ $rc != 0 ] || return 1
	range_swapped_refused pasv-range-swapped-pureftpd
}

# --- FTPS: data in clear, implicit FTPS elsewhere, concurrent sessions ---

# ftps-prot-refused-proftpd: ProFTPD with proftpd-ftps.conf (TLSRequired on:
# data connections too) and two clients that leave the data unprotected.
# curl --ftp-ssl-control (AUTH SSL; PBSZ 0, PROT C -> 534; it goes on: EPSV,
# RETR -> 425) waits on the data connection for the file in clear while
# ProFTPD waits there for a ClientHello, until curl's -m 10 (exit 28); then
# ProFTPD sends a TLS alert. ftplib FTP_TLS (AUTH TLS; PBSZ 0, PROT C -> 534,
# PASV, RETR -> 522; the server resets the data connection): exit 1. Every
# command is inside TLS on the wire: ProFTPD's command log tells them.
sc_ftps_prot_refused_proftpd() {
	netlab_lab_direct && netlab_tls_cert || return 1
	server_start proftpd:proftpd-ftps.conf "TLSRSACertificateFile $NETLAB_CERT" \
		"TLSRSACertificateKeyFile $NETLAB_KEY" || return 1
	cap client ftps-prot-refused-proftpd || return 1
	run 28 "curl --ftp-ssl-control -k ftp://$NETLAB_SERVER_IP4/report.txt (PROT C)" \
		"${CURL[@]}" --ftp-ssl-control -k -o /dev/null "ftp://$NETLAB_SERVER_IP4/report.txt"
	run 1 "python3 ftplib FTP_TLS $NETLAB_SERVER_IP4: login, PBSZ 0, PROT C, RETR report.txt" \
		python3 -c "$FTPTLS" "$NETLAB_SERVER_IP4" clear
	cap_stop
	say "server: $(grep -h 'PROT \|RETR ' "$NETLAB_PROFTPD_CMDLOG" | sed 's/^[^ ]* //' | tr '\n' ' ')"
}

# ftps-protc-vsftpd: vsftpd with ftps.conf (force_anon_data_ssl=NO) and curl
# --ftp-ssl-control: TLS on the control connection only; vsftpd accepts
# PROT C and the file crosses in clear (exit 0).
sc_ftps_protc_vsftpd() {
	netlab_lab_direct && netlab_tls_cert || return 1
	netlab_vsftpd "$NETLAB_SERVER_NS" "$CONF/ftps.conf" \
		"rsa_cert_file=$NETLAB_CERT" "rsa_private_key_file=$NETLAB_KEY" || return 1
	cap client ftps-protc-vsftpd || return 1
	run 0 "curl --ftp-ssl-control -k ftp://$NETLAB_SERVER_IP4/report.txt (PROT C)" \
		"${CURL[@]}" --ftp-ssl-control -k -o /dev/null "ftp://$NETLAB_SERVER_IP4/report.txt"
	cap_stop
}

# implicit-ftps-port-9990: vsftpd implicit_ssl=YES on port 9990, a port no
# one calls FTP (TLS from the first byte): curl -k ftps://HOST:9990/ (exit
# 0); then the server's firewall drops new connections to 40000-40100 and
# the same curl times out on its data connection (exit 28).
sc_implicit_ftps_port_9990() {
	netlab_lab_direct && netlab_tls_cert || return 1
	netlab_vsftpd "$NETLAB_SERVER_NS" "$CONF/ftps.conf" implicit_ssl=YES listen_port=9990 \
		"rsa_cert_file=$NETLAB_CERT" "rsa_private_key_file=$NETLAB_KEY" || return 1
	cap client implicit-ftps-port-9990 || return 1
	run 0 "curl -k ftps://$NETLAB_SERVER_IP4:9990/report.txt" \
		"${CURL[@]}" -k -o /dev/null "ftps://$NETLAB_SERVER_IP4:9990/report.txt"
	server_fw 'tcp dport 40000-40100 ct state new drop' || return 1
	run 28 "curl -k ftps://$NETLAB_SERVER_IP4:9990/report.txt (server drops 40000-40100)" \
		"${CURL[@]}" -k -o /dev/null "ftps://$NETLAB_SERVER_IP4:9990/report.txt"
	cap_stop
}

# run_bg LABEL CMD...: as run, but in the background, without an expected
# status: the job's PID goes to BG_PIDS and LABEL to BG_LABELS.
# wait_bg EXPECT: wait for each of them in turn, check its exit status
# against EXPECT (as run does), and empty both lists.
BG_PIDS=() BG_LABELS=()
run_bg() {
	local label=$1
	shift
	say "\$ $label &"
	(
		netlab_client "$@" 2>&1 | sed "s/^/      [${#BG_PIDS[@]}] /"
		exit "${PIPESTATUS[0]}"
	) &
	BG_PIDS+=("$!")
	BG_LABELS+=("$label")
}
wait_bg() {
	local i rc
	for i in "${!BG_PIDS[@]}"; do
		wait "${BG_PIDS[$i]}"
		rc=$?
		if [[ "|$1|" == *"|$rc|"* ]]; then
			say "[$i] ${BG_LABELS[$i]} -> exit $rc"
		else
			say "[$i] ${BG_LABELS[$i]} -> exit $rc, expected $1"
			UNEXPECTED=1
		fi
	done
	BG_PIDS=() BG_LABELS=()
}

# ftps-concurrent-vsftpd: vsftpd with ftps.conf and four sessions at once
# from one client: curl --ssl-reqd -k --limit-rate 30k of data.bin, then
# 0.3 s later, together, curl --ssl-reqd -k listing /, curl --ssl-reqd -k
# of report.txt, and ftplib in clear (RETR report.txt, NLST); all exit 0.
# Which encrypted session owns which data connection only the timing tells.
sc_ftps_concurrent_vsftpd() {
	netlab_lab_direct && netlab_tls_cert || return 1
	netlab_vsftpd "$NETLAB_SERVER_NS" "$CONF/ftps.conf" \
		"rsa_cert_file=$NETLAB_CERT" "rsa_private_key_file=$NETLAB_KEY" || return 1
	cap client ftps-concurrent-vsftpd || return 1
	run_bg "curl --ssl-reqd -k --limit-rate 30k ftp://$NETLAB_SERVER_IP4/data.bin" \
		"${CURL[@]}" -m 15 --ssl-reqd -k --limit-rate 30k -o /dev/null "ftp://$NETLAB_SERVER_IP4/data.bin"
	sleep 0.3
	run_bg "curl --ssl-reqd -k ftp://$NETLAB_SERVER_IP4/ (listing)" \
		"${CURL[@]}" --ssl-reqd -k -o /dev/null "ftp://$NETLAB_SERVER_IP4/"
	run_bg "curl --ssl-reqd -k ftp://$NETLAB_SERVER_IP4/report.txt" \
		"${CURL[@]}" --ssl-reqd -k -o /dev/null "ftp://$NETLAB_SERVER_IP4/report.txt"
	run_bg "ftpclient.py $NETLAB_SERVER_IP4 retr:report.txt nlst (in clear)" \
		"${FTPLIB[@]}" "$NETLAB_SERVER_IP4" retr:report.txt nlst
	wait_bg 0
	cap_stop
}

# --- main ----------------------------------------------------------------

failed=()
start=$SECONDS
for s in "${want[@]}"; do
	echo "== $s"
	t0=$SECONDS
	for try in 1 2; do
		UNEXPECTED=0
		netlab_init || exit 1
		"sc_${s//-/_}"
		rc=$?
		CAPS=()
		netlab_teardown
		[ $rc = 0 ] && [ $UNEXPECTED = 0 ] && break
		if [ $try = 1 ]; then
			say "(not as expected: recording $s again)"
		else
			echo "record.sh: scenario $s: $([ $rc = 0 ] && echo 'a client did not behave as expected' || echo 'lab setup failed')" >&2
			failed+=("$s")
		fi
	done
	say "($((SECONDS - t0)) s)"
done
echo "== wrote ${#want[@]} scenario(s) to $OUT in $((SECONDS - start)) s"
ls -l "$OUT"/*.pcap
if [ ${#failed[@]} -gt 0 ]; then
	echo "record.sh: failed: ${failed[*]}" >&2
	exit 1
fi
