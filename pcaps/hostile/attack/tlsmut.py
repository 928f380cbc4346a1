import struct, sys
sys.path.insert(0,'.')
from lib import csum
src='/work/main/pcaps/real/vsftpd-ftps-small.pcap'
b=open(src,'rb').read()
hdr=b[:24]; magic,=struct.unpack('<I',b[:4]); assert magic in (0xa1b2c3d4,0xa1b23c4d), hex(magic)
off=24; recs=[]
while off<len(b):
    ts,us,cl,ol=struct.unpack('<IIII',b[off:off+16]); d=b[off+16:off+16+cl]; recs.append([ts,us,d]); off+=16+cl
def tcpinfo(d):
    if d[12:14]!=b'\x08\x00': return None
    ip=d[14:]; ihl=(ip[0]&15)*4; t=ip[ihl:]
    return ip, ihl, struct.unpack('!HH',t[:4]), t[13]
def setdport(d, port, ttl=None):
    ip=bytearray(d[14:]); ihl=(ip[0]&15)*4
    if DST:
        ip[16:20]=bytes(int(x) for x in DST.split('.')); ip[10:12]=b'\0\0'; ip[10:12]=struct.pack('!H',csum(bytes(ip[:ihl])))
    ip[ihl+2:ihl+4]=struct.pack('!H',port); ip[ihl+16:ihl+18]=b'\0\0'
    tl=len(ip)-ihl; ph=ip[12:20]+struct.pack('!BBH',0,6,tl)
    ip[ihl+16:ihl+18]=struct.pack('!H',csum(bytes(ph+ip[ihl:])))
    return d[:14]+bytes(ip)
port=int(sys.argv[1]); DST=sys.argv[3] if len(sys.argv)>3 else None; victim=int(sys.argv[2]) if len(sys.argv)>2 else 55408
out=[]; syn=None
for ts,us,d in recs:
    i=tcpinfo(d)
    if i and victim in i[2]:
        if i[2][0]==victim and i[3]&0x02 and not i[3]&0x10:
            syn=(ts,us,setdport(d,port))
        continue
    out.append((ts,us,d))
# SYN + 2 retransmissions at +1s, +3s
t0=syn[0]+syn[1]/1e6
for k,dt in enumerate((0,1.0,3.0)):
    t=t0+dt; out.append((int(t),int((t%1)*1e6),syn[2]))
out.sort(key=lambda r:r[0]+r[1]/1e6)
with open('tls/ftps_to_%s%d.pcap'%((DST+'_') if DST else '',port),'wb') as f:
    f.write(hdr)
    for ts,us,d in out: f.write(struct.pack('<IIII',ts,us,len(d),len(d))+d)
