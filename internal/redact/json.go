package redact

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// JSON returns the JSON document in with its secrets masked: the value of
// every object member whose key is secret (whatever that value is: a string,
// a number, an object or an array, which all become "***"), and the secrets
// that Value finds inside every string, object keys included. Numbers keep
// their exact text; the order of members is kept.
func (r Redactor) JSON(in []byte) ([]byte, error) {
	m := r.matcher()
	dec := json.NewDecoder(bytes.NewReader(in))
	dec.UseNumber()
	var out bytes.Buffer
	if err := r.jsonValue(m, dec, &out); err != nil {
		return nil, fmt.Errorf("redact JSON: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("redact JSON: data after the value")
	}
	return out.Bytes(), nil
}

func (r Redactor) jsonValue(m matcher, dec *json.Decoder, out *bytes.Buffer) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			out.WriteByte('{')
			for i := 0; dec.More(); i++ {
				kt, err := dec.Token()
				if err != nil {
					return err
				}
				key, ok := kt.(string)
				if !ok {
					return fmt.Errorf("object key %v is not a string", kt)
				}
				if i > 0 {
					out.WriteByte(',')
				}
				writeJSONString(out, r.Value(key))
				out.WriteByte(':')
				if m.secret(key) {
					var skip json.RawMessage
					if err := dec.Decode(&skip); err != nil {
						return err
					}
					if string(skip) == `""` || string(skip) == "null" {
						out.Write(skip) // an empty secret stays empty
					} else {
						writeJSONString(out, Mask)
					}
					continue
				}
				if err := r.jsonValue(m, dec, out); err != nil {
					return err
				}
			}
			if _, err := dec.Token(); err != nil {
				return err
			}
			out.WriteByte('}')
		case '[':
			out.WriteByte('[')
			for i := 0; dec.More(); i++ {
				if i > 0 {
					out.WriteByte(',')
				}
				if err := r.jsonValue(m, dec, out); err != nil {
					return err
				}
			}
			if _, err := dec.Token(); err != nil {
				return err
			}
			out.WriteByte(']')
		default:
			return fmt.Errorf("unexpected %v", t)
		}
	case string:
		writeJSONString(out, r.Value(t))
	case json.Number:
		out.WriteString(t.String())
	case bool:
		fmt.Fprint(out, t)
	case nil:
		out.WriteString("null")
	default:
		return fmt.Errorf("unexpected token %T", tok)
	}
	return nil
}

func writeJSONString(out *bytes.Buffer, s string) {
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	enc.Encode(s)               //nolint:errcheck // a string always encodes
	out.Truncate(out.Len() - 1) // Encode's newline
}
