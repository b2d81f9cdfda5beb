#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install the Debian packages the build, the VM runs and the linters need.
# As root it runs 'apt-get update' once and installs what is missing;
# otherwise it prints the exact command and fails.  Arguments name more
# packages (e.g. a kernel's headers for `make modules`).
. "$(dirname "$0")/lib.sh"

# install-deps.sh --only PKG...: just those (e.g. `make modules` on a
# user's machine needs no QEMU).
if [ "${1:-}" = --only ]; then
	shift
	PKGS="$*"
else
	PKGS="linux-source-6.12 build-essential flex bison bc libelf-dev libssl-dev
	      cpio xz-utils kmod rsync ccache sparse dwarves python3 perl
	      qemu-system-x86 qemu-system-ppc busybox-static
	      gcc-powerpc64le-linux-gnu binutils-powerpc64le-linux-gnu libc6-dev-ppc64el-cross
	      qemu-system-arm gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu libc6-dev-arm64-cross
	      libcap-dev libnl-3-dev libnl-genl-3-dev pkg-config
	      dpkg-dev ninja-build meson libglib2.0-dev libpixman-1-dev zlib1g-dev libfdt-dev $*"
fi

missing=
for p in $PKGS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

cmd="apt-get update && apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" != 0 ]; then
	echo "Missing Debian packages:$missing" >&2
	echo "Run as root:  $cmd" >&2
	exit 1
fi
info "installing:$missing"
stamp=$BUILD/.apt-updated
mkdir -p "$BUILD"
update() {
	DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
	touch "$stamp"
}
install() {
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing \
		> "$BUILD/.apt.log" 2>&1
}
[ -e "$stamp" ] || update
# Package lists from an earlier run may predate a package (a kernel's
# headers published since): update once more before giving up.
if ! install && ! { update && install; }; then
	cat "$BUILD/.apt.log" >&2
	die "apt-get install$missing failed"
fi
