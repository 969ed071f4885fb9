/*
 * The tools' front end: program name, messages, the options every tool
 * takes, usage and version.  Only the tools print or exit; the library
 * never does.
 */
#ifndef CNAB_TOOLS_FE_H
#define CNAB_TOOLS_FE_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/status.h"

/* Long-option codes of the common options (above any short option). */
enum {
	CNAB_FE_OPT_VERSION = 0x1000,
	CNAB_FE_OPT_INSECURE,
	CNAB_FE_OPT_AUTHFILE,
	CNAB_FE_OPT_CERTDIR,
	CNAB_FE_OPT_TIMEOUT,
	CNAB_FE_OPT_FIRST_TOOL = 0x1100, /* tools number theirs from here */
};

/* The common options, to splice into a tool's struct option table. */
#define CNAB_FE_LONG_OPTIONS                                                   \
	{"help", no_argument, NULL, 'h'},                                      \
	        {"version", no_argument, NULL, CNAB_FE_OPT_VERSION},           \
	        {"quiet", no_argument, NULL, 'q'},                             \
	        {"verbose", no_argument, NULL, 'v'},                           \
	        {"insecure-registry", required_argument, NULL,                 \
	         CNAB_FE_OPT_INSECURE},                                        \
	        {"authfile", required_argument, NULL, CNAB_FE_OPT_AUTHFILE},   \
	        {"timeout", required_argument, NULL, CNAB_FE_OPT_TIMEOUT},     \
	{                                                                      \
		"cert-dir", required_argument, NULL, CNAB_FE_OPT_CERTDIR       \
	}
/* Their short letters, for a tool's optstring. */
#define CNAB_FE_SHORT_OPTIONS "hqv"

/* Registry options every tool takes (DESIGN 4). */
struct cnab_fe_common {
	int verbose;
	bool quiet;
	const char *authfile;
	const char *certdir;
	const char **insecure; /* NULL-terminated */
	size_t ninsecure;
	long timeout; /* --timeout seconds; 0: the library's default */
};

/* A tool's identity, set once by cnab_fe_init. */
struct cnab_fe_tool {
	const char *name;
	const char *usage; /* the synopsis and option list, for --help */
};

/* Records the running tool (for messages) and makes stdout buffered. */
void cnab_fe_init(const struct cnab_fe_tool *tool);

/* The tool's name, for messages. */
const char *cnab_fe_progname(void);

/*
 * The messages below are printed with control characters made visible
 * (cnab_out_visible), whatever they quote.
 */

/* "prog: message" on stderr. */
void cnab_fe_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "prog: message" on stderr, unless quiet: what was done. */
void cnab_fe_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "prog: warning: message" on stderr, unless quiet. */
void cnab_fe_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A verbose note on stderr: printed when verbose >= level. */
void cnab_fe_info(int level, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

/* Prints the error's message and returns the exit code for its status. */
int cnab_fe_fail(const struct cnab_err *err);

/*
 * Prints "prog: message" and a hint to run --help; returns the usage exit
 * code (2).
 */
int cnab_fe_usage_error(const char *fmt, ...)
        __attribute__((format(printf, 1, 2)));

/*
 * Handles a common option.  Returns 1 when c was one (for -h and --version
 * *exit_code is set to 0 and the caller should return it), 0 when c is the
 * tool's own, -1 on an error (message printed, *exit_code set).
 */
int cnab_fe_common_option(struct cnab_fe_common *o, int c, const char *arg,
                          int *exit_code);

/* The longest --timeout, in seconds. */
#define CNAB_FE_TIMEOUT_MAX 3600

/*
 * Registry options from the common options (log lines at -v, a note per
 * retry unless -q).
 */
struct cnab_registry_opts;
void cnab_fe_registry_opts(const struct cnab_fe_common *o,
                           struct cnab_registry_opts *out);

/* Returned by cnab_fe_getopt when the tool should exit with *exit_code. */
#define CNAB_FE_STOP (-2)

/*
 * getopt_long with the common options handled: returns the next option of
 * the tool's own (its short letters in shortopts, without the common
 * ones), -1 at the end of the options, or CNAB_FE_STOP when the tool should
 * exit with *exit_code (after --help, --version or a usage error).
 */
int cnab_fe_getopt(int argc, char **argv, const char *shortopts,
                   const struct option *longopts, struct cnab_fe_common *o,
                   int *exit_code);

/*
 * Parses an -o value among the formats in allowed (a mask of 1 << enum
 * cnab_out_format) into *out.  Returns 0, or the usage exit code after
 * saying which formats the tool takes.
 */
int cnab_fe_output_option(const char *arg, unsigned allowed, int *out);

/* The most --jobs a tool takes. */
#define CNAB_FE_MAX_JOBS 32

/*
 * Parses a -j/--jobs value, 1 to CNAB_FE_MAX_JOBS, into *out.  Returns 0,
 * or the usage exit code after saying what is allowed.
 */
int cnab_fe_jobs_option(const char *arg, int *out);

/*
 * Parses a size in bytes given to option name ("--split-size"), with k, M
 * or G (powers of 1000) or Ki, Mi, Gi (of 1024), into *out.  Returns 0, or
 * the usage exit code after saying what is allowed.
 */
int cnab_fe_size_option(const char *name, const char *arg, uint64_t *out);

/*
 * Refuses to read an archive ("-" for stdin) from a terminal, as one is
 * never written to a terminal: returns the usage exit code after saying
 * so, else 0.
 */
int cnab_fe_archive_input(const char *path);

/* Frees what cnab_fe_common_option allocated. */
void cnab_fe_common_release(struct cnab_fe_common *o);

/* Prints --help text to stdout. */
void cnab_fe_help(void);

/* Prints --version text to stdout: the suite's and the libraries'. */
void cnab_fe_version(void);

/* Flushes stdout; on a write error prints it and returns 1, else 0. */
int cnab_fe_flush_stdout(void);

/*
 * Progress on stderr, one updating line, only when stderr is a terminal
 * and not -q, in one format for the four tools:
 *
 *   VERB: DONE / TOTAL (P%), RATE/s, M:SS left, blob I of N
 *
 * Bytes are counted as they move; the rate and the time left appear once
 * bytes have moved for CNAB_FE_PROGRESS_RATE_AFTER seconds (no estimate
 * without a rate to base it on); "blob I" is the blob last started (N when
 * known).  Safe to update from several threads (stderr's lock).
 */
#define CNAB_FE_PROGRESS_RATE_AFTER 1.0
struct cnab_fe_progress {
	bool on;
	const char *label;
	uint64_t total, done;
	uint64_t blob, nblobs;
	double start, last; /* seconds */
	double first;       /* when the first byte was counted; 0 before */
	char item[96];      /* more about what is moving now, if anything */
};
void cnab_fe_progress_start(struct cnab_fe_progress *p, const char *label,
                            uint64_t total);
/* n more bytes moved. */
void cnab_fe_progress_add(struct cnab_fe_progress *p, uint64_t n);
/* n bytes counted that will move again (a transfer started over). */
void cnab_fe_progress_back(struct cnab_fe_progress *p, uint64_t n);
/* How many blobs there are to move (N), when known. */
void cnab_fe_progress_blobs(struct cnab_fe_progress *p, uint64_t n);
/* One more blob starts moving (I). */
void cnab_fe_progress_next(struct cnab_fe_progress *p);
/* Says more about what is moving now, shown after the numbers. */
void cnab_fe_progress_item(struct cnab_fe_progress *p, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
/* Sets how much is done (for totals counted elsewhere). */
void cnab_fe_progress_set(struct cnab_fe_progress *p, uint64_t done);
/* Clears the line. */
void cnab_fe_progress_end(struct cnab_fe_progress *p);
/* A progress callback for the library (ctx is the progress). */
void cnab_fe_progress_cb(void *ctx, uint64_t n);
/*
 * The line itself, into buf: secs is how long bytes have been moving (the
 * rate and the time left only from CNAB_FE_PROGRESS_RATE_AFTER), blob 0
 * shows no blob, nblobs 0 no "of N".
 */
void cnab_fe_progress_format(char *buf, size_t size, const char *label,
                             uint64_t done, uint64_t total, double secs,
                             uint64_t blob, uint64_t nblobs);

/* A log callback for the library: prints the line at -v. */
void cnab_fe_log_cb(void *ctx, const char *line);

/* Formats a byte count for people: "512 B", "1.5 MiB". */
void cnab_fe_bytes(uint64_t n, char *buf, size_t size);

/* Verbosity for the library's callbacks and the tools' notes. */
extern int cnab_fe_verbose;
extern bool cnab_fe_quiet;

#endif
