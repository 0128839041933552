package lkserver

import "syscall"

// procAttr makes the kernel kill the server when the process that started
// it dies, so a test binary killed by its timeout leaves no SFU behind.
// (The signal is tied to the starting OS thread; Go's runtime keeps its
// threads for the life of the process.)
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
