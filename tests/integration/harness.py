"""What the integration and end-to-end scripts share: checks that print
"ok" or "FAIL" and are counted, waiting for a condition, a scratch
directory the analysis child (user arx) can read, the control client,
arxd in the foreground, and the end of a script (kill every process it
started, remove its directory, print the verdict, exit 1 on a failure).
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

failures = []
PROCS = []  # every process started, killed at the end whatever happens


def expect(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)


def wait(cond, limit=5.0, step=0.05):
    """Poll cond until it holds or limit seconds pass; its last value."""
    t0 = time.time()
    while time.time() - t0 < limit:
        if cond():
            return True
        time.sleep(step)
    return cond()


def scratch(prefix):
    """A temporary directory readable by arxd's analysis child."""
    tmp = tempfile.mkdtemp(prefix=prefix)
    os.chmod(tmp, 0o755)
    return tmp


def recorder_dir(bin_dir, ardir):
    """ardir holding a copy of the test recorder named "recorder": its
    records go to ardir/recorder.log. Returns that log's path."""
    os.makedirs(ardir, mode=0o755)
    with open(os.path.join(bin_dir, "ar_recorder"), "rb") as src, \
            open(os.path.join(ardir, "recorder"), "wb") as dst:
        dst.write(src.read())
    os.chmod(os.path.join(ardir, "recorder"), 0o755)
    return os.path.join(ardir, "recorder.log")


def ctl(arx, sock, *args):
    """`arx ARGS -s SOCK`, its result."""
    return subprocess.run([arx, *args, "-s", sock], capture_output=True,
                          text=True, timeout=30)


class Arxd:
    """arxd -f -c conf (after prefix, e.g. "ip netns exec NS"), waited for
    until ready() holds."""
    def __init__(self, arxd, conf, ready, prefix=(), env=None, limit=15):
        self.p = subprocess.Popen([*prefix, arxd, "-f", "-c", conf],
                                  env=env, stderr=subprocess.PIPE, text=True)
        PROCS.append(self.p)
        if not wait(lambda: self.p.poll() is None and ready(), limit):
            raise RuntimeError("arxd did not start: " +
                               self.stop(signal.SIGKILL))

    def stop(self, sig=signal.SIGTERM):
        """Signal it and return what it wrote to stderr."""
        self.p.send_signal(sig)
        return self.p.communicate(timeout=60)[1]


def finish(name, main, tmp=None, cleanup=None):
    """Run main, then clean up whatever happened, and exit."""
    try:
        main()
    finally:
        for p in PROCS:
            if p.poll() is None:
                p.kill()
        if cleanup is not None:
            cleanup()
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    print("%s: %s" % (name, "all checks pass" if not failures
                      else "%d failed" % len(failures)))
    sys.exit(1 if failures else 0)
