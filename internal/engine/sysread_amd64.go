package engine

// sysRead is the number of the read system call, as /proc/PID/syscall shows it.
const sysRead = 0
