/*
 * Credential helpers: docker-credential-NAME run without a shell, given
 * the server URL, read within a timeout, and its answer or failure
 * turned into credentials or a message.
 */
#define _GNU_SOURCE /* pipe2 */
#include "common/auth.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "common/auth-int.h"
#include "common/buf.h"
#include "common/fsutil.h"

extern char **environ;

#define HUB_SERVER_URL "https://index.docker.io/v1/"
#define HELPER_PREFIX  "docker-credential-"

/* What is kept of a helper's stderr, and shown of its first line. */
#define HELPER_STDERR_MAX 4096
#define HELPER_LINE_MAX   200

/*
 * Copies at most max bytes of s into dst (size > max), up to the first
 * line break, with control characters replaced by '?'.
 */
static void first_line(char *dst, size_t max, const char *s, size_t n)
{
	size_t i = 0, o = 0;

	while (i < n && (s[i] == '\n' || s[i] == '\r' || s[i] == ' '))
		i++;
	for (; i < n && o < max && s[i] != '\n' && s[i] != '\r'; i++) {
		unsigned char c = (unsigned char)s[i];

		dst[o++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	while (o && dst[o - 1] == ' ')
		o--;
	dst[o] = '\0';
}

/* Whether the n bytes at s hold needle, ignoring ASCII case. */
static bool mem_has(const char *s, size_t n, const char *needle)
{
	size_t k = strlen(needle), i;

	for (i = 0; k <= n && i <= n - k; i++)
		if (!strncasecmp(s + i, needle, k))
			return true;
	return false;
}

/*
 * Credential helpers.
 */
struct helper_run {
	const char *host;
	char *prog;
	pid_t pid;
	int out_fd, err_fd;
	struct cnab_sbuf out;
	char errbuf[HELPER_STDERR_MAX];
	size_t errlen;
	bool overflow;
	int status;
};

/* Moves fd above the standard descriptors, close-on-exec. */
static int move_fd(int fd)
{
	int nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	int e = errno;

	close(fd);
	errno = e;
	return nfd;
}

/* A pipe close-on-exec from its creation (a helper that another thread
 * starts meanwhile gets neither end), above the standard descriptors. */
static int make_pipe(int fds[2])
{
	int raw[2];

	fds[0] = fds[1] = -1;
	if (pipe2(raw, O_CLOEXEC) < 0)
		return -1;
	fds[0] = raw[0] > STDERR_FILENO ? raw[0] : move_fd(raw[0]);
	fds[1] = raw[1] > STDERR_FILENO ? raw[1] : move_fd(raw[1]);
	if (fds[0] < 0 || fds[1] < 0) {
		if (fds[0] >= 0)
			close(fds[0]);
		if (fds[1] >= 0)
			close(fds[1]);
		fds[0] = fds[1] = -1;
		return -1;
	}
	return 0;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static long ms_until(const struct timespec *deadline)
{
	struct timespec now;
	long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long)(deadline->tv_sec - now.tv_sec) * 1000 +
	     (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms < 0 ? 0 : ms;
}

static enum cnab_status helper_fail(struct helper_run *h, enum cnab_status st,
                                    const char *why, struct cnab_err *err)
{
	return cnab_err_set(err, st, "credential helper '%s' for '%s' %s",
	                    h->prog, h->host, why);
}

/* Starts h->prog with "get", server_url on its stdin. */
static enum cnab_status
helper_spawn(struct helper_run *h, const char *server_url, struct cnab_err *err)
{
	int in[2] = {-1, -1}, out[2] = {-1, -1}, errp[2] = {-1, -1};
	char *argv[] = {h->prog, (char *)"get", NULL};
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	bool fa_ok = false, attr_ok = false;
	sigset_t set;
	enum cnab_status st = CNAB_OK;
	int rc;

	if (make_pipe(in) < 0 || make_pipe(out) < 0 || make_pipe(errp) < 0) {
		st = helper_fail(h, CNAB_ERR_AUTH, "cannot run: out of pipes",
		                 err);
		goto out;
	}
	/* The URL is far smaller than a pipe's capacity: write it now, so
	 * that a helper which does not read it cannot stop us. */
	if (cnab_write_all(in[1], server_url, strlen(server_url), "pipe",
	                   NULL) != CNAB_OK) {
		st = helper_fail(h, CNAB_ERR_AUTH, "cannot run: write error",
		                 err);
		goto out;
	}
	close_fd(&in[1]);
	if (posix_spawn_file_actions_init(&fa) != 0 ||
	    posix_spawnattr_init(&attr) != 0) {
		st = cnab_auth_nomem(err);
		goto out;
	}
	fa_ok = attr_ok = true;
	posix_spawn_file_actions_adddup2(&fa, in[0], STDIN_FILENO);
	posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, errp[1], STDERR_FILENO);
	/* and nothing else: a library's descriptors (libcurl's sockets) are
	 * not all close-on-exec */
	posix_spawn_file_actions_addclosefrom_np(&fa, STDERR_FILENO + 1);
	/* The helper starts with default signals, none blocked. */
	sigemptyset(&set);
	posix_spawnattr_setsigmask(&attr, &set);
	sigaddset(&set, SIGPIPE);
	posix_spawnattr_setsigdefault(&attr, &set);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK |
	                                        POSIX_SPAWN_SETSIGDEF);
	rc = posix_spawnp(&h->pid, h->prog, &fa, &attr, argv, environ);
	if (rc != 0) {
		h->pid = -1;
		if (rc == ENOENT)
			st = helper_fail(h, CNAB_ERR_AUTH,
			                 "cannot run: not found on PATH", err);
		else
			st = cnab_err_set(err, CNAB_ERR_AUTH,
			                  "credential helper '%s' for '%s' "
			                  "cannot run: %s",
			                  h->prog, h->host, strerror(rc));
		goto out;
	}
	h->out_fd = out[0];
	h->err_fd = errp[0];
	out[0] = errp[0] = -1;
out:
	if (fa_ok)
		posix_spawn_file_actions_destroy(&fa);
	if (attr_ok)
		posix_spawnattr_destroy(&attr);
	close_fd(&in[0]);
	close_fd(&in[1]);
	close_fd(&out[0]);
	close_fd(&out[1]);
	close_fd(&errp[0]);
	close_fd(&errp[1]);
	return st;
}

/* Reads what is ready on *fd; closes it at the end of the stream. */
static enum cnab_status helper_read(struct helper_run *h, int *fd,
                                    struct cnab_err *err)
{
	char chunk[4096];
	enum cnab_status st = CNAB_OK;
	ssize_t n;
	size_t room;

	n = read(*fd, chunk, sizeof(chunk));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		goto out;
	if (n <= 0) {
		close_fd(fd);
		goto out;
	}
	if (fd == &h->out_fd) {
		st = cnab_sbuf_add(&h->out, chunk, (size_t)n);
		if (st == CNAB_ERR_TOOBIG) {
			h->overflow = true;
			st = helper_fail(h, CNAB_ERR_AUTH, "answered too much",
			                 err);
		} else if (st != CNAB_OK) {
			st = cnab_auth_nomem(err);
		}
	} else {
		room = sizeof(h->errbuf) - h->errlen;
		if ((size_t)n < room)
			room = (size_t)n;
		memcpy(h->errbuf + h->errlen, chunk, room);
		h->errlen += room;
	}
out:
	OPENSSL_cleanse(chunk, sizeof(chunk));
	return st;
}

/* Collects the helper's output and exit status, within the timeout. */
static enum cnab_status helper_wait(struct helper_run *h, struct cnab_err *err)
{
	struct timespec deadline, nap = {0, 10 * 1000 * 1000};
	struct pollfd pfd[2];
	int *which[2];
	enum cnab_status st = CNAB_OK;
	nfds_t n;
	pid_t r;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += CNAB_CRED_HELPER_TIMEOUT;
	while (h->out_fd >= 0 || h->err_fd >= 0) {
		n = 0;
		if (h->out_fd >= 0) {
			which[n] = &h->out_fd;
			pfd[n++] = (struct pollfd){h->out_fd, POLLIN, 0};
		}
		if (h->err_fd >= 0) {
			which[n] = &h->err_fd;
			pfd[n++] = (struct pollfd){h->err_fd, POLLIN, 0};
		}
		rc = poll(pfd, n, (int)ms_until(&deadline));
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0) {
			st = helper_fail(h, CNAB_ERR_AUTH, "cannot be read",
			                 err);
			goto out;
		}
		if (rc == 0)
			goto timeout;
		while (n--) {
			if (!pfd[n].revents)
				continue;
			st = helper_read(h, which[n], err);
			if (st != CNAB_OK)
				goto out;
		}
	}
	for (;;) {
		r = waitpid(h->pid, &h->status, WNOHANG);
		if (r == h->pid) {
			h->pid = -1;
			break;
		}
		if (r < 0 && errno != EINTR) {
			h->pid = -1;
			st = helper_fail(h, CNAB_ERR_AUTH, "was lost", err);
			goto out;
		}
		if (ms_until(&deadline) == 0)
			goto timeout;
		nanosleep(&nap, NULL);
	}
	goto out;
timeout:
	st = helper_fail(h, CNAB_ERR_AUTH, "timed out", err);
out:
	return st;
}

/* Reads the helper's JSON answer into out. */
static enum cnab_status helper_answer(struct helper_run *h,
                                      struct cnab_cred *out, bool *found,
                                      struct cnab_err *err)
{
	char reason[CNAB_ERR_MSG_MAX];
	const char *user, *secret;
	json_t *v = NULL;
	enum cnab_status st;

	st = cnab_auth_parse_quiet(h->out.data ? h->out.data : "", h->out.len,
	                           CNAB_MAX_TOKEN, h->prog, &v, reason,
	                           sizeof(reason));
	if (st != CNAB_OK) {
		st = cnab_err_set(err, CNAB_ERR_AUTH,
		                  "credential helper '%s' for '%s' gave a bad "
		                  "answer: %s",
		                  h->prog, h->host, reason);
		goto out;
	}
	if (!json_is_object(v) || !cnab_auth_get_string(v, "Username", &user) ||
	    !cnab_auth_get_string(v, "Secret", &secret)) {
		st = helper_fail(h, CNAB_ERR_AUTH,
		                 "gave a bad answer: not an object with string "
		                 "'Username' and 'Secret'",
		                 err);
		goto out;
	}
	if (user && !strcmp(user, "<token>")) {
		if (secret && *secret)
			st = cnab_auth_set_secret(&out->identity_token, secret,
			                          strlen(secret), err);
	} else if ((user && *user) || (secret && *secret)) {
		st = cnab_auth_set_secret(&out->username, user ? user : "",
		                          user ? strlen(user) : 0, err);
		if (st == CNAB_OK)
			st = cnab_auth_set_secret(
			        &out->password, secret ? secret : "",
			        secret ? strlen(secret) : 0, err);
	}
	*found = st == CNAB_OK && !cnab_auth_cred_empty(out);
out:
	cnab_auth_free_json(v);
	return st;
}

/* Whether a helper name is safe to append to "docker-credential-". */
static bool helper_name_ok(const char *name)
{
	const unsigned char *s = (const unsigned char *)name;

	if (!*s || *s == '.' || *s == '-')
		return false;
	for (; *s; s++)
		if (!cnab_auth_is_alnum(*s) && *s != '.' && *s != '_' &&
		    *s != '-')
			return false;
	return true;
}

enum cnab_status cnab_auth_run_helper(const char *name, const char *host,
                                      const char *path, struct cnab_cred *out,
                                      bool *found, struct cnab_err *err)
{
	struct helper_run h;
	const char *url =
	        cnab_auth_is_hub(host, strlen(host)) ? HUB_SERVER_URL : host;
	char line[HELPER_LINE_MAX + 1];
	enum cnab_status st;

	memset(&h, 0, sizeof(h));
	h.host = host;
	h.pid = -1;
	h.out_fd = h.err_fd = -1;
	h.out = (struct cnab_sbuf)CNAB_SBUF_INIT(CNAB_MAX_TOKEN);
	if (!helper_name_ok(name)) {
		st = cnab_err_set(
		        err, CNAB_ERR_INVALID,
		        "cannot parse '%s': invalid credential helper "
		        "name for '%s'",
		        path, host);
		goto out;
	}
	h.prog = cnab_strfmt(HELPER_PREFIX "%s", name);
	if (!h.prog) {
		st = cnab_auth_nomem(err);
		goto out;
	}
	st = helper_spawn(&h, url, err);
	if (st == CNAB_OK)
		st = helper_wait(&h, err);
	if (st != CNAB_OK)
		goto out;
	if (WIFSIGNALED(h.status)) {
		st = cnab_err_set(err, CNAB_ERR_AUTH,
		                  "credential helper '%s' for '%s' was killed "
		                  "by signal %d",
		                  h.prog, host, WTERMSIG(h.status));
		goto out;
	}
	if (WIFEXITED(h.status) && WEXITSTATUS(h.status) == 0) {
		st = helper_answer(&h, out, found, err);
		goto out;
	}
	if (mem_has(h.errbuf, h.errlen, "credentials not found") ||
	    mem_has(h.out.data ? h.out.data : "", h.out.len,
	            "credentials not found"))
		goto out; /* anonymous */
	first_line(line, HELPER_LINE_MAX, h.errbuf, h.errlen);
	if (!line[0] && h.out.data)
		first_line(line, HELPER_LINE_MAX, h.out.data, h.out.len);
	if (WIFEXITED(h.status) && WEXITSTATUS(h.status) == 127 && !line[0])
		/* what a child that could not exec says (posix_spawn may
		 * report it so, e.g. under valgrind) */
		st = cnab_err_set(err, CNAB_ERR_AUTH,
		                  "credential helper '%s' for '%s' cannot run: "
		                  "not found on PATH",
		                  h.prog, host);
	else if (line[0])
		st = cnab_err_set(err, CNAB_ERR_AUTH,
		                  "credential helper '%s' for '%s' failed: %s",
		                  h.prog, host, line);
	else
		st = cnab_err_set(err, CNAB_ERR_AUTH,
		                  "credential helper '%s' for '%s' failed "
		                  "with exit status %d",
		                  h.prog, host, WEXITSTATUS(h.status));
out:
	close_fd(&h.out_fd);
	close_fd(&h.err_fd);
	if (h.pid > 0) {
		kill(h.pid, SIGKILL);
		while (waitpid(h.pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	cnab_sbuf_release(&h.out);
	OPENSSL_cleanse(h.errbuf, sizeof(h.errbuf));
	free(h.prog);
	return st;
}
