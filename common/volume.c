#include "common/volume.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"

#define SUFFIX     ".000"
#define SUFFIX_LEN 4

/* NAME.NNN, the volume i of the set NAME; NULL when out of memory. */
static char *volume_name(const char *name, size_t i)
{
	return cnab_strfmt("%s.%03zu", name, i);
}

/*
 * Finds the volumes of the set NAME in its directory: present[i] for each
 * NAME.NNN there, *n one past the highest (0 for none).
 */
static enum cnab_status scan(const char *name, bool *present, size_t *n,
                             struct cnab_err *err)
{
	const char *slash = strrchr(name, '/'), *base;
	char *dir;
	struct dirent *e;
	size_t blen;
	DIR *d;

	*n = 0;
	if (!slash)
		dir = strdup(".");
	else if (slash == name)
		dir = strdup("/");
	else
		dir = strndup(name, (size_t)(slash - name));
	if (!dir)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	base = slash ? slash + 1 : name;
	blen = strlen(base);
	d = opendir(dir);
	if (!d) {
		enum cnab_status st =
		        cnab_err_set(err, CNAB_ERR_IO, "cannot read '%s': %s",
		                     dir, strerror(errno));

		free(dir);
		return st;
	}
	free(dir);
	while ((e = readdir(d))) {
		const char *s = e->d_name + blen;
		size_t i;

		if (strncmp(e->d_name, base, blen) || s[0] != '.' ||
		    strlen(s) != SUFFIX_LEN)
			continue;
		if (s[1] < '0' || s[1] > '9' || s[2] < '0' || s[2] > '9' ||
		    s[3] < '0' || s[3] > '9')
			continue;
		i = (size_t)((s[1] - '0') * 100 + (s[2] - '0') * 10 +
		             (s[3] - '0'));
		present[i] = true;
		if (i + 1 > *n)
			*n = i + 1;
	}
	closedir(d);
	return CNAB_OK;
}

enum cnab_status cnab_volumes_create(struct cnab_volumes_out *v,
                                     const char *name, uint64_t size,
                                     struct cnab_err *err)
{
	struct cnab_writer w;

	memset(v, 0, sizeof(*v));
	if (size < CNAB_VOLUME_MIN)
		return cnab_err_set(err, CNAB_ERR_USAGE,
		                    "volume size %llu is too small: %d bytes "
		                    "at least",
		                    (unsigned long long)size, CNAB_VOLUME_MIN);
	v->name = strdup(name);
	v->files = calloc(CNAB_VOLUMES_MAX, sizeof(*v->files));
	if (!v->name || !v->files)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	v->size = size;
	/* the first volume now, so that a bad path fails before anything */
	w = cnab_volumes_writer(v);
	return w.write(w.ctx, NULL, 0, err);
}

/* Opens the next volume. */
static enum cnab_status next_volume(struct cnab_volumes_out *v,
                                    struct cnab_err *err)
{
	struct cnab_outfile *f = &v->files[v->n];
	enum cnab_status st;
	char *path;

	if (v->n == CNAB_VOLUMES_MAX)
		return cnab_err_set(err, CNAB_ERR_USAGE,
		                    "cannot write '%s': more than %d volumes "
		                    "of %llu bytes",
		                    v->name, CNAB_VOLUMES_MAX,
		                    (unsigned long long)v->size);
	path = volume_name(v->name, v->n);
	if (!path)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	*f = (struct cnab_outfile)CNAB_OUTFILE_INIT;
	st = cnab_outfile_open(f, path, err);
	free(path);
	if (st != CNAB_OK)
		return st;
	v->n++;
	v->used = 0;
	return CNAB_OK;
}

static enum cnab_status out_write(void *ctx, const void *p, size_t n,
                                  struct cnab_err *err)
{
	struct cnab_volumes_out *v = ctx;
	const char *c = p;
	enum cnab_status st;

	/* the first volume opens before the first byte (n == 0 too) */
	if (!v->n && (st = next_volume(v, err)) != CNAB_OK)
		return st;
	while (n) {
		struct cnab_outfile *f;
		size_t take;

		if (v->used == v->size && (st = next_volume(v, err)) != CNAB_OK)
			return st;
		f = &v->files[v->n - 1];
		take = v->size - v->used < n ? (size_t)(v->size - v->used) : n;
		st = cnab_write_all(f->fd, c, take, f->path, err);
		if (st != CNAB_OK)
			return st;
		v->used += take;
		c += take;
		n -= take;
	}
	return CNAB_OK;
}

struct cnab_writer cnab_volumes_writer(struct cnab_volumes_out *v)
{
	struct cnab_writer w = {out_write, v};

	return w;
}

/* Removes the volumes from..n-1 of the set NAME (best effort). */
static void unlink_volumes(const char *name, size_t from, size_t n)
{
	size_t i;

	for (i = from; i < n; i++) {
		char *path = volume_name(name, i);

		if (path)
			unlink(path);
		free(path);
	}
}

enum cnab_status cnab_volumes_commit(struct cnab_volumes_out *v,
                                     struct cnab_err *err)
{
	bool *present = NULL;
	enum cnab_status st = CNAB_OK;
	size_t i, n;

	for (i = 0; i < v->n; i++) {
		st = cnab_outfile_commit(&v->files[i], err);
		if (st != CNAB_OK) {
			unlink_volumes(v->name, 0, i);
			goto out;
		}
	}
	/* an older, longer set: its volumes beyond this one's go */
	present = calloc(CNAB_VOLUMES_MAX, sizeof(*present));
	if (!present) {
		st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
		goto out;
	}
	st = scan(v->name, present, &n, err);
	for (i = v->n; st == CNAB_OK && i < n; i++) {
		char *path;

		if (!present[i])
			continue;
		path = volume_name(v->name, i);
		if (!path)
			st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
		else if (unlink(path) < 0 && errno != ENOENT)
			st = cnab_err_set(
			        err, CNAB_ERR_IO,
			        "cannot remove the older volume '%s': "
			        "%s",
			        path, strerror(errno));
		free(path);
	}
out:
	free(present);
	cnab_volumes_abort(v);
	return st;
}

void cnab_volumes_abort(struct cnab_volumes_out *v)
{
	size_t i;

	for (i = 0; v->files && i < v->n; i++)
		cnab_outfile_abort(&v->files[i]);
	free(v->files);
	free(v->name);
	memset(v, 0, sizeof(*v));
}

bool cnab_volumes_is_first(const char *path)
{
	size_t len = strlen(path);

	return len > SUFFIX_LEN && !strcmp(path + len - SUFFIX_LEN, SUFFIX) &&
	       path[len - SUFFIX_LEN - 1] != '/';
}

/* The size of a volume that must be a regular file. */
static enum cnab_status volume_size(const char *path, uint64_t *size,
                                    struct cnab_err *err)
{
	struct stat sb;

	if (stat(path, &sb) < 0)
		return cnab_err_set(err, CNAB_ERR_IO, "cannot read '%s': %s",
		                    path, strerror(errno));
	if (!S_ISREG(sb.st_mode))
		return cnab_err_set(err, CNAB_ERR_IO,
		                    "cannot read '%s': not a regular file",
		                    path);
	*size = (uint64_t)sb.st_size;
	return CNAB_OK;
}

/* Checks the set: no volume missing, none short before the last. */
static enum cnab_status check_set(struct cnab_volumes_in *v,
                                  const bool *present, const char *first,
                                  struct cnab_err *err)
{
	uint64_t *sizes = calloc(v->n, sizeof(*sizes)), most = 0;
	enum cnab_status st = CNAB_OK;
	char *path = NULL;
	size_t i;

	if (!sizes)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	for (i = 0; i < v->n && st == CNAB_OK; i++) {
		free(path);
		path = volume_name(v->name, i);
		if (!path)
			st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
		else if (i && !present[i])
			st = cnab_err_set(err, CNAB_ERR_CORRUPT,
			                  "missing volume '%s': the set '%s' "
			                  "goes on to volume %zu",
			                  path, first, v->n - 1);
		else
			st = volume_size(path, &sizes[i], err);
		if (st == CNAB_OK && sizes[i] > most)
			most = sizes[i];
		if (st == CNAB_OK)
			v->total += sizes[i];
	}
	/* every volume but the last has the set's volume size */
	for (i = 0; i + 1 < v->n && st == CNAB_OK; i++) {
		if (sizes[i] == most)
			continue;
		free(path);
		path = volume_name(v->name, i);
		if (!path)
			st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
		else
			st = cnab_err_set(
			        err, CNAB_ERR_CORRUPT,
			        "truncated volume '%s': %llu bytes, "
			        "where the volumes of '%s' before the "
			        "last have %llu",
			        path, (unsigned long long)sizes[i], first,
			        (unsigned long long)most);
	}
	free(path);
	free(sizes);
	return st;
}

enum cnab_status cnab_volumes_open(struct cnab_volumes_in *v, const char *first,
                                   struct cnab_err *err)
{
	bool *present = NULL;
	enum cnab_status st;

	*v = (struct cnab_volumes_in)CNAB_VOLUMES_IN_INIT;
	if (!cnab_volumes_is_first(first))
		return cnab_err_set(err, CNAB_ERR_USAGE,
		                    "'%s' is not the first volume of a set "
		                    "(NAME.000)",
		                    first);
	v->name = strndup(first, strlen(first) - SUFFIX_LEN);
	present = calloc(CNAB_VOLUMES_MAX, sizeof(*present));
	if (!v->name || !present) {
		st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
		goto out;
	}
	st = cnab_file_open(first, &v->fd, err);
	if (st == CNAB_OK)
		st = scan(v->name, present, &v->n, err);
	if (st != CNAB_OK)
		goto out;
	if (!v->n)
		v->n = 1;
	st = check_set(v, present, first, err);
out:
	free(present);
	if (st != CNAB_OK)
		cnab_volumes_release(v);
	return st;
}

static enum cnab_status in_read(void *ctx, void *buf, size_t n, size_t *got,
                                struct cnab_err *err)
{
	struct cnab_volumes_in *v = ctx;
	enum cnab_status st;
	char *path;
	ssize_t r;

	*got = 0;
	while (v->fd >= 0) {
		r = read(v->fd, buf, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r > 0) {
			*got = (size_t)r;
			return CNAB_OK;
		}
		path = volume_name(v->name, v->cur);
		if (!path)
			return cnab_err_set(err, CNAB_ERR_NOMEM,
			                    "out of memory");
		if (r < 0) {
			st = cnab_err_set(err, CNAB_ERR_IO,
			                  "cannot read '%s': %s", path,
			                  strerror(errno));
			free(path);
			return st;
		}
		free(path);
		/* the end of a volume: the next one, or the end */
		close(v->fd);
		v->fd = -1;
		if (v->cur + 1 == v->n) {
			v->ended = true;
			break;
		}
		v->cur++;
		path = volume_name(v->name, v->cur);
		if (!path)
			return cnab_err_set(err, CNAB_ERR_NOMEM,
			                    "out of memory");
		st = cnab_file_open(path, &v->fd, err);
		if (st == CNAB_ERR_NOTFOUND)
			st = cnab_err_set(err, CNAB_ERR_CORRUPT,
			                  "missing volume '%s'", path);
		free(path);
		if (st != CNAB_OK)
			return st;
	}
	return CNAB_OK;
}

struct cnab_reader cnab_volumes_reader(struct cnab_volumes_in *v)
{
	struct cnab_reader r = {in_read, v};

	return r;
}

void cnab_volumes_explain(const struct cnab_volumes_in *v, bool damaged,
                          struct cnab_err *err)
{
	char *last;
	size_t len;

	if (err->status != CNAB_ERR_CORRUPT || !damaged || !v->n ||
	    v->cur + 1 < v->n)
		return;
	last = volume_name(v->name, v->n - 1);
	if (!last)
		return;
	len = strlen(err->msg);
	snprintf(err->msg + len, sizeof(err->msg) - len,
	         v->ended ? " (read to the end of its last volume '%s')"
	                  : " (while reading its last volume '%s')",
	         last);
	free(last);
}

void cnab_volumes_release(struct cnab_volumes_in *v)
{
	if (v->fd >= 0)
		close(v->fd);
	free(v->name);
	*v = (struct cnab_volumes_in)CNAB_VOLUMES_IN_INIT;
}
