#!/usr/bin/env python3
"""The kernel side of a million blocks: in two network namespaces of its
own (tests/integration/netns.py: A protects itself, B pings it), arx's
nftables table as firewall-drop sets it up, then N IPv6 blocks
(2001:db8::/32, never B's address) added in transactions of 50,000,
elements with a timeout each, then deleted the same way. Prints the add
and delete rates, the kernel memory per
element (Slab in /proc/meminfo, before and after) and B's ping round
trip to A before and after, which stays the same: the packet path is
one hash-set lookup whatever the set holds. Needs root and nftables.

Usage: bench/kernel_set.py [N]
"""
import os
import re
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "tests", "integration"))
from netns import A, B, close, ns, setup  # noqa: E402

N = int(sys.argv[1]) if len(sys.argv) > 1 else 1000000
SETUP = """add table inet arx
add set inet arx block4 { type ipv4_addr; flags timeout; }
add set inet arx block6 { type ipv6_addr; flags timeout; }
add chain inet arx input { type filter hook input priority -10; policy accept; }
add rule inet arx input ip saddr @block4 drop
add rule inet arx input ip6 saddr @block6 drop
"""


def slab_kib():
    m = re.search(r"^Slab:\s+(\d+)", open("/proc/meminfo").read(), re.M)
    return int(m.group(1))


def rtt_ms():
    out = ns(B, "ping", "-6", "-c", "40", "-i", "0.02", "-q", "2001:db8::1",
             check=False).stdout
    m = re.search(r"= [\d.]+/([\d.]+)/", out)
    return float(m.group(1)) if m else None


def nft(script):
    subprocess.run(["ip", "netns", "exec", A, "nft", "-f", "-"],
                   input=script, text=True, check=True)


def main():
    setup()
    nft(SETUP)
    time.sleep(1)
    before = rtt_ms()
    slab0 = slab_kib()
    t0 = time.monotonic()
    batch = 50000
    for start in range(0, N, batch):
        els = ", ".join("2001:db8:%x:%x::1 timeout 1h" % (i >> 16, i & 0xffff)
                        for i in range(start, min(N, start + batch)))
        nft("add element inet arx block6 { %s }\n" % els)
    took = time.monotonic() - t0
    slab1 = slab_kib()
    after = rtt_ms()
    t0 = time.monotonic()
    for start in range(0, N, batch):
        els = ", ".join("2001:db8:%x:%x::1" % (i >> 16, i & 0xffff)
                        for i in range(start, min(N, start + batch)))
        nft("delete element inet arx block6 { %s }\n" % els)
    gone = time.monotonic() - t0
    print("kernel set: %d elements added in %.2f s (%.0f/s, transactions "
          "of %d), %.0f bytes of kernel memory each; B's ping to A: "
          "%.3f ms before, %.3f ms with the set full; all deleted in "
          "%.2f s (%.0f/s)" % (
              N, took, N / took, batch, (slab1 - slab0) * 1024 / N,
              before or -1, after or -1, gone, N / gone))


try:
    main()
finally:
    close()
