"""What the benchmarks that need root share: a scratch directory the
analysis child (user arx) can read, and, whatever happens, every process
in the benchmark's network namespace killed, the namespace deleted and
the directory removed."""
import os
import shutil
import signal
import subprocess
import sys
import tempfile


def remove(ns):
    """Every process in namespace ns killed, then ns deleted."""
    for p in subprocess.run(["ip", "netns", "pids", ns],
                            capture_output=True, text=True).stdout.split():
        try:
            os.kill(int(p), signal.SIGKILL)
        except ProcessLookupError:
            pass
    subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL)


def run(tool, ns, main):
    """main(tmp) as root, cleaned up after; ns is a namespace's name or
    a list of them."""
    if os.geteuid() != 0:
        sys.exit("%s: needs root (network namespace, nftables)" % tool)
    # a SIGTERM (timeout(1), make's interrupt) still cleans up
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("%s: terminated"
                                                      % tool))
    tmp = tempfile.mkdtemp(prefix="arx-%s-" % tool)
    os.chmod(tmp, 0o755)  # the analysis child (user arx) reads here
    try:
        main(tmp)
    finally:
        for name in [ns] if isinstance(ns, str) else ns:
            remove(name)
        shutil.rmtree(tmp, ignore_errors=True)
