package procfs

import "time"

// initTime is when this package was initialised.
var initTime = time.Now()

// InitTime returns when this package was initialised: as gmr's packages
// are initialised with the program's, before main runs, that is moments
// after the process started. It stands in for the start time where
// ProcessStart cannot tell it.
func InitTime() time.Time { return initTime }
