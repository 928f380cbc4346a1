import struct, socket
def csum(b):
    if len(b)%2: b+=b'\0'
    s=sum(struct.unpack('!%dH'%(len(b)//2),b)); s=(s>>16)+(s&0xffff); s+=s>>16
    return (~s)&0xffff
class Cap:
    def __init__(s, snap=65535): s.pk=[]; s.snap=snap
    def tcp(s,t,src,sp,dst,dp,seq,ack,flags,payload=b'',win=65535,caplen=None,ttl=64):
        fl=0
        for c,v in zip('FSRPAU',[1,2,4,8,16,32]):
            if c in flags: fl|=v
        th=struct.pack('!HHIIBBHHH',sp,dp,seq&0xffffffff,ack&0xffffffff,5<<4,fl,win,0,0)
        ps=socket.inet_aton(src)+socket.inet_aton(dst)+struct.pack('!BBH',0,6,len(th)+len(payload))
        c=csum(ps+th+payload); th=th[:16]+struct.pack('!H',c)+th[18:]
        ih=struct.pack('!BBHHHBBH4s4s',0x45,0,20+len(th)+len(payload),1,0,ttl,6,0,socket.inet_aton(src),socket.inet_aton(dst))
        ih=ih[:10]+struct.pack('!H',csum(ih))+ih[12:]
        fr=b'\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\x08\x00'+ih+th+payload
        s.pk.append((t,fr,caplen))
    def write(s,fn):
        with open(fn,'wb') as f:
            f.write(struct.pack('<IHHiIII',0xa1b2c3d4,2,4,0,0,s.snap,1))
            for t,fr,cl in s.pk:
                inc=fr if cl is None else fr[:cl]
                sec=int(t//1); us=int(round((t-sec)*1e6))
                f.write(struct.pack('<IIII',sec&0xffffffff,us,len(inc),len(fr))+inc)
class Conn:
    def __init__(s,cap,c,cp,sv,sp,t,isn_c=1000,isn_s=5000):
        s.cap,s.c,s.cp,s.sv,s.sp=cap,c,cp,sv,sp; s.cs=isn_c; s.ss=isn_s; s.t=t
    def hs(s):
        s.cap.tcp(s.t,s.c,s.cp,s.sv,s.sp,s.cs,0,'S'); s.t+=0.001
        s.cap.tcp(s.t,s.sv,s.sp,s.c,s.cp,s.ss,s.cs+1,'SA'); s.t+=0.001
        s.cs+=1; s.ss+=1
        s.cap.tcp(s.t,s.c,s.cp,s.sv,s.sp,s.cs,s.ss,'A'); s.t+=0.001
    def cl(s,data,dt=0.01,**kw):
        s.cap.tcp(s.t,s.c,s.cp,s.sv,s.sp,s.cs,s.ss,'PA',data,**kw); s.cs+=len(data); s.t+=dt
        s.cap.tcp(s.t,s.sv,s.sp,s.c,s.cp,s.ss,s.cs,'A'); s.t+=0.001
    def sv_(s,data,dt=0.01,**kw):
        s.cap.tcp(s.t,s.sv,s.sp,s.c,s.cp,s.ss,s.cs,'PA',data,**kw); s.ss+=len(data); s.t+=dt
        s.cap.tcp(s.t,s.c,s.cp,s.sv,s.sp,s.cs,s.ss,'A'); s.t+=0.001
    def fin(s):
        s.cap.tcp(s.t,s.c,s.cp,s.sv,s.sp,s.cs,s.ss,'FA'); s.cs+=1; s.t+=0.001
        s.cap.tcp(s.t,s.sv,s.sp,s.c,s.cp,s.ss,s.cs,'FA'); s.ss+=1; s.t+=0.001
        s.cap.tcp(s.t,s.c,s.cp,s.sv,s.sp,s.cs,s.ss,'A'); s.t+=0.001
