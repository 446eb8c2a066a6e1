package redact

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
)

func TestRedactWords(t *testing.T) {
	tests := []struct {
		key  string
		want []string
	}{
		{"DB_PASSWORD", []string{"db", "password"}},
		{"dbPassword", []string{"db", "password"}},
		{"DBPassword", []string{"db", "password"}},
		{"APIKey", []string{"api", "key"}},
		{"api-key", []string{"api", "key"}},
		{"x.auth.header", []string{"x", "auth", "header"}},
		{"tls/key file", []string{"tls", "key", "file"}},
		{"userIDs", []string{"user", "ids"}},
		{"oauth2Token", []string{"oauth", "2", "token"}},
		{"HTTPServer", []string{"http", "server"}},
		{"__", nil},
		{"", nil},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, words(tt.key), "words(%q)", tt.key)
	}
}

func TestRedactSecretKey(t *testing.T) {
	tests := []struct {
		key    string
		secret bool
	}{
		// Secrets.
		{"DB_PASSWORD", true},
		{"dbPassword", true},
		{"DBPassword", true},
		{"api-key", true},
		{"APIKey", true},
		{"apikey", true},
		{"AWS_SECRET_ACCESS_KEY", true},
		{"GITHUB_TOKEN", true},
		{"session_id", true},
		{"x.auth.header", true},
		{"Authorization", true},
		{"X-Api-Key", true},
		{"client-secret", true},
		{"private_key", true},
		{"passwd", true},
		{"PWD", true},
		{"smtp_pass", true},
		{"pass_word", true},
		{"pass_phrase", true},
		{"credentials", true},
		{"Cookie", true},
		{"db.dsn", true},
		{"hmac-signature", true},
		{"salt", true},
		{"api_keys", true},
		{"password2", true},
		{"oauth2Token", true},
		{"dbpassword", true},  // run together: strong pattern as a suffix
		{"GITHUBTOKEN", true}, // likewise
		{"main.token", true},
		{"tls/key", true},
		// Near misses: a pattern inside a word, not a word.
		{"keyboard_layout", false},
		{"monkey_count", false},
		{"tokenizer_model", false},
		{"author_name", false},
		{"authority", false},
		{"secretary", false},
		{"passenger_count", false},
		{"compass_heading", false},
		{"sessionless", false},
		{"tls_cert_file", false},
		{"username", false},
		{"addr", false},
		{"", false},
		{"-", false},
	}
	var r Redactor
	for _, tt := range tests {
		assert.Equal(t, tt.secret, r.SecretKey(tt.key), "SecretKey(%q)", tt.key)
	}
}

func TestRedactSecretKeyExtra(t *testing.T) {
	r := Redactor{Extra: []string{"client_id", "PIN", "", "--"}}
	tests := []struct {
		key    string
		secret bool
	}{
		{"ClientID", true},
		{"client-id", true},
		{"CLIENT_ID", true},
		{"oauth.clientId", true},
		{"client_identifier", false},
		{"card_pin", true},
		{"pins", true},
		{"pinned", false},
		{"password", true}, // defaults still apply
		{"host", false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.secret, r.SecretKey(tt.key), "SecretKey(%q)", tt.key)
	}
	assert.False(t, Redactor{}.SecretKey("client_id"), "extra patterns must not leak into the defaults")
}

func TestRedactValue(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"plain", "localhost:8080", "localhost:8080"},
		{"url password", "postgres://user:PASSWORD@host/db", "postgres://user:***@host/db"},
		{"url in a sentence", "connecting to postgres://user:PASSWORD@host:5432/db?sslmode=disable now",
			"connecting to postgres://user:***@host:5432/db?sslmode=disable now"},
		{"url empty user", "redis://:pw@host:6379/0", "redis://:***@host:6379/0"},
		{"url at in password", "http://u:p@ss@host/", "http://u:***@host/"},
		{"url at in path", "https://host:8080/x@y", "https://host:8080/x@y"},
		{"url user only", "https://user@host/", "https://user@host/"},
		{"url empty password", "https://user:@host/", "https://user:@host/"},
		{"two urls", "a://u:p1@h b://v:p2@k", "a://u:***@h b://v:***@k"},
		{"mysql dsn", "user:pw@tcp(localhost:3306)/db?parseTime=true", "user:***@tcp(localhost:3306)/db?parseTime=true"},
		{"mysql dsn no net", "user:pw@/db", "user:***@/db"},
		{"email", "mailto:bob@example.com", "mailto:bob@example.com"},
		{"bearer", "Bearer eyJhbGciOi.xyz-_~+/==", "Bearer ***"},
		{"bearer lower", "sent bearer abc123 then", "sent bearer *** then"},
		{"authorization header", "Authorization: Bearer abc.def", "Authorization: ***"},
		{"basic", "Basic dXNlcjpwYXNz", "Basic ***"},
		{"basic unpadded", "basic dTpw", "basic ***"},
		{"basic prose", "basic auth is enabled", "basic auth is enabled"},
		{"pem private key", "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nAAAA\n-----END RSA PRIVATE KEY-----\n",
			"-----BEGIN RSA PRIVATE KEY-----***-----END RSA PRIVATE KEY-----\n"},
		{"pem openssh key", "k: -----BEGIN OPENSSH PRIVATE KEY-----abc-----END OPENSSH PRIVATE KEY-----",
			"k: -----BEGIN OPENSSH PRIVATE KEY-----***-----END OPENSSH PRIVATE KEY-----"},
		{"pem cut short", "-----BEGIN PRIVATE KEY-----\nMIIE", "-----BEGIN PRIVATE KEY-----***"},
		{"pem certificate", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
			"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"},
		{"ldflags", "-s -w -X main.version=1.2.3 -X main.token=abc123", "-s -w -X main.version=1.2.3 -X main.token=***"},
		{"ldflags X=", "-X=main.apiKey=abc", "-X=main.apiKey=***"},
		{"ldflags quoted", `-X "main.apiKey=abc def" -X main.v=1`, `-X "main.apiKey=***" -X main.v=1`},
		{"ldflags single quoted", `-X 'main.secret=a b'`, `-X 'main.secret=***'`},
		{"libpq dsn", "host=db password=s3cret dbname=app", "host=db password=*** dbname=app"},
		{"spaces around =", "password = hunter2 ok", "password = *** ok"},
		{"quoted value", `password="a \"b\" c" rest`, `password="***" rest`},
		{"query string", "https://api.example.com/v1?token=abc&page=2", "https://api.example.com/v1?token=***&page=2"},
		{"json", `{"password": "x y", "user": "bob"}`, `{"password": "***", "user": "bob"}`},
		{"json compact", `{"apiKey":"x","n":1}`, `{"apiKey":"***","n":1}`},
		{"yaml line", "password: hunter2\nuser: bob", "password: ***\nuser: bob"},
		{"host port", "auth.example.com:443", "auth.example.com:443"},
		{"not secret pair", "keyboard=us monkey=1", "keyboard=us monkey=1"},
		{"empty secret value", "password=", "password="},
		{"mask length", "token=" + strings.Repeat("x", 5000), "token=***"},
	}
	var r Redactor
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, r.Value(tt.in))
		})
	}
}

func TestRedactValueExtra(t *testing.T) {
	r := Redactor{Extra: []string{"pin"}}
	assert.Equal(t, "card_pin=*** n=1", r.Value("card_pin=1234 n=1"))
	assert.Equal(t, "card_pin=1234 n=1", Redactor{}.Value("card_pin=1234 n=1"))
}

func TestRedactApply(t *testing.T) {
	tests := []struct {
		spans []span
		want  string
	}{
		{nil, "abcdefgh"},
		{[]span{{2, 4}}, "ab***efgh"},
		{[]span{{5, 6}, {0, 1}}, "***bcde***gh"},
		{[]span{{1, 4}, {2, 6}}, "a***gh"},  // overlapping
		{[]span{{1, 3}, {3, 5}}, "a***fgh"}, // touching
		{[]span{{1, 7}, {2, 3}}, "a***h"},   // nested
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, apply("abcdefgh", tt.spans), "spans %v", tt.spans)
	}
}

// FuzzSecretKey checks that SecretKey never panics and that a secret key
// stays secret when a word is added before or after it.
func FuzzSecretKey(f *testing.F) {
	for _, k := range []string{"DB_PASSWORD", "APIKey", "keyboard_layout", "userIDs", "x.auth.header", "αβΓ", "a\xffb"} {
		f.Add(k)
	}
	var r Redactor
	f.Fuzz(func(t *testing.T, key string) {
		if !r.SecretKey(key) {
			return
		}
		if !r.SecretKey("x_"+key) || !r.SecretKey(key+"_x") {
			t.Errorf("SecretKey(%q) is true but not with a word added", key)
		}
	})
}

// urlChars are characters allowed in the fuzzed user and password of a URL.
const urlChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._~!$()+,;=%-"

func onlyURLChars(s string) bool {
	return strings.Trim(s, urlChars) == "" && !strings.ContainsAny(s, "\x00")
}

// FuzzValue checks that the password of a URL never survives Value,
// whatever text surrounds the URL.
func FuzzValue(f *testing.F) {
	f.Add("dsn", "user", "hunter22", "sslmode=disable")
	f.Add("token=\"", "u", "p4ssw0rd", "-----BEGIN PRIVATE KEY-----")
	f.Add("", "", "abcd", "")
	var r Redactor
	f.Fuzz(func(t *testing.T, prefix, user, password, suffix string) {
		if !onlyURLChars(user) || !onlyURLChars(password) || len(password) < 4 || !utf8.ValidString(prefix+suffix) {
			return
		}
		in := prefix + " postgres://" + user + ":" + password + "@host/db " + suffix
		if strings.Count(in, password) != 1 {
			return // the password also appears elsewhere: nothing to check
		}
		if out := r.Value(in); strings.Contains(out, password) {
			t.Errorf("Value(%q) = %q: password %q shown", in, out, password)
		}
	})
}
