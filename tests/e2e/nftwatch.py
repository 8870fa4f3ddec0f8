#!/usr/bin/env python3
"""Watch the nftables set elements of the network namespace it runs in,
straight from the kernel's netlink notifications (NETLINK_NETFILTER,
group NFNLGRP_NFTABLES), and print one line per change when its
transaction commits:  add|del ADDRESS MONOTONIC_SECONDS
CLOCK_MONOTONIC is the same in every namespace, so the times compare
with the caller's time.monotonic(). (`nft monitor` would do, but in
nftables 1.0.6 its cache of sets goes stale and it then drops element
events.) Prints "ready" once subscribed."""
import os
import queue
import socket
import struct
import subprocess
import sys
import threading
import time

NETLINK_NETFILTER, SOL_NETLINK, ADD_MEMBERSHIP = 12, 270, 1
NFNLGRP_NFTABLES, SUBSYS_NFTABLES = 7, 10
NEWSETELEM, DELSETELEM, NEWGEN = 12, 14, 15


def attrs(buf):
    off = 0
    while off + 4 <= len(buf):
        ln, typ = struct.unpack_from("=HH", buf, off)
        if ln < 4:
            return
        yield typ & 0x3fff, buf[off + 4:off + ln]
        off += (ln + 3) & ~3


def addresses(msg):
    """The keys of the elements in a NEWSETELEM/DELSETELEM message."""
    for t, elems in attrs(msg[4:]):          # after struct nfgenmsg
        if t != 3:                           # NFTA_SET_ELEM_LIST_ELEMENTS
            continue
        for t1, elem in attrs(elems):        # NFTA_LIST_ELEM
            for t2, key in attrs(elem):
                if t2 != 1:                  # NFTA_SET_ELEM_KEY
                    continue
                for t3, v in attrs(key):     # NFTA_DATA_VALUE
                    if t3 == 1 and len(v) in (4, 16):
                        fam = socket.AF_INET if len(v) == 4 else socket.AF_INET6
                        yield socket.inet_ntop(fam, v)


def main():
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
    s.bind((0, 0))
    s.setsockopt(SOL_NETLINK, ADD_MEMBERSHIP, NFNLGRP_NFTABLES)
    try:  # as root: past rmem_max, for bursts of 100,000 elements
        s.setsockopt(socket.SOL_SOCKET, 33, 256 << 20)  # SO_RCVBUFFORCE
    except OSError:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    print("ready", flush=True)
    pending = {}
    while True:
        try:
            data = s.recv(1 << 20)
        except OSError as e:  # ENOBUFS: notifications were lost
            print("lost %s" % e.errno, file=sys.stderr, flush=True)
            continue
        off = 0
        while off + 16 <= len(data):
            ln, typ = struct.unpack_from("=IH", data, off)
            if ln < 16:
                break
            msg = data[off + 16:off + ln]
            sub, cmd = typ >> 8, typ & 0xff
            if sub == SUBSYS_NFTABLES and cmd in (NEWSETELEM, DELSETELEM):
                for a in addresses(msg):
                    pending[a] = cmd == NEWSETELEM
            elif sub == SUBSYS_NFTABLES and cmd == NEWGEN:
                now = time.monotonic()
                for a, present in pending.items():
                    print("%s %s %.6f" % ("add" if present else "del", a, now),
                          flush=True)
                pending = {}
            off += (ln + 3) & ~3


class Watch:
    """For tests: this script run in namespace ns; the changes it reports
    are kept as (monotonic time, address, present after)."""
    def __init__(self, ns):
        self.p = subprocess.Popen(["ip", "netns", "exec", ns, sys.executable,
                                   os.path.abspath(__file__)],
                                  stdout=subprocess.PIPE, text=True)
        if self.p.stdout.readline().strip() != "ready":
            raise RuntimeError("nftwatch did not start")
        self.changes = []
        self.lock = threading.Lock()
        self.news = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.p.stdout:
            kind, addr, t = line.split()
            with self.lock:
                self.changes.append((float(t), addr, kind == "add"))
            self.news.put(None)

    def when(self, addr, present, after, limit=0.0):
        """When addr entered (present) or left the set after `after`,
        waiting up to limit seconds for it; None if it did not."""
        end = time.monotonic() + limit
        while True:
            with self.lock:
                for t, a, p in self.changes:
                    if t >= after and a == addr and p == present:
                        return t
            left = end - time.monotonic()
            if left <= 0:
                return None
            try:
                self.news.get(timeout=min(left, 0.5))
            except queue.Empty:
                pass

    def close(self):
        self.p.kill()
        self.p.wait()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(0)
