# SPDX-License-Identifier: GPL-2.0
# Sourced by the test VMs' /init (harness/guest/init on x86_64,
# harness/guest/arm64-init): run a list of selftests as TAP.  The caller
# sets n (the last test number used).

# A failed test's last words as TAP diagnostics: bounded, one "# " per line,
# newline-terminated even when the test's output was not.
diag() {
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
	# Only for the upstream list: nested SVM under TCG fails a few of those
	# tests about once in a hundred runs, in the guest, with no kernel
	# message (e.g. state_test: #UD on a VEX instruction right after
	# XSETBV).  The first failure is still printed.  Our own tests never
	# get a second run.
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
		0)	echo "ok $n $t # ${secs}s$note" ;;
		4)	echo "ok $n $t # SKIP $(grep -m1 -o -i -E '(skip|requirement)[^#]*' /tmp/out | sed 's/^SKIP - //' | cut -c1-120)" ;;
		137)	echo "not ok $n $t # TIMEOUT after ${secs}s"; diag /tmp/out ;;
		*)	echo "not ok $n $t # exit $rc after ${secs}s"; diag /tmp/out ;;
		esac
	done < "$1"
}
