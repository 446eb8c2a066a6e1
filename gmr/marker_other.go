//go:build !unix

package gmr

// createMarker writes no marker where the operator's tool cannot dump a
// process (it reads /proc).
func createMarker(string, int, []byte) (string, error) {
	return "", errMarkerUnsupported
}
