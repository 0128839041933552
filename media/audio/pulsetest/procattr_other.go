//go:build !linux

package pulsetest

import "syscall"

func procAttr() *syscall.SysProcAttr { return nil }
