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


def run(tool, ns, main):
    """main(tmp) as root, cleaned up after."""
    if os.geteuid() != 0:
        sys.exit("%s: needs root (network namespace, nftables)" % tool)
    tmp = tempfile.mkdtemp(prefix="arx-%s-" % tool)
    os.chmod(tmp, 0o755)  # the analysis child (user arx) reads here
    try:
        main(tmp)
    finally:
        for p in subprocess.run(["ip", "netns", "pids", ns],
                                capture_output=True,
                                text=True).stdout.split():
            try:
                os.kill(int(p), signal.SIGKILL)
            except ProcessLookupError:
                pass
        subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL)
        shutil.rmtree(tmp, ignore_errors=True)
