// SPDX-License-Identifier: GPL-2.0
/*
 * A QMP client for make check-qemu, static so that it runs in the test VM:
 *
 *   qmp-client SOCKET [-t SECONDS] STEP...
 *
 * Steps, in order, each within the time limit:
 *   event:NAME   wait for an occurrence of the QMP event NAME that no earlier
 *                event:NAME step took (events are printed as they come)
 *   noevent:NAME fail if an event NAME was seen so far
 *   JSON         send a command ({"execute": ...}), wait for its answer;
 *                an "error" answer fails
 *   sleep:MS     wait, printing events
 * Every line QEMU sends is printed as "< LINE", every command as "> LINE".
 * Exit status: 0 when every step succeeded, 1 otherwise.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static int fd = -1;
static char buf[1 << 20];
static size_t len;
static double deadline;
static struct {		/* events seen so far, and how many event: steps took */
	char name[64];
	int seen, taken;
} ev[64];

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The next line from QEMU into *line; 0 at the deadline or on EOF. */
static int next_line(char **line, double until)
{
	static char out[sizeof(buf)];

	for (;;) {
		char *nl = memchr(buf, '\n', len);
		struct pollfd p = { .fd = fd, .events = POLLIN };
		double left = until - now();
		ssize_t n;

		if (nl) {
			size_t l = nl - buf + 1;

			memcpy(out, buf, l);
			out[l - 1] = 0;
			if (l > 1 && out[l - 2] == '\r')
				out[l - 2] = 0;
			memmove(buf, buf + l, len - l);
			len -= l;
			*line = out;
			return 1;
		}
		if (left <= 0)
			return 0;
		if (poll(&p, 1, (int)(left * 1000) + 1) <= 0)
			continue;
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n <= 0) {
			fprintf(stderr, "qmp-client: connection closed\n");
			return 0;
		}
		len += n;
	}
}

static int event_slot(const char *name, size_t n)
{
	int i;

	for (i = 0; i < 64 && ev[i].name[0]; i++)
		if (strlen(ev[i].name) == n && !strncmp(ev[i].name, name, n))
			return i;
	if (i == 64 || n >= sizeof(ev[i].name))
		return -1;
	memcpy(ev[i].name, name, n);
	ev[i].name[n] = 0;
	return i;
}

/* Print a line, count the event it names; return 1 for an event. */
static int note(const char *line)
{
	const char *e = strstr(line, "\"event\": \"");
	int i;

	printf("< %s\n", line);
	fflush(stdout);
	if (!e)
		return 0;
	e += strlen("\"event\": \"");
	i = event_slot(e, strcspn(e, "\""));
	if (i >= 0)
		ev[i].seen++;
	return 1;
}

static int seen(const char *name)
{
	int i = event_slot(name, strlen(name));

	return i < 0 ? 0 : ev[i].seen;
}

/* Take one occurrence of NAME not taken yet, if there is one. */
static int take(const char *name)
{
	int i = event_slot(name, strlen(name));

	if (i < 0 || ev[i].taken >= ev[i].seen)
		return 0;
	ev[i].taken++;
	return 1;
}

static int command(const char *json)
{
	char *line;

	printf("> %s\n", json);
	fflush(stdout);
	if (write(fd, json, strlen(json)) < 0 || write(fd, "\n", 1) < 0) {
		perror("qmp-client: write");
		return 0;
	}
	while (next_line(&line, deadline)) {
		if (note(line))
			continue;
		if (strstr(line, "\"error\"")) {
			fprintf(stderr, "qmp-client: %s failed\n", json);
			return 0;
		}
		if (strstr(line, "\"return\""))
			return 1;
	}
	fprintf(stderr, "qmp-client: no answer to %s\n", json);
	return 0;
}

static int wait_event(const char *name)
{
	char *line;

	if (take(name))
		return 1;
	while (next_line(&line, deadline)) {
		note(line);
		if (take(name))
			return 1;
	}
	fprintf(stderr, "qmp-client: no %s event\n", name);
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	double timeout = 60;
	char *line;
	int i = 2;

	if (argc < 2) {
		fprintf(stderr, "usage: qmp-client SOCKET [-t SECONDS] STEP...\n");
		return 2;
	}
	if (argc > 3 && !strcmp(argv[2], "-t")) {
		timeout = atof(argv[3]);
		i = 4;
	}
	deadline = now() + timeout;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", argv[1]);
	/* QEMU may still be starting: retry until the deadline. */
	for (;;) {
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (fd < 0) {
			perror("qmp-client: socket");
			return 1;
		}
		if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
			break;
		close(fd);
		if (now() > deadline) {
			fprintf(stderr, "qmp-client: connect %s: %s\n", argv[1], strerror(errno));
			return 1;
		}
		usleep(100 * 1000);
	}
	if (!next_line(&line, deadline) || !strstr(line, "\"QMP\"")) {
		fprintf(stderr, "qmp-client: no QMP greeting\n");
		return 1;
	}
	if (!command("{\"execute\": \"qmp_capabilities\"}"))
		return 1;

	for (; i < argc; i++) {
		const char *s = argv[i];
		int ok;

		if (!strncmp(s, "event:", 6)) {
			ok = wait_event(s + 6);
		} else if (!strncmp(s, "noevent:", 8)) {
			ok = !seen(s + 8);
			if (!ok)
				fprintf(stderr, "qmp-client: unexpected %s event\n", s + 8);
		} else if (!strncmp(s, "sleep:", 6)) {
			double until = now() + atof(s + 6) / 1000;

			while (next_line(&line, until < deadline ? until : deadline))
				note(line);
			ok = 1;
		} else {
			ok = command(s);
		}
		if (!ok)
			return 1;
	}
	return 0;
}
