/*
 * Status codes and error messages shared by the whole project.
 *
 * Library functions return an enum cnab_status and, when they fail, describe
 * the failure in a struct cnab_err the caller passes in.  The first message
 * set is kept: it names the root cause.  Messages follow the project's rule:
 * "what failed 'subject': reason", lower case, no final period.
 */
#ifndef CNAB_COMMON_STATUS_H
#define CNAB_COMMON_STATUS_H

#include <stddef.h>

enum cnab_status {
	CNAB_OK = 0,
	CNAB_ERR_FAIL,        /* generic failure */
	CNAB_ERR_NOMEM,       /* out of memory */
	CNAB_ERR_IO,          /* local file or stream I/O */
	CNAB_ERR_NET,         /* network: connect, TLS, timeout */
	CNAB_ERR_AUTH,        /* registry refused the credentials */
	CNAB_ERR_REGISTRY,    /* registry answered with an error */
	CNAB_ERR_EXISTS,      /* refusing to replace something that exists */
	CNAB_ERR_USAGE,       /* bad option or argument */
	CNAB_ERR_INVALID,     /* malformed or invalid input document */
	CNAB_ERR_INTEGRITY,   /* digest or size mismatch */
	CNAB_ERR_CORRUPT,     /* corrupt archive or registry content */
	CNAB_ERR_UNSAFE,      /* unsafe archive entry */
	CNAB_ERR_TOOBIG,      /* a cap on untrusted input was exceeded */
	CNAB_ERR_NOTFOUND,    /* bundle, tag, image or blob does not exist */
	CNAB_ERR_UNSUPPORTED, /* the peer does not support an operation */
};

/* Exit codes of the tools (DESIGN 4). */
enum cnab_exit {
	CNAB_EXIT_OK = 0,
	CNAB_EXIT_FAIL = 1,
	CNAB_EXIT_USAGE = 2,
	CNAB_EXIT_INTEGRITY = 3,
	CNAB_EXIT_NOTFOUND = 4,
};

#define CNAB_ERR_MSG_MAX 1024

/* An error out-parameter; untouched by a call that succeeds. */
struct cnab_err {
	enum cnab_status status;
	char msg[CNAB_ERR_MSG_MAX];
};
#define CNAB_ERR_INIT                                                          \
	{                                                                      \
		CNAB_OK,                                                       \
		{                                                              \
			0                                                      \
		}                                                              \
	}

/* A short, static description of a status. */
const char *cnab_strerror(enum cnab_status st);

/* The exit code a tool uses for a failure of this status. */
int cnab_status_exit(enum cnab_status st);

/*
 * Records a failure in err (which may be NULL) unless one is recorded
 * already, so the first, root-cause message is kept.  Returns st, so that
 * "return cnab_err_set(err, ...);" reads naturally.
 */
enum cnab_status cnab_err_set(struct cnab_err *err, enum cnab_status st,
                              const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* Forgets a recorded failure. */
void cnab_err_clear(struct cnab_err *err);

/*
 * Replaces the status of a recorded failure, keeping its message (for a
 * caller that knows better what the failure means, e.g. malformed JSON
 * inside an archive is corruption, not bad user input).
 */
void cnab_err_restatus(struct cnab_err *err, enum cnab_status st);

#endif
