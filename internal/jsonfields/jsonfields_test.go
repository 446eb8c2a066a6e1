package jsonfields

import (
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
)

type Inner struct {
	A string `json:"a"`
	B string
}

type Hidden struct {
	C string `json:"c"`
}

type hiddenLower struct {
	D string `json:"d"`
}

type Outer struct {
	Inner
	*Hidden
	hiddenLower
	Named    Inner  `json:"named"`
	Skipped  string `json:"-"`
	Empty    string `json:"empty,omitempty"`
	Zero     int    `json:"zero,omitzero"`
	Password string `json:"pw"`
	Cert     string `json:"cert" gmr:"secret"`
	Secret   Inner  `gmr:"secret"`
	private  string
}

func TestAll(t *testing.T) {
	v := Outer{Inner: Inner{A: "a", B: "b"}, hiddenLower: hiddenLower{D: "d"}, Password: "p", private: "x"}
	var got []string
	var secret []string
	for f := range All(reflect.ValueOf(v), nil) {
		got = append(got, f.Name+"/"+f.GoName)
		if f.Secret {
			secret = append(secret, f.Name)
		}
	}
	assert.Equal(t, []string{
		"a/A", "B/B", // embedded, flattened
		// *Hidden is nil: skipped
		"d/D", // exported fields of an unexported embedded struct
		"named/Named",
		"pw/Password",
		"cert/Cert",
		"Secret/Secret",
	}, got)
	assert.Equal(t, []string{"cert", "Secret"}, secret)
}

func TestAllStopsEarly(t *testing.T) {
	n := 0
	for range All(reflect.ValueOf(Outer{}), nil) {
		n++
		break
	}
	assert.Equal(t, 1, n)
}

type deep struct{ *deep }

func TestAllTooDeep(t *testing.T) {
	d := &deep{}
	d.deep = d // a cycle of embedded pointers
	var last Field
	n := 0
	for f := range All(reflect.ValueOf(*d), nil) {
		last = f
		n++
	}
	assert.Equal(t, 1, n)
	assert.True(t, last.TooDeep)
}

type Credentials struct {
	User string
	Pass string
}

type withCredentials struct {
	Credentials
	Host string
}

func TestAllKeepsSecretEmbeddedWhole(t *testing.T) {
	v := withCredentials{Credentials{"u", "p"}, "h"}
	secret := func(name string) bool { return name == "Credentials" }
	var got []string
	for f := range All(reflect.ValueOf(v), secret) {
		got = append(got, f.Name)
		if f.Name == "Credentials" {
			assert.True(t, f.Secret)
		}
	}
	assert.Equal(t, []string{"Credentials", "Host"}, got, "a secret-named embedded struct is not flattened")
	got = nil
	for f := range All(reflect.ValueOf(v), nil) {
		got = append(got, f.Name)
	}
	assert.Equal(t, []string{"User", "Pass", "Host"}, got)
}
