// Command mkannounce writes a pcap of many sessions open at once, each
// announcing many passive endpoints nothing connects to
// (bench.GenerateAnnouncements), for measuring what ftpsniff keeps per
// open session and per announcement. It writes FILE and FILE.json.
//
//	go run ./pcaps/bench/mkannounce -sessions 4000 -announce 25 -o bench-out/ann-4000x25.pcap
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/ftpsniff/ftpsniff/pcaps/bench"
)

func main() {
	var cfg bench.AnnounceConfig
	out := flag.String("o", "bench-out/announce.pcap", "output pcap file")
	flag.IntVar(&cfg.Sessions, "sessions", 4000, "FTP sessions, all open at once")
	flag.IntVar(&cfg.Announcements, "announce", 25, "PASVs each session sends, nothing connecting to them")
	flag.DurationVar(&cfg.Every, "every", 0, "packet time between one session's PASVs (0: 20s)")
	flag.BoolVar(&cfg.Refused, "refused", false, "follow each 227 with LIST answered 425 (every announcement fails)")
	flag.BoolVar(&cfg.Burst, "burst", false, "each session sends all its PASVs in a row, session after session")
	flag.Parse()
	if flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "mkannounce: unexpected argument", flag.Arg(0))
		os.Exit(2)
	}
	st, err := bench.WriteCapture(*out, func(w io.Writer) (bench.AnnounceStats, error) {
		return bench.GenerateAnnouncements(w, cfg)
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "mkannounce:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "mkannounce: %s: %d bytes, %d packets, %d announcements over %.0f s\n",
		*out, st.Bytes, st.Packets, st.Announcements, st.SpanSeconds)
}
