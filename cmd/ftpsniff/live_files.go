package main

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/gopacket/gopacket"

	"github.com/ftpsniff/ftpsniff/decode/capture"
)

// fileOwner is the user a `live` started as root drops to (--user): the
// files it creates before the drop are given to that user, so that what
// it does with them afterwards (reopen the --output file after logrotate
// made a new one with `create`, which copies the old file's owner; open a
// new --write file) works as that user.
type fileOwner struct {
	uid, gid int
	ok       bool // there is someone to give files to
}

// ownerFor is the owner for --user name: none unless this process is
// root and name is a user other than root (DropPrivileges' own lookup
// says when it does not exist).
func ownerFor(name string) fileOwner {
	if name == "" || os.Geteuid() != 0 {
		return fileOwner{}
	}
	u, err := user.Lookup(name)
	if err != nil {
		return fileOwner{}
	}
	uid, err1 := strconv.Atoi(u.Uid)
	gid, err2 := strconv.Atoi(u.Gid)
	if err1 != nil || err2 != nil || uid == 0 {
		return fileOwner{}
	}
	return fileOwner{uid: uid, gid: gid, ok: true}
}

// give makes f, a file this process has just created, the owner's.
func (o fileOwner) give(f *os.File) error {
	if !o.ok {
		return nil
	}
	return f.Chown(o.uid, o.gid)
}

// openAppendOwned opens name for appending, creating it (0644) when it
// does not exist; a file it creates is given to owner.
func openAppendOwned(name string, owner fileOwner) (*os.File, error) {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return os.OpenFile(name, os.O_WRONLY|os.O_APPEND, 0o644)
	}
	if err != nil {
		return nil, err
	}
	if err := owner.give(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("giving %s to --user: %w", name, err)
	}
	return f, nil
}

// maxWriteNames bounds the names tried for a --write file: the name as
// given, then "-2" … before the extension, as --extract names its files.
const maxWriteNames = 100

// numberedName is name with "-n" before its extension (n >= 2).
func numberedName(name string, n int) string {
	if n < 2 {
		return name
	}
	ext := filepath.Ext(name)
	if len(ext) == len(filepath.Base(name)) {
		ext = "" // ".pcapng" alone is a name, not an extension
	}
	return name[:len(name)-len(ext)] + "-" + strconv.Itoa(n) + ext
}

// createCapture opens a new --write file: never one holding packets
// already (a restart under systemd's Restart=on-failure must not wipe the
// evidence of the run before). The name as given is used when it does not
// exist, or is an empty regular file (logrotate's `create`, a `touch`);
// otherwise the first free name with a counter before the extension
// (ftp.pcapng, ftp-2.pcapng, ...). A file it creates is given to owner.
func createCapture(name string, owner fileOwner) (*os.File, string, error) {
	for n := 1; n <= maxWriteNames; n++ {
		path := numberedName(name, n)
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err == nil {
			if err := owner.give(f); err != nil {
				f.Close()
				return nil, "", fmt.Errorf("giving %s to --user: %w", path, err)
			}
			return f, path, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, "", err
		}
		if fi, err := os.Lstat(path); err == nil && fi.Mode().IsRegular() && fi.Size() == 0 {
			if f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0); err == nil {
				if fi2, err := f.Stat(); err == nil && os.SameFile(fi, fi2) && fi2.Size() == 0 {
					return f, path, nil
				}
				f.Close()
			}
		}
	}
	return nil, "", fmt.Errorf("%s and %s ... %s exist", name, numberedName(name, 2), numberedName(name, maxWriteNames))
}

// captureFile is the --write file. A write error (a full disk) stops the
// writing, not the capture: it is said once on stderr, the packets from
// then on are counted as not written, and the analysis goes on. SIGHUP
// (asked) opens a new file by the name given, with its own header, when
// the one written was moved away (logrotate) or writing had stopped.
// Not safe for concurrent use (the workers hold a lock), except asked and
// notWritten.
type captureFile struct {
	name   string // as given
	path   string // the file written now
	ifaces []capture.Interface
	stderr io.Writer
	f      *os.File
	pw     *capture.PcapngWriter // nil once writing stopped
	err    error                 // the error that stopped writing
	// pending: packets written since the last successful flush, lost
	// with the buffer should the next flush fail.
	pending uint64

	asked      atomic.Bool
	notWritten atomic.Uint64 // packets not saved, over the run
	reopened   atomic.Uint64 // files opened after SIGHUP
}

// openCaptureFile opens the --write file (createCapture) and writes its
// header.
func openCaptureFile(name string, ifaces []capture.Interface, owner fileOwner, stderr io.Writer) (*captureFile, error) {
	c := &captureFile{name: name, ifaces: ifaces, stderr: stderr}
	if err := c.open(owner); err != nil {
		return nil, fileFlagError("--write", name, "cannot create the file", err)
	}
	return c, nil
}

func (c *captureFile) open(owner fileOwner) error {
	f, path, err := createCapture(c.name, owner)
	if err != nil {
		return err
	}
	pw, err := capture.NewPcapngWriter(f, c.ifaces)
	if err != nil {
		f.Close()
		return err
	}
	if path != c.name {
		fmt.Fprintf(c.stderr, "ftpsniff: --write: %s holds packets already; writing to %s\n", safe(c.name), safe(path))
	}
	c.f, c.path, c.pw, c.err, c.pending = f, path, pw, nil, 0
	return nil
}

// packet saves one packet, or counts it as not written.
func (c *captureFile) packet(iface int, data []byte, ci gopacket.CaptureInfo) {
	if c.pw == nil {
		c.notWritten.Add(1)
		return
	}
	if err := c.pw.WritePacket(iface, data, ci); err != nil {
		c.pending++
		c.stop(err)
		return
	}
	c.pending++
}

// flush writes out the buffer, once a second.
func (c *captureFile) flush() {
	if c.pw == nil {
		return
	}
	if err := c.pw.Flush(); err != nil {
		c.stop(err)
		return
	}
	c.pending = 0
}

// stop ends the writing after err: the packets in the buffer are counted
// as not written (some of their bytes may be in the file, cut).
func (c *captureFile) stop(err error) {
	c.err = err
	c.notWritten.Add(c.pending)
	c.pending = 0
	c.pw.Close()
	c.pw = nil
	fmt.Fprintf(c.stderr, "ftpsniff: --write %s: %s; packets are no longer saved (counted as not written), the analysis goes on; SIGHUP opens a new file\n", safe(c.path), safe(err.Error()))
}

// reopenIfAsked opens a new file after SIGHUP when the one written is no
// longer at its name (moved by logrotate) or writing had stopped; a
// SIGHUP meant for another file (logrotate's postrotate signals every
// ftpsniff) leaves a file still in place as it is. It runs after the
// privileges were dropped: the new file is the --user's.
func (c *captureFile) reopenIfAsked() {
	if !c.asked.Swap(false) {
		return
	}
	if c.pw != nil {
		cur, err1 := c.f.Stat()
		named, err2 := os.Stat(c.path)
		if err1 == nil && err2 == nil && os.SameFile(cur, named) {
			return
		}
	}
	old, oldPath, oldErr := c.pw, c.path, c.err
	c.pw = nil // packet counts as not written until open succeeds
	if old != nil {
		if err := old.Close(); err != nil {
			c.notWritten.Add(c.pending)
		}
		c.pending = 0
	}
	if err := c.open(fileOwner{}); err != nil {
		c.err = cmp.Or(oldErr, err)
		fmt.Fprintf(c.stderr, "ftpsniff: --write: new file after SIGHUP: %s; packets are not saved until a SIGHUP opens one\n", safe(err.Error()))
		return
	}
	c.reopened.Add(1)
	if oldPath != c.path || oldErr != nil {
		fmt.Fprintf(c.stderr, "ftpsniff: --write: after SIGHUP, writing to %s\n", safe(c.path))
	}
}

// close writes the kernel's counters (the end of the capture) and closes
// the file. It returns the error that stopped the writing, with the
// packets not written.
func (c *captureFile) close(kstats []capture.IfaceStats, haveStats bool, start, end time.Time) error {
	if c.pw != nil {
		if haveStats {
			c.pw.WriteStats(kstats, start, end)
		}
		if err := c.pw.Close(); err != nil {
			c.err = err
			c.notWritten.Add(c.pending)
		}
		c.pending = 0
		c.pw = nil
	}
	if c.err != nil || c.notWritten.Load() > 0 {
		return fmt.Errorf("--write %s: %w; %d packet%s not written", c.path, cmp.Or(c.err, errors.New("no file open")), c.notWritten.Load(), plural(int(c.notWritten.Load())))
	}
	return nil
}
