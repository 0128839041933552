package pulsetest

import "syscall"

// procAttr makes the daemon die with the test binary, even killed.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
