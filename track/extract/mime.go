package extract

import "net/http"

// sniffMIME names the content type of a file's first bytes (at most
// sniffLen), by the WHATWG sniffing rules net/http implements. net/http
// costs the binary about 2.5 MB; this is the one place that uses it.
func sniffMIME(head []byte) string { return http.DetectContentType(head) }
