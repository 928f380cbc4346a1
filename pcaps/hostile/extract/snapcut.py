# A passive RETR of 1,000 bytes whose data segment the capture kept 54
# bytes of (tcpdump -s 54: the headers alone); the client acknowledged
# them all, 226. python3 snapcut.py (writes snapcut.pcap here)
import sys; sys.path.insert(0, '.')
from pc import *

cap = Cap(snap=54)
c, sv, dport, t = '10.0.0.1', '10.0.0.2', 50000, 1700000000.0
k = Conn(cap, c, 40000, sv, 21, t); k.hs()
k.sv_(b'220 hi\r\n'); k.cl(b'USER bob\r\n'); k.sv_(b'331 pw\r\n'); k.cl(b'PASS x\r\n'); k.sv_(b'230 ok\r\n')
k.cl(b'PASV\r\n'); k.sv_(b'227 Entering Passive Mode (10,0,0,2,195,80)\r\n')
k.cl(b'RETR f.txt\r\n')
d = Conn(cap, c, 40001, sv, dport, k.t); d.hs(); k.t = d.t
k.sv_(b'150 go\r\n'); d.t = k.t
d.sv_(bytes(range(250)) * 4, caplen=54); d.fin(); k.t = d.t
k.sv_(b'226 done\r\n'); k.cl(b'QUIT\r\n'); k.sv_(b'221 bye\r\n'); k.fin()
cap.write('snapcut.pcap')
