# From vsftpd-ftps-small.pcap: the FTPS session of client port 35270
# alone (its control connection), its first data connections (client
# ports 54574, 41668, 53954, 55408, as many as ports are given) each cut
# to its SYN moved to the next server port given, unanswered (SYN + 2
# retransmissions at +1 s, +3 s); the session's other data connections
# and the second session dropped. Nothing worked to compare them with
# (misfitOf).
# python3 lone.py OUT.pcap PORT...
import os, struct, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib import csum
out_path = sys.argv[1]
moved = dict(zip((54574, 41668, 53954, 55408), (int(p) for p in sys.argv[2:])))
b = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), '../../real/vsftpd-ftps-small.pcap'), 'rb').read()
hdr = b[:24]; off = 24; recs = []
while off < len(b):
    ts, us, cl, ol = struct.unpack('<IIII', b[off:off+16]); d = b[off+16:off+16+cl]; recs.append([ts, us, d]); off += 16 + cl
def fix(d, dport):
    ip = bytearray(d[14:]); ihl = (ip[0] & 15) * 4
    ip[ihl+2:ihl+4] = struct.pack('!H', dport)
    ip[ihl+16:ihl+18] = b'\0\0'
    tl = len(ip) - ihl; ph = ip[12:20] + struct.pack('!BBH', 0, 6, tl)
    ip[ihl+16:ihl+18] = struct.pack('!H', csum(bytes(ph + ip[ihl:])))
    return d[:14] + bytes(ip)
out = []; syns = {}
for ts, us, d in recs:
    if d[12:14] != b'\x08\x00':
        continue
    ip = d[14:]; ihl = (ip[0] & 15) * 4; t = ip[ihl:]; sp, dp = struct.unpack('!HH', t[:4]); fl = t[13]
    if 35270 in (sp, dp):
        out.append((ts, us, d))
    elif sp in moved and fl & 2 and not fl & 16 and sp not in syns:
        syns[sp] = (ts, us, fix(d, moved[sp]))
for ts, us, d in syns.values():
    t0 = ts + us / 1e6
    for dt in (0, 1.0, 3.0):
        t = t0 + dt; out.append((int(t), int(round((t % 1) * 1e6)), d))
out.sort(key=lambda r: r[0] + r[1] / 1e6)
with open(out_path, 'wb') as f:
    f.write(hdr)
    for ts, us, d in out: f.write(struct.pack('<IIII', ts, us, len(d), len(d)) + d)
