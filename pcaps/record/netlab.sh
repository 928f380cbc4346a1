# shellcheck shell=bash
# The NETLAB_* variables set here are for callers (SC2034); netlab_init takes an
# optional prefix (SC2120/SC2119); the sysctl loop is meant for sh -c (SC2016).
# shellcheck disable=SC2034,SC2120,SC2119,SC2016
# netlab.sh: build throw-away FTP labs out of Linux network namespaces.
#
# Source it from bash running as root:
#
#   . pcaps/record/netlab.sh
#   netlab_init                      # temp dir, unique prefix, teardown trap
#   netlab_lab_direct                # client <-> server, IPv4 + IPv6
#   netlab_vsftpd "$NETLAB_SERVER_NS" pcaps/record/conf/anon.conf
#   netlab_capture_start "$NETLAB_CLIENT_NS" "$NETLAB_CLIENT_IF" /tmp/x.pcap
#   netlab_client curl -s -o /dev/null "ftp://$NETLAB_SERVER_IP4/report.txt"
#   netlab_capture_stop "$NETLAB_LAST_PID"
#   netlab_teardown                  # also runs from the EXIT/INT/TERM trap
#
# Run directly, it is a lab server for tests in other languages (see README.md):
#
#   bash pcaps/record/netlab.sh serve direct|nat CONF [vsftpd -o options...]
#
# Everything it starts is recorded by PID and stopped by PID; every namespace it
# makes is deleted; every wait is bounded. Traffic stays inside its namespaces.

# Fixed lab addresses: each lab lives in its own namespaces, so parallel labs
# may reuse them without colliding.
NETLAB_DIRECT_SERVER_IP4=10.99.0.1
NETLAB_DIRECT_CLIENT_IP4=10.99.0.2
NETLAB_DIRECT_SERVER_IP6=fd00:99::1
NETLAB_DIRECT_CLIENT_IP6=fd00:99::2
NETLAB_NAT_CLIENT_IP4=10.99.1.2   # client net ("public" side)
NETLAB_NAT_PUBLIC_IP4=10.99.1.1   # router, client side: what clients dial
NETLAB_NAT_ROUTER_IN_IP4=10.99.2.1 # router, server side
NETLAB_NAT_SERVER_IP4=10.99.2.2   # server at a private address

NETLAB_PIDS=()
NETLAB_CAPTURE_PIDS=()
NETLAB_NAMESPACES=()
NETLAB_DIR=''
NETLAB_LAST_PID=''
NETLAB_CLIENT_NS='' NETLAB_SERVER_NS='' NETLAB_ROUTER_NS='' NETLAB_VSFTPD_PID='' NETLAB_VSFTPD_LOG=''
NETLAB_PROFTPD_PID='' NETLAB_PROFTPD_LOG='' NETLAB_PROFTPD_CMDLOG='' NETLAB_PUREFTPD_PID='' NETLAB_PYFTPDLIB_PID=''
NETLAB_CLIENT_IF='' NETLAB_SERVER_IF=''
NETLAB_CLIENT_IP4='' NETLAB_SERVER_IP4='' NETLAB_CLIENT_IP6='' NETLAB_SERVER_IP6='' NETLAB_PUBLIC_IP4=''

netlab_log() { printf 'netlab: %s\n' "$*" >&2; }
netlab_die() { netlab_log "error: $*"; return 1; }

# netlab_init [PREFIX]: temp dir, namespace prefix (unique per shell) and the
# teardown trap. Safe to call again after netlab_teardown.
netlab_init() {
	if [ "$(id -u)" != 0 ]; then
		netlab_die "must run as root (network namespaces, vsftpd, tcpdump)"
		return 1
	fi
	NETLAB_PREFIX=${1:-${NETLAB_PREFIX:-fs$$}}
	# Boot time in clock ticks, to recognise our orphans (netlab_orphans).
	: "${NETLAB_T0:=$(awk -v hz="$(getconf CLK_TCK)" '{ printf "%d", $1 * hz }' /proc/uptime)}"
	if [ -z "$NETLAB_DIR" ] || [ ! -d "$NETLAB_DIR" ]; then
		NETLAB_DIR=$(mktemp -d /tmp/netlab.XXXXXX) || return 1
		chmod 755 "$NETLAB_DIR"
	fi
	trap netlab_teardown EXIT
	trap 'netlab_teardown; trap - INT; kill -INT $$' INT
	trap 'netlab_teardown; trap - TERM; kill -TERM $$' TERM
}

# netlab_ns ROLE: create namespace "$NETLAB_PREFIX-ROLE" with lo up, no IPv6
# DAD (addresses usable at once) and no router solicitations (less noise).
netlab_ns() {
	local ns="$NETLAB_PREFIX-$1"
	ip netns add "$ns" || return 1
	NETLAB_NAMESPACES+=("$ns")
	ip netns exec "$ns" sh -c '
		for k in all default; do
			sysctl -qw net.ipv6.conf.$k.accept_dad=0 \
				net.ipv6.conf.$k.router_solicitations=0 \
				net.ipv6.conf.$k.accept_ra=0
		done' || return 1
	ip -n "$ns" link set lo up
}

# netlab_veth NS1 IF1 NS2 IF2: a veth pair with one end in each namespace.
netlab_veth() {
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3" || return 1
	ip -n "$1" link set "$2" up && ip -n "$3" link set "$4" up
}

# netlab_addr NS IF ADDR/LEN: add an address (IPv6 without DAD).
netlab_addr() {
	case $3 in
	*:*) ip -n "$1" -6 addr add "$3" dev "$2" nodad ;;
	*) ip -n "$1" addr add "$3" dev "$2" ;;
	esac
}

# netlab_route NS ROUTE...: ip route add inside NS (-6 is detected from the gateway).
netlab_route() {
	local ns=$1
	shift
	case $* in
	*:*) ip -n "$ns" -6 route add "$@" ;;
	*) ip -n "$ns" route add "$@" ;;
	esac
}

# netlab_forwarding NS: make NS a router.
netlab_forwarding() {
	ip netns exec "$1" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
}

# netlab_nft NS FILE|-: load an nftables rule set into NS.
netlab_nft() {
	ip netns exec "$1" nft -f "${2:--}"
}

# netlab_lab_direct: client and server namespaces on one veth link.
# Sets NETLAB_{CLIENT,SERVER}_{NS,IF,IP4,IP6}.
netlab_lab_direct() {
	netlab_ns cli && netlab_ns srv || return 1
	NETLAB_CLIENT_NS=$NETLAB_PREFIX-cli NETLAB_SERVER_NS=$NETLAB_PREFIX-srv
	NETLAB_CLIENT_IF=cli0 NETLAB_SERVER_IF=srv0
	netlab_veth "$NETLAB_CLIENT_NS" cli0 "$NETLAB_SERVER_NS" srv0 || return 1
	NETLAB_CLIENT_IP4=$NETLAB_DIRECT_CLIENT_IP4 NETLAB_SERVER_IP4=$NETLAB_DIRECT_SERVER_IP4
	NETLAB_CLIENT_IP6=$NETLAB_DIRECT_CLIENT_IP6 NETLAB_SERVER_IP6=$NETLAB_DIRECT_SERVER_IP6
	NETLAB_PUBLIC_IP4=$NETLAB_SERVER_IP4
	netlab_addr "$NETLAB_CLIENT_NS" cli0 "$NETLAB_CLIENT_IP4/24" &&
		netlab_addr "$NETLAB_CLIENT_NS" cli0 "$NETLAB_CLIENT_IP6/64" &&
		netlab_addr "$NETLAB_SERVER_NS" srv0 "$NETLAB_SERVER_IP4/24" &&
		netlab_addr "$NETLAB_SERVER_NS" srv0 "$NETLAB_SERVER_IP6/64"
}

# netlab_lab_nat: client -- router -- server, IPv4. The router forwards TCP 21
# and the passive range 40000-40100 from its client-side address to the
# server (DNAT), masquerades what leaves towards the client, forwards nothing
# else inbound, and attaches NO ftp conntrack helper.
# Sets NETLAB_{CLIENT,SERVER,ROUTER}_NS, NETLAB_{CLIENT,SERVER}_{IF,IP4},
# NETLAB_PUBLIC_IP4 (the address clients dial).
netlab_lab_nat() {
	netlab_ns cli && netlab_ns rtr && netlab_ns srv || return 1
	NETLAB_CLIENT_NS=$NETLAB_PREFIX-cli NETLAB_ROUTER_NS=$NETLAB_PREFIX-rtr NETLAB_SERVER_NS=$NETLAB_PREFIX-srv
	NETLAB_CLIENT_IF=cli0 NETLAB_SERVER_IF=srv0
	NETLAB_CLIENT_IP4=$NETLAB_NAT_CLIENT_IP4 NETLAB_SERVER_IP4=$NETLAB_NAT_SERVER_IP4
	NETLAB_PUBLIC_IP4=$NETLAB_NAT_PUBLIC_IP4
	NETLAB_CLIENT_IP6='' NETLAB_SERVER_IP6=''
	netlab_veth "$NETLAB_CLIENT_NS" cli0 "$NETLAB_ROUTER_NS" pub0 &&
		netlab_veth "$NETLAB_ROUTER_NS" priv0 "$NETLAB_SERVER_NS" srv0 || return 1
	netlab_addr "$NETLAB_CLIENT_NS" cli0 "$NETLAB_CLIENT_IP4/24" &&
		netlab_addr "$NETLAB_ROUTER_NS" pub0 "$NETLAB_NAT_PUBLIC_IP4/24" &&
		netlab_addr "$NETLAB_ROUTER_NS" priv0 "$NETLAB_NAT_ROUTER_IN_IP4/24" &&
		netlab_addr "$NETLAB_SERVER_NS" srv0 "$NETLAB_SERVER_IP4/24" || return 1
	# The client has a default route, so a SYN to the server's private
	# address does leave it and dies at the router, as on the Internet.
	netlab_route "$NETLAB_CLIENT_NS" default via "$NETLAB_NAT_PUBLIC_IP4" &&
		netlab_route "$NETLAB_SERVER_NS" default via "$NETLAB_NAT_ROUTER_IN_IP4" &&
		netlab_forwarding "$NETLAB_ROUTER_NS" || return 1
	netlab_nft "$NETLAB_ROUTER_NS" <<EOF
table ip nat {
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		iifname "pub0" ip daddr $NETLAB_NAT_PUBLIC_IP4 tcp dport { 21, 40000-40100 } dnat to $NETLAB_NAT_SERVER_IP4
	}
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "pub0" masquerade
	}
}
table ip filter {
	chain forward {
		type filter hook forward priority filter; policy drop;
		ct state established,related accept
		ct status dnat accept
		iifname "priv0" accept
	}
}
EOF
}

# netlab_lab_lb: client -- load balancer -- two backends, IPv4. The load
# balancer (the "router" namespace) forwards TCP 21 and 40000-40100 arriving
# on pub0 for its address 10.99.1.1 to the backends in turn, one new
# connection to each by turns (nftables numgen inc, as a per-connection
# round robin with no client affinity does): the first to backend A
# (10.99.2.2, srv0, behind priv0), the next to backend B (10.99.3.2, srv20,
# behind priv1), and so on. Sets what netlab_lab_nat sets (the server is
# backend A) and NETLAB_SERVER2_NS, NETLAB_SERVER2_IF, NETLAB_SERVER2_IP4.
NETLAB_LB_SERVER2_IP4=10.99.3.2
NETLAB_SERVER2_NS='' NETLAB_SERVER2_IF='' NETLAB_SERVER2_IP4=''
netlab_lab_lb() {
	netlab_ns cli && netlab_ns rtr && netlab_ns srv && netlab_ns srv2 || return 1
	NETLAB_CLIENT_NS=$NETLAB_PREFIX-cli NETLAB_ROUTER_NS=$NETLAB_PREFIX-rtr NETLAB_SERVER_NS=$NETLAB_PREFIX-srv
	NETLAB_SERVER2_NS=$NETLAB_PREFIX-srv2
	NETLAB_CLIENT_IF=cli0 NETLAB_SERVER_IF=srv0 NETLAB_SERVER2_IF=srv20
	NETLAB_CLIENT_IP4=$NETLAB_NAT_CLIENT_IP4 NETLAB_SERVER_IP4=$NETLAB_NAT_SERVER_IP4
	NETLAB_SERVER2_IP4=$NETLAB_LB_SERVER2_IP4
	NETLAB_PUBLIC_IP4=$NETLAB_NAT_PUBLIC_IP4
	NETLAB_CLIENT_IP6='' NETLAB_SERVER_IP6=''
	netlab_veth "$NETLAB_CLIENT_NS" cli0 "$NETLAB_ROUTER_NS" pub0 &&
		netlab_veth "$NETLAB_ROUTER_NS" priv0 "$NETLAB_SERVER_NS" srv0 &&
		netlab_veth "$NETLAB_ROUTER_NS" priv1 "$NETLAB_SERVER2_NS" srv20 || return 1
	netlab_addr "$NETLAB_CLIENT_NS" cli0 "$NETLAB_CLIENT_IP4/24" &&
		netlab_addr "$NETLAB_ROUTER_NS" pub0 "$NETLAB_NAT_PUBLIC_IP4/24" &&
		netlab_addr "$NETLAB_ROUTER_NS" priv0 "$NETLAB_NAT_ROUTER_IN_IP4/24" &&
		netlab_addr "$NETLAB_ROUTER_NS" priv1 10.99.3.1/24 &&
		netlab_addr "$NETLAB_SERVER_NS" srv0 "$NETLAB_SERVER_IP4/24" &&
		netlab_addr "$NETLAB_SERVER2_NS" srv20 "$NETLAB_SERVER2_IP4/24" || return 1
	netlab_route "$NETLAB_CLIENT_NS" default via "$NETLAB_NAT_PUBLIC_IP4" &&
		netlab_route "$NETLAB_SERVER_NS" default via "$NETLAB_NAT_ROUTER_IN_IP4" &&
		netlab_route "$NETLAB_SERVER2_NS" default via 10.99.3.1 &&
		netlab_forwarding "$NETLAB_ROUTER_NS" || return 1
	netlab_nft "$NETLAB_ROUTER_NS" <<EOF
table ip nat {
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		iifname "pub0" ip daddr $NETLAB_NAT_PUBLIC_IP4 tcp dport { 21, 40000-40100 } dnat to numgen inc mod 2 map { 0 : $NETLAB_NAT_SERVER_IP4, 1 : $NETLAB_LB_SERVER2_IP4 }
	}
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "pub0" masquerade
	}
}
table ip filter {
	chain forward {
		type filter hook forward priority filter; policy drop;
		ct state established,related accept
		ct status dnat accept
		iifname { "priv0", "priv1" } accept
	}
}
EOF
}

# netlab_lab_client_nat: the client behind a NAT router, IPv4: client
# 192.168.50.2 (cli0, default route via the router) -- router lan0
# 192.168.50.1 / wan0 10.99.5.1 -- server 10.99.5.2 (srv0). The router
# masquerades what leaves wan0 (the server sees every connection of the
# client coming from 10.99.5.1), forwards nothing new inbound and attaches
# NO ftp conntrack helper, so a PORT/EPRT naming 192.168.50.2 reaches the
# server as written. Sets NETLAB_{CLIENT,SERVER,ROUTER}_NS,
# NETLAB_{CLIENT,SERVER}_{IF,IP4}, NETLAB_PUBLIC_IP4 (the server, what
# clients dial) and NETLAB_CLIENT_PUBLIC_IP4 (the router's wan0 address,
# the client as the server sees it).
NETLAB_CNAT_CLIENT_IP4=192.168.50.2
NETLAB_CNAT_ROUTER_LAN_IP4=192.168.50.1
NETLAB_CNAT_ROUTER_WAN_IP4=10.99.5.1
NETLAB_CNAT_SERVER_IP4=10.99.5.2
NETLAB_CLIENT_PUBLIC_IP4=''
netlab_lab_client_nat() {
	netlab_ns cli && netlab_ns rtr && netlab_ns srv || return 1
	NETLAB_CLIENT_NS=$NETLAB_PREFIX-cli NETLAB_ROUTER_NS=$NETLAB_PREFIX-rtr NETLAB_SERVER_NS=$NETLAB_PREFIX-srv
	NETLAB_CLIENT_IF=cli0 NETLAB_SERVER_IF=srv0
	NETLAB_CLIENT_IP4=$NETLAB_CNAT_CLIENT_IP4 NETLAB_SERVER_IP4=$NETLAB_CNAT_SERVER_IP4
	NETLAB_PUBLIC_IP4=$NETLAB_CNAT_SERVER_IP4 NETLAB_CLIENT_PUBLIC_IP4=$NETLAB_CNAT_ROUTER_WAN_IP4
	NETLAB_CLIENT_IP6='' NETLAB_SERVER_IP6=''
	netlab_veth "$NETLAB_CLIENT_NS" cli0 "$NETLAB_ROUTER_NS" lan0 &&
		netlab_veth "$NETLAB_ROUTER_NS" wan0 "$NETLAB_SERVER_NS" srv0 || return 1
	netlab_addr "$NETLAB_CLIENT_NS" cli0 "$NETLAB_CLIENT_IP4/24" &&
		netlab_addr "$NETLAB_ROUTER_NS" lan0 "$NETLAB_CNAT_ROUTER_LAN_IP4/24" &&
		netlab_addr "$NETLAB_ROUTER_NS" wan0 "$NETLAB_CNAT_ROUTER_WAN_IP4/24" &&
		netlab_addr "$NETLAB_SERVER_NS" srv0 "$NETLAB_SERVER_IP4/24" || return 1
	# The server's default route points at the router, as the Internet
	# would: a connection back to 192.168.50.2 leaves it and dies there.
	netlab_route "$NETLAB_CLIENT_NS" default via "$NETLAB_CNAT_ROUTER_LAN_IP4" &&
		netlab_route "$NETLAB_SERVER_NS" default via "$NETLAB_CNAT_ROUTER_WAN_IP4" &&
		netlab_forwarding "$NETLAB_ROUTER_NS" || return 1
	netlab_nft "$NETLAB_ROUTER_NS" <<'EOF'
table ip nat {
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "wan0" masquerade
	}
}
table ip filter {
	chain forward {
		type filter hook forward priority filter; policy drop;
		ct state established,related accept
		iifname "lan0" accept
	}
}
EOF
}

# netlab_ftproot: the anonymous FTP tree, made once per netlab_init:
#   report.txt (~5 KB text), data.bin (128 KiB), notes/readme.txt, upload/ (writable by ftp).
# Prints its path.
netlab_ftproot() {
	local root=$NETLAB_DIR/ftproot
	if [ ! -d "$root" ]; then
		mkdir -p "$root/notes" "$root/upload" "$NETLAB_DIR/empty" || return 1
		chmod 755 "$root" "$root/notes" "$NETLAB_DIR/empty"
		local i
		for i in $(seq 1 80); do
			printf 'line %03d: quarterly report, FTP lab file served by vsftpd\n' "$i"
		done >"$root/report.txt"
		echo 'anonymous FTP lab' >"$root/notes/readme.txt"
		# Deterministic binary content: bytes 0..255 repeated.
		python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(256)) * 512)' >"$root/data.bin"
		chmod 644 "$root/report.txt" "$root/notes/readme.txt" "$root/data.bin"
		chown ftp:ftp "$root/upload" 2>/dev/null || chown nobody "$root/upload"
		chmod 755 "$root/upload"
	fi
	printf '%s\n' "$root"
}

# netlab_tls_cert: a self-signed certificate for FTPS, made at run time.
# Sets NETLAB_CERT and NETLAB_KEY.
netlab_tls_cert() {
	NETLAB_CERT=$NETLAB_DIR/tls/cert.pem NETLAB_KEY=$NETLAB_DIR/tls/key.pem
	[ -f "$NETLAB_CERT" ] && return 0
	mkdir -p "$NETLAB_DIR/tls" && chmod 700 "$NETLAB_DIR/tls"
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=ftpsniff-lab \
		-keyout "$NETLAB_KEY" -out "$NETLAB_CERT" 2>/dev/null
}

# netlab_wait_port NS PORT: wait until something listens on TCP PORT in NS
# (at most 50 x 0.1 s).
netlab_wait_port() {
	local i
	for i in $(seq 1 50); do
		if [ -n "$(ip netns exec "$1" ss -Hltn "sport = :$2" 2>/dev/null)" ]; then
			return 0
		fi
		sleep 0.1
	done
	netlab_die "nothing listens on port $2 in $1 after 5 s"
}

# netlab_alive PID: true while PID runs (a zombie counts as gone).
netlab_alive() {
	local st
	st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ]
}

# netlab_orphans: FTP server/tcpdump zombies adopted by PID 1 that started after
# netlab_init (so, ours).
netlab_orphans() {
	local f
	for f in /proc/[0-9]*/stat; do
		cat "$f" 2>/dev/null
	done | awk -v t0="${NETLAB_T0:-0}" '{
		rest = substr($0, index($0, ") ") + 2); split(rest, a, " ")
		comm = substr($0, index($0, "(") + 1, index($0, ") ") - index($0, "(") - 1)
		if ((comm == "vsftpd" || comm == "proftpd" || comm == "pure-ftpd" || comm == "tcpdump") && a[1] == "Z" && a[2] == 1 && a[20] + 0 >= t0) print $1
	}'
}

# netlab_stop_pid PID [SIGNAL]: signal PID, wait at most 5 s, then SIGKILL; reap it.
netlab_stop_pid() {
	local pid=$1 sig=${2:-TERM} i
	[ -n "$pid" ] || return 0
	kill -s "$sig" "$pid" 2>/dev/null
	for i in $(seq 1 50); do
		netlab_alive "$pid" || break
		sleep 0.1
	done
	if netlab_alive "$pid"; then
		netlab_log "pid $pid ignored SIG$sig for 5 s, killing it"
		kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	return 0
}

# netlab_vsftpd NS CONF [OPTION=VALUE...]: start vsftpd in NS with CONF plus
# run-time options (given to vsftpd as -oOPTION=VALUE, e.g. pasv_address=...).
# The anon root, chroot dir and log file are filled in here. Waits for the
# control port (listen_port, default 21). Sets NETLAB_VSFTPD_PID (and
# NETLAB_LAST_PID) and NETLAB_VSFTPD_LOG.
netlab_vsftpd() {
	local ns=$1 conf=$2 root port=21 opt
	shift 2
	root=$(netlab_ftproot) || return 1
	local args=("-oanon_root=$root" "-osecure_chroot_dir=$NETLAB_DIR/empty"
		"-ovsftpd_log_file=$NETLAB_DIR/vsftpd-$ns.log")
	for opt in "$@"; do
		args+=("-o$opt")
		case $opt in listen_port=*) port=${opt#listen_port=} ;; esac
	done
	opt=$(sed -n 's/^listen_port=//p' "$conf" | tail -1)
	[ -n "$opt" ] && port=$opt
	NETLAB_VSFTPD_LOG=$NETLAB_DIR/vsftpd-$ns.log
	ip netns exec "$ns" vsftpd "$conf" "${args[@]}" </dev/null >>"$NETLAB_DIR/vsftpd-$ns.out" 2>&1 &
	NETLAB_LAST_PID=$! NETLAB_VSFTPD_PID=$!
	NETLAB_PIDS+=("$NETLAB_LAST_PID")
	netlab_wait_port "$ns" "$port" || {
		cat "$NETLAB_DIR/vsftpd-$ns.out" >&2
		return 1
	}
}

# --- ProFTPD and Pure-FTPd, from Debian's packages ------------------------
#
# Debian's vsftpd, proftpd-core and pure-ftpd all Provide and Conflict with
# ftp-server, so apt installs only one of them. The lab keeps vsftpd
# installed and runs the other two from their unpacked .deb files
# (apt-get download + dpkg-deb -x, no maintainer scripts, no services),
# cached under NETLAB_DEB_CACHE. An installed proftpd-core/pure-ftpd is
# used as it is. Their shared libraries come from APT_PACKAGES.
NETLAB_DEB_CACHE=${NETLAB_DEB_CACHE:-/var/cache/ftpsniff-netlab}

# netlab_unpack PKG...: print a directory holding PKG...'s files as unpacked
# from the candidate .debs (made once per set of versions; the unpacking
# goes to a temp dir renamed into place, so parallel labs do not collide).
netlab_unpack() {
	local key='' p v dir tmp deb
	for p in "$@"; do
		v=$(apt-cache policy "$p" 2>/dev/null | awk '$1 == "Candidate:" { print $2 }')
		case $v in '' | '(none)') netlab_die "no Debian package $p (apt-get update?)"; return 1 ;; esac
		key="$key${key:++}${p}_${v//:/%}"
	done
	dir=$NETLAB_DEB_CACHE/$key
	if [ ! -f "$dir/.unpacked" ]; then
		mkdir -p "$NETLAB_DEB_CACHE" || return 1
		tmp=$(mktemp -d "$NETLAB_DEB_CACHE/.tmp.XXXXXX") || return 1
		# apt-get download writes into the current directory; _apt cannot
		# write into a root-only temp dir, so let it.
		chmod 755 "$tmp"
		mkdir "$tmp/debs" "$tmp/root" && chown _apt "$tmp/debs" 2>/dev/null
		if ! (cd "$tmp/debs" && apt-get download -q "$@" >"$tmp/download.log" 2>&1); then
			cat "$tmp/download.log" >&2
			rm -rf "$tmp"
			netlab_die "apt-get download $* failed"
			return 1
		fi
		for deb in "$tmp"/debs/*.deb; do
			dpkg-deb -x "$deb" "$tmp/root" || { rm -rf "$tmp"; return 1; }
			dpkg-deb -f "$deb" Package Version | paste -sd' ' >>"$tmp/root/.unpacked"
		done
		if ! mv -T "$tmp/root" "$dir" 2>/dev/null; then
			[ -f "$dir/.unpacked" ] || { rm -rf "$tmp"; netlab_die "cannot unpack into $dir"; return 1; }
		fi
		rm -rf "$tmp"
	fi
	printf '%s\n' "$dir"
}

# netlab_installed PKG: true if dpkg has PKG installed.
netlab_installed() {
	[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = 'install ok installed' ]
}

# netlab_ftp_user: the system user "ftp" that anonymous sessions run as
# (ProFTPD's <Anonymous> User, Pure-FTPd's anonymous chroot is its home).
# vsftpd's package creates it; made here, once, where it is missing.
netlab_ftp_user() {
	getent passwd ftp >/dev/null && return 0
	getent group ftp >/dev/null || groupadd --system ftp || return 1
	useradd --system --gid ftp --home-dir /srv/ftp --no-create-home \
		--shell /usr/sbin/nologin --comment 'ftp daemon' ftp || return 1
	mkdir -p /srv/ftp && chown root:ftp /srv/ftp && chmod 755 /srv/ftp
}

# netlab_ns_ip4 NS: the first global IPv4 address in NS.
netlab_ns_ip4() {
	ip -n "$1" -4 -o addr show scope global | awk '{ sub(/\/.*/, "", $4); print $4; exit }'
}

# netlab_start_server NAME NS PORT CMD...: run CMD (a server in the
# foreground) in NS as a background job, output to $NETLAB_DIR/NAME-NS.out;
# record its PID (NETLAB_LAST_PID) and wait for PORT.
netlab_start_server() {
	local name=$1 ns=$2 port=$3
	shift 3
	ip netns exec "$ns" "$@" </dev/null >>"$NETLAB_DIR/$name-$ns.out" 2>&1 &
	NETLAB_LAST_PID=$!
	NETLAB_PIDS+=("$NETLAB_LAST_PID")
	netlab_wait_port "$ns" "$port" || {
		cat "$NETLAB_DIR/$name-$ns.out" >&2
		return 1
	}
}

# netlab_proftpd NS CONF [DIRECTIVE...]: start ProFTPD (proftpd -n, the
# foreground) in NS with CONF, a proftpd.conf that may use
# %{env:NETLAB_FTPROOT} (the anonymous tree), %{env:NETLAB_DIR} and
# %{env:NETLAB_CONF} (CONF's directory, for Include). The
# file ProFTPD reads is $NETLAB_DIR/proftpd-NS.conf: module path, pid,
# scoreboard and log files, DefaultAddress (NS's first IPv4 address), then
# "Include CONF", then each DIRECTIVE as a line (e.g. "MasqueradeAddress
# 10.99.1.1", "TLSRSACertificateFile ..."). Waits for port 21. Sets
# NETLAB_PROFTPD_PID (and NETLAB_LAST_PID), NETLAB_PROFTPD_LOG (SystemLog)
# and NETLAB_PROFTPD_CMDLOG (ExtendedLog, every command and reply).
netlab_proftpd() {
	local ns=$1 conf=$2 root pkg gen addr
	shift 2
	root=$(netlab_ftproot) || return 1
	if netlab_installed proftpd-core && { [ -e /usr/lib/proftpd/mod_tls.so ] || ! grep -q mod_tls "$conf"; }; then
		pkg=''
	else
		pkg=$(netlab_unpack proftpd-core proftpd-mod-crypto) || return 1
	fi
	netlab_ftp_user || return 1
	addr=$(netlab_ns_ip4 "$ns")
	[ -n "$addr" ] || { netlab_die "no IPv4 address in $ns for ProFTPD's DefaultAddress"; return 1; }
	gen=$NETLAB_DIR/proftpd-$ns.conf
	NETLAB_PROFTPD_LOG=$NETLAB_DIR/proftpd-$ns.log
	NETLAB_PROFTPD_CMDLOG=$NETLAB_DIR/proftpd-$ns.cmdlog
	{
		echo "# netlab_proftpd: run-time settings, then $conf, then the caller's directives"
		echo "ModulePath $pkg/usr/lib/proftpd"
		echo "PidFile $NETLAB_DIR/proftpd-$ns.pid"
		echo "ScoreboardFile $NETLAB_DIR/proftpd-$ns.scoreboard"
		echo "DelayTable $NETLAB_DIR/proftpd-$ns.delay"
		echo "SystemLog $NETLAB_PROFTPD_LOG"
		echo "TransferLog $NETLAB_DIR/proftpd-$ns.xferlog"
		echo "LogFormat netlab \"%h %m %J -> %s %S\""
		echo "ExtendedLog $NETLAB_PROFTPD_CMDLOG ALL netlab"
		echo "DefaultAddress $addr"
		echo "Include $conf"
		[ $# -gt 0 ] && printf '%s\n' "$@"
	} >"$gen"
	netlab_start_server proftpd "$ns" 21 \
		env NETLAB_FTPROOT="$root" NETLAB_DIR="$NETLAB_DIR" NETLAB_CONF="$(cd "$(dirname "$conf")" && pwd)" \
		"$pkg/usr/sbin/proftpd" -n -c "$gen" || return 1
	NETLAB_PROFTPD_PID=$NETLAB_LAST_PID
}

# netlab_pureftpd NS [OPTION...]: start Pure-FTPd (no -B: the foreground)
# in NS, anonymous only (-e), no DNS (-H), IPv4 (-4), passive ports
# 40000-40100 (-p), pid file and transfer log (-O clf:) in $NETLAB_DIR,
# then OPTION... (e.g. -P 10.99.1.1, -Y 2). Pure-FTPd's anonymous root is
# the home directory of the user ftp: the server runs in a mount namespace
# of its own where the lab's tree is bind-mounted there. With -Y, the
# certificate is netlab_tls_cert's cert and key in one PEM file (-2).
# Waits for port 21. Sets NETLAB_PUREFTPD_PID (and NETLAB_LAST_PID).
netlab_pureftpd() {
	local ns=$1 root bin home args tls=''
	shift
	root=$(netlab_ftproot) || return 1
	if netlab_installed pure-ftpd; then
		bin=/usr/sbin/pure-ftpd
	else
		bin=$(netlab_unpack pure-ftpd) || return 1
		bin=$bin/usr/sbin/pure-ftpd
	fi
	netlab_ftp_user || return 1
	home=$(getent passwd ftp | cut -d: -f6)
	[ -d "$home" ] || { netlab_die "the ftp user's home $home is not a directory"; return 1; }
	args=(-e -H -4 -p 40000:40100 -g "$NETLAB_DIR/pure-ftpd-$ns.pid"
		-O "clf:$NETLAB_DIR/pure-ftpd-$ns.xferlog")
	case " $* " in *" -Y "* | *" --tls"*) tls=1 ;; esac
	if [ -n "$tls" ]; then
		netlab_tls_cert || return 1
		cat "$NETLAB_KEY" "$NETLAB_CERT" >"$NETLAB_DIR/tls/pure-ftpd.pem" &&
			chmod 600 "$NETLAB_DIR/tls/pure-ftpd.pem" || return 1
		args+=(-2 "$NETLAB_DIR/tls/pure-ftpd.pem")
	fi
	# The bind mount lives and dies with the server's private mount namespace.
	netlab_start_server pure-ftpd "$ns" 21 unshare --mount --propagation private \
		sh -c 'mount --bind "$1" "$2" && shift 2 && exec "$@"' sh "$root" "$home" \
		"$bin" "${args[@]}" "$@" || return 1
	NETLAB_PUREFTPD_PID=$NETLAB_LAST_PID
}

# netlab_pyftpdlib NS [OPTION...]: start pyftpdlib (Debian's
# python3-pyftpdlib, installed with apt: it conflicts with nothing) in NS
# through pcaps/record/pyftpd.py: anonymous read-only on the lab's tree,
# port 21, passive ports 40000-40100, every command and reply logged to
# $NETLAB_DIR/pyftpdlib-NS.out, then OPTION... (pyftpd.py's:
# --masquerade-address ADDR, --permit-foreign, --tls-control-required,
# --tls-data-required; --tls alone means netlab_tls_cert's cert and key).
# The interpreter is the first of /usr/bin/python3 and python3 that imports
# pyftpdlib (a pyenv python3 on PATH does not see Debian's dist-packages).
# Waits for port 21. Sets NETLAB_PYFTPDLIB_PID (and NETLAB_LAST_PID).
netlab_pyftpdlib() {
	local ns=$1 root py='' p args=() here
	shift
	root=$(netlab_ftproot) || return 1
	for p in /usr/bin/python3 python3; do
		if "$p" -c 'import pyftpdlib' 2>/dev/null; then
			py=$p
			break
		fi
	done
	[ -n "$py" ] || { netlab_die "no python3 imports pyftpdlib (apt-get install python3-pyftpdlib)"; return 1; }
	here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
	for p in "$@"; do
		if [ "$p" = --tls ]; then
			netlab_tls_cert || return 1
			args+=(--tls "$NETLAB_CERT" "$NETLAB_KEY")
		else
			args+=("$p")
		fi
	done
	netlab_start_server pyftpdlib "$ns" 21 "$py" "$here/pyftpd.py" --root "$root" \
		--port 21 --passive-ports 40000-40100 "${args[@]}" || return 1
	NETLAB_PYFTPDLIB_PID=$NETLAB_LAST_PID
}

# netlab_capture_start NS IF FILE: tcpdump on IF in NS writing FILE (pcap).
# Returns once tcpdump is capturing (at most 5 s). Sets NETLAB_LAST_PID.
netlab_capture_start() {
	local ns=$1 ifc=$2 file=$3 log i
	log=$NETLAB_DIR/tcpdump.$RANDOM.log
	rm -f "$file"
	# --immediate-mode: without it TPACKET_V3 holds packets in a block until
	# its timeout, and a prompt SIGINT loses them. -w - with the shell
	# opening FILE keeps the file root's whatever user tcpdump drops to.
	ip netns exec "$ns" tcpdump -i "$ifc" -n -U --immediate-mode -B 16384 -w - </dev/null >"$file" 2>"$log" &
	NETLAB_LAST_PID=$!
	NETLAB_PIDS+=("$NETLAB_LAST_PID")
	NETLAB_CAPTURE_PIDS+=("$NETLAB_LAST_PID")
	for i in $(seq 1 50); do
		grep -q 'listening on' "$log" 2>/dev/null && return 0
		netlab_alive "$NETLAB_LAST_PID" || break
		sleep 0.1
	done
	cat "$log" >&2
	netlab_die "tcpdump did not start on $ifc in $ns"
}

# netlab_capture_stop PID: SIGINT so tcpdump flushes and closes the file.
netlab_capture_stop() {
	netlab_stop_pid "$1" INT
}

# netlab_exec NS CMD...: run CMD in NS, bounded by NETLAB_CMD_TIMEOUT (20 s).
netlab_exec() {
	local ns=$1
	shift
	timeout -k 2 "${NETLAB_CMD_TIMEOUT:-20}" ip netns exec "$ns" "$@"
}

# netlab_client CMD...: run CMD in the client namespace.
netlab_client() { netlab_exec "$NETLAB_CLIENT_NS" "$@"; }

# netlab_teardown: stop captures (SIGINT, so files are complete), stop the
# vsftpd session processes and then every recorded PID, kill whatever still
# runs in our namespaces, delete the namespaces and the temp dir. Session
# processes orphaned by the listener's exit are reaped by init, not by us:
# wait (<= 5 s) until every PID seen in a namespace is gone from /proc, so
# nothing of ours, not even a zombie, outlives the call. Idempotent.
netlab_teardown() {
	local pid ns pids seen=() i left
	for pid in "${NETLAB_CAPTURE_PIDS[@]}"; do
		netlab_alive "$pid" && netlab_stop_pid "$pid" INT
	done
	for ns in "${NETLAB_NAMESPACES[@]}"; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			seen+=("$pid")
			case " ${NETLAB_PIDS[*]} " in
			*" $pid "*) ;;
			*) kill -TERM "$pid" 2>/dev/null ;;
			esac
		done
	done
	for pid in "${NETLAB_PIDS[@]}"; do
		netlab_alive "$pid" && netlab_stop_pid "$pid" TERM
		wait "$pid" 2>/dev/null
	done
	for ns in "${NETLAB_NAMESPACES[@]}"; do
		pids=$(ip netns pids "$ns" 2>/dev/null)
		if [ -n "$pids" ]; then
			# shellcheck disable=SC2206
			seen+=($pids)
			# shellcheck disable=SC2086
			kill -KILL $pids 2>/dev/null
		fi
		ip netns del "$ns" 2>/dev/null
	done
	for i in $(seq 1 50); do
		left=
		for pid in "${seen[@]}"; do
			[ -e "/proc/$pid" ] && left="$left $pid"
		done
		[ -z "$left" ] && break
		sleep 0.1
	done
	[ -n "$left" ] && netlab_log "still in /proc after 5 s:$left"
	# A vsftpd session process can outlive its session parent and die as
	# init's zombie before teardown starts; wait for init to reap those too.
	for i in $(seq 1 50); do
		left=$(netlab_orphans)
		[ -z "$left" ] && break
		sleep 0.1
	done
	[ -n "$left" ] && netlab_log "orphaned zombies not reaped by init after 5 s:$left"
	NETLAB_PIDS=() NETLAB_CAPTURE_PIDS=() NETLAB_NAMESPACES=()
	if [ -n "$NETLAB_DIR" ] && [ -z "${NETLAB_KEEP_DIR:-}" ]; then
		rm -rf "$NETLAB_DIR"
		NETLAB_DIR=''
	fi
	return 0
}

# netlab_serve TOPOLOGY CONF [OPTION=VALUE...]: build a lab, start vsftpd,
# print the lab's variables as shell assignments followed by a line "READY",
# then wait until standard input closes (or a line "stop" arrives, or a
# signal, or NETLAB_MAX_SECONDS, default 300) and tear everything down.
netlab_serve() {
	local topo=$1 conf=$2 line
	shift 2
	netlab_init || return 1
	case $topo in
	direct) netlab_lab_direct ;;
	nat) netlab_lab_nat ;;
	*) netlab_die "unknown topology '$topo' (direct, nat)" ;;
	esac || return 1
	# The server: Pure-FTPd for the word pure-ftpd (then its options),
	# ProFTPD for a proftpd-*.conf, vsftpd for any other CONF.
	case $conf in
	pure-ftpd) netlab_pureftpd "$NETLAB_SERVER_NS" "$@" ;;
	*/proftpd-*.conf | proftpd-*.conf) netlab_proftpd "$NETLAB_SERVER_NS" "$conf" "$@" ;;
	*) netlab_vsftpd "$NETLAB_SERVER_NS" "$conf" "$@" ;;
	esac || return 1
	local v
	for v in NETLAB_PREFIX NETLAB_DIR NETLAB_CLIENT_NS NETLAB_SERVER_NS NETLAB_ROUTER_NS \
		NETLAB_CLIENT_IF NETLAB_SERVER_IF NETLAB_CLIENT_IP4 NETLAB_SERVER_IP4 \
		NETLAB_CLIENT_IP6 NETLAB_SERVER_IP6 NETLAB_PUBLIC_IP4 NETLAB_VSFTPD_PID NETLAB_VSFTPD_LOG \
		NETLAB_PROFTPD_PID NETLAB_PUREFTPD_PID; do
		printf '%s=%q\n' "$v" "${!v-}"
	done
	echo READY
	while IFS= read -r -t "${NETLAB_MAX_SECONDS:-300}" line; do
		[ "$line" = stop ] && break
	done
	netlab_teardown
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -u
	case ${1:-} in
	serve)
		shift
		[ $# -ge 2 ] || {
			echo "usage: $0 serve direct|nat CONF [vsftpd-option=value...] | proftpd-X.conf [directive...] | pure-ftpd [option...]" >&2
			exit 2
		}
		netlab_serve "$@"
		;;
	*)
		echo "usage: $0 serve direct|nat CONF [vsftpd-option=value...] | proftpd-X.conf [directive...] | pure-ftpd [option...]  (or source it)" >&2
		exit 2
		;;
	esac
fi
