import sys; sys.path.insert(0,'.')
from rta_pc import *
import os
def rec(t,n): return bytes([t,3,3])+struct.pack('!H',n)+os.urandom(n)
for name,closer in [('tls12-implicit-probe', 'alert'),('tls12-implicit-421','none')]:
    cap=Cap(); c=Conn(cap,'10.0.0.2',40001,'10.0.0.9',990)
    t=1.0; c.hs(t)
    c.c2s(t+0.02,bytes([22,3,1])+struct.pack('!H',200)+os.urandom(200))
    flight=rec(22,3000)
    for i in range(0,len(flight),1448):
        c.s2c(t+0.03+i/1e6,flight[i:i+1448],ack=(i+1448>=len(flight)))
    c.c2s(t+0.05,rec(22,70)+rec(20,1)+rec(22,40))
    c.s2c(t+0.06,rec(20,1)+rec(22,40))
    c.s2c(t+0.08,rec(23,60))  # 220 greeting or 421
    if closer=='alert':
        c.c2s(t+0.2,rec(21,26))
        c.c2s(t+0.21,b'',flags='FA')
        c.s2c(t+0.22,b'',flags='FA')
    else:
        c.s2c(t+0.09,b'',flags='FA')
        c.c2s(t+0.1,rec(21,26))
        c.c2s(t+0.11,b'',flags='FA')
    cap.write(name+'.pcap')
