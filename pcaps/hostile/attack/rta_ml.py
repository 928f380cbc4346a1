import sys; sys.path.insert(0,'.')
from rta_pc import *
def ctl(c,t,pasv_reply,connect=None,filt=None,name=None):
    c.hs(t); t+=0.02
    c.s2c(t,b'220 ready\r\n'); t+=0.02
    c.c2s(t,b'USER bob\r\n'); t+=0.01
    c.s2c(t,b'331 pw\r\n'); t+=0.01
    c.c2s(t,b'PASS x\r\n'); t+=0.01
    c.s2c(t,b'230 ok\r\n'); t+=0.01
    c.c2s(t,b'PASV\r\n'); t+=0.01
    c.s2c(t,pasv_reply); t+=0.01
    c.c2s(t,b'RETR f\r\n'); t+=0.01
    return t
# 1: junk in last line, real on first; client connects to neither (blocked) -> 425
cap=Cap(); c=Conn(cap,'10.0.0.2',40001,'10.0.0.9',21)
t=ctl(c,1.0,b'227-Entering Passive Mode (10,0,0,9,195,80)\r\n227 Note: 1,2,3,4,5,6 ignored\r\n')
c.s2c(t+20,b'425 Failed to establish connection.\r\n')
c.c2s(t+20.1,b'QUIT\r\n'); c.s2c(t+20.2,b'221 bye\r\n')
cap.write('ml227-junk-last-425.pcap')
# 2: junk in first line, real in last; client connects to real and data ok
cap=Cap(); c=Conn(cap,'10.0.0.2',40001,'10.0.0.9',21)
t=ctl(c,1.0,b'227-Note: 10,0,0,1,1,1 is not used\r\n227 Entering Passive Mode (10,0,0,9,195,80)\r\n')
c.s2c(t,b'150 here\r\n')
d=Conn(cap,'10.0.0.2',40002,'10.0.0.9',50000); d.hs(t+0.01)
d.s2c(t+0.03,b'x'*500); d.s2c(t+0.04,b'',flags='FA'); d.c2s(t+0.05,b'',flags='FA')
c.s2c(t+0.06,b'226 done\r\n'); c.c2s(t+0.1,b'QUIT\r\n'); c.s2c(t+0.11,b'221 bye\r\n')
cap.write('ml227-junk-first-ok.pcap')
