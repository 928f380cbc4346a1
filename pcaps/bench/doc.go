// Package bench generates large, deterministic captures of FTP sessions
// mixed with unrelated TCP traffic, for measuring ftpsniff's speed and
// memory against a bare gopacket decoding loop and tshark.
//
// Packets are built from hand-written header layouts (Ethernet, IPv4 or
// IPv6, TCP with timestamp options) patched per packet, with correct IPv4
// and TCP checksums, so a gigabyte is written in seconds. The FTP dialogue
// follows what vsftpd 3.0.3 says in pcaps/real (220 (vsFTPd 3.0.3), 227
// with the server's address, 229 (|||port|), 150 with the byte count, 226),
// and every data connection opens with a SYN to the port the 227/229
// announced, after that reply. The commands ./mkcapture, ./bareloop and
// ./profread and compare.sh use it; docs/performance.md has the figures.
package bench
