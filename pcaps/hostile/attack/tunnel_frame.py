# Failed logins forged inside VXLAN from an attacker's own address
# (198.51.100.66) naming a client (203.0.113.9), beside that client's
# own plain ones: login-brute-force weighs each failure's tunnel, not
# only the session whose failure is the fifth. Read-through rt-d.
#   frame_tunnelfirst: 4 forged sessions, then 1 plain failure (hedged)
#   frame_plainfirst:  the same, the plain one first (hedged alike)
#   frame_plainenough: 4 forged, then 5 plain (hedged at the fifth
#                      failure, raised unhedged once the plain ones alone
#                      show guessing)
#   frame_thenplain:   one forged session failing 6 times, going on
#                      outside the tunnel (its hedge kept, JSON alike)
# Run from this directory: python3 tunnel_frame.py
import sys, struct; sys.path.insert(0,'.')
from inj_lib import *
CL='203.0.113.9'
def udp(src,dst,sp,dp,payload):
    u=struct.pack('!HHHH',sp,dp,8+len(payload),0)+payload
    return ip4hdr(src,dst,len(u),proto=17)+u
def vx_from(src,dst):
    def w(ipb):
        return eth(udp(src,dst,49152,4789,b'\x08\0\0\0'+struct.pack('!I',100<<8)+eth(ipb)))
    return w
FORGED=vx_from('198.51.100.66','10.0.0.1')
def sess(cap,i,pw):
    k=Conn(cap,CL,41000+i,S,21,cisn=1000+i*500,sisn=9000+i*700); k.hs()
    k.send('s','220 ready\r\n'); k.send('c','USER admin\r\n'); k.send('s','331 pw\r\n'); k.send('c','PASS %s\r\n'%pw); k.send('s','530 Login incorrect.\r\n',dt=0.3); k.send('c','QUIT\r\n'); k.send('s','221 bye\r\n'); k.close()
def gen(name,order):
    cap=Cap()
    for i,forged in enumerate(order):
        cap.wrap=FORGED if forged else None
        sess(cap,i,'guess%d'%i)
    cap.write(name)
gen('frame_tunnelfirst.pcap',[1,1,1,1,0])
gen('frame_plainfirst.pcap',[0,1,1,1,1])
gen('frame_plainenough.pcap',[1,1,1,1,0,0,0,0,0])
cap=Cap(); cap.wrap=FORGED
k=Conn(cap,CL,42000,S,21); k.hs(); k.send('s','220 ready\r\n')
for i in range(6):
    k.send('c','USER admin\r\n'); k.send('s','331 pw\r\n'); k.send('c','PASS g%d\r\n'%i); k.send('s','530 Login incorrect.\r\n',dt=0.3)
cap.wrap=None; k.send('c','NOOP\r\n'); k.send('s','200 ok\r\n'); k.send('c','QUIT\r\n'); k.send('s','221 bye\r\n'); k.close()
cap.write('frame_thenplain.pcap')
