#!/bin/sh
# List the project's own C sources and headers, for formatting and checks.
cd "$(dirname "$0")/.." && git ls-files -co --exclude-standard -- '*.c' '*.h' |
    while read -r f; do [ -f "$f" ] && echo "$f"; done
