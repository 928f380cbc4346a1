package extract

import (
	"bufio"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"sync"
)

// Default bounds; a zero field of Limits takes its default.
const (
	DefaultMaxOpen       = 64
	DefaultMaxFiles      = 100_000
	DefaultMaxFileBytes  = 1 << 30  // 1 GiB
	DefaultMaxTotalBytes = 10 << 30 // 10 GiB
)

// maxNameTries bounds the names Create tries for one file: the plain
// name, then "-2" … "-<maxNameTries>" before the extension.
const maxNameTries = 100

// bufSize is each open writer's buffer: MaxOpen × bufSize is the memory
// open files hold (64 × 64 KiB = 4 MiB by default).
const bufSize = 64 << 10

// PartSuffix ends the name of a file while it is written: Close gives it
// its final name only once its record is final, so a run killed before
// (kill -9, a crash) leaves "NAME.part", never a truncated NAME that looks
// finished.
const PartSuffix = ".part"

// fileMode: extracted payload may be hostile, so it is never executable
// and only the user who ran the capture reads it.
const fileMode = 0o600

// Limits bounds what a Dir writes. A zero field takes its default.
type Limits struct {
	MaxOpen      int   // writers open at once (DefaultMaxOpen)
	MaxFiles     int   // files created in all (DefaultMaxFiles)
	MaxFileBytes int64 // size of one file, holes included (DefaultMaxFileBytes)
	// MaxTotalBytes bounds the size of all files together, holes
	// included (DefaultMaxTotalBytes). Holes are sparse (Seek, no block
	// written) but are hashed as zeros and read back as such, so they
	// count like written bytes (Stats.HoleBytes says how many).
	MaxTotalBytes int64
}

// withDefaults fills zero fields.
func (l Limits) withDefaults() (Limits, error) {
	if l.MaxOpen < 0 || l.MaxFiles < 0 || l.MaxFileBytes < 0 || l.MaxTotalBytes < 0 {
		return l, ErrLimits
	}
	if l.MaxOpen == 0 {
		l.MaxOpen = DefaultMaxOpen
	}
	if l.MaxFiles == 0 {
		l.MaxFiles = DefaultMaxFiles
	}
	if l.MaxFileBytes == 0 {
		l.MaxFileBytes = DefaultMaxFileBytes
	}
	if l.MaxTotalBytes == 0 {
		l.MaxTotalBytes = DefaultMaxTotalBytes
	}
	return l, nil
}

// Stats counts what a Dir wrote and what its limits cost, for the summary.
// Bytes and HoleBytes count what reached the disk: a write's bytes once
// the writer's buffer passed them to the file, a hole once bytes after it
// did (or Close gave the file its size). They never go down (live exports
// Bytes as a Prometheus counter), and once every file is closed they are
// the files' own, a write that failed (a full disk) included. The bytes
// granted and not yet on disk (buffered) count against MaxTotalBytes
// only: Dir.Held.
type Stats struct {
	Files        int64 `json:"files"`         // files created
	Bytes        int64 `json:"bytes"`         // bytes written to them together (holes not included)
	HoleBytes    int64 `json:"hole_bytes"`    // bytes of their holes (sparse: the gaps the capture lacked)
	Open         int   `json:"open"`          // writers open now
	Collisions   int64 `json:"collisions"`    // names already taken: a counter suffix was tried
	RefusedOpen  int64 `json:"refused_open"`  // files not created: MaxOpen writers were open
	RefusedFiles int64 `json:"refused_files"` // files not created: MaxFiles reached
	RefusedFull  int64 `json:"refused_full"`  // files not created: MaxTotalBytes reached
	RefusedName  int64 `json:"refused_name"`  // files not created: every name tried was taken
	CutFile      int64 `json:"cut_file"`      // files cut at MaxFileBytes
	CutFileBytes int64 `json:"cut_file_bytes"`
	CutFull      int64 `json:"cut_full"` // files cut at MaxTotalBytes
	CutFullBytes int64 `json:"cut_full_bytes"`
	// Reclaimed, ReclaimedBytes: files this Dir wrote that Reclaim found
	// removed (or truncated) by someone else, and their bytes (holes
	// included): no longer counted against MaxFiles and MaxTotalBytes.
	Reclaimed      int64 `json:"reclaimed,omitempty"`
	ReclaimedBytes int64 `json:"reclaimed_bytes,omitempty"`
}

// Transfer says which transfer a file holds; the tracker's Session,
// DataConn and Command give every field.
type Transfer struct {
	Session int    // Session.ID
	Data    int    // DataConn.ID
	Verb    string // the transfer command: RETR, STOR, STOU, APPE, LIST, NLST, MLSD
	Arg     string // its argument as sent
	Cwd     string // the working directory when it was sent ("" when unknown)
	// Replies are the texts of the command's replies (Reply.Text), 1yz
	// first: an STOU without argument takes the name the server gave in
	// one ("FILE: name").
	Replies []string
	// OwnerUnknown: no transfer command names the file (Verb and Arg
	// empty): its data connection is one of several sessions' and which
	// one's, and so which transfer's, is unknown (a race left it
	// unplaced: track.DataConn.RaceUnplaced). The base is "owner-unknown".
	OwnerUnknown bool
}

// Dir is the folder files are extracted into. Every file is created
// through an os.Root of it, so no name can leave it or follow a link.
// Its methods are safe for concurrent use; a Writer is not.
type Dir struct {
	path string
	lim  Limits

	mu     sync.Mutex
	root   *os.Root
	total  int64 // bytes reserved by all writers
	st     Stats
	closed bool
	// kept: the files closed, by name, with the bytes (holes included)
	// each still counts in total; Reclaim looks for them. At most
	// MaxFiles entries (a name and a size each), and only once
	// KeepClosed asked: a capture file read once never reclaims, and
	// its memory would grow with every file written.
	kept       []keptFile
	keepClosed bool
	// refusedAt: RefusedFull+RefusedFiles at the last Reclaim, so
	// Refused tells whether a bound refused a file since.
	refusedAt int64
}

// keptFile is a closed file Reclaim may find gone.
type keptFile struct {
	name string
	size int64
}

// Open opens dir for extraction, creating it (mode 0700, parents
// included) when it does not exist. Files already in it stay untouched.
func Open(dir string, lim Limits) (*Dir, error) {
	lim, err := lim.withDefaults()
	if err != nil {
		return nil, err
	}
	if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
		return nil, fmt.Errorf("extract: %s: not a directory", dir)
	} else if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("extract: %w", err)
		}
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("extract: %w", err)
	}
	return &Dir{path: dir, lim: lim, root: root}, nil
}

// Path is the folder as given to Open.
func (d *Dir) Path() string { return d.path }

// Limits are the bounds in force, defaults filled in.
func (d *Dir) Limits() Limits { return d.lim }

// Held is what the files of this Dir count against MaxTotalBytes now:
// their bytes and holes, minus what Reclaim found removed.
func (d *Dir) Held() int64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.total
}

// Stats returns the counters so far.
func (d *Dir) Stats() Stats {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.st
}

// Close closes the folder: Create fails afterwards. Writers still open
// keep working and should be closed first, so their files are complete.
func (d *Dir) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return ErrClosed
	}
	d.closed = true
	return d.root.Close()
}

// Create opens a new file for t, named "s<session>-d<data>-<base>" with
// base from SafeName (or "<verb>-<dir>.txt" for listings), written as
// that name and PartSuffix until Close. The file is created with
// O_CREATE|O_EXCL|O_NOFOLLOW inside the folder, so nothing is overwritten
// and no link is followed: when the name or its ".part" exists (a file, a
// directory, a symbolic link, dangling or not) a counter goes before the
// extension ("s1-d2-report-2.txt"), up to maxNameTries names.
//
// It fails with ErrTooManyOpen, ErrTooManyFiles, ErrFolderFull or
// ErrNameTaken (each counted in Stats), ErrClosed, or an os error naming
// the file.
func (d *Dir) Create(t Transfer) (*Writer, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	switch {
	case d.closed:
		return nil, ErrClosed
	case d.st.Open >= d.lim.MaxOpen:
		d.st.RefusedOpen++
		return nil, ErrTooManyOpen
	case d.st.Files-d.st.Reclaimed >= int64(d.lim.MaxFiles):
		d.st.RefusedFiles++
		return nil, ErrTooManyFiles
	case d.total >= d.lim.MaxTotalBytes:
		d.st.RefusedFull++
		return nil, ErrFolderFull
	}
	base := baseName(t)
	for n := range maxNameTries {
		final := fileName(t.Session, t.Data, base, n)
		if _, err := d.root.Lstat(final); !errors.Is(err, fs.ErrNotExist) {
			d.st.Collisions++ // (taken, or not known to be free)
			continue
		}
		name := final + PartSuffix
		f, err := d.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL|noFollow, fileMode)
		if errors.Is(err, fs.ErrExist) {
			d.st.Collisions++
			continue
		}
		if err != nil {
			var pe *fs.PathError
			if errors.As(err, &pe) {
				err = pe.Err // the name is said below, once
			}
			return nil, fmt.Errorf("extract: create %s in %s: %w", final, d.path, err) // (as its record would name it)
		}
		d.st.Files++
		d.st.Open++
		return &Writer{
			d:      d,
			f:      f,
			buf:    bufio.NewWriterSize(f, bufSize),
			t:      t,
			path:   remotePath(t),
			name:   name,
			try:    n,
			sha256: sha256.New(),
			sha1:   sha1.New(),
			md5:    md5.New(),
		}, nil
	}
	d.st.RefusedName++
	return nil, fmt.Errorf("%w: %s in %s", ErrNameTaken, fileName(t.Session, t.Data, base, 0), d.path)
}

// settle gives the closed file part (its ".part" name) the first name
// Create would give t that is free, from try number from on: by a hard
// link and the removal of part (which, like O_EXCL, never replaces a name,
// and follows no link), or, in a file system without hard links, by a
// rename to a name Lstat found free. "" when it cannot (every name taken,
// the Dir closed, an error): the file keeps part.
func (d *Dir) settle(part string, t Transfer, from int) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return ""
	}
	base := baseName(t)
	for n := from; n < maxNameTries; n++ {
		name := fileName(t.Session, t.Data, base, n)
		err := d.root.Link(part, name)
		if errors.Is(err, fs.ErrExist) {
			d.st.Collisions++
			continue
		}
		if err != nil {
			if _, lerr := d.root.Lstat(name); !errors.Is(lerr, fs.ErrNotExist) {
				d.st.Collisions++
				continue
			}
			if d.root.Rename(part, name) != nil {
				return ""
			}
			return name
		}
		if d.root.Remove(part) != nil {
			_ = d.root.Remove(name) // one name only: the first
			return ""
		}
		return name
	}
	return ""
}

// limitCut names the limit that cut a file.
type limitCut uint8

const (
	cutNone limitCut = iota
	cutFile          // MaxFileBytes
	cutFull          // MaxTotalBytes
)

// reserve grants up to n bytes (or hole bytes) of a file now pos bytes
// long, against the per-file and the folder limit, and says which limit
// refused the rest. Stats counts them once on disk (wrote).
func (d *Dir) reserve(pos, n int64) (int64, limitCut) {
	why := cutNone
	if room := d.lim.MaxFileBytes - pos; n > room {
		n, why = max(room, 0), cutFile
	}
	d.mu.Lock()
	// A hole takes no disk (sparse) but counts here all the same: every
	// byte of it is hashed (as zeros) and reads back from the file, so
	// without this bound a few segments far apart would cost minutes of
	// hashing and gigabytes of apparent size per file.
	if room := d.lim.MaxTotalBytes - d.total; n > room {
		n, why = max(room, 0), cutFull
	}
	d.total += n
	d.mu.Unlock()
	return n, why
}

// wrote counts bytes and hole bytes a writer's file took on disk (reserved
// before): Stats count only those, so they never go down.
func (d *Dir) wrote(bytes, holes int64) {
	if bytes <= 0 && holes <= 0 {
		return
	}
	d.mu.Lock()
	d.st.Bytes += bytes
	d.st.HoleBytes += holes
	d.mu.Unlock()
}

// unreserve gives back what a writer reserved and never put on disk (a
// write failed: the buffered bytes and the failed ones, a hole seeked past
// with nothing after it), so that the folder bound holds the files as they
// are. Stats never counted them (wrote).
func (d *Dir) unreserve(bytes, holes int64) {
	if bytes <= 0 && holes <= 0 {
		return
	}
	d.mu.Lock()
	d.total -= bytes + holes
	d.mu.Unlock()
}

// countCut records bytes a limit cost; first is set for a file's first cut.
func (d *Dir) countCut(why limitCut, bytes int64, first bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var files, b *int64
	switch why {
	case cutFile:
		files, b = &d.st.CutFile, &d.st.CutFileBytes
	case cutFull:
		files, b = &d.st.CutFull, &d.st.CutFullBytes
	default:
		return
	}
	if first {
		*files++
	}
	*b += bytes
}

// release is a writer's Close: name stays counted with size bytes
// (holes included) until Reclaim finds it gone.
func (d *Dir) release(name string, size int64) {
	d.mu.Lock()
	d.st.Open--
	if d.keepClosed {
		d.kept = append(d.kept, keptFile{name, size})
	}
	d.mu.Unlock()
}

// KeepClosed makes the Dir remember the files it closes, by name and
// size, so Reclaim can find them removed: for a capture that runs on
// (live), at the cost of an entry per file (MaxFiles at most). Without
// it Reclaim gives nothing back and closed files cost no memory.
func (d *Dir) KeepClosed() {
	d.mu.Lock()
	d.keepClosed = true
	d.mu.Unlock()
}

// RefusedSince tells whether MaxTotalBytes or MaxFiles refused a file
// since the last Reclaim: whether a Reclaim could let files be written
// again.
func (d *Dir) RefusedSince() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.st.RefusedFull+d.st.RefusedFiles != d.refusedAt
}

// Reclaim looks for the files this Dir wrote and closed: one removed
// (or replaced, or truncated) since is no longer counted against
// MaxTotalBytes and MaxFiles, so an admin who frees the folder lets a
// long capture write files again; what stays on disk stays counted. It
// returns the files and bytes given back. Its Lstat calls are made
// without the lock: writers go on meanwhile.
func (d *Dir) Reclaim() (files, bytes int64) {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return 0, 0
	}
	kept := slices.Clone(d.kept)
	d.refusedAt = d.st.RefusedFull + d.st.RefusedFiles
	d.mu.Unlock()

	gone := make(map[int]int64) // index in kept -> bytes given back
	for i, k := range kept {
		fi, err := d.root.Lstat(k.name)
		switch {
		case errors.Is(err, fs.ErrNotExist), err == nil && !fi.Mode().IsRegular():
			gone[i] = k.size
		case err == nil && fi.Size() < k.size:
			gone[i] = k.size - fi.Size()
		}
	}
	if len(gone) == 0 {
		return 0, 0
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	// Entries appended since the copy come after it: indexes hold.
	out := d.kept[:0]
	for i, k := range d.kept {
		freed, ok := gone[i]
		if !ok {
			out = append(out, k)
			continue
		}
		bytes += freed
		if freed < k.size { // truncated: still there, smaller
			k.size -= freed
			out = append(out, k)
			continue
		}
		files++
	}
	clear(d.kept[len(out):])
	d.kept = out
	d.total -= bytes
	d.st.Reclaimed += files
	d.st.ReclaimedBytes += bytes
	return files, bytes
}
