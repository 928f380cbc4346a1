// Package communityid computes the Community ID (version 1) of a flow: the
// hash Zeek (policy protocols/conn/community-id-logging), Suricata
// (community-id: yes), Arkime and Elastic put on their records so that the
// records of one connection seen by different tools can be joined.
//
// The algorithm is the published one (github.com/corelight/community-id-spec,
// README "Technical details"): SHA-1 over a 16-bit seed, the two addresses
// and ports ordered so that both directions of a flow give the same value,
// the IP protocol number and a padding byte; base64 of the digest, prefixed
// with "1:".
//
// It owns no state and has no bounds to keep: one call hashes at most 2 +
// 16 + 16 + 2 + 4 bytes. ICMP and ICMPv6 type/code mapping is not
// implemented (ftpsniff only needs TCP): For returns ErrProtocol for them.
package communityid
