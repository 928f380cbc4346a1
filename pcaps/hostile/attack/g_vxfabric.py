# The same session as g_vxfake.py, carried as a monitored VXLAN fabric
# carries it: the client's packets from its VTEP 192.0.2.11 to the
# server's 192.0.2.22, the server's back the other way. The bounce stands
# unhedged (what ftpsniff shows of a real fabric's mirrored tunnel).
import sys, struct; sys.path.insert(0,'.')
from inj_lib import *
MAC=b'\x02\0\0\0\0\x02\x02\0\0\0\0\x01'
VTEP={C:'192.0.2.11'}
def vxlan(ip):
    inner=MAC+b'\x08\x00'+ip
    vx=struct.pack('!II',0x08000000,42<<8)+inner
    udp=struct.pack('!HHHH',40000,4789,8+len(vx),0)+vx
    src=ip4(C)==ip[12:16] or ip[12:16]==ip4('10.9.9.9')
    a,b=('192.0.2.11','192.0.2.22') if src else ('192.0.2.22','192.0.2.11')
    return eth(ip4hdr(a,b,len(udp),proto=17)+udp)
cap=Cap(); cap.wrap=vxlan
k=Conn(cap,C,48400,S,21); k.hs(); login(k)
k.send('c','PORT 10,9,9,9,0,25\r\n'); k.send('s','200 PORT command successful.\r\n'); k.send('c','RETR mail.txt\r\n')
d=Conn(cap,S,20,'10.9.9.9',25,cisn=70000,sisn=90000); d.hs(); k.send('s','150 ok\r\n'); d.send('c',b'HELO x\r\nMAIL FROM:<a@b>\r\n'); d.close(); k.send('s','226 done\r\n')
k.send('c','QUIT\r\n'); k.send('s','221 bye\r\n'); k.close()
cap.write('vxlan_fabric_bounce.pcap')
