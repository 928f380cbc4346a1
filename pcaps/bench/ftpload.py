#!/usr/bin/env python3
"""ftpload.py: many real, short FTP sessions against one server, a bounded number at once.

usage: ftpload.py HOST [--sessions N] [--concurrency C] [--port 21] [--timeout S]
                  [--max-seconds S] [--rss-pid PID --rss-csv FILE] [--result FILE]

Meant for pcaps/bench/live-soak.sh: the lab's vsftpd (anonymous, read-only,
report.txt, data.bin and notes/readme.txt in its root, "banned@soak" in its
banned e-mail list). C worker threads take session numbers 0..N-1 from a
shared counter; session i does, with Python's ftplib:

  connect, USER/PASS anonymous, then by i:
    i % 100 == 7   PASS banned@soak: 530 Login incorrect (vsftpd's
                   delay_failed_login second), QUIT
    i % 100 == 57  USER soakuser: 530 anonymous only, QUIT
    otherwise      logged in; PASV (even i) or EPSV (odd i) before each
                   transfer; i % 20 == 3 also asks for a missing file
                   (550); then one of: LIST; RETR report.txt;
                   RETR notes/readme.txt + LIST notes; RETR data.bin
                   (128 KiB, every 16th session), and QUIT.

Every loop is bounded: N sessions at most, each made of a fixed list of
commands, every socket operation bounded by --timeout, and no new session
starts after --max-seconds. Nothing is retried: a failure is counted.

With --rss-pid, a thread samples VmRSS and RssAnon of that PID from
/proc/PID/status every second and writes CSV rows
"seconds,sessions_done,rss_kb,rss_anon_kb" to --rss-csv (one row at 0, one
per second, one after the last session). --result gets the counts as one
JSON object; a line of them goes to stdout as well. Exit status: 0 when
every session went as planned, 1 when some did not, 2 on bad usage.
"""

import argparse
import collections
import ftplib
import io
import json
import sys
import threading
import time

BANNED_PASSWORD = "banned@soak"
NOT_ANONYMOUS_USER = "soakuser"


class SoakFTP(ftplib.FTP):
    """ftplib.FTP that can ask for EPSV on IPv4 (ftplib sends PASV there)."""

    use_epsv = False

    def makepasv(self):
        if not self.use_epsv:
            return super().makepasv()
        port = ftplib.parse229(self.sendcmd("EPSV"), self.sock.getpeername())[1]
        return self.sock.getpeername()[0], port


class Counts:
    """Counters shared by the workers, under one lock."""

    def __init__(self):
        self.lock = threading.Lock()
        self.c = {
            "attempted": 0,  # sessions started (a connect was tried)
            "connected": 0,  # control connections established: sessions on the wire
            "done": 0,  # sessions finished, however
            "as_planned": 0,  # every reply was the one the plan expects
            "logged_in": 0,
            "login_530": 0,
            "missing_550": 0,
            "pasv": 0,
            "epsv": 0,
            "list": 0,
            "retr": 0,
            "retr_bytes": 0,
            "list_bytes": 0,
            "quit": 0,
            "errors": 0,
        }
        self.error_kinds = {}

    def add(self, delta, error=None):
        with self.lock:
            for k, v in delta.items():
                self.c[k] += v
            if error is not None:
                self.error_kinds[error] = self.error_kinds.get(error, 0) + 1

    def get(self, key):
        with self.lock:
            return self.c[key]


def transfer(ftp, d, what, arg=""):
    """One data transfer (LIST or RETR) over a fresh passive data connection."""
    d["epsv" if ftp.use_epsv else "pasv"] += 1
    if what == "LIST":
        size = [0]

        def line(s):
            size[0] += len(s) + 2

        ftp.retrlines("LIST" + (" " + arg if arg else ""), line)
        d["list"] += 1
        d["list_bytes"] += size[0]
    else:
        sink = io.BytesIO()
        ftp.retrbinary("RETR " + arg, sink.write)
        d["retr"] += 1
        d["retr_bytes"] += sink.tell()


def session(i, host, port, timeout):
    """Runs session i; returns (counter deltas, error kind or None)."""
    d = collections.Counter(attempted=1, done=1)
    ftp = SoakFTP(timeout=timeout)
    ftp.use_epsv = i % 2 == 1
    try:
        ftp.connect(host, port)
    except (OSError, EOFError, ftplib.Error) as e:
        d["errors"] = 1
        return d, "connect: " + type(e).__name__
    d["connected"] = 1
    step = "login"
    try:
        if i % 100 in (7, 57):
            user, password = ("anonymous", BANNED_PASSWORD) if i % 100 == 7 else (NOT_ANONYMOUS_USER, "x")
            try:
                ftp.login(user, password)
                d["errors"] = 1
                ftp.quit()
                d["quit"] = 1
                return d, "login: accepted when a 530 was planned"
            except ftplib.error_perm as e:
                if not str(e).startswith("530"):
                    raise
                d["login_530"] = 1
            step = "quit"
            ftp.quit()
            d["quit"] = 1
            d["as_planned"] = 1
            return d, None
        ftp.login("anonymous", "soak@example.org")
        d["logged_in"] = 1
        if i % 20 == 3:
            step = "missing RETR"
            try:
                transfer(ftp, d, "RETR", "missing-%d.txt" % (i % 7))
                d["errors"] = 1
                return d, "RETR of a missing file succeeded"
            except ftplib.error_perm as e:
                if not str(e).startswith("550"):
                    raise
                d["missing_550"] = 1
        step = "transfer"
        kind = i % 4
        if i % 16 == 2:
            transfer(ftp, d, "RETR", "data.bin")
        elif kind == 0:
            transfer(ftp, d, "LIST")
        elif kind == 1:
            transfer(ftp, d, "RETR", "report.txt")
        else:
            transfer(ftp, d, "RETR", "notes/readme.txt")
            transfer(ftp, d, "LIST", "notes")
        step = "quit"
        ftp.quit()
        d["quit"] = 1
        d["as_planned"] = 1
        return d, None
    except (OSError, EOFError, ftplib.Error) as e:
        d["errors"] = 1
        ftp.close()
        return d, "%s: %s" % (step, type(e).__name__ if not isinstance(e, ftplib.Error) else str(e)[:3])


def read_rss(pid):
    """VmRSS and RssAnon of pid in KB, or None when it is gone."""
    try:
        with open("/proc/%d/status" % pid) as f:
            text = f.read()
    except OSError:
        return None
    vals = {}
    for line in text.splitlines():
        k, _, v = line.partition(":")
        if k in ("VmRSS", "RssAnon"):
            vals[k] = int(v.split()[0])
    if "VmRSS" not in vals:  # a zombie has no memory lines
        return None
    return vals["VmRSS"], vals.get("RssAnon", 0)


def sampler(pid, path, counts, start, stop, lost):
    """Writes one CSV row a second until stop is set, and a last one after."""
    with open(path, "w") as out:
        out.write("seconds,sessions_done,rss_kb,rss_anon_kb\n")
        tick = 0
        while True:
            final = stop.is_set()
            rss = read_rss(pid)
            if rss is None:
                lost.set()
                return
            out.write("%.2f,%d,%d,%d\n" % (time.monotonic() - start, counts.get("done"), rss[0], rss[1]))
            out.flush()
            if final:
                return
            tick += 1
            # Wait for the next whole second of the run, or for the end.
            stop.wait(max(0.0, start + tick - time.monotonic()))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("host")
    ap.add_argument("--port", type=int, default=21)
    ap.add_argument("--sessions", type=int, default=20000)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--timeout", type=float, default=10.0, help="seconds per socket operation")
    ap.add_argument("--max-seconds", type=float, default=3600.0, help="start no session after this long")
    ap.add_argument("--rss-pid", type=int, default=0)
    ap.add_argument("--rss-csv", default="")
    ap.add_argument("--result", default="")
    a = ap.parse_args()
    if a.sessions < 1 or not 1 <= a.concurrency <= 256 or a.timeout <= 0 or a.max_seconds <= 0:
        ap.error("--sessions >= 1, --concurrency 1..256, --timeout and --max-seconds > 0")
    if bool(a.rss_pid) != bool(a.rss_csv):
        ap.error("--rss-pid and --rss-csv go together")
    if a.rss_pid and read_rss(a.rss_pid) is None:
        ap.error("no process %d to sample" % a.rss_pid)

    counts = Counts()
    next_i = [0]
    next_lock = threading.Lock()
    start = time.monotonic()
    deadline = start + a.max_seconds

    def worker():
        while True:
            with next_lock:
                i = next_i[0]
                if i >= a.sessions or time.monotonic() > deadline:
                    return
                next_i[0] += 1
            try:
                d, err = session(i, a.host, a.port, a.timeout)
            except Exception as e:  # a bug here must not end the worker unseen
                d, err = {"attempted": 1, "done": 1, "errors": 1}, "internal: %r" % e
            counts.add(d, err)

    stop, lost = threading.Event(), threading.Event()
    samp = None
    if a.rss_pid:
        samp = threading.Thread(target=sampler, args=(a.rss_pid, a.rss_csv, counts, start, stop, lost))
        samp.start()
    workers = [threading.Thread(target=worker, daemon=True) for _ in range(a.concurrency)]
    for w in workers:
        w.start()
    # Progress every 10 s; bounded: workers end after N sessions or the
    # deadline plus the longest a session can take.
    last = start
    limit = deadline + 20 * a.timeout
    while any(w.is_alive() for w in workers) and time.monotonic() < limit:
        time.sleep(0.5)
        now = time.monotonic()
        if now - last >= 10:
            last = now
            done = counts.get("done")
            print("ftpload: %4.0f s: %d sessions done (%.0f/s)" % (now - start, done, done / (now - start)),
                  file=sys.stderr, flush=True)
    stuck = sum(w.is_alive() for w in workers)
    seconds = time.monotonic() - start
    stop.set()
    if samp is not None:
        samp.join()

    with counts.lock:
        res = dict(counts.c)
        res["error_kinds"] = dict(counts.error_kinds)
    res.update({
        "planned": a.sessions,
        "concurrency": a.concurrency,
        "seconds": round(seconds, 3),
        "sessions_per_second": round(res["done"] / seconds, 1) if seconds > 0 else 0,
        "stuck_workers": stuck,
        "rss_pid_lost": lost.is_set(),
    })
    if a.result:
        with open(a.result, "w") as f:
            json.dump(res, f)
            f.write("\n")
    print(json.dumps(res))
    if lost.is_set():
        print("ftpload: process %d went away while it was sampled" % a.rss_pid, file=sys.stderr)
    ok = res["as_planned"] == a.sessions and not stuck and not lost.is_set()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
