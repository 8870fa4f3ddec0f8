/*
 * The analysis child's sandbox: what the process that parses what
 * attackers write can still do once it has started.
 *
 *  - sandbox_drop_caps(), while still root: the capability bounding set
 *    is emptied, so nothing it runs or becomes can hold a capability
 *    again (with no_new_privs, set by the caller, a set-uid program
 *    could not either).
 *  - sandbox_enter(), after the drop: a seccomp filter (libseccomp)
 *    that allows the system calls the child needs (files, its sockets,
 *    the event loop, memory) and nothing else: no execve, no fork or
 *    clone, no ptrace, no mount, no new credentials, no sockets but
 *    Unix, IPv4, IPv6 and netlink (the resolver). A forbidden call
 *    is not run: the child says which call it was on standard error
 *    and ends (status 159, SIGSYS's 128 + 31), which the root process
 *    logs; it starts a new child after its usual back-off.
 *
 * Owns nothing after the call: the filter is the kernel's.
 */
#ifndef ARX_ANALYSIS_SANDBOX_H
#define ARX_ANALYSIS_SANDBOX_H

#include <stdbool.h>

/* Empty the capability bounding set (needs CAP_SETPCAP: call as root,
 * before the uid changes). 0, or a negative code with the log said. */
int sandbox_drop_caps(void);

/* Set no_new_privs and load the filter. With fetches (<blocklist>
 * subscriptions, read with libcurl) it also allows what libcurl needs
 * beyond the rest: socketpair() of Unix sockets (the multi handle's
 * wake-up pair) and clone() of threads only (CLONE_THREAD set: its
 * resolver thread for a host name; clone3(), whose flags a filter
 * cannot see, fails with ENOSYS so the C library falls back to
 * clone()). 0, or a negative code with the log said. */
int sandbox_enter(bool fetches);

#define SANDBOX_EXIT 159 /* the status of a child a forbidden call ended */

#endif
