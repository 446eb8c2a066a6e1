//go:build !linux

package sections

// ReadCgroup returns nil: cgroups are Linux's.
func ReadCgroup() *CgroupReport { return nil }
