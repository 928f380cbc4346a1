# Passive replies whose pairing slipped by one (read-through rt-b): a 500
# to a blank line before the PASV (shifted_blank), a second 200 to the
# TYPE before it (shifted_extra200); the 227 comes next, and the client
# connects to it. Run from this directory: python3 shifted.py
import sys; sys.path.insert(0, '.')
from inj_lib import *

def base(name, body):
    cap = Cap(); k = Conn(cap, C, 40001, S, 21); k.hs(); login(k); body(cap, k)
    k.send('c', 'QUIT\r\n'); k.send('s', '221 bye\r\n'); k.close(); cap.write(name + '.pcap')

def data(cap, port, n=100, cp=50001):
    d = Conn(cap, C, cp, S, port, cisn=70000, sisn=90000); d.hs(); d.send('s', b'x' * n); d.close()

def blank(cap, k):
    k.send('c', '\r\nPASV\r\n')
    k.send('s', '500 Syntax error, command unrecognized.\r\n227 Entering Passive Mode (10,0,0,1,156,64)\r\n')
    k.send('c', 'RETR f.txt\r\n'); data(cap, 40000); k.send('s', '150 ok\r\n'); k.send('s', '226 done\r\n')

def extra200(cap, k):
    k.send('c', 'TYPE I\r\n'); k.send('s', '200 Type set to I\r\n')
    k.send('c', 'PASV\r\n'); k.send('s', '200 Binary mode\r\n'); k.send('s', '227 Entering Passive Mode (10,0,0,1,156,64)\r\n')
    k.send('c', 'RETR f.txt\r\n'); data(cap, 40000); k.send('s', '150 ok\r\n'); k.send('s', '226 done\r\n')

base('shifted_blank', blank)
base('shifted_extra200', extra200)
