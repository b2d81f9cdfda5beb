#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check-libvirt: libvirt, unchanged, drives our QEMU inside the test VM
# (harness/libvirt/check-libvirt-vm.sh): a Linux guest panics and libvirt
# acts on it as its <on_crash> says.
#   check-libvirt.sh         the scenarios
#   check-libvirt.sh cpio    only build $BUILD/initramfs-libvirt.cpio
# Nothing is installed on the host: Debian's libvirt packages are fetched
# with apt-get download and unpacked with dpkg -x into $BUILD/libvirt-root;
# the test VM gets one more initramfs piece with virsh, the QEMU driver,
# libvirt_iohelper and the shared libraries that the QEMU piece
# ($BUILD/initramfs-qemu.cpio, harness/check-qemu.sh cpio) does not carry.
. "$(dirname "$0")/lib.sh"

kout=$BUILD/kernel-x86_64
gen=$kout/usr/gen_init_cpio
qcpio=$BUILD/initramfs-qemu.cpio
apt=$BUILD/libvirt-apt		# our own apt lists; the host's apt state is left alone
debs=$BUILD/libvirt-debs
root=$BUILD/libvirt-root
[ -x "$gen" ] || die "$gen missing: build the kernel first"
[ -f "$qcpio" ] || die "$qcpio missing (harness/check-qemu.sh cpio builds it)"

# libvirt comes from <codename>-backports: Debian 12's own libvirt (9.0)
# has no PCI panic model (<panic model='pvpanic'/> came in 9.1), the
# backport does.  Its library dependencies come from the release itself.
codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
[ -n "$codename" ] || die "no VERSION_CODENAME in /etc/os-release"
bpo=$codename-backports
LIBVIRT_PKGS="libvirt0 libvirt-common libvirt-clients libvirt-daemon-driver-qemu libvirt-daemon-common"

# A sources list made of the machine's own Debian entries plus the same
# archive's backports suite, so that no host name is written down here.
mkdir -p "$apt/lists/partial" "$apt/cache"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
opt=
[ -f "$keyring" ] && opt="[signed-by=$keyring] "
apt-get indextargets --format '$(TARGET_OF) $(REPO_URI) $(RELEASE) $(COMPONENT)' 'Identifier: Packages' |
	awk -v o="$opt" -v c="$codename" '
		$1 == "deb" { print "deb " o $2 " " $3 " " $4 }
		$1 == "deb" && $3 == c && $4 == "main" { print "deb " o $2 " " c "-backports main" }' |
	sort -u > "$apt/sources.list.new"
grep -q " $bpo main" "$apt/sources.list.new" ||
	die "the machine's apt sources have no '$codename main' entry to take the backports suite from"
cmp -s "$apt/sources.list.new" "$apt/sources.list" || mv "$apt/sources.list.new" "$apt/sources.list"
rm -f "$apt/sources.list.new"
aptopts=(-o Dir::Etc::sourcelist="$apt/sources.list" -o Dir::Etc::sourceparts=-
	-o Dir::State::Lists="$apt/lists" -o Dir::Cache::pkgcache="$apt/cache/pkgcache.bin"
	-o Dir::Cache::srcpkgcache="$apt/cache/srcpkgcache.bin" -o APT::Sandbox::User=root)
aptc() { apt-cache "${aptopts[@]}" "$@"; }
apt_update() {
	info "apt-get update (our lists in $apt)"
	apt-get -qq "${aptopts[@]}" update > "$apt/update.log" 2>&1 || { cat "$apt/update.log" >&2; die "apt-get update failed"; }
}
ls "$apt/lists/"*"_${bpo}_"*Packages* >/dev/null 2>&1 || apt_update

# The packages: the libvirt ones from backports, then every library they
# depend on (recursively) that the host lacks, or has in too old a version,
# at the release's candidate version.  Prints "NAME=VERSION" lines.
resolve() {
	local q p v dep op want have seen=" " out=
	q=$(for p in $LIBVIRT_PKGS; do
		v=$(aptc -t "$bpo" policy "$p" | awk '/Candidate:/ { print $2 }')
		case $v in *~bpo*) ;; *) echo "error: no $p in $bpo (apt has '$v')" >&2; return 1 ;; esac
		echo "$p=$v"
	done) || return 1
	while [ -n "$q" ]; do
		p=${q%%$'\n'*}
		[ "$p" = "$q" ] && q= || q=${q#*$'\n'}
		case $seen in *" ${p%%=*} "*) continue ;; esac
		seen="$seen${p%%=*} "
		out="$out$p"$'\n'
		# Depends, first alternative, as "name op version" (op, version may be empty).
		while read -r dep op want; do
			case $dep in libvirt*) continue ;; lib*) ;; *) continue ;; esac	# our set; libraries
			case $dep in *-utils|*-bin|*-tools) continue ;; esac	# programs, not libraries
			case $seen in *" $dep "*) continue ;; esac
			case "$q" in "$dep="*|*$'\n'"$dep="*) continue ;; esac
			have=$(dpkg-query -W -f='${db:Status-Status} ${Version}' "$dep" 2>/dev/null || true)
			if [ "${have%% *}" = installed ] &&
			   { [ -z "$op" ] || dpkg --compare-versions "${have#* }" "$op" "$want"; }; then
				continue
			fi
			v=$(aptc policy "$dep" | awk '/Candidate:/ { print $2 }')
			case $v in ''|'(none)') echo "error: $p needs $dep, which apt does not know" >&2; return 1 ;; esac
			[ -z "$op" ] || dpkg --compare-versions "$v" "$op" "$want" ||
				{ echo "error: $p needs $dep $op $want, apt has $v" >&2; return 1; }
			q="$q${q:+$'\n'}$dep=$v"
		done < <(aptc show "$p" 2>/dev/null | awk '
			/^Depends:/ { sub(/^Depends: */, ""); n = split($0, d, /, */)
				for (i = 1; i <= n; i++) { a = d[i]; sub(/ *\|.*/, "", a); gsub(/[()]/, "", a); print a } }
			/^$/ { exit }')
	done
	printf '%s' "$out" | sort
}
pkgs=$(resolve) || { apt_update; pkgs=$(resolve); } || die "cannot resolve the libvirt packages (above)"

# Cache: the same versions already unpacked are kept.
if [ "$(cat "$root/.packages" 2>/dev/null)" = "$pkgs" ]; then
	info "libvirt $(sed -n 's/^libvirt0=//p' <<< "$pkgs"): $(wc -l <<< "$pkgs") packages already in $root"
else
	info "apt-get download: ${pkgs//$'\n'/ }"
	rm -rf "$debs" "$root"
	mkdir -p "$debs" "$root"
	# shellcheck disable=SC2086 # one argument per package
	if ! (cd "$debs" && apt-get -q "${aptopts[@]}" download $pkgs > download.log 2>&1); then
		apt_update
		(cd "$debs" && apt-get -q "${aptopts[@]}" download $pkgs > download.log 2>&1) ||
			{ cat "$debs/download.log" >&2; die "apt-get download failed"; }
	fi
	for d in "$debs"/*.deb; do dpkg -x "$d" "$root"; done
	printf '%s\n' "$pkgs" > "$root/.packages"
	info "unpacked $(ls "$debs"/*.deb | wc -l) packages into $root ($(du -sh "$root" | cut -f1))"
fi

# The piece: what the scenarios run, at the paths libvirt was built for
# (it finds its driver, iohelper and CPU map there), and the shared libraries
# they need that the QEMU piece does not already bring.
info "test VM initramfs piece: virsh, the QEMU driver, libvirt_iohelper and their libraries"
spec=$(mktemp)
trap 'rm -f "$spec"' EXIT

libdir=/usr/lib/x86_64-linux-gnu
progs="/usr/bin/virsh $libdir/libvirt/connection-driver/libvirt_driver_qemu.so /usr/lib/libvirt/libvirt_iohelper"
for f in $progs; do
	[ -f "$root$f" ] || die "$root$f missing from the packages"
	spec_add "$root$f" "$f" 0755
done
for f in "$root"/usr/share/libvirt/cpu_map/*.xml; do
	spec_add "$f" "${f#"$root"}" 0644
done

# ldd resolves the packages' libraries in $root first; what the host has
# comes from the host, like the QEMU piece's.  Paths the QEMU piece holds
# are left out (the kernel would unpack them twice).
have=" $(cpio -it --quiet < "$qcpio" | sed 's#^/*#/#' | tr '\n' ' ')"
# shellcheck disable=SC2046,SC2059,SC2086 # one argument per program
lddout=$(LD_LIBRARY_PATH=$root$libdir:$root/lib/x86_64-linux-gnu ldd $(printf "$root%s " $progs))
if grep -q 'not found' <<< "$lddout"; then
	grep 'not found' <<< "$lddout" | sort -u >&2
	die "libraries missing from the host and from the packages (resolve() in $0)"
fi
libs=$(awk '/=> \// { print $3 } /^\t\/lib/ { print $1 }' <<< "$lddout" | sort -u)
nlibs=0
for lib in $libs; do
	guest=${lib#"$root"}
	case $have in *" $guest "*) continue ;; esac
	spec_add "$(readlink -f "$lib")" "$guest" 0755
	have="$have$guest "
	nlibs=$((nlibs + 1))
done
"$gen" "$spec" > "$BUILD/initramfs-libvirt.cpio.tmp"
mv "$BUILD/initramfs-libvirt.cpio.tmp" "$BUILD/initramfs-libvirt.cpio"
info "$BUILD/initramfs-libvirt.cpio: $(du -h "$BUILD/initramfs-libvirt.cpio" | cut -f1), $nlibs libraries"
[ "${1:-}" = cpio ] && exit 0

# The domain templates and the driver's qemu.conf go in as /run/extra/.
RUN_STRICT=1 TIMEOUT=${TIMEOUT:-900} RUN_INITRD_EXTRA="$qcpio $BUILD/initramfs-libvirt.cpio" \
	RUN_EXTRA="$(echo "$TOP"/harness/libvirt/*.xml "$TOP/harness/libvirt/qemu.conf")" \
	"$TOP/harness/run-vm.sh" run "$TOP/harness/libvirt/check-libvirt-vm.sh"
