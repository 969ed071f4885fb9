#!/bin/bash
# tests/integration/run.sh [SCRIPT...]: run the integration tests.
#
# Runs selftest.sh and every tests/integration/t-*.sh (or the scripts
# named), one process each, in its own process group, and prints
# "ok", "skip" or "FAIL" per script; keeps going after a failure and exits
# 1 when any failed.  A failing script's output is kept in
# tests/tmp/integration/NAME.out (its last lines are printed) and its test
# directory in tests/tmp/integration/NAME/.
#
# Environment: CNAB_TOP (exported to the scripts: the repository root, where
# the built tools are), ITEST_TIMEOUT (seconds per script, default 900:
# then SIGTERM to the script's process group, SIGKILL 30s later),
# ITEST_TMP (default tests/tmp/integration), ITEST_SKIP (script names to
# leave out), ITEST_VALGRIND=1 (run every tool under valgrind; a memory
# error or a leak fails the test).
set -u

here=$(cd "$(dirname "$0")" && pwd)
CNAB_TOP=${CNAB_TOP:-$(cd "$here/../.." && pwd)}
ITEST_TMP=${ITEST_TMP:-$CNAB_TOP/tests/tmp/integration}
ITEST_TIMEOUT=${ITEST_TIMEOUT:-900}
export CNAB_TOP ITEST_TMP
mkdir -p "$ITEST_TMP"

if [ "$#" -gt 0 ]; then
	scripts=()
	for s in "$@"; do
		case $s in
		*/*) scripts+=("$s") ;;
		*.sh) scripts+=("$here/$s") ;;
		*) scripts+=("$here/$s.sh") ;;
		esac
	done
else
	scripts=("$here/selftest.sh")
	for s in "$here"/t-*.sh; do
		[ -e "$s" ] && scripts+=("$s")
	done
fi
# ITEST_SKIP: names of scripts not to run (e.g. the harness's self-tests
# in the sanitizer pass, which test no C code)
if [ -n "${ITEST_SKIP:-}" ]; then
	kept=()
	for s in "${scripts[@]}"; do
		case " $ITEST_SKIP " in
		*" $(basename "$s" .sh) "*) echo "skip $(basename "$s" .sh) (ITEST_SKIP)" ;;
		*) kept+=("$s") ;;
		esac
	done
	scripts=("${kept[@]}")
fi

alive() {
	local st
	[ -r "/proc/$1/stat" ] || return 1
	st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# Kill what a script left running: the pids lib.sh recorded, checked
# against their command line (the test directory's files are named there).
sweep() {
	local name=$1 pidfile=$ITEST_TMP/$1.pids pid kind path n=0
	[ -s "$pidfile" ] || { rm -f "$pidfile"; return 0; }
	while read -r pid kind path; do
		alive "$pid" || continue
		tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$path" || continue
		echo "    $name left $kind pid $pid running: killing it"
		kill -TERM "$pid" 2>/dev/null
		sleep 1
		kill -KILL "$pid" 2>/dev/null
		n=$((n + 1))
	done <"$pidfile"
	rm -f "$pidfile"
	[ "$n" -eq 0 ]
}

current=
on_signal() {
	if [ -n "$current" ]; then
		kill -TERM -- "-$current" 2>/dev/null
		for ((i = 0; i < 150; i++)); do
			alive "$current" || break
			sleep 0.1
		done
		kill -KILL -- "-$current" 2>/dev/null
		wait "$current" 2>/dev/null
		sweep "$current_name"
	fi
	echo "integration tests interrupted"
	exit 130
}
trap on_signal INT TERM HUP

failed=
nok=0
nskip=0
t_all=$(date +%s)
for s in "${scripts[@]}"; do
	name=$(basename "$s" .sh)
	out=$ITEST_TMP/$name.out
	if [ ! -r "$s" ]; then
		echo "FAIL $name (no such script: $s)"
		failed="$failed $name"
		continue
	fi
	t0=$(date +%s)
	# Job control: the script gets a process group of its own (killed
	# whole on time-out), with SIGINT not ignored.
	set -m
	bash "$s" >"$out" 2>&1 </dev/null &
	pid=$!
	set +m
	current=$pid current_name=$name
	termed=0
	while alive "$pid"; do
		sleep 0.2
		el=$(($(date +%s) - t0))
		if [ "$termed" = 0 ] && [ "$el" -ge "$ITEST_TIMEOUT" ]; then
			echo "timed out after ${ITEST_TIMEOUT}s: SIGTERM to the process group" >>"$out"
			kill -TERM -- "-$pid" 2>/dev/null
			termed=1
		elif [ "$termed" = 1 ] && [ "$el" -ge $((ITEST_TIMEOUT + 30)) ]; then
			kill -KILL -- "-$pid" 2>/dev/null
			termed=2
		fi
	done
	rc=0
	wait "$pid" 2>/dev/null || rc=$?
	current=
	el=$(($(date +%s) - t0))
	leftovers=0
	sweep "$name" || leftovers=1
	if [ "$rc" -eq 0 ] && [ "$leftovers" = 0 ]; then
		echo "ok   $name (${el}s)"
		nok=$((nok + 1))
		rm -f "$out"
	elif [ "$rc" -eq 77 ] && [ "$leftovers" = 0 ] && grep -q '^SKIP: ' "$out"; then
		# (77 from skip(), which says why; any other 77 is a failure)
		echo "skip $name: $(sed -n 's/^SKIP: //p' "$out" | head -n 1)"
		nskip=$((nskip + 1))
		rm -f "$out"
	else
		why="exit $rc"
		[ "$termed" != 0 ] && why="timed out"
		[ "$leftovers" = 1 ] && why="$why, left processes running"
		echo "FAIL $name ($why, ${el}s; output in $out)"
		tail -n 40 "$out" | sed 's/^/    /'
		failed="$failed $name"
	fi
done

echo "integration: $nok ok, $nskip skipped, $(echo $failed | wc -w) failed ($(($(date +%s) - t_all))s)"
if [ -n "$failed" ]; then
	echo "integration tests failed:$failed"
	exit 1
fi
exit 0
