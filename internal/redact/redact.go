// Package redact decides which configuration keys hold secrets, and masks
// secrets found inside values. The config and package sections use it so that
// a Guru Meditation Report can be pasted into a ticket.
//
// # Keys
//
// A key is split into lower-case words: at every character that is not a
// letter or a digit ('_', '-', '.', ' ', '/', ':' ...), between letters and
// digits, and at camelCase boundaries, acronyms included ("APIKey" is api,
// key; "DBPassword" is db, password; "userIDs" is user, ids). The key is
// secret when a word, or a run of adjacent words written together ("pass",
// "word"), is one of the patterns, optionally followed by "s":
//
//	password passwd pwd pass passphrase secret token apikey key
//	credential cred auth authorization private session cookie dsn
//	signature sig salt
//
// So DB_PASSWORD, dbPassword, api-key, APIKey, AWS_SECRET_ACCESS_KEY,
// GITHUB_TOKEN, session_id and x.auth.header are secret, while
// keyboard_layout, monkey_count, tokenizer_model and author_name are not: no
// word of theirs is a pattern. The strongest patterns (password, passwd,
// passphrase, secret, token, apikey, credential) also match at the end of a
// word, so that run-together keys such as "dbpassword" or "GITHUBTOKEN" are
// secret too, and so do "pass" (DBPASS, SSHPASS; not bypass or compass) and
// the run-together compounds of "key": secretkey, masterkey, accesskey,
// privatekey, signingkey, encryptionkey, sessionkey and authkey.
//
// "cert" is deliberately not a pattern: certificates are public, and the
// private keys that go with them are caught by "key" and "private".
//
// # Values
//
// Value masks secrets that a value carries whatever its key: the password of
// a URL's user info (postgres://user:***@host/db), of a DSN without a scheme
// (MySQL's user:***@tcp(host)/db, user:***@host:6379, Oracle's
// scott/***@//host:1521/orcl), the credentials after "Bearer" and "Basic",
// the body of a PEM private key block, and the value of any key=value,
// key: value, key:value or "key": value pair inside the string whose key is
// secret by the rules above (a libpq DSN, a query string, a header, JSON,
// JSON quoted inside a string, Go's %v of a map or struct such as
// map[token:***] and {Password:***}, -ldflags="-X main.token=..."). A
// key:value value of digits only is taken for a port and shown. Tokens whose format gives them away are
// masked too, after their prefix: GitHub (ghp_***, github_pat_***), GitLab
// (glpat-***), Slack (xoxb-***), Stripe (sk_live_***), sk-*** API keys,
// Google API keys (AIza***) and JSON Web Tokens. A masked secret is always
// replaced by exactly [Mask], whatever its length.
//
// # Command lines
//
// Args masks the values of secret flags on a command line: -db-password=x,
// --db-password=x, -db-password x and --db-password x all show as the flag
// followed by [Mask]. Every other argument is masked as Value masks it.
//
// Redaction is best effort: a secret stored under an innocent key, in a
// format none of the rules recognise, is shown.
package redact

import (
	"cmp"
	"encoding/base64"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Mask replaces every secret.
const Mask = "***"

// A Redactor holds the redaction rules. Its zero value uses the default
// patterns; it is safe for concurrent use as long as Extra is not modified.
type Redactor struct {
	// Extra lists key patterns that are secret in addition to the default
	// ones. Optional. A pattern is matched like the defaults: against a
	// word or a run of adjacent words of the key, ignoring case and
	// separators, so "client_id" matches ClientID, client-id and
	// CLIENT_ID, but not client_identifier.
	Extra []string
	// Flags names command-line flags whose values are secret whatever
	// their names (gmr.WithSecretFlags). Optional.
	Flags []string
}

// SecretFlag reports whether the flag with the given name, without dashes,
// holds a secret: it is one of Flags, or its name is a secret key.
func (r Redactor) SecretFlag(name string) bool {
	for _, f := range r.Flags {
		if f == name {
			return true
		}
	}
	return r.SecretKey(name)
}

// patterns are the default secret words, written without separators.
var patterns = map[string]bool{
	"password":      true,
	"passwd":        true,
	"pwd":           true,
	"pass":          true,
	"passphrase":    true,
	"secret":        true,
	"token":         true,
	"apikey":        true,
	"key":           true,
	"credential":    true,
	"auth":          true,
	"authorization": true,
	"private":       true,
	"session":       true,
	"cookie":        true,
	"dsn":           true,
	"signature":     true,
	"sig":           true,
	"salt":          true,
	"cred":          true,
}

// suffixes are the patterns strong enough to match at the end of a word:
// the strongest words, and the compounds of "key" that are written run
// together (a bare "key" suffix would make monkey and hotkey secret).
var suffixes = []string{
	"password", "passwd", "passphrase", "secret", "token", "apikey", "credential",
	"secretkey", "masterkey", "accesskey", "privatekey", "signingkey", "encryptionkey", "sessionkey", "authkey",
}

// passWords are the words that end in "pass" and name no password: the
// "pass" suffix (dbpass, sshpass, smtppass) is secret but for these.
var passWords = []string{"bypass", "compass", "encompass", "overpass", "underpass", "surpass", "trespass"}

// maxPattern is the length of the longest default pattern, plus one for a
// plural "s".
const maxPattern = len("authorization") + 1

// SecretKey reports whether key names a secret. See the package
// documentation for the rules.
func (r Redactor) SecretKey(key string) bool {
	return r.matcher().secret(key)
}

// A matcher is a Redactor with its extra patterns normalised.
type matcher struct {
	extra []string
	limit int // the longest run of words worth joining
}

func (r Redactor) matcher() matcher {
	m := matcher{limit: maxPattern}
	for _, p := range r.Extra {
		if n := strings.Join(words(p), ""); n != "" {
			m.extra = append(m.extra, n)
			m.limit = max(m.limit, len(n)+1)
		}
	}
	return m
}

func (m matcher) secret(key string) bool {
	ws := words(key)
	var buf [64]byte
	for i := range ws {
		joined := buf[:0]
		for j := i; j < len(ws); j++ {
			joined = append(joined, ws[j]...)
			if len(joined) > m.limit {
				break
			}
			if m.isPattern(joined) {
				return true
			}
		}
		sing := strings.TrimSuffix(ws[i], "s")
		for _, s := range suffixes {
			if strings.HasSuffix(ws[i], s) || strings.HasSuffix(sing, s) {
				return true
			}
		}
		if len(ws[i]) > len("pass") && strings.HasSuffix(ws[i], "pass") && !slices.Contains(passWords, ws[i]) {
			return true
		}
	}
	return false
}

func (m matcher) isPattern(w []byte) bool {
	if patterns[string(w)] {
		return true
	}
	sing := w
	if len(w) > 1 && w[len(w)-1] == 's' {
		sing = w[:len(w)-1]
		if patterns[string(sing)] {
			return true
		}
	}
	for _, p := range m.extra {
		if string(w) == p || string(sing) == p {
			return true
		}
	}
	return false
}

// words splits key into lower-case words, as the package documentation
// describes.
func words(key string) []string {
	var out []string
	rs := []rune(key)
	start := -1
	flush := func(end int) {
		if start >= 0 && end > start {
			out = append(out, strings.ToLower(string(rs[start:end])))
		}
		start = -1
	}
	for i, r := range rs {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			flush(i)
			continue
		}
		if start >= 0 && boundary(rs, i) {
			flush(i)
		}
		if start < 0 {
			start = i
		}
	}
	flush(len(rs))
	return out
}

// boundary reports whether a new word starts at rs[i], given that rs[i-1]
// is a letter or digit of the current word.
func boundary(rs []rune, i int) bool {
	prev, cur := rs[i-1], rs[i]
	if unicode.IsDigit(prev) != unicode.IsDigit(cur) {
		return true
	}
	if unicode.IsUpper(cur) && !unicode.IsUpper(prev) {
		return true // dbPassword
	}
	if unicode.IsUpper(prev) && unicode.IsUpper(cur) && i+1 < len(rs) && unicode.IsLower(rs[i+1]) {
		// APIKey: the last capital of an acronym starts the next word,
		// except for a plural acronym such as IDs.
		plural := rs[i+1] == 's' && (i+2 == len(rs) || !unicode.IsLower(rs[i+2]))
		return !plural
	}
	return false
}

// Value returns s with the secrets it carries replaced by [Mask]: URL user
// info passwords, Bearer and Basic credentials, PEM private key blocks,
// tokens of well-known formats, and the values of key=value and
// "key": value pairs whose key is secret.
func (r Redactor) Value(s string) string {
	if s == "" {
		return s
	}
	var spans []span
	spans = urlPasswords(s, spans)
	spans = dsnPasswords(s, spans)
	spans = authCredentials(s, spans)
	spans = pemKeys(s, spans)
	spans = knownTokens(s, spans)
	spans = r.matcher().pairs(s, spans)
	return apply(s, spans)
}

// A span is the byte range [start, end) of a secret in a string.
type span struct{ start, end int }

// apply replaces each span of s by Mask, merging spans that overlap or touch.
func apply(s string, spans []span) string {
	if len(spans) == 0 {
		return s
	}
	slices.SortFunc(spans, func(a, b span) int { return cmp.Compare(a.start, b.start) })
	var b strings.Builder
	b.Grow(len(s))
	pos := 0
	for i := 0; i < len(spans); {
		start, end := spans[i].start, spans[i].end
		for i++; i < len(spans) && spans[i].start <= end; i++ {
			end = max(end, spans[i].end)
		}
		if start < pos {
			start = pos
		}
		b.WriteString(s[pos:start])
		b.WriteString(Mask)
		pos = end
	}
	b.WriteString(s[pos:])
	return b.String()
}

// urlPasswords finds the passwords in URLs' user info, such as PASSWORD in
// postgres://user:PASSWORD@host/db. As in RFC 3986, the authority ends at
// the first '/', '?' or '#', and the user info at its last '@'. A password
// that holds a raw '/', '?' or '#' (which RFC 3986 forbids but people
// write: postgres://app:ab/cd@db/app) is found too: when the authority so
// delimited is "name:rest" with no '@' and rest is no port number, the
// password runs on to the next '@' before any white space or quote.
func urlPasswords(s string, spans []span) []span {
	for off := 0; ; {
		i := strings.Index(s[off:], "://")
		if i < 0 {
			return spans
		}
		a := off + i + 3
		off = a
		e := a
		for e < len(s) && !strings.ContainsRune("/?#\"'<>`", rune(s[e])) && !isSpace(s[e]) {
			e++
		}
		at := strings.LastIndexByte(s[a:e], '@')
		if at < 0 {
			colon := strings.IndexByte(s[a:e], ':')
			if colon < 0 || isPort(s[a+colon+1:e]) {
				continue
			}
			// A raw '/', '?' or '#' in the password: look for its '@'.
			t := e
			for t < len(s) && s[t] != '@' && !strings.ContainsRune("\"'<>`", rune(s[t])) && !isSpace(s[t]) {
				t++
			}
			if t < len(s) && s[t] == '@' && a+colon+1 < t {
				spans = append(spans, span{a + colon + 1, t})
				off = t
			}
			continue
		}
		colon := strings.IndexByte(s[a:a+at], ':')
		if colon >= 0 && colon+1 < at {
			spans = append(spans, span{a + colon + 1, a + at})
		}
	}
}

// isPort reports whether s is empty or all decimal digits, as the port of
// host:port is.
func isPort(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// dsnRE matches the user:password@ part of a DSN that has no scheme: a
// MySQL driver's, user:pw@tcp(host:3306)/db or user:pw@/db, and a
// host:port one's, as Redis clients take: user:pw@host:6379. The password
// does not start with '/', so that a URL's scheme is not read as a user.
var dsnRE = regexp.MustCompile(`(?:^|[\s"'=,;(])[^\s:@/"'=]*:([^\s@"'/][^\s@"']*)@(?:(?:tcp|udp|unix)[46]?\(|/|[A-Za-z0-9.\-]+:\d+\b)`)

// oracleRE matches the user/password@ part of an Oracle connect string:
// EZConnect's scott/pw@//host:1521/service, a TNS descriptor's
// scott/pw@(DESCRIPTION=...), or scott/pw@host:1521.
var oracleRE = regexp.MustCompile(`(?:^|[\s"'=,;(])[A-Za-z0-9_$#.\-]+/([^\s@"'/]+)@(?://|\(|[A-Za-z0-9.\-]+:\d+\b)`)

func dsnPasswords(s string, spans []span) []span {
	if !strings.Contains(s, "@") {
		return spans
	}
	for _, re := range []*regexp.Regexp{dsnRE, oracleRE} {
		for _, m := range re.FindAllStringSubmatchIndex(s, -1) {
			spans = append(spans, span{m[2], m[3]})
		}
	}
	return spans
}

var (
	bearerRE = regexp.MustCompile(`(?i)\bbearer\s+([A-Za-z0-9\-._~+/]+=*)`)
	basicRE  = regexp.MustCompile(`(?i)\bbasic\s+([A-Za-z0-9+/]+=*)`)
)

// authCredentials finds the credentials of HTTP Bearer and Basic
// authorization. A Basic credential is masked only when it is base64 of
// "user:password", so that prose such as "basic auth" stays readable.
func authCredentials(s string, spans []span) []span {
	if !containsFold(s, "bearer") && !containsFold(s, "basic") {
		return spans
	}
	for _, m := range bearerRE.FindAllStringSubmatchIndex(s, -1) {
		spans = append(spans, span{m[2], m[3]})
	}
	for _, m := range basicRE.FindAllStringSubmatchIndex(s, -1) {
		cred := s[m[2]:m[3]]
		b, err := base64.StdEncoding.DecodeString(cred)
		if err != nil {
			b, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(cred, "="))
		}
		if err == nil && strings.IndexByte(string(b), ':') >= 0 {
			spans = append(spans, span{m[2], m[3]})
		}
	}
	return spans
}

// pemKeys finds the bodies of PEM private key blocks, between
// "-----BEGIN ... PRIVATE KEY...-----" and the next "-----END", or the end of
// s when the block is cut short.
func pemKeys(s string, spans []span) []span {
	const begin, dashes, end = "-----BEGIN ", "-----", "-----END"
	for off := 0; ; {
		i := strings.Index(s[off:], begin)
		if i < 0 {
			return spans
		}
		h := off + i + len(begin)
		j := strings.Index(s[h:], dashes)
		if j < 0 {
			return spans
		}
		body := h + j + len(dashes)
		off = body
		if !strings.Contains(s[h:h+j], "PRIVATE KEY") {
			continue
		}
		k := strings.Index(s[body:], end)
		if k < 0 {
			return append(spans, span{body, len(s)})
		}
		if k > 0 {
			spans = append(spans, span{body, body + k})
		}
		off = body + k
	}
}

// tokenRE matches tokens whose format gives them away, wherever they are:
// GitHub (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_), GitLab (glpat-), Slack
// (xoxb- ...), Stripe live keys (sk_live_, rk_live_), OpenAI and Anthropic
// style keys (sk-), Google API keys (AIza), and JSON Web Tokens. Group 1 is
// the prefix, which stays visible so that the operator can tell what kind of
// token was there; a JWT is masked whole.
var tokenRE = regexp.MustCompile(`\b(?:(gh[pousr]_|github_pat_|glpat-|xox[abposr]-|[sr]k_live_|sk-|AIza)[A-Za-z0-9_\-]{16,}|eyJ[A-Za-z0-9_\-]+\.eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*)`)

// tokenPrefixes are literal parts that every match of tokenRE holds: a
// cheap test before the regular expression, which most strings fail.
var tokenPrefixes = []string{"gh", "github_pat_", "glpat-", "xox", "k_live_", "sk-", "AIza", "eyJ"}

// knownTokens finds tokens of the formats tokenRE knows.
func knownTokens(s string, spans []span) []span {
	if !slices.ContainsFunc(tokenPrefixes, func(p string) bool { return strings.Contains(s, p) }) {
		return spans
	}
	for _, m := range tokenRE.FindAllStringSubmatchIndex(s, -1) {
		start := m[0]
		if m[3] > 0 {
			start = m[3]
		}
		spans = append(spans, span{start, m[1]})
	}
	return spans
}

// maxKey bounds the length of a key inside a value that pairs looks at.
const maxKey = 256

// pairs finds the values of key=value, key: value and "key": value pairs
// in s whose key is secret. A quoted value is masked up to its closing
// quote; the value of "key: value" (a header or YAML line) runs to the end
// of the line; any other value ends at white space or one of & , ; and
// quotes. An assignment that is itself quoted, as in
// -ldflags "-X 'main.token=a b'", is masked up to the closing quote.
func (m matcher) pairs(s string, spans []span) []span {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '=' && c != ':' {
			continue
		}
		// The key: skip blanks back from the separator.
		ke := i
		for ke > 0 && isBlank(s[ke-1]) {
			ke--
		}
		var key string
		ks, quoted := ke, false
		if ke > 0 && (s[ke-1] == '"' || s[ke-1] == '\'') {
			q := s[ke-1]
			j := strings.LastIndexByte(s[max(0, ke-1-maxKey):ke-1], q)
			if j < 0 {
				// The opening quote is further back than a key may be:
				// judge the key by its last maxKey bytes, where the
				// word next to the separator is.
				j = max(0, ke-1-maxKey) - 1
			} else {
				j += max(0, ke-1-maxKey)
			}
			key, ks, quoted = s[j+1:ke-1], j, true
		} else {
			// A long key is judged by its last maxKey bytes, where the
			// word next to the separator is; the scan back stops there.
			for ks > 0 && ke-ks < maxKey && isKeyChar(s[ks-1]) {
				ks--
			}
			key = s[ks:ke]
		}
		if key == "" {
			continue
		}
		v := i + 1
		// key:value with no blank: Go's %v of a map or struct
		// (map[token:x], {Password:x}) or a compact header (X-Api-Key:x),
		// but not host:port or scheme://.
		compact := c == ':' && !quoted && (v >= len(s) || !isBlank(s[v]))
		if compact && (v >= len(s) || strings.HasPrefix(s[v:], "//")) {
			continue
		}
		for v < len(s) && isBlank(s[v]) {
			v++
		}
		if v >= len(s) || !m.secret(key) {
			continue
		}
		if compact && portLike(s, v) && !strongKey(key) {
			// auth:8443, session.go:118:12, redis://session:6379/0; but
			// {Password:123456} is a password.
			continue
		}
		var e int
		switch {
		case s[v] == '"' || s[v] == '\'':
			v++
			e = closingQuote(s, v, s[v-1])
		case s[v] == '\\':
			// JSON inside a quoted string, its quotes escaped once or
			// more: the value runs to the same escaped quote.
			n := v
			for n < len(s) && s[n] == '\\' {
				n++
			}
			if n == len(s) || s[n] != '"' && s[n] != '\'' {
				e = compactEnd(s, v)
				break
			}
			open := s[v : n+1]
			v = n + 1
			if j := strings.Index(s[v:], open); j >= 0 {
				e = v + j
			} else {
				e = len(s)
			}
		case compact && (s[v] == '[' || s[v] == '{'):
			e = closingBracket(s, v) // {Secret:[104 117 110]}
		case compact:
			e = compactEnd(s, v)
			e = bracketedRest(s, e)
		case c == ':' && !quoted:
			e = v
			for e < len(s) && s[e] != '\n' && s[e] != '\r' {
				e++
			}
		case !quoted && ks > 0 && (s[ks-1] == '"' || s[ks-1] == '\''):
			e = closingQuote(s, v, s[ks-1])
		default:
			e = v
			for e < len(s) && !isSpace(s[e]) && !strings.ContainsRune("&,;\"'", rune(s[e])) {
				e++
			}
		}
		if e > v {
			spans = append(spans, span{v, e})
			i = e - 1 // a masked value needs no second look
		}
	}
	return spans
}

// compactEnd returns where a key:value pair's value that starts at v ends:
// at white space, a quote, or one of ] } , ; &, which close Go's %v of a
// map or struct or separate pairs.
func compactEnd(s string, v int) int {
	e := v
	for e < len(s) && !isSpace(s[e]) && !strings.ContainsRune("]},;&\"'", rune(s[e])) {
		e++
	}
	return e
}

// maxBracketedRest bounds how far bracketedRest looks ahead.
const maxBracketedRest = 256

// bracketedRest extends a key:value value that ended at a blank at e when
// it is inside Go's %v of a struct or map, where a value may hold blanks
// ({Password:two words Host:db}, map[token:a b]): over the next words, up
// to the next "name:" or the closing bracket, if one comes within
// maxBracketedRest bytes on the same line. Otherwise it returns e.
func bracketedRest(s string, e int) int {
	if e >= len(s) || !isBlank(s[e]) {
		return e
	}
	end := e // the end of the last word taken
	for i := e; i < len(s) && i-e < maxBracketedRest; {
		switch {
		case s[i] == '}' || s[i] == ']':
			return end
		case s[i] == '\n' || s[i] == '\r':
			return e
		case isBlank(s[i]):
			i++
			continue
		}
		// A word: a "name:" starts the next pair.
		j := i
		for j < len(s) && !isSpace(s[j]) && s[j] != '}' && s[j] != ']' {
			j++
		}
		if k := strings.IndexByte(s[i:j], ':'); k > 0 && isIdent(s[i:i+k]) {
			return end
		}
		end, i = j, j
	}
	return e
}

// isIdent reports whether w is a Go identifier of ASCII letters, digits and
// '_', as a struct field or map key in %v output is.
func isIdent(w string) bool {
	for i := 0; i < len(w); i++ {
		c := w[i]
		if c != '_' && !('a' <= c|0x20 && c|0x20 <= 'z') && !(i > 0 && '0' <= c && c <= '9') {
			return false
		}
	}
	return w != ""
}

// portLike reports whether the value at v starts with a port or line
// number: digits, then the end, '/', ':' or a character no key holds.
func portLike(s string, v int) bool {
	e := v
	for e < len(s) && '0' <= s[e] && s[e] <= '9' {
		e++
	}
	return e > v && (e == len(s) || s[e] == '/' || s[e] == ':' || !isKeyChar(s[e]))
}

// strongKey reports whether key's last word is one of the strongest
// patterns, whose value is a secret even when it looks like a number.
func strongKey(key string) bool {
	ws := words(key)
	if len(ws) == 0 {
		return false
	}
	last := strings.TrimSuffix(ws[len(ws)-1], "s")
	return slices.ContainsFunc(suffixes, func(p string) bool { return strings.HasSuffix(last, p) })
}

// closingBracket returns the index just past the bracket that closes the
// one at v, counting nested brackets of either kind, or len(s).
func closingBracket(s string, v int) int {
	depth := 0
	for i := v; i < len(s); i++ {
		switch s[i] {
		case '[', '{':
			depth++
		case ']', '}':
			if depth--; depth == 0 {
				return i + 1
			}
		}
	}
	return len(s)
}

// closingQuote returns the index of the quote q that closes a quoted string
// starting at i, skipping backslash escapes, or len(s).
func closingQuote(s string, i int, q byte) int {
	for ; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case q:
			return i
		}
	}
	return len(s)
}

func isKeyChar(c byte) bool {
	return c == '_' || c == '-' || c == '.' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c >= utf8.RuneSelf
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' }

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// containsFold reports whether s contains the lower-case ASCII word w, in any
// case. It is a cheap test before a case-insensitive regular expression.
func containsFold(s, w string) bool {
	for i := 0; i+len(w) <= len(s); i++ {
		if s[i]|0x20 == w[0] && strings.EqualFold(s[i:i+len(w)], w) {
			return true
		}
	}
	return false
}
