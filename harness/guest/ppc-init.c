// SPDX-License-Identifier: GPL-2.0
/*
 * /init of the ppc64le test initramfs (make check-ppc): a static program,
 * because there is no ppc64el busybox on an amd64 build machine.
 *
 * For each flavour in pvtest=FL[,FL] (the kernel passes unknown key=value
 * parameters to init as environment): load kvm.ko and kvm-FL.ko, run
 * /pvpanic_book3s_test FL, and copy its output to the console, each line
 * prefixed "PPCTEST FL: ", then "PPCTEST-EXIT FL STATUS".  The harness
 * reads those lines and the kernel's (KUnit results, splats) from the
 * same console.  Then power off.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/auxv.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define PPC_FEATURE2_SCV	0x00100000

static int load(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int r;

	if (fd < 0)
		return -errno;
	r = syscall(SYS_finit_module, fd, "", 0);
	r = r && errno != EEXIST ? -errno : 0;
	close(fd);
	return r;
}

static int run_flavour(const char *fl)
{
	char path[64], line[512];
	int pipefd[2], status, r;
	pid_t pid;
	FILE *in;

	r = load("/kvm.ko");
	if (!r) {
		snprintf(path, sizeof(path), "/kvm-%s.ko", fl);
		r = load(path);
	}
	printf("PPCTEST %s: # load kvm.ko, kvm-%s.ko: %s\n", fl, fl,
	       r ? strerror(-r) : "ok");
	fflush(stdout);

	if (pipe(pipefd))
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		close(pipefd[0]);
		execl("/pvpanic_book3s_test", "pvpanic_book3s_test", fl, NULL);
		perror("exec /pvpanic_book3s_test");
		_exit(127);
	}
	close(pipefd[1]);
	in = fdopen(pipefd[0], "r");
	while (in && fgets(line, sizeof(line), in)) {
		printf("PPCTEST %s: %s", fl, line);
		if (!strchr(line, '\n'))
			putchar('\n');
		fflush(stdout);
	}
	waitpid(pid, &status, 0);
	printf("PPCTEST-EXIT %s %d\n", fl,
	       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	fflush(stdout);
	return 0;
}

int main(void)
{
	const char *list = getenv("pvtest");
	char *fls, *fl, *save;
	int fd;

	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	mount("proc", "/proc", "proc", 0, NULL);
	fd = open("/dev/console", O_RDWR);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
	}
	/*
	 * glibc makes system calls with scv when the kernel offers it; under
	 * KVM-PR on pseries that must be off (AIL is disabled while a PR VM
	 * exists).  Say which it is, for the log.
	 */
	printf("PPCTEST-INFO hwcap2 scv=%d\n",
	       !!(getauxval(AT_HWCAP2) & PPC_FEATURE2_SCV));
	fls = strdup(list ? list : "");
	for (fl = strtok_r(fls, ",", &save); fl; fl = strtok_r(NULL, ",", &save))
		run_flavour(fl);
	printf("PPCTEST-DONE\n");
	fflush(stdout);
	sync();
	reboot(RB_POWER_OFF);
	return 0;
}
