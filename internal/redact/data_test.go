package redact

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/url"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/google/pprof/profile"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gmr-go/gmr/gmr/report"
)

// encodeTree returns tree as JSON, as the JSON formatter writes it (no HTML
// escaping), failing the test if it cannot be encoded.
func encodeTree(t testing.TB, tree any) string {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	require.NoError(t, enc.Encode(tree))
	return strings.TrimSuffix(buf.String(), "\n")
}

// dataJSON returns Data's tree of v as JSON, and its note.
func dataJSON(t testing.TB, r *Redactor, v any) (string, string) {
	t.Helper()
	tree, note := r.Data(context.Background(), v)
	return encodeTree(t, tree), note
}

type innocentTag struct {
	DBPassword string `json:"pw"`
	Host       string `json:"host"`
}

type secretTag struct {
	Name string `json:"password"`
}

type gmrSecret struct {
	Thing string         `gmr:"secret"`
	Blob  map[string]int `json:"blob" gmr:"secret"`
	Plain string
}

type emptySecrets struct {
	Password string
	Token    *string
	APIKey   []string
}

type unexported struct {
	Public   string
	password string
	hidden   int
}

type Inner struct {
	A string `json:"a"`
}

type embeds struct {
	Inner
	B string `json:"b"`
}

type logValuer struct{}

func (logValuer) LogValue() slog.Value {
	return slog.GroupValue(slog.String("user", "bob"), slog.String("password", "hunter2"), slog.Int("n", 3))
}

type anyValuer struct{}

func (anyValuer) LogValue() slog.Value { return slog.AnyValue(map[string]string{"token": "t0ken"}) }

type marshaler string

func (m marshaler) MarshalJSON() ([]byte, error) { return []byte(m), nil }

type texter struct{}

func (texter) MarshalText() ([]byte, error) { return []byte("password=hunter2"), nil }

type fields struct {
	Who *url.Userinfo
	URL *url.URL
	Err error
}

// Credentials is embedded by withCreds: its name says it is secret.
type Credentials struct {
	User string
	Pass string
}

type withCreds struct {
	Credentials
	Host string `json:"host"`
}

func TestDataMasks(t *testing.T) {
	u, err := url.Parse("postgres://app:hunter2@db/app")
	require.NoError(t, err)
	slashed := &url.URL{Scheme: "postgres", User: url.UserPassword("app", "ab/cd"), Host: "db", Path: "/app"}
	when := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

	tests := []struct {
		name  string
		extra []string // the Redactor's Extra patterns
		v     any
		want  string
	}{
		{name: "field by Go name when its json tag is innocent", v: innocentTag{DBPassword: "hunter2", Host: "db"},
			want: `{"pw":"***","host":"db"}`},
		{name: "field by json tag", v: secretTag{Name: "hunter2"}, want: `{"password":"***"}`},
		{name: "an embedded struct whose type's name is secret is masked whole", v: withCreds{Credentials{User: "app", Pass: "hunter2"}, "db"},
			want: `{"Credentials":"***","host":"db"}`},
		{name: "field tagged gmr secret, whatever its type", v: gmrSecret{Thing: "x", Blob: map[string]int{"a": 1}, Plain: "p"},
			want: `{"Thing":"***","blob":"***","Plain":"p"}`},
		{name: "pointer to struct", v: &innocentTag{DBPassword: "hunter2"}, want: `{"pw":"***","host":""}`},
		{name: "empty secrets stay empty", v: emptySecrets{}, want: `{"Password":"","Token":null,"APIKey":null}`},
		{name: "a secret of any type is masked whole", v: emptySecrets{APIKey: []string{"a", "b"}, Token: new("t")},
			want: `{"Password":"","Token":"***","APIKey":"***"}`},
		{name: "extra patterns judge fields and keys", extra: []string{"pin"},
			v:    map[string]any{"pin": "1234", "card": struct{ Pin int }{1234}},
			want: `{"card":{"Pin":"***"},"pin":"***"}`},
		{name: "map entries under secret keys", v: map[string]any{
			"api_key": "k", "host": "h", "nested": map[string]string{"db_password": "p", "user": "u"},
		}, want: `{"api_key":"***","host":"h","nested":{"db_password":"***","user":"u"}}`},
		{name: "secret map key masks a value of any type", v: map[string]any{"token": map[string]int{"a": 1}},
			want: `{"token":"***"}`},
		{name: "map keys are masked as text", v: map[string]int{"postgres://app:hunter2@db/app": 1},
			want: `{"postgres://app:***@db/app":1}`},
		{name: "*url.Userinfo under an innocent key", v: map[string]any{"who": url.UserPassword("app", "hunter2")},
			want: `{"who":"app:***"}`},
		{name: "*url.Userinfo without a password", v: map[string]any{"who": url.User("app")}, want: `{"who":"app"}`},
		{name: "url.Userinfo value", v: map[string]any{"who": *url.UserPassword("app", "hunter2")}, want: `{"who":"app:***"}`},
		{name: "*url.URL", v: map[string]any{"endpoint": u}, want: `{"endpoint":"postgres://app:***@db/app"}`},
		{name: "url.URL value", v: map[string]any{"endpoint": *u}, want: `{"endpoint":"postgres://app:***@db/app"}`},
		{name: "*url.URL with a slash in its password", v: slashed, want: `"postgres://app:***@db/app"`},
		{name: "URL string with a raw slash in its password", v: map[string]string{"target": "postgres://app:ab/cd@db/app"},
			want: `{"target":"postgres://app:***@db/app"}`},
		{name: "URL types in struct fields", v: fields{Who: url.UserPassword("app", "hunter2"), URL: u},
			want: `{"Who":"app:***","URL":"postgres://app:***@db/app","Err":null}`},
		{name: "slog.LogValuer group", v: logValuer{}, want: `{"user":"bob","password":"***","n":3}`},
		{name: "slog.LogValuer of any value", v: []any{anyValuer{}}, want: `[{"token":"***"}]`},
		{name: "json.Marshaler output", v: marshaler(`{"token":"abc","n":1,"url":"postgres://a:hunter2@h/db"}`),
			want: `{"token":"***","n":1,"url":"postgres://a:***@h/db"}`},
		{name: "json.Marshaler numbers keep their text", v: marshaler(`[12345678901234567890, 1.50]`),
			want: `[12345678901234567890,1.50]`},
		{name: "json.RawMessage", v: json.RawMessage(`{"secret":{"a":1},"a":[1]}`), want: `{"secret":"***","a":[1]}`},
		{name: "TextMarshaler", v: texter{}, want: `"password=***"`},
		{name: "error value", v: errors.New("dial postgres://app:hunter2@db/app: connection refused"),
			want: `"dial postgres://app:***@db/app: connection refused"`},
		{name: "error in a field", v: fields{Err: fmt.Errorf("wrapped: %w", errors.New("token=abc"))},
			want: `{"Who":null,"URL":null,"Err":"wrapped: token=***"}`},
		{name: "NaN and infinities", v: []float64{math.NaN(), math.Inf(1), math.Inf(-1), 1.5},
			want: `["NaN","+Inf","-Inf",1.5]`},
		{name: "float32 keeps its short form", v: []float32{0.1, 1e10}, want: `[0.1,1e+10]`},
		{name: "integers", v: []any{int8(-8), uint64(math.MaxUint64), uintptr(7), true}, want: `[-8,18446744073709551615,7,true]`},
		{name: "complex", v: complex(1, 2), want: `"(1+2i)"`},
		{name: "unexported fields skipped", v: unexported{Public: "p", password: "hunter2", hidden: 1}, want: `{"Public":"p"}`},
		{name: "embedded struct flattened", v: embeds{Inner: Inner{A: "a"}, B: "b"}, want: `{"a":"a","b":"b"}`},
		{name: "bytes as masked text", v: []byte("password=hunter2"), want: `"password=***"`},
		{name: "time and duration", v: map[string]any{"d": 1500 * time.Millisecond, "t": when},
			want: `{"d":1500000000,"t":"2026-01-02T03:04:05Z"}`},
		{name: "nils", v: map[string]any{"a": nil, "b": (*int)(nil), "c": []int(nil), "d": error(nil)},
			want: `{"a":null,"b":null,"c":null,"d":null}`},
		{name: "chan and func", v: map[string]any{"c": make(chan int), "f": func() {}}, want: `{"c":"<chan int>","f":"<func()>"}`},
		{name: "nil", v: nil, want: `null`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, note := dataJSON(t, &Redactor{Extra: tt.extra}, tt.v)
			assert.JSONEq(t, tt.want, got)
			assert.Equal(t, tt.want, got, "members keep their order")
			assert.Empty(t, note)
			assert.NotContains(t, got, "hunter2")
		})
	}
}

func TestDataDoesNotModify(t *testing.T) {
	v := &innocentTag{DBPassword: "hunter2", Host: "postgres://app:hunter2@db/app"}
	m := map[string]string{"token": "t0ken"}
	got, _ := dataJSON(t, &Redactor{}, []any{v, m})
	assert.Equal(t, `[{"pw":"***","host":"postgres://app:***@db/app"},{"token":"***"}]`, got)
	assert.Equal(t, innocentTag{DBPassword: "hunter2", Host: "postgres://app:hunter2@db/app"}, *v)
	assert.Equal(t, map[string]string{"token": "t0ken"}, m)
}

type panicJSON struct{}

func (panicJSON) MarshalJSON() ([]byte, error) { panic("boom password=hunter2") }

type failJSON struct{}

func (failJSON) MarshalJSON() ([]byte, error) { return nil, errors.New("no: token=hunter2") }

type badJSON struct{}

func (badJSON) MarshalJSON() ([]byte, error) { return []byte(`{"a":`), nil }

type panicError struct{}

func (panicError) Error() string { panic("boom") }

type panicValuer struct{}

func (panicValuer) LogValue() slog.Value { panic("boom") }

type panicText struct{}

func (panicText) MarshalText() ([]byte, error) { panic("boom") }

// panicPanic panics in MarshalJSON with a value whose own Error panics.
type panicPanic struct{}

func (panicPanic) MarshalJSON() ([]byte, error) { panic(panicError{}) }

type panicKey struct{ n int }

func (panicKey) String() string { panic("boom") }

type selfValuer struct{}

func (s selfValuer) LogValue() slog.Value { return slog.AnyValue(s) }

func TestDataSurvivesMethods(t *testing.T) {
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"MarshalJSON panics", panicJSON{}, `"!MarshalJSON panicked: boom password=***"`},
		{"MarshalJSON fails", failJSON{}, `"!MarshalJSON: no: token=***"`},
		{"MarshalJSON returns bad JSON", badJSON{}, `"!redact JSON: EOF"`},
		{"Error panics", []any{panicError{}}, `["!Error panicked: boom"]`},
		{"LogValue panics", panicValuer{}, `"!LogValue panicked: boom"`},
		{"MarshalText panics", panicText{}, `"!MarshalText panicked: boom"`},
		{"the panic value's Error panics", panicPanic{}, `"!MarshalJSON panicked: %!v(PANIC=Error method: boom)"`},
		{"a map key's String panics", map[panicKey]int{{1}: 1}, `{"%!v(PANIC=String method: boom)":1}`},
		{"LogValue returns itself", selfValuer{}, `"LogValue called too many times on Value of type redact.selfValuer"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got, note string
			require.NotPanics(t, func() { got, note = dataJSON(t, &Redactor{}, tt.v) })
			assert.Equal(t, tt.want, got)
			assert.Empty(t, note)
		})
	}
}

type cycle struct {
	Name string
	Next *cycle
}

func TestDataCycles(t *testing.T) {
	c := &cycle{Name: "c"}
	c.Next = c
	m := map[string]any{}
	m["self"] = m
	s := []any{nil}
	s[0] = s
	for name, v := range map[string]any{"pointer": c, "map": m, "slice": s} {
		t.Run(name, func(t *testing.T) {
			got, _ := dataJSON(t, &Redactor{}, v)
			assert.Contains(t, got, "... (nesting too deep)")
			assert.LessOrEqual(t, strings.Count(got, "{")+strings.Count(got, "["), MaxDepth+1)
		})
	}
}

// countValues counts the values in a tree Data built.
func countValues(v any) int {
	switch v := v.(type) {
	case report.Object:
		n := 1
		for _, m := range v {
			n += countValues(m.Value)
		}
		return n
	case []any:
		n := 1
		for _, e := range v {
			n += countValues(e)
		}
		return n
	}
	return 1
}

func TestDataBudgets(t *testing.T) {
	row := make([]int, MaxEntries)
	rows := make([][]int, 100) // 100,000 values, all sharing one row
	for i := range rows {
		rows[i] = row
	}
	long := strings.Repeat("a", MaxString)
	texts := make([]string, 40) // 2.5 MiB of text
	for i := range texts {
		texts[i] = long
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancelExpired := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancelExpired()

	// The bounds on the tree's values allow one more: the value at which
	// the walk stopped shows as a null in its place.
	tests := []struct {
		name      string
		ctx       context.Context
		v         any
		note      string
		maxValues int
	}{
		{"values", context.Background(), rows, "cut at 50,000 values, the bound for one section's data", MaxValues + 1},
		// 16 strings make 1 MiB; the 18th value (the list and 17
		// strings before it) finds the bound passed.
		{"bytes", context.Background(), texts, "cut at 1.0 MiB of text, the bound for one section's data", 1 + MaxBytes/MaxString + 1 + 1},
		{"cancelled context", cancelled, rows, "cut at 256 values: the report's deadline passed", 256},
		{"expired deadline", expired, rows, "cut at 256 values: the report's deadline passed", 256},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tree, note := (&Redactor{}).Data(tt.ctx, tt.v)
			assert.Equal(t, tt.note, note)
			assert.LessOrEqual(t, countValues(tree), tt.maxValues)
			assert.Less(t, len(encodeTree(t, tree)), MaxBytes+2*MaxString)
		})
	}

	t.Run("within the bounds", func(t *testing.T) {
		tree, note := (&Redactor{}).Data(cancelled, []int{1, 2, 3}) // fewer values than a check of the context
		assert.Empty(t, note)
		assert.Equal(t, `[1,2,3]`, encodeTree(t, tree))
	})
}

func TestDataEntries(t *testing.T) {
	list := make([]int, MaxEntries+500)
	m := make(map[string]int, MaxEntries+500)
	for i := range MaxEntries + 500 {
		m[fmt.Sprintf("k%05d", i)] = i
	}
	huge := make(map[int]int, 10*MaxEntries+1)
	for i := range 10*MaxEntries + 1 {
		huge[i] = i
	}

	t.Run("list", func(t *testing.T) {
		tree, _ := (&Redactor{}).Data(context.Background(), list)
		l, ok := tree.([]any)
		require.True(t, ok)
		require.Len(t, l, MaxEntries+1)
		assert.Equal(t, "... and 500 more", l[MaxEntries])
	})
	t.Run("map, sorted", func(t *testing.T) {
		tree, _ := (&Redactor{}).Data(context.Background(), m)
		o, ok := tree.(report.Object)
		require.True(t, ok)
		require.Len(t, o, MaxEntries+1)
		assert.Equal(t, "k00000", o[0].Key)
		assert.Equal(t, "k00999", o[MaxEntries-1].Key)
		assert.Equal(t, report.Member{Key: "...", Value: "and 500 more"}, o[MaxEntries])
	})
	t.Run("map, sampled", func(t *testing.T) {
		tree, _ := (&Redactor{}).Data(context.Background(), huge)
		o, ok := tree.(report.Object)
		require.True(t, ok)
		require.Len(t, o, MaxEntries+1)
		assert.Equal(t, report.Member{Key: "...", Value: "and 9,001 more: a map of 10,001 entries, sampled"}, o[MaxEntries])
	})
}

// TestDataCutNotes checks that every bound that cuts the data says so in the
// note, as Data's documentation promises ("a note saying what was cut to
// keep the tree within its bounds"), and as issue 10 asks of the 25-node DAG
// (cut by the depth bound) and the 10-million-key map (cut by sampling): a
// report's reader must not have to find "... (nesting too deep)" or a "..."
// member to learn that the section is not whole.
func TestDataCutNotes(t *testing.T) {
	c := &cycle{Name: "c"}
	c.Next = c
	huge := make(map[int]int, 10*MaxEntries+1)
	for i := range 10*MaxEntries + 1 {
		huge[i] = i
	}
	long := make(map[string]int, MaxEntries+1)
	for i := range MaxEntries + 1 {
		long[fmt.Sprint(i)] = i
	}
	tests := []struct {
		name string
		v    any
	}{
		{"depth", c},
		{"list entries", make([]int, MaxEntries+1)},
		{"map entries", long},
		{"map sampled", huge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, note := (&Redactor{}).Data(context.Background(), tt.v)
			assert.Contains(t, note, "cut at")
		})
	}
}

func TestDataLongText(t *testing.T) {
	const n = 10 << 20
	want := fmt.Sprintf("... (%d bytes in all)", n)
	t.Run("string", func(t *testing.T) {
		tree, _ := (&Redactor{}).Data(context.Background(), strings.Repeat("a", n))
		s, ok := tree.(string)
		require.True(t, ok)
		assert.Less(t, len(s), MaxString+100)
		assert.True(t, strings.HasSuffix(s, want), "ends with %q: %q", want, s[max(0, len(s)-40):])
	})
	t.Run("bytes", func(t *testing.T) {
		tree, _ := (&Redactor{}).Data(context.Background(), bytes.Repeat([]byte("a"), n))
		s, ok := tree.(string)
		require.True(t, ok)
		assert.Less(t, len(s), MaxString+100)
		assert.True(t, strings.HasSuffix(s, want), "ends with %q: %q", want, s[max(0, len(s)-40):])
	})
	t.Run("MarshalJSON", func(t *testing.T) {
		big := marshaler(`"` + strings.Repeat("a", MaxJSON) + `"`)
		tree, _ := (&Redactor{}).Data(context.Background(), big)
		assert.Equal(t, fmt.Sprintf("!MarshalJSON returned %d bytes, over the 4.0 MiB bound", MaxJSON+2), tree)
	})
}

type inPlaceInner struct{ S string }

type inPlaceData struct {
	URL      string
	Labels   map[string]string
	Lists    map[string][]string
	Items    []string
	Arr      [2]string
	Nested   *inPlaceInner
	Any      any
	Raw      []byte
	Password string // a schema's name: InPlace judges no field names
	hidden   string
}

func TestInPlace(t *testing.T) {
	v := &inPlaceData{
		URL:      "postgres://app:hunter2@db/app",
		Labels:   map[string]string{"token": "t0ken", "host": "db", "empty_token": "", "url postgres://a:hunter2@h/": "k"},
		Lists:    map[string][]string{"x": {"password=hunter2", "ok"}},
		Items:    []string{"Bearer abcdefghijklmnop", "plain"},
		Arr:      [2]string{"secret=hunter2", ""},
		Nested:   &inPlaceInner{S: "api_key=hunter2"},
		Any:      &inPlaceInner{S: "token=hunter2"},
		Raw:      []byte("password=hunter2"),
		Password: "plain",
		hidden:   "password=hunter2",
	}
	(&Redactor{}).InPlace(v)
	assert.Equal(t, &inPlaceData{
		URL:      "postgres://app:***@db/app",
		Labels:   map[string]string{"token": "***", "host": "db", "empty_token": "", "url postgres://a:***@h/": "k"},
		Lists:    map[string][]string{"x": {"password=***", "ok"}},
		Items:    []string{"Bearer ***", "plain"},
		Arr:      [2]string{"secret=***", ""},
		Nested:   &inPlaceInner{S: "api_key=***"},
		Any:      &inPlaceInner{S: "token=***"},
		Raw:      []byte("password=hunter2"),
		Password: "plain",
		hidden:   "password=hunter2",
	}, v)

	t.Run("extra patterns", func(t *testing.T) {
		labels := map[string]string{"pin": "1234", "note": "pin=1234"}
		(&Redactor{Extra: []string{"pin"}}).InPlace(labels)
		assert.Equal(t, map[string]string{"pin": "***", "note": "pin=***"}, labels)
	})
	t.Run("values that cannot be set", func(t *testing.T) {
		s := inPlaceInner{S: "token=hunter2"}
		require.NotPanics(t, func() { (&Redactor{}).InPlace(s) })
		assert.Equal(t, "token=hunter2", s.S)
		require.NotPanics(t, func() { (&Redactor{}).InPlace(nil) })
		require.NotPanics(t, func() { (&Redactor{}).InPlace("token=hunter2") })
	})
	t.Run("cycle", func(t *testing.T) {
		c := &cycle{Name: "token=hunter2"}
		c.Next = c
		require.NotPanics(t, func() { (&Redactor{}).InPlace(c) })
		assert.Equal(t, "token=***", c.Name)
	})
}

// causeError is a raw cause that must not be reachable from a masked error.
type causeError struct{ secret string }

func (e *causeError) Error() string { return "dial postgres://app:" + e.secret + "@db/app" }

type emptyError struct{}

func (emptyError) Error() string { return "" }

func TestError(t *testing.T) {
	r := &Redactor{}
	assert.NoError(t, r.Error(nil))

	t.Run("a panic keeps its shape", func(t *testing.T) {
		in := fmt.Errorf("collect: %w", &report.PanicError{
			Section: "custom",
			Value:   errors.New("bad config: password=hunter2"),
			Stack:   []byte("goroutine 1 [running]:\nmain.f({0x1, 0x2})\n\t/src/main.go:12 +0x1d\npanic: password=hunter2\n"),
		})
		got := r.Error(in)
		var pe *report.PanicError
		require.ErrorAs(t, got, &pe)
		assert.Equal(t, "custom", pe.Section)
		assert.Equal(t, "bad config: password=***", pe.Value)
		assert.Equal(t, "goroutine 1 [running]:\nmain.f({0x1, 0x2})\n\t/src/main.go:12 +0x1d\npanic: password=***\n", string(pe.Stack))
		assert.NotContains(t, got.Error(), "hunter2")
	})
	t.Run("a panic value whose Error panics", func(t *testing.T) {
		got := r.Error(&report.PanicError{Section: "s", Value: panicError{}})
		var pe *report.PanicError
		require.ErrorAs(t, got, &pe)
		assert.Equal(t, "(redact.panicError whose Error method panicked: boom)", pe.Value)
	})
	t.Run("deadline", func(t *testing.T) {
		cause := &causeError{secret: "hunter2"}
		in := fmt.Errorf("timed out: %w: %w", cause, context.DeadlineExceeded)
		got := r.Error(in)
		assert.Equal(t, "timed out: dial postgres://app:***@db/app: context deadline exceeded", got.Error())
		assert.ErrorIs(t, got, context.DeadlineExceeded)
		assert.NotErrorIs(t, got, context.Canceled)
		assert.NoError(t, errors.Unwrap(got), "nothing behind the masked error")
		var raw *causeError
		assert.False(t, errors.As(got, &raw), "the raw cause is not reachable")
		assert.NotErrorIs(t, got, cause)
	})
	t.Run("canceled", func(t *testing.T) {
		got := r.Error(fmt.Errorf("stopped: %w", context.Canceled))
		assert.ErrorIs(t, got, context.Canceled)
		assert.NotErrorIs(t, got, context.DeadlineExceeded)
	})
	t.Run("other errors", func(t *testing.T) {
		got := r.Error(&causeError{secret: "hunter2"})
		assert.Equal(t, "dial postgres://app:***@db/app", got.Error())
		assert.NotErrorIs(t, got, context.DeadlineExceeded)
		var raw *causeError
		assert.False(t, errors.As(got, &raw))
	})
	t.Run("Error panics", func(t *testing.T) {
		var got error
		require.NotPanics(t, func() { got = r.Error(panicError{}) })
		assert.Equal(t, "(redact.panicError whose Error method panicked: boom)", got.Error())
	})
	t.Run("empty message", func(t *testing.T) {
		assert.Equal(t, "error redact.emptyError with an empty message", r.Error(emptyError{}).Error())
	})
	t.Run("extra patterns", func(t *testing.T) {
		got := (&Redactor{Extra: []string{"pin"}}).Error(errors.New("pin=1234"))
		assert.Equal(t, "pin=***", got.Error())
	})
}

func TestProfile(t *testing.T) {
	r := &Redactor{Extra: []string{"pin"}}
	require.NotPanics(t, func() { r.Profile(nil) })

	t.Run("built", func(t *testing.T) {
		fn := &profile.Function{ID: 1, Name: "main.f"}
		loc := &profile.Location{ID: 1, Line: []profile.Line{{Function: fn}}}
		p := &profile.Profile{
			SampleType: []*profile.ValueType{{Type: "goroutine", Unit: "count"}},
			Function:   []*profile.Function{fn},
			Location:   []*profile.Location{loc},
			Sample: []*profile.Sample{{
				Value:    []int64{1},
				Location: []*profile.Location{loc},
				Label: map[string][]string{
					"api_key":     {"k3y"},
					"pin":         {"1234"},
					"dsn_url":     {"postgres://app:hunter2@db/app"},
					"query":       {"token=hunter2", "plain"},
					"empty_token": {""},
				},
				NumLabel: map[string][]int64{"bytes": {42}},
				NumUnit:  map[string][]string{"bytes": {"bytes"}},
			}},
		}
		r.Profile(p)
		want := map[string][]string{
			"api_key":     {"***"},
			"pin":         {"***"},
			"dsn_url":     {"***"}, // "dsn" is a secret key
			"query":       {"token=***", "plain"},
			"empty_token": {""},
		}
		assert.Equal(t, want, p.Sample[0].Label)
		var buf bytes.Buffer
		require.NoError(t, p.Write(&buf))
		parsed, err := profile.Parse(&buf)
		require.NoError(t, err)
		require.Len(t, parsed.Sample, 1)
		delete(want, "empty_token") // the encoding drops a label with an empty value
		assert.Equal(t, want, parsed.Sample[0].Label)
		assert.Equal(t, map[string][]int64{"bytes": {42}}, parsed.Sample[0].NumLabel)
	})

	t.Run("runtime goroutine profile", func(t *testing.T) {
		const canary = "canary-7f3a9c1e"
		started, release := make(chan struct{}), make(chan struct{})
		done := make(chan struct{})
		go pprof.Do(context.Background(), pprof.Labels("api_key", canary, "where", "postgres://app:"+canary+"@db/app", "role", "worker"), func(context.Context) {
			defer close(done)
			close(started)
			<-release
		})
		<-started
		defer func() { close(release); <-done }()

		var raw bytes.Buffer
		require.NoError(t, pprof.Lookup("goroutine").WriteTo(&raw, 0))
		p, err := profile.Parse(bytes.NewReader(raw.Bytes()))
		require.NoError(t, err)
		require.True(t, profileHas(p, canary), "the raw profile holds the canary: the test can fail")

		r.Profile(p)
		var masked bytes.Buffer
		require.NoError(t, p.Write(&masked))
		parsed, err := profile.Parse(&masked)
		require.NoError(t, err)
		assert.False(t, profileHas(parsed, canary))
		var found bool
		for _, s := range parsed.Sample {
			if s.Label["role"] != nil && s.Label["role"][0] == "worker" {
				found = true
				assert.Equal(t, []string{"***"}, s.Label["api_key"])
				assert.Equal(t, []string{"postgres://app:***@db/app"}, s.Label["where"])
			}
		}
		assert.True(t, found, "the labelled goroutine is in the profile")
	})
}

// profileHas reports whether any label value of p contains s.
func profileHas(p *profile.Profile, s string) bool {
	for _, sm := range p.Sample {
		for _, vs := range sm.Label {
			for _, v := range vs {
				if strings.Contains(v, s) {
					return true
				}
			}
		}
	}
	return false
}

type fuzzStruct struct {
	Name     string            `json:"name"`
	Password string            `json:"p"`
	Extra    map[string]string `json:"extra"`
	List     []any             `json:"list"`
}

type fuzzValuer struct{ key, value, secret string }

func (v fuzzValuer) LogValue() slog.Value {
	return slog.GroupValue(slog.String(v.key, v.value), slog.String("password", v.secret))
}

// fuzzShapes returns values built from the fuzzed strings, with secret under
// a "password" key or a Password field in each.
func fuzzShapes(key, value, secret string) []any {
	return []any{
		map[string]any{key: value, "password": secret},
		fuzzStruct{Name: value, Password: secret, Extra: map[string]string{key: value}, List: []any{value, key}},
		[]any{map[string]string{"password": secret}, value, map[string]any{key: []string{value}}},
		fuzzValuer{key: key, value: value, secret: secret},
		marshaler(`{"password":` + encodeString(secret) + `,` + encodeString(key) + `:` + encodeString(value) + `}`),
	}
}

func encodeString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func FuzzData(f *testing.F) {
	f.Add("host", "db", "hunter2")
	f.Add("dsn", "postgres://app:ab/cd@db/app", "s3cr3t-value")
	f.Add("password", "password=x", "Bearer abcdefghijklmnopqrstuvwxyz")
	f.Add("", "", "")
	f.Add("\x1b]0;x\a", "\xff\xfe", "\"quoted\"\\")
	r := &Redactor{}
	f.Fuzz(func(t *testing.T, key, value, secret string) {
		for i, v := range fuzzShapes(key, value, secret) {
			var tree any
			var note string
			require.NotPanics(t, func() { tree, note = r.Data(context.Background(), v) })
			assert.NotContains(t, note, "panicked", "shape %d", i)
			got := encodeTree(t, tree)
			require.True(t, json.Valid([]byte(got)), "shape %d: %s", i, got)

			// The secret must not appear, unless the same shape with
			// another secret shows its text anyway (in the key, the value
			// or the shape's own text).
			if secret == "" {
				continue
			}
			enc := strings.Trim(encodeString(secret), `"`)
			without, _ := r.Data(context.Background(), fuzzShapes(key, value, "x")[i])
			if strings.Contains(encodeTree(t, without), enc) || strings.Contains(encodeTree(t, without), secret) {
				continue
			}
			assert.NotContains(t, got, enc, "shape %d", i)
			assert.NotContains(t, got, secret, "shape %d", i)
		}
	})
}

// cyclicNode is a LogValuer whose value holds its parent: two of them form
// a cycle of LogValues.
type cyclicNode struct {
	name   string
	parent *cyclicNode
}

func (n *cyclicNode) LogValue() slog.Value {
	return slog.GroupValue(slog.String("name", n.name), slog.Any("parent", n.parent))
}

func TestDataLogValuerCycle(t *testing.T) {
	a, b := &cyclicNode{name: "a"}, &cyclicNode{name: "b"}
	a.parent, b.parent = b, a
	tree, note := (&Redactor{}).Data(context.Background(), map[string]any{"n": a})
	assert.NotNil(t, tree)
	assert.Contains(t, note, "levels of nesting", "the cycle is cut by depth, not by the stack")
}

func TestPanicValuesMaskedByKey(t *testing.T) {
	r := &Redactor{}
	for _, v := range []any{
		map[string]string{"password": "hunter2"},
		struct{ Password string }{"hunter3"},
		errors.New("dial postgres://u:hunter4@db/x"),
		"token=hunter5",
	} {
		err := r.Error(&report.PanicError{Section: "s", Value: v})
		assert.NotContains(t, err.Error(), "hunter", "%#v", v)
	}
	err := r.Error(&report.PanicError{Section: "s", Value: map[string]string{"password": "x", "user": "app"}})
	assert.Contains(t, err.Error(), `{"password":"***","user":"app"}`)
}

func TestDataMasksBeforeCutting(t *testing.T) {
	secret := "supersecretpassword"
	long := strings.Repeat("a", MaxString-20) + " postgres://u:" + secret + "@db/x"
	tree, _ := (&Redactor{}).Data(context.Background(), map[string]string{"note": long})
	b, err := json.Marshal(tree)
	require.NoError(t, err)
	assert.NotContains(t, string(b), "supers", "no part of a password the cut would split")
	assert.Contains(t, string(b), "bytes in all")
}

func TestProfileMasksLabelKeys(t *testing.T) {
	p := &profile.Profile{Sample: []*profile.Sample{{
		Label:    map[string][]string{"db password=hunter2": {"x"}, "role": {"worker"}},
		NumLabel: map[string][]int64{"token=hunter3": {1}},
		NumUnit:  map[string][]string{"token=hunter3": {"count"}},
	}}}
	(&Redactor{}).Profile(p)
	s := p.Sample[0]
	assert.Equal(t, map[string][]string{"db password=***": {"***"}, "role": {"worker"}}, s.Label)
	assert.Equal(t, map[string][]int64{"token=***": {1}}, s.NumLabel)
	assert.Equal(t, map[string][]string{"token=***": {"count"}}, s.NumUnit)
}
