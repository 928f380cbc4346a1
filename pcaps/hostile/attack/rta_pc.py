import struct
def csum(b):
    if len(b)%2: b+=b'\0'
    s=sum(struct.unpack('!%dH'%(len(b)//2),b))
    while s>>16: s=(s&0xffff)+(s>>16)
    return (~s)&0xffff
def ip4(a): return bytes(int(x) for x in a.split('.'))
class Cap:
    def __init__(s): s.pk=[]
    def tcp(s,t,src,sp,dst,dp,seq,ack,flags,data=b'',win=65535,ttl=64,opts=b''):
        fl=0
        for c,v in zip('FSRPAU',[1,2,4,8,16,32]):
            if c in flags: fl|=v
        hl=20+len(opts)
        th=struct.pack('!HHIIBBHHH',sp,dp,seq&0xffffffff,ack&0xffffffff,(hl//4)<<4,fl,win,0,0)+opts
        ph=ip4(src)+ip4(dst)+struct.pack('!BBH',0,6,len(th)+len(data))
        c=csum(ph+th+data)
        th=th[:16]+struct.pack('!H',c)+th[18:]
        iph=struct.pack('!BBHHHBBH4s4s',0x45,0,20+len(th)+len(data),0,0x4000,ttl,6,0,ip4(src),ip4(dst))
        iph=iph[:10]+struct.pack('!H',csum(iph))+iph[12:]
        eth=b'\x00\x11\x22\x33\x44\x55'+b'\x66\x77\x88\x99\xaa\xbb'+b'\x08\x00'
        s.pk.append((t,eth+iph+th+data))
    def write(s,fn):
        with open(fn,'wb') as f:
            f.write(struct.pack('<IHHiIII',0xa1b2c3d4,2,4,0,0,65535,1))
            for t,d in s.pk:
                f.write(struct.pack('<IIII',int(t),int(round((t-int(t))*1e6)),len(d),len(d))); f.write(d)
    def write_ng(s,fn,filt=None):
        def blk(typ,body):
            pad=(-len(body))%4; L=12+len(body)+pad
            return struct.pack('<II',typ,L)+body+b'\0'*pad+struct.pack('<I',L)
        def opt(code,val):
            pad=(-len(val))%4
            return struct.pack('<HH',code,len(val))+val+b'\0'*pad
        with open(fn,'wb') as f:
            f.write(blk(0x0A0D0D0A,struct.pack('<IHHq',0x1A2B3C4D,1,0,-1)))
            opts=b''
            if filt is not None:
                opts+=opt(11,b'\x00'+filt.encode())
            if opts: opts+=struct.pack('<HH',0,0)
            f.write(blk(1,struct.pack('<HHI',1,0,65535)+opts))
            for t,d in s.pk:
                us=int(round(t*1e6))
                body=struct.pack('<IIIII',0,us>>32,us&0xffffffff,len(d),len(d))+d+b'\0'*((-len(d))%4)
                f.write(blk(6,body))
class Conn:
    """simple TCP conversation helper"""
    def __init__(s,cap,c,cp,sv,sp,cseq=1000,sseq=5000):
        s.cap,s.c,s.cp,s.s,s.sp=cap,c,cp,sv,sp; s.cs=cseq; s.ss=sseq
    def hs(s,t,rtt=0.01):
        s.cap.tcp(t,s.c,s.cp,s.s,s.sp,s.cs,0,'S'); s.cs+=1
        s.cap.tcp(t+rtt/2,s.s,s.sp,s.c,s.cp,s.ss,s.cs,'SA'); s.ss+=1
        s.cap.tcp(t+rtt,s.c,s.cp,s.s,s.sp,s.cs,s.ss,'A')
    def c2s(s,t,data,flags='PA',ack=True):
        s.cap.tcp(t,s.c,s.cp,s.s,s.sp,s.cs,s.ss,flags,data); s.cs+=len(data)+(1 if 'F' in flags else 0)
        if ack: s.cap.tcp(t+0.001,s.s,s.sp,s.c,s.cp,s.ss,s.cs,'A')
    def s2c(s,t,data,flags='PA',ack=True):
        s.cap.tcp(t,s.s,s.sp,s.c,s.cp,s.ss,s.cs,flags,data); s.ss+=len(data)+(1 if 'F' in flags else 0)
        if ack: s.cap.tcp(t+0.001,s.c,s.cp,s.s,s.sp,s.cs,s.ss,'A')
