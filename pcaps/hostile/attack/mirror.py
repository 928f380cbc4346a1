# A cloud mirror (AWS VPC Traffic Mirroring, Azure vTAP): both sides inside
# VXLAN from one mirror source 172.31.0.5 to the collector 172.31.0.9, 30
# failed logins (brute_awsmirror); brute_plain the same without the tunnel.
# Read-through rt-b. Run from this directory: python3 mirror.py
import sys; sys.path.insert(0,'.')
from inj_lib import *
import struct
OS,OD='172.31.0.5','172.31.0.9'
def udp(src,dst,sp,dp,payload):
    u=struct.pack('!HHHH',sp,dp,8+len(payload),0)+payload
    return ip4hdr(src,dst,len(u),proto=17)+u
def vx(ipb):
    inner=eth(ipb)
    return eth(udp(OS,OD,49152,4789,b'\x08\0\0\0'+struct.pack('!I',100<<8)+inner))
def gen(name,wrap):
    cap=Cap(); cap.wrap=wrap
    for i in range(30):
        k=Conn(cap,'198.51.100.7',41000+i,S,21,cisn=1000+i*500,sisn=9000+i*700); k.hs()
        k.send('s','220 ready\r\n'); k.send('c','USER admin\r\n'); k.send('s','331 pw\r\n'); k.send('c','PASS guess%d\r\n'%i); k.send('s','530 Login incorrect.\r\n',dt=0.5); k.send('c','QUIT\r\n'); k.send('s','221 bye\r\n'); k.close()
    cap.write(name)
gen('brute_plain.pcap',None); gen('brute_awsmirror.pcap',vx)
