import sys, struct; sys.path.insert(0,'.')
from inj_lib import *
def frag(src,dst,ident,off8,mf,p,ttl=64):
    x=struct.pack('!BBHHHBBH4s4s',0x45,0,20+len(p),ident,(mf<<13)|off8,ttl,6,0,ip4(src),ip4(dst))
    return eth(x[:10]+struct.pack('!H',csum(x))+x[12:]+p)
def mk(name, order):
    cap=Cap(); k=Conn(cap,C,44000,S,21); k.hs()
    k.send('s','220 ready\r\n'); k.send('c','USER bob\r\n'); k.send('s','331 pw\r\n')
    A=b'PASS Fsecret_xy\r\n'   # 17 bytes; TCP hdr 20 -> 37 bytes
    # version B: swap 16-bit words in bytes 24..31 of tcp segment (payload bytes 4..11) keeps checksum
    seg=tcphdr(C,S,44000,21,k.cs,k.ss,'PA',A)
    w=[seg[i:i+2] for i in range(24,32,2)]
    segB=seg[:24]+w[2]+w[3]+w[0]+w[1]+seg[32:]
    fr={'1':frag(C,S,77,0,1,seg[:24]), 'A':frag(C,S,77,3,1,seg[24:32]), 'B':frag(C,S,77,3,1,segB[24:32],ttl=50), '3':frag(C,S,77,4,0,seg[32:])}
    for o in order: cap.addraw(fr[o])
    k.cs+=len(A); k.raw('s','A')
    k.send('s','230 ok\r\n'); k.send('c','QUIT\r\n'); k.send('s','221 bye\r\n'); k.close()
    cap.write('frag_%s.pcap'%name)
    print(name, segB[20:37])
mk('BfirstThenA','1BA3'); mk('AfirstThenB','1AB3'); mk('Blast','1A3B'); mk('Bfirst_complete','1B3A')
