package main

import (
	"net/netip"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// handlerForward is embedded by the layers that sit between the decoder
// and the tracker (--helper's simulation, --write's carver). The decoder
// asks its handler for the optional interfaces (DataExpecter,
// PayloadHandler, PayloadEndHandler) by type assertion: a layer that did not pass them on
// switched off what the tracker asks of the decoder (a data SYN to port
// 21 taken for a control connection, --extract writing nothing).
type handlerForward struct {
	next decode.Handler
}

// ExpectsData implements decode.DataExpecter for what it wraps.
func (h handlerForward) ExpectsData(src, dst netip.AddrPort) bool {
	e, ok := h.next.(decode.DataExpecter)
	return ok && e.ExpectsData(src, dst)
}

// ClockStep implements decode.ClockStepHandler for what it wraps.
func (h handlerForward) ClockStep(before, at time.Time) {
	if c, ok := h.next.(decode.ClockStepHandler); ok {
		c.ClockStep(before, at)
	}
}

// WantPayload implements decode.PayloadHandler for what it wraps.
func (h handlerForward) WantPayload(src, dst netip.AddrPort) bool {
	p, ok := h.next.(decode.PayloadHandler)
	return ok && p.WantPayload(src, dst)
}

// DataBytes implements decode.PayloadHandler for what it wraps.
func (h handlerForward) DataBytes(src, dst netip.AddrPort, b []byte) {
	if p, ok := h.next.(decode.PayloadHandler); ok {
		p.DataBytes(src, dst, b)
	}
}

// DataGap implements decode.PayloadHandler for what it wraps.
func (h handlerForward) DataGap(src, dst netip.AddrPort, n int64) {
	if p, ok := h.next.(decode.PayloadHandler); ok {
		p.DataGap(src, dst, n)
	}
}

// DataEnd implements decode.PayloadEndHandler for what it wraps.
func (h handlerForward) DataEnd(a, b netip.AddrPort) {
	if p, ok := h.next.(decode.PayloadEndHandler); ok {
		p.DataEnd(a, b)
	}
}
