# SPDX-License-Identifier: GPL-2.0
# Sourced by the test VMs' /init (harness/guest/init on x86_64,
# harness/guest/arm64-init): run a list of selftests as TAP.  The caller
# sets n (the last test number used).

# A failed test's last words as TAP diagnostics: bounded, one "# " per line,
# newline-terminated even when the test's output was not.
diag() {
	# Which cases of a kselftest harness test failed, and where, first:
	# the tail below may not reach back to them.
	grep -E '^not ok |Test terminated by timeout|Test Assertion Failure|\.c:[0-9]+: ' "$1" |
		head -n 20 | awk '{ print "# failed case: " substr($0, 1, 300) }'
	tail -c 8000 "$1" | tail -n 40 | awk '{ print "# " substr($0, 1, 300) }'
}

# Run test $1 with arguments $2; its output goes to /tmp/out.  Sets rc, secs.
run_one() {
	start=$(date +%s)
	# Own session, so whatever the test forked dies with it.
	setsid sh -c 'cd /tmp && exec timeout -s KILL "$0" "$@"' \
		"${kvmtest_timeout:-150}" /tests/$1 $2 > /tmp/out 2>&1 < /dev/null &
	pid=$!
	wait $pid
	rc=$?
	kill -KILL -$pid 2>/dev/null
	secs=$(( $(date +%s) - start ))
}

run_list() {
	# $1: list file; tests are numbered on from $n.  Lines: "name [args...]".
	# $2 = retry: a failed test runs once more, and passes if that run does.
	# Only for the upstream lists: nested SVM under TCG fails a few of the
	# x86 tests about once in a hundred runs, in the guest, with no kernel
	# message (e.g. state_test: #UD on a VEX instruction right after
	# XSETBV).  The first failure is still printed.  Our own tests never
	# get a second run.  A test that passes with some of its cases skipped
	# (kselftest counts a skip as a pass) says which, as diagnostics.
	[ -f "$1" ] || return 0
	while read -r t args; do
		case $t in ''|'#'*) continue ;; esac
		n=$((n + 1))
		run_one "$t" "$args"
		note=
		if [ "$2" = retry ] && [ $rc != 0 ] && [ $rc != 4 ]; then
			echo "# $t: exit $rc after ${secs}s; running it again"
			diag /tmp/out
			first=$rc
			run_one "$t" "$args"
			note=" (passed on the second run; the first exited $first)"
		fi
		case $rc in
		0)	echo "ok $n $t # ${secs}s$note"
			grep -E '^ok [0-9]+ .*# SKIP' /tmp/out | cut -c1-200 | sed 's/^/# case skipped: /' ;;
		4)	echo "ok $n $t # SKIP $(grep -m1 -o -i -E '(skip|requirement)[^#]*' /tmp/out | sed 's/^SKIP - //' | cut -c1-120)" ;;
		137)	echo "not ok $n $t # TIMEOUT after ${secs}s"; diag /tmp/out ;;
		*)	echo "not ok $n $t # exit $rc after ${secs}s"; diag /tmp/out ;;
		esac
	done < "$1"
}
