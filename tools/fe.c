#include "tools/fe.h"

#include "common/fsutil.h"
#include "common/registry.h"
#include "tools/output.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
		o->certdir = arg;
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
        "      --authfile FILE         registry credentials (default:\n"
        "                              $REGISTRY_AUTH_FILE, "
        "$DOCKER_CONFIG/config.json,\n"
        "                              ~/.docker/config.json)\n"
        "      --cert-dir DIR          CA and client certificates for TLS\n"
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

void cnab_fe_progress_add(struct cnab_fe_progress *p, uint64_t n)
{
	char done[32], total[32], rate[32], eta[32] = "";
	double t, secs, bps;

	p->done += n;
	if (!p->on)
		return;
	t = now_s();
	if (t - p->last < 0.1 && p->done < p->total)
		return;
	p->last = t;
	secs = t - p->start;
	bps = secs > 0 ? (double)p->done / secs : 0;
	cnab_fe_bytes(p->done, done, sizeof(done));
	cnab_fe_bytes(p->total, total, sizeof(total));
	cnab_fe_bytes((uint64_t)bps, rate, sizeof(rate));
	if (bps > 0 && p->total > p->done) {
		long left = (long)((double)(p->total - p->done) / bps);

		snprintf(eta, sizeof(eta), ", %ld:%02ld left", left / 60,
		         left % 60);
	}
	flockfile(stderr);
	fprintf(stderr, "\r\033[K%s: %s / %s (%d%%), %s/s%s%s%s", p->label,
	        done, total,
	        p->total ? (int)(100.0 * (double)p->done / (double)p->total)
	                 : 100,
	        rate, eta, p->item[0] ? ", " : "", p->item);
	fflush(stderr);
	shown = p;
	funlockfile(stderr);
}

void cnab_fe_progress_item(struct cnab_fe_progress *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->item, sizeof(p->item), fmt, ap);
	va_end(ap);
}

void cnab_fe_progress_set(struct cnab_fe_progress *p, uint64_t done)
{
	if (done > p->done)
		cnab_fe_progress_add(p, done - p->done);
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

void cnab_fe_registry_opts(const struct cnab_fe_common *o,
                           struct cnab_registry_opts *out)
{
	memset(out, 0, sizeof(*out));
	out->authfile = o->authfile;
	out->certdir = o->certdir;
	out->insecure = o->insecure;
	out->log = cnab_fe_log_cb;
}

int cnab_fe_getopt(int argc, char **argv, const char *shortopts,
                   const struct option *longopts, struct cnab_fe_common *o,
                   int *exit_code)
{
	char opts[64];
	int c;

	/* our own messages, named by the tool, not by argv[0] */
	opterr = 0;
	snprintf(opts, sizeof(opts), ":%s%s", CNAB_FE_SHORT_OPTIONS, shortopts);
	while ((c = getopt_long(argc, argv, opts, longopts, NULL)) != -1) {
		if (c == ':') {
			*exit_code = cnab_fe_usage_error(
			        "option '%s' needs an argument",
			        argv[optind - 1]);
			return CNAB_FE_STOP;
		}
		if (c == '?') {
			if (optopt)
				*exit_code = cnab_fe_usage_error(
				        "unknown option '-%c'", optopt);
			else
				*exit_code = cnab_fe_usage_error(
				        "unknown option '%s'",
				        argv[optind - 1]);
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
	static const char *const names[] = {"table", "json", "yaml"};
	char list[64] = "";
	int f = cnab_out_parse(arg, allowed), i, n = 0;

	if (f >= 0) {
		*out = f;
		return 0;
	}
	for (i = 0; i < 3; i++) {
		const char *name =
		        i == CNAB_OUT_TABLE && !(allowed & 1u << CNAB_OUT_YAML)
		                ? "plain"
		                : names[i];

		if (!(allowed & 1u << i))
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
