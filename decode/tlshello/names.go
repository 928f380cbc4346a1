package tlshello

import "strconv"

// Version is a TLS protocol version as it appears on the wire.
type Version uint16

// Versions ftpsniff names.
const (
	VersionSSL30 Version = 0x0300
	VersionTLS10 Version = 0x0301
	VersionTLS11 Version = 0x0302
	VersionTLS12 Version = 0x0303
	VersionTLS13 Version = 0x0304
)

func (v Version) String() string {
	switch v {
	case 0:
		return "unknown"
	case VersionSSL30:
		return "SSL 3.0"
	case VersionTLS10:
		return "TLS 1.0"
	case VersionTLS11:
		return "TLS 1.1"
	case VersionTLS12:
		return "TLS 1.2"
	case VersionTLS13:
		return "TLS 1.3"
	}
	return "0x" + strconv.FormatUint(uint64(v)|0x10000, 16)[1:]
}

// isGREASE reports RFC 8701 reserved values (0x0a0a, 0x1a1a, ... 0xfafa),
// which clients sprinkle into version and extension lists.
func isGREASE(v uint16) bool { return v&0x0f0f == 0x0a0a && v>>8 == v&0xff }

// Alert is a plaintext TLS alert record. The zero value means none was seen
// (level 0 does not exist on the wire).
type Alert struct {
	Level       uint8 // 1 warning, 2 fatal
	Description uint8 // RFC 8446 §6 / RFC 5246 §7.2 AlertDescription
}

// IsZero reports whether no alert was seen.
func (a Alert) IsZero() bool { return a.Level == 0 }

// Fatal reports a fatal-level alert.
func (a Alert) Fatal() bool { return a.Level == 2 }

// String names the alert, e.g. "fatal handshake_failure(40)", or "none".
func (a Alert) String() string {
	if a.IsZero() {
		return "none"
	}
	level := "level" + strconv.Itoa(int(a.Level))
	switch a.Level {
	case 1:
		level = "warning"
	case 2:
		level = "fatal"
	}
	name := alertNames[a.Description]
	if name == "" {
		name = "alert"
	}
	return level + " " + name + "(" + strconv.Itoa(int(a.Description)) + ")"
}

// alertNames are the IANA TLS Alert Registry names.
var alertNames = [256]string{
	0: "close_notify", 10: "unexpected_message", 20: "bad_record_mac", 21: "decryption_failed",
	22: "record_overflow", 30: "decompression_failure", 40: "handshake_failure", 41: "no_certificate",
	42: "bad_certificate", 43: "unsupported_certificate", 44: "certificate_revoked",
	45: "certificate_expired", 46: "certificate_unknown", 47: "illegal_parameter", 48: "unknown_ca",
	49: "access_denied", 50: "decode_error", 51: "decrypt_error", 60: "export_restriction",
	70: "protocol_version", 71: "insufficient_security", 80: "internal_error",
	86: "inappropriate_fallback", 90: "user_canceled", 100: "no_renegotiation",
	109: "missing_extension", 110: "unsupported_extension", 111: "certificate_unobtainable",
	112: "unrecognized_name", 113: "bad_certificate_status_response", 114: "bad_certificate_hash_value",
	115: "unknown_psk_identity", 116: "certificate_required", 120: "no_application_protocol",
	121: "ech_required",
}
