# An announced address that answered: the server (control 10.2.0.9)
# announces 10.2.0.77, another address on its own network, in every 227;
# the client's data connections to 10.2.0.77:40001 and :40002 work, the
# third, to 10.2.0.77:40003, is refused with an RST from 10.2.0.77. The
# address is right (it answered twice in the session); the port is
# refused: no pasv_address advice, no "announces another host".
# python3 announced.py (writes announced_answered_rst.pcap)
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fw import login, pasv, end
from lib import Cap
cap = Cap()
c = login(cap)
pasv(c, '10.2.0.77', 40001, 'ok')
pasv(c, '10.2.0.77', 40002, 'ok')
pasv(c, '10.2.0.77', 40003, 'rst')
end(c)
cap.write(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'announced_answered_rst.pcap'))
