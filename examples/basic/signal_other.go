//go:build !unix

package main

import "errors"

func signalSelf() error {
	return errors.New("this system has no SIGUSR2")
}
