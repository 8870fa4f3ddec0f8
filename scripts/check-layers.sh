#!/bin/sh
# Proves the layering rule of docs/ARCHITECTURE.md: each library compiles
# with its own headers and those below it, and an include of a higher
# layer fails. Usage: check-layers.sh CC LAYERS_DIR
set -u
cc=$1 layers=$2
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
fail=0
# probe LAYER HEADER EXPECT [LOWER...]: compile "#include HEADER" with
# LAYER's view (itself, core and the lower libraries named).
probe() {
	flags="-I$layers/$1"
	[ "$1" != core ] && flags="$flags -I$layers/core"
	for low in $(echo "$@" | cut -d' ' -f4-); do
		flags="$flags -I$layers/$low"
	done
	printf '#include "%s"\nint x;\n' "$2" >"$tmp/p.c"
	if "$cc" -fsyntax-only $flags "$tmp/p.c" 2>/dev/null; then got=ok; else got=fails; fi
	if [ "$got" = "$3" ]; then
		echo "layers: $1 including $2: $got, as required"
	else
		echo "layers: $1 including $2: $got, expected $3" >&2
		fail=1
	fi
}
probe core core/buf.h ok
probe core config/conf.h fails
probe config config/conf.h ok
probe config core/addr.h ok
probe transport transport/wire.h ok
probe transport engine/event.h fails
probe transport transport/priv.h ok
probe db db/pg.h ok
probe db engine/event.h fails
probe db config/conf.h fails
probe analysis analysis/child.h ok
probe analysis daemon/child.h fails
# The root side (daemon/, the running root process, and ar/, its
# decisions and backends) includes nothing of the engine: what both
# sides need (OS_Regex, reading JSON, writing it) is in core/. ar does
# not link the engine, so an include there does not even compile.
probe ar ar/dispatch.h ok config exec fw
probe ar engine/event.h fails config exec fw
root_engine=$(grep -l '#include "engine/' "$layers"/daemon/daemon/*.[ch] \
	"$layers"/ar/ar/*.[ch])
if [ -z "$root_engine" ]; then
	echo "layers: the root side (daemon/, ar/) includes no engine/, as required"
else
	echo "layers: the root side includes engine/ in:" $root_engine >&2
	fail=1
fi
# The root side of arxd (daemon/) reaches the unprivileged side's code
# through one door: analysis/child.h, whose analysis_child_main() runs
# only in the forked child.
doors=$(cat "$layers"/daemon/daemon/*.[ch] | grep -o '#include "analysis/[^"]*"' |
	sort -u)
if [ "$doors" = '#include "analysis/child.h"' ]; then
	echo "layers: daemon/ includes of analysis/: only child.h, as required"
else
	echo "layers: daemon/ includes of analysis/ must be child.h alone:" >&2
	echo "$doors" >&2
	fail=1
fi
