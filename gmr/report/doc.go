// Package report is the model of a Guru Meditation Report: the Section
// interface that collects one part of a report, the Result it produces, and
// the Report (a Header and the results in order) that formatters render.
//
// It imports nothing else of gmr's. The built-in sections (package sections)
// and the formatters (package formatters) both import it, and neither
// imports the other; package gmr's Reporter ties them together:
//
//	trigger ──► Reporter ──► Section.Collect ──► Result ──► mask ──► Formatter ──► sink
//
// # What a formatter receives
//
// The Reporter masks every Result once, after collection and before any
// formatter sees it, with one redactor built from every secret setting. A
// formatter, including one a user wrote, therefore renders masked data and
// must not mask anything itself. After that pass:
//
//   - Err is a masked error: its message, and for a panic its value and
//     stack, have had their secrets replaced;
//   - Data is either the typed value of a built-in section (a
//     *sections.GoroutineReport, say, masked in place), or, for any other
//     section, a tree of Object, []any, string, bool, nil, json.Number,
//     time.Time, time.Duration and json.RawMessage values, masked and bounded;
//   - Text holds the section's own text layout, one line per element, when
//     its data implements TextWriter, masked and escaped;
//   - Note says what was cut to keep the section within its bounds.
package report
