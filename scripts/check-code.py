#!/usr/bin/env python3
"""The code gates of docs/CONTRIBUTING.md, over src/ and tools/:

- no banned call (atoi, sscanf, strcpy, strcat, sprintf, vsprintf, gets,
  system, popen) outside scripts/banned.allow, where each use that stays
  has a line "path function reason";
- no function body longer than 80 lines (KNF: the body's braces alone at
  the start of their lines).

Comments and string literals are blanked before looking, so a comment
naming sscanf does not count. Usage: check-code.py SOURCE_DIR
"""
import os
import re
import sys

BANNED = ("atoi", "sscanf", "strcpy", "strcat", "sprintf", "vsprintf",
          "gets", "system", "popen")
CALL = re.compile(r"(?<![\w.>])(" + "|".join(BANNED) + r")\s*\(")
MAX_BODY = 80


def blank(text):
    """Comments and string/char literals replaced by spaces, newlines kept."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            out.append(c + " " * (min(j, n) - i - 1) + (c if j < n else ""))
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def allowed(top):
    path = os.path.join(top, "scripts", "banned.allow")
    allow = set()
    with open(path) as f:
        for line in f:
            parts = line.split(None, 2)
            if not line.strip() or line.startswith("#"):
                continue
            if len(parts) < 3:
                sys.exit("%s: '%s' lacks a reason" % (path, line.strip()))
            allow.add((parts[0], parts[1]))
    return allow


def functions(lines):
    """(name, first line, body length) of each KNF function."""
    start = None
    for i, line in enumerate(lines):
        if line == "{":
            start = i
        elif line == "}" and start is not None:
            j = start - 1
            while j > 0 and not re.match(r"[A-Za-z_]\w*\(", lines[j]):
                j -= 1
            yield lines[j].split("(")[0], start + 1, i - start - 1
            start = None


def main():
    top = sys.argv[1]
    allow = allowed(top)
    bad = 0
    nfun = 0
    longest = (0, "")
    for sub in ("src", "tools"):
        for dp, _, fn in os.walk(os.path.join(top, sub)):
            for f in sorted(fn):
                if not f.endswith((".c", ".h")):
                    continue
                path = os.path.join(dp, f)
                rel = os.path.relpath(path, top)
                with open(path, errors="replace") as fh:
                    text = blank(fh.read())
                lines = text.split("\n")
                for no, line in enumerate(lines, 1):
                    for m in CALL.finditer(line):
                        if (rel, m.group(1)) not in allow:
                            print("%s:%d: %s() is banned (CONTRIBUTING.md);"
                                  " use core/strparse.h" %
                                  (rel, no, m.group(1)))
                            bad += 1
                for name, at, length in functions(lines):
                    nfun += 1
                    if length > longest[0]:
                        longest = (length, "%s:%d %s" % (rel, at, name))
                    if length > MAX_BODY:
                        print("%s:%d: %s() is %d lines long; at most %d" %
                              (rel, at, name, length, MAX_BODY))
                        bad += 1
    print("code gates: %d functions, the longest %d lines (%s); %d banned "
          "calls allowed by scripts/banned.allow; %d problems" %
          (nfun, longest[0], longest[1], len(allow), bad))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
