package wire

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// DecodeInteger decodes a JSON integer as the API writes it: a number (an integral float such as 1e3
// or 100.0 too), a string holding one, or null or "" (both 0). The API documents some counters and ids
// as strings and sends integers, and the other way round.
func DecodeInteger(b []byte) (int64, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" {
		return 0, nil
	}
	if b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return 0, err
		}
		b = []byte(strings.TrimSpace(s))
		if len(b) == 0 {
			return 0, nil
		}
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err == nil {
		return n, nil
	}
	f, ferr := strconv.ParseFloat(string(b), 64)
	if ferr != nil || f != float64(int64(f)) {
		shown := string(b)
		if len(shown) > 40 {
			shown = shown[:40] + "…"
		}
		return 0, fmt.Errorf("%s is not an integer", shown)
	}
	return int64(f), nil
}
