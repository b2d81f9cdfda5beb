#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Print every upstream x86_64 KVM selftest that was built, one per line.
. "$(dirname "$0")/lib.sh"
st=$BUILD/selftests-x86_64
mine=$(project_tests | awk '{print $1}')
make -s -C "$SRC/tools/testing/selftests/kvm" OUTPUT="$st" ARCH=x86_64 \
	-f Makefile -f - <<<'print-progs: ; @echo $(TEST_GEN_PROGS)' print-progs 2>/dev/null |
	tr ' ' '\n' | sed "s#^$st/##" | grep -v -x -F "$mine" | sort
