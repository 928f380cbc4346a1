//go:build linux

package capture

import (
	"bufio"
	"bytes"
	"debug/buildinfo"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestDropPrivilegesEveryBuild is the regression test for "cannot drop
// privileges: clearing capabilities: operation not supported": a cgo build
// of ftpsniff started on file capabilities could not clear them, because
// syscall.AllThreadsSyscall refuses to run when cgo is linked.
//
// For a build without cgo and one with it, it builds ftpsniff, starts
// `ftpsniff live -i lo` the two ways docs/live.md describes (on file
// capabilities as nobody; as root with --user nobody), waits until every
// thread of the process has dropped (CapEff and CapPrm 0, and for root
// also the user IDs), then sends an FTP greeting over loopback and checks
// that the capture, opened before the drop, still sees it.
func TestDropPrivilegesEveryBuild(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: it gives a binary file capabilities and starts it as another user")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("needs the go command to build ftpsniff")
	}
	nobody, err := user.Lookup("nobody")
	if err != nil {
		t.Skipf("needs a user nobody to run as: %v", err)
	}
	uid, _ := strconv.Atoi(nobody.Uid)
	gid, _ := strconv.Atoi(nobody.Gid)
	if uid == 0 {
		t.Skip("user nobody is root here")
	}
	// A directory nobody can reach, unlike t.TempDir's.
	dir, err := os.MkdirTemp("", "ftpsniff-privs-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}

	for _, cgo := range []string{"0", "1"} {
		t.Run("CGO_ENABLED="+cgo, func(t *testing.T) {
			if cgo == "1" {
				cc, _ := exec.Command(goTool, "env", "CC").Output()
				if _, err := exec.LookPath(strings.TrimSpace(string(cc))); err != nil {
					t.Skipf("a cgo build needs a C compiler (go env CC = %q)", strings.TrimSpace(string(cc)))
				}
			}
			bin := filepath.Join(dir, "ftpsniff-cgo"+cgo)
			build := exec.Command(goTool, "build", "-o", bin, "github.com/ftpsniff/ftpsniff/cmd/ftpsniff")
			build.Env = append(os.Environ(), "CGO_ENABLED="+cgo)
			if out, err := build.CombinedOutput(); err != nil {
				t.Fatalf("go build with CGO_ENABLED=%s: %v\n%s", cgo, err, out)
			}
			// The build is what it says: a C compiler missing or ignored
			// would silently turn the cgo case into the other one.
			info, err := buildinfo.ReadFile(bin)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range info.Settings {
				if s.Key == "CGO_ENABLED" && s.Value != cgo {
					t.Fatalf("binary built with CGO_ENABLED=%s, want %s", s.Value, cgo)
				}
			}

			t.Run("file-capabilities", func(t *testing.T) {
				setcap, err := exec.LookPath("setcap")
				if err != nil {
					t.Skip("needs setcap (Debian's libcap2-bin) to give the binary file capabilities")
				}
				var fs unix.Statfs_t
				if err := unix.Statfs(dir, &fs); err == nil && fs.Flags&unix.ST_NOSUID != 0 {
					t.Skipf("%s is mounted nosuid: file capabilities are ignored there", dir)
				}
				if out, err := exec.Command(setcap, "cap_net_raw,cap_net_admin+ep", bin).CombinedOutput(); err != nil {
					t.Skipf("setcap cannot give %s capabilities here: %v %s", bin, err, bytes.TrimSpace(out))
				}
				cred := &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
				runDropped(t, bin, cred, func(s threadStatus) string {
					if s.eff != 0 || s.prm != 0 {
						return fmt.Sprintf("CapEff %016x CapPrm %016x", s.eff, s.prm)
					}
					return ""
				})
			})
			t.Run("root", func(t *testing.T) {
				// A fresh copy: setcap above must not lend its
				// capabilities to this case.
				plain := bin + "-root"
				if err := copyFile(bin, plain); err != nil {
					t.Fatal(err)
				}
				want := strconv.Itoa(uid)
				runDropped(t, plain, nil, func(s threadStatus) string {
					if s.eff != 0 || s.prm != 0 || s.uids != strings.Repeat(want+" ", 3)+want {
						return fmt.Sprintf("Uid %s CapEff %016x CapPrm %016x", s.uids, s.eff, s.prm)
					}
					return ""
				}, "--user", nobody.Username)
			})
		})
	}
}

// threadStatus is what one /proc/PID/task/TID/status says about a
// thread's privileges.
type threadStatus struct {
	uids     string // real, effective, saved, filesystem
	eff, prm uint64
}

// runDropped starts bin live on lo (as cred, when not nil) and fails
// unless every thread soon satisfies dropped (which returns "" for a
// thread that holds nothing, else what it holds) and the capture then
// still reports an FTP greeting sent over loopback.
func runDropped(t *testing.T, bin string, cred *syscall.Credential, dropped func(threadStatus) string, extra ...string) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	greeting := "220 privileges-test-" + port

	// --duration bounds the process should the test die before it stops it.
	args := append([]string{"live", "-i", "lo", "--host", "127.0.0.1", "--control-port", port, "--duration", "60s"}, extra...)
	cmd := exec.Command(bin, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var out lockedBuffer
	done := make(chan error, 1)
	go func() {
		// Wait only once the output is read, as exec requires.
		_, _ = out.ReadFrom(stdout)
		done <- cmd.Wait()
	}()
	finished := false
	defer func() {
		if !finished {
			_ = cmd.Process.Kill()
			<-done
		}
	}()
	fail := func(format string, a ...any) {
		t.Helper()
		t.Fatalf("%s\nstdout:\n%s\nstderr:\n%s", fmt.Sprintf(format, a...), out.String(), stderr.String())
	}
	exitedEarly := func() {
		t.Helper()
		select {
		case err := <-done:
			finished = true
			fail("ftpsniff stopped early (%v)", err)
		default:
		}
	}

	// It starts with the privileges it was given, and drops them once its
	// socket is open. Until it holds a packet socket the process may not
	// even be ftpsniff yet: between fork and exec the child has already
	// taken cred's uid and lost root's capabilities, which would pass for
	// a drop, and a greeting sent then would come before the capture.
	pid := cmd.Process.Pid
	deadline := time.Now().Add(10 * time.Second)
	for !holdsPacketSocket(pid) {
		exitedEarly()
		if time.Now().After(deadline) {
			fail("after 10 s ftpsniff has no packet socket open")
		}
		time.Sleep(10 * time.Millisecond)
	}
	for {
		n, held, err := privilegedThreads(pid, dropped)
		if err == nil && held == "" {
			t.Logf("all %d threads dropped their privileges", n)
			break
		}
		exitedEarly()
		if time.Now().After(deadline) {
			fail("after 10 s a thread still holds %s (%v)", held, err)
		}
		time.Sleep(10 * time.Millisecond)
	}

	// The socket opened before the drop still captures.
	ftpGreeting(t, ln, greeting)
	for deadline = time.Now().Add(10 * time.Second); !strings.Contains(out.String(), greeting); {
		exitedEarly()
		if time.Now().After(deadline) {
			fail("the greeting %q sent after the drop was not reported within 10 s", greeting)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Threads started since (the Go runtime starts them as it needs)
	// inherit nothing either.
	if n, held, err := privilegedThreads(pid, dropped); err != nil || held != "" {
		fail("after the capture a thread holds %s (%v) of %d", held, err, n)
	}

	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-done:
		finished = true
		if err != nil {
			fail("ftpsniff did not exit cleanly on SIGTERM: %v", err)
		}
	case <-time.After(10 * time.Second):
		fail("ftpsniff did not stop within 10 s of SIGTERM")
	}
	if !strings.Contains(out.String(), "summary: 1 session") {
		fail("no summary of the one session")
	}
}

// ftpGreeting accepts one connection from itself on ln and sends the
// greeting over it, as an FTP server would.
func ftpGreeting(t *testing.T, ln net.Listener, greeting string) {
	t.Helper()
	c, err := net.Dial("tcp4", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Write([]byte(greeting + "\r\n")); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := bufio.NewReader(c).ReadString('\n'); err != nil {
		t.Fatal(err)
	}
}

// privilegedThreads reads the status of every thread of pid and returns
// how many there are and what the first thread that fails dropped holds
// ("" when none does).
func privilegedThreads(pid int, dropped func(threadStatus) string) (int, string, error) {
	taskDir := fmt.Sprintf("/proc/%d/task", pid)
	tasks, err := os.ReadDir(taskDir)
	if err != nil {
		return 0, "?", err
	}
	for _, task := range tasks {
		b, err := os.ReadFile(filepath.Join(taskDir, task.Name(), "status"))
		if errors.Is(err, os.ErrNotExist) || errors.Is(err, syscall.ESRCH) {
			continue // the thread has exited
		}
		if err != nil {
			return len(tasks), "?", err
		}
		var s threadStatus
		for _, line := range strings.Split(string(b), "\n") {
			key, val, _ := strings.Cut(line, ":")
			val = strings.TrimSpace(val)
			switch key {
			case "Uid":
				s.uids = strings.Join(strings.Fields(val), " ")
			case "CapEff":
				s.eff, err = strconv.ParseUint(val, 16, 64)
			case "CapPrm":
				s.prm, err = strconv.ParseUint(val, 16, 64)
			}
			if err != nil {
				return len(tasks), "?", fmt.Errorf("thread %s: %s: %v", task.Name(), key, err)
			}
		}
		if held := dropped(s); held != "" {
			return len(tasks), "thread " + task.Name() + ": " + held, nil
		}
	}
	return len(tasks), "", nil
}

// holdsPacketSocket tells whether process pid has an AF_PACKET socket
// open: one of its descriptors is a socket whose inode /proc/net/packet
// lists.
func holdsPacketSocket(pid int) bool {
	b, err := os.ReadFile("/proc/net/packet")
	if err != nil {
		return false
	}
	inodes := map[string]bool{}
	for _, line := range strings.Split(string(b), "\n")[1:] {
		if f := strings.Fields(line); len(f) > 0 {
			inodes[f[len(f)-1]] = true
		}
	}
	fdDir := fmt.Sprintf("/proc/%d/fd", pid)
	fds, err := os.ReadDir(fdDir)
	if err != nil {
		return false
	}
	for _, fd := range fds {
		link, err := os.Readlink(filepath.Join(fdDir, fd.Name()))
		if inode, ok := strings.CutPrefix(link, "socket:["); err == nil && ok && inodes[strings.TrimSuffix(inode, "]")] {
			return true
		}
	}
	return false
}

// lockedBuffer is a bytes.Buffer one goroutine writes while another reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// ReadFrom copies r in small pieces so that String sees lines as they come.
func (b *lockedBuffer) ReadFrom(r io.Reader) (int64, error) {
	buf := make([]byte, 4096)
	var n int64
	for {
		k, err := r.Read(buf)
		if k > 0 {
			b.Write(buf[:k])
			n += int64(k)
		}
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o755)
}
