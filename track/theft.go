package track

// StolenTransfer tells, of another host's connection that took an
// announced passive port and is followed on its own (the copy supersede
// makes, the announcement's Thief), the announcement whose transfer it
// carries, or nil. Before the announcement is final, that is as of now:
// it has its transfer command, and the server refused the session's
// client's own SYN with RST (held or not) and answered none of it, as takeTheft
// requires to make the record tell this connection (its other condition,
// the handshake done or bytes carried, holds for a copy). Once final, for
// good when takeTheft made the record this connection's (Thief stays
// set), nil when it did not. The copy itself has no transfer command and
// is never reported: its bytes are the file of that transfer, the one the
// server gave to the other host.
func (dc *DataConn) StolenTransfer() *DataConn {
	a := dc.Announce
	if a == nil || a.Data == nil || a.Data == dc || a.Data.Thief != dc {
		return nil
	}
	own := a.Data
	if own.Done {
		return own // (takeTheft let go of any other Thief)
	}
	if own.Command == nil || !own.matched() || own.ICMP != nil {
		return nil
	}
	if h := own.win.rst; h != nil {
		// Held (until the transfer's final reply: takeHeldReset): the
		// server's RST to the client's SYN refused it, as it will stand.
		if h.dir == 1 && h.synSent {
			return own
		}
		return nil
	}
	if own.answered() || own.RSTTS.IsZero() || !own.RSTFromServer {
		return nil
	}
	return own
}
