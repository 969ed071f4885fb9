#include "tools/fe.h"

#include "common/fsutil.h"
#include "common/registry.h"
#include "tools/output.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <archive.h>
#include <curl/curl.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <yaml.h>
#include <zlib.h>

static const struct cnab_fe_tool *tool;
int cnab_fe_verbose;
bool cnab_fe_quiet;

void cnab_fe_init(const struct cnab_fe_tool *t)
{
	tool = t;
	cnab_outfile_remove_on_signals();
}

const char *cnab_fe_progname(void)
{
	return tool ? tool->name : "cnab";
}

static void progress_clear(void);

/*
 * Messages and the progress line may come from several threads (relocate's
 * copies): each is written, and the progress line's state changed, holding
 * stderr's lock (flockfile), so lines never mix.  A message may quote a
 * document, a registry's answer or an archive's entry names: every one is
 * printed made visible (cnab_out_vline), so none can drive the terminal.
 */
static void vmessage(const char *prefix, const char *fmt, va_list ap)
{
	flockfile(stderr);
	progress_clear();
	fflush(stdout);
	fprintf(stderr, "%s: %s", cnab_fe_progname(), prefix);
	cnab_out_vline(stderr, 0, fmt, ap);
	funlockfile(stderr);
}

void cnab_fe_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage("", fmt, ap);
	va_end(ap);
}

void cnab_fe_warn(const char *fmt, ...)
{
	va_list ap;

	if (cnab_fe_quiet)
		return;
	va_start(ap, fmt);
	vmessage("warning: ", fmt, ap);
	va_end(ap);
}

void cnab_fe_note(const char *fmt, ...)
{
	va_list ap;

	if (cnab_fe_quiet)
		return;
	va_start(ap, fmt);
	vmessage("", fmt, ap);
	va_end(ap);
}

void cnab_fe_info(int level, const char *fmt, ...)
{
	va_list ap;

	if (cnab_fe_verbose < level)
		return;
	va_start(ap, fmt);
	vmessage("", fmt, ap);
	va_end(ap);
}

int cnab_fe_fail(const struct cnab_err *err)
{
	if (err->status == CNAB_OK)
		return 0;
	cnab_fe_error("%s",
	              err->msg[0] ? err->msg : cnab_strerror(err->status));
	return cnab_status_exit(err->status);
}

int cnab_fe_usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage("", fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try '%s --help' for more information.\n",
	        cnab_fe_progname());
	return CNAB_EXIT_USAGE;
}

int cnab_fe_common_option(struct cnab_fe_common *o, int c, const char *arg,
                          int *exit_code)
{
	const char **list;
	struct stat sb;
	char *end;
	int bad;

	switch (c) {
	case 'h':
		cnab_fe_help();
		*exit_code = cnab_fe_flush_stdout();
		return 1;
	case CNAB_FE_OPT_VERSION:
		cnab_fe_version();
		*exit_code = cnab_fe_flush_stdout();
		return 1;
	case 'q':
		o->quiet = true;
		cnab_fe_quiet = true;
		return 1;
	case 'v':
		o->verbose++;
		cnab_fe_verbose = o->verbose;
		return 1;
	case CNAB_FE_OPT_AUTHFILE:
		o->authfile = arg;
		return 1;
	case CNAB_FE_OPT_CERTDIR:
		/* a typo would silently leave TLS without its CAs */
		bad = stat(arg, &sb) < 0     ? errno
		      : !S_ISDIR(sb.st_mode) ? ENOTDIR
		                             : 0;
		if (bad) {
			*exit_code = cnab_fe_usage_error(
			        "cannot use --cert-dir '%s': %s", arg,
			        strerror(bad));
			return -1;
		}
		o->certdir = arg;
		return 1;
	case CNAB_FE_OPT_TIMEOUT:
		errno = 0;
		o->timeout = strtol(arg, &end, 10);
		if (errno || *end || end == arg || o->timeout < 1 ||
		    o->timeout > CNAB_FE_TIMEOUT_MAX) {
			*exit_code = cnab_fe_usage_error(
			        "invalid --timeout '%s': use 1 to %d seconds",
			        arg, CNAB_FE_TIMEOUT_MAX);
			return -1;
		}
		return 1;
	case CNAB_FE_OPT_INSECURE:
		if (!*arg) {
			*exit_code = cnab_fe_usage_error(
			        "--insecure-registry needs a HOST[:PORT]");
			return -1;
		}
		list = realloc(o->insecure,
		               (o->ninsecure + 2) * sizeof(*o->insecure));
		if (!list) {
			cnab_fe_error("out of memory");
			*exit_code = CNAB_EXIT_FAIL;
			return -1;
		}
		o->insecure = list;
		o->insecure[o->ninsecure++] = arg;
		o->insecure[o->ninsecure] = NULL;
		return 1;
	}
	return 0;
}

void cnab_fe_common_release(struct cnab_fe_common *o)
{
	free(o->insecure);
	o->insecure = NULL;
	o->ninsecure = 0;
}

static const char common_help[] =
        "\n"
        "Common options:\n"
        "  -h, --help                  show this help and exit\n"
        "      --version               show versions and exit\n"
        "  -q, --quiet                 no progress, notes or warnings\n"
        "  -v, --verbose               a line per registry request\n"
        "      --insecure-registry HOST[:PORT]\n"
        "                              plain HTTP or unverified TLS for HOST\n"
        "      --authfile FILE         registry credentials (default: where\n"
        "                              podman, skopeo and docker log in)\n"
        "      --cert-dir DIR          CA and client certificates for TLS\n"
        "      --timeout SECONDS       give up connecting, or waiting for a\n"
        "                              byte, after SECONDS (default:\n"
        "                              $CNAB_STALL_TIMEOUT, else 30)\n"
        "\n"
        "Exit codes: 0 success, 1 failure, 2 usage error or invalid input,\n"
        "3 integrity failure, 4 not found.\n";

void cnab_fe_help(void)
{
	fputs(tool->usage, stdout);
	fputs(common_help, stdout);
}

void cnab_fe_version(void)
{
	curl_version_info_data *cv = curl_version_info(CURLVERSION_NOW);

	printf("%s (cnab-tools) %s\n", cnab_fe_progname(), CNAB_VERSION);
	printf("%s, zlib %s, %s, jansson %s, libyaml %s, libcurl %s\n",
	       archive_version_string(), zlibVersion(),
	       OpenSSL_version(OPENSSL_VERSION), jansson_version_str(),
	       yaml_get_version_string(), cv->version);
}

int cnab_fe_flush_stdout(void)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "%s: cannot write to standard output: %s\n",
		        cnab_fe_progname(), strerror(errno));
		return CNAB_EXIT_FAIL;
	}
	return 0;
}

static struct cnab_fe_progress *shown; /* the progress line on screen */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void cnab_fe_bytes(uint64_t n, char *buf, size_t size)
{
	static const char *const units[] = {"KiB", "MiB", "GiB", "TiB"};
	double v = (double)n;
	int u = -1;

	if (n < 1024) {
		snprintf(buf, size, "%llu B", (unsigned long long)n);
		return;
	}
	while (v >= 1024 && u < 3) {
		v /= 1024;
		u++;
	}
	snprintf(buf, size, "%.1f %s", v, units[u]);
}

static void progress_clear(void)
{
	if (shown) {
		fputs("\r\033[K", stderr);
		shown = NULL;
	}
}

void cnab_fe_progress_start(struct cnab_fe_progress *p, const char *label,
                            uint64_t total)
{
	memset(p, 0, sizeof(*p));
	p->on = !cnab_fe_quiet && isatty(STDERR_FILENO);
	p->label = label;
	p->total = total;
	p->start = p->last = now_s();
}

void cnab_fe_progress_format(char *buf, size_t size, const char *label,
                             uint64_t done, uint64_t total, double secs,
                             uint64_t blob, uint64_t nblobs)
{
	char d[32], t[32], r[32];
	size_t n;
	double bps =
	        secs >= CNAB_FE_PROGRESS_RATE_AFTER ? (double)done / secs : 0;

	cnab_fe_bytes(done, d, sizeof(d));
	cnab_fe_bytes(total, t, sizeof(t));
	/* a total of 0 is not known (an archive read from a pipe) */
	if (total)
		snprintf(buf, size, "%s: %s / %s (%d%%)", label, d, t,
		         (int)(100.0 * (double)(done < total ? done : total) /
		               (double)total));
	else
		snprintf(buf, size, "%s: %s", label, d);
	n = strlen(buf);
	if (bps >= 1 && n < size) {
		cnab_fe_bytes((uint64_t)bps, r, sizeof(r));
		snprintf(buf + n, size - n, ", %s/s", r);
		n = strlen(buf);
		if (total > done && n < size) {
			double left = (double)(total - done) / bps;
			unsigned long s =
			        left < 359999 ? (unsigned long)left : 359999;

			if (s >= 3600)
				snprintf(buf + n, size - n,
				         ", %lu:%02lu:%02lu left", s / 3600,
				         s / 60 % 60, s % 60);
			else
				snprintf(buf + n, size - n, ", %lu:%02lu left",
				         s / 60, s % 60);
			n = strlen(buf);
		}
	}
	if (blob && n < size) {
		if (nblobs)
			snprintf(buf + n, size - n, ", blob %llu of %llu",
			         (unsigned long long)blob,
			         (unsigned long long)nblobs);
		else
			snprintf(buf + n, size - n, ", blob %llu",
			         (unsigned long long)blob);
	}
}

/* Draws the line (stderr locked), at most every 0.1 s. */
static void progress_draw(struct cnab_fe_progress *p)
{
	char line[256];
	double t;

	if (!p->on)
		return;
	t = now_s();
	/* the first time at once, then every 0.1 s */
	if (p->last != p->start && t - p->last < 0.1)
		return;
	p->last = t;
	cnab_fe_progress_format(line, sizeof(line), p->label, p->done, p->total,
	                        p->first ? t - p->first : 0, p->blob,
	                        p->nblobs);
	fprintf(stderr, "\r\033[K%s%s%s", line, p->item[0] ? ", " : "",
	        p->item);
	fflush(stderr);
	shown = p;
}

void cnab_fe_progress_add(struct cnab_fe_progress *p, uint64_t n)
{
	flockfile(stderr);
	/* the rate counts from the first byte, not from the start */
	if (n && !p->first)
		p->first = now_s();
	p->done += n;
	progress_draw(p);
	funlockfile(stderr);
}

void cnab_fe_progress_back(struct cnab_fe_progress *p, uint64_t n)
{
	flockfile(stderr);
	p->done -= n < p->done ? n : p->done;
	funlockfile(stderr);
}

void cnab_fe_progress_blobs(struct cnab_fe_progress *p, uint64_t n)
{
	flockfile(stderr);
	p->nblobs = n;
	funlockfile(stderr);
}

void cnab_fe_progress_next(struct cnab_fe_progress *p)
{
	flockfile(stderr);
	p->blob++;
	progress_draw(p);
	funlockfile(stderr);
}

void cnab_fe_progress_item(struct cnab_fe_progress *p, const char *fmt, ...)
{
	va_list ap;

	flockfile(stderr);
	va_start(ap, fmt);
	vsnprintf(p->item, sizeof(p->item), fmt, ap);
	va_end(ap);
	funlockfile(stderr);
}

void cnab_fe_progress_set(struct cnab_fe_progress *p, uint64_t done)
{
	flockfile(stderr);
	if (done > p->done)
		cnab_fe_progress_add(p, done - p->done);
	funlockfile(stderr);
}

void cnab_fe_progress_end(struct cnab_fe_progress *p)
{
	flockfile(stderr);
	if (shown == p)
		progress_clear();
	funlockfile(stderr);
	p->on = false;
}

void cnab_fe_progress_cb(void *ctx, uint64_t n)
{
	cnab_fe_progress_add(ctx, n);
}

void cnab_fe_log_cb(void *ctx, const char *line)
{
	(void)ctx;
	if (cnab_fe_verbose < 1)
		return;
	flockfile(stderr);
	progress_clear();
	cnab_out_line(stderr, 0, "%s: %s", cnab_fe_progname(), line);
	funlockfile(stderr);
}

/* A note per retry, -v or not: a wait is never silent. */
static void retry_cb(void *ctx, const char *host, int attempt, int max,
                     const char *why)
{
	(void)ctx;
	cnab_fe_note("retrying %s (%d of %d): %s", host, attempt, max, why);
}

/* The hosts pinged so far: once each for the process, workers and all. */
static struct cnab_reg_pings *fe_pings;

static void free_pings(void)
{
	cnab_reg_pings_free(fe_pings);
	fe_pings = NULL;
}

void cnab_fe_registry_opts(const struct cnab_fe_common *o,
                           struct cnab_registry_opts *out)
{
	struct cnab_err ignored = CNAB_ERR_INIT;

	/* (without it, each handle pings for itself) */
	if (!fe_pings && cnab_reg_pings_new(&fe_pings, &ignored) == CNAB_OK)
		atexit(free_pings);
	memset(out, 0, sizeof(*out));
	out->pings = fe_pings;
	out->authfile = o->authfile;
	out->certdir = o->certdir;
	out->insecure = o->insecure;
	out->log = cnab_fe_log_cb;
	out->retry = retry_cb;
	out->timeout = o->timeout;
}

/* Edit distance of a and b (short option names), capped at 9. */
static int distance(const char *a, size_t na, const char *b)
{
	size_t nb = strlen(b), i, j;
	int row[64], diag, up;

	if (na >= 63 || nb >= 63)
		return 9;
	for (j = 0; j <= nb; j++)
		row[j] = (int)j;
	for (i = 1; i <= na; i++) {
		diag = row[0];
		row[0] = (int)i;
		for (j = 1; j <= nb; j++) {
			up = row[j];
			row[j] = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < row[j])
				row[j] = up + 1;
			if (row[j - 1] + 1 < row[j])
				row[j] = row[j - 1] + 1;
			diag = up;
		}
	}
	return row[nb] < 9 ? row[nb] : 9;
}

/*
 * The long option named by token ("--name" or "--name=value"), spelled out
 * in full; NULL when there is none (getopt_long would take a prefix).
 */
static const struct option *exact_long(const char *token,
                                       const struct option *longopts)
{
	const char *name = token + 2;
	size_t n = strcspn(name, "=");

	for (; longopts->name; longopts++)
		if (strlen(longopts->name) == n &&
		    !strncmp(longopts->name, name, n))
			return longopts;
	return NULL;
}

/*
 * "unknown option '--tok'", with the long options it may have meant: those
 * it begins, and those a typo or two away.
 */
static int unknown_long(const char *token, const struct option *longopts)
{
	const char *name = token + 2, *near[3];
	size_t n = strcspn(name, "="), len;
	char hint[160] = "";
	const struct option *lo;
	int found = 0, i;

	for (lo = longopts; lo->name && found < 3 && n; lo++)
		if (!strncmp(lo->name, name, n) ||
		    distance(name, n, lo->name) <= (n < 6 ? 1 : 2))
			near[found++] = lo->name;
	for (i = 0; i < found; i++) {
		len = strlen(hint);
		snprintf(hint + len, sizeof(hint) - len, "%s'--%s'",
		         !i               ? ": did you mean "
		         : i + 1 == found ? " or "
		                          : ", ",
		         near[i]);
	}
	return cnab_fe_usage_error("unknown option '--%.*s'%s%s",
	                           (int)(n < 64 ? n : 64), name, hint,
	                           found ? "?" : "");
}

int cnab_fe_getopt(int argc, char **argv, const char *shortopts,
                   const struct option *longopts, struct cnab_fe_common *o,
                   int *exit_code)
{
	char opts[64];
	const char *token;
	int c;

	/* our own messages, named by the tool, not by argv[0] */
	opterr = 0;
	snprintf(opts, sizeof(opts), ":%s%s", CNAB_FE_SHORT_OPTIONS, shortopts);
	while ((c = getopt_long(argc, argv, opts, longopts, NULL)) != -1) {
		/*
		 * The option's own word: the one before its value when that
		 * was a word of its own.  Long options must be spelled out:
		 * getopt_long takes any unambiguous prefix, and a prefix of
		 * an option that takes a value swallows the next word.
		 */
		bool apart =
		        optarg && optind >= 2 && optarg == argv[optind - 1];

		token = argv[optind - (apart ? 2 : 1)];
		if (token[0] == '-' && token[1] == '-' && token[2] &&
		    !exact_long(token, longopts)) {
			*exit_code = unknown_long(token, longopts);
			return CNAB_FE_STOP;
		}
		if (c == ':') {
			*exit_code = cnab_fe_usage_error(
			        "option '%s' needs an argument",
			        argv[optind - 1]);
			return CNAB_FE_STOP;
		}
		if (c == '?') {
			if (token[1] == '-' && strchr(token, '='))
				*exit_code = cnab_fe_usage_error(
				        "option '--%.*s' takes no value",
				        (int)strcspn(token + 2, "="),
				        token + 2);
			else if (optopt && token[1] != '-')
				*exit_code = cnab_fe_usage_error(
				        "unknown option '-%c'", optopt);
			else
				*exit_code = cnab_fe_usage_error(
				        "unknown option '%s'",
				        argv[optind - 1]);
			return CNAB_FE_STOP;
		}
		/* a value is never an option: "-" alone is stdin or stdout */
		if (optarg && optarg[0] == '-' && optarg[1]) {
			if (token[1] == '-')
				*exit_code = cnab_fe_usage_error(
				        "option '--%.*s' needs a value, not "
				        "'%s'",
				        (int)strcspn(token + 2, "="), token + 2,
				        optarg);
			else
				*exit_code = cnab_fe_usage_error(
				        "option '-%c' needs a value, not '%s'",
				        c, optarg);
			return CNAB_FE_STOP;
		}
		switch (cnab_fe_common_option(o, c, optarg, exit_code)) {
		case 1:
			if (c == 'h' || c == CNAB_FE_OPT_VERSION)
				return CNAB_FE_STOP;
			continue;
		case -1:
			return CNAB_FE_STOP;
		}
		return c;
	}
	return -1;
}

int cnab_fe_output_option(const char *arg, unsigned allowed, int *out)
{
	static const char *const names[] = {"table", "json", "yaml", "plain"};
	char list[64] = "";
	int f = cnab_out_parse(arg, allowed), i, n = 0;

	if (f >= 0) {
		*out = f;
		return 0;
	}
	for (i = 0; i < CNAB_OUT_NFORMATS; i++) {
		/* the tool's default first: plain, or table */
		int k = (i + CNAB_OUT_NFORMATS - 1) % CNAB_OUT_NFORMATS;
		const char *name = names[k];

		if (!(allowed & 1u << k))
			continue;
		snprintf(list + strlen(list), sizeof(list) - strlen(list),
		         "%s%s",
		         n ? (n + 1 == __builtin_popcount(allowed) ? " or "
		                                                   : ", ")
		           : "",
		         name);
		n++;
	}
	return cnab_fe_usage_error("invalid output format '%s': use %s", arg,
	                           list);
}

int cnab_fe_jobs_option(const char *arg, int *out)
{
	char *end;
	long jobs;

	errno = 0;
	jobs = strtol(arg, &end, 10);
	if (*end || end == arg || errno || jobs < 1 || jobs > CNAB_FE_MAX_JOBS)
		return cnab_fe_usage_error("invalid --jobs '%s': use 1 to %d",
		                           arg, CNAB_FE_MAX_JOBS);
	*out = (int)jobs;
	return 0;
}

int cnab_fe_size_option(const char *name, const char *arg, uint64_t *out)
{
	static const char suffixes[] = "kKMG";
	const char *p = arg, *s;
	uint64_t n = 0, unit = 1;
	bool binary;
	int power;

	if (*p < '0' || *p > '9')
		goto bad;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (n > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			goto big;
		n = n * 10 + (uint64_t)(*p - '0');
	}
	if (*p) {
		s = strchr(suffixes, *p);
		if (!s)
			goto bad;
		power = s - suffixes < 2 ? 1 : (int)(s - suffixes);
		binary = p[1] == 'i';
		if (p[1 + binary])
			goto bad;
		while (power--)
			unit *= binary ? 1024 : 1000;
	}
	if (n > UINT64_MAX / unit)
		goto big;
	*out = n * unit;
	return 0;
bad:
	return cnab_fe_usage_error("invalid %s '%s': give bytes, with k, M, "
	                           "G (powers of 1000) or Ki, Mi, Gi (of "
	                           "1024)",
	                           name, arg);
big:
	return cnab_fe_usage_error("%s '%s' is too large", name, arg);
}

int cnab_fe_archive_input(const char *path)
{
	if (!strcmp(path, "-") && isatty(STDIN_FILENO))
		return cnab_fe_usage_error(
		        "refusing to read an archive from a terminal");
	return 0;
}
