package decode

// A control connection read from its headers (TLS, after AUTH or on an
// implicit-FTPS port) keeps no bytes, but its reassembler still follows
// where each direction stands: the text that turns the connection back to
// FTP (after CCC or a closed TLS session), and an RST or a FIN that ends
// it, count only at that point. A segment forged with a guessed sequence
// number then changes nothing: without this, one injected line of text
// made an encrypted session "cleartext again", and every forged command
// and reply after it was believed.

// follow moves direction d's position past a segment of a connection read
// from its headers, and tells whether the segment reached the point where
// the stream stood (a direction not seen yet stands wherever its first
// segment starts). A segment past a hole moves the position only once the
// other side's acknowledgement shows the receiver got the bytes before it:
// the capture lost them, the sender did not skip them.
func (r *reassembler) follow(d int, seq uint32, n int, flags TCPFlags, ack uint32) bool {
	h := &r.half[d]
	end := seq + uint32(n)
	if flags.Has(FlagFIN) {
		end++
	}
	at := true
	switch {
	case flags.Has(FlagSYN):
		h.next, h.started = seq+1, true
		return true
	case !h.started:
		h.next, h.started = end, true
	case n > 0 && int32(end-h.next) <= 0:
		// Bytes the stream has passed: a retransmission, or the copy a
		// mirror port or tcpdump -i any holds of every packet. The last
		// clear text before TLS (the AUTH, the 234) comes again this way.
		at = false
	case int32(seq-h.next) <= 0 && int32(end-h.next) >= 0:
		// It reaches the position: it continues the stream (or repeats
		// its end).
		h.next = end
	case int32(seq-h.next) > 0 && r.half[1-d].acked && int32(r.half[1-d].ack-seq) >= 0:
		h.next = end
	default:
		at = false
	}
	if at && flags.Has(FlagACK) {
		r.tookTo(d, ack)
	}
	return at
}
