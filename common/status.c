#include "common/status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *cnab_strerror(enum cnab_status st)
{
	switch (st) {
	case CNAB_OK:
		return "success";
	case CNAB_ERR_FAIL:
		return "failure";
	case CNAB_ERR_NOMEM:
		return "out of memory";
	case CNAB_ERR_IO:
		return "input/output error";
	case CNAB_ERR_NET:
		return "network error";
	case CNAB_ERR_AUTH:
		return "authentication failed";
	case CNAB_ERR_REGISTRY:
		return "registry error";
	case CNAB_ERR_EXISTS:
		return "already exists";
	case CNAB_ERR_USAGE:
		return "usage error";
	case CNAB_ERR_INVALID:
		return "invalid input";
	case CNAB_ERR_INTEGRITY:
		return "digest or size mismatch";
	case CNAB_ERR_CORRUPT:
		return "corrupt content";
	case CNAB_ERR_UNSAFE:
		return "unsafe archive entry";
	case CNAB_ERR_TOOBIG:
		return "input exceeds a size limit";
	case CNAB_ERR_NOTFOUND:
		return "not found";
	case CNAB_ERR_UNSUPPORTED:
		return "not supported";
	}
	return "unknown error";
}

int cnab_status_exit(enum cnab_status st)
{
	switch (st) {
	case CNAB_OK:
		return CNAB_EXIT_OK;
	case CNAB_ERR_USAGE:
	case CNAB_ERR_INVALID:
		return CNAB_EXIT_USAGE;
	case CNAB_ERR_INTEGRITY:
	case CNAB_ERR_CORRUPT:
	case CNAB_ERR_UNSAFE:
	case CNAB_ERR_TOOBIG:
		return CNAB_EXIT_INTEGRITY;
	case CNAB_ERR_NOTFOUND:
		return CNAB_EXIT_NOTFOUND;
	default:
		return CNAB_EXIT_FAIL;
	}
}

enum cnab_status cnab_err_set(struct cnab_err *err, enum cnab_status st,
                              const char *fmt, ...)
{
	va_list ap;

	if (!err || err->status != CNAB_OK)
		return st;
	err->status = st;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return st;
}

void cnab_err_clear(struct cnab_err *err)
{
	if (!err)
		return;
	err->status = CNAB_OK;
	err->msg[0] = '\0';
}

void cnab_err_restatus(struct cnab_err *err, enum cnab_status st)
{
	if (err && err->status != CNAB_OK)
		err->status = st;
}
