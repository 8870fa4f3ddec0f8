#!/bin/sh
# make fuzz: every libFuzzer target (tests/fuzz) for FUZZ_SECONDS each
# (default 60), on a working corpus in build/fuzz/corpus/<target> seeded
# from tests/fuzz/corpus/<target>. A crash leaves its input in
# build/fuzz/artifacts/; copy it into tests/fuzz/corpus/<target>/ with a
# fix, and make check replays it from then on.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
secs=${FUZZ_SECONDS:-60}
cd "$top/build/fuzz"
mkdir -p artifacts
status=0
# The ruleset target also starts from pairs of Wazuh's decoder and rule
# files in ../shared (made here, never copied into the repository).
seed_wazuh() {
	w="$top/../shared/testdata/wazuh"
	[ -d "$w/decoders" ] || return 0
	mkdir -p corpus/ruleset
	for d in "$w"/decoders/*.xml; do
		r=$(ls "$w"/rules/*.xml | head -n $(( $(cksum <"$d" | cut -c1-4) % 40 + 1 )) | tail -n 1)
		{ cat "$d"; printf '\0'; cat "$r"; } >"corpus/ruleset/w-$(basename "$d")"
	done
}
seed_wazuh
for t in priv ctl line osregex json conf ruleset arproto wire http basic; do
	mkdir -p "corpus/$t"
	cp -n "$top/tests/fuzz/corpus/$t"/* "corpus/$t/" 2>/dev/null || true
	if ./bin/fuzz_$t -max_total_time="$secs" -print_final_stats=1 \
	    -artifact_prefix=artifacts/$t- "corpus/$t" >"fuzz_$t.log" 2>&1; then
		echo "fuzz $t: $(grep -c '' "fuzz_$t.log") log lines," \
		    "$(grep -o 'stat::number_of_executed_units: *[0-9]*' \
		    "fuzz_$t.log" | grep -o '[0-9]*$') runs in ${secs}s, no crash"
	else
		echo "fuzz $t: CRASH, see build/fuzz/fuzz_$t.log and artifacts/"
		status=1
	fi
done
exit $status
