package nfhelper

import (
	"net/netip"
	"strconv"
)

// maxRewrite holds the longest text nf_nat_ftp_fmt_cmd writes:
// "|2|" + 39-character %pI6 + "|65535|" = 49 bytes (the kernel's buffer is
// sizeof("|1||65535|") + INET6_ADDRSTRLEN = 59).
const maxRewrite = 64

// Rewrite is what nf_nat_ftp would do to a matched segment: replace
// MatchLen bytes at MatchOff with Text.
type Rewrite struct {
	Done   bool
	Addr   netip.Addr // the address written; invalid for a 229 reply
	Port   uint16     // the port written (nf_nat_exp_find_port keeps the announced one when it is free)
	OldLen int        // matchlen: bytes replaced
	NewLen int        // bytes written
	text   [maxRewrite]byte
}

// Text returns the replacement text.
func (w Rewrite) Text() string { return string(w.text[:w.NewLen]) }

// Delta is NewLen - OldLen: the sequence offset this rewrite adds to every
// later byte of its direction (nf_ct_seqadj_set).
func (w Rewrite) Delta() int32 { return int32(w.NewLen - w.OldLen) }

// formatCmd is nf_nat_ftp_fmt_cmd. For PORT/227 it prints the first four
// bytes of the address union, so on IPv6 it prints the first 32 bits of the
// IPv6 address as four decimals, exactly like the kernel. For EPRT the
// family of the connection picks "%pI4" or "%pI6" (full form, leading
// zeros, no "::").
func formatCmd(buf *[maxRewrite]byte, kind Kind, family Family, addr [16]byte, port uint16) int {
	b := buf[:0]
	switch kind {
	case KindPORT, KindPASV:
		for i := 0; i < 4; i++ {
			b = strconv.AppendUint(b, uint64(addr[i]), 10)
			b = append(b, ',')
		}
		b = strconv.AppendUint(b, uint64(port>>8), 10)
		b = append(b, ',')
		b = strconv.AppendUint(b, uint64(port&0xff), 10)
	case KindEPRT:
		if family == IPv4 {
			b = append(b, "|1|"...)
			for i := 0; i < 4; i++ {
				if i > 0 {
					b = append(b, '.')
				}
				b = strconv.AppendUint(b, uint64(addr[i]), 10)
			}
		} else {
			b = append(b, "|2|"...)
			const hex = "0123456789abcdef"
			for i := 0; i < 16; i += 2 {
				if i > 0 {
					b = append(b, ':')
				}
				b = append(b, hex[addr[i]>>4], hex[addr[i]&0xf], hex[addr[i+1]>>4], hex[addr[i+1]&0xf])
			}
		}
		b = append(b, '|')
		b = strconv.AppendUint(b, uint64(port), 10)
		b = append(b, '|')
	case KindEPSV:
		b = append(b, "|||"...)
		b = strconv.AppendUint(b, uint64(port), 10)
		b = append(b, '|')
	default:
		return 0
	}
	return len(b)
}

// seqAdj is struct nf_ct_seqadj for one direction.
type seqAdj struct {
	pos           uint32 // correction_pos: seq of the segment that changed size
	before, after int32  // offset_before / offset_after
}

func seqBefore(a, b uint32) bool { return int32(a-b) < 0 }
func seqAfter(a, b uint32) bool  { return seqBefore(b, a) }

// set is nf_ct_seqadj_set. Only one correction point is kept: a second
// rewrite moves it forward, a retransmission of the rewritten segment (same
// seq) changes nothing.
func (a *seqAdj) set(seq uint32, off int32) {
	if off == 0 {
		return
	}
	if a.before == a.after || seqBefore(a.pos, seq) {
		a.pos = seq
		a.before = a.after
		a.after += off
	}
}

// seqOffset is the offset nf_ct_seq_adjust adds to a segment's seq.
func (a seqAdj) seqOffset(seq uint32) int32 {
	if seqAfter(seq, a.pos) {
		return a.after
	}
	return a.before
}

// ackOffset is the offset nf_ct_seq_adjust subtracts from an ack number
// travelling the other way.
func (a seqAdj) ackOffset(ack uint32) int32 {
	if seqAfter(ack-uint32(a.before), a.pos) {
		return a.after
	}
	return a.before
}
