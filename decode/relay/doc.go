// Package relay runs a decode.Handler on a goroutine of its own, so that
// decoding (frames, reassembly, the FTP parse) and what follows it
// (tracking, diagnosis, output) each have a core.
//
// # What it owns
//
// A Relay owns the batches in flight between the two goroutines: each
// batch holds copies of the Handler calls made on the decoder's goroutine
// (segments, ICMP errors, control events, ticks, Finish), in call order,
// and the handler's goroutine makes the same calls in the same order. The
// handler sees exactly what it would see called directly, so the output
// is the same byte for byte (cmd/ftpsniff's tests compare every capture
// both ways).
//
// A segment's payload aliases the capture's buffer, which is reused once
// the decoder moves on, so it is copied into the batch when the handler
// may read it: the segments of data connections once a control
// connection has turned to TLS or sent PROT (the tracker reads a
// protected data connection's TLS record headers). Control segments'
// payloads are not, unless Options.ControlPayload: their bytes reach the
// tracker as ControlEvents. Options.PayloadOf names other segments whose
// payload the handler reads (the Linux FTP helper's simulation reads a
// connection to a port the helper is attached to before decode knows it
// for FTP).
//
// The one question the decoder asks the handler (decode.DataExpecter)
// needs the handler caught up; the relay then waits for it (Sync), unless
// the DataExpecter contract says the answer can only be no.
//
// # The clock
//
// None of its own: Tick is one of the calls relayed, in order.
//
// # Bounds
//
//   - a batch is handed over at 256 calls or 256 KiB of copied payload;
//     four batches circulate, so the decoder runs at most four batches
//     ahead of the handler, and waits when it is that far ahead
//   - a relayed ControlEvent's Reply is the decoder's (the handler may keep
//     it, as ever); nothing else outlives its batch
//
// Finish waits until the handler has finished. Close stops the goroutine;
// calls after it are made directly.
package relay
