package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/extract"
)

// extractOptions are the flags of `--extract DIR` (read and live).
type extractOptions struct {
	ExtractDir      string
	ExtractListings bool
	ExtractMaxOpen  int
	ExtractMaxFile  int64
	ExtractMaxTotal int64

	extractDir *extract.Dir // opened by validateExtract
	// extractCreated: the folder did not exist, validateExtract made it
	// (private to the user it runs as: giveExtractTo).
	extractCreated bool
}

func (o *extractOptions) registerExtract(f *pflag.FlagSet) {
	f.StringVar(&o.ExtractDir, "extract", "", "write the files the data connections carried (RETR, STOR, STOU, APPE) into the folder `DIR`, with a JSON file record each")
	f.BoolVar(&o.ExtractListings, "extract-listings", false, "with --extract, also write directory listings (LIST, NLST, MLSD)")
	f.IntVar(&o.ExtractMaxOpen, "extract-max-open", extract.DefaultMaxOpen, "with --extract, `N` files written at once; a transfer beyond it is counted, not written")
	bytesVar(f, &o.ExtractMaxFile, "extract-max-file", extract.DefaultMaxFileBytes, "with --extract, `BYTES` of one file (or 512M, 1G); the rest is counted, not written")
	bytesVar(f, &o.ExtractMaxTotal, "extract-max-total", extract.DefaultMaxTotalBytes, "with --extract, `BYTES` of all files together (or 10G); past it files are cut and counted")
}

// validateExtract checks the limits and opens the folder, so a folder
// that cannot be created, or one that exists and takes no file (owned by
// another user, read-only), is one clear error before any packet is read
// rather than a write error per transfer in the summary.
func (o *extractOptions) validateExtract() error {
	if o.ExtractDir == "" {
		if o.ExtractListings {
			return usageErrorf("--extract-listings needs --extract DIR")
		}
		return nil
	}
	// (The limits are positive: validateDependents.)
	_, statErr := os.Stat(o.ExtractDir)
	d, err := extract.Open(o.ExtractDir, extract.Limits{MaxOpen: o.ExtractMaxOpen, MaxFileBytes: o.ExtractMaxFile, MaxTotalBytes: o.ExtractMaxTotal})
	if err != nil {
		return extractFolderError(o.ExtractDir, err)
	}
	created := errors.Is(statErr, fs.ErrNotExist)
	if !created {
		if err := canCreateIn(o.ExtractDir); err != nil {
			d.Close()
			return fmt.Errorf("--extract %s: ftpsniff, running as %s, cannot create files in this folder: %w; make it writable for that user, or name another folder (one that does not exist yet is created)", o.ExtractDir, currentUser(), err)
		}
	}
	o.extractDir = d
	o.extractCreated = created
	return nil
}

// writeClash refuses a --write FILE that is --extract's folder (also
// through a link). Checked before validateExtract, which creates the
// folder: a refused command leaves nothing behind.
func (o *extractOptions) writeClash(write string) error {
	if o.ExtractDir == "" || write == "" {
		return nil
	}
	same := samePath(write, o.ExtractDir)
	if l, err := os.Lstat(write); err == nil && l.Mode()&fs.ModeSymlink != 0 && !same {
		// A link to the folder, which need not exist yet (Stat fails on
		// it then): its target named.
		if to, err := os.Readlink(write); err == nil {
			if !filepath.IsAbs(to) {
				to = filepath.Join(filepath.Dir(write), to)
			}
			same = samePath(to, o.ExtractDir)
		}
	}
	if w, err := os.Stat(write); err == nil && !same {
		if d, err := os.Stat(o.ExtractDir); err == nil {
			same = os.SameFile(w, d)
		}
	}
	if same {
		return usageErrorf("--write %s and --extract %s name the same path: --write takes a capture file, --extract a folder for the transferred files; give each its own", safe(write), safe(o.ExtractDir))
	}
	return nil
}

// canCreateIn tells whether this process can create a file in dir, by
// creating an empty one and removing it: permissions, ACLs, a read-only
// mount and the like all answer the same way.
func canCreateIn(dir string) error {
	f, err := os.CreateTemp(dir, ".ftpsniff-check-*")
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the folder is named by the caller
		}
		return err
	}
	f.Close()
	os.Remove(f.Name())
	return nil
}

// currentUser names the user the process runs as, for messages.
func currentUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return "user " + u.Username
	}
	return "uid " + strconv.Itoa(os.Geteuid())
}

// giveExtractTo is for `live` started as root, before it drops its
// privileges to the user name (--user): the folder validateExtract
// created (mode 0700, owned by root) is given to that user, so that the
// capture, running as that user, can create its files there, and the
// folder stays private to it. A folder that existed is left as it is
// (checkExtractWritable says when the user cannot write there). Nothing
// to do without root, or when the user is root; a user that does not
// exist is DropPrivileges' error.
func (o *extractOptions) giveExtractTo(name string) error {
	if o.extractDir == nil || !o.extractCreated {
		return nil
	}
	owner := ownerFor(name)
	if !owner.ok {
		return nil
	}
	if err := os.Chown(o.ExtractDir, owner.uid, owner.gid); err != nil {
		return fmt.Errorf("--extract %s: giving the folder to user %s: %w", o.ExtractDir, name, err)
	}
	return nil
}

// checkExtractWritable is for `live` once it has dropped its privileges:
// a folder that existed before must let the process create files in it,
// or every file would fail to be created; one clear error at the start
// instead. It creates and removes an empty file to find out.
func (o *extractOptions) checkExtractWritable(name string) error {
	if o.extractDir == nil || o.extractCreated {
		return nil
	}
	if err := canCreateIn(o.ExtractDir); err != nil {
		return fmt.Errorf("--extract %s: with its privileges dropped (--user %s), the capture cannot create files in the folder: %w; make it writable by that user, or name a folder that does not exist yet (ftpsniff then creates it for that user)", o.ExtractDir, name, err)
	}
	return nil
}

// wantPayload tells decode to reassemble data connections.
func (o *extractOptions) wantPayload() bool { return o.extractDir != nil }

// fileOutput is an output that shows extracted files.
type fileOutput interface {
	File(s *track.Session, d *track.DataConn, r *extract.FileRecord)
	// ExtractSummary gets the counters before Summary is called.
	ExtractSummary(st extractStats)
}

// sessionFilesDone is an output that keeps file records until the
// session is shown; forgetFiles lets it drop them.
type sessionFilesDone interface{ forgetFiles(s *track.Session) }

// fileSkippedOutput is an output that shows, under its data connection,
// a transfer whose file a bound kept from being written (the summary
// counts them): the text transcript.
type fileSkippedOutput interface {
	FileSkipped(s *track.Session, d *track.DataConn, why string)
}

// fileFailedOutput is an output that shows a file that could not be
// created (a file-system error, not a bound) at once: live's text stream.
// Others are told as of a bound (fileSkippedOutput).
type fileFailedOutput interface {
	FileFailed(s *track.Session, d *track.DataConn, err error)
}

// extractStats is what the summary reports of extraction: the folder's
// counters and limits, and what was not extracted.
type extractStats struct {
	Dir          string              `json:"dir"`
	Files        extract.Stats       `json:"folder"` // (not "files": the vantage record's list of inputs)
	Limits       extractLimits       `json:"limits"`
	Payload      decode.PayloadStats `json:"reassembly"`
	CreateFailed int64               `json:"create_failed,omitempty"` // files not created: a bound (counted in Files) or a file-system error
	GivenUp      int64               `json:"given_up,omitempty"`      // files whose stream reassembly gave up (table full): the rest is missing
	// NotReassembled: transfers whose data connection carried bytes in
	// the file's direction that reassembly never delivered (it was not
	// followed: the table was full when it began, or the tracker knew it
	// only after those bytes went by). No file; the bytes are in the
	// data record.
	NotReassembled int64 `json:"not_reassembled,omitempty"`
	// NotReassembledBytes: the payload bytes those transfers carried.
	NotReassembledBytes int64 `json:"not_reassembled_bytes,omitempty"`
	NoCommand           int64 `json:"no_command,omitempty"`            // data connections that carried bytes before any transfer command was linked to them
	Encrypted           int64 `json:"encrypted_connections,omitempty"` // data connections that began with the client's TLS ClientHello: ciphertext, not written
	// EncryptedSession: data connections of sessions whose control
	// channel was TLS (no transfer command visible) that began with the
	// client's TLS ClientHello: ciphertext, not written (not NoCommand).
	EncryptedSession int64 `json:"encrypted_session,omitempty"`
	// NoCommandTLS: data connections of sessions whose control channel
	// was TLS (no transfer command visible, ever) that carried bytes with
	// no TLS ClientHello seen first: in clear (PROT C), or not
	// reassembled. Not written, nor counted in NoCommand, whose bytes came
	// before a command that did come.
	NoCommandTLS int64 `json:"no_command_tls,omitempty"`
	// RaceGuessed: data connections whose session was a guess among
	// several told their endpoint (track.DataConn.AmongRace) whose bytes
	// passed the hold (heldPayloadMax) before a reply settled it: written
	// under the session guessed then, which a later reply may have
	// proven wrong.
	RaceGuessed int64 `json:"race_guessed,omitempty"`
	// OwnerUnknown: data connections to an endpoint several sessions
	// raced for that carried bytes no transfer command of theirs names
	// (ownerUnknown): one that came when every announcement of it was
	// used (track.DataConn.RaceUnplaced, the tracker's
	// data_race_unplaced), or a guess with no transfer command. Which
	// session's, and which file, is unknown. Written as
	// "s<S>-d<D>-owner-unknown" (S the session guessed), never complete.
	OwnerUnknown int64 `json:"owner_unknown,omitempty"`
	// StolenNotWritten: data connections of a transfer another host took
	// (passive port theft) whose bytes stolenPayload could not write into
	// its file: the other host's connection's after the transfer's record
	// was out (the tracker ends it at the final reply; that connection
	// may go on), or the client's own connection's while the file held
	// the other host's. StolenNotWrittenBytes: those bytes.
	StolenNotWritten      int64 `json:"stolen_not_written,omitempty"`
	StolenNotWrittenBytes int64 `json:"stolen_not_written_bytes,omitempty"`
	// NotDelivered: transfers that delivered no byte to their receiver
	// (undelivered: holes alone before a FIN the receiver, seen after
	// it, never acknowledged past, or bytes sent again and again that a
	// receiver seen after the handshake never acknowledged, with no 226
	// or 250 saying the transfer completed): no file. NotDeliveredBytes: the size those files
	// would have had.
	NotDelivered      int64 `json:"not_delivered,omitempty"`
	NotDeliveredBytes int64 `json:"not_delivered_bytes,omitempty"`
	// NotCaptured: transfers whose bytes the capture does not hold (the
	// snap length cut them from their segments, or the capture lost
	// them), though nothing shows they were not delivered: no file of
	// zeros. NotCapturedBytes: the size those files would have had.
	NotCaptured      int64  `json:"not_captured,omitempty"`
	NotCapturedBytes int64  `json:"not_captured_bytes,omitempty"`
	WriteErrors      int64  `json:"write_errors,omitempty"` // files a write or close failed on
	LastError        string `json:"last_error,omitempty"`
}

// extractLimits are the folder's bounds, as the JSON record names them.
type extractLimits struct {
	MaxOpen       int   `json:"max_open"`
	MaxFiles      int   `json:"max_files"`
	MaxFileBytes  int64 `json:"max_file_bytes"`
	MaxTotalBytes int64 `json:"max_total_bytes"`
}

// openFile is one file being written: the data connection's payload in
// the direction its command implies.
type openFile struct {
	w        *extract.Writer
	toClient bool
	ascii    bool // TYPE A in force when it began
	// asciiDefault: no TYPE seen when it began (RFC 959's default is
	// ASCII; many servers send the bytes unchanged)
	asciiDefault bool
	form         wireForm // the MODE and STRU in force when it began
	givenUp      bool     // decode gave the stream up: nothing more is written
	dataDone     bool     // the data connection is reported; waiting for the command's final reply
	dead         bool     // not created (a bound, an error): its bytes are dropped
	noCmd        bool     // counted as NoCommand
	stolen       bool     // another host's connection's bytes (stolenPayload)
	// lostCounted: its connection is counted in StolenNotWritten.
	lostCounted bool
	// lateReply: a final reply the tracker took for no command's (a 421
	// closing the session during the transfer), 0 when none.
	lateReply int
	// empty: the data connection ended with no byte the file's way; the
	// (empty) file is created at close when the transfer's final reply
	// is 2xx: an empty file was transferred. Otherwise there was none.
	empty bool
	// reserved: chosen for reassembly (ChoosePayload), no file yet; it
	// holds an open slot until its first bytes create the file.
	reserved bool
	// refused: not chosen, every open slot taken when decode asked; its
	// bytes never come (dead is set too).
	refused bool
	slot    bool // holds one of the extractor's MaxOpen slots
	// startUnknown: a reservation told its stream's start is unknown
	// (decode.GapStartUnknown) before its first bytes.
	startUnknown bool
	// unchecked: later copies of written bytes that could not be compared
	// with them (decode.GapUncheckedBack); uncheckedAt: the first one's
	// offset.
	unchecked   int
	uncheckedAt int64
	// earlyEnd: a FIN put the stream's end at earlyEndAt, behind bytes
	// written up to earlyEndTo (decode.GapEarlyEndBack).
	earlyEnd               bool
	earlyEndAt, earlyEndTo int64
	// held: the bytes and gap notices, in order, of a connection the
	// tracker holds for a lost PORT (track.DataConn.HeldForLostPort),
	// kept on a reservation until it ties the connection to its transfer
	// command (written then, as they came: release) or gives it up;
	// heldCost is what they count against the bounds (heldPayloadMax).
	held     []heldPiece
	heldCost int64
	// heldLost: bytes of such a connection that make no file (it was not
	// tied, or they passed the bound): counted as NoCommand if it is
	// reported, as bytes before their command are; nothing if it is not
	// (the server host's other traffic).
	heldLost bool
	// raceWritten: held as a guess of its session (AmongRace), it passed
	// the bound and is written under that guess, held no more (the
	// reservation's, then its file's: close renames it).
	raceWritten bool
	// unowned: the file of a race's connection whose owner is unknown,
	// no transfer command its own (unownedFile).
	unowned bool
	// filedUnder: the session whose bySession entry holds it, its data
	// connection's when put there: the tracker may move a data
	// connection to another of the client's encrypted sessions before
	// reporting it (track.DataConn.AmongEncrypted), and the entry follows
	// it (refile).
	filedUnder *track.Session
}

// heldPiece is payload (b) or, with b nil, a gap notice (gap) of a held
// connection, in the direction toClient.
type heldPiece struct {
	toClient bool
	b        []byte
	gap      int64
}

// heldPayloadMax bounds the bytes kept of one connection held for a lost
// PORT (openFile.held), heldPayloadTotal those of all together: past
// either it makes no file (counted). The tracker ties one at its
// transfer's first reply, so it holds bytes only when the capture wrote
// them before that reply (two queues) or lost the reply too; a piece
// costs heldPieceCost besides its bytes.
const (
	heldPayloadMax   = 8 << 20
	heldPayloadTotal = 32 << 20
	heldPieceCost    = 64
)

// extractor sits between the tracker and the diagnoser: it takes the
// data connections' payload (track.PayloadSink), writes the files, and
// closes each once both its data connection and its command are final,
// then passes every call on.
type extractor struct {
	next     track.Sink
	dir      *extract.Dir
	listings bool
	out      fileOutput // nil when the output shows no files
	flush    func()     // after each record, for live
	files    map[*track.DataConn]*openFile
	// bySession indexes files by session, so a session's end or event
	// looks at its own files only, not at every one open.
	bySession map[*track.Session]map[*track.DataConn]*openFile
	// forms: the sessions whose accepted MODE or STRU puts more than
	// the file's bytes on the wire (wireForm), absent for stream mode
	// and file structure.
	forms  map[*track.Session]wireForm
	st     extractStats
	closed bool
	// slots: files open or reserved (openFile.slot), at most maxOpen: a
	// transfer decode asks about when none is free is refused, so the
	// reassembly table holds only transfers that are written.
	slots   int
	maxOpen int
	// refusedOpen: transfers refused for want of a slot that carried
	// bytes, added to the folder's RefusedOpen.
	refusedOpen int64
	// visited counts the files session-scoped loops looked at (tests).
	visited int
	// selects: the sessions whose files are written (read's --session,
	// --server, --client); nil for all.
	selects func(*track.Session) bool
	// endOutlived tells whether reassembly saw a data connection go on
	// after both its FINs (decode.Decoder.PayloadEndOutlived); nil for
	// never.
	endOutlived func(*track.DataConn) bool
	// heldTotal: what the held connections' pieces cost together
	// (openFile.held).
	heldTotal int64
}

// withExtract puts an extractor in front of the tracker's sink when
// --extract was given.
func (p *pipeline) withExtract(next track.Sink) track.Sink {
	o := &p.opts.extractOptions
	if o.extractDir == nil {
		return next
	}
	x := newExtractor(next, o.extractDir, o.ExtractListings)
	// (p.sel is set after the pipeline is made: read at each call.)
	x.selects = func(s *track.Session) bool { return p.sel.selects(s) }
	x.endOutlived = func(dc *track.DataConn) bool { return p.dec != nil && p.dec.PayloadEndOutlived(dc.Client, dc.Server) }
	out := track.Sink(p.out)
	if mo, ok := out.(*metricsOutput); ok {
		out = mo.out // live --metrics: files are not counted in metrics
	}
	if fe, ok := out.(*flushEach); ok {
		out, x.flush = fe.out, fe.flush
	}
	x.out, _ = out.(fileOutput)
	p.ext = x
	return x
}

// newExtractor returns an extractor writing into dir, passing calls on
// to next.
func newExtractor(next track.Sink, dir *extract.Dir, listings bool) *extractor {
	return &extractor{next: next, dir: dir, listings: listings, maxOpen: dir.Limits().MaxOpen,
		files: map[*track.DataConn]*openFile{}, bySession: map[*track.Session]map[*track.DataConn]*openFile{},
		forms: map[*track.Session]wireForm{}}
}

// put makes f the entry of dc, in both indexes, moving the slot count
// from the entry it replaces.
func (x *extractor) put(dc *track.DataConn, f *openFile) {
	if old := x.files[dc]; old != nil {
		if old.slot {
			x.slots--
		}
		x.unfile(dc, old.filedUnder)
	}
	if f.slot {
		x.slots++
	}
	x.files[dc] = f
	x.index(dc, f)
}

// del forgets dc's entry and frees its slot.
func (x *extractor) del(dc *track.DataConn) {
	f := x.files[dc]
	if f == nil {
		return
	}
	if f.slot {
		x.slots--
	}
	delete(x.files, dc)
	x.unfile(dc, f.filedUnder)
}

// index files f, dc's entry, under dc's session.
func (x *extractor) index(dc *track.DataConn, f *openFile) {
	m := x.bySession[dc.Session]
	if m == nil {
		m = map[*track.DataConn]*openFile{}
		x.bySession[dc.Session] = m
	}
	m[dc] = f
	f.filedUnder = dc.Session
}

// unfile takes dc out of the index of session s.
func (x *extractor) unfile(dc *track.DataConn, s *track.Session) {
	if m := x.bySession[s]; m != nil {
		delete(m, dc)
		if len(m) == 0 {
			delete(x.bySession, s)
		}
	}
}

// refile indexes dc's entry under the session dc belongs to now, when
// the tracker moved it from the one it was filed under.
func (x *extractor) refile(dc *track.DataConn) {
	if f := x.files[dc]; f != nil && f.filedUnder != dc.Session {
		x.unfile(dc, f.filedUnder)
		x.index(dc, f)
	}
}

// ChoosePayload implements track.PayloadChooser: decode reassembles a
// data connection only when its bytes can make a file. A transfer is
// chosen while an open slot (--extract-max-open) is free, and holds it
// until its file closes, so the first transfers are written whole; one
// asked about when every slot is taken is refused for good (its start
// is gone by the time a slot frees) and counted as refused_open when it
// carried the file's bytes.
func (x *extractor) ChoosePayload(dc *track.DataConn) bool {
	if x.closed || !x.selected(dc) {
		return false
	}
	if f := x.files[dc]; f != nil {
		return !f.dead && !f.givenUp && !f.empty
	}
	if dc.Command != nil {
		if _, ok := x.wanted(dc); !ok {
			return false // no file (a listing without --extract-listings)
		}
	}
	if x.slots >= x.maxOpen {
		x.put(dc, &openFile{dead: true, refused: true})
		return false
	}
	x.put(dc, &openFile{reserved: true, slot: true})
	return true
}

// selected tells whether dc's session is one the selection flags keep:
// the files of the others are not written (nor counted).
func (x *extractor) selected(dc *track.DataConn) bool {
	return x.selects == nil || dc.Session == nil || x.selects(dc.Session)
}

// finishExtract closes what is left and hands the counters to the output,
// before its summary.
func (p *pipeline) finishExtract() {
	x := p.ext
	if x == nil || x.closed {
		return
	}
	x.closeAll()
	x.closed = true
	if err := x.dir.Close(); err != nil {
		x.writeError(err)
	}
	x.st.Dir = x.dir.Path()
	x.st.Files = x.dir.Stats()
	x.st.Files.RefusedOpen += x.refusedOpen
	l := x.dir.Limits()
	x.st.Limits = extractLimits{MaxOpen: l.MaxOpen, MaxFiles: l.MaxFiles, MaxFileBytes: l.MaxFileBytes, MaxTotalBytes: l.MaxTotalBytes}
	x.st.Payload = p.dec.PayloadStats()
	if x.out != nil {
		x.out.ExtractSummary(x.st)
	}
}

// wanted tells whether a data connection's payload makes a file, and in
// which direction.
func (x *extractor) wanted(dc *track.DataConn) (toClient, ok bool) {
	if dc.Command == nil {
		return false, false
	}
	switch dc.Command.Verb {
	case "RETR":
		return true, true
	case "STOR", "STOU", "APPE":
		return false, true
	case "LIST", "NLST", "MLSD":
		return true, x.listings
	}
	return false, false
}

// file returns the open file of dc for bytes in direction toClient,
// creating it at the first; nil when those bytes make no file.
func (x *extractor) file(dc *track.DataConn, toClient bool) *openFile {
	r := x.files[dc]
	if r != nil && !r.reserved {
		if r.dead || r.givenUp || r.empty || r.toClient != toClient {
			return nil
		}
		return r
	}
	// None yet, or a reservation (ChoosePayload).
	if x.closed || !x.selected(dc) {
		return nil
	}
	if ownerUnknown(dc) {
		return x.unownedFile(dc, toClient, r)
	}
	if dc.Command == nil {
		// Bytes before the transfer command was seen, or of a session
		// whose commands are ciphertext: counted once.
		x.put(dc, &openFile{dead: true, noCmd: true, toClient: toClient})
		x.countNoCommand(dc)
		return nil
	}
	want, ok := x.wanted(dc)
	if !ok {
		if r != nil {
			x.put(dc, &openFile{dead: true}) // no file: the slot is free again
		}
		return nil
	}
	if want != toClient {
		return nil
	}
	f := &openFile{toClient: toClient, ascii: strings.HasPrefix(dc.Type, "A"), asciiDefault: dc.Type == "", form: x.forms[dc.Session], slot: true}
	x.put(dc, f)
	if !x.create(dc, f) {
		return nil
	}
	if r != nil && r.startUnknown {
		f.w.StartUnknown()
	}
	if r != nil && r.raceWritten {
		f.raceWritten = true // (close names it after the session settled by then)
	}
	return f
}

// ownerUnknown tells whether dc's bytes are a race's whose owner is
// unknown: dc has no transfer command, and it is to an endpoint several
// sessions raced for, left unplaced (track.DataConn.RaceUnplaced) or a
// guess (AmongRace; hold keeps its bytes until its end, or past its
// bound: a transfer command tied by then makes its file as any). In
// passive mode bytes come only after a transfer command: another
// session's, the one whose connection this was.
func ownerUnknown(dc *track.DataConn) bool {
	return dc.Command == nil && dc.AmongRace > 1
}

// unownedFile creates the file of dc, a race's connection whose owner is
// unknown (ownerUnknown), for its first bytes, toClient their direction:
// no transfer command of its own says which file it carried nor which
// way, so the direction that carried bytes first makes it (a transfer's
// bytes go one way), named for no transfer ("s<S>-d<D>-owner-unknown")
// and counted (OwnerUnknown). Before, its bytes made no file, counted as
// bytes before their command (no_command). r: dc's reservation, if any.
func (x *extractor) unownedFile(dc *track.DataConn, toClient bool, r *openFile) *openFile {
	f := &openFile{toClient: toClient, unowned: true, form: x.forms[dc.Session], slot: true}
	x.put(dc, f)
	x.st.OwnerUnknown++
	if !x.create(dc, f) {
		return nil
	}
	if r != nil && r.startUnknown {
		f.w.StartUnknown()
	}
	if r != nil && r.raceWritten {
		f.raceWritten = true // (a reply that settles it by its close names it: close)
	}
	return f
}

// create creates f's file in the folder; false when it could not be (a
// bound, counted by the folder, or an error): f is then dead.
func (x *extractor) create(dc *track.DataConn, f *openFile) bool {
	w, err := x.dir.Create(transferOf(dc))
	if err != nil {
		if isLimit(err) {
			x.skip(dc, x.limitWhy(err))
		}
		f.dead = true
		if f.slot {
			f.slot = false
			x.slots--
		}
		x.st.CreateFailed++
		if !isLimit(err) {
			x.writeError(err)
			if fo, ok := x.out.(fileFailedOutput); ok {
				fo.FileFailed(dc.Session, dc, err)
				if x.flush != nil {
					x.flush()
				}
			} else {
				// The transcript says it under the data connection, as it
				// does a bound's.
				x.skip(dc, err.Error())
			}
		}
		return false
	}
	f.w = w
	return true
}

// transferOf is what the folder names dc's file for: its session, its
// number, its transfer command and that command's replies; none for a
// connection a race left unplaced (no command: its owner unknown).
func transferOf(dc *track.DataConn) extract.Transfer {
	c := dc.Command
	if c == nil {
		// A race's connection whose owner is unknown (unownedFile).
		return extract.Transfer{Session: dc.Session.ID, Data: dc.ID, OwnerUnknown: true}
	}
	t := extract.Transfer{Session: dc.Session.ID, Data: dc.ID, Verb: c.Verb, Arg: c.Arg, Cwd: c.Cwd}
	for _, r := range c.Replies {
		if !r.Secret { // a reply that repeats a password names no file
			t.Replies = append(t.Replies, r.Text)
		}
	}
	return t
}

// countNoCommand counts a data connection that carried bytes with no
// transfer command linked to it: one whose command came late (NoCommand),
// or one of a session whose control channel is TLS, where no command is
// ever visible (NoCommandTLS; its ClientHello, when seen, made it
// EncryptedSession instead).
func (x *extractor) countNoCommand(dc *track.DataConn) {
	if controlEncrypted(dc.Session) {
		x.st.NoCommandTLS++
		return
	}
	x.st.NoCommand++
}

// tlsHandshakeStart tells whether b starts like a TLS handshake record
// (a ClientHello's): content type 22, record version 3.1-3.4.
func tlsHandshakeStart(b []byte) bool {
	return len(b) >= 3 && b[0] == 22 && b[1] == 3 && b[2] >= 1 && b[2] <= 4
}

// isLimit tells a bound (counted by the folder) from a file-system error.
func isLimit(err error) bool {
	return errors.Is(err, extract.ErrTooManyOpen) || errors.Is(err, extract.ErrTooManyFiles) ||
		errors.Is(err, extract.ErrFolderFull) || errors.Is(err, extract.ErrNameTaken)
}

// skip tells the output that dc's transfer was not written, and why.
func (x *extractor) skip(dc *track.DataConn, why string) {
	if fo, ok := x.out.(fileSkippedOutput); ok {
		fo.FileSkipped(dc.Session, dc, why)
	}
}

// limitWhy words a bound that kept a file from being written, as the
// summary's extracted: line does.
func (x *extractor) limitWhy(err error) string {
	l := x.dir.Limits()
	switch {
	case errors.Is(err, extract.ErrTooManyOpen):
		return filesOpenWhy(l.MaxOpen)
	case errors.Is(err, extract.ErrTooManyFiles):
		return filesWrittenWhy(l.MaxFiles)
	case errors.Is(err, extract.ErrFolderFull):
		return "the folder limit was reached (--extract-max-total)"
	case errors.Is(err, extract.ErrNameTaken):
		return "every name was taken"
	}
	return err.Error()
}

// filesOpenWhy and filesWrittenWhy word the open-files and the files
// bound, for limitWhy and the summary.
func filesOpenWhy(n int) string {
	if n == 1 {
		return "1 file was open (--extract-max-open)"
	}
	return fmt.Sprintf("%d files were open (--extract-max-open)", n)
}

// fileFate is what close does with a file whose stream the capture
// filled with no delivered byte, or whose bytes it cannot show arrived.
type fileFate uint8

const (
	fateWrite fileFate = iota // written (with what unverified says, if anything)
	// fateNotDelivered: the capture shows its bytes never reached the
	// receiver: no file (NotDelivered).
	fateNotDelivered
	// fateNotCaptured: its bytes are not in the capture (the snap length
	// cut them, or the capture lost them) though nothing says they were
	// not delivered: no file of zeros (NotCaptured).
	fateNotCaptured
)

// undelivered judges f, dc's file, at its close: whether it holds no byte
// its receiver got, and why. A stream of holes alone is no file: the
// receiver never got those bytes (the sender's FIN got through past them
// and the receiver, seen after it, acknowledged none: a path MTU black
// hole seen from the receiver's side), or the capture does not hold them
// (the snap length, capture loss: delivered as far as anything shows).
// Bytes the capture holds and the receiver never acknowledged though the
// sender sent them again and again are written unless the evidence that
// they never arrived is real: the receiver was seen after the handshake
// (receiverSpoke) and acknowledged none of them, and no 226 or 250 says
// the transfer completed. Otherwise the file is written, its delivery
// unverified (the receiver's acknowledgements missing from the capture:
// an asymmetric return path, packets the capturing kernel dropped), and
// unverified says so for its record.
func undelivered(dc *track.DataConn, f *openFile) (why string, fate fileFate, unverified string) {
	n := f.w.Offset()
	if n == 0 {
		return "", fateWrite, "" // (an empty file: transferred as such, or none)
	}
	d := senderIndex(dc, f.toClient)
	sender := dc.Server
	if d == 0 {
		sender = dc.Client
	}
	st, stuck := dc.Stuck()
	stuck = stuck && st.Sender == sender && dc.Bytes[d] == 0
	spoke := receiverSpoke(dc, d)
	reply, completed := completedReply(dc)
	if f.w.Received() == 0 {
		if lost, ok := dc.LostBeforeFIN(); ok && lost.Sender == sender {
			return "no byte of it was delivered: the " + counted(n, "byte{s} its end shows sent {is|are}") +
				" missing from the capture (never received), so the file would hold zeros alone", fateNotDelivered, ""
		}
		if !stuck || !spoke || completed {
			return "its bytes are not in the capture (the snap length / capture loss): the " +
				counted(n, "byte{s} the data connection carried this way") + " would be zeros alone", fateNotCaptured, ""
		}
	}
	if !stuck {
		return "", fateWrite, ""
	}
	sent := counted(n, "byte{s}") + " sent (again and again)"
	unseen := "the capture holds no segment of the receiver's after the handshake, so none of the " + sent + " shows acknowledged"
	switch {
	case spoke && !completed:
		return "no byte of it was delivered: the receiver, seen after the handshake, acknowledged none of the " + sent +
			" and no 226 or 250 says the transfer completed, so the file would hold what never arrived", fateNotDelivered, ""
	case spoke:
		unverified = "unverified: the receiver acknowledged none of the " + sent + ", yet the " + strconv.Itoa(reply) +
			" says the transfer completed: the file holds the bytes sent, their delivery not shown"
	case completed:
		unverified = "unverified: " + unseen + ", yet the " + strconv.Itoa(reply) +
			" says the transfer completed (the receiver's acknowledgements are missing from the capture): the file holds the bytes sent"
	default:
		unverified = "unverified: " + unseen + " (the receiver's acknowledgements may be missing from the capture): the file holds the bytes sent, whether they arrived not known"
	}
	return "", fateWrite, unverified
}

// receiverSpoke tells whether the capture holds a segment the receiver of
// direction d's bytes sent after the handshake, as far as the data record
// shows one: its FIN, its RST, or bytes of its own. (A bare ACK that
// acknowledges none of them is not told apart: the file is written then,
// unverified, rather than kept from a receiver that may have it.)
func receiverSpoke(dc *track.DataConn, d int) bool {
	r := 1 - d
	if !dc.FINTS[r].IsZero() || dc.Bytes[r] > 0 {
		return true
	}
	return !dc.RSTTS.IsZero() && dc.RSTFromServer == (r == 1)
}

// completedReply is the final reply to dc's transfer command when it says
// the transfer completed (226, 250), and whether it does.
func completedReply(dc *track.DataConn) (int, bool) {
	if dc.Command == nil {
		return 0, false
	}
	r := dc.Command.Final()
	if r == nil || r.Code != 226 && r.Code != 250 {
		return 0, false
	}
	return r.Code, true
}

func filesWrittenWhy(n int) string {
	return fmt.Sprintf("%d file%s written already", n, plural(n))
}

func (x *extractor) writeError(err error) {
	x.st.WriteErrors++
	x.st.LastError = err.Error()
}

// hold keeps b (or, b nil, the gap notice n) of dc, direction toClient,
// while the tracker holds dc for a lost PORT with no transfer command
// tied to it yet (track.DataConn.HeldForLostPort), or while its session
// is a guess (AmongRace): whether dc is the transfer's, and which file
// its bytes make, is known only then. It
// tells whether it took them. Once dc is tied, or given up, what it kept
// goes first (release) and it takes no more.
func (x *extractor) hold(dc *track.DataConn, toClient bool, b []byte, n int64) bool {
	r := x.files[dc]
	if r == nil || !r.reserved {
		return false // (no reservation: ChoosePayload refused it, or a file began)
	}
	// A connection whose session is a guess among several that
	// announced its endpoint (track.DataConn.AmongRace) is held too while
	// it is open: a later reply may give it, its transfer command with
	// it, to another session, whose file its bytes then make. (Final, it
	// is reported with the session it has, settled or not: released.)
	// (One a race left unplaced no reply settles: not held.)
	if (dc.AmongRace == 0 || dc.Done || r.raceWritten || dc.RaceUnplaced()) && (dc.Command != nil || !dc.HeldForLostPort()) {
		if r.held != nil {
			x.release(dc, r)
		}
		return false
	}
	cost := int64(len(b))
	last := len(r.held) - 1
	merge := b != nil && last >= 0 && r.held[last].b != nil && r.held[last].toClient == toClient
	if !merge {
		cost += heldPieceCost
	}
	if r.heldCost+cost > heldPayloadMax || x.heldTotal+cost > heldPayloadTotal {
		if dc.Command != nil || !dc.HeldForLostPort() {
			// Held only for its session's guess (AmongRace): the bytes
			// are its transfer's, whichever session's; written under the
			// guess (counted: RaceGuessed), never dropped.
			r.raceWritten = true
			x.st.RaceGuessed++
			x.release(dc, r)
			return false
		}
		// Too much before the tracker decides: no file.
		x.heldTotal -= r.heldCost
		x.put(dc, &openFile{dead: true, heldLost: true})
		return true
	}
	r.heldCost += cost
	x.heldTotal += cost
	if merge {
		r.held[last].b = append(r.held[last].b, b...)
	} else {
		r.held = append(r.held, heldPiece{toClient: toClient, b: slices.Clone(b), gap: n})
	}
	return true
}

// release hands on what hold kept of dc: as it came, when the tracker has
// tied dc to its transfer command (the file is made as it would have
// been, had the command been tied at the first byte); when it has not,
// nothing (heldLost).
func (x *extractor) release(dc *track.DataConn, r *openFile) {
	held := r.held
	x.heldTotal -= r.heldCost
	r.held, r.heldCost = nil, 0
	if dc.Command == nil && !ownerUnknown(dc) {
		x.put(dc, &openFile{dead: true, heldLost: true})
		return
	}
	for _, p := range held {
		if p.b != nil {
			x.DataPayload(dc, p.toClient, p.b)
		} else {
			x.DataPayloadGap(dc, p.toClient, p.gap)
		}
	}
}

// releaseDone releases what hold kept of the connections of s the
// tracker finished without a Data call yet: one given up for the one
// from the server's data port (that one's Data call comes here) is
// never reported, and its bytes need not wait for the session's end.
func (x *extractor) releaseDone(s *track.Session) {
	m := x.bySession[s]
	x.visited += len(m)
	for dc, f := range m {
		if f.held != nil && dc.Done {
			x.release(dc, f)
		}
	}
}

// DataPayload implements track.PayloadSink.
func (x *extractor) DataPayload(dc *track.DataConn, toClient bool, b []byte) {
	if !x.stolenPayload(dc, toClient, b, 0) {
		x.dataPayload(dc, toClient, b)
	}
}

// dataPayload is DataPayload for bytes that are dc's transfer's own
// (stolenPayload hands a stranger's on to it as its announcement's).
func (x *extractor) dataPayload(dc *track.DataConn, toClient bool, b []byte) {
	if x.hold(dc, toClient, b, 0) {
		return
	}
	if r := x.files[dc]; (r == nil || r.reserved) && !toClient && dc.MayBeProtected() && tlsHandshakeStart(b) {
		// PROT P after a CCC, or a PROT sent inside TLS: on a protected
		// data connection the FTP client is the TLS client (RFC 4217),
		// so its ClientHello comes before any byte of the file, in
		// either direction. The file's bytes would be ciphertext.
		if want, ok := x.wanted(dc); ok && !x.closed {
			x.put(dc, &openFile{dead: true, toClient: want})
			x.st.Encrypted++
			return
		}
	}
	if r := x.files[dc]; (r == nil || r.reserved) && !toClient && dc.Command == nil && controlEncrypted(dc.Session) && tlsHandshakeStart(b) && !x.closed {
		// A data connection of a session whose commands are ciphertext
		// (AUTH TLS, implicit FTPS): no transfer command is visible, and
		// the client's ClientHello says its bytes are ciphertext too. It
		// is encrypted, not early (NoCommand): counted apart from Encrypted,
		// which counts transfers (a command seen).
		x.put(dc, &openFile{dead: true, noCmd: true})
		x.st.EncryptedSession++
		return
	}
	if f := x.file(dc, toClient); f != nil {
		// A failed write is in the file's record ("write failed").
		_, _ = f.w.Write(b)
	}
}

// controlEncrypted tells whether s's control channel is ciphertext now
// (AUTH TLS accepted and no CCC, or implicit FTPS): its commands, the
// transfer's among them, are not visible.
func controlEncrypted(s *track.Session) bool {
	return s != nil && (s.Encrypted || s.ImplicitTLS)
}

// DataPayloadGap implements track.PayloadSink.
func (x *extractor) DataPayloadGap(dc *track.DataConn, toClient bool, n int64) {
	if !x.stolenPayload(dc, toClient, nil, n) {
		x.dataPayloadGap(dc, toClient, n)
	}
}

// dataPayloadGap is DataPayloadGap for dc's transfer's own bytes
// (dataPayload).
func (x *extractor) dataPayloadGap(dc *track.DataConn, toClient bool, n int64) {
	if x.hold(dc, toClient, nil, n) {
		return
	}
	if r := x.files[dc]; r != nil && r.reserved && dc.Command == nil && n == decode.GapStartUnknown {
		// No command yet: its first bytes decide what it is (file,
		// DataPayload: ciphertext, or bytes before their command); the
		// file they may start keeps the notice.
		r.startUnknown = true
		return
	}
	f := x.file(dc, toClient)
	if f == nil {
		return
	}
	if back, ok := decode.GapConflictBack(n); ok {
		f.w.Conflict(max(f.w.Offset()-back, 0))
		return
	}
	if back, ok := decode.GapUncheckedBack(n); ok {
		if f.unchecked == 0 {
			f.uncheckedAt = max(f.w.Offset()-back, 0)
		}
		f.unchecked++
		return
	}
	if back, ok := decode.GapEarlyEndBack(n); ok {
		if !f.earlyEnd {
			f.earlyEnd, f.earlyEndAt, f.earlyEndTo = true, max(f.w.Offset()-back, 0), f.w.Offset()
		}
		return
	}
	switch n {
	case decode.GapStartUnknown:
		f.w.StartUnknown()
		return
	case decode.GapGivenUp:
		f.givenUp = true
		x.st.GivenUp++
		return
	}
	if n < 0 {
		return
	}
	_ = f.w.Gap(f.w.Offset(), n)
}

// sentMode reads the mode the transfer's preliminary reply (1xx) says
// the server sends in: "150 Opening BINARY mode data connection for …"
// (vsftpd, under TYPE A too when it does not convert), "Opening ASCII
// mode" (ProFTPD, vsftpd with ascii_download_enable, wu-ftpd, Serv-U).
func sentMode(c *track.Command) (binary, ascii bool) {
	for _, r := range c.Replies {
		if r.Code < 100 || r.Code > 199 || r.Secret {
			continue
		}
		t := strings.ToUpper(r.Text + "\n" + strings.Join(r.Lines, "\n"))
		binary = binary || strings.Contains(t, "BINARY MODE")
		ascii = ascii || strings.Contains(t, "ASCII MODE")
	}
	return binary && !ascii, ascii && !binary
}

// close ends a file with what the tracker knows, and shows its record.
func (x *extractor) close(dc *track.DataConn, f *openFile) {
	if f == nil {
		return // closed already
	}
	if f.held != nil {
		// Held for a lost PORT until the end: a file if the tracker
		// tied it by then.
		x.release(dc, f)
		if f = x.files[dc]; f == nil {
			return
		}
	}
	x.del(dc)
	if f.refused {
		if x.countRefused(dc) {
			x.skip(dc, x.limitWhy(extract.ErrTooManyOpen))
		}
		return
	}
	if f.empty {
		r := dc.Command.Final()
		if r == nil || r.Code < 200 || r.Code > 299 || !x.create(dc, f) {
			return // no file was transferred (or it is counted: create)
		}
	}
	if f.dead || f.w == nil {
		return
	}
	why, fate, unverified := undelivered(dc, f)
	if fate != fateWrite {
		// A file of what the receiver never got, or of zeros where the
		// capture kept no byte, would pass for the transfer's, hashes
		// and all. None is kept; the data connection says why (a file
		// that got some bytes keeps its holes' reasons).
		if err := f.w.Discard(); err != nil && !errors.Is(err, extract.ErrClosed) {
			x.writeError(err)
		}
		if fate == fateNotCaptured {
			x.st.NotCaptured++
			x.st.NotCapturedBytes += f.w.Offset()
		} else {
			x.st.NotDelivered++
			x.st.NotDeliveredBytes += f.w.Offset()
		}
		x.skip(dc, why)
		return
	}
	fin := extract.Final{Announced: dc.ExpectedSize, Rest: dc.Rest, RestUnknown: dc.Rest == track.RestUnknown, ASCII: f.ascii, NoType: f.asciiDefault,
		Compressed: f.form.mode == 'Z', Structure: f.form.stru, EBCDIC: strings.HasPrefix(dc.Type, "E")}
	if f.form.mode != 'Z' {
		fin.Mode = f.form.mode
	}
	s := dc.Session
	if c := dc.Command; c != nil { // (none for a file whose owner is unknown: unownedFile)
		fin.SentBinary, fin.SentASCII = sentMode(c)
		if strings.EqualFold(c.Verb, "STOU") && strings.TrimSpace(c.Arg) == "" {
			// The name may come only in the final reply (extract.Final).
			for _, r := range c.Replies {
				if !r.Secret {
					fin.Replies = append(fin.Replies, r.Text)
				}
			}
		}
		if r := c.Final(); r != nil {
			fin.Reply = r.Code
		} else if f.lateReply != 0 {
			fin.Reply = f.lateReply
		}
		for _, later := range s.Commands {
			if later.Verb == "ABOR" && later.Index > c.Index {
				fin.Aborted = true
			}
		}
	}
	capEnd := s.EndReason == track.EndCaptureEnd
	switch {
	case fin.Reply == 0 && capEnd, dc.EndReason == track.EndCaptureEnd && capEnd:
		fin.CaptureEnded = true
	case (dc.EndReason == track.EndCaptureEnd || dc.EndReason == track.EndOpen) && dc.FINTS[0].IsZero() && dc.FINTS[1].IsZero():
		// The session went on (or ended) after the data connection's last
		// packet in the capture, which never showed how it ended: the
		// capture did not end there, the sender's FIN was lost. (When the
		// receiver closed its side, it had read the end of the file, and
		// its acknowledgement told decode where that was: the missing
		// bytes are a gap at the end, not an unknown; and the sender's
		// FIN places the end itself.)
		fin.NoDataEnd = true
	case dc.EndReason == track.EndRST && dc.FINTS[senderIndex(dc, f.toClient)].IsZero():
		// In stream mode only the sender's FIN marks the end of the file
		// (RFC 959 3.4.1); an RST before it says nothing of where the file
		// ended, and the 226 only that the server handed its bytes to its
		// socket.
		fin.ResetEnd = true
	}
	if f.raceWritten {
		// Written under its session's guess (hold): a reply may have
		// given it, its number and its transfer command, to another
		// session since. The file takes that one's name, and its record
		// that one's session and path (never closed before: a guess is
		// settled only before its connection is reported).
		f.w.Retitle(transferOf(dc))
	}
	rec, err := f.w.Close(fin)
	if err != nil && !errors.Is(err, extract.ErrClosed) {
		x.writeError(err)
	}
	switch {
	case f.unowned && dc.Command == nil:
		rec.Complete = false
		how := "its session a guess, it has no transfer command of its own"
		if dc.RaceUnplaced() {
			how = "the connection came when every announcement of it was used (data_race_unplaced)"
		}
		rec.Reasons = append(rec.Reasons, fmt.Sprintf("whose transfer this is is unknown: %d sessions between these hosts were told this data endpoint, and %s: nothing names the file or its direction (these are the bytes that came first, recorded under session %d, a guess)", dc.AmongRace, how, dc.Session.ID))
	case dc.AmongRace > 1:
		// Never settled: the name is the likelier session's transfer.
		rec.Reasons = append(rec.Reasons, fmt.Sprintf("whose transfer this is is a guess: %d sessions between these hosts were told this data endpoint and no reply told whose connection it was (named after the likelier)", dc.AmongRace))
	}
	if f.givenUp {
		rec.Complete = false
		rec.Reasons = append(rec.Reasons, "reassembly given up (connection table full): the rest is missing")
	}
	if unverified != "" {
		// (In place of judgeStream's count disagreement: the data record
		// counts none of these bytes, the tracker having taken them for
		// undelivered.)
		rec.Complete = false
		rec.Reasons = append(rec.Reasons, unverified)
	}
	x.judgeStream(dc, f, &rec, unverified == "")
	if f.stolen {
		// (judgeStolen names the host the bytes went to or came from.)
		judgeStolen(dc, f, &rec)
	} else {
		judgePeer(dc, f.toClient, &rec)
	}
	if x.out != nil {
		x.out.File(s, dc, &rec)
		if x.flush != nil {
			x.flush()
		}
	}
}

// judgeStream adds to rec what reassembly could not settle: a copy of
// written bytes it could not compare, two versions of the stream's end,
// and a stream whose length disagrees with what the tracker counted on
// the data connection the file's way (the data record's bytes) by more
// than its holes: any of them, and the file may not be the one
// transferred.
func (x *extractor) judgeStream(dc *track.DataConn, f *openFile, rec *extract.FileRecord, countKnown bool) {
	bad := func(s string) {
		rec.Complete = false
		rec.Reasons = append(rec.Reasons, s)
	}
	itoa := func(n int64) string { return strconv.FormatInt(n, 10) }
	if f.unchecked > 0 {
		// Held against the file: which copy the receiver kept is not
		// known, and the file holds the first. Every direction keeps its
		// last bytes to compare (decode: payloadRecent, at least
		// payloadRecentFloor), so what is left is a copy a window or more
		// behind: a real retransmission (a loss past a sender-side capture
		// of a fast link) looks the same, and the reason says so.
		why := "a copy of bytes at offset " + itoa(f.uncheckedAt) + " could not be compared (no longer in hand, as a retransmission long after its original is): were it a different version, the file might not hold the one the receiver kept; its content is not proven"
		if f.unchecked > 1 {
			why += " (" + counted(int64(f.unchecked-1), "more such cop{y|ies}") + ")"
		}
		bad(why)
	}
	if f.earlyEnd {
		bad("a FIN ends the stream at offset " + itoa(f.earlyEndAt) + ", before bytes up to offset " + itoa(f.earlyEndTo) +
			": two versions of the end, the file may hold bytes the receiver never took")
	}
	if x.endOutlived != nil && x.endOutlived(dc) {
		bad("the data connection went on after its FINs (bytes or acknowledgments past them): they were not its end, the file may lack its rest")
	}
	if f.empty || !countKnown {
		return
	}
	// (Within the holes the disagreement says nothing new: the capture
	// lacks those bytes, and the file says so already.)
	counted, got := dc.Bytes[senderIndex(dc, f.toClient)], f.w.Offset()
	if counted > got || counted < got-rec.Missing {
		bad("the data connection carried " + itoa(counted) + " bytes this way (the data record's bytes), the file's stream " + itoa(got) +
			": reassembly and the count disagree, the file may not be the one transferred")
	}
}

// judgePeer adds to rec what a data connection matched by its announced
// port alone (track.MatchPortOnly) from another host than the one that
// should connect says of the file's bytes. Active mode (the server
// connects): another host sent the download, or took the upload, so the
// file is not proven the server's; not complete. Passive mode (the
// client connects): the server's own file went to, or came from, another
// host than the client (passive port theft, or the client from another
// of its addresses: a NAT pool, an IPv6 temporary address;
// data-foreign-source): the file is the server's, said, not held
// against it.
func judgePeer(dc *track.DataConn, toClient bool, rec *extract.FileRecord) {
	s := dc.Session
	if dc.Match != track.MatchPortOnly || s == nil {
		return
	}
	want, role := s.Client, "client"
	if !dc.Passive {
		want, role = s.Server, "server"
	}
	opener := dc.Client.Addr().Unmap()
	if !opener.IsValid() || opener == want.Addr().Unmap() {
		return // (the listener's side differed: a NAT in front of it)
	}
	sent := toClient != dc.Passive // the opener sends the file's bytes
	who := "received by "
	if sent {
		who = "sent by "
	}
	why := who + dc.Client.String() + ", not by the session's " + role + " " + want.Addr().String() +
		" (matched to the " + dc.ViaName() + " by its port alone): "
	switch {
	case dc.Passive && sent:
		why += "another host's upload (passive port theft), or the client's from another of its addresses (a NAT pool, an IPv6 temporary address)"
	case dc.Passive:
		why += "another host took the transfer (passive port theft), or the client connected from another of its addresses (a NAT pool, an IPv6 temporary address)"
	case sent:
		why += "another host's bytes (active port theft), or the server's from another address: not proven the server's file"
	default:
		why += "the upload went to another host (active port theft), or to the server's other address: not proven the file the server stored"
	}
	rec.Reasons = append(rec.Reasons, why)
	if !dc.Passive {
		rec.Complete = false
	}
}

// closeAll closes every file left, in data connection order, so the
// records come out the same on every run.
func (x *extractor) closeAll() {
	x.closeSorted(x.files)
}

// closeSession closes the files of session s left open (waiting for a
// final reply that will not come now): only those, looked up by session.
// One the tracker moved to another session since (concurrent FTPS
// sessions) is that one's: it is filed under it, left open.
func (x *extractor) closeSession(s *track.Session) {
	for dc := range x.bySession[s] {
		if dc.Session != s {
			x.refile(dc)
		}
	}
	x.closeSorted(x.bySession[s])
}

func (x *extractor) closeSorted(files map[*track.DataConn]*openFile) {
	if len(files) == 0 {
		return
	}
	x.visited += len(files)
	dcs := make([]*track.DataConn, 0, len(files))
	for dc := range files {
		dcs = append(dcs, dc)
	}
	slices.SortFunc(dcs, func(a, b *track.DataConn) int { return a.ID - b.ID })
	for _, dc := range dcs {
		x.close(dc, x.files[dc])
	}
}

// countRefused counts a transfer refused for want of an open slot, when
// it carried bytes the file's way, and tells whether it did (one that
// carried none lost nothing: its empty file is written as for any).
func (x *extractor) countRefused(dc *track.DataConn) bool {
	toClient, ok := x.wanted(dc)
	if !ok || x.closed || dc.Bytes[senderIndex(dc, toClient)] == 0 {
		return false
	}
	x.refusedOpen++
	return true
}

// noFileYet handles a final data connection of a transfer that made no
// file: with no byte in the file's direction it carried an empty file
// (written, so the record says so); with bytes that reassembly never
// delivered, the transfer is counted as not reassembled, never silent.
func (x *extractor) noFileYet(dc *track.DataConn) {
	if !x.selected(dc) {
		return // (a session the selection flags leave out)
	}
	if dc.Command == nil && dc.TotalBytes() > 0 && !x.closed {
		// Its bytes came, and it ended, before any transfer command was
		// linked to it (a capture of two interfaces whose clocks disagree
		// wrote the whole connection before its 227 and RETR): no file,
		// counted as bytes before their command are.
		x.countNoCommand(dc)
		return
	}
	toClient, ok := x.wanted(dc)
	if !ok || x.closed {
		return
	}
	i := senderIndex(dc, toClient)
	switch {
	case dc.Bytes[i] > 0:
		x.st.NotReassembled++
		x.st.NotReassembledBytes += dc.Bytes[i]
	case dc.Outcome == track.OutcomeConnected || dc.Outcome == track.OutcomeTransferred:
		if dc.Bytes[1-i] == 0 || !dc.MayBeProtected() {
			// Connected, and nothing came the file's way: an empty file,
			// if the reply says one was transferred (close). (On a
			// protected connection bytes the other way may be a TLS
			// handshake whose file never came: not an empty file.)
			x.put(dc, &openFile{toClient: toClient, empty: true, ascii: strings.HasPrefix(dc.Type, "A"),
				asciiDefault: dc.Type == "", form: x.forms[dc.Session]})
		}
	}
}

// senderIndex is the index in dc.Bytes and dc.FINTS of the side that
// sends the file's bytes: those are indexed by the side that opened the
// connection, the FTP client in passive mode, the FTP server in active
// mode.
func senderIndex(dc *track.DataConn, toClient bool) int {
	if toClient == dc.Passive {
		return 1
	}
	return 0
}

// done tells whether a file's data connection and command are both final.
func done(dc *track.DataConn, f *openFile) bool {
	return f.dataDone && (dc.Command == nil || dc.Command.Status != track.StatusPending)
}

// wireForm is what a session's accepted MODE and STRU put on the wire
// besides the file's bytes: mode 'Z' (deflate, RFC 1950), 'B' (block
// headers, RFC 959 3.4.2), 'C' (compressed blocks, 3.4.3); stru 'R'
// (end-of-record marks, 3.1.2.1), 'P' (page headers, 3.1.2.3). Zero for
// stream mode and file structure: the wire bytes are the file's.
type wireForm struct{ mode, stru byte }

// setForm records an accepted MODE or STRU (verb) of s.
func (x *extractor) setForm(s *track.Session, verb, arg string) {
	wf := x.forms[s]
	a := strings.ToUpper(strings.TrimSpace(arg))
	var v byte // (an argument the server accepted but RFC 959 has not: the default)
	if verb == "MODE" {
		if a == "Z" || a == "B" || a == "C" {
			v = a[0]
		}
		wf.mode = v
	} else {
		if a == "R" || a == "P" {
			v = a[0]
		}
		wf.stru = v
	}
	if wf == (wireForm{}) {
		delete(x.forms, s)
		return
	}
	x.forms[s] = wf
}

// The track.Sink side: pass every call on; close files when final.

func (x *extractor) SessionStart(s *track.Session) { x.next.SessionStart(s) }

func (x *extractor) Command(s *track.Session, c *track.Command) {
	x.next.Command(s, c)
	if c.Verb == "MODE" || c.Verb == "STRU" {
		if r := c.Final(); r != nil && r.Code >= 200 && r.Code < 300 {
			x.setForm(s, c.Verb, c.Arg)
		}
	}
	for _, dc := range c.Transfer {
		if f := x.files[dc]; f != nil && done(dc, f) {
			x.close(dc, f)
		}
	}
}

func (x *extractor) Data(s *track.Session, dc *track.DataConn) {
	x.next.Data(s, dc)
	x.refile(dc) // (moved to s since its bytes came: concurrent FTPS sessions)
	if f := x.files[dc]; f != nil && f.held != nil {
		x.release(dc, f) // (held for a lost PORT: tied by now, or never)
	}
	if x.heldTotal > 0 {
		x.releaseDone(s)
	}
	switch f := x.files[dc]; {
	case f == nil:
		x.noFileYet(dc)
	case f.heldLost:
		// Held for a lost PORT, its bytes kept for no file: a data
		// connection after all, whose bytes came before its command.
		if x.selected(dc) && !x.closed {
			x.countNoCommand(dc)
		}
	case f.reserved:
		// Chosen, and no byte made its file: free the slot now.
		x.del(dc)
		x.noFileYet(dc)
	case f.refused:
		x.del(dc)
		if !x.countRefused(dc) {
			x.noFileYet(dc) // an empty file takes no slot while open
		} else {
			x.skip(dc, x.limitWhy(extract.ErrTooManyOpen))
		}
	}
	if f := x.files[dc]; f != nil {
		f.dataDone = true
		if done(dc, f) {
			x.close(dc, f)
		}
	}
}

func (x *extractor) Event(s *track.Session, e *track.Event) {
	x.next.Event(s, e)
	if e.Kind == track.EventUnsolicited && e.Code >= 400 {
		// A 421 (or another error) the server sent on its own while a
		// transfer waited for its reply ends that transfer: it is the
		// final reply its file gets.
		m := x.bySession[s]
		x.visited += len(m)
		for dc, f := range m {
			if dc.Session == s && dc.Command != nil && dc.Command.Final() == nil && f.lateReply == 0 {
				f.lateReply = e.Code
			}
		}
	}
}

func (x *extractor) SessionEnd(s *track.Session) {
	// Files still waiting for a final reply that will not come now.
	x.closeSession(s)
	delete(x.forms, s)
	x.next.SessionEnd(s)
	if fo, ok := x.out.(sessionFilesDone); ok {
		fo.forgetFiles(s)
	}
}
