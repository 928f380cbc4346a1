import sys; sys.path.insert(0,'.')
from rta_pc import *
from rta_ml import ctl
cap=Cap(); c=Conn(cap,'10.0.0.2',40001,'10.0.0.9',21)
t=ctl(c,1.0,b'227 Entering Passive Mode (10,0,0,9,195,80)\r\n')
c.s2c(t,b'150 Opening BINARY mode data connection for f (4344 bytes)\r\n')
d=Conn(cap,'10.0.0.2',40002,'10.0.0.9',50000); d.hs(t+0.01)
t+=0.03
d.s2c(t,b'x'*1448)          # seen + acked
# next 2 segments lost by the capture, along with the client's ACK
d.ss+=2*1448
# FIN seen
cap.tcp(t+0.002,'10.0.0.9',50000,'10.0.0.2',40002,d.ss,d.cs,'FA'); d.ss+=1
# client's ACK of everything lost by capture; client resets (linger 0) with RST|ACK acking everything
cap.tcp(t+0.05,'10.0.0.2',40002,'10.0.0.9',50000,d.cs,d.ss,'RA')
c.s2c(t+0.06,b'226 Transfer complete\r\n'); c.c2s(t+0.1,b'QUIT\r\n'); c.s2c(t+0.11,b'221 bye\r\n')
cap.write('finhole-rstack.pcap')
