package capture

import (
	"errors"
	"strconv"
)

// Sentinel errors. Every error from Open, OpenReader and Next other than
// io.EOF is an *Error whose Kind is one of these, so callers test the kind
// with errors.Is and keep the file name and packet count from the *Error.
var (
	// ErrEmpty: the input holds no bytes at all (after gzip decompression).
	ErrEmpty = errors.New("empty file")
	// ErrNotCapture: the input starts with neither a pcap nor a pcapng magic.
	ErrNotCapture = errors.New("not a pcap or pcapng file")
	// ErrUnsupported: a capture format or version this package cannot read.
	ErrUnsupported = errors.New("unsupported capture format")
	// ErrTruncated: the input ends inside a file header or a record, as when
	// a capture is copied while still being written, or a download was cut.
	ErrTruncated = errors.New("truncated")
	// ErrCorrupt: a header or record holds impossible values (lengths,
	// interface numbers, gzip checksums); reading cannot continue past it.
	ErrCorrupt = errors.New("corrupt")
	// ErrRead: the file could not be opened or the underlying reader failed
	// (an I/O error), as opposed to a problem with the bytes read.
	ErrRead = errors.New("read failed")
	// ErrClosed: Next was called after Close.
	ErrClosed = errors.New("source closed")
)

// Error reports a failure to open or read a capture. Its message is one
// line naming the file, for example
//
//	x.pcap: truncated packet record after 1234 packets
type Error struct {
	File    string // name as given to Open or OpenReader ("stdin" for "-")
	Packets int    // complete packets returned by Next before the failure
	Kind    error  // one of the sentinel errors above
	Cause   error  // underlying error (pcapgo, gzip, os), or nil

	what string // phrase after "File: ", built where the failure is known
}

func (e *Error) Error() string { return e.File + ": " + e.what }

// Unwrap exposes both the sentinel kind and the underlying cause, so that
// errors.Is(err, ErrTruncated) and errors.Is(err, io.ErrUnexpectedEOF) hold.
func (e *Error) Unwrap() []error {
	if e.Cause == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Cause}
}

// openError builds an error raised while reading the file header.
func openError(file string, kind error, detail string, cause error) *Error {
	what := kind.Error()
	switch kind {
	case ErrTruncated:
		what = "truncated file header"
	case ErrCorrupt:
		what = "corrupt file header"
	case ErrRead:
		what = "read failed"
	}
	if detail != "" {
		what += " (" + detail + ")"
	}
	return &Error{File: file, Kind: kind, Cause: cause, what: what}
}

// readError builds an error raised by Next after packets complete packets.
func readError(file string, packets int, kind error, detail string, cause error) *Error {
	var what string
	switch kind {
	case ErrTruncated:
		what = "truncated packet record"
	case ErrCorrupt:
		what = "corrupt packet record"
	default:
		what = kind.Error()
	}
	what += " after " + strconv.Itoa(packets) + " " + plural(packets, "packet")
	if detail != "" {
		what += " (" + detail + ")"
	}
	return &Error{File: file, Packets: packets, Kind: kind, Cause: cause, what: what}
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
