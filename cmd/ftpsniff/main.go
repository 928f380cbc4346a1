// Command ftpsniff reads FTP traffic from captures or a live interface and
// tells, for every session, what was said, which data connections were
// announced, what became of each, and why the failed ones failed.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"sync"
	"syscall"
)

// version is stamped at build time: -ldflags "-X main.version=$(git describe --tags)".
var version = "dev"

// Exit codes.
const (
	exitOK       = 0
	exitFindings = 1 // a finding at or above --fail-on
	exitError    = 2 // usage error or unreadable input
)

// Garbage collector settings. ftpsniff's live state is a few MB for
// ordinary traffic and most of what it allocates (lines, records) dies at
// once, so the heap may grow by half its live size between collections
// (gcPercent) rather than double (Go's default), and past softMemoryLimit
// the collector works harder still. The limit is a target, not a cap: it
// follows the live heap when more is live (followLiveHeap), so that the
// collector never runs without room. GOGC and GOMEMLIMIT override them.
const (
	gcPercent       = 50
	softMemoryLimit = 40 << 20
)

func main() {
	// First of all, before anything slow (a live capture's sockets, a
	// read's input): SIGHUP's default action ends the process at once.
	hups.route(nil, os.Stderr)
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		followLiveHeap(softMemoryLimit)
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes the command line and returns the exit code. Errors are
// printed here, once.
func run(args []string, stdout, stderr io.Writer) int {
	root := newRootCmd(stdout, stderr)
	root.SetArgs(args)
	err := root.Execute()
	var fe findingsError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &fe):
		// One line for whoever reads stderr; the findings are the output.
		fmt.Fprintf(stderr, "ftpsniff: %d finding%s at or above %s (--fail-on)\n", fe.n, plural(fe.n), fe.level)
		return exitFindings
	case errors.As(err, new(usageError)):
		// ftpsniff's own message: the values in it are quoted with %q
		// already, whose backslashes are escapes; safe would double
		// them (--observer "gw\\x1b[31m1").
		fmt.Fprintf(stderr, "ftpsniff: %s\n", sentence(oneLine(err.Error())))
		return exitError
	default:
		fmt.Fprintf(stderr, "ftpsniff: %s\n", safe(oneLine(err.Error())))
		return exitError
	}
}

// findingsError makes the exit code 1 without printing anything: the
// findings themselves are the output.
type findingsError struct {
	n     int
	level string
}

func (e findingsError) Error() string {
	return fmt.Sprintf("%d finding%s at or above --fail-on", e.n, plural(int(e.n)))
}

// hups routes SIGHUP, caught from the start of main whatever the command:
// logrotate's postrotate (pkill -HUP -x ftpsniff, docs/json.md) signals
// every ftpsniff, and the default action would end a `read` of a pipe, or
// a `live` still opening its sockets, without its summary. Once live's
// --output, --write and --extract are open, SIGHUP asks for their
// reopening (onHUP); otherwise it is said on standard error and ignored.
var hups hupRouter

type hupRouter struct {
	start  sync.Once
	mu     sync.Mutex
	to     func() // what a SIGHUP does; nil: say it is ignored
	stderr io.Writer
}

// route makes SIGHUP call to (nil: say on stderr that it was ignored)
// until restore puts back what it did before. The signal stays caught
// for the rest of the process: a SIGHUP while the summary is written
// must not end it either.
func (h *hupRouter) route(to func(), stderr io.Writer) (restore func()) {
	h.start.Do(func() {
		c := make(chan os.Signal, 1)
		signal.Notify(c, syscall.SIGHUP)
		go func() {
			for range c {
				h.deliver()
			}
		}()
	})
	h.mu.Lock()
	prevTo, prevErr := h.to, h.stderr
	h.to, h.stderr = to, stderr
	h.mu.Unlock()
	return func() {
		h.mu.Lock()
		h.to, h.stderr = prevTo, prevErr
		h.mu.Unlock()
	}
}

func (h *hupRouter) deliver() {
	h.mu.Lock()
	to, w := h.to, h.stderr
	h.mu.Unlock()
	switch {
	case to != nil:
		to()
	case w != nil:
		fmt.Fprintln(w, "ftpsniff: SIGHUP ignored: there is no --output file to reopen")
	}
}
