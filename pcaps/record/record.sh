#!/usr/bin/env bash
# record.sh: record real FTP captures (vsftpd, ProFTPD, Pure-FTPd, pyftpdlib + curl/lftp/ftplib/wget) inside
# throw-away network namespaces. See pcaps/real/README.md for what each holds.
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
	nat-no-pasv-address-default nat-no-pasv-address-trusting nat-pasv-address
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
# pureftpd or pyftpdlib; starts it in the server namespace with the remaining
# arguments (ProFTPD directives, Pure-FTPd options, pyftpd.py options).
server_start() {
	local kind=$1
	shift
	case $kind in
	proftpd) netlab_proftpd "$NETLAB_SERVER_NS" "$CONF/proftpd-anon.conf" "$@" ;;
	proftpd:*) netlab_proftpd "$NETLAB_SERVER_NS" "$CONF/${kind#proftpd:}" "$@" ;;
	pureftpd) netlab_pureftpd "$NETLAB_SERVER_NS" "$@" ;;
	pyftpdlib) netlab_pyftpdlib "$NETLAB_SERVER_NS" "$@" ;;
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

# FTPTLS: python3 -c "$FTPTLS" HOST: Python ftplib's FTP_TLS, anonymous,
# prot_p, RETR report.txt (ftplib connects the data connection, sends RETR
# and starts TLS on it after the 150); exit 1 if the RETR fails.
FTPTLS='
import ftplib, io, ssl, sys
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
ftp = ftplib.FTP_TLS(context=ctx, timeout=4)
ftp.set_debuglevel(1)
ftp.connect(sys.argv[1], 21)
ftp.login("anonymous", "anonymous@")
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
