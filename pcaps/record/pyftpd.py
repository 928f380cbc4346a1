#!/usr/bin/python3
"""pyftpd.py: pyftpdlib (Debian's python3-pyftpdlib) as the lab's anonymous server.

Anonymous, read-only (pyftpdlib's default anonymous permissions "elr") on
--root, passive ports from --passive-ports (default 40000-40100), every
command and reply logged (DEBUG) to standard error. Options map one to one
onto pyftpdlib's own settings, so a capture names what the server ran with:

  --masquerade-address ADDR   FTPHandler.masquerade_address (the 227's address)
  --permit-foreign            FTPHandler.permit_foreign_addresses = True
  --tls CERT KEY              TLS_FTPHandler (needs python3-openssl) with
                              certfile/keyfile; --tls-control-required and
                              --tls-data-required set tls_control_required /
                              tls_data_required
Runs in the foreground until SIGTERM/SIGINT (netlab_pyftpdlib records its PID).
"""

import argparse
import logging
import signal
import sys

from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer


def port_range(text):
    lo, sep, hi = text.partition("-")
    if not sep or not lo.isdigit() or not hi.isdigit() or not 0 < int(lo) <= int(hi) < 65536:
        raise argparse.ArgumentTypeError("want LOW-HIGH, e.g. 40000-40100, got %r" % text)
    return range(int(lo), int(hi) + 1)


def main():
    ap = argparse.ArgumentParser(description="anonymous read-only pyftpdlib server for the ftpsniff lab")
    ap.add_argument("--root", required=True, help="the anonymous tree")
    ap.add_argument("--address", default="0.0.0.0")
    ap.add_argument("--port", type=int, default=21)
    ap.add_argument("--passive-ports", type=port_range, default=port_range("40000-40100"))
    ap.add_argument("--masquerade-address")
    ap.add_argument("--permit-foreign", action="store_true")
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--tls-control-required", action="store_true")
    ap.add_argument("--tls-data-required", action="store_true")
    a = ap.parse_args()

    logging.basicConfig(stream=sys.stderr, level=logging.DEBUG,
                        format="%(asctime)s %(levelname)s %(message)s")
    if a.tls:
        from pyftpdlib.handlers import TLS_FTPHandler  # ImportError without python3-openssl
        handler = TLS_FTPHandler
        handler.certfile, handler.keyfile = a.tls
        handler.tls_control_required = a.tls_control_required
        handler.tls_data_required = a.tls_data_required
    else:
        handler = FTPHandler
    authorizer = DummyAuthorizer()
    authorizer.add_anonymous(a.root)  # perm "elr": read-only
    handler.authorizer = authorizer
    handler.passive_ports = a.passive_ports
    handler.masquerade_address = a.masquerade_address
    handler.permit_foreign_addresses = a.permit_foreign
    handler.banner = "pyftpdlib ready (ftpsniff lab)"

    server = FTPServer((a.address, a.port), handler)
    # Bounded sessions: the lab never needs more, and a stuck client cannot pile up.
    server.max_cons = 32

    # SIGTERM as SystemExit: serve_forever closes every session on it.
    def stop(signum, frame):
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    server.serve_forever()


if __name__ == "__main__":
    main()
