package sections

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/gmr-go/gmr/internal/textfmt"
)

// memoryGroups are the groups the text puts the memory classes in, in
// order, each with the classes it holds, in order: a name that ends in "/"
// holds every class under it. A class in none of them (one a later Go
// release adds) is "other".
var memoryGroups = []struct {
	name    string
	classes []string
}{
	{"heap", []string{"heap/objects", "heap/free", "heap/unused", "heap/released"}},
	{"goroutine stacks", []string{"heap/stacks", "os-stacks"}},
	{"runtime metadata", []string{"metadata/"}},
	{"profiling buckets", []string{"profiling/"}},
	{"other", nil},
}

// memoryGroup returns the index in memoryGroups of the group of the class
// called name, and its order in the group.
func memoryGroup(name string) (group, order int) {
	for i, g := range memoryGroups {
		for j, c := range g.classes {
			if name == c || strings.HasSuffix(c, "/") && strings.HasPrefix(name, c) {
				return i, j
			}
		}
	}
	return len(memoryGroups) - 1, 0
}

// writeMemoryClasses writes the memory classes grouped by use, a line a
// group, with the group's total in bytes and binary units and then the
// classes in it that are not zero, each in bytes, or just its name if it
// is the only one; the classes that are zero are named on one line:
//
//	memory_classes (by use):
//	  heap = 12582912 (12.0 MiB): heap/objects 8388608, heap/free 1048576, heap/released 3145728
//	  goroutine stacks = 524288 (512.0 KiB): heap/stacks
//	  runtime metadata = 262144 (256.0 KiB): metadata/mspan/inuse 163840, metadata/other 98304
//	  (0 B: heap/unused, os-stacks)
func writeMemoryClasses(buf *bytes.Buffer, classes []MemoryClass) {
	if len(classes) == 0 {
		return
	}
	type member struct {
		MemoryClass
		order int
	}
	groups := make([][]member, len(memoryGroups))
	var zero []string
	for _, c := range classes {
		if c.Bytes == 0 {
			zero = append(zero, textfmt.Escape(c.Name))
			continue
		}
		g, order := memoryGroup(c.Name)
		groups[g] = append(groups[g], member{c, order})
	}
	buf.WriteString("memory_classes (by use):\n")
	for i, members := range groups {
		if len(members) == 0 {
			continue
		}
		var total uint64
		for _, m := range members {
			total += m.Bytes
		}
		fmt.Fprintf(buf, "  %s = %d (%s): ", memoryGroups[i].name, total, textfmt.Bytes(total))
		if len(members) == 1 {
			buf.WriteString(textfmt.Escape(members[0].Name) + "\n")
			continue
		}
		slices.SortStableFunc(members, func(a, b member) int { return cmp.Compare(a.order, b.order) })
		for j, m := range members {
			if j > 0 {
				buf.WriteString(", ")
			}
			fmt.Fprintf(buf, "%s %d", textfmt.Escape(m.Name), m.Bytes)
		}
		buf.WriteString("\n")
	}
	if len(zero) > 0 {
		fmt.Fprintf(buf, "  (0 B: %s)\n", strings.Join(zero, ", "))
	}
}
