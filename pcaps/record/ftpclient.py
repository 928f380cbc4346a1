#!/usr/bin/env python3
"""A scripted Python ftplib client for the capture scenarios.

usage: ftpclient.py HOST [--port N] [--active] [--timeout S] [--user U --password P] OP...

OP is one of:
  retr:PATH          download PATH (RETR)
  nlst[:PATH]        name list (NLST)
  list[:PATH]        long listing (LIST)
  cwd:PATH           change directory
  stor:NAME:BYTES    upload BYTES bytes as NAME (STOR)
  appe:NAME:BYTES    append BYTES bytes to NAME (APPE)
  size:PATH          SIZE
  split-port:AT      the next PORT goes out in two TCP segments: its first AT
                     bytes, a pause (--split-pause, default 0.05 s), the rest

ftplib picks the data command itself: PASV on IPv4, EPSV on IPv6 in passive mode;
PORT on IPv4, EPRT on IPv6 in active mode (--active). Every command and reply is
printed (debuglevel 1). An FTP error on one operation is printed and the script
goes on; the exit status is 1 if any operation failed, 2 on a connection error.
"""

import argparse
import ftplib
import io
import socket
import sys
import time


class SplitFTP(ftplib.FTP):
    """ftplib with a PORT that can be written in two TCP segments."""

    split_at = 0
    split_pause = 0.05

    def sendport(self, host, port):
        if not self.split_at:
            return super().sendport(host, port)
        at, self.split_at = self.split_at, 0
        line = "PORT " + ",".join(host.split(".") + [str(port >> 8), str(port & 0xFF)])
        data = (line + "\r\n").encode(self.encoding)
        if self.debugging:
            print("*cmd*", repr(line), "in two segments, split after %d bytes" % at)
        # TCP_NODELAY: the first part leaves at once, not held back by
        # Nagle until the second is written.
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.sendall(data[:at])
        time.sleep(self.split_pause)
        self.sock.sendall(data[at:])
        return self.voidresp()


def payload(n):
    line = b"uploaded by ftplib in the ftpsniff lab\n"
    return (line * (n // len(line) + 1))[:n]


def run_op(ftp, op):
    kind, _, arg = op.partition(":")
    if kind == "retr":
        sink = io.BytesIO()
        print(ftp.retrbinary("RETR " + arg, sink.write))
        print("got %d bytes" % sink.tell())
    elif kind == "nlst":
        print(ftp.nlst(*([arg] if arg else [])))
    elif kind == "list":
        lines = []
        ftp.retrlines("LIST" + (" " + arg if arg else ""), lines.append)
        print("\n".join(lines))
    elif kind == "cwd":
        print(ftp.cwd(arg))
    elif kind == "size":
        print(ftp.size(arg))
    elif kind == "split-port":
        ftp.split_at = int(arg)
    elif kind in ("stor", "appe"):
        name, _, count = arg.partition(":")
        data = payload(int(count or "1024"))
        print(ftp.storbinary("%s %s" % (kind.upper(), name), io.BytesIO(data)))
    else:
        raise SystemExit("unknown op %r" % op)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("host")
    ap.add_argument("ops", nargs="*")
    ap.add_argument("--port", type=int, default=21)
    ap.add_argument("--active", action="store_true", help="PORT/EPRT instead of PASV/EPSV")
    ap.add_argument("--timeout", type=float, default=3.0)
    ap.add_argument("--user", default="anonymous")
    ap.add_argument("--password", default="anonymous@")
    ap.add_argument("--split-pause", type=float, default=0.05)
    a = ap.parse_args()

    failed = False
    ftp = SplitFTP(timeout=a.timeout)
    ftp.split_pause = a.split_pause
    ftp.set_debuglevel(1)
    try:
        ftp.connect(a.host, a.port)
        ftp.login(a.user, a.password)
        ftp.set_pasv(not a.active)
        for op in a.ops:
            try:
                run_op(ftp, op)
            except ftplib.all_errors as e:
                print("%s failed: %s" % (op, e))
                failed = True
        ftp.quit()
    except (OSError, EOFError, ftplib.Error) as e:
        print("connection error: %s" % e)
        ftp.close()
        return 2
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
