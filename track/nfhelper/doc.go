// Package nfhelper simulates, from the packets of one FTP control
// connection, what Linux's nf_conntrack_ftp and nf_nat_ftp would do with
// them: which segments the helper searches, which announcement it finds,
// which packets it drops, which expectation it creates, how nf_nat_ftp
// rewrites the text and how far the sequence numbers move afterwards.
//
// It is a model of net/netfilter/nf_conntrack_ftp.c, nf_nat_ftp.c,
// nf_nat_helper.c, nf_conntrack_seqadj.c, nf_conntrack_expect.c and
// in6_pton in net/core/utils.c; docs/linux-ftp-helper.md lists every rule
// with the kernel source it comes from.
//
// Contract:
//
//   - Input is segments, not a reassembled stream: the helper itself never
//     reassembles, so the model must not either. Feed each TCP segment of
//     the control connection with its direction, raw sequence number and
//     payload, in the order the router received it, retransmissions
//     included. The bytes must be the ones the router received (the
//     pre-rewrite side for a direction the router rewrites).
//   - Conn gives the connection as conntrack keys it: the client and the
//     server address the client used, plus the SNAT and DNAT translations
//     the router applies. Addresses in IPv4-mapped form are unmapped.
//   - Feed returns a Result value: what help() did (Action), the pattern,
//     the matched number text (MatchOff/MatchLen), the address and port as
//     the kernel computed them, the Expectation, the nf_nat_ftp Rewrite and
//     its sequence delta, the seqadj shift for the segment, and the
//     announcement lines in the segment the helper did not act on (Missed,
//     with the reason).
//   - Match and Matches compare a data connection's first packet with an
//     Expectation; Simulator.DataSYN also consumes the live expectation as
//     the kernel does.
//
// Bounds: a Simulator's state is fixed-size and independent of traffic:
// per direction two remembered line starts (NUM_SEQ_TO_REMEMBER), a
// pick-up flag, one seqadj record and where the last bytes fed as unseen
// began; at most one live expectation
// (max_expected = 1); the counters in Stats. Result.Missed keeps at most
// MaxMissed entries; the rest are counted in Result.MissedDropped and
// Stats.MissedDropped. Every loop runs at most once per payload byte (the
// IPv6 parser reads at most 65535 bytes, as the kernel's does).
//
// Feed does not allocate: Result is a comparable value with fixed arrays;
// Rewrite.Text, Result.KernelLog and Result.Rewritten allocate only when
// called. Malformed payloads never panic; they produce the kernel's
// verdict for them.
//
// Not modelled: expectations of other connections (a clash would make
// nf_nat_exp_find_port pick a random port and a global table full would
// drop the packet), TCP window checks that mark segments INVALID before the
// helper runs, data in a SYN (the helper only looks at established
// connections), and skbs over 64 KiB that nf_nat_mangle_tcp_packet cannot
// enlarge.
package nfhelper
