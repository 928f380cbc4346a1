# Injected end-of-stream bytes and forged exact RSTs (review rev43,
# rv-attack3: its g_inj.py, g_inj2.py, g_inj3.py, g_rst2.py, g_rst3.py,
# byte for byte). Run from this directory: python3 inject.py
import sys; sys.path.insert(0, '.')
from inj_lib import *

def session(port, pasv):
    cap = Cap(); k = Conn(cap, C, port, S, 21); k.hs(); login(k)
    if pasv:
        pasv_xfer(cap, k, port=51210, nbytes=300)
    return cap, k

# After QUIT/221 a line injected (TTL 40) as one side's next bytes; that
# side's real FIN follows at the same sequence number.
def after_quit(name, d, payload, ttl=40):
    cap, k = session(48000, True)
    k.send('c', 'QUIT\r\n'); k.send('s', '221 bye\r\n')
    k.raw(d, 'PA', payload, ttl=ttl)
    k.fin('c'); k.fin('s'); k.raw('c', 'A')
    cap.write('inj_%s.pcap' % name)
after_quit('client_port_third', 'c', 'PORT 10,9,9,9,0,25\r\n')
after_quit('server_229', 's', '229 Extended Passive Mode Entered (|||445|)\r\n')
after_quit('server_227_samettl', 's', '227 Entering Passive Mode (10,0,0,1,0,139)\r\n', ttl=64)

# A 227 injected as the server's next bytes while the session idles (the
# client acknowledges it: nothing tells it was not the server's), and one
# after the 221, before both FINs.
cap, k = session(48000, True)
k.raw('s', 'PA', '227 Entering Passive Mode (10,0,0,1,0,139)\r\n', ttl=40)
cap.t += 1; k.raw('c', 'A', ack=k.ss+44)
cap.write('inj_idle_end.pcap')
cap, k = session(48000, True)
k.send('c', 'QUIT\r\n'); k.send('s', '221 bye\r\n')
k.raw('s', 'PA', '227 Entering Passive Mode (10,0,0,1,0,139)\r\n', ttl=40)
k.fin('c'); k.fin('s'); k.raw('c', 'A')
cap.write('inj_before_fin.pcap')

# A forged PORT raced ahead of the real command of the same length: two
# copies, a conflict.
cap = Cap(); k = Conn(cap, C, 48100, S, 21); k.hs(); login(k)
k.raw('c', 'PA', 'PORT 10,9,9,9,0,25\r\n', ttl=40)
k.send('c', 'CWD /pub/xxxxxxxxx\r\n'); k.send('s', '250 ok\r\n')
k.send('c', 'QUIT\r\n'); k.send('s', '221 bye\r\n'); k.close()
cap.write('inj_mid_port_conflict.pcap')

# A PORT injected after the 221, sent twice; the server's duplicate ACKs
# stay below it, and the client's RST comes at its sequence number.
cap = Cap(); k = Conn(cap, C, 48200, S, 21); k.hs(); login(k)
k.send('c', 'QUIT\r\n'); k.send('s', '221 bye\r\n')
k.raw('c', 'PA', 'PORT 10,9,9,9,0,25\r\n', ttl=40)
k.raw('s', 'A')
cap.t += 0.5; k.raw('c', 'PA', 'PORT 10,9,9,9,0,25\r\n', ttl=40)
k.raw('s', 'A')
k.fin('s'); k.raw('c', 'RA')
cap.write('inj_end_port_rst.pcap')

# An RST forged as the server's at the exact sequence number while a
# command waits for its reply; the server answers 3 s later (a failed
# login's delay, a slow LIST) and the session goes on.
def rst_session(name, fn):
    cap = Cap(); k = Conn(cap, C, 42000, S, 21); k.hs(); login(k)
    fn(cap, k); cap.write('rst_%s.pcap' % name)
def slowcmd(cap, k):
    k.send('c', 'LIST\r\n', ack=False)
    k.raw('s', 'RA', seq=k.ss, ttl=64)
    cap.t += 3; k.send('s', '425 Use PORT or PASV first.\r\n'); k.send('c', 'QUIT\r\n'); k.send('s', '221 bye\r\n'); k.close()
rst_session('slowcmd', slowcmd)
cap = Cap(); k = Conn(cap, C, 42000, S, 21); k.hs()
k.send('s', '220 ready\r\n'); k.send('c', 'USER bob\r\n'); k.send('s', '331 pw\r\n')
k.send('c', 'PASS wrongpw\r\n', ack=False)
k.raw('s', 'RA', seq=k.ss, ttl=50)
cap.t += 3; k.send('s', '530 Login incorrect.\r\n'); k.send('c', 'QUIT\r\n'); k.send('s', '221 bye\r\n'); k.close()
cap.write('rst_failedlogin_ttl50_3s.pcap')
