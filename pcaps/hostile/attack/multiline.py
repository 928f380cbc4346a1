# Multi-line passive replies whose lines name two endpoints (review rev43,
# rv-attack3 g_227.py/g_229.py): the first line (10.0.0.1:40000) and the
# last (10.0.0.1:51210) differ. curl takes the last line's, Python ftplib
# the first match. python3 multiline.py (writes the three below)
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib import Cap, Conn
C, S = '10.0.0.2', '10.0.0.1'
HERE = os.path.dirname(os.path.abspath(__file__))
def mk(name, verb, reply, port):
    cap = Cap(); k = Conn(cap, C, 41000, S, 21); k.hs()
    k.send('s', '220 ready\r\n'); k.send('c', 'USER bob\r\n'); k.send('s', '331 pw\r\n')
    k.send('c', 'PASS hunter2secret\r\n'); k.send('s', '230 ok\r\n')
    k.send('c', verb + '\r\n'); k.send('s', reply)
    k.send('c', 'RETR f\r\n')
    if port:
        d = Conn(cap, C, 50001, S, port, cisn=70000, sisn=90000); d.hs(); d.send('s', b'x' * 100); d.close()
        k.send('s', '150 ok\r\n226 done\r\n')
    else:
        k.send('s', '150 ok\r\n'); cap.t += 30; k.send('s', '425 no conn\r\n')
    k.send('c', 'QUIT\r\n'); k.send('s', '221 bye\r\n'); k.close()
    cap.write(os.path.join(HERE, name))
r227 = '227-Entering Passive Mode (10,0,0,1,156,64)\r\n227 Entering Passive Mode (10,0,0,1,200,10)\r\n'
r229 = '229-Entering Extended Passive Mode (|||40000|)\r\n229 Entering Extended Passive Mode (|||51210|)\r\n'
mk('r227_multiline_last_used.pcap', 'PASV', r227, 51210)
mk('r227_multiline_none.pcap', 'PASV', r227, 0)
mk('r229_multiline_last_used.pcap', 'EPSV', r229, 51210)
