package warehousesync

import (
	"net/netip"
	"strings"
)

// plainHTTPAllowed reports whether an http (not https) address with host may carry a credential: only
// an address that does not leave the machine or the local network, since http sends the client secret
// and access tokens in clear text. It is an allowlist: loopback, private and link-local IP addresses,
// single-label names (a container's or a machine's on the local network), and names under the
// top-level names that never reach the public internet (RFC 6761, RFC 6762, RFC 8375 and ICANN's
// .internal).
// Any other name, the API's own among them, must use https.
func plainHTTPAllowed(host string) bool {
	if ip, err := netip.ParseAddr(host); err == nil {
		ip = ip.Unmap()
		return ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast()
	}
	name := strings.TrimSuffix(strings.ToLower(host), ".")
	if name == "" {
		return false
	}
	if !strings.Contains(name, ".") {
		return true
	}
	for _, l := range [...]string{".localhost", ".test", ".invalid", ".example", ".internal", ".local", ".home.arpa"} {
		if strings.HasSuffix(name, l) {
			return true
		}
	}
	return false
}
