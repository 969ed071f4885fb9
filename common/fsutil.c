#define _GNU_SOURCE /* mkostemp */
#include "common/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/stream.h"

enum cnab_status cnab_file_open(const char *path, int *fd, struct cnab_err *err)
{
	struct stat sb;

	if (!strcmp(path, "-")) {
		*fd = STDIN_FILENO;
		return CNAB_OK;
	}
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return cnab_err_set(
		        err, errno == ENOENT ? CNAB_ERR_NOTFOUND : CNAB_ERR_IO,
		        "cannot open '%s': %s", path, strerror(errno));
	if (!fstat(*fd, &sb) && S_ISDIR(sb.st_mode)) {
		close(*fd);
		*fd = -1;
		return cnab_err_set(err, CNAB_ERR_IO, "cannot open '%s': %s",
		                    path, strerror(EISDIR));
	}
	return CNAB_OK;
}

enum cnab_status cnab_file_read(const char *path, size_t max, char **out,
                                size_t *len, struct cnab_err *err)
{
	struct cnab_reader r;
	struct cnab_err rerr = CNAB_ERR_INIT;
	const char *subject = strcmp(path, "-") ? path : "<stdin>";
	enum cnab_status st;
	int fd;

	st = cnab_file_open(path, &fd, err);
	if (st != CNAB_OK)
		return st;
	r = cnab_fd_reader(&fd);
	st = cnab_reader_slurp(&r, max, subject, out, len, &rerr);
	if (st == CNAB_ERR_TOOBIG)
		cnab_err_set(err, st, "%s", rerr.msg);
	else if (st != CNAB_OK)
		cnab_err_set(err, st, "cannot read '%s': %s", subject,
		             rerr.msg);
	if (fd != STDIN_FILENO)
		close(fd);
	return st;
}

void cnab_fd_drain(int fd)
{
	char buf[65536];
	struct stat sb;
	ssize_t n;

	if (fstat(fd, &sb) || !(S_ISFIFO(sb.st_mode) || S_ISSOCK(sb.st_mode)))
		return;
	do
		n = read(fd, buf, sizeof(buf));
	while (n > 0 || (n < 0 && errno == EINTR));
}

enum cnab_status cnab_write_all(int fd, const void *p, size_t n,
                                const char *subject, struct cnab_err *err)
{
	const char *c = p;
	ssize_t w;

	while (n) {
		w = write(fd, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return cnab_err_set(err, CNAB_ERR_IO,
			                    "cannot write '%s': %s", subject,
			                    w < 0 ? strerror(errno)
			                          : "short write");
		c += w;
		n -= (size_t)w;
	}
	return CNAB_OK;
}

/*
 * The named temporary files of the outputs being written (several at once
 * for split volumes), removed by on_fatal_signal when SIGINT, SIGTERM or
 * SIGHUP ends the process.  A slot is set or cleared with one store.
 */
#define LIVE_MAX 1024
static char *volatile live_tmp[LIVE_MAX];

static bool live_add(char *tmp)
{
	size_t i;

	for (i = 0; i < LIVE_MAX; i++)
		if (!live_tmp[i]) {
			live_tmp[i] = tmp;
			return true;
		}
	return false;
}

static void live_remove(const char *tmp)
{
	size_t i;

	for (i = 0; tmp && i < LIVE_MAX; i++)
		if (live_tmp[i] == tmp)
			live_tmp[i] = NULL;
}

static void on_fatal_signal(int sig)
{
	size_t i;

	for (i = 0; i < LIVE_MAX; i++) {
		char *tmp = live_tmp[i];

		if (tmp)
			unlink(tmp);
	}
	raise(sig); /* delivered on return, to the default action */
}

void cnab_outfile_remove_on_signals(void)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fatal_signal;
	sa.sa_flags = SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		struct sigaction old;

		/* one ignored on entry (nohup, a background job) stays so */
		if (!sigaction(sigs[i], NULL, &old) &&
		    old.sa_handler != SIG_IGN)
			sigaction(sigs[i], &sa, NULL);
	}
}

/* The name the kernel gives an open file: /proc/self/fd/N. */
static void fd_name(int fd, char *buf, size_t size)
{
	snprintf(buf, size, "/proc/self/fd/%d", fd);
}

/*
 * An unnamed file in path's directory (O_TMPFILE), for linkat to name once
 * complete; -1 where the kernel, the file system or /proc lacks what that
 * takes.
 */
static int open_unnamed(const char *path)
{
#ifdef O_TMPFILE
	const char *slash = strrchr(path, '/');
	char *dir, name[64];
	int fd;

	if (!slash)
		dir = strdup(".");
	else if (slash == path)
		dir = strdup("/");
	else
		dir = strndup(path, (size_t)(slash - path));
	if (!dir)
		return -1;
	/* the mode less the umask, as for any new file */
	fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
	free(dir);
	if (fd < 0)
		return -1;
	fd_name(fd, name, sizeof(name));
	if (access(name, F_OK) < 0) {
		close(fd);
		return -1;
	}
	return fd;
#else
	(void)path;
	return -1;
#endif
}

int cnab_scratch_file(const char *dir)
{
	char *name;
	int fd;

#ifdef O_TMPFILE
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
#endif
	name = cnab_strfmt("%s/cnab-scratch-XXXXXX", dir);
	if (!name)
		return -1;
	fd = mkostemp(name, O_CLOEXEC);
	if (fd >= 0)
		unlink(name);
	free(name);
	return fd;
}

enum cnab_status cnab_outfile_open(struct cnab_outfile *f, const char *path,
                                   struct cnab_err *err)
{
	struct cnab_buf tmp = CNAB_BUF_INIT(8192);
	enum cnab_status st;
	mode_t mask;

	f->fd = -1;
	f->tmp = NULL;
	f->is_stdout = !strcmp(path, "-");
	f->path = strdup(path);
	if (!f->path)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	if (f->is_stdout) {
		f->fd = STDOUT_FILENO;
		return CNAB_OK;
	}
	f->fd = open_unnamed(path);
	if (f->fd >= 0)
		return CNAB_OK;
	if (cnab_buf_addf(&tmp, "%s.tmp-XXXXXX", path) != CNAB_OK) {
		st = cnab_err_set(err, CNAB_ERR_USAGE,
		                  "output path too long '%.200s'", path);
		goto fail;
	}
	f->tmp = cnab_buf_detach(&tmp, NULL);
	if (!f->tmp) {
		st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
		goto fail;
	}
	/* close-on-exec at once: no credential helper gets it */
	f->fd = mkostemp(f->tmp, O_CLOEXEC);
	if (f->fd < 0) {
		st = cnab_err_set(err, CNAB_ERR_IO, "cannot create '%s': %s",
		                  path, strerror(errno));
		goto fail;
	}
	mask = umask(0);
	umask(mask);
	fchmod(f->fd, 0666 & ~mask);
	if (!live_add(f->tmp)) {
		unlink(f->tmp);
		close(f->fd);
		f->fd = -1;
		st = cnab_err_set(err, CNAB_ERR_FAIL,
		                  "cannot create '%s': more than %d files "
		                  "being written",
		                  path, LIVE_MAX);
		goto fail;
	}
	return CNAB_OK;
fail:
	cnab_buf_release(&tmp);
	free(f->tmp);
	f->tmp = NULL;
	free(f->path);
	f->path = NULL;
	return st;
}

/*
 * Names the unnamed file f->fd at f->path: linked there when nothing is,
 * else linked under a temporary name (f->tmp) that the caller renames over
 * what is there, as rename replaces a file and linkat does not.
 */
static enum cnab_status link_unnamed(struct cnab_outfile *f,
                                     struct cnab_err *err)
{
	char name[64];
	unsigned i;
	int e;

	fd_name(f->fd, name, sizeof(name));
	if (!linkat(AT_FDCWD, name, AT_FDCWD, f->path, AT_SYMLINK_FOLLOW))
		return CNAB_OK;
	if (errno != EEXIST)
		goto fail;
	for (i = 0; i < 100; i++) {
		struct cnab_buf tmp = CNAB_BUF_INIT(8192);

		if (cnab_buf_addf(&tmp, "%s.tmp-%ld-%u", f->path,
		                  (long)getpid(), i) != CNAB_OK) {
			cnab_buf_release(&tmp);
			return cnab_err_set(err, CNAB_ERR_NOMEM,
			                    "out of memory");
		}
		f->tmp = cnab_buf_detach(&tmp, NULL);
		if (!f->tmp)
			return cnab_err_set(err, CNAB_ERR_NOMEM,
			                    "out of memory");
		if (!live_add(f->tmp)) {
			free(f->tmp);
			f->tmp = NULL;
			return cnab_err_set(err, CNAB_ERR_FAIL,
			                    "cannot create '%s': more than %d "
			                    "files being written",
			                    f->path, LIVE_MAX);
		}
		if (!linkat(AT_FDCWD, name, AT_FDCWD, f->tmp,
		            AT_SYMLINK_FOLLOW))
			return CNAB_OK;
		e = errno;
		live_remove(f->tmp);
		free(f->tmp);
		f->tmp = NULL;
		errno = e;
		if (e != EEXIST)
			break;
	}
fail:
	return cnab_err_set(err, CNAB_ERR_IO, "cannot create '%s': %s", f->path,
	                    strerror(errno));
}

enum cnab_status cnab_outfile_commit(struct cnab_outfile *f,
                                     struct cnab_err *err)
{
	enum cnab_status st = CNAB_OK;

	if (f->is_stdout || f->fd < 0)
		goto out;
	if (fsync(f->fd) < 0 && errno != EINVAL) {
		st = cnab_err_set(err, CNAB_ERR_IO, "cannot write '%s': %s",
		                  f->path, strerror(errno));
		goto out;
	}
	if (!f->tmp) {
		st = link_unnamed(f, err);
		if (st != CNAB_OK)
			goto out;
	}
	if (close(f->fd) < 0) {
		f->fd = -1;
		st = cnab_err_set(err, CNAB_ERR_IO, "cannot write '%s': %s",
		                  f->path, strerror(errno));
		goto out;
	}
	f->fd = -1;
	if (!f->tmp)
		goto out;
	if (rename(f->tmp, f->path) < 0) {
		st = cnab_err_set(err, CNAB_ERR_IO, "cannot rename to '%s': %s",
		                  f->path, strerror(errno));
		goto out;
	}
	live_remove(f->tmp);
	free(f->tmp);
	f->tmp = NULL;
out:
	if (st != CNAB_OK)
		cnab_outfile_abort(f);
	free(f->path);
	f->path = NULL;
	return st;
}

void cnab_outfile_abort(struct cnab_outfile *f)
{
	if (!f->is_stdout && f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	if (f->tmp) {
		unlink(f->tmp);
		live_remove(f->tmp);
		free(f->tmp);
		f->tmp = NULL;
	}
	free(f->path);
	f->path = NULL;
}

enum cnab_status cnab_file_write(const char *path, const void *data, size_t len,
                                 struct cnab_err *err)
{
	struct cnab_outfile f = CNAB_OUTFILE_INIT;
	enum cnab_status st;

	st = cnab_outfile_open(&f, path, err);
	if (st != CNAB_OK)
		return st;
	st = cnab_write_all(f.fd, data, len, path, err);
	if (st != CNAB_OK) {
		cnab_outfile_abort(&f);
		return st;
	}
	return cnab_outfile_commit(&f, err);
}
