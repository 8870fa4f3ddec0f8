#!/usr/bin/env python3
"""firewall-drop with nftables, for real, in two network namespaces
(netns.py: A protected, B attacker). The test checks what the kernel
does, not what the program says:

  - legacy argv add with --timeout 3: the set holds the address with a
    timeout, B cannot ping A, and after the timeout the kernel has lifted
    the block by itself and ping works again;
  - Wazuh JSON add for an IPv6 address: the program answers check_keys
    with the address; on "continue" ping6 is blocked, a JSON delete lifts
    it; on "abort" nothing is blocked;
  - a bad address is refused (exit 64) and nothing reaches nft.

Needs root, nft and ping (make check installs them).
"""
import sys
import time

from netns import A, close, expect, failures, json_add, message, ns, pings, setup

FD = sys.argv[1]


def in_set(addr):
    s = "block6" if ":" in addr else "block4"
    r = ns(A, "nft", "list", "set", "inet", "arx", s, check=False)
    return addr in r.stdout


def main():
    setup()
    expect(pings("192.0.2.1") and pings("2001:db8::1"), "ping works before")

    r = ns(A, FD, "add", "-", "192.0.2.6", "1700000000.1", "5712",
           "/var/log/auth.log", "-", "--timeout", "3", check=False)
    expect(r.returncode == 0, "legacy add exits 0 (%s)" % r.stderr.strip())
    expect(in_set("192.0.2.6"), "the kernel set holds 192.0.2.6")
    expect(not pings("192.0.2.1", tries=1), "192.0.2.6 can no longer ping")
    time.sleep(4.5)
    expect(not in_set("192.0.2.6"), "the kernel lifted the block on time")
    expect(pings("192.0.2.1"), "ping works after the timeout")

    keys, rc = json_add(FD, "2001:db8::6", "continue")
    expect(keys.get("command") == "check_keys" and
           keys["parameters"]["keys"] == ["2001:db8::6"],
           "JSON add answers check_keys with the address")
    expect(rc == 0 and in_set("2001:db8::6"), "continue blocks 2001:db8::6")
    expect(not pings("2001:db8::1", tries=1), "2001:db8::6 can no longer ping6")
    r = ns(A, FD, input=message("delete", "2001:db8::6", []), check=False)
    expect(r.returncode == 0 and not in_set("2001:db8::6"),
           "JSON delete lifts the block")
    expect(pings("2001:db8::1"), "ping6 works after the delete")
    r = ns(A, FD, input=message("delete", "2001:db8::6", []), check=False)
    expect(r.returncode == 0, "deleting a block that is gone is not an error")

    keys, rc = json_add(FD, "192.0.2.6", "abort")
    expect(rc == 0 and not in_set("192.0.2.6"), "abort blocks nothing")

    r = ns(A, FD, "add", "-", "192.0.2.6;reboot", "1.1", "5712", "x", "-",
           check=False)
    expect(r.returncode == 64 and "not an address" in r.stderr,
           "a bad address is refused with exit 64")


try:
    main()
finally:
    close()

print("fw.nft: %s" % ("all checks pass" if not failures
                      else "%d failed" % len(failures)))
sys.exit(1 if failures else 0)
