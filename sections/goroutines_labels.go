package sections

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/google/pprof/profile"

	"github.com/gmr-go/gmr/internal/redact"
)

// Bounds on the label values a report counts, which keep grouping bounded
// in memory and time however many goroutines have unique labels.
const (
	// maxLabelValues is the most distinct values counted for one label
	// key of one group: past it, a key has "more than 100,000 distinct"
	// values.
	maxLabelValues = 100_000
	// maxLabelValuesTotal is the most distinct values counted in all
	// groups and keys together, a bound on the memory of counting them
	// (a few tens of bytes each).
	maxLabelValuesTotal = 1_000_000
	// maxLabelKeys is the most label keys summarised for one group; the
	// labels under further keys are counted in LabelsOmitted.
	maxLabelKeys = 32
	// maxLabelTop is the most values listed for a key.
	maxLabelTop = 5
)

// GoroutineLabelSummary summarises the values of one pprof label key among
// a group's goroutines, for a key that not all of them have with one same
// value.
type GoroutineLabelSummary struct {
	// Key is the label's key.
	Key string `json:"key"`
	// Goroutines is the number of the group's goroutines that have the
	// key, and Missing the number that lack it.
	Goroutines int `json:"goroutines"`
	Missing    int `json:"missing"`
	// Distinct is the number of distinct values counted. Counting stops at
	// 100,000 values a key (and a million in a report): past that,
	// DistinctCapped is set and the key has more than Distinct values.
	Distinct       int  `json:"distinct"`
	DistinctCapped bool `json:"distinct_capped,omitempty"`
	// Top are the most common values (at most 5), most goroutines first:
	// every value when there are at most 5, otherwise those that more than
	// one goroutine has (a value unique to each goroutine, such as a
	// request id, tells nothing one by one).
	Top []GoroutineLabelValue `json:"top"`
	// Redacted is set when the key is a secret's, and the values in Top
	// are masked.
	Redacted bool `json:"redacted,omitempty"`
}

// GoroutineLabelValue is one value of a label key and how many goroutines
// have it.
type GoroutineLabelValue struct {
	Value string `json:"value"`
	Count int    `json:"count"`
}

// labelBudget is what is left of maxLabelValuesTotal in one grouping.
type labelBudget struct{ values int }

// labelAcc counts the labels of one group's goroutines.
type labelAcc struct {
	keys    map[string]*keyAcc
	omitted int // labels under keys past the first maxLabelKeys
}

// keyAcc counts the values of one label key.
type keyAcc struct {
	goroutines int
	values     map[string]int // at most maxLabelValues
	capped     bool           // a value was not counted: the map was full
}

func newLabelAcc() *labelAcc { return &labelAcc{keys: make(map[string]*keyAcc)} }

// add counts the labels of s, which stands for n goroutines.
func (a *labelAcc) add(s *profile.Sample, n int, budget *labelBudget) {
	for k, vs := range s.Label {
		var v string
		switch len(vs) {
		case 0:
		case 1:
			v = vs[0]
		default:
			v = strings.Join(vs, ", ")
		}
		a.addValue(k, v, n, budget)
	}
	for k, vs := range s.NumLabel {
		units := s.NumUnit[k]
		parts := make([]string, len(vs))
		for i, v := range vs {
			parts[i] = strconv.FormatInt(v, 10)
			if i < len(units) && units[i] != "" {
				parts[i] += " " + units[i]
			}
		}
		a.addValue(k, strings.Join(parts, ", "), n, budget)
	}
}

func (a *labelAcc) addValue(k, v string, n int, budget *labelBudget) {
	ka := a.keys[k]
	if ka == nil {
		if len(a.keys) >= maxLabelKeys {
			a.omitted = addSat(a.omitted, n)
			return
		}
		ka = &keyAcc{values: make(map[string]int)}
		a.keys[k] = ka
	}
	ka.goroutines = addSat(ka.goroutines, n)
	if c, ok := ka.values[v]; ok {
		ka.values[v] = addSat(c, n)
		return
	}
	if len(ka.values) >= maxLabelValues || budget.values <= 0 {
		ka.capped = true
		return
	}
	budget.values--
	ka.values[v] = n
}

// summary returns the labels that all count goroutines of the group have
// with one same value, a summary of each other key, by key, and the number
// of labels under keys not summarised.
func (a *labelAcc) summary(count int) (same map[string]string, varying []GoroutineLabelSummary, omitted int) {
	for _, k := range sortedKeys(a.keys) {
		ka := a.keys[k]
		if ka.goroutines >= count && len(ka.values) == 1 && !ka.capped {
			if same == nil {
				same = make(map[string]string)
			}
			for v := range ka.values {
				same[k] = v // masked by the Reporter's masking pass, as all section data is
			}
			continue
		}
		varying = append(varying, ka.summary(k, count))
	}
	return same, varying, a.omitted
}

func (ka *keyAcc) summary(k string, count int) GoroutineLabelSummary {
	s := GoroutineLabelSummary{
		Key:            k,
		Goroutines:     ka.goroutines,
		Missing:        max(count-ka.goroutines, 0),
		Distinct:       len(ka.values),
		DistinctCapped: ka.capped,
		Top:            []GoroutineLabelValue{},
	}
	all := len(ka.values) <= maxLabelTop && !ka.capped
	for v, c := range ka.values {
		if !all && c < 2 {
			continue
		}
		// Keep the maxLabelTop most common, with an insertion into a
		// short sorted list: the values are many, the list is short.
		lv := GoroutineLabelValue{Value: v, Count: c}
		i, _ := slices.BinarySearchFunc(s.Top, lv, compareLabelValues)
		if i < maxLabelTop {
			s.Top = slices.Insert(s.Top, i, lv)
			if len(s.Top) > maxLabelTop {
				s.Top = s.Top[:maxLabelTop]
			}
		}
	}
	return s
}

// compareLabelValues orders values most goroutines first, then by value.
func compareLabelValues(a, b GoroutineLabelValue) int {
	return cmp.Or(cmp.Compare(b.Count, a.Count), strings.Compare(a.Value, b.Value))
}

// maskLabels masks, with r, the values listed for each secret label key
// in rep's groups: the Reporter's masking pass masks every string of the
// report's data and every label value under a secret key of a Labels map,
// but cannot know which key the values of a GoroutineLabelSummary are
// under.
func maskLabels(rep *GoroutineReport, r *redact.Redactor) {
	for _, groups := range [][]GoroutineGroup{rep.Groups, rep.Own.Groups, rep.Leaks.Groups} {
		for i := range groups {
			for j := range groups[i].VaryingLabels {
				s := &groups[i].VaryingLabels[j]
				if !r.SecretKey(s.Key) {
					continue
				}
				s.Redacted = true
				for k := range s.Top {
					s.Top[k].Value = redact.Mask
				}
			}
		}
	}
}
