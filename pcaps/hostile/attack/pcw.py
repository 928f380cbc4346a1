# pcw.py: a streaming pcap writer (W) and a TCP connection on it (Conn), for manyservers.py.
import struct, socket
def csum(b):
    if len(b)%2: b+=b'\0'
    s=sum(struct.unpack('!%dH'%(len(b)//2),b)); s=(s>>16)+(s&0xffff); s+=s>>16
    return (~s)&0xffff
class W:
    def __init__(s,fn):
        s.f=open(fn,'wb'); s.f.write(struct.pack('<IHHiIII',0xa1b2c3d4,2,4,0,0,65535,1)); s.t=1767225600.0
    def pkt(s,data,t=None):
        if t is None: s.t+=0.001; t=s.t
        s.f.write(struct.pack('<IIII',int(t),int((t%1)*1e6),len(data),len(data))); s.f.write(data)
    def ip(s,src,dst,proto,payload,t=None,ident=0,frag=0):
        h=struct.pack('!BBHHHBBH4s4s',0x45,0,20+len(payload),ident,frag,64,proto,0,socket.inet_aton(src),socket.inet_aton(dst))
        h=h[:10]+struct.pack('!H',csum(h))+h[12:]
        s.pkt(b'\0'*6+b'\x02'+b'\0'*5+b'\x08\x00'+h+payload,t)
    def tcp(s,src,sp,dst,dp,seq,ack,flags,payload=b'',t=None):
        fl=0
        for c,v in zip('FSRPA',(1,2,4,8,16)):
            if c in flags: fl|=v
        h=struct.pack('!HHIIBBHHH',sp,dp,seq&0xffffffff,ack&0xffffffff,5<<4,fl,65535,0,0)
        ph=struct.pack('!4s4sBBH',socket.inet_aton(src),socket.inet_aton(dst),0,6,len(h)+len(payload))
        c=csum(ph+h+payload); h=h[:16]+struct.pack('!H',c)+h[18:]
        s.ip(src,dst,6,h+payload,t)
    def close(s): s.f.close()
class Conn:
    def __init__(s,w,c,cp,sv,sp,isn_c=1000,isn_s=5000,hs=True):
        s.w=w; s.c=c; s.cp=cp; s.s=sv; s.sp=sp; s.cs=isn_c+1; s.ss=isn_s+1
        if hs:
            w.tcp(c,cp,sv,sp,isn_c,0,'S'); w.tcp(sv,sp,c,cp,isn_s,s.cs,'SA'); w.tcp(c,cp,sv,sp,s.cs,s.ss,'A')
    def cl(s,data,flags='PA'):
        for i in range(0,max(len(data),1),1400):
            ch=data[i:i+1400]; s.w.tcp(s.c,s.cp,s.s,s.sp,s.cs,s.ss,flags,ch); s.cs+=len(ch)
    def sv(s,data,flags='PA'):
        for i in range(0,max(len(data),1),1400):
            ch=data[i:i+1400]; s.w.tcp(s.s,s.sp,s.c,s.cp,s.ss,s.cs,flags,ch); s.ss+=len(ch)
    def ackc(s): s.w.tcp(s.s,s.sp,s.c,s.cp,s.ss,s.cs,'A')
    def ftp(s,cmd,rep):
        if cmd is not None: s.cl(cmd+b'\r\n')
        if rep is not None: s.sv(rep+b'\r\n')
    def fin(s):
        s.w.tcp(s.c,s.cp,s.s,s.sp,s.cs,s.ss,'FA'); s.cs+=1
        s.w.tcp(s.s,s.sp,s.c,s.cp,s.ss,s.cs,'FA'); s.ss+=1
        s.w.tcp(s.c,s.cp,s.s,s.sp,s.cs,s.ss,'A')
