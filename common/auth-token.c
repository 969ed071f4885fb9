/*
 * The token endpoint (Docker Registry v2 token authentication): the query
 * of a GET token request, the form of a POST one that trades an identity
 * token, and the answer parsed.
 */
#include "common/auth.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/crypto.h>

#include "common/auth-int.h"
#include "common/buf.h"

#define CLIENT_ID "cnab-tools"

/* Only visible ASCII may go into an Authorization header. */
static bool header_safe(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

enum cnab_status cnab_token_parse(const char *data, size_t len,
                                  const char *subject, char **token,
                                  char **refresh, long *expires_in,
                                  struct cnab_err *err)
{
	char reason[CNAB_ERR_MSG_MAX];
	const char *tok = NULL, *acc = NULL, *ref = NULL;
	json_t *v = NULL, *exp;
	double d;
	long secs = CNAB_TOKEN_MIN_EXPIRY;
	enum cnab_status st;

	*token = NULL;
	if (refresh)
		*refresh = NULL;
	if (!subject)
		subject = "token endpoint";
	if (len > CNAB_MAX_TOKEN) {
		st = cnab_err_set(err, CNAB_ERR_TOOBIG,
		                  "cannot parse '%s': %zu bytes, more than the "
		                  "limit of %zu",
		                  subject, len, CNAB_MAX_TOKEN);
		goto out;
	}
	st = cnab_auth_parse_quiet(data, len, CNAB_MAX_TOKEN, subject, &v,
	                           reason, sizeof(reason));
	if (st != CNAB_OK) {
		st = cnab_err_set(err,
		                  st == CNAB_ERR_NOMEM ? st : CNAB_ERR_REGISTRY,
		                  "cannot parse '%s': %s", subject, reason);
		goto out;
	}
	if (!json_is_object(v)) {
		st = cnab_err_set(err, CNAB_ERR_REGISTRY,
		                  "cannot parse '%s': not a JSON object",
		                  subject);
		goto out;
	}
	exp = json_object_get(v, "expires_in");
	if (!cnab_auth_get_string(v, "token", &tok) ||
	    !cnab_auth_get_string(v, "access_token", &acc) ||
	    !cnab_auth_get_string(v, "refresh_token", &ref) ||
	    (exp && !json_is_null(exp) && !json_is_number(exp))) {
		st = cnab_err_set(err, CNAB_ERR_REGISTRY,
		                  "cannot parse '%s': 'token', 'access_token' "
		                  "and 'refresh_token' must be strings, "
		                  "'expires_in' a number",
		                  subject);
		goto out;
	}
	if (!tok || !*tok)
		tok = acc;
	if (!tok || !*tok) {
		st = cnab_err_set(err, CNAB_ERR_AUTH,
		                  "no token in the answer of '%s'", subject);
		goto out;
	}
	if (!header_safe(tok)) {
		st = cnab_err_set(err, CNAB_ERR_AUTH,
		                  "invalid token in the answer of '%s': "
		                  "characters not allowed in a header",
		                  subject);
		goto out;
	}
	if (json_is_number(exp)) {
		d = json_number_value(exp);
		if (d >= (double)CNAB_TOKEN_MAX_EXPIRY)
			secs = CNAB_TOKEN_MAX_EXPIRY;
		else if (d > CNAB_TOKEN_MIN_EXPIRY)
			secs = (long)d;
	}
	*token = strdup(tok);
	if (!*token) {
		st = cnab_auth_nomem(err);
		goto out;
	}
	if (refresh && ref && *ref) {
		*refresh = strdup(ref);
		if (!*refresh) {
			st = cnab_auth_nomem(err);
			goto out;
		}
	}
	if (expires_in)
		*expires_in = secs;
out:
	if (st != CNAB_OK) {
		cnab_auth_free_secret(*token);
		*token = NULL;
		if (refresh) {
			cnab_auth_free_secret(*refresh);
			*refresh = NULL;
		}
	}
	cnab_auth_free_json(v);
	return st;
}

/* Appends "&name=<value URL-encoded>" ('&' only after something). */
static enum cnab_status add_param(struct cnab_sbuf *b, const char *name,
                                  const char *value, size_t n)
{
	enum cnab_status st;
	char *esc;

	if (n > INT_MAX || n > b->max)
		return CNAB_ERR_TOOBIG;
	esc = curl_easy_escape(NULL, value, (int)n);
	if (!esc)
		return CNAB_ERR_NOMEM;
	st = b->len ? cnab_sbuf_add(b, "&", 1) : CNAB_OK;
	if (st == CNAB_OK)
		st = cnab_sbuf_addstr(b, name);
	if (st == CNAB_OK)
		st = cnab_sbuf_add(b, "=", 1);
	if (st == CNAB_OK)
		st = cnab_sbuf_addstr(b, esc);
	OPENSSL_cleanse(esc, strlen(esc));
	curl_free(esc);
	return st;
}

/*
 * Adds the scopes: each as a parameter of its own, or (joined) all joined
 * by spaces into one.
 */
static enum cnab_status add_scopes(struct cnab_sbuf *b,
                                   const struct cnab_challenge *c,
                                   const char *const *scopes, size_t nscopes,
                                   bool joined)
{
	struct cnab_sbuf all = CNAB_SBUF_INIT(b->max);
	enum cnab_status st = CNAB_OK;
	const char *s, *e;
	size_t i, n;

	for (i = 0; st == CNAB_OK && i < nscopes; i++) {
		if (!scopes[i] || !*scopes[i])
			continue;
		if (!joined)
			st = add_param(b, "scope", scopes[i],
			               strlen(scopes[i]));
		else if (all.len)
			st = cnab_sbuf_add(&all, " ", 1);
		if (st == CNAB_OK && joined)
			st = cnab_sbuf_addstr(&all, scopes[i]);
	}
	for (s = nscopes ? NULL : c->scope; st == CNAB_OK && s && *s; s = e) {
		while (*s == ' ')
			s++;
		n = strcspn(s, " ");
		e = s + n;
		if (!n)
			continue;
		if (!joined)
			st = add_param(b, "scope", s, n);
		else if (all.len)
			st = cnab_sbuf_add(&all, " ", 1);
		if (st == CNAB_OK && joined)
			st = cnab_sbuf_add(&all, s, n);
	}
	if (st == CNAB_OK && all.len)
		st = add_param(b, "scope", all.data, all.len);
	cnab_sbuf_release(&all);
	return st;
}

/* The common part of cnab_token_query() and cnab_token_form(). */
static enum cnab_status token_request(const struct cnab_challenge *c,
                                      const char *const *scopes, size_t nscopes,
                                      const char *refresh, char **out,
                                      struct cnab_err *err)
{
	struct cnab_sbuf b = CNAB_SBUF_INIT(CNAB_MAX_TOKEN);
	enum cnab_status st = CNAB_OK;

	*out = NULL;
	if (!c || c->scheme != CNAB_AUTH_BEARER) {
		st = cnab_err_set(err, CNAB_ERR_INVALID,
		                  "cannot build a token request: not a Bearer "
		                  "challenge");
		goto out;
	}
	if (refresh)
		st = add_param(&b, "grant_type", "refresh_token", 13);
	if (st == CNAB_OK && c->service)
		st = add_param(&b, "service", c->service, strlen(c->service));
	if (st == CNAB_OK)
		st = add_scopes(&b, c, scopes, nscopes, refresh != NULL);
	if (st == CNAB_OK && refresh)
		st = add_param(&b, "refresh_token", refresh, strlen(refresh));
	if (st == CNAB_OK && refresh)
		st = add_param(&b, "client_id", CLIENT_ID, strlen(CLIENT_ID));
	if (st == CNAB_OK) {
		*out = cnab_sbuf_detach(&b);
		if (!*out)
			st = CNAB_ERR_NOMEM;
	}
	if (st == CNAB_ERR_TOOBIG)
		cnab_err_set(err, st,
		             "cannot build a token request: more than %zu "
		             "bytes",
		             b.max);
	else if (st != CNAB_OK)
		cnab_auth_nomem(err);
out:
	cnab_sbuf_release(&b);
	return st;
}

enum cnab_status cnab_token_query(const struct cnab_challenge *c,
                                  const char *const *scopes, size_t nscopes,
                                  char **query, struct cnab_err *err)
{
	return token_request(c, scopes, nscopes, NULL, query, err);
}

enum cnab_status cnab_token_form(const struct cnab_challenge *c,
                                 const char *const *scopes, size_t nscopes,
                                 const char *refresh_token, char **form,
                                 struct cnab_err *err)
{
	*form = NULL;
	if (!refresh_token || !*refresh_token)
		return cnab_err_set(err, CNAB_ERR_INVALID,
		                    "cannot build a token request: no refresh "
		                    "token");
	return token_request(c, scopes, nscopes, refresh_token, form, err);
}
