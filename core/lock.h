/*
 * Advisory file locks (POSIX fcntl), held for the life of a command.
 *
 *   $AQ_HOME/aq.lock      taken by commands that pick names, ports, MACs
 *   $AQ_HOME/vms/N/lock   taken by start, stop and rm of VM N
 *
 * fcntl locks belong to the process and vanish when it exits, so a killed
 * aq never leaves a stale lock.  They also vanish when the process closes
 * ANY descriptor of the file: keep the lock file private to this module.
 */
#ifndef AQ_LOCK_H
#define AQ_LOCK_H

#define AQ_ELOCKED -10

enum aq_lock_flags {
	AQ_LOCK_WAIT = 1 << 0	/* block until the lock is free */
};

/*
 * Lock path (created 0600 if missing).  Returns a descriptor to pass to
 * aq_unlock(), or AQ_ELOCKED (no error recorded) when another process
 * holds it and AQ_LOCK_WAIT was not given, or -1 with an error.
 */
int aq_lock(const char *path, unsigned int flags);

void aq_unlock(int fd);

/* Wait for and take $AQ_HOME/aq.lock. */
int aq_lock_home(void);

#endif
