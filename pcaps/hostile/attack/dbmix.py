# From vsftpd-ftps-small.pcap: the whole data connection of client port
# 53954 (answered, carries data) moved to server port A (a "database"
# that works), and the SYN of client port 55408 moved to server port B,
# unanswered (SYN + 2 retransmissions), the rest of it dropped.
import struct, sys
sys.path.insert(0,'/tmp/rev41/rv-rta')
from lib import csum
A=int(sys.argv[1]); B=int(sys.argv[2]); out_path=sys.argv[3]
b=open(__import__('os').path.join(__import__('os').path.dirname(__file__), '../../real/vsftpd-ftps-small.pcap'),'rb').read()
hdr=b[:24]; off=24; recs=[]
while off<len(b):
    ts,us,cl,ol=struct.unpack('<IIII',b[off:off+16]); d=b[off+16:off+16+cl]; recs.append([ts,us,d]); off+=16+cl
def fix(d, sport=None, dport=None):
    ip=bytearray(d[14:]); ihl=(ip[0]&15)*4
    if sport is not None: ip[ihl:ihl+2]=struct.pack('!H',sport)
    if dport is not None: ip[ihl+2:ihl+4]=struct.pack('!H',dport)
    ip[ihl+16:ihl+18]=b'\0\0'
    tl=len(ip)-ihl; ph=ip[12:20]+struct.pack('!BBH',0,6,tl)
    ip[ihl+16:ihl+18]=struct.pack('!H',csum(bytes(ph+ip[ihl:])))
    return d[:14]+bytes(ip)
out=[]; syn=None
for ts,us,d in recs:
    if d[12:14]==b'\x08\x00':
        ip=d[14:]; ihl=(ip[0]&15)*4; t=ip[ihl:]; sp,dp=struct.unpack('!HH',t[:4]); fl=t[13]
        if sp==53954: d=fix(d,dport=A)
        elif dp==53954: d=fix(d,sport=A)
        elif 55408 in (sp,dp):
            if sp==55408 and fl&2 and not fl&16: syn=(ts,us,fix(d,dport=B))
            continue
    out.append((ts,us,d))
t0=syn[0]+syn[1]/1e6
for dt in (0,1.0,3.0):
    t=t0+dt; out.append((int(t),int(round((t%1)*1e6)),syn[2]))
out.sort(key=lambda r:r[0]+r[1]/1e6)
with open(out_path,'wb') as f:
    f.write(hdr)
    for ts,us,d in out: f.write(struct.pack('<IIII',ts,us,len(d),len(d))+d)
