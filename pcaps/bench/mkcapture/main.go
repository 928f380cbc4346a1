// Command mkcapture writes a large deterministic pcap of FTP sessions
// (vsftpd dialogue, passive data connections) mixed with HTTPS-like bulk
// flows and short TCP flows, for ftpsniff's performance measurement. It
// writes FILE and FILE.json, the counts an analyser should find.
//
//	go run ./pcaps/bench/mkcapture -size 1GB -o bench-out/ftp-1g.pcap
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
	out := flag.String("o", "bench-out/ftp-1g.pcap", "output pcap file")
	size := flag.String("size", "1GB", "capture size: no flow starts after this many bytes (1GB, 300MB, 64KiB)")
	seed := flag.Uint64("seed", 1, "random seed; the same seed gives the same file")
	other := flag.Float64("other", 0.3, "share of packets that are not FTP")
	v6 := flag.Float64("ipv6", 0.12, "share of clients on IPv6 (negative: none)")
	flag.Parse()
	if err := run(*out, *size, *seed, *other, *v6); err != nil {
		fmt.Fprintln(os.Stderr, "mkcapture:", err)
		os.Exit(1)
	}
}

func run(out, sizeFlag string, seed uint64, other, v6 float64) error {
	size, err := bench.ParseSize(sizeFlag)
	if err != nil {
		return err
	}
	begin := time.Now()
	st, err := bench.WriteCapture(out, func(w io.Writer) (bench.Stats, error) {
		return bench.Generate(w, bench.Config{Size: size, Seed: seed, OtherShare: other, IPv6Share: v6})
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "mkcapture: %s: %d bytes, %d packets (%.1f%% other, %.1f%% IPv6), %d sessions, %d data connections in %.1fs\n",
		out, st.Bytes, st.Packets, 100*float64(st.OtherPackets)/float64(st.Packets), 100*float64(st.IPv6Packets)/float64(st.Packets),
		st.Sessions, st.DataConns, time.Since(begin).Seconds())
	return nil
}
