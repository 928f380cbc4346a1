package ftp

// ContainsFold tells whether s holds lower, ASCII letters compared
// without regard to case: a word of a reply's or a greeting's text
// ("passive", "vsftpd"). lower must be lower case. A byte outside ASCII
// matches only itself, as strings.EqualFold's on a slice of lower's
// length does; unlike it, ContainsFold folds no rune.
func ContainsFold(s, lower string) bool {
	n := len(lower)
	for i := 0; i+n <= len(s); i++ {
		j := 0
		for ; j < n; j++ {
			c := s[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != lower[j] {
				break
			}
		}
		if j == n {
			return true
		}
	}
	return false
}
