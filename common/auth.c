/*
 * What the registry authentication files share, through auth-int.h:
 * buffers for secrets, quiet JSON parsing, character classes.  The
 * public pieces are in auth-challenge.c (WWW-Authenticate challenges),
 * auth-cred.c (auth files), auth-helper.c (docker-credential-* helpers)
 * and auth-token.c (the token endpoint's request and answer).
 *
 * Buffers that may hold a secret grow through struct cnab_sbuf, which
 * wipes the old memory when it moves, and are wiped when released.
 * jansson's copies of a parsed document's strings are wiped before the
 * document is freed.
 * Error messages never quote an auth file, a helper's answer or a token
 * endpoint's answer: jansson's "near '...'" is cut from parse errors.
 */
#include "common/auth.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "common/auth-int.h"
#include "common/buf.h"
#include "common/json.h"

void cnab_sbuf_release(struct cnab_sbuf *b)
{
	if (b->data) {
		OPENSSL_cleanse(b->data, b->alloc);
		free(b->data);
	}
	b->data = NULL;
	b->len = b->alloc = 0;
}

enum cnab_status cnab_sbuf_add(struct cnab_sbuf *b, const void *p, size_t n)
{
	size_t need, alloc;
	char *data;

	if (!cnab_size_add(b->len, n, &need) || need > b->max)
		return CNAB_ERR_TOOBIG;
	if (need + 1 > b->alloc) {
		alloc = b->alloc ? b->alloc : 256;
		while (alloc < need + 1)
			alloc = alloc > SIZE_MAX / 2 ? need + 1 : alloc * 2;
		data = malloc(alloc);
		if (!data)
			return CNAB_ERR_NOMEM;
		if (b->data) {
			memcpy(data, b->data, b->len);
			OPENSSL_cleanse(b->data, b->alloc);
			free(b->data);
		}
		b->data = data;
		b->alloc = alloc;
	}
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len = need;
	b->data[b->len] = '\0';
	return CNAB_OK;
}

enum cnab_status cnab_sbuf_addstr(struct cnab_sbuf *b, const char *s)
{
	return cnab_sbuf_add(b, s, strlen(s));
}

/* Hands the NUL-terminated data to the caller ("" when empty). */
char *cnab_sbuf_detach(struct cnab_sbuf *b)
{
	char *data;

	if (!b->data && cnab_sbuf_add(b, "", 0) != CNAB_OK)
		return NULL;
	data = b->data;
	b->data = NULL;
	b->len = b->alloc = 0;
	return data;
}

/* Wipes and frees a NUL-terminated secret; s may be NULL. */
void cnab_auth_free_secret(char *s)
{
	if (s) {
		OPENSSL_cleanse(s, strlen(s));
		free(s);
	}
}

enum cnab_status cnab_auth_nomem(struct cnab_err *err)
{
	return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
}

/*
 * JSON.  cnab_auth_parse_quiet() is cnab_json_parse() with jansson's "near
 * '...'" (which quotes the input) cut from the message; the reason alone (what
 * follows "cannot parse '<subject>': ") is copied to reason.
 */
enum cnab_status cnab_auth_parse_quiet(const char *data, size_t len, size_t max,
                                       const char *subject, json_t **out,
                                       char *reason, size_t size)
{
	struct cnab_err jerr = CNAB_ERR_INIT;
	enum cnab_status st;
	const char *msg;
	char *cut;
	size_t skip;

	reason[0] = '\0';
	st = cnab_json_parse(data, len, max, 0, subject, out, &jerr);
	if (st == CNAB_OK)
		goto out;
	msg = jerr.msg;
	skip = strlen("cannot parse '") + strlen(subject) + strlen("': ");
	if (!strncmp(msg, "cannot parse '", 14) && strlen(msg) >= skip)
		msg += skip;
	cut = strstr(msg, " near ");
	if (cut)
		*cut = '\0';
	snprintf(reason, size, "%s", msg);
out:
	OPENSSL_cleanse(&jerr, sizeof(jerr));
	return st;
}

/* Wipes the strings of a parsed document (jansson's own copies). */
static void wipe_json(json_t *v, int depth)
{
	const char *key;
	json_t *m;
	size_t i;

	if (!v || depth > CNAB_JSON_MAX_DEPTH + 1)
		return;
	if (json_is_string(v)) {
		OPENSSL_cleanse((char *)json_string_value(v),
		                json_string_length(v));
	} else if (json_is_object(v)) {
		json_object_foreach(v, key, m) wipe_json(m, depth + 1);
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, m) wipe_json(m, depth + 1);
	}
}

void cnab_auth_free_json(json_t *v)
{
	wipe_json(v, 0);
	json_decref(v);
}

/*
 * The string member key of obj: *out NULL when absent or null, false when
 * it is there with another type.
 */
bool cnab_auth_get_string(const json_t *obj, const char *key, const char **out)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (!v || json_is_null(v))
		return true;
	if (!json_is_string(v))
		return false;
	*out = json_string_value(v);
	return true;
}

bool cnab_auth_is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

bool cnab_auth_name_is(const char *s, size_t n, const char *name)
{
	return strlen(name) == n && !strncasecmp(s, name, n);
}
