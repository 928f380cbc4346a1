package policy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
)

// ErrUnknownServer is returned when a configuration file is neither
// vsftpd's, ProFTPD's nor pure-ftpd's.
var ErrUnknownServer = errors.New("cannot tell which FTP server this configuration is for (vsftpd, proftpd or pure-ftpd)")

// MaxConfigSize bounds the configuration file read.
const MaxConfigSize = 1 << 20

// ConfigError is a malformed line: it prints as FILE:LINE: message.
type ConfigError struct {
	File string
	Line int // 1-based; 0 when about the whole file
	Msg  string
}

func (e *ConfigError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return e.File + ": " + e.Msg
}

func lineErr(file string, line int, format string, args ...any) error {
	return &ConfigError{File: file, Line: line, Msg: fmt.Sprintf(format, args...)}
}

// LoadServerConfig reads an FTP server's configuration: vsftpd.conf,
// proftpd.conf, pure-ftpd.conf, or a pure-ftpd configuration directory
// (Debian's /etc/pure-ftpd/conf, one file per setting). The server is told
// by the file's name when it names one, else by its content. A ProFTPD
// configuration's Include lines are followed (includer): more are other
// files of it, given with it (--server-config given again), each read
// where an Include names it, else after the main file.
func LoadServerConfig(path string, more ...string) (*ServerConfig, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("%s: cannot read the server configuration (%w)", path, unwrapPath(err))
	}
	if fi.IsDir() {
		if len(more) > 0 {
			return nil, &ConfigError{File: path, Msg: fmt.Sprintf("a pure-ftpd configuration directory is the whole configuration, but --server-config names %d files: give it once", 1+len(more))}
		}
		return loadPureFTPdDir(path)
	}
	data, err := readBounded(path)
	if err != nil {
		return nil, readErr(path, err)
	}
	kind := DetectKind(path, data)
	if kind != ServerProFTPD {
		if len(more) > 0 && kind != ServerUnknown {
			return nil, &ConfigError{File: path, Msg: fmt.Sprintf("a %s configuration is one file, but --server-config names %d: give it once (only a ProFTPD configuration is split, by its Include lines)", kind.Product(), 1+len(more))}
		}
		return ParseServerConfig(path, data)
	}
	for _, m := range more {
		if fi, err := os.Stat(m); err != nil {
			return nil, fmt.Errorf("%s: cannot read the server configuration (%w)", m, unwrapPath(err))
		} else if fi.IsDir() {
			return nil, &ConfigError{File: m, Msg: "a directory: give the files of a ProFTPD configuration, or put the directory next to the main file, as on the server, where its Include finds it"}
		}
	}
	if err := notBinary(path, data); err != nil {
		return nil, err
	}
	c, err := parseProFTPD(path, data, newIncluder(path, more))
	if err == nil {
		c.dropUnreachableAddress()
	}
	return c, err
}

// readErr is err, from reading the file path, as one line naming it once.
func readErr(path string, err error) error {
	var ce *ConfigError
	if errors.As(err, &ce) {
		return err
	}
	return &ConfigError{File: path, Msg: fmt.Sprintf("cannot read the server configuration (%v)", unwrapPath(err))}
}

// notBinary refuses a compressed or binary file: read as a configuration,
// its bytes made a long line of escapes for an error.
func notBinary(name string, data []byte) error {
	switch {
	case len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b:
		return &ConfigError{File: name, Msg: "gzip-compressed, not a server configuration: give the file uncompressed (zcat)"}
	case bytes.IndexByte(data, 0) >= 0:
		return &ConfigError{File: name, Msg: "holds NUL bytes: a binary file, not a server configuration"}
	}
	return nil
}

// addressSetting names, per server, the setting that sets the address
// announced in 227.
var addressSetting = map[ServerKind]string{ServerVsftpd: "pasv_address", ServerProFTPD: "MasqueradeAddress", ServerPureFTPd: "ForcePassiveIP"}

// dropUnreachableAddress reads an announced address no client can connect
// to (0.0.0.0 or ::: all four servers announce 0.0.0.0 as set) as no
// address set, with a note: taken as the server's public address, it made
// a 227 of 0.0.0.0 "the correct setup" and the fix "set it to 0.0.0.0".
// (A loopback or link-local address is kept: clients through an SSH
// tunnel, or on that link, do connect to it.)
func (c *ServerConfig) dropUnreachableAddress() {
	a := c.PublicAddress
	if !a.IsValid() || !a.Unmap().IsUnspecified() {
		return
	}
	name := addressSetting[c.Kind]
	if name == "" {
		name = "the announced address"
	}
	c.Notes = append(c.Notes, fmt.Sprintf("%s %s is no address a client can connect to: the server announces it as it is (clients that trust the 227 fail); read as no address set", name, a))
	c.UnusableAddress, c.PublicAddress = a, netip.Addr{}
}

func readBounded(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxConfigSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxConfigSize {
		return nil, &ConfigError{File: path, Msg: fmt.Sprintf("larger than %d bytes: not a server configuration", MaxConfigSize)}
	}
	return data, nil
}

// ParseServerConfig parses data read from the file name, detecting the
// server kind.
func ParseServerConfig(name string, data []byte) (*ServerConfig, error) {
	if err := notBinary(name, data); err != nil {
		return nil, err
	}
	c, err := parseServerConfig(name, data)
	if err == nil {
		c.dropUnreachableAddress()
	}
	return c, err
}

func parseServerConfig(name string, data []byte) (*ServerConfig, error) {
	switch DetectKind(name, data) {
	case ServerVsftpd:
		return ParseVsftpd(name, data)
	case ServerProFTPD:
		return ParseProFTPD(name, data)
	case ServerPureFTPd:
		if k := pureSingleKey(filepath.Base(name)); k != "" {
			return parsePureFTPdSingle(name, k, data)
		}
		return ParsePureFTPd(name, data)
	}
	return nil, &ConfigError{File: name, Msg: ErrUnknownServer.Error()}
}

// Settings that only one of the servers has; a file using them is that
// server's.
var (
	proftpdOnly = []string{"passiveports", "masqueradeaddress", "servername", "servertype", "defaultroot",
		"allowoverwrite", "tlsengine", "deferwelcome", "maxinstances", "defaultserver", "useipv6", "requirevalidshell",
		"include", "port", "tlsoptions", "allowforeignaddress"}
	pureOnly = []string{"passiveportrange", "forcepassiveip", "chrooteveryone", "noanonymous", "puredb",
		"maxclientsnumber", "maxclientsperip", "bind", "brokenclientscompatibility", "unixauthentication", "pamauthentication"}
)

// DetectKind tells the server a configuration is for: by the file name
// first (vsftpd.conf, proftpd.conf, pure-ftpd.conf, Debian's one-setting
// pure-ftpd files), then by content: vsftpd writes key=value, ProFTPD and
// pure-ftpd "Directive value" with their own directive names.
func DetectKind(name string, data []byte) ServerKind {
	base := strings.ToLower(filepath.Base(name))
	switch {
	case strings.Contains(base, "vsftpd"):
		return ServerVsftpd
	case strings.Contains(base, "proftpd"):
		return ServerProFTPD
	case strings.Contains(base, "pure-ftpd"), strings.Contains(base, "pureftpd"):
		return ServerPureFTPd
	case pureSingleKey(filepath.Base(name)) != "":
		return ServerPureFTPd
	}
	votes := [4]int{}
	for _, l := range strings.Split(string(data), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || l[0] == '#' {
			continue
		}
		if l[0] == '<' {
			votes[ServerProFTPD]++
			continue
		}
		if k, _, ok := strings.Cut(l, "="); ok && vsftpdKey(k) {
			votes[ServerVsftpd]++
			continue
		}
		word := strings.ToLower(strings.Fields(l)[0])
		for _, w := range proftpdOnly {
			if word == w {
				votes[ServerProFTPD]++
			}
		}
		for _, w := range pureOnly {
			if word == w {
				votes[ServerPureFTPd]++
			}
		}
	}
	best := ServerUnknown
	for k := ServerVsftpd; k <= ServerPureFTPd; k++ {
		if votes[k] > votes[best] {
			best = k
		}
	}
	return best
}

// lines yields each line with its 1-based number, without the line end.
func lines(data []byte) []string {
	s := strings.ReplaceAll(string(data), "\r\n", "\n")
	return strings.Split(s, "\n")
}

// unwrapPath drops the operation and path a *fs.PathError repeats
// ("stat x: no such file or directory" becomes "no such file or directory").
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
