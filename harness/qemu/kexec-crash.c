// SPDX-License-Identifier: GPL-2.0
/*
 * Runs in the Linux guest of make check-qemu: load a crash kernel with
 * kexec_file_load(KEXEC_FILE_ON_CRASH), what `kexec -s -p` does, without
 * kexec-tools (Debian's links libxenctrl).
 *
 *   kexec-crash KERNEL INITRD CMDLINE
 */
#include <fcntl.h>
#include <linux/kexec.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int kfd, ifd;

	if (argc != 4) {
		fprintf(stderr, "usage: kexec-crash KERNEL INITRD CMDLINE\n");
		return 2;
	}
	kfd = open(argv[1], O_RDONLY);
	ifd = open(argv[2], O_RDONLY);
	if (kfd < 0 || ifd < 0) {
		perror("kexec-crash: open");
		return 1;
	}
	if (syscall(SYS_kexec_file_load, kfd, ifd, strlen(argv[3]) + 1, argv[3],
		    KEXEC_FILE_ON_CRASH)) {
		perror("kexec-crash: kexec_file_load");
		return 1;
	}
	return 0;
}
