#include "tools/fe.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
}

const char *cnab_fe_progname(void)
{
	return tool ? tool->name : "cnab";
}

static void vmessage(const char *prefix, const char *fmt, va_list ap)
{
	fflush(stdout);
	fprintf(stderr, "%s: %s", cnab_fe_progname(), prefix);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
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
	case '?':
	case ':':
		/* getopt printed the problem */
		fprintf(stderr, "Try '%s --help' for more information.\n",
		        cnab_fe_progname());
		*exit_code = CNAB_EXIT_USAGE;
		return -1;
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
        "  -q, --quiet                 print only errors\n"
        "  -v, --verbose               say more (repeat for more)\n"
        "      --insecure-registry HOST[:PORT]\n"
        "                              plain HTTP or unverified TLS for HOST\n"
        "      --authfile FILE         registry credentials (default:\n"
        "                              $REGISTRY_AUTH_FILE, "
        "$DOCKER_CONFIG/config.json,\n"
        "                              ~/.docker/config.json)\n"
        "      --cert-dir DIR          CA and client certificates for TLS\n"
        "\n"
        "Exit codes: 0 success, 1 failure, 2 usage error, 3 integrity "
        "failure,\n"
        "4 not found.\n";

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

int cnab_fe_not_implemented(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			cnab_fe_help();
			return cnab_fe_flush_stdout();
		}
		if (!strcmp(argv[i], "--version")) {
			cnab_fe_version();
			return cnab_fe_flush_stdout();
		}
	}
	cnab_fe_error("not implemented yet");
	return CNAB_EXIT_FAIL;
}
