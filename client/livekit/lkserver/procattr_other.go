//go:build !linux

package lkserver

import "syscall"

// procAttr: elsewhere the server is stopped by Stop only.
func procAttr() *syscall.SysProcAttr { return nil }
