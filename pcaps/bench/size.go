package bench

import (
	"fmt"
	"strconv"
	"strings"
)

// ParseSize reads a byte count such as 1GB, 300MB, 64KiB or 5000000.
// Decimal and binary units both mean powers of 1024, as disk tools show them.
func ParseSize(s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"GIB", 1 << 30}, {"MIB", 1 << 20}, {"KIB", 1 << 10}, {"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n <= 0 || n > (1<<42)/mult {
		return 0, fmt.Errorf("%w: size %q (want e.g. 1GB, 300MB, 64KiB)", ErrConfig, s)
	}
	return n * mult, nil
}
