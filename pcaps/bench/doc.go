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
//
// GenerateSessions (./mksessions, scaling.sh) writes the other shape: many
// small vsftpd sessions and nothing else, arriving SessionsConfig.Gap apart
// (1 s by default, so 10,000 sessions span hours of packet time), at most
// SessionsConfig.Concurrency at once, from thousands of client hosts to a
// handful of servers: logins (some 530), PWD, CWD, TYPE, passive (227, 229)
// and active (PORT, EPRT: vsftpd connects from port 20) data connections
// for LIST, RETR and STOR of files up to tens of KB, 550 failures, QUIT,
// FIN both ways. Its memory is bounded by Concurrency, not by the number of
// sessions, so it measures whether an analyser's memory and time per
// session stay flat as sessions pass.
//
// GenerateAnnouncements (./mkannounce) writes thousands of sessions open
// at once, each announcing many passive endpoints nothing connects to
// (optionally each answered 425 to a LIST): what an analyser keeps per
// open session and per announcement while the sessions last.
package bench
