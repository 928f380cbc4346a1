#!/usr/bin/env python3
"""A scripted FTP server for the capture scenarios that need a reply vsftpd never sends.

usage: ftpserver.py --root DIR [--listen ADDR] [--port N] [--pasv-ports LO-HI]
                    [--pad] [--split N:AT] [--pause S] [--sessions N] [--max-seconds S]

It serves anonymous logins read-only from DIR, one session at a time, and
answers USER, PASS, SYST, PWD, CWD, TYPE, PASV, RETR, NLST, SIZE, NOOP and
QUIT (anything else gets 502). Like vsftpd it announces the address the
control connection reached it at, and every reply goes out in one send()
with TCP_NODELAY, so one reply is one TCP segment, except:

  --split N:AT  the N-th PASV reply of each session (1-based) is written in
                two sends, the first AT bytes, a pause (--pause, default
                0.05 s: less than TCP's 200 ms minimum retransmission timeout,
                so the second part leaves before any retransmission of the
                first), then the rest: two TCP segments.
  --pad         write the 227's six numbers zero-padded to three digits
                (010,099,002,002,...), as some embedded servers do: a router
                that rewrites the 227 changes its length.

Every command and reply is printed. Bounded: --sessions (default 1) sessions,
at most --max-seconds (default 60) in all, a 10 s timeout on every socket.
"""

import argparse
import os
import signal
import socket
import sys
import time

SOCK_TIMEOUT = 10.0


def log(*a):
    print(*a, flush=True)


class Session:
    def __init__(self, ctl, args):
        self.ctl = ctl
        self.args = args
        self.buf = b""
        self.cwd = "/"
        self.pasv = None  # the listening data socket
        self.pasv_count = 0
        self.user = None
        ctl.settimeout(SOCK_TIMEOUT)
        ctl.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def reply(self, line, split_at=0):
        data = (line + "\r\n").encode("latin-1")
        log("-->", line, "(in two segments, split after %d bytes)" % split_at if split_at else "")
        if 0 < split_at < len(data):
            self.ctl.sendall(data[:split_at])
            time.sleep(self.args.pause)
            self.ctl.sendall(data[split_at:])
        else:
            self.ctl.sendall(data)

    def readline(self):
        while b"\n" not in self.buf:
            if len(self.buf) > 4096:
                raise ValueError("command line too long")
            chunk = self.ctl.recv(4096)
            if not chunk:
                return None
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line.rstrip(b"\r").decode("latin-1")

    def path(self, arg):
        p = os.path.normpath(os.path.join(self.cwd, arg or "."))
        full = os.path.realpath(os.path.join(self.args.root, p.lstrip("/")))
        root = os.path.realpath(self.args.root)
        if full != root and not full.startswith(root + os.sep):
            return None
        return full

    def open_pasv(self):
        if self.pasv:
            self.pasv.close()
            self.pasv = None
        host = self.ctl.getsockname()[0]
        lo, hi = self.args.pasv_lo, self.args.pasv_hi
        for port in range(lo, hi + 1):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                s.bind((host, port))
            except OSError:
                s.close()
                continue
            s.listen(1)
            s.settimeout(SOCK_TIMEOUT)
            self.pasv = s
            return host, port
        raise OSError("no free passive port in %d-%d" % (lo, hi))

    def data_conn(self):
        if not self.pasv:
            self.reply("425 Use PASV first.")
            return None
        try:
            conn, peer = self.pasv.accept()
        except OSError as e:
            log("data connection not made:", e)
            self.reply("425 Failed to establish connection.")
            return None
        finally:
            self.pasv.close()
            self.pasv = None
        log("data connection from %s:%d" % peer)
        conn.settimeout(SOCK_TIMEOUT)
        return conn

    def send_data(self, what, payload):
        conn = self.data_conn()
        if conn is None:
            return
        self.reply("150 Here comes the %s." % what)
        try:
            conn.sendall(payload)
        finally:
            conn.close()
        self.reply("226 Transfer complete.")

    def cmd_pasv(self, _arg):
        self.pasv_count += 1
        host, port = self.open_pasv()
        nums = [int(x) for x in host.split(".")] + [port >> 8, port & 0xFF]
        fmt = "%03d" if self.args.pad else "%d"
        text = "227 Entering Passive Mode (%s)." % ",".join(fmt % n for n in nums)
        split = self.args.split_at if self.pasv_count == self.args.split_n else 0
        self.reply(text, split)

    def run(self):
        self.reply("220 ftpserver.py (scripted lab server)")
        while True:
            line = self.readline()
            if line is None:
                log("client closed the control connection")
                return
            verb, _, arg = line.partition(" ")
            verb = verb.upper()
            log("<--", "PASS ****" if verb == "PASS" else line)
            if verb == "USER":
                self.user = arg
                if arg.lower() in ("anonymous", "ftp"):
                    self.reply("331 Please specify the password.")
                else:
                    self.reply("530 This server is anonymous only.")
            elif verb == "PASS":
                if self.user and self.user.lower() in ("anonymous", "ftp"):
                    self.reply("230 Login successful.")
                else:
                    self.reply("503 Login with USER first.")
            elif verb == "SYST":
                self.reply("215 UNIX Type: L8")
            elif verb == "PWD":
                self.reply('257 "%s" is the current directory' % self.cwd)
            elif verb == "CWD":
                p = self.path(arg)
                if p and os.path.isdir(p):
                    rel = os.path.relpath(p, os.path.realpath(self.args.root))
                    self.cwd = "/" if rel == "." else "/" + rel
                    self.reply("250 Directory successfully changed.")
                else:
                    self.reply("550 Failed to change directory.")
            elif verb == "TYPE":
                self.reply("200 Switching to %s mode." % ("Binary" if arg.upper().startswith("I") else "ASCII"))
            elif verb == "PASV":
                self.cmd_pasv(arg)
            elif verb == "SIZE":
                p = self.path(arg)
                if p and os.path.isfile(p):
                    self.reply("213 %d" % os.path.getsize(p))
                else:
                    self.reply("550 Could not get file size.")
            elif verb == "RETR":
                p = self.path(arg)
                if not p or not os.path.isfile(p):
                    self.reply("550 Failed to open file.")
                    continue
                with open(p, "rb") as f:
                    self.send_data("file", f.read())
            elif verb == "NLST":
                p = self.path(arg)
                if not p or not os.path.isdir(p):
                    self.reply("550 Failed to open directory.")
                    continue
                names = sorted(os.listdir(p))
                self.send_data("directory listing", "".join(n + "\r\n" for n in names).encode())
            elif verb == "NOOP":
                self.reply("200 NOOP ok.")
            elif verb == "QUIT":
                self.reply("221 Goodbye.")
                return
            else:
                self.reply("502 Command not implemented.")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", required=True)
    ap.add_argument("--listen", default="0.0.0.0")
    ap.add_argument("--port", type=int, default=21)
    ap.add_argument("--pasv-ports", default="45000-45099")
    ap.add_argument("--pad", action="store_true")
    ap.add_argument("--split", default="", help="N:AT")
    ap.add_argument("--pause", type=float, default=0.05)
    ap.add_argument("--sessions", type=int, default=1)
    ap.add_argument("--max-seconds", type=int, default=60)
    a = ap.parse_args()
    lo, _, hi = a.pasv_ports.partition("-")
    a.pasv_lo, a.pasv_hi = int(lo), int(hi or lo)
    a.split_n, a.split_at = 0, 0
    if a.split:
        n, _, at = a.split.partition(":")
        a.split_n, a.split_at = int(n), int(at)
    signal.alarm(a.max_seconds)  # the whole run is bounded

    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((a.listen, a.port))
    srv.listen(4)
    log("listening on %s:%d" % (a.listen, a.port))
    for _ in range(a.sessions):
        ctl, peer = srv.accept()
        log("session from %s:%d" % peer)
        s = Session(ctl, a)
        try:
            s.run()
        except (OSError, ValueError) as e:
            log("session ended: %s" % e)
        finally:
            if s.pasv:
                s.pasv.close()
            ctl.close()
    srv.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
