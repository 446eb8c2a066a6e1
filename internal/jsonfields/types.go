package jsonfields

import (
	"encoding"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"reflect"
	"time"
)

// The types that gmr's walkers of arbitrary values treat specially, rather
// than walk field by field.
var (
	LogValuerType = reflect.TypeFor[slog.LogValuer]()
	MarshalerType = reflect.TypeFor[json.Marshaler]()
	TextType      = reflect.TypeFor[encoding.TextMarshaler]()
	StringerType  = reflect.TypeFor[fmt.Stringer]()
	ErrorType     = reflect.TypeFor[error]()
	TimeType      = reflect.TypeFor[time.Time]()
	DurationType  = reflect.TypeFor[time.Duration]()
	RawType       = reflect.TypeFor[json.RawMessage]()
	URLType       = reflect.TypeFor[url.URL]()
	UserinfoType  = reflect.TypeFor[url.Userinfo]()
)
