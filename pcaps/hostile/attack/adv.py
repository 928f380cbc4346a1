# A server (or client) that names a third host or a service's port in its
# announcement (review rev42, rv-attack2): client 10.2.0.5 and server
# 10.2.0.9 on one network, one session per capture.
# python3 adv.py (writes the captures below into this directory)
import os, sys
here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
from lib import Cap, Conn
C, S = '10.2.0.5', '10.2.0.9'
def login(cap):
    c = Conn(cap, C, 40000, S, 21); c.hs()
    c.send('s', b'220 FTP ready\r\n'); c.send('c', b'USER bob\r\n'); c.send('s', b'331 pw\r\n')
    c.send('c', b'PASS pw\r\n'); c.send('s', b'230 ok\r\n'); return c
def syns(cap, src, sp, dst, dp):
    d = Conn(cap, src, sp, dst, dp)
    for i in range(3): d.raw('c', 'S', ack=0, dt=1.0 * (2 ** i))
def passive(c, cmd, reply, dial=None):
    c.send('c', cmd + b'\r\n'); c.send('s', reply + b'\r\n'); c.send('c', b'LIST\r\n')
    if dial: syns(c.cap, C, 50000, dial[0], dial[1])
    c.cap.t += 15; c.send('s', b'425 Cannot open data connection\r\n')
def end(c): c.send('c', b'QUIT\r\n'); c.send('s', b'221 bye\r\n'); c.close()
def pasv_third_445(c):  # a 227 naming a third host's port 445
    passive(c, b'PASV', b'227 Entering Passive Mode (192,0,2,99,1,189).', ('192.0.2.99', 445))
def pasv_own_22(c):  # a 227 naming the server's own port 22
    passive(c, b'PASV', b'227 Entering Passive Mode (10,2,0,9,0,22).', (S, 22))
def epsv_22(c):  # a 229 naming port 22
    passive(c, b'EPSV', b'229 Entering Extended Passive Mode (|||22|)', (S, 22))
def pasv_broadcast(c):  # a 227 naming the limited broadcast address
    passive(c, b'PASV', b'227 Entering Passive Mode (255,255,255,255,156,65).')
def epsv_with_addr(c):  # a 229 filling in the address RFC 2428 wants empty
    passive(c, b'EPSV', b'229 Entering Extended Passive Mode (|1|203.0.113.50|40000|)', (S, 40000))
def port_third(c):  # a PORT naming a third host's port 3389 (a bounce), accepted
    c.send('c', b'PORT 198,51,100,7,13,61\r\n'); c.send('s', b'200 ok\r\n'); c.send('c', b'LIST\r\n')
    syns(c.cap, S, 20, '198.51.100.7', 3389)
    c.cap.t += 15; c.send('s', b'425 Cannot open data connection\r\n')
for f in (pasv_third_445, pasv_own_22, epsv_22, pasv_broadcast, epsv_with_addr, port_third):
    cap = Cap(); c = login(cap); f(c); end(c)
    cap.write(os.path.join(here, 'adv_' + f.__name__ + '.pcap'))
