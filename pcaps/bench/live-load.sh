#!/usr/bin/env bash
# live-load.sh: how many packets per second `ftpsniff live` keeps up with,
# against `tcpdump -w /dev/null`, on the same traffic in the same run.
#
#   sudo pcaps/bench/live-load.sh [-d SECONDS] [-s STREAMS] [-b MiB] [-m] [-w WORKERS] [-n]
#   sudo pcaps/bench/live-load.sh -r CAPTURE [-p PPS] [-d SECONDS] [-b MiB] [-w WORKERS] [-n]
#
# A namespace lab (pcaps/record/netlab.sh, direct topology) runs vsftpd;
# STREAMS curl loops in the client namespace download a 1 GiB sparse file
# (page-cache zeros, sent with sendfile) over and over, as fast as the
# machine allows, for SECONDS. In the server namespace, on srv0, both
# `ftpsniff live --json` and `tcpdump -w /dev/null` capture the whole time
# with the same ring size (-b, default 64 MiB; tcpdump -B). At the end it
# prints each one's packets received by its filter, kernel drops and
# packets per second.
#
# -m makes TCP send MTU-sized segments (gso_max_segs 1 on the veth): many
# more packets for the same bytes, the hard case for a capture. Without it
# the veth carries GSO super-packets of up to 64 KiB, as any capture taken
# on the sending host sees.
#
# -r CAPTURE replays a capture instead of the curl loops, at a fixed rate
# (-p PPS, default 200000) for SECONDS, looping over its frames
# (pcaps/bench/replay, an AF_PACKET sender in the client namespace): the
# same load in every run, so runs with different -w can be compared. A
# capture of many sessions loads ftpsniff most per packet:
#   go run ./pcaps/bench/mksessions -sessions 20000 -gap 10ms -o bench-out/sessions-20k.pcap
# The replayed frames are not for the server's addresses: its kernel drops
# them after the capture sockets have seen them.
#
# -w WORKERS runs `ftpsniff live --workers WORKERS` (one ring of -b MiB per
# worker); the per-socket counters are printed too. -n leaves tcpdump out,
# so that it takes no CPU from ftpsniff.
#
# LIVE_LOAD_FTPSNIFF=PATH measures that ftpsniff binary instead of
# building ./cmd/ftpsniff at every run (a series of runs then measures one
# build, whatever happens to the work tree meanwhile).
#
# It is a measurement, not a test: numbers depend on the machine. Record
# them in docs/live.md with the machine's description.
# No set -e: netlab.sh's teardown trap must run every step even when one fails.
set -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
secs=20 streams=4 bufmib=64 mtu=0 workers=1 replay='' pps=200000 tcpdump=1
while getopts d:s:b:mw:r:p:n opt; do
	case $opt in
	d) secs=$OPTARG ;;
	s) streams=$OPTARG ;;
	b) bufmib=$OPTARG ;;
	m) mtu=1 ;;
	w) workers=$OPTARG ;;
	r) replay=$OPTARG ;;
	p) pps=$OPTARG ;;
	n) tcpdump=0 ;;
	*)
		sed -n 's/^#   //p' "$0" >&2
		exit 2
		;;
	esac
done
[[ $secs =~ ^[0-9]+$ && $streams =~ ^[0-9]+$ && $bufmib =~ ^[0-9]+$ && $workers =~ ^[0-9]+$ && $pps =~ ^[0-9]+$ ]] || {
	echo "live-load: -d, -s, -b, -w and -p take whole numbers" >&2
	exit 2
}
if [ -n "$replay" ]; then
	[ -r "$replay" ] || {
		echo "live-load: cannot read $replay" >&2
		exit 2
	}
	replay=$(cd "$(dirname "$replay")" && pwd)/$(basename "$replay")
fi
tools="ip go"
[ -n "$replay" ] || tools="$tools vsftpd curl"
[ "$tcpdump" = 0 ] || tools="$tools tcpdump"
for tool in $tools /usr/bin/time; do
	command -v "$tool" >/dev/null || {
		echo "live-load: $tool is needed" >&2
		exit 2
	}
done

# shellcheck source=../record/netlab.sh
. "$repo/pcaps/record/netlab.sh"
netlab_init || exit 1
netlab_lab_direct || exit 1
if [ -z "$replay" ]; then
	root=$(netlab_ftproot) || exit 1
	truncate -s 1G "$root/big.bin" && chmod 644 "$root/big.bin" || exit 1
	netlab_vsftpd "$NETLAB_SERVER_NS" "$repo/pcaps/record/conf/anon.conf" || exit 1
fi
if [ "$mtu" = 1 ]; then
	ip -n "$NETLAB_SERVER_NS" link set dev "$NETLAB_SERVER_IF" gso_max_segs 1 || exit 1
	ip -n "$NETLAB_CLIENT_NS" link set dev "$NETLAB_CLIENT_IF" gso_max_segs 1 || exit 1
fi

bin=$NETLAB_DIR/ftpsniff
if [ -n "${LIVE_LOAD_FTPSNIFF:-}" ]; then
	cp "$LIVE_LOAD_FTPSNIFF" "$bin" || exit 1
else
	(cd "$repo" && CGO_ENABLED=0 go build -o "$bin" ./cmd/ftpsniff) || exit 1
fi
if [ -n "$replay" ]; then
	(cd "$repo" && go build -o "$NETLAB_DIR/replay" ./pcaps/bench/replay) || exit 1
fi

# Both captures start before the traffic and stop after it.
run=$((secs + 4))
ip netns exec "$NETLAB_SERVER_NS" /usr/bin/time -f '%U %S' -o "$NETLAB_DIR/ftpsniff.time" \
	"$bin" live --json -i "$NETLAB_SERVER_IF" --duration "${run}s" \
	--buffer-size "$bufmib" --workers "$workers" >"$NETLAB_DIR/ftpsniff.json" 2>"$NETLAB_DIR/ftpsniff.err" &
fpid=$!
NETLAB_PIDS+=("$fpid")
tpid=''
if [ "$tcpdump" = 1 ]; then
	ip netns exec "$NETLAB_SERVER_NS" tcpdump -i "$NETLAB_SERVER_IF" -n -B $((bufmib * 1024)) -w /dev/null \
		</dev/null >/dev/null 2>"$NETLAB_DIR/tcpdump.err" &
	tpid=$!
	NETLAB_PIDS+=("$tpid")
	for _ in $(seq 1 50); do
		grep -q 'listening on' "$NETLAB_DIR/tcpdump.err" 2>/dev/null && break
		sleep 0.1
	done
else
	: >"$NETLAB_DIR/tcpdump.err"
fi
sleep 1

if [ -n "$replay" ]; then
	# The load: the capture's frames at PPS for SECONDS.
	ip netns exec "$NETLAB_CLIENT_NS" "$NETLAB_DIR/replay" -i "$NETLAB_CLIENT_IF" -r "$replay" \
		-pps "$pps" -d "${secs}s" >"$NETLAB_DIR/replay.out" 2>&1 || {
		cat "$NETLAB_DIR/replay.out" >&2
		exit 1
	}
else
	# The load: STREAMS download loops, each bounded by the deadline.
	end=$(($(date +%s) + secs))
	loops=()
	for _ in $(seq 1 "$streams"); do
		(
			while [ "$(date +%s)" -lt "$end" ]; do
				left=$((end - $(date +%s)))
				[ "$left" -gt 0 ] || break
				ip netns exec "$NETLAB_CLIENT_NS" curl -s -o /dev/null -m "$left" \
					"ftp://$NETLAB_SERVER_IP4/big.bin" || true
			done
		) &
		loops+=("$!")
	done
	for p in "${loops[@]}"; do wait "$p" || true; done
fi

# ftpsniff stops at --duration; tcpdump with SIGINT, at the same moment.
wait "$fpid" || true
[ -z "$tpid" ] || netlab_stop_pid "$tpid" INT
[ -z "$replay" ] || cat "$NETLAB_DIR/replay.out"

cap=$(grep '"type":"capture"' "$NETLAB_DIR/ftpsniff.json" || true)
sum=$(grep '"type":"summary"' "$NETLAB_DIR/ftpsniff.json" || true)
if [ -z "$cap" ]; then
	echo "live-load: ftpsniff wrote no capture record:" >&2
	cat "$NETLAB_DIR/ftpsniff.err" >&2
	exit 1
fi
python3 - "$cap" "$sum" "$NETLAB_DIR/tcpdump.err" "$secs" "$streams" "$bufmib" "$mtu" "$workers" "$replay" "$pps" "$NETLAB_DIR/ftpsniff.time" <<'EOF'
import json, re, sys
cap, summ = json.loads(sys.argv[1]), json.loads(sys.argv[2])
err = open(sys.argv[3]).read()
secs, streams, bufmib, mtu = int(sys.argv[4]), sys.argv[5], sys.argv[6], sys.argv[7] == "1"
workers, replay, pps = sys.argv[8], sys.argv[9], sys.argv[10]
try:
    user, system = (float(x) for x in open(sys.argv[11]).read().split()[-2:])
except (OSError, ValueError):
    user = system = None
def num(label):
    m = re.search(r"(\d+) packets? " + label, err)
    return int(m.group(1)) if m else None
t_recv, t_drop = num("received by filter"), num("dropped by kernel")
f_recv, f_drop, f_secs = cap["received"], cap["dropped"], cap["seconds"]
gb = summ["decode"]["bytes"] / 1e9
if replay:
    print(f"load: {replay} replayed at {pps} packets/s for {secs} s; ftpsniff --workers {workers}, "
          f"ring {bufmib} MiB per socket; {gb:.2f} GB captured by ftpsniff, {summ['sessions']} sessions")
else:
    print(f"load: {streams} curl loops for {secs} s, ring {bufmib} MiB, "
          f"{'MTU-sized segments' if mtu else 'GSO super-packets'}; ftpsniff --workers {workers}; {gb:.2f} GB captured by ftpsniff, "
          f"{summ['data_connections']} data connections")
print(f"{'':10} {'received':>12} {'dropped':>10} {'drop %':>7} {'packets/s during the load':>26}")
for name, recv, drop in (("ftpsniff", f_recv, f_drop), ("tcpdump", t_recv, t_drop)):
    if recv is None:
        print(f"{name:10} (no counters)")
        continue
    pct = 100.0 * drop / recv if recv else 0.0
    print(f"{name:10} {recv:12d} {drop:10d} {pct:7.2f} {recv / secs:26.0f}")
if len(cap["interfaces"]) > 1:
    for s in cap["interfaces"]:
        pct = 100.0 * s["dropped"] / s["received"] if s["received"] else 0.0
        print(f"  socket {s['name']} worker {s.get('worker', 0)}: {s['received']} received, {s['dropped']} dropped ({pct:.2f} %)")
print(f"ftpsniff analysed {cap['packets']} packets in its {f_secs:.1f} s run", end="")
if user is not None and cap["packets"]:
    print(f", using {user:.2f} s user + {system:.2f} s system CPU "
          f"({1e6 * (user + system) / cap['packets']:.2f} us per packet analysed)")
else:
    print()
with open("/proc/loadavg") as f:
    print(f"load average at the end: {' '.join(f.read().split()[:3])} (machine: {__import__('os').cpu_count()} cores)")
EOF
