package sections

import "github.com/google/pprof/profile"

// GoroutineReport is the data of the goroutines section. It implements
// report.TextWriter.
type GoroutineReport struct {
	// Total is the number of goroutines in the profile, gmr's own
	// included: the goroutines of Groups, Omitted and Own add up to it.
	Total int `json:"total"`
	// GroupCount is the number of groups, including omitted ones but not
	// gmr's own.
	GroupCount int `json:"group_count"`
	// Groups are the groups shown, most numerous first, without gmr's
	// own.
	Groups []GoroutineGroup `json:"groups"`
	// Omitted counts the goroutines and groups left out of Groups, or is
	// nil if none were.
	Omitted *GoroutineOmission `json:"omitted,omitempty"`
	// Source says where the stacks came from, such as
	// "goroutine profile (concurrent)".
	Source string `json:"source"`
	// Mode is "detail" when a full stack dump added per-goroutine detail
	// to the groups, and "grouped" when it did not.
	Mode string `json:"mode"`
	// ModeReason says why Mode is what it is, such as "100,000
	// goroutines, more than the detail limit of 1,000".
	ModeReason string `json:"mode_reason"`
	// Dump describes the full stack dump in detail mode, and is nil
	// otherwise.
	Dump *GoroutineDump `json:"dump,omitempty"`
	// WaitingLong lists the goroutines blocked for long, when the detail
	// to know that is available.
	WaitingLong GoroutineWaits `json:"waiting_long"`
	// Leaks are the goroutines the leak detector found, when the runtime
	// offers it.
	Leaks GoroutineLeaks `json:"leaks"`
	// Own are gmr's own goroutines, kept out of Groups and of the
	// waiting-long summary, and folded into one line in text.
	Own GoroutineOwn `json:"own"`

	profile *profile.Profile // the snapshot the report was built from
}

// GoroutineGroup is a set of goroutines with the same stack, whatever
// their labels.
type GoroutineGroup struct {
	// Count is the number of goroutines in the group.
	Count int `json:"count"`
	// State is what the goroutines are doing, named as the runtime names
	// a goroutine's status or wait reason in a stack dump: "chan receive",
	// "select", "sync.Mutex.Lock", "IO wait", "sleep", "syscall",
	// "running", ... In detail mode it is the dump's state of most of the
	// group's goroutines; otherwise it is inferred from the stack's
	// blocking frames (see StateSource), and "unknown" when they do not
	// tell.
	State string `json:"state"`
	// StateSource says where State came from: "dump", the stack dump of
	// detail mode, or "stack", inferred from the group's frames.
	StateSource string `json:"state_source"`
	// InferredState is, when State came from the dump, the state the
	// group's frames imply, so that the two can be compared; empty when
	// State was inferred.
	InferredState string `json:"inferred_state,omitempty"`
	// Where is the short name of the function the group is shown by: the
	// innermost frame outside the runtime, package sync and the standard
	// library's internal packages, without its import path's directories
	// ("main.handler", "http.(*conn).serve").
	Where string `json:"where"`
	// Origin is where the goroutines were started, as far as their stack
	// tells, or nil if it has no frames.
	Origin *GoroutineOrigin `json:"origin,omitempty"`
	// Labels are the pprof labels that every goroutine of the group has,
	// with one same value. A numeric label is formatted in decimal,
	// followed by its unit if it has one; a key with several values has
	// them joined with ", ".
	Labels map[string]string `json:"labels,omitempty"`
	// VaryingLabels summarise, by key, the other label keys of the
	// group's goroutines: those that some lack or whose values differ.
	VaryingLabels []GoroutineLabelSummary `json:"varying_labels,omitempty"`
	// LabelsOmitted is the number of labels under keys past the first 32
	// of the group, which are not summarised.
	LabelsOmitted int `json:"labels_omitted,omitempty"`
	// Frames is the stack, innermost call first, with inlined calls
	// expanded. It includes the runtime's own frames (runtime.gopark,
	// runtime.chanrecv1, ...), which the text report folds into one line.
	Frames []Frame `json:"frames"`
	// FramesOmitted is the number of outermost frames left out of Frames.
	FramesOmitted int `json:"frames_omitted"`
	// Detail is what the stack dump says of the group's goroutines, in
	// detail mode; nil otherwise, and for a group none of whose
	// goroutines is in the dump.
	Detail *GoroutineDetail `json:"detail,omitempty"`
}

// GoroutineOmission counts what a list in a GoroutineReport left out.
type GoroutineOmission struct {
	// Goroutines is the number of goroutines in the omitted groups.
	Goroutines int `json:"goroutines"`
	// Groups is the number of omitted groups (or places).
	Groups int `json:"groups"`
	// Reason names the bound that was reached: "max_groups" or "max_bytes".
	Reason string `json:"reason"`
}

// GoroutineDump describes the full stack dump of a report in detail mode.
type GoroutineDump struct {
	// Goroutines is the number of goroutines in the dump.
	Goroutines int `json:"goroutines"`
	// Bytes is the size of the dump's text.
	Bytes int `json:"size_bytes"`
	// StopTime is how long runtime.Stack took: about as long as the
	// world was stopped. In JSON, milliseconds.
	StopTime Millis `json:"stop_time_ms"`
	// Truncated is set when the dump did not fit its buffer (2 KiB a
	// goroutine, at most 16 MiB): goroutines past the end have no detail.
	Truncated bool `json:"truncated,omitempty"`
	// Unmatched is the number of goroutines of the dump whose stack is in
	// no group: they changed between the profile and the dump.
	Unmatched int `json:"unmatched"`
	// ParseError describes lines of the dump that were not understood
	// and skipped, if any.
	ParseError string `json:"parse_error,omitempty"`
}

// GoroutineDetail is what the stack dump says of a group's goroutines.
type GoroutineDetail struct {
	// Goroutines is the number of the dump's goroutines with the group's
	// stack. It may differ from the group's count, as goroutines come and
	// go between the profile and the dump.
	Goroutines int `json:"goroutines"`
	// SharedGroups, when it is more than 1, is the number of groups that
	// have this stack and differ only in the runtime's frames, which the
	// dump does not show: the detail is of all their goroutines together.
	SharedGroups int `json:"shared_groups,omitempty"`
	// States counts the goroutines by state, most numerous first.
	States []GoroutineState `json:"states"`
	// IDs are the smallest goroutine ids (at most 10), in order.
	IDs []int64 `json:"ids"`
	// IDsOmitted is the number of ids left out of IDs.
	IDsOmitted int `json:"ids_omitted,omitempty"`
	// LockedToThread is the number of goroutines wired to their OS thread
	// (runtime.LockOSThread).
	LockedToThread int `json:"locked_to_thread,omitempty"`
	// CreatedBy are the functions that started the goroutines, most
	// goroutines first (at most 3).
	CreatedBy []GoroutineCreator `json:"created_by,omitempty"`
	// CreatorsOmitted is the number of creators left out of CreatedBy.
	CreatorsOmitted int `json:"creators_omitted,omitempty"`
}

// GoroutineState counts goroutines in one state.
type GoroutineState struct {
	// State is the runtime's name for it: "chan receive", "select",
	// "sync.Mutex.Lock", "IO wait", "running" ..., followed by
	// " (leaked)" for goroutines the leak detector found.
	State string `json:"state"`
	// Count is the number of goroutines in the state.
	Count int `json:"count"`
	// MaxWait is the longest any of them has been blocked, to the
	// minute (the runtime counts whole minutes): 0 for under a minute.
	// In JSON, milliseconds.
	MaxWait Millis `json:"max_wait_ms"`
}

// GoroutineCreator is the function that started goroutines, and the
// goroutines that ran it. Creators are told apart by function, wrapper and
// go statement, not by the goroutine that ran them.
type GoroutineCreator struct {
	// Frame is the go statement: the function it is in, its file and
	// line. When Via is set, it is the function the wrapper was called
	// from, as the goroutines' entry closure is defined in it, and has no
	// file or line.
	Frame
	// Via is the wrapper whose go statement started the goroutines on
	// Function's behalf ("sync.(*WaitGroup).Go",
	// "golang.org/x/sync/errgroup.(*Group).Go", or a helper that starts a
	// func it is given), or empty: see GoroutineOrigin.
	Via string `json:"via,omitempty"`
	// Goroutine is the creating goroutine's id, or 0 if unknown or if
	// several goroutines ran it.
	Goroutine int64 `json:"goroutine"`
	// ParentGoroutines is the number of distinct goroutines that ran it,
	// when there are more than one.
	ParentGoroutines int `json:"parent_goroutines,omitempty"`
	// Count is the number of goroutines it created among the group's.
	Count int `json:"count"`
}

// GoroutineWaits is the waiting-long summary: goroutines blocked on a
// channel, a lock, a WaitGroup, a Cond or a select for at least
// Goroutines.LongWait, grouped by the place they wait in.
type GoroutineWaits struct {
	// Available is false in grouped mode, when there is no per-goroutine
	// detail to know how long goroutines wait.
	Available bool `json:"available"`
	// Note says why it is not available, or why no wait is known yet (see
	// NoGC).
	Note string `json:"note,omitempty"`
	// NoGC is set in detail mode when no garbage collection has run since
	// the process started: the runtime stamps the start of a goroutine's
	// wait only at a GC, so no wait is known, and Goroutines is 0 for want
	// of knowing, not because none waits.
	NoGC bool `json:"no_gc,omitempty"`
	// MinWait is the shortest wait listed (Goroutines.LongWait); 0 lists
	// every blocked goroutine. In JSON, milliseconds.
	MinWait Millis `json:"min_wait_ms"`
	// Goroutines is the number of goroutines waiting long.
	Goroutines int `json:"goroutines"`
	// Places are where they wait, most goroutines first.
	Places []GoroutineWait `json:"places"`
	// Omitted counts the places left out, or is nil.
	Omitted *GoroutineOmission `json:"omitted,omitempty"`
}

// GoroutineWait is a place where goroutines have been waiting long.
type GoroutineWait struct {
	// State is what they wait for, as in GoroutineState.
	State string `json:"state"`
	// Count is the number of goroutines.
	Count int `json:"count"`
	// MaxWait is the longest wait, to the minute, as in GoroutineState.
	// In JSON, milliseconds.
	MaxWait Millis `json:"max_wait_ms"`
	// Call is the blocking call the code made, when it is a function
	// (sync.(*Mutex).Lock, sync.(*WaitGroup).Wait); empty for a channel
	// operation or select, which are statements.
	Call string `json:"call,omitempty"`
	// Frame is where the goroutines wait: the innermost frame outside the
	// runtime and package sync.
	Frame Frame `json:"frame"`
	// IDs are the smallest goroutine ids (at most 10), in order.
	IDs []int64 `json:"ids"`
	// IDsOmitted is the number of ids left out of IDs.
	IDsOmitted int `json:"ids_omitted,omitempty"`
}

// GoroutineLeaks lists the goroutines of the goroutineleak profile.
type GoroutineLeaks struct {
	// Available is set when the profile was read.
	Available bool `json:"available"`
	// Note says why it was not: the runtime does not offer it, it was
	// skipped, or reading it failed.
	Note string `json:"note,omitempty"`
	// Total is the number of leaked goroutines.
	Total int `json:"total"`
	// GroupCount is the number of groups, including omitted ones.
	GroupCount int `json:"group_count"`
	// Groups are the groups shown, most numerous first.
	Groups []GoroutineGroup `json:"groups"`
	// Omitted counts the goroutines and groups left out, or is nil.
	Omitted *GoroutineOmission `json:"omitted,omitempty"`
}

// GoroutineOwn are gmr's own goroutines: the signal listener, the report
// loop, the trigger-file poller and the goroutine of each built-in section
// being collected. A group is gmr's own when its goroutines started in gmr's
// code and are in it still. They started in it when the function they
// entered (GoroutineOrigin.Entry) is in one of gmr's packages outside a
// _test.go file, or when every one of them has the gmr_section pprof label
// that the Reporter gives each section's goroutine (which goroutines a
// section starts inherit); they are in it still when the innermost of their
// frames outside the standard library is gmr's. So the goroutine of a
// section of the program's own that hangs is the program's, shown in Groups
// with its gmr_section label, and package gmr's tests are the program's too.
type GoroutineOwn struct {
	// Goroutines is the number of gmr's own goroutines.
	Goroutines int `json:"goroutines"`
	// GroupCount is the number of their groups, including omitted ones.
	GroupCount int `json:"group_count"`
	// Groups are the groups, most numerous first.
	Groups []GoroutineGroup `json:"groups"`
	// Omitted counts the groups left out of Groups (at most MaxGroups are
	// listed), or is nil.
	Omitted *GoroutineOmission `json:"omitted,omitempty"`
}
