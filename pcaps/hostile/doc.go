// Package hostile writes captures shaped to hurt a capture analyser: files
// whose framing lies (25 million pcapng interfaces, impossible block and
// snap lengths, gzip bombs), packets whose headers lie (TCP data offset
// below 5, IP lengths that disagree with the frame, a thousand IPv6
// extension headers, ten thousand overlapping fragments, RST and SYN
// floods), and FTP dialogues that never end or never stop (megabyte lines,
// a 230- reply of a million lines, a million 227 replies or PORTs, hundreds
// of thousands of sessions, passwords the masking must still find).
//
// Every shape is deterministic: the same counts give the same bytes. The
// counts are Params, with full-size defaults (Defaults) that a scale
// factor shrinks, so tests and quick runs make small versions of the same
// shapes. Packets are Ethernet frames built from hand-written header
// layouts with correct IPv4 and TCP checksums unless a shape breaks them
// on purpose; the pcap writer streams, so a gigabyte shape is written in
// constant memory. The command ./mkhostile writes them; robustness.sh runs
// ftpsniff over each and tabulates time, peak memory, crashes and the
// limits it reported.
package hostile
