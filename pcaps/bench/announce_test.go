package bench

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/track"
)

// TestGeneratedAnnouncementsAreWhatFtpsniffFinds: every session of
// GenerateAnnouncements is found, logged in and closed by FIN, with each of
// its announcements a data connection nothing attempted, in both orders.
func TestGeneratedAnnouncementsAreWhatFtpsniffFinds(t *testing.T) {
	for _, cfg := range []AnnounceConfig{
		{Sessions: 3, Announcements: 4, Refused: true},
		{Sessions: 5, Announcements: 2, Every: time.Second, Burst: true},
	} {
		var buf bytes.Buffer
		st, err := GenerateAnnouncements(&buf, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if int64(buf.Len()) != st.Bytes || st.Announcements != cfg.Sessions*cfg.Announcements {
			t.Fatalf("%+v: %d bytes written, %d counted; %d announcements", cfg, buf.Len(), st.Bytes, st.Announcements)
		}
		tl := &tally{outcomes: map[track.Outcome]int{}}
		analyse(t, buf.Bytes(), tl)
		if tl.sessions != cfg.Sessions || tl.unclean != 0 || tl.unanswered != 0 || tl.outcomes[track.OutcomeNotAttempted] != st.Announcements || len(tl.outcomes) != 1 {
			t.Errorf("%+v: %d sessions (%d unclean), %d commands unanswered, outcomes %v", cfg, tl.sessions, tl.unclean, tl.unanswered, tl.outcomes)
		}
	}
	if _, err := GenerateAnnouncements(&bytes.Buffer{}, AnnounceConfig{Sessions: 1}); !errors.Is(err, ErrConfig) {
		t.Errorf("no announcements: %v, want ErrConfig", err)
	}
}
