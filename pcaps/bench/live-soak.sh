#!/usr/bin/env bash
# live-soak.sh: does `ftpsniff live` stay bounded in memory over many real
# FTP sessions? A soak, not a test: it measures and reports.
#
#   sudo pcaps/bench/live-soak.sh
#   sudo SOAK_SESSIONS=2000 SOAK_CONCURRENCY=8 pcaps/bench/live-soak.sh   # quick
#
# Environment:
#   SOAK_SESSIONS      FTP sessions to make (default 20000)
#   SOAK_CONCURRENCY   sessions under way at once (default 16; 1..64)
#   SOAK_OUT           directory for the results (default ./bench-out/soak, gitignored)
#   SOAK_MAX_SECONDS   start no session after this long (default 3600)
#
# A namespace lab (pcaps/record/netlab.sh, direct topology: a client and a
# server namespace joined by a veth pair, addresses only inside them) runs
# the Debian vsftpd in the server namespace: anonymous downloads of a few
# small files, passive ports 40000-40100, and one banned anonymous password
# so that some logins get a 530 after PASS. ftpsniff, built from
# ./cmd/ftpsniff into bench-out/bin, runs `live --json` on the server-side
# veth. pcaps/bench/ftpload.py, in the client namespace, makes
# SOAK_SESSIONS sessions with Python's ftplib, SOAK_CONCURRENCY at a time
# (login, PASV or EPSV, LIST and RETR of small files, some 530 logins, some
# 550 missing files, QUIT) and samples ftpsniff's VmRSS (and RssAnon) from
# /proc/PID/status every second into rss.csv (seconds, sessions done, KB).
# Then ftpsniff gets SIGINT, and the script prints: sessions made by the
# load against sessions in ftpsniff's JSON summary, duration, RSS
# min/median/max after warm-up (the first 10 % of the load's time), RSS at
# 25/50/75/100 % of the sessions, whether RSS is flat after warm-up (the
# last quarter's max within 15 % of the second quarter's max; quarters of
# the load's time) and the kernel's drop counters from the capture record.
#
# Results in SOAK_OUT: ftpsniff.json (its output), ftpsniff.err, load.json
# (the load's counts), rss.csv, report.txt (what is printed).
# Exit status: 0 when the load went as planned and ftpsniff counted every
# session; 1 otherwise or when something fails to run; 2 on bad usage.
# A missed flatness target is reported, not an error: numbers depend on the
# machine. Record them in docs/ with the machine's description.
# No set -e: netlab.sh's teardown trap must run every step even when one fails.
set -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
sessions=${SOAK_SESSIONS:-20000}
conc=${SOAK_CONCURRENCY:-16}
out=${SOAK_OUT:-$repo/bench-out/soak}
maxsecs=${SOAK_MAX_SECONDS:-3600}
for v in sessions conc maxsecs; do
	if ! [[ ${!v} =~ ^[1-9][0-9]*$ ]]; then
		echo "live-soak: $v=${!v} is not a positive whole number" >&2
		exit 2
	fi
done
if ((conc > 64)); then
	echo "live-soak: SOAK_CONCURRENCY=$conc: at most 64" >&2
	exit 2
fi
if [ "$(id -u)" != 0 ]; then
	echo "live-soak: must run as root: it creates network namespaces, runs vsftpd and captures packets" >&2
	exit 1
fi

# Install what is missing, from the lab's package list (as .ci/run does).
need=()
for pair in ip:iproute2 ss:iproute2 vsftpd:vsftpd python3:python3; do
	command -v "${pair%%:*}" >/dev/null || need+=("${pair#*:}")
done
if [ ${#need[@]} -gt 0 ]; then
	for p in "${need[@]}"; do
		grep -qx "$p" "$repo/pcaps/record/APT_PACKAGES" || {
			echo "live-soak: $p is not in pcaps/record/APT_PACKAGES" >&2
			exit 1
		}
	done
	command -v apt-get >/dev/null || {
		echo "live-soak: missing ${need[*]} and no apt-get to install them" >&2
		exit 1
	}
	echo "live-soak: installing ${need[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null &&
		apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null || exit 1
fi
for tool in ip ss vsftpd python3 go; do
	command -v "$tool" >/dev/null || {
		echo "live-soak: $tool is needed" >&2
		exit 1
	}
done

mkdir -p "$out" "$repo/bench-out/bin" || exit 1
out=$(cd "$out" && pwd)
rm -f "$out"/{ftpsniff.json,ftpsniff.err,load.json,load.err,rss.csv,report.txt}
bin=$repo/bench-out/bin/ftpsniff
echo "live-soak: building ftpsniff into $bin" >&2
(cd "$repo" && CGO_ENABLED=0 go build -o "$bin" ./cmd/ftpsniff) || exit 1

# shellcheck source=../record/netlab.sh
. "$repo/pcaps/record/netlab.sh"
netlab_init || exit 1
netlab_lab_direct || exit 1
# Tens of thousands of connections in minutes: the client may use most of
# the port space, and ports of its TIME_WAIT sockets (its side closes first
# after a 550 on a passive data connection).
ip netns exec "$NETLAB_CLIENT_NS" sysctl -qw net.ipv4.ip_local_port_range="10000 65000" \
	net.ipv4.tcp_tw_reuse=1 || exit 1
echo 'banned@soak' >"$NETLAB_DIR/banned_emails" || exit 1
# vsftpd's process forks dominate the lab's CPU time: one_process_model
# (anonymous-only servers; no separate privileged process per session)
# doubles the session rate, and the wire is the same. Protocol and transfer
# logs off: tens of thousands of log lines measure nothing here.
netlab_vsftpd "$NETLAB_SERVER_NS" "$repo/pcaps/record/conf/anon.conf" \
	deny_email_enable=YES "banned_email_file=$NETLAB_DIR/banned_emails" \
	one_process_model=YES xferlog_enable=NO log_ftp_protocol=NO || exit 1

ip netns exec "$NETLAB_SERVER_NS" "$bin" live --json -i "$NETLAB_SERVER_IF" --pasv-range 40000-40100 \
	</dev/null >"$out/ftpsniff.json" 2>"$out/ftpsniff.err" &
fpid=$!
NETLAB_PIDS+=("$fpid")
# It captures once it has given up root (after its sockets and filters are set).
started=
for _ in $(seq 1 100); do
	netlab_alive "$fpid" || break
	if awk '$1 == "Uid:" && $3 != 0 { found = 1 } END { exit !found }' "/proc/$fpid/status" 2>/dev/null; then
		started=1
		break
	fi
	sleep 0.1
done
if [ -z "$started" ]; then
	echo "live-soak: ftpsniff live did not start:" >&2
	cat "$out/ftpsniff.err" >&2
	exit 1
fi
sleep 1

echo "live-soak: $sessions sessions, $conc at a time, against vsftpd at $NETLAB_SERVER_IP4" >&2
ip netns exec "$NETLAB_CLIENT_NS" python3 "$here/ftpload.py" "$NETLAB_SERVER_IP4" \
	--sessions "$sessions" --concurrency "$conc" --max-seconds "$maxsecs" \
	--rss-pid "$fpid" --rss-csv "$out/rss.csv" --result "$out/load.json" \
	</dev/null >/dev/null 2>"$out/load.err" &
lpid=$!
NETLAB_PIDS+=("$lpid")
# Show the load's progress lines while it runs; bounded by ftpload's own limit.
shown=0
while netlab_alive "$lpid"; do
	sleep 1
	n=$(wc -l <"$out/load.err")
	if ((n > shown)); then
		sed -n "$((shown + 1)),${n}p" "$out/load.err" >&2
		shown=$n
	fi
done
wait "$lpid"
lrc=$?
sed -n "$((shown + 1)),\$p" "$out/load.err" >&2

# Let the last FINs arrive, then Ctrl-C: ftpsniff finishes what is pending
# and writes the summary and capture records. Give it up to 60 s for that.
sleep 2
kill -INT "$fpid" 2>/dev/null
t_int=$(date +%s.%N)
for _ in $(seq 1 600); do
	netlab_alive "$fpid" || break
	sleep 0.1
done
t_exit=$(date +%s.%N)
if netlab_alive "$fpid"; then
	echo "live-soak: ftpsniff still runs 60 s after SIGINT" >&2
	netlab_stop_pid "$fpid" TERM
	frc=124
else
	awk -v a="$t_int" -v b="$t_exit" 'BEGIN { printf "live-soak: ftpsniff exited %.1f s after SIGINT\n", b - a }' >&2
	wait "$fpid"
	frc=$?
fi

if [ ! -s "$out/load.json" ]; then
	echo "live-soak: the load wrote no result (exit $lrc):" >&2
	cat "$out/load.err" >&2
	exit 1
fi
if [ "$frc" != 0 ]; then
	echo "live-soak: ftpsniff live exited with status $frc:" >&2
	cat "$out/ftpsniff.err" >&2
fi

python3 - "$out" "$lrc" "$frc" "$(uname -r)" "$(nproc)" <<'EOF' | tee "$out/report.txt"
import collections, csv, json, os, statistics, sys

out, lrc, frc = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
kernel, cores = sys.argv[4], sys.argv[5]
load = json.load(open(os.path.join(out, "load.json")))
ok = True
summ = cap = None
nsess, login_states = 0, collections.Counter()
with open(os.path.join(out, "ftpsniff.json")) as f:
    for line in f:
        # Only session, summary and capture records are needed: skip the
        # command, data and finding lines unparsed (most of the file).
        if not line.startswith('{"type":"'):
            print("ftpsniff wrote a line that is not a JSON record: %r" % line[:200])
            ok = False
            continue
        if not line.startswith(('{"type":"session"', '{"type":"summary"', '{"type":"capture"')):
            continue
        try:
            r = json.loads(line)
        except ValueError:
            print("ftpsniff wrote a line that is not JSON: %r" % line[:200])
            ok = False
            continue
        t = r.get("type")
        if t == "session":
            nsess += 1
            login_states[r.get("login_state", "?")] += 1
        elif t == "summary":
            summ = r
        elif t == "capture":
            cap = r
rows = []
with open(os.path.join(out, "rss.csv")) as f:
    for r in csv.DictReader(f):
        rows.append((float(r["seconds"]), int(r["sessions_done"]), int(r["rss_kb"]), int(r["rss_anon_kb"])))

secs = load["seconds"]
print("load: %d sessions planned, %d connected, %d as planned, %d at a time, in %.1f s (%.0f sessions/s)"
      % (load["planned"], load["connected"], load["as_planned"], load["concurrency"], secs,
         load["sessions_per_second"]))
print("      %d logged in, %d 530 logins, %d 550 missing files; %d PASV, %d EPSV, %d LIST, %d RETR (%d bytes)"
      % (load["logged_in"], load["login_530"], load["missing_550"], load["pasv"], load["epsv"],
         load["list"], load["retr"], load["retr_bytes"]))
if load["errors"] or load["stuck_workers"] or lrc:
    ok = False
    print("      NOT AS PLANNED: %d errors %s, %d stuck workers, exit %d"
          % (load["errors"], load["error_kinds"], load["stuck_workers"], lrc))
if summ is None or cap is None:
    print("ftpsniff: no %s record (exit status %d; see ftpsniff.err)"
          % ("summary" if summ is None else "capture", frc))
    sys.exit(1)
print("ftpsniff: summary sessions %d, session records %d, load's sessions %d: %s"
      % (summ["sessions"], nsess, load["connected"],
         "match" if summ["sessions"] == nsess == load["connected"] else "MISMATCH"))
if not summ["sessions"] == nsess == load["connected"]:
    ok = False
failed = login_states.get("login failed", 0)
print("          login states %s (load: %d 530 logins: %s)"
      % (dict(login_states), load["login_530"], "match" if failed == load["login_530"] else "MISMATCH"))
if failed != load["login_530"]:
    ok = False
print("          data connections %d, outcomes %s" % (summ["data_connections"], summ.get("outcomes")))
hit = {k: v for k, v in (summ.get("limits") or {}).items() if v}
print("          limits hit: %s" % (hit or "none"))
if frc:
    ok = False
    print("          exit status %d" % frc)

if not rows:
    print("rss: no samples")
    sys.exit(1)
end = rows[-1][0]
warm = 0.10 * end
after = [r for r in rows if r[0] >= warm]
mb = lambda kb: kb / 1024.0
vals = [r[2] for r in after]
anon = [r[3] for r in after]
print("rss: %d samples over %.1f s; after warm-up (first %.1f s, 10 %%) VmRSS min %.1f / median %.1f / max %.1f MiB,"
      " RssAnon min %.1f / median %.1f / max %.1f MiB"
      % (len(rows), end, warm, mb(min(vals)), mb(statistics.median(vals)), mb(max(vals)),
         mb(min(anon)), mb(statistics.median(anon)), mb(max(anon))))
planned = load["planned"]
marks = []
for q in (25, 50, 75, 100):
    r = next((r for r in rows if r[1] * 100 >= q * planned), rows[-1])
    marks.append("%d%% (%d sessions, %.0f s): %.1f MiB" % (q, r[1], r[0], mb(r[2])))
print("     VmRSS at " + "; ".join(marks))
q2 = [r[2] for r in rows if 0.25 * end <= r[0] < 0.50 * end]
q4 = [r[2] for r in rows if 0.75 * end <= r[0]]
if q2 and q4:
    ratio = max(q4) / max(q2)
    print("     flat after warm-up: %s (last quarter's max %.1f MiB = %.3f x second quarter's max %.1f MiB; target <= 1.15)"
          % ("yes" if ratio <= 1.15 else "NO", mb(max(q4)), ratio, mb(max(q2))))
else:
    print("     flat after warm-up: too few samples to tell (run longer)")
print("capture: %d packets analysed in %.1f s; kernel received %d, dropped %d%s"
      % (int(cap["packets"]), cap["seconds"], cap["received"], cap["dropped"],
         "".join("; %s received %d dropped %d queue_freezes %d"
                 % (i["name"], i["received"], i["dropped"], i.get("queue_freezes", 0))
                 for i in cap.get("interfaces", []))))
print("machine: %s cores, Linux %s" % (cores, kernel))
sys.exit(0 if ok else 1)
EOF
