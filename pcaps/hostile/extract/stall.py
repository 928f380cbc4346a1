# Passive RETRs of 1,536 bytes whose first segment the server sends three
# times, none of the client's data-connection ACKs in the capture:
#   stall-noacks.pcap   nothing of the client's after the handshake, 226
#                       (its ACKs lost to the capture: an asymmetric path)
#   stall-rst-426.pcap  the client's RST acknowledging none of them, 426
#                       (the transfer stalled: nothing arrived)
# python3 stall.py (writes both here)
import sys; sys.path.insert(0, '.')
from pc import *

def stall(name, rst):
    cap = Cap(); t = 1700000000.0
    c, sv, dport = '10.0.0.1', '10.0.0.2', 50000
    k = Conn(cap, c, 40000, sv, 21, t); k.hs()
    k.sv_(b'220 hi\r\n'); k.cl(b'USER bob\r\n'); k.sv_(b'331 pw\r\n'); k.cl(b'PASS x\r\n'); k.sv_(b'230 ok\r\n')
    k.cl(b'TYPE I\r\n'); k.sv_(b'200 ok\r\n')
    k.cl(b'PASV\r\n'); k.sv_(b'227 Entering Passive Mode (10,0,0,2,195,80)\r\n')
    k.cl(b'RETR f.bin\r\n')
    d = Conn(cap, c, 40001, sv, dport, k.t); d.hs(); k.t = d.t
    k.sv_(b'150 go\r\n'); t = k.t
    body = bytes(range(256)) * 6  # 1536
    seg = [body[i:i+512] for i in range(0, 1536, 512)]
    s0 = d.ss
    for i, p in enumerate(seg):
        cap.tcp(t, sv, dport, c, 40001, s0+512*i, d.cs, 'PA', p); t += 0.001
    for dt in (0.3, 0.9):  # the first segment sent again: no ACK reached the server
        cap.tcp(t+dt, sv, dport, c, 40001, s0, d.cs, 'PA', seg[0])
    t += 1.0
    if rst:
        cap.tcp(t, c, 40001, sv, dport, d.cs, s0, 'RA'); t += 0.01
        k.t = t
        k.sv_(b'426 Failure writing network stream.\r\n')
    else:
        cap.tcp(t, sv, dport, c, 40001, s0+1536, d.cs, 'FA'); t += 0.01
        k.t = t
        k.sv_(b'226 Transfer complete\r\n')
    k.cl(b'QUIT\r\n'); k.sv_(b'221 bye\r\n'); k.fin()
    cap.write(name)

stall('stall-noacks.pcap', False)
stall('stall-rst-426.pcap', True)
