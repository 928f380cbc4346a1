package policy

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Bounds on what a ProFTPD configuration's Include lines make ftpsniff
// read: ProFTPD has none, but a loop or a stray directory would else be
// read without end.
const (
	maxIncludeFiles = 256
	maxIncludeDepth = 16
	maxIncludeSize  = 8 * MaxConfigSize
)

// includer finds, on the machine ftpsniff runs on, the files a ProFTPD
// Include names on the server. The path an Include names is the server's:
// ftpsniff does not read it here (it would read this machine's /etc, not
// the server's), but looks for it next to the main file, as an admin
// copies a configuration: "Include /etc/proftpd/conf.d/" in
// ~/cfg/proftpd.conf reads ~/cfg/conf.d/, "Include
// /etc/proftpd/conf.d/*.conf" the files ~/cfg/conf.d/*.conf; and among
// the files given with --server-config after the main one, those it names
// by their file name or by their directory's name.
type includer struct {
	main    string   // the main file, as given
	dir     string   // its directory
	extra   []string // the other --server-config files, as given
	claimed []bool   // extra[i] was named by an Include
	files   int      // files read so far
	size    int      // bytes read so far
}

func newIncluder(main string, extra []string) *includer {
	dir := filepath.Dir(main)
	if real, err := filepath.EvalSymlinks(main); err == nil {
		// A main file linked from elsewhere: its copy's tree is where
		// the file is.
		dir = filepath.Dir(real)
	}
	return &includer{main: main, dir: dir, extra: extra, claimed: make([]bool, len(extra))}
}

// sameFile reports whether a and b name the same file.
func sameFile(a, b string) bool {
	if filepath.Clean(a) == filepath.Clean(b) {
		return true
	}
	fa, err1 := os.Stat(a)
	fb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(fa, fb)
}

// besideMain is where the file or directory the server's path names is
// looked for: in the copied tree, its directory's name beside the main
// file (conf.d/passive.conf for /etc/proftpd/conf.d/passive.conf) when
// that exists, else its own name beside the main file (a flat copy, and
// the main file's own neighbours: modules.conf).
func (in *includer) besideMain(clean string) string {
	base := filepath.Base(clean)
	if parent := filepath.Base(filepath.Dir(clean)); parent != "/" && parent != "." {
		p := filepath.Join(in.dir, parent, base)
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return filepath.Join(in.dir, base)
}

// resolve returns the files the Include of arg at file:line names, in the
// order ProFTPD reads them (a directory's or a pattern's by name), and how
// they were found, for a note; or no files and why not. stack is the
// files being read, the Include's own last.
func (in *includer) resolve(arg, file string, line int, stack []*proftpdSource) (files []string, how string, err error) {
	if !strings.HasPrefix(arg, "/") && !strings.Contains(arg, "%{") && !strings.HasPrefix(arg, "~") {
		return nil, "", lineErr(file, line, "Include %s: not an absolute path; ProFTPD refuses it and does not start (\"unable to use path for configuration file\")", trunc(arg))
	}
	if len(stack) >= maxIncludeDepth {
		return nil, "", lineErr(file, line, "Include %s: Includes nested %d deep (does a file include itself?)", trunc(arg), len(stack))
	}
	clean := strings.TrimRight(arg, "/")
	base := filepath.Base(clean)
	var found []string
	// Files given with --server-config that the Include names.
	var given []string
	for i, f := range in.extra {
		if includeNames(clean, base, f) {
			in.claimed[i] = true
			found = append(found, f)
			given = append(given, f)
		}
	}
	// The server's path, looked for next to the main file.
	var here string
	if hasGlobMeta(base) {
		// Only in the directory of the server's own name beside the main
		// file (conf.d/ for /etc/proftpd/conf.d/*.conf): the same pattern
		// beside the main file would match the main file's neighbours,
		// which the server does not include.
		for _, pat := range []string{filepath.Join(in.dir, filepath.Base(filepath.Dir(clean)), base)} {
			if fi, err := os.Stat(filepath.Dir(pat)); err != nil || !fi.IsDir() || hasGlobMeta(filepath.Base(filepath.Dir(pat))) {
				continue
			}
			m, _ := filepath.Glob(pat)
			for _, f := range m {
				if fi, err := os.Stat(f); err == nil && fi.Mode().IsRegular() {
					found = append(found, f)
				}
			}
			here = pat
			break
		}
	} else if p := in.besideMain(clean); base != "/" && base != "." {
		if fi, err := os.Stat(p); err == nil && fi.IsDir() {
			here = p + string(filepath.Separator)
			entries, err := os.ReadDir(p)
			if err != nil {
				return nil, "", lineErr(file, line, "Include %s: cannot read %s (%v)", trunc(arg), p, unwrapPath(err))
			}
			for _, e := range entries {
				if fi, err := os.Stat(filepath.Join(p, e.Name())); err == nil && fi.Mode().IsRegular() {
					found = append(found, filepath.Join(p, e.Name()))
				}
			}
		} else if err == nil {
			here = p
			found = append(found, p)
		}
	}
	// Each file once, none being read (the main file, or one that
	// includes this one), in name order as ProFTPD reads a directory.
	var out []string
	loop := false
	for _, f := range found {
		if slices.ContainsFunc(out, func(o string) bool { return sameFile(o, f) }) {
			continue
		}
		if sameFile(f, in.main) || slices.ContainsFunc(stack, func(s *proftpdSource) bool { return sameFile(s.file, f) }) {
			loop = true
			continue
		}
		out = append(out, f)
	}
	slices.SortStableFunc(out, func(a, b string) int { return strings.Compare(filepath.Base(a), filepath.Base(b)) })
	if len(out) == 0 {
		switch {
		case loop:
			return nil, "it names a file being read, which includes it", nil
		case here != "":
			return nil, fmt.Sprintf("%s, where it is looked for, holds no file", here), nil
		}
		return nil, fmt.Sprintf("its path is the server's, and neither %s (next to %s) nor a --server-config file is it", filepath.Join(in.dir, base), in.main), nil
	}
	var src []string
	if here != "" {
		src = append(src, fmt.Sprintf("the server's path, looked for next to %s", in.main))
	}
	if len(given) > 0 {
		src = append(src, "given with --server-config")
	}
	return out, fmt.Sprintf("%s (%s)", strings.Join(out, ", "), strings.Join(src, "; ")), nil
}

// includeNames reports whether the Include of clean (its last element
// base) names the file f: by f's name (a file Include, or a pattern), or
// by the name of f's directory (a directory Include: "conf.d/" names
// conf.d/passive.conf).
func includeNames(clean, base, f string) bool {
	fb := filepath.Base(f)
	if hasGlobMeta(base) {
		ok, _ := filepath.Match(base, fb)
		return ok
	}
	if fb == base {
		return true
	}
	d := filepath.Dir(f)
	if abs, err := filepath.Abs(d); err == nil {
		d = abs
	}
	return filepath.Base(d) == base
}

func hasGlobMeta(s string) bool { return strings.ContainsAny(s, `*?[\`) }

// read reads an included file within the bounds.
func (in *includer) read(f string) ([]byte, error) {
	in.files++
	if in.files > maxIncludeFiles {
		return nil, &ConfigError{File: f, Msg: fmt.Sprintf("more than %d files included: not read", maxIncludeFiles)}
	}
	data, err := readBounded(f)
	if err != nil {
		return nil, readErr(f, err)
	}
	in.size += len(data)
	if in.size > maxIncludeSize {
		return nil, &ConfigError{File: f, Msg: fmt.Sprintf("the files included come to more than %d bytes: not a server configuration", maxIncludeSize)}
	}
	return data, nil
}

// unclaimed are the files given with --server-config that no Include
// named.
func (in *includer) unclaimed() []string {
	var out []string
	for i, f := range in.extra {
		if !in.claimed[i] {
			out = append(out, f)
		}
	}
	return out
}
