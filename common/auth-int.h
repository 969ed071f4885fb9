/*
 * Internal to the registry authentication files (common/auth*.c), shared
 * by them and by nothing else (not installed; the rest of the code uses
 * auth.h): buffers for secrets and helpers defined in auth.c, and what
 * auth-cred.c and auth-helper.c share.
 */
#ifndef CNAB_COMMON_AUTH_INT_H
#define CNAB_COMMON_AUTH_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "common/auth.h"
#include "common/status.h"

/* A growable buffer for secrets: moving or freeing it wipes the old copy. */
struct cnab_sbuf {
	char *data;
	size_t len, alloc, max;
};
#define CNAB_SBUF_INIT(max)                                                    \
	{                                                                      \
		NULL, 0, 0, (max)                                              \
	}

/* Wipes and frees b's data and empties it (b stays usable). */
void cnab_sbuf_release(struct cnab_sbuf *b);

/*
 * Appends n bytes at p (NUL-terminated): CNAB_ERR_TOOBIG past b->max,
 * CNAB_ERR_NOMEM, without a message (the caller words it).
 */
enum cnab_status cnab_sbuf_add(struct cnab_sbuf *b, const void *p, size_t n);
enum cnab_status cnab_sbuf_addstr(struct cnab_sbuf *b, const char *s);

/* Hands the NUL-terminated data to the caller ("" when empty), who wipes
 * and frees it; NULL when out of memory. */
char *cnab_sbuf_detach(struct cnab_sbuf *b);

/* Wipes and frees a NUL-terminated secret; s may be NULL. */
void cnab_auth_free_secret(char *s);

/* Sets err to "out of memory" and returns CNAB_ERR_NOMEM. */
enum cnab_status cnab_auth_nomem(struct cnab_err *err);

/*
 * cnab_json_parse() with jansson's "near '...'" (which quotes the input)
 * cut from the message; the reason alone is copied to reason (size bytes).
 */
enum cnab_status cnab_auth_parse_quiet(const char *data, size_t len, size_t max,
                                       const char *subject, json_t **out,
                                       char *reason, size_t size);

/* Wipes the strings of a parsed document, then frees it; v may be NULL. */
void cnab_auth_free_json(json_t *v);

/*
 * The string member key of obj: *out NULL when absent or null, false when
 * it is there with another type.
 */
bool cnab_auth_get_string(const json_t *obj, const char *key, const char **out);

/* ASCII letters and digits. */
bool cnab_auth_is_alnum(unsigned char c);

/* Whether the n bytes at s are name, ignoring ASCII case. */
bool cnab_auth_name_is(const char *s, size_t n, const char *name);

/* Whether c holds no credential at all (auth-cred.c). */
bool cnab_auth_cred_empty(const struct cnab_cred *c);

/* Sets *slot to a copy of the first n bytes of s, wiping what it held
 * (auth-cred.c). */
enum cnab_status cnab_auth_set_secret(char **slot, const char *s, size_t n,
                                      struct cnab_err *err);

/* Whether the n bytes at h name Docker Hub (auth-cred.c). */
bool cnab_auth_is_hub(const char *h, size_t n);

/*
 * Runs the credential helper docker-credential-NAME for host (path names
 * the auth file that named it) into out; *found tells whether it gave
 * credentials (auth-helper.c).
 */
enum cnab_status cnab_auth_run_helper(const char *name, const char *host,
                                      const char *path, struct cnab_cred *out,
                                      bool *found, struct cnab_err *err);

#endif
