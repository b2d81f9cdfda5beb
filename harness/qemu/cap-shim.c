// SPDX-License-Identifier: GPL-2.0
/*
 * LD_PRELOAD shim for make check-qemu: QEMU's KVM_CHECK_EXTENSION of
 * KVM_CAP_PVPANIC answers $CAP_SHIM_PVPANIC instead of the kernel's value,
 * which plays a kernel that gave the capability's number to something
 * else.  Every other ioctl goes to the kernel.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>

#define KVM_CAP_PVPANIC 300

int ioctl(int fd, unsigned long request, ...)
{
	static int (*real)(int, unsigned long, ...);
	const char *v = getenv("CAP_SHIM_PVPANIC");
	va_list ap;
	void *arg;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (!real)
		real = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
	if (v && request == KVM_CHECK_EXTENSION && (long)arg == KVM_CAP_PVPANIC) {
		int ret = (int)strtol(v, NULL, 0);

		fprintf(stderr, "cap-shim: KVM_CAP_PVPANIC -> %#x\n", ret);
		return ret;
	}
	return real(fd, request, arg);
}
