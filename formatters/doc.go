// Package formatters renders Guru Meditation Reports.
//
// A Formatter turns a Report (a Header and the sections' results, in order)
// into bytes. Text is the human-readable format laid out as OpenStack's
// oslo.reports does: a "Guru Meditation" banner, then each section under its
// own banner of '=' 72 columns wide.
//
// Section data is plain Go values. The text formatter renders any struct, map,
// slice or scalar generically, using the same field names the JSON encoding
// would use (json tags), so that nothing appears in one format and not in
// another. Data that implements report.TextWriter supplies its own text
// layout instead.
//
// Strings from section data are escaped before they are written: control
// characters and terminal escape sequences appear as Go escapes (\x1b), so
// that a report cannot take over the terminal of the operator who reads it.
package formatters
