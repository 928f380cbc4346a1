import sys; sys.path.insert(0,'.')
from lib import *
C,S='10.1.0.5','10.2.0.9'
def login(cap,cp=40000):
    c=Conn(cap,C,cp,S,21); c.hs()
    c.send('s',b'220 FTP ready\r\n'); c.send('c',b'USER bob\r\n'); c.send('s',b'331 pw\r\n')
    c.send('c',b'PASS pw\r\n'); c.send('s',b'230 ok\r\n'); return c
def pasv(c, addr, port, mode='unans', realdial=None, list_=True):
    a=addr.split('.'); c.send('c',b'PASV\r\n')
    c.send('s',('227 Entering Passive Mode (%s,%s,%d,%d).\r\n'%(','.join(a),'',port>>8,port&255)).replace(',,',',').encode())
    if list_: c.send('c',b'LIST\r\n')
    tgt = realdial or addr
    d=Conn(c.cap,C,c.cp+1000+port%1000,tgt,port)
    if mode=='unans':
        for i in range(3): d.raw('c','S',ack=0,dt=1.0*(2**i))
        c.cap.t+=15; c.send('s',b'425 Cannot open data connection\r\n')
    elif mode=='rst':
        d.raw('c','S',ack=0); d.raw('s','RA',seq=0,ack=d.cs+1)
        c.send('s',b'425 Cannot open data connection\r\n')
    elif mode=='ok':
        d.hs(); c.send('s',b'150 ok\r\n'); d.send('s',b'x'*100); d.close(); c.send('s',b'226 ok\r\n')
    d.cp
def end(c): c.send('c',b'QUIT\r\n'); c.send('s',b'221 bye\r\n'); c.close()
def one(name, f):
    cap=Cap(); f(cap); cap.write('fw/%s.pcap'%name)
def otherhost_client(cap):
    c=login(cap); pasv(c,S,40001,'unans',realdial='10.9.9.9'); end(c)
def otherhost_client_then_ok(cap):
    c=login(cap); pasv(c,S,40001,'unans',realdial='10.9.9.9', list_=True); pasv(c,S,40002,'ok'); end(c)
def srv_third_host(cap):
    c=login(cap); pasv(c,'10.2.0.77',22,'rst'); end(c)
def srv_port_22(cap):
    c=login(cap); pasv(c,S,22,'unans'); end(c)
def srv_ports_spread(cap):
    for i,p in enumerate((22,3306,445,5432,6379,11211)):
        c=login(cap,40000+i*3); pasv(c,S,p,'unans'); end(c)
def srv_ports_wide(cap):
    for i,p in enumerate((1025,65000,30000,12000)):
        c=login(cap,40000+i*3); pasv(c,S,p,'unans'); end(c)
def srv_public_third(cap):
    c=login(cap); pasv(c,'8.8.8.8',40001,'unans'); end(c)
if __name__=="__main__":
 for f in (otherhost_client,otherhost_client_then_ok,srv_third_host,srv_port_22,srv_ports_spread,srv_ports_wide,srv_public_third): one(f.__name__,f)
