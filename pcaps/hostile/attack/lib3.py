import struct, subprocess
def csum(b):
    if len(b) % 2: b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b)//2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff
def ip4(a): return bytes(int(x) for x in a.split('.'))
def tcphdr(src, dst, sp, dp, seq, ack, flags, payload=b'', urg=0, win=64240, v6=False, opts=b''):
    fl = 0
    for ch, v in zip('FSRPAU', (1, 2, 4, 8, 16, 32)):
        if ch in flags: fl |= v
    if 'S' in flags and not opts: opts = b'\x02\x04\x05\xb4\x01\x01\x04\x02'
    off = (20 + len(opts)) // 4
    th = struct.pack('!HHIIBBHHH', sp, dp, seq & 0xffffffff, ack & 0xffffffff, off << 4, fl, win, 0, urg) + opts
    if v6:
        import ipaddress
        ph = ipaddress.ip_address(src).packed + ipaddress.ip_address(dst).packed + struct.pack('!IxxxB', len(th)+len(payload), 6)
    else:
        ph = ip4(src) + ip4(dst) + struct.pack('!BBH', 0, 6, len(th) + len(payload))
    c = csum(ph + th + payload)
    return th[:16] + struct.pack('!H', c) + th[18:] + payload
def ip4hdr(src, dst, plen, proto=6, ttl=64, ident=0, frag=0x4000, opts=b''):
    hl = 20 + len(opts)
    ih = struct.pack('!BBHHHBBH4s4s', 0x40 | (hl//4), 0, hl + plen, ident, frag, ttl, proto, 0, ip4(src), ip4(dst)) + opts
    return ih[:10] + struct.pack('!H', csum(ih)) + ih[12:]
def tcp_ip(src, dst, sp, dp, seq, ack, flags, payload=b'', ttl=64, urg=0, win=64240):
    th = tcphdr(src, dst, sp, dp, seq, ack, flags, payload, urg, win)
    return ip4hdr(src, dst, len(th), ttl=ttl) + th
def eth(ipb, et=0x0800): return b'\x02\0\0\0\0\x02' + b'\x02\0\0\0\0\x01' + struct.pack('!H', et) + ipb
class Cap:
    def __init__(s, t=1700000000.0): s.pk=[]; s.t=t; s.wrap=None
    def add(s, b, dt=0.001): s.t += dt; s.pk.append((s.t, s.wrap(b) if s.wrap else eth(b)))
    def addraw(s, frame, dt=0.001): s.t += dt; s.pk.append((s.t, frame))
    def write(s, path, snaplen=65535, linktype=1):
        with open(path,'wb') as f:
            f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, snaplen, linktype))
            for t,b in s.pk:
                cap=b[:snaplen]; sec=int(t); us=int(round((t-sec)*1e6))
                if us>=1000000: sec+=1; us-=1000000
                f.write(struct.pack('<IIII', sec, us, len(cap), len(b)) + cap)
class Conn:
    def __init__(s, cap, c, cp, sv, sp, cttl=64, sttl=64, cisn=1000, sisn=5000):
        s.cap=cap; s.c=c; s.cp=cp; s.s=sv; s.sp=sp; s.cs=cisn; s.ss=sisn; s.cttl=cttl; s.sttl=sttl
    def raw(s, d, flags, payload=b'', seq=None, ack=None, dt=0.001, ttl=None, urg=0, win=64240):
        if isinstance(payload,str): payload=payload.encode('latin1')
        if d=='c':
            b=tcp_ip(s.c,s.s,s.cp,s.sp, s.cs if seq is None else seq, s.ss if ack is None else ack, flags, payload, ttl or s.cttl, urg, win)
        else:
            b=tcp_ip(s.s,s.c,s.sp,s.cp, s.ss if seq is None else seq, s.cs if ack is None else ack, flags, payload, ttl or s.sttl, urg, win)
        s.cap.add(b, dt)
    def hs(s):
        s.raw('c','S',ack=0); s.cs+=1
        s.raw('s','SA'); s.ss+=1
        s.raw('c','A')
    def send(s, d, data, dt=0.001, ack=True, urg=0, flags='PA'):
        if isinstance(data,str): data=data.encode('latin1')
        s.raw(d,flags,data,dt=dt,urg=urg)
        if d=='c': s.cs+=len(data)
        else: s.ss+=len(data)
        if ack: s.raw('s' if d=='c' else 'c','A',dt=0.0002)
    def fin(s, d):
        s.raw(d,'FA')
        if d=='c': s.cs+=1
        else: s.ss+=1
    def close(s):
        s.fin('c'); s.fin('s'); s.raw('c','A')
C='10.0.0.2'; S='10.0.0.1'
def login(k, pw='hunter2secret'):
    k.send('s','220 ready\r\n'); k.send('c','USER bob\r\n'); k.send('s','331 pw\r\n')
    k.send('c','PASS %s\r\n'%pw); k.send('s','230 ok\r\n')
def pasv_xfer(cap, k, port=40000, nbytes=100, verb='RETR f.txt', reply227=None, connect=True):
    k.send('c','PASV\r\n'); k.send('s', reply227 or '227 Entering Passive Mode (10,0,0,1,%d,%d)\r\n'%(port>>8,port&255))
    k.send('c',verb+'\r\n')
    if connect:
        d=Conn(cap,C,50001,S,port,cisn=70000,sisn=90000); d.hs()
    k.send('s','150 ok\r\n')
    if connect:
        d.send('s', b'x'*nbytes); d.close()
    k.send('s','226 done\r\n')
def run(path, *args, binary='/tmp/rev43/rv-attack3/ftpsniff'):
    r=subprocess.run([binary,'read','--color','never',*args,path],capture_output=True)
    return (r.stdout+r.stderr).decode('utf-8','replace')
