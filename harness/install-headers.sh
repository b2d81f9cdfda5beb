#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install the patched uapi headers into $BUILD/usr/include.
. "$(dirname "$0")/lib.sh"

kout=$BUILD/kernel-x86_64
[ -f "$kout/.config" ] || die "configure the kernel first (make kernel)"
make -C "$SRC" O="$kout" ARCH=x86 -s headers_install INSTALL_HDR_PATH="$BUILD/usr"
