package main

import (
	"encoding/base64"
	"strconv"
	"time"
)

// appendTo writes the ftp.log line with w, byte for byte what
// encoding/json (HTML escaping off) followed by appendInertJSON writes for
// the struct and its tags (FuzzZeekLineAsEncodingJSON holds the two
// together): the reflection-based encoder cost a capture of many small
// sessions more than the rest of its analysis.
func (r *zeekFTP) appendTo(w *jsonWriter) []byte {
	w.begin()
	w.key("ts")
	w.b = appendZeekTime(w.b, time.Time(r.TS))
	w.str("uid", r.UID)
	w.str("id.orig_h", r.OrigH)
	w.uint("id.orig_p", uint64(r.OrigP))
	w.str("id.resp_h", r.RespH)
	w.uint("id.resp_p", uint64(r.RespP))
	w.str("user", r.User)
	w.strOmit("password", r.Password)
	w.strOmit("command", r.Command)
	w.strOmit("arg", r.Arg)
	w.strOmit("mime_type", r.MimeType)
	if r.FileSize != nil {
		w.uint("file_size", *r.FileSize)
	}
	if r.ReplyCode != nil {
		w.int("reply_code", int64(*r.ReplyCode))
	}
	if r.ReplyMsg != nil {
		w.str("reply_msg", *r.ReplyMsg)
	}
	if r.DCPassive != nil {
		w.bool("data_channel.passive", *r.DCPassive)
	}
	w.strOmit("data_channel.orig_h", r.DCOrigH)
	w.strOmit("data_channel.resp_h", r.DCRespH)
	if r.DCRespP != nil {
		w.uint("data_channel.resp_p", uint64(*r.DCRespP))
	}
	w.strOmit("fuid", r.FUID)
	w.int("ftpsniff.session", int64(r.Session))
	w.int("ftpsniff.index", int64(r.Index))
	w.str("ftpsniff.status", r.Status)
	w.intOmit("ftpsniff.data", int64(r.Data))
	w.strOmit("ftpsniff.outcome", r.Outcome)
	if len(r.Findings) > 0 {
		w.strs("ftpsniff.findings", r.Findings)
	}
	w.boolOmit("ftpsniff.control_only", r.ControlOnly)
	w.boolOmit("ftpsniff.uncertain", r.Uncertain)
	w.boolOmit("ftpsniff.unseen", r.Unseen)
	w.boolOmit("ftpsniff.rest_not_captured", r.RestNotCaptured)
	w.strOmit("ftpsniff.community_id", r.CommunityID)
	w.strOmit("ftpsniff.data_community_id", r.DataCID)
	w.strOmit("ftpsniff.observer", r.Observer)
	w.base64Omit("ftpsniff.user_raw", r.UserRaw)
	w.base64Omit("ftpsniff.password_raw", r.PasswordRaw)
	w.base64Omit("ftpsniff.command_raw", r.CommandRaw)
	w.base64Omit("ftpsniff.arg_raw", r.ArgRaw)
	w.base64Omit("ftpsniff.reply_msg_raw", r.ReplyMsgRaw)
	return w.end(nil)
}

// base64Omit writes a []byte field as encoding/json does (standard
// base64), unless it is empty (omitempty).
func (w *jsonWriter) base64Omit(k string, v []byte) {
	if len(v) == 0 {
		return
	}
	w.key(k)
	w.b = append(w.b, '"')
	w.b = base64.StdEncoding.AppendEncode(w.b, v)
	w.b = append(w.b, '"')
}

// appendZeekTime appends a Zeek JSON timestamp: seconds since the epoch
// with six digits of microseconds (JSON::TS_EPOCH, the default of
// LogAscii::json_timestamps).
func appendZeekTime(b []byte, t time.Time) []byte {
	// A decimal: the sign is the whole number's, the fraction counts
	// away from zero as the seconds do (1938-04-24T22:13:21.014 is
	// -999999998.986, not the floored second -999999999 with .014).
	us := t.UnixMicro()
	u := uint64(us)
	if us < 0 {
		b = append(b, '-')
		u = -u // (uint64: math.MinInt64 too)
	}
	b = strconv.AppendUint(b, u/1e6, 10)
	b = append(b, '.')
	frac := u % 1e6
	var digits [6]byte
	for i := 5; i >= 0; i-- {
		digits[i] = byte('0' + frac%10)
		frac /= 10
	}
	return append(b, digits[:]...)
}
