#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# stock-kver.sh: the release of Debian's cloud kernel built from the same
# source as our modules, i.e. linux-source-6.12's version (6.12.118-1~deb12u1
# gives 6.12.118+deb12-cloud-amd64).  Debian replaces linux-source-6.12 with
# every point release, and a stock kernel of another version is refused by
# `make modules`, so check-stock must follow the package, not a fixed name.
. "$(dirname "$0")/lib.sh"

"$TOP/harness/install-deps.sh" --only "$BASE_PKG" >&2
base=$(dpkg-query -W -f='${Version}' "$BASE_PKG")
echo "${base%%-*}+deb12-cloud-amd64"
