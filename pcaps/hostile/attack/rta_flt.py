import sys; sys.path.insert(0,'.')
from rta_pc import *
from rta_ml import ctl
for name,f in [('flt-port21','port 21'),('flt-prec','tcp or udp and port 21'),('flt-notport','not port 22 and not port 443'),('flt-paren','(tcp port 21) or (udp port 53)'),('flt-ftpdata','port ftp or port ftp-data')]:
    cap=Cap(); c=Conn(cap,'10.0.0.2',40001,'10.0.0.9',21)
    t=ctl(c,1.0,b'227 Entering Passive Mode (10,0,0,9,195,80)\r\n')
    c.s2c(t+20,b'425 Failed to establish connection.\r\n')
    c.c2s(t+20.1,b'QUIT\r\n'); c.s2c(t+20.2,b'221 bye\r\n')
    cap.write_ng(name+'.pcapng',f)
