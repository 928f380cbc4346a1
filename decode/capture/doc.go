// Package capture provides packet sources: capture files, standard input
// and (in live*.go) network interfaces, all behind one Source interface.
// fanout*.go owns the AF_PACKET fanout group of live --workers: its
// classic BPF program (the unordered IP address pair, ICMP errors by the
// packet they quote) and the group; at most MaxWorkers sockets per
// interface, one ring each.
//
// # Detection
//
// Open and OpenReader look at the first bytes, never at the file name:
//
//   - pcap, magic a1b2c3d4 (microseconds) or a1b23c4d (nanoseconds), in
//     either byte order, versions 2.0 to 2.4 (the length fields of files
//     before 2.4 read as libpcap reads them), and Kuznetzov's modified
//     pcap (a1b2cd34: 24-byte record headers); pcap files joined end to
//     end (cat a.pcap b.pcap, rotated files piped into read -): a file
//     header of version 2.4, a snap length within the bound and a link
//     type decoded, met where a record header would be, starts the next
//     file, its records read with its own header (Stats.JoinedFiles);
//   - pcapng, magic 0a0d0d0a, in either byte order, version 1.0, with any
//     number of sections and interfaces;
//   - either of them gzip-compressed (magic 1f 8b), including multi-member
//     gzip files.
//
// The input is never seeked, so standard input and pipes work. Anything
// else fails with ErrNotCapture, naming the first bytes; other versions,
// a file compressed twice, and what foreignFormats knows by its magic (a
// file compressed with xz, bzip2, zstd, lz4 or compress, a zip or 7-Zip
// archive, a snoop, Network Monitor or Sniffer capture: each named with
// what to do) fail with ErrUnsupported. So does a capture
// of link types package decode does not read (LinkTypeDecoded): a pcap
// file when it is opened, a pcapng file all of whose packets are of such
// link types at its end.
//
// Classic pcap records are taken apart by this package (pcap.go, shared
// by both pcap readers); pcapng is read by pcapgo.NgReader behind
// ngFrame, which checks its framing and rewrites what pcapgo gets wrong:
// an interface whose timestamp resolution pcapgo converts inexactly
// (2^-10 and finer), refuses (2^-64 and finer, 10^-20 and finer) or
// mistakes for microseconds (10^0, seconds: 0 is taken for no option) is
// passed on as nanoseconds, each of its timestamps converted exactly.
//
// # Packets and their lifetime
//
// An Ethernet frame the file says ends with an FCS (pcap's FCS bits in
// the link type field, pcapng's if_fcslen) is returned without it, its
// lengths too (stripFCS): decode reads a frame's length as its packet's
// where an offload left the IP length 0.
//
// Next returns one packet per call together with its link type. In pcap
// that is the file's link type; in pcapng it is the link type of the
// interface the packet came on, so Ethernet, Linux SLL and raw IP packets
// can alternate in one file. The data slice (and ci.AncillaryData) belong
// to the source and are overwritten by the next call: copy what must
// outlive it, and never send it through a channel. The steady state
// allocates nothing per packet (pcapgo itself allocates two bytes per pcapng
// packet whose link type number is 256 or more, such as Linux SLL2).
//
// # Reading ahead, and its goroutines
//
// A plain pcap file (not compressed, not a pipe) is read by a goroutine of
// its own in blocks of 128 KiB, four of them circulating: Next returns
// each record in place in a block (pcapblock.go), so the caller makes no
// read system call and copies nothing but a record that straddles two
// blocks. Prefetch adds a reading goroutine where that pays (a gzip file:
// inflating; a pipe: reads that wait on the writer), copying packets into
// recycled blocks; a plain pcapng file is read in the caller's goroutine.
// Close stops a reading goroutine and waits for it before closing the
// file. The clock is the caller's: nothing here looks at packet times.
//
// # Errors
//
// Next returns io.EOF, unwrapped, at a clean end. Every other error is an
// *Error carrying the file name, the number of complete packets returned
// before it, a sentinel Kind (ErrEmpty, ErrNotCapture, ErrUnsupported,
// ErrTruncated, ErrCorrupt, ErrRead, ErrClosed) for errors.Is, and the
// underlying cause. Its message is one line, for example
//
//	capture.pcap: not a pcap or pcapng file (starts with 3c 68 74 6d)
//	x.pcap: truncated packet record after 1234 packets
//
// A file cut inside its last record (a capture copied while still being
// written) yields all complete packets first; the following Next returns
// ErrTruncated, so the caller keeps what it decoded. Errors are sticky:
// once Next returns an error, it returns the same error until Close, and
// ErrClosed after it.
//
// # Bounds on hostile input
//
// Garbage input returns errors, never panics, and cannot make a source
// allocate much more than it has read:
//
//   - pcap records are bounded by libpcap's largest snap length (256 KiB)
//     whatever the header's snap length says (0 and 2^32-1 included);
//     longer records stop reading as ErrCorrupt. Records longer than the
//     header's snap length but within the bound are read, as tcpdump
//     does, and counted (Stats.OverSnaplen); so are records whose
//     captured length exceeds their original length, as Wireshark reads
//     them (Stats.OverLength).
//   - pcapng block framing is checked before pcapgo sees it (ngframe.go):
//     a block length below its type's minimum, not a multiple of 4, or
//     above 16 MiB, a captured length beyond its block or above 256 KiB,
//     or an option running past its block stops reading as ErrCorrupt
//     naming the block's offset.
//   - pcapng options are read past, not kept: pcapgo would keep their
//     strings (interface names and comments, a packet's comments), and
//     ftpsniff uses none but an interface's if_tsresol and if_tsoffset,
//     so a block with megabytes of options (legal: many 64 KiB comments)
//     costs no more than one without, and its packets are read. An
//     interface's if_filter, the capture filter it was taken with, is
//     read as it passes (FilterOf), its first MaxFilterText (256) bytes
//     kept: a longer one tells no filter (RecordedFilter.Mixed).
//   - pcapng interface tables are bounded per section (4096 interfaces):
//     later interfaces, and the packets and statistics naming them, are
//     skipped and counted (Stats.InterfacesIgnored,
//     Stats.PacketsIgnored). Name resolution and decryption secrets
//     blocks, which pcapgo would keep without bound and ftpsniff does not
//     use, are skipped unread; so are unknown blocks.
//   - gzip input is decompressed as a stream: memory does not grow with
//     the decompressed size, and time is linear in it.
//
// Limits hit without stopping, and oddities read past, are counted in
// Stats (StatsOf); a limit that stops reading is the error. So are the
// drops the capture's own pcapng statistics blocks record.
//
// A gzip file whose last member is followed by bytes other than zeros
// ends with an ErrCorrupt "trailing bytes after the compressed capture
// (all N packets read)" when they follow a whole record or block.
package capture
