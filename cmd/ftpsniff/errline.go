package main

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// The one place a flag the command line got wrong becomes one line on
// stderr: the flag, the value as given (quoted) and what the flag takes,
// never a Go parser's message (strconv.ParseInt: parsing "abc": ...).

// wantsAnnotation is the pflag annotation that says, for flagError, what
// a flag's value is when its type alone says too little ("a session
// number (1, 2, ...)" rather than "a whole number").
const wantsAnnotation = "ftpsniff-wants"

// wants records what the flag name of f takes, for flagError.
func wants(f *pflag.FlagSet, name, what string) {
	if err := f.SetAnnotation(name, wantsAnnotation, []string{what}); err != nil {
		panic(err) // a flag name misspelt here: a programming error
	}
}

// flagError is the root's FlagErrorFunc: pflag's parse errors, by type,
// as one line naming the flag and what is wrong with it.
func flagError(c *cobra.Command, err error) error {
	help := fmt.Sprintf(" (see '%s --help')", c.CommandPath())
	var (
		invalid  *pflag.InvalidValueError
		required *pflag.ValueRequiredError
		notExist *pflag.NotExistError
		syntax   *pflag.InvalidSyntaxError
	)
	switch {
	case errors.As(err, &invalid):
		f := invalid.GetFlag()
		return usageErrorf("--%s %q: %s", f.Name, invalid.GetValue(), notValid(f, invalid.GetValue(), errors.Unwrap(invalid)))
	case errors.As(err, &required):
		f := required.GetFlag()
		name := "--" + required.GetSpecifiedName()
		if required.GetSpecifiedShortnames() != "" {
			name = "-" + required.GetSpecifiedName()
		}
		if w := flagWants(f); w != "" {
			return usageErrorf("%s needs %s", name, w)
		}
		varname, _ := pflag.UnquoteUsage(f)
		return usageErrorf("%s needs a value (%s; see '%s --help')", name, varname, c.CommandPath())
	case errors.As(err, &notExist):
		name := notExist.GetSpecifiedName()
		shown := "--" + name
		if notExist.GetSpecifiedShortnames() != "" {
			shown = "-" + name
		}
		// -v and --version are the root's: before the command (or
		// alone) they print the version, after it they are the
		// command's own flags, which live has no -v of.
		if c.HasParent() && (name == "version" || name == "v" && notExist.GetSpecifiedShortnames() != "") {
			return usageErrorf("%s: '%s' has no such flag; alone, '%s %s' prints the version", shown, c.CommandPath(), c.Root().Name(), shown)
		}
		return usageErrorf("%s: no such flag%s", shown, help)
	case errors.As(err, &syntax):
		return usageErrorf("%q: not a flag (one dash before a letter, two before a name)%s", syntax.GetSpecifiedFlag(), help)
	}
	return usageErrorf("%v%s", err, help)
}

// flagWants is what the flag's annotation says it takes, or "".
func flagWants(f *pflag.Flag) string {
	if w := f.Annotations[wantsAnnotation]; len(w) > 0 {
		return w[0]
	}
	switch f.Value.Type() {
	case "duration":
		return "a duration (30s, 10m, 2h)"
	case "bytes":
		return "a number of bytes (4096, 4k, 1M, 1G)"
	}
	return ""
}

// notValid says what is wrong with the value given to f, whose parser
// returned cause.
func notValid(f *pflag.Flag, value string, cause error) string {
	if f.Value.Type() == "duration" {
		if _, err := strconv.ParseFloat(value, 64); err == nil {
			return "add a unit (5s, 10m, 2h)"
		}
	}
	if f.Value.Type() == "bytes" && errors.Is(cause, errTooLarge) {
		return "too large a number of bytes"
	}
	if w := flagWants(f); w != "" {
		return "not " + w
	}
	var num *strconv.NumError
	switch typ := f.Value.Type(); {
	case typ == "bool":
		return fmt.Sprintf("not true or false (--%s alone is true)", f.Name)
	case typ == "uint16":
		return "not a whole number from 0 to 65535"
	case strings.HasPrefix(typ, "int"), strings.HasPrefix(typ, "uint"):
		if errors.As(cause, &num) && errors.Is(num.Err, strconv.ErrRange) {
			return "too large a number"
		}
		if strings.HasSuffix(typ, "Slice") {
			return "not whole numbers (1, or 1,2)"
		}
		if strings.HasPrefix(typ, "uint") {
			return "not a whole number (0 or more)"
		}
		return "not a whole number"
	case strings.HasPrefix(typ, "float"):
		return "not a number"
	}
	// A value type of ftpsniff's own, whose error says what it takes.
	return fmt.Sprint(cause)
}

// byteSize is a flag value counted in bytes that takes what an admin
// types: 4096, 4k, 64K, 1M, 1G, 2T (binary multiples; a trailing B or
// iB is allowed: 1GiB, 4kB), for a flag of type T.
type byteSize[T int | int64] struct{ n *T }

func bytesVar[T int | int64](f *pflag.FlagSet, p *T, name string, value T, usage string) {
	*p = value
	f.Var(byteSize[T]{p}, name, usage)
}

func (b byteSize[T]) String() string {
	if b.n == nil {
		return "0"
	}
	return strconv.FormatInt(int64(*b.n), 10)
}
func (b byteSize[T]) Type() string { return "bytes" }
func (b byteSize[T]) Set(s string) error {
	n, err := parseByteSize(s)
	if err != nil {
		return err
	}
	if int64(T(n)) != n {
		return errTooLarge // (an int of 32 bits)
	}
	*b.n = T(n)
	return nil
}

var errTooLarge = errors.New("too large")

// parseByteSize reads 4096, 4k, 64K, 1M, 1G or 2T (k = 1024), with an
// optional B or iB after the letter; a sign is the range checks' business
// (validate), so -1 parses.
func parseByteSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	for _, unit := range []string{"iB", "B"} {
		if u, ok := strings.CutSuffix(t, unit); ok && u != "" && strings.ContainsRune("kKmMgGtT", rune(u[len(u)-1])) {
			t = u
			break
		}
	}
	shift := 0
	if t != "" {
		switch t[len(t)-1] {
		case 'k', 'K':
			shift = 10
		case 'm', 'M':
			shift = 20
		case 'g', 'G':
			shift = 30
		case 't', 'T':
			shift = 40
		}
		if shift > 0 {
			t = t[:len(t)-1]
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil {
		return 0, errors.New("not a number of bytes")
	}
	if n > math.MaxInt64>>shift || n < math.MinInt64>>shift {
		return 0, errTooLarge
	}
	return n << shift, nil
}

// fileFlagError is the one line for a file or folder a flag names that
// could not be made or opened: "--write x.pcapng: cannot create the
// file: permission denied", the path said once, the cause without the
// system call's name. An error that is not the open's own (giving the
// file to --user) keeps its words.
func fileFlagError(flag, path, what string, err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return fmt.Errorf("%s %s: %s: %w", flag, path, what, pe.Err)
	}
	return fmt.Errorf("%s %s: %w", flag, path, err)
}

// extractFolderError is the one line for an --extract folder that
// extract.Open could not create or open.
func extractFolderError(dir string, err error) error {
	if fi, statErr := os.Stat(dir); statErr == nil && !fi.IsDir() {
		return usageErrorf("--extract %s: not a folder (a file of that name exists)", dir)
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		what := "cannot open the folder"
		if pe.Op == "mkdir" {
			what = "cannot create the folder"
			if filepath.Clean(pe.Path) != filepath.Clean(dir) {
				what += " " + pe.Path // a parent MkdirAll made on the way
			}
		}
		return usageErrorf("--extract %s: %s: %v", dir, what, pe.Err)
	}
	return usageErrorf("--extract %s: %s", dir, strings.TrimPrefix(err.Error(), "extract: "))
}
