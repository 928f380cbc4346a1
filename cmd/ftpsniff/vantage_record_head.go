package main

import (
	"encoding/json"
	"strconv"
)

// readRecordHead reads what a point's splitter needs of one of its
// records into h, as json.Unmarshal(line, h) does, and says whether that
// would have succeeded. The records are the point's own JSON encoder's
// (an object a line, ASCII keys, the fields read plain strings and
// integers), which the fast path reads without reflection or a string a
// field it skips: json.Unmarshal was a fifth of a --vantage --json run's
// work and most of the splitter's allocation. Anything the fast path is
// not sure of (not an object, a key escaped, not ASCII or matching a field
// other than exactly, a field's value not a plain string or integer) goes
// to json.Unmarshal, so the answer is always its answer
// (TestRecordHeadAsUnmarshal).
func readRecordHead(line []byte, h *pointRecordHead) bool {
	*h = pointRecordHead{}
	if !json.Valid(line) {
		return false
	}
	if fastRecordHead(line, h) {
		return true
	}
	*h = pointRecordHead{}
	return json.Unmarshal(line, h) == nil
}

// fastRecordHead reads a valid JSON line's head into h; false: it cannot
// say, ask json.Unmarshal.
func fastRecordHead(b []byte, h *pointRecordHead) bool {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return true
	}
	for i < len(b) {
		// A key: valid JSON, so a string.
		key, next, plain := plainString(b, i)
		if !plain {
			return false
		}
		i = skipSpace(b, next)
		i = skipSpace(b, i+1) // the colon
		field, known := recordHeadField(key)
		if known < 0 {
			return false // a key only a case-insensitive match makes a field
		}
		if known == 0 {
			if i = skipValue(b, i); i < 0 {
				return false
			}
		} else {
			var ok bool
			if i, ok = readHeadValue(b, i, h, field); !ok {
				return false
			}
		}
		i = skipSpace(b, i)
		if i < len(b) && b[i] == ',' {
			i = skipSpace(b, i+1)
			continue
		}
		return i < len(b) && b[i] == '}'
	}
	return false
}

// The fields of pointRecordHead, by their JSON names.
const (
	headType = iota + 1
	headSession
	headID
	headData
	headCode
	headClient
	headServer
	headStart
	headArmed
	headFirstSYN
)

// recordHeadField is the field a key names exactly (known 1), none
// (known 0), or -1 for a key json.Unmarshal would match to a field
// without case: the fast path leaves that to it.
func recordHeadField(key []byte) (field int, known int) {
	names := [...]string{"", "type", "session", "id", "data", "code", "client", "server", "start", "armed", "first_syn"}
	for f := 1; f < len(names); f++ {
		if string(key) == names[f] {
			return f, 1
		}
	}
	for f := 1; f < len(names); f++ {
		if asciiEqualFold(key, names[f]) {
			return 0, -1
		}
	}
	for _, c := range key {
		if c >= 0x80 {
			return 0, -1 // Unicode folding (K, ſ) is json's to judge
		}
	}
	return 0, 0
}

func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for k := range b {
		c, d := b[k], s[k]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != d {
			return false
		}
	}
	return true
}

// readHeadValue reads the value at b[i] into h's field: a plain string
// for the string fields, an integer for session, id and data.
func readHeadValue(b []byte, i int, h *pointRecordHead, field int) (int, bool) {
	switch field {
	case headSession, headID, headData:
		j := i
		if j < len(b) && b[j] == '-' {
			j++
		}
		for j < len(b) && '0' <= b[j] && b[j] <= '9' {
			j++
		}
		if j < len(b) && (b[j] == '.' || b[j] == 'e' || b[j] == 'E') {
			return 0, false
		}
		n, err := strconv.Atoi(string(b[i:j]))
		if err != nil {
			return 0, false
		}
		switch field {
		case headSession:
			h.Session = n
		case headID:
			h.ID = n
		default:
			h.Data = n
		}
		return j, true
	}
	v, next, plain := plainString(b, i)
	if !plain {
		return 0, false
	}
	switch field {
	case headType:
		h.Type = internedType(v)
	case headCode:
		h.Code = string(v)
	case headClient:
		h.Client = string(v)
	case headServer:
		h.Server = string(v)
	case headStart:
		h.Start = string(v)
	case headArmed:
		h.Armed = string(v)
	case headFirstSYN:
		h.FirstSYN = string(v)
	}
	return next, true
}

// internedType is a record's type, the common ones without allocating.
func internedType(v []byte) string {
	for _, t := range [...]string{"command", "reply", "data", "finding", "session", "event", "server", "summary", "extraction"} {
		if string(v) == t {
			return t
		}
	}
	return string(v)
}

// plainString is the string starting at b[i] (a quote), its contents and
// the index past it, when it holds no escape and only ASCII.
func plainString(b []byte, i int) ([]byte, int, bool) {
	if i >= len(b) || b[i] != '"' {
		return nil, 0, false
	}
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			return b[i+1 : j], j + 1, true
		case c == '\\' || c >= 0x80:
			return nil, 0, false
		}
	}
	return nil, 0, false
}

// skipValue is the index past the (valid) JSON value at b[i], -1 if it
// runs past b.
func skipValue(b []byte, i int) int {
	depth := 0
	for i < len(b) {
		switch b[i] {
		case '"':
			i++
			for i < len(b) && b[i] != '"' {
				if b[i] == '\\' {
					i++
				}
				i++
			}
			i++
		case '{', '[':
			depth++
			i++
		case '}', ']':
			if depth == 0 {
				return i
			}
			depth--
			i++
		case ',':
			if depth == 0 {
				return i
			}
			i++
		default:
			i++
		}
		if depth == 0 && i <= len(b) && (i == len(b) || b[i] == ',' || b[i] == '}' || b[i] == ']' || isSpace(b[i])) {
			return i
		}
	}
	return -1
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}
