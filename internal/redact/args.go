package redact

import "strings"

// Args returns a copy of a command line with the values of secret flags
// replaced by [Mask], and the secrets inside every other argument masked as
// [Redactor.Value] masks them. It is Redactor{}.Args.
func Args(args []string, isSecretFlag func(name string) bool) []string {
	return Redactor{}.Args(args, isSecretFlag)
}

// Args returns a copy of a command line with the values of secret flags
// replaced by [Mask], and the secrets inside every other argument masked by
// r.Value. args may start with the program name; it is checked like any
// other argument.
//
// A flag is written as the flag package and most others read it:
// "-name=value", "--name=value", or "-name" or "--name" followed by its
// value in the next argument. isSecretFlag reports whether the flag with the
// given name (without dashes) holds a secret; nil means r.SecretKey. The
// value of a secret flag is masked unless it is empty: after "=", or, when
// there is no "=", the whole next argument, whatever it is, since that is
// where the flag package looks for it. A boolean flag takes no argument, so
// isSecretFlag should report false for boolean flags it knows of, or the
// argument after one is masked too.
//
// Flags are recognised anywhere on the command line, also after a non-flag
// argument or "--", since some flag parsers allow that; masking a
// positional argument by mistake is the safe error. Short options with
// their values attached, such as mysql's -pSECRET, are not recognised
// unless the name as a whole ("pSECRET") is reported secret.
func (r Redactor) Args(args []string, isSecretFlag func(name string) bool) []string {
	if args == nil {
		return nil
	}
	m := r.matcher()
	if isSecretFlag == nil {
		isSecretFlag = m.secret
	}
	out := make([]string, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, value, hasValue, ok := flagArg(a)
		if !ok || !isSecretFlag(name) {
			out[i] = r.Value(a)
			continue
		}
		switch {
		case hasValue && value != "":
			out[i] = a[:len(a)-len(value)] + Mask
		case hasValue:
			out[i] = a
		default:
			out[i] = a
			if i+1 < len(args) {
				i++
				out[i] = args[i]
				if out[i] != "" {
					out[i] = Mask
				}
			}
		}
	}
	return out
}

// flagArg parses a as a flag: "-name", "--name", "-name=value" or
// "--name=value". It reports false for arguments that are not flags: those
// that do not start with "-", "-" and "--" alone, and names that start with
// "-" or "=", which the flag package rejects.
func flagArg(a string) (name, value string, hasValue, ok bool) {
	if len(a) < 2 || a[0] != '-' {
		return "", "", false, false
	}
	name = a[1:]
	if name[0] == '-' {
		name = name[1:]
	}
	if name == "" || name[0] == '-' || name[0] == '=' {
		return "", "", false, false
	}
	name, value, hasValue = strings.Cut(name, "=")
	return name, value, hasValue, true
}
