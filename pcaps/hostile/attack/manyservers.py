# manyservers.py N FILE [srv|cli]: N FTP sessions, each logged in, whose PASV
# data connection's SYN gets no answer (error data-unanswered); srv: each at
# a server of its own, 11.x.y.z:21 (addresses a sender chooses); cli: all at
# 10.0.0.1:21, each from a client of its own. Streams the pcap (pcw.py).
import sys, os; sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pcw import *
n=int(sys.argv[1]); fn=sys.argv[2]; mode=sys.argv[3] if len(sys.argv)>3 else 'srv'
w=W(fn)
for i in range(n):
    if mode=='srv':
        sv='11.%d.%d.%d'%((i>>16)&255,(i>>8)&255,i&255); cl='10.0.0.2'
    else:
        sv='10.0.0.1'; cl='12.%d.%d.%d'%((i>>16)&255,(i>>8)&255,i&255)
    c=Conn(w,cl,1024+(i%60000),sv,21,isn_c=i*7919)
    c.ftp(None,b'220 x'); c.ftp(b'USER u%d'%i,b'331 p'); c.ftp(b'PASS p',b'230 ok')
    port=1024+(i*13)%60000
    c.ftp(b'PASV',b'227 Entering Passive Mode (%s,%d,%d)'%(sv.replace('.',',').encode(),port>>8,port&255))
    c.ftp(b'LIST',None); w.tcp(cl,2000,sv,port,5,0,'S'); c.ftp(None,b'425 no')
    c.ftp(b'QUIT',b'221 bye'); c.fin()
w.close()
