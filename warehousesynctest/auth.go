package warehousesynctest

import (
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/wsync-dev/warehousesync/internal/oauthwire"

	ws "github.com/wsync-dev/warehousesync"
)

// tokenInfo is an issued access token.
type tokenInfo struct {
	clientID string
	expires  time.Time
}

// oauthError is the token endpoint's error body, in Auth0's style.
type oauthError struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

func oauthReply(status int, code, description string) reply {
	return reply{status: status, body: oauthError{Error: code, Description: description}}
}

// serveToken serves POST /oauth/token: the client-credentials grant with a JSON body (as mParticle
// documents) or a form-encoded one, the credentials in the body or in HTTP Basic auth.
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	body, bodyErr := readBody(w, r, maxTokenBody)
	s.mu.Lock()
	now := s.clock.Now()
	entry := s.logRequestLocked(r, "", tokenPath, tokenPath, body, int64(len(body)), now)
	s.tokenMu.Lock() // issuing writes the tokens (server.go)
	rep := s.issueTokenLocked(r, body, bodyErr, now)
	s.tokenMu.Unlock()
	entry.Status = rep.status
	s.mu.Unlock()
	w.Header().Set("Cache-Control", "no-store")
	writeReply(w, rep)
}

func (s *Server) issueTokenLocked(r *http.Request, body []byte, bodyErr error, now time.Time) reply {
	if r.Method != http.MethodPost {
		rep := oauthReply(http.StatusMethodNotAllowed, "invalid_request", "the token endpoint accepts only POST")
		rep.allow = []string{http.MethodPost}
		return rep
	}
	if bodyErr != nil {
		return oauthReply(http.StatusBadRequest, "invalid_request", bodyErr.Error())
	}
	req, status, err := parseTokenRequest(r, body)
	if err != "" {
		return oauthReply(status, "invalid_request", err)
	}
	switch {
	case req.GrantType == "":
		return oauthReply(http.StatusBadRequest, "invalid_request", "Missing required parameter: grant_type")
	case req.GrantType != "client_credentials":
		return oauthReply(http.StatusBadRequest, "unsupported_grant_type",
			"Unsupported grant type: "+truncate(req.GrantType, 40)+"; use client_credentials")
	case req.Audience == "":
		return oauthReply(http.StatusBadRequest, "invalid_request",
			"Missing required parameter: audience (send \""+ws.DefaultAudience+"\")")
	case req.Audience != ws.DefaultAudience:
		return oauthReply(http.StatusForbidden, "access_denied", "Service not enabled within domain: "+
			truncate(req.Audience, 60))
	case !equalSecret(req.ClientID, s.cfg.clientID) || !equalSecret(req.ClientSecret, s.cfg.clientSecret):
		return oauthReply(http.StatusUnauthorized, "access_denied", "Unauthorized")
	}
	s.trimTokensLocked(now)
	if limit := s.cfg.budgets.MaxTokens; len(s.tokens) >= limit {
		rep := oauthReply(http.StatusServiceUnavailable, "temporarily_unavailable", budgetMessage(
			fmt.Sprintf("%d unexpired access tokens", len(s.tokens)), "MaxTokens", int64(limit))+
			"; tokens expire after the token TTL, or reuse one token until it expires")
		return rep
	}
	token := rand.Text() + rand.Text()
	expires := now.Add(s.cfg.tokenTTL)
	// The server's own client id, equal to the request's: a token never holds on to a request's body.
	s.tokens[token] = tokenInfo{clientID: s.cfg.clientID, expires: expires}
	s.tokenQueue = append(s.tokenQueue, queuedToken{token: token, expires: expires})
	return ok(oauthwire.TokenResponse{AccessToken: token, ExpiresIn: int64(s.cfg.tokenTTL / time.Second), TokenType: "Bearer"})
}

// Media types of token requests: JSON as mParticle documents, the form OAuth 2.0 specifies.
const (
	mediaJSON = "application/json"
	mediaForm = "application/x-www-form-urlencoded"
)

// parseTokenRequest decodes a JSON or form-encoded token request, as its Content-Type says; on failure it
// returns the status (400, or 415 for another media type) and a message that says what is wrong.
func parseTokenRequest(r *http.Request, body []byte) (oauthwire.TokenRequest, int, string) {
	var req oauthwire.TokenRequest
	ct := r.Header.Get("Content-Type")
	mediaType, _, _ := mime.ParseMediaType(ct)
	looksJSON := json.Valid(body) && len(bytes.TrimSpace(body)) > 0 && bytes.TrimSpace(body)[0] == '{'
	switch {
	case mediaType == mediaForm && looksJSON:
		return req, http.StatusBadRequest, "the body is JSON but Content-Type is " + mediaForm +
			" (what curl -d sends by default): send Content-Type: " + mediaJSON
	case mediaType == mediaForm:
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return req, http.StatusBadRequest, "malformed form body: separate fields with & (not ;) and " +
				"percent-encode values"
		}
		req = oauthwire.TokenRequest{ClientID: form.Get("client_id"), ClientSecret: form.Get("client_secret"),
			Audience: form.Get("audience"), GrantType: form.Get("grant_type")}
	case mediaType == mediaJSON:
		if err := json.Unmarshal(body, &req); err != nil {
			return req, http.StatusBadRequest, "the body must be a JSON object with client_id, client_secret, " +
				"audience and grant_type: " + jsonProblem(err)
		}
	default:
		got := "no Content-Type"
		if ct != "" {
			got = "Content-Type " + strconv.Quote(truncate(ct, 60))
		}
		hint := ""
		if looksJSON {
			hint = " (the body is JSON: add Content-Type: " + mediaJSON + ")"
		}
		return req, http.StatusUnsupportedMediaType, "the token endpoint takes Content-Type " + mediaJSON +
			" or " + mediaForm + ", got " + got + hint
	}
	if id, secret, found := r.BasicAuth(); found && req.ClientID == "" && req.ClientSecret == "" {
		req.ClientID, req.ClientSecret = unescapeBasic(id), unescapeBasic(secret)
	}
	return req, 0, ""
}

// unescapeBasic undoes the URL-encoding RFC 6749 asks of Basic credentials.
func unescapeBasic(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

func equalSecret(got, want string) bool {
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// authenticateLocked checks the request's bearer token against the clock; it returns the token's client
// id, or a message for the 401.
func (s *Server) authenticateLocked(r *http.Request, now time.Time) (string, string) {
	token, found := bearerToken(r)
	if !found {
		return "", "Unauthorized: send Authorization: Bearer <access token> (get one from POST /oauth/token)."
	}
	info, known := s.tokens[token]
	switch {
	case !known:
		return "", "Unauthorized: the access token is not valid."
	case !now.Before(info.expires):
		return "", "Unauthorized: the access token has expired; request a new one."
	}
	return info.clientID, ""
}

// bearerToken returns the token of the request's Authorization: Bearer header (the scheme in any case),
// trimmed; false when there is none. The API's tokens and the admin token are both sent this way.
func bearerToken(r *http.Request) (string, bool) {
	scheme, token, found := strings.Cut(r.Header.Get("Authorization"), " ")
	token = strings.TrimSpace(token)
	return token, found && strings.EqualFold(scheme, "Bearer") && token != ""
}
