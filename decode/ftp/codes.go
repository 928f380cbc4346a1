package ftp

// Greeting is the pseudo-verb for the server's connection greeting (Zeek
// queues "<init>" for the same purpose): ValidReply(Greeting, code) holds
// for 120, 220 and 421.
const Greeting = "<greeting>"

// codeSet is a bit set over reply codes 100..699.
type codeSet [10]uint64

func (s *codeSet) add(codes ...int) {
	for _, c := range codes {
		s[(c-100)/64] |= 1 << ((c - 100) % 64)
	}
}

func (s *codeSet) has(c int) bool {
	return c >= 100 && c <= 699 && s[(c-100)/64]&(1<<((c-100)%64)) != 0
}

// anyCommand are valid after any command (RFC 959 §5.4, field notes §2).
var anyCommand = func() (s codeSet) { s.add(421, 500, 501, 502, 530); return }()

// Reply codes per verb: RFC 959 §5.4 "Command-Reply Sequences", extended
// with RFC 1639, 2228, 2389, 2428, 2640, 3659, 4217 and 7151, plus what
// common servers send (250 for CDUP, 550 for STOR and listings, 550 for
// any command vsftpd has disabled, 350 for ProFTPD's SITE CPFR).
// The codes in anyCommand are implied.
var replyTable = map[string][]int{
	Greeting: {120, 220},

	"USER": {230, 232, 331, 332, 336},
	"PASS": {202, 230, 332, 503},
	"ACCT": {202, 230, 503},
	"CWD":  {250, 550},
	"XCWD": {250, 550},
	"CDUP": {200, 250, 550},
	"XCUP": {200, 250, 550},
	"SMNT": {202, 250, 550},
	"REIN": {120, 220},
	"QUIT": {221},

	"PORT": {200, 550},
	"PASV": {227, 550},
	"MODE": {200, 504},
	"TYPE": {200, 504},
	"STRU": {200, 504},
	"LPRT": {200, 521, 550},
	"LPSV": {228, 550},
	"EPRT": {200, 522, 550},
	"EPSV": {200, 229, 522, 550}, // 200 answers "EPSV ALL"

	"ALLO": {200, 202, 504, 550},
	"REST": {350, 504, 554},
	"RETR": {110, 125, 150, 226, 250, 425, 426, 450, 451, 550},
	"STOR": {110, 125, 150, 226, 250, 425, 426, 450, 451, 452, 532, 550, 551, 552, 553},
	"STOU": {110, 125, 150, 226, 250, 425, 426, 450, 451, 452, 532, 550, 551, 552, 553},
	"APPE": {110, 125, 150, 226, 250, 425, 426, 450, 451, 452, 532, 550, 551, 552, 553},
	"LIST": {125, 150, 226, 250, 425, 426, 450, 451, 550},
	"NLST": {125, 150, 226, 250, 425, 426, 450, 451, 550},
	"MLSD": {125, 150, 226, 250, 425, 426, 450, 451, 550},
	"RNFR": {350, 450, 550},
	"RNTO": {250, 503, 532, 550, 553},
	"ABOR": {225, 226},
	"DELE": {250, 450, 550},
	"RMD":  {250, 550},
	"XRMD": {250, 550},
	"MKD":  {257, 550},
	"XMKD": {257, 550},
	"PWD":  {257, 550},
	"XPWD": {257, 550},

	"SYST": {215},
	"STAT": {211, 212, 213, 450, 550},
	"HELP": {211, 214},
	"SITE": {200, 202, 214, 250, 350, 504, 550},
	"NOOP": {200},

	"AUTH": {234, 334, 431, 504, 534},
	"ADAT": {235, 335, 503, 535},
	"PROT": {200, 431, 503, 504, 534, 536, 550},
	"PBSZ": {200, 503, 550},
	"CCC":  {200, 533, 534},
	"MIC":  {533, 535, 631, 632, 633},
	"CONF": {533, 535, 537, 631, 632, 633},
	"ENC":  {533, 535, 537, 631, 632, 633},

	"FEAT": {211, 550},
	"OPTS": {200, 451, 550},
	"LANG": {200, 504},
	"MDTM": {213, 550},
	"SIZE": {213, 550},
	"MLST": {250, 550},
	"HOST": {220, 503, 504},
	"CLNT": {200},
	// draft-somers-ftp-mfxx, sent by FileZilla after uploads.
	"MFMT": {213, 550},
	"MFCT": {213, 550},
	"MFF":  {213, 550},
	// Checksums and free space: a 213 or 250 with the value.
	"HASH":    {213, 550, 556},
	"XCRC":    {213, 250, 550},
	"XMD5":    {213, 250, 550},
	"XSHA1":   {213, 250, 550},
	"XSHA256": {213, 250, 550},
	"XSHA512": {213, 250, 550},
	"AVBL":    {213, 550},
}

var (
	replySets   = map[string]*codeSet{}
	preliminary = map[string]bool{}
)

func init() {
	for verb, codes := range replyTable {
		s := new(codeSet)
		s.add(codes...)
		replySets[verb] = s
		for _, c := range codes {
			if IsPreliminary(c) {
				preliminary[verb] = true
			}
		}
	}
}

// ValidReply reports whether code is a plausible reply to verb (upper case,
// as in Command.Verb; Greeting for the connection greeting). 421, 500, 501,
// 502 and 530 fit any command but not the greeting, where only 120, 220
// and 421 fit. 1yz codes fit only verbs that take preliminary replies
// (transfers, REIN, the greeting). Unknown verbs accept only the
// any-command codes.
func ValidReply(verb string, code int) bool {
	if verb == Greeting {
		return code == 421 || replySets[Greeting].has(code)
	}
	if anyCommand.has(code) {
		return true
	}
	s := replySets[verb]
	return s != nil && s.has(code)
}

// HasPreliminary reports whether verb may receive 1yz replies before its
// final reply.
func HasPreliminary(verb string) bool { return preliminary[verb] }

// IsPreliminary reports whether code is a positive preliminary reply (1yz):
// it precedes the final reply of the same command.
func IsPreliminary(code int) bool { return code >= 100 && code <= 199 }
