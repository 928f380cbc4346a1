// Package extract writes the files a capture transferred into one folder
// (the disk side of `--extract DIR`), hashing them as they are written
// and judging whether each is complete.
//
// It owns the folder's contents it creates and nothing else: it never
// reassembles TCP, never reads the tracker's state, and never removes or
// overwrites a file. The caller feeds each file's ordered payload and
// gaps, then closes it with what the tracker knows (Final).
//
// # Use
//
//	d, err := extract.Open(dir, extract.Limits{})        // zero fields: defaults
//	w, err := d.Create(extract.Transfer{Session: 12, Data: 3, Verb: "RETR", Arg: "/pub/report.txt"})
//	w.Write(payload)                                      // in stream order
//	w.Gap(w.Offset(), 1460)                               // bytes the capture lost
//	rec, err := w.Close(extract.Final{Announced: n, Reply: 226})
//	st := d.Stats()                                       // for the summary
//
// # Names
//
// A file is named "s<session>-d<data>-<base>": s12-d3-report.txt,
// written as "s12-d3-report.txt.part" (PartSuffix) until Close, which
// gives it its name once its record is final, by a hard link and the
// removal of the .part (a rename where the file system has no hard
// links, to a name found free): a run killed before leaves .part files,
// never a truncated file under a finished name. The
// base is SafeName of the command's argument (for STOU without one, of
// the name the server gave in "150 FILE: name" or "250 … (unique file
// name:name)"), or "<verb>-<dir>.txt" for LIST, NLST and MLSD, <dir>
// being the listed path or else the working directory, or "owner-unknown"
// for a data connection no transfer command names, its session one of
// several (Transfer.OwnerUnknown). A name that comes
// only after the file was created (the 250's, in Final.Replies) is the
// record's Path, and Close names the file after it: nothing replaced, no
// link followed, a counter when taken; the file takes its first name
// ("file", or "file-2" and on) when every such name is taken. SafeName
// keeps the
// last path component ('/' and '\' both separate), replaces control
// characters (C0, DEL, C1), format characters (bidi controls such as
// U+202E, zero-width ones), invalid UTF-8, non-ASCII spaces, slash
// look-alikes and the characters Windows refuses (<>:"|?*) with '_',
// drops leading dots, dashes and spaces and trailing dots and spaces,
// cuts to MaxBaseBytes (100) on a rune boundary keeping an extension of
// up to 16 bytes, puts '_' before a Windows device name (CON, PRN, AUX,
// NUL, COM0–9, LPT0–9, with or without extension), and falls back to
// "file" when nothing is left.
//
// # Safety
//
// Files are created through an os.Root of the folder with
// O_CREATE|O_EXCL|O_NOFOLLOW (and O_CLOEXEC, which Go always adds), mode
// 0600: a name cannot leave the folder, no symbolic link is followed
// (dangling ones included), and no file is overwritten. When a name (or
// its .part) is taken, a counter goes before the extension
// (s12-d3-report-2.txt), up to 100 names per file; then Create fails with
// ErrNameTaken.
//
// # Bounds
//
// Every bound is counted in Stats when hit:
//
//   - Limits.MaxOpen (default 64): writers open at once; Create beyond it
//     fails with ErrTooManyOpen (RefusedOpen).
//   - Limits.MaxFiles (default 100 000): files created; then
//     ErrTooManyFiles (RefusedFiles).
//   - Limits.MaxFileBytes (default 1 GiB): one file's size, holes
//     included; the file is cut there, Truncated and "cut at the per-file
//     limit" in its record (CutFile, CutFileBytes).
//   - Limits.MaxTotalBytes (default 10 GiB): the size of all files
//     together, holes included; the file that reaches it is cut ("cut at
//     the folder limit"; CutFull, CutFullBytes), and Create fails with
//     ErrFolderFull afterwards (RefusedFull). It bounds what the Dir has
//     in the folder: Reclaim counts back the files it wrote that were
//     removed or truncated since (Reclaimed, ReclaimedBytes), for a live
//     capture whose admin frees the folder; MaxFiles likewise. Holes are sparse and take
//     no disk, but each of their bytes is hashed (as zeros, about 3 s a
//     GiB), so they count here like written ones (Stats.HoleBytes says
//     how many).
//   - 100 names tried per file (RefusedName); MaxBaseBytes of base name.
//   - Memory: a 64 KiB write buffer per open writer (4 MiB at the default
//     MaxOpen), the name and size of each file closed only after
//     KeepClosed (live, for Reclaim: at most MaxFiles; a capture read
//     from files keeps none), 512 bytes for sniffing, and the first 16 gaps of a file
//     as reasons (the rest summed up in one).
//
// # Gaps and hashes
//
// Gap(offset, length) leaves a hole (Seek, a sparse region reading as
// zeros) so later bytes keep their offsets; Conflict(offset) records that
// the capture held two different versions of the bytes there, and
// StartUnknown that the stream's start was not in the capture; the hashes (SHA-256, SHA-1,
// MD5) and the MIME sniff (net/http.DetectContentType on the first 512
// bytes) take the hole as zeros, so they always describe the file on
// disk. Write allocates nothing.
//
// # Completeness
//
// FileRecord.Complete is set only when the final reply was 2xx, there was
// no gap, no cut, no conflict and no write error, the start was in the
// capture, the size matches the announced one (when one was announced),
// the data connection's end was seen (or the announced size was met),
// an RST did not end it before the sender's FIN (or the announced size
// was met), and the transfer was not aborted, not cut by the capture's
// end, not REST-restarted, not under MODE Z, B or C, STRU R or P or TYPE
// E (the wire form is not the file's bytes: the file and its hashes are
// the wire's) and not an APPE (which holds only the
// appended bytes, never the whole remote file). Reasons lists
// each failed condition ("gap at offset N for M bytes", "size mismatch:
// announced A, got B", "final reply 426", "no final reply", "aborted",
// "capture ended", "REST offset K: a part of the file", "REST offset
// unknown (the capture cut its line): a part of the file, from an offset
// not known", "MODE Z:
// compressed", "cut at the per-file limit", "cut at the folder limit",
// "write failed: …", "start not in the capture; offset unknown", "the
// capture holds two different versions of bytes at offset N", "the data
// connection's end is not in the capture: bytes after offset N may be
// missing", "ended by RST, not the sender's FIN: the end of the file is
// not in the capture", "MODE B: block headers on the wire; …",
// "appended to the remote file; only the appended bytes"). The caller
// (cmd/ftpsniff) adds what reassembly and the tracker say: a copy left
// uncompared, two versions of the end, another host at the data
// connection's far end.
// The size compared is the stream length (bytes written, cut or
// missing); after REST it may also equal the announced size minus the
// offset, and after a REST whose offset the capture cut
// (Final.RestUnknown) only a stream longer than the announced size is a
// mismatch. TYPE A (and no TYPE, RFC 959's ASCII default, judged the same)
// is judged, except for a listing (text the server makes for the
// transfer: no file on its disk to differ from), by what the wire proves
// (judgeASCII): the file is the wire
// form, whose hashes are the server file's only when the wire shows no
// conversion (the 150 says BINARY mode, the size as announced, no CR LF,
// a bare LF in a download); a download larger than the announced disk
// size by no more than its CR LFs is converted (no size mismatch, but not
// complete), and CR LFs with no size to compare may be.
package extract
