import sys, struct; sys.path.insert(0,'.')
from inj_lib import *
MAC=b'\x02\0\0\0\0\x02\x02\0\0\0\0\x01'
def vxlan(ip):
    inner=MAC+b'\x08\x00'+ip
    vx=struct.pack('!II',0x08000000,42<<8)+inner
    udp=struct.pack('!HHHH',40000,4789,8+len(vx),0)+vx
    return eth(ip4hdr('198.51.100.66','203.0.113.250',len(udp),proto=17)+udp)   # attacker's own address, to any host
cap=Cap(); cap.wrap=vxlan
k=Conn(cap,C,48400,S,21); k.hs(); login(k)
k.send('c','PORT 10,9,9,9,0,25\r\n'); k.send('s','200 PORT command successful.\r\n'); k.send('c','RETR mail.txt\r\n')
d=Conn(cap,S,20,'10.9.9.9',25,cisn=70000,sisn=90000); d.hs(); k.send('s','150 ok\r\n'); d.send('c',b'HELO x\r\nMAIL FROM:<a@b>\r\n'); d.close(); k.send('s','226 done\r\n')
k.send('c','QUIT\r\n'); k.send('s','221 bye\r\n'); k.close()
cap.write('vxlan_fabricated_bounce.pcap')
