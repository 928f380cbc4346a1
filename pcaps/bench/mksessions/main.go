// Command mksessions writes a deterministic pcap of many small vsftpd
// sessions spread over hours of packet time (bench.GenerateSessions), for
// measuring how ftpsniff's time and memory scale with the number of
// sessions that ever passed. It writes FILE and FILE.json, the counts an
// analyser should find and the capture's shape.
//
//	go run ./pcaps/bench/mksessions -sessions 10000 -o bench-out/sessions-10000.pcap
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/ftpsniff/ftpsniff/pcaps/bench"
)

func main() {
	var cfg bench.SessionsConfig
	out := flag.String("o", "bench-out/sessions.pcap", "output pcap file")
	flag.IntVar(&cfg.Sessions, "sessions", 10000, "FTP sessions in the capture")
	flag.Uint64Var(&cfg.Seed, "seed", 1, "random seed; the same seed and flags give the same file")
	flag.IntVar(&cfg.Concurrency, "concurrency", 32, "most sessions under way at once")
	flag.DurationVar(&cfg.Gap, "gap", time.Second, "mean time between session arrivals (packet time)")
	flag.DurationVar(&cfg.Think, "think", 0, "mean pause of an interactive client before a command (0: concurrency*gap/12)")
	flag.IntVar(&cfg.Clients, "clients", 4096, "distinct client hosts")
	flag.IntVar(&cfg.Servers, "servers", 4, "vsftpd servers")
	flag.Float64Var(&cfg.IPv6Share, "ipv6", 0.1, "share of clients on IPv6 (negative: none)")
	flag.Int64Var(&cfg.MaxFile, "maxfile", 32<<10, "largest transferred file in bytes (sizes log-uniform from 200)")
	flag.Parse()
	if flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "mksessions: unexpected argument", flag.Arg(0))
		os.Exit(2)
	}
	if err := run(*out, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "mksessions:", err)
		os.Exit(1)
	}
}

func run(out string, cfg bench.SessionsConfig) error {
	begin := time.Now()
	st, err := bench.WriteCapture(out, func(w io.Writer) (bench.SessionStats, error) {
		return bench.GenerateSessions(w, cfg)
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "mksessions: %s: %d bytes, %d packets, %d sessions (at most %d at once) over %.2f h, %d data connections, %d client hosts, in %.1fs\n",
		out, st.Bytes, st.Packets, st.Sessions, st.MaxConcurrent, st.SpanSeconds/3600, st.DataConns, st.ClientHosts, time.Since(begin).Seconds())
	return nil
}
