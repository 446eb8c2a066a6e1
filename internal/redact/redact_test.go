package redact

import (
	"strings"
	"testing"
	"time"
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
		{"DBPASS", true}, // "pass" run together, as a suffix
		{"SSHPASS", true},
		{"smtppass", true},
		{"SECRETKEY", true}, // run-together key compounds
		{"MASTERKEY", true},
		{"accesskey", true},
		{"AWS_CREDS", true},
		{"creds", true},
		{"sig", true}, // an Azure SAS signature
		// Near misses: a pattern inside a word, not a word.
		{"keyboard_layout", false},
		{"monkey_count", false},
		{"tokenizer_model", false},
		{"author_name", false},
		{"authority", false},
		{"secretary", false},
		{"passenger_count", false},
		{"compass_heading", false},
		{"bypass_cache", false},
		{"encompass", false},
		{"credit_limit", false},
		{"signal", false},
		{"signed_at", false},
		{"hotkeys", false},
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
		// Go's %v and %+v, and compact headers: key:value with no blank.
		{"struct %+v", "connect {Password:hunter2}", "connect {Password:***}"},
		{"struct %+v fields", "{Host:db Password:hunter2 Port:5432}", "{Host:db Password:*** Port:5432}"},
		{"map %v", "bad map[password:hunter2 user:bob]", "bad map[password:*** user:bob]"},
		{"compact header", "X-Api-Key:abc123", "X-Api-Key:***"},
		{"compact quoted", `map[token:"a b"]`, `map[token:"***"]`},
		{"compact port", "session.example.com:8080", "session.example.com:8080"},
		{"compact scheme", "token://host/x", "token://host/x"},
		// JSON inside a quoted string: the quotes are escaped.
		{"escaped json", `body "{\"password\":\"hunter2\"}"`, `body "{\"password\":\"***\"}"`},
		{"twice escaped json", `"\"{\\\"password\\\":\\\"hunter2\\\"}\""`, `"\"{\\\"password\\\":\\\"***\\\"}\""`},
		// DSNs without a scheme.
		{"oracle ezconnect", "scott/tiger@//dbhost:1521/orcl", "scott/***@//dbhost:1521/orcl"},
		{"oracle tns", "scott/tiger@(DESCRIPTION=(ADDRESS=(HOST=db)))", "scott/***@(DESCRIPTION=(ADDRESS=(HOST=db)))"},
		{"user:pw@host:port", "default:hunter2@redis:6379", "default:***@redis:6379"},
		{"url with port", "redis://default:pw@redis:6379/0", "redis://default:***@redis:6379/0"},
		{"module path", "github.com/foo@v1.2.3", "github.com/foo@v1.2.3"},
		{"scp remote", "git@github.com:org/repo.git", "git@github.com:org/repo.git"},
		{"azure sas", "https://a.blob.core.windows.net/c?sv=2020&sig=abc%2Bdef", "https://a.blob.core.windows.net/c?sv=2020&sig=***"},
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

func TestRedactValueTokens(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"github classic", "ghp_" + strings.Repeat("a1B2", 9), "ghp_***"},
		{"github oauth", "token is gho_abcdefghijklmnopqrstuvwxyz0123 ok", "token is gho_*** ok"},
		{"github fine grained", "github_pat_11ABCDEFG0123456789_abcdefghijklmnop", "github_pat_***"},
		{"gitlab", "glpat-abcdefghij0123456789", "glpat-***"},
		{"slack", "xoxb-1234567890-0987654321-abcdefABCDEF", "xoxb-***"},
		{"stripe", "sk_live_4eC39HqLyjWDarjtT1zdp7dc", "sk_live_***"},
		{"sk dash", "OPENAI=sk-proj-abcdefghijklmnopqrstuvwxyz", "OPENAI=sk-***"},
		{"google", "AIzaSyA1234567890abcdefghijklmnopqrstu", "AIza***"},
		{"jwt", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk", "***"},
		{"jwt unsigned", "x eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0. y", "x *** y"},
		// Near misses: too short, or inside a word.
		{"short ghp", "ghp_abc", "ghp_abc"},
		{"inside word", "xghp_abcdefghijklmnopqrstuvwxyz", "xghp_abcdefghijklmnopqrstuvwxyz"},
		{"disk", "disk-abcdefghijklmnopqrstuvwxyz", "disk-abcdefghijklmnopqrstuvwxyz"},
		{"sk short", "sk-learn", "sk-learn"},
		{"eyJ alone", "eyJhbGciOiJIUzI1NiJ9", "eyJhbGciOiJIUzI1NiJ9"},
	}
	var r Redactor
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, r.Value(tt.in))
		})
	}
}

func TestRedactArgs(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		want []string
	}{
		{"nil", nil, nil},
		{"empty", []string{}, []string{}},
		{"program only", []string{"/usr/bin/shop"}, []string{"/usr/bin/shop"}},
		{"equals", []string{"shop", "-db-password=hunter2"}, []string{"shop", "-db-password=***"}},
		{"double dash equals", []string{"shop", "--db-password=hunter2"}, []string{"shop", "--db-password=***"}},
		{"separate", []string{"shop", "-db-password", "hunter2", "-v"}, []string{"shop", "-db-password", "***", "-v"}},
		{"double dash separate", []string{"shop", "--db-password", "hunter2"}, []string{"shop", "--db-password", "***"}},
		{"camel and env style", []string{"-apiKey", "k1", "--AWS_SECRET_ACCESS_KEY=k2"}, []string{"-apiKey", "***", "--AWS_SECRET_ACCESS_KEY=***"}},
		{"value starting with dash", []string{"-token", "-abc"}, []string{"-token", "***"}},
		{"value with equals", []string{"-token=a=b=c"}, []string{"-token=***"}},
		{"empty value", []string{"-token=", "-password", ""}, []string{"-token=", "-password", ""}},
		{"missing value", []string{"shop", "-token"}, []string{"shop", "-token"}},
		{"after positional", []string{"shop", "serve", "-token", "t0k"}, []string{"shop", "serve", "-token", "***"}},
		{"after double dash", []string{"shop", "--", "-token", "t0k"}, []string{"shop", "--", "-token", "***"}},
		{"single dash", []string{"shop", "-", "x"}, []string{"shop", "-", "x"}},
		{"triple dash", []string{"---token", "x"}, []string{"---token", "x"}},
		{"url in flag", []string{"-upstream=https://u:pw1234@up/x"}, []string{"-upstream=https://u:***@up/x"}},
		{"url after flag", []string{"-db", "postgres://u:pw1234@h/db"}, []string{"-db", "postgres://u:***@h/db"}},
		{"ldflags", []string{"go", "build", "-ldflags", "-X main.token=abc"}, []string{"go", "build", "-ldflags", "-X main.token=***"}},
		{"env assignment", []string{"env", "API_TOKEN=abc", "shop"}, []string{"env", "API_TOKEN=***", "shop"}},
		{"bearer header", []string{"curl", "-H", "Authorization: Bearer abc"}, []string{"curl", "-H", "Authorization: ***"}},
		// Near misses stay visible.
		{"near misses", []string{"-keyboard-layout", "us", "-monkey-count=3", "--tokenizer-model", "bpe"},
			[]string{"-keyboard-layout", "us", "-monkey-count=3", "--tokenizer-model", "bpe"}},
		{"not a flag", []string{"password", "hunter2"}, []string{"password", "hunter2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Args(tt.in, nil))
		})
	}
}

func TestRedactArgsIsSecretFlag(t *testing.T) {
	// The predicate alone decides: marked flags are secret, a boolean
	// flag's next argument is left alone.
	isSecret := func(name string) bool { return name == "license" || name == "dsn2" }
	in := []string{"shop", "-license", "L-123", "--dsn2=x", "-password", "visible", "-auth", "serve"}
	assert.Equal(t, []string{"shop", "-license", "***", "--dsn2=***", "-password", "visible", "-auth", "serve"}, Args(in, isSecret))

	r := Redactor{Extra: []string{"pin"}}
	assert.Equal(t, []string{"-card-pin", "***", "pin=***"}, r.Args([]string{"-card-pin", "1234", "pin=9876"}, nil))
	assert.Equal(t, []string{"-card-pin", "1234"}, Args([]string{"-card-pin", "1234"}, nil))

	orig := []string{"-token", "abc"}
	_ = Args(orig, nil)
	assert.Equal(t, []string{"-token", "abc"}, orig, "Args does not modify its argument")
}

// FuzzArgs checks that the value of a secret flag never survives Args,
// however it is written and whatever arguments surround it.
func FuzzArgs(f *testing.F) {
	f.Add("shop\x00-v", "db-password", "hunter22", "serve", uint8(0))
	f.Add("", "apiKey", "s3cr3t!!", "--", uint8(1))
	f.Add("-x", "AWS_SECRET_ACCESS_KEY", "-abcd", "", uint8(2))
	f.Add("a\x00b", "token", "x=y=z", "-token", uint8(3))
	var r Redactor
	f.Fuzz(func(t *testing.T, before, name, value, after string, form uint8) {
		if len(value) < 4 || !r.SecretKey(name) || strings.ContainsAny(name, "=") || strings.HasPrefix(name, "-") {
			return
		}
		dashes := "-"
		if form&1 != 0 {
			dashes = "--"
		}
		var args []string
		if before != "" {
			args = append(args, strings.Split(before, "\x00")...)
		}
		if form&2 != 0 {
			args = append(args, dashes+name+"="+value)
		} else {
			// A secret flag before ours would take it as its value.
			if len(args) > 0 {
				if n, _, eq, ok := flagArg(args[len(args)-1]); ok && !eq && r.SecretKey(n) {
					return
				}
			}
			args = append(args, dashes+name, value)
		}
		if after != "" {
			args = append(args, strings.Split(after, "\x00")...)
		}
		in := strings.Join(args, "\x00")
		if strings.Count(in, value) != 1 {
			return // the value also appears elsewhere: nothing to check
		}
		if out := strings.Join(r.Args(args, nil), "\x00"); strings.Contains(out, value) {
			t.Errorf("Args(%q) = %q: value %q shown", args, out, value)
		}
	})
}

// TestRedactValueCompactPairs checks the key:value rule both ways: what it
// must mask, and the ordinary text it must leave alone.
func TestRedactValueCompactPairs(t *testing.T) {
	var r Redactor
	for _, tt := range []struct{ in, want string }{
		{"{Password:p@ssw0rd}", "{Password:***}"},
		{"map[password:hunter)2 user:bob]", "map[password:*** user:bob]"},
		{"{Secret:[104 117 110] N:1}", "{Secret:*** N:1}"},
		{"{Password:123456}", "{Password:***}"},
		{"token:8675309", "token:***"},
		{"connect {Password:two words Host:db}", "connect {Password:*** Host:db}"},
		{"{Host:db Password:two words}", "{Host:db Password:***}"},
		{"map[token:a b c user:bob]", "map[token:*** user:bob]"},
		{"X-Api-Key:abc and more", "X-Api-Key:*** and more"}, // no bracket: one word
		{"{Password:x}\nother: line}", "{Password:***}\nother: line}"},
	} {
		assert.Equal(t, tt.want, r.Value(tt.in), "Value(%q)", tt.in)
	}
	for _, in := range []string{
		"12:30:45",
		"2024-01-02T12:30:45Z",
		"[fe80::1]:8080",
		"fe80::1:2:3",
		"http://auth:8080/login",
		"http://auth-service:8080/v1/check",
		"redis://session:6379/0",
		"dial tcp auth:8443: connect: connection refused",
		"auth-server:8443/health",
		"/src/auth/token.go:42:7: undefined: x",
		"token.go:42 +0x1d",
		"panic at session.go:118:12",
		"{Host:db Port:5432 Timeout:5s}",
		"docker.io/library/redis@sha256:1234",
		"git@github.com:org/repo.git",
		"user@host:22",
		"keyspace:db0",
	} {
		assert.Equal(t, in, r.Value(in), "ordinary text stays")
	}
}

func TestRedactValueLongKeysAndLinearTime(t *testing.T) {
	var r Redactor
	assert.Equal(t, strings.Repeat("A", 260)+"_PASSWORD=***", r.Value(strings.Repeat("A", 260)+"_PASSWORD=hunter2"),
		"a key longer than maxKey is judged by its end")
	for _, in := range []string{
		strings.Repeat("password=", 65536),
		strings.Repeat("pwd: ", 131072),
		strings.Repeat("ghp_aaaaaaaaaaaaaaaaaaaa password=x ", 30000),
		strings.Repeat("a", 1<<20) + "=x" + strings.Repeat("=y", 1<<16),
		// Colons without a blank, as key:value pairs and ports (a panic
		// value's bytes, a hex dump): the key:value rule's value scan
		// once ran at every colon.
		strings.Repeat("a:", 1<<19),
		strings.Repeat("1:", 1<<19),
		strings.Repeat("de:ad:be:ef:", 1<<17),
		strings.Repeat("token:1:", 1<<17),
		strings.Repeat("password:[", 1<<16),
		strings.Repeat("{password:a b c d e f g h ", 1<<15),
	} {
		start := time.Now()
		out := r.Value(in)
		// Quadratic work here took minutes before it was fixed; linear
		// work takes well under a second, even under the race detector.
		took := time.Since(start)
		t.Logf("Value on %d bytes: %v", len(in), took)
		assert.Less(t, took, 20*time.Second, "Value on %d bytes must be near linear", len(in))
		assert.NotEmpty(t, out)
	}
}
