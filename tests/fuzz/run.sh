#!/bin/sh
# Runs the libFuzzer targets, one at a time.
#
#   run.sh fuzz SECONDS PROG...   fuzz each PROG for SECONDS on a writable
#                                 copy of its seeds (build/fuzz/corpus/NAME)
#   run.sh regress PROG...        run each PROG once over every file of
#                                 testdata/fuzz/NAME (seeds and kept crashes)
#
# PROG is tests/fuzz/fuzz-NAME.  Logs, and any input that made a target
# fail, are left in build/fuzz/ (fuzz-NAME.log, fuzz-NAME-crash-HASH...).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
out=build/fuzz
opts="-rss_limit_mb=2048 -timeout=10"
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
export UBSAN_OPTIONS

mode=$1
shift
if [ "$mode" = fuzz ]; then
	secs=$1
	shift
fi
mkdir -p "$out"
failed=
for prog in "$@"; do
	name=$(basename "$prog")
	seeds=testdata/fuzz/${name#fuzz-}
	log=$out/$name.log
	if [ "$mode" = fuzz ]; then
		corpus=$out/corpus/$name
		mkdir -p "$corpus"
		[ -d "$seeds" ] && cp "$seeds"/* "$corpus"/ 2>/dev/null
		# shellcheck disable=SC2086
		"$prog" $opts -max_total_time="$secs" -print_final_stats=1 \
			-artifact_prefix="$out/$name-" "$corpus" >"$log" 2>&1
		rc=$?
		runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -1)
		[ -n "$runs" ] || runs=$(sed -n \
			's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' \
			"$log" | tail -1)
		what="${runs:-?} runs"
		[ $rc -eq 0 ] && what="$what in ${secs}s"
	else
		# files as arguments: each is run once, nothing is fuzzed
		files=$(find "$seeds" -type f 2>/dev/null | sort)
		if [ -z "$files" ]; then
			echo "FAIL $name: no inputs in $seeds"
			failed="$failed $name"
			continue
		fi
		# shellcheck disable=SC2086
		"$prog" $opts -artifact_prefix="$out/$name-" $files \
			>"$log" 2>&1
		rc=$?
		what="$(echo "$files" | wc -l) inputs"
	fi
	if [ $rc -eq 0 ]; then
		echo "ok   $name: $what, nothing found"
	else
		echo "FAIL $name: $what, found a failure (log: $log)"
		grep -E '^(==[0-9]+==ERROR|SUMMARY|Running: )|Test unit written' \
			"$log" | tail -4 | sed 's/^/    /'
		failed="$failed $name"
	fi
done
if [ -n "$failed" ]; then
	echo "fuzz: failed:$failed"
	exit 1
fi
