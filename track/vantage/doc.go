// Package vantage merges captures of the same FTP traffic taken at several
// points of its path (the client's side and the server's side of a NAT
// router or firewall, say) and says where each data connection was lost
// and which box in between rewrote an announcement.
//
// What it owns: one Collector per capture point, a decode.Handler that
// keeps a compact record of every control connection (its initial
// sequence numbers, the times of SYN and SYN-ACK, its announcements) and
// every data connection (SYN, SYN-ACK, RST, ICMP, payload bytes); and
// Merge, which pairs the records across points and judges them.
//
// Pairing: connections are paired by their initial sequence numbers,
// which NAT keeps (an FTP helper that rewrites a 227 moves the sequence
// numbers after it, never the SYN's). Connections whose SYN no point saw
// are not paired. Clock offsets between points come from paired SYN and
// SYN-ACK times, NTP style: offset = ((tB(SYN)-tA(SYN)) - (tA(SYN-ACK)-tB(SYN-ACK)))/2,
// the median over every pair; with no SYN-ACK the SYN alone gives an
// estimate that includes the transit time (OneWay).
//
// Announcements are paired across points by kind and port in order (then
// by time, for a helper that had to change the port), so one lost on the
// way is reported as seen on one side only without shifting the others.
//
// CheckHelper runs the router between the outermost points as a Linux
// router with nf_conntrack_ftp and nf_nat_ftp (track/nfhelper): each
// direction's control segments as the point on the sender's side saw them,
// interleaved with the data SYNs on the reference clock, then compares the
// model's output with the far point's: the rewritten bytes, the sequence
// offset of the next segment, whether a dropped segment ever arrived, and
// each data SYN against the expectation.
//
// Bounds: a Collector keeps at most Options.MaxConns control and
// Options.MaxConns data connections (default 100,000 each) and
// Options.MaxAnnouncements announcements per control connection (default
// 64); with Options.KeepControlBytes it also copies control segments, at
// most that many bytes (payload plus a fixed overhead per segment) per
// Collector, into 64 KiB blocks; a connection whose segments no longer fit
// keeps none after that and its check says it is incomplete. CheckHelper
// keeps at most 64 steps per session. What does not fit is counted in
// Limits. Time is packet time. Merge and CheckHelper allocate in
// proportion to what the Collectors kept.
package vantage
