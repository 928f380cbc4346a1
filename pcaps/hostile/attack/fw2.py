import sys; sys.path.insert(0,'.')
import fw
from fw import *
def mk(cl, sv, dial, mode='unans'):
    def f(cap):
        fw.C, fw.S = cl, sv
        c=login(cap); pasv(c,sv,40001,mode,realdial=dial); end(c)
    return f
one('oh_pub', mk('198.51.100.5','203.0.113.9','192.0.2.66'))
one('oh_pub_rst', mk('198.51.100.5','203.0.113.9','192.0.2.66','rst'))
one('oh_priv_samenet', mk('10.2.0.5','10.2.0.9','10.2.0.66'))
one('oh_priv', mk('10.1.0.5','10.2.0.9','10.9.9.9'))
one('oh_pub_to_priv', mk('198.51.100.5','203.0.113.9','10.9.9.9'))
