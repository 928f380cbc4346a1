//go:build !unix

package extract

// noFollow: os.Root refuses to follow links itself where O_NOFOLLOW does
// not exist (Windows reparse points included).
const noFollow = 0
