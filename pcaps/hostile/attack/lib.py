import struct
def csum(b):
    if len(b) % 2: b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b)//2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff
def ip4(a): return bytes(int(x) for x in a.split('.'))
def tcp_ip(src, dst, sp, dp, seq, ack, flags, payload=b'', ttl=64, urg=0, win=64240):
    fl = 0
    for ch, v in zip('FSRPAU', (1, 2, 4, 8, 16, 32)):
        if ch in flags: fl |= v
    opts = b''
    if 'S' in flags: opts = b'\x02\x04\x05\xb4\x01\x01\x04\x02'
    off = (20 + len(opts)) // 4
    th = struct.pack('!HHIIBBHHH', sp, dp, seq & 0xffffffff, ack & 0xffffffff, off << 4, fl, win, 0, urg) + opts
    ph = ip4(src) + ip4(dst) + struct.pack('!BBH', 0, 6, len(th) + len(payload))
    c = csum(ph + th + payload)
    th = th[:16] + struct.pack('!H', c) + th[18:]
    tot = 20 + len(th) + len(payload)
    ih = struct.pack('!BBHHHBBH4s4s', 0x45, 0, tot, 0, 0x4000, ttl, 6, 0, ip4(src), ip4(dst))
    ih = ih[:10] + struct.pack('!H', csum(ih)) + ih[12:]
    return ih + th + payload
def eth(ipb): return b'\x02\0\0\0\0\x02' + b'\x02\0\0\0\0\x01' + b'\x08\x00' + ipb
class Cap:
    def __init__(s, t=1700000000.0): s.pk=[]; s.t=t
    def add(s, b, dt=0.001): s.t += dt; s.pk.append((s.t, b))
    def write(s, path, snaplen=65535):
        with open(path,'wb') as f:
            f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, snaplen, 1))
            for t,b in s.pk:
                b = eth(b); cap=b[:snaplen]; sec=int(t); us=int(round((t-sec)*1e6))
                if us>=1000000: sec+=1; us-=1000000
                f.write(struct.pack('<IIII', sec, us, len(cap), len(b)) + cap)
class Conn:
    def __init__(s, cap, c, cp, sv, sp, cttl=64, sttl=64, cisn=1000, sisn=5000):
        s.cap=cap; s.c=c; s.cp=cp; s.s=sv; s.sp=sp; s.cs=cisn; s.ss=sisn; s.cttl=cttl; s.sttl=sttl
    def raw(s, d, flags, payload=b'', seq=None, ack=None, dt=0.001, ttl=None, urg=0):
        if d=='c':
            b=tcp_ip(s.c,s.s,s.cp,s.sp, s.cs if seq is None else seq, s.ss if ack is None else ack, flags, payload, ttl or s.cttl, urg)
        else:
            b=tcp_ip(s.s,s.c,s.sp,s.cp, s.ss if seq is None else seq, s.cs if ack is None else ack, flags, payload, ttl or s.sttl, urg)
        s.cap.add(b, dt)
    def hs(s):
        s.raw('c','S',ack=0); s.cs+=1
        s.raw('s','SA'); s.ss+=1
        s.raw('c','A')
    def send(s, d, data, dt=0.001, ack=True):
        if isinstance(data,str): data=data.encode()
        s.raw(d,'PA',data,dt=dt)
        if d=='c': s.cs+=len(data)
        else: s.ss+=len(data)
        if ack: s.raw('s' if d=='c' else 'c','A',dt=0.0002)
    def fin(s, d):
        s.raw(d,'FA')
        if d=='c': s.cs+=1
        else: s.ss+=1
    def close(s):
        s.fin('c'); s.fin('s'); s.raw('c','A')
    def rst(s, d, **kw): s.raw(d,'R' if 'ack' not in kw else 'RA', **kw)
def run(path, *args):
    import subprocess
    r=subprocess.run(['/tmp/rev41/rv-attack/ftpsniff','read','--color','never','--full',*args,path],capture_output=True,text=True)
    return r.stdout+r.stderr
