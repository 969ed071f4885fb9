/*
 * WWW-Authenticate challenges (RFC 7235): parsed, and the one to use
 * chosen (Bearer over Basic).
 */
#include "common/auth.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/auth-int.h"

/*
 * Challenges.  The grammar (RFC 7235 section 2.1, RFC 9110 section 11):
 *   challenge  = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
 *   auth-param = token BWS "=" BWS ( token / quoted-string )
 * in a comma-separated list.  A list element that is a token followed by
 * "=" is a parameter of the current challenge; any other token starts a
 * new challenge.
 */
struct cparser {
	const char *s;
	size_t pos;
	const char *subject;
	struct cnab_err *err;
};

static bool is_tchar(unsigned char c)
{
	return cnab_auth_is_alnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool is_token68(unsigned char c)
{
	return cnab_auth_is_alnum(c) || (c && strchr("-._~+/", c));
}

static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* A character of an unquoted value (taken leniently: URLs, scopes). */
static bool is_vchar(unsigned char c)
{
	return c > 0x20 && c < 0x7f && c != '"' && c != ',';
}

static enum cnab_status cbad(struct cparser *p, const char *why)
{
	if (p->subject)
		return cnab_err_set(p->err, CNAB_ERR_INVALID,
		                    "invalid authentication challenge from "
		                    "'%s': %s at byte %zu",
		                    p->subject, why, p->pos);
	return cnab_err_set(p->err, CNAB_ERR_INVALID,
	                    "invalid authentication challenge: %s at byte %zu",
	                    why, p->pos);
}

static void skip_ows(struct cparser *p)
{
	while (is_ows(p->s[p->pos]))
		p->pos++;
}

static bool at_end_of_element(const struct cparser *p)
{
	return p->s[p->pos] == '\0' || p->s[p->pos] == ',';
}

static size_t token_len(const struct cparser *p)
{
	size_t n = 0;

	while (is_tchar((unsigned char)p->s[p->pos + n]))
		n++;
	return n;
}

/* Reads a token or quoted string into a new string *out. */
static enum cnab_status read_value(struct cparser *p, char **out)
{
	const char *s = p->s;
	size_t o = 0;
	char *v;

	*out = NULL;
	v = malloc(strlen(s + p->pos) + 1);
	if (!v)
		return cnab_auth_nomem(p->err);
	if (s[p->pos] == '"') {
		p->pos++;
		for (;;) {
			unsigned char c = (unsigned char)s[p->pos];

			if (c == '\0')
				goto unterminated;
			if (c == '"')
				break;
			if (c == '\\') {
				p->pos++;
				c = (unsigned char)s[p->pos];
				if (c == '\0')
					goto unterminated;
			}
			if ((c < 0x20 && c != '\t') || c == 0x7f) {
				free(v);
				return cbad(p, "control character in a quoted "
				               "string");
			}
			v[o++] = (char)c;
			p->pos++;
		}
		p->pos++;
	} else {
		while (is_vchar((unsigned char)s[p->pos]))
			v[o++] = s[p->pos++];
		if (o == 0) {
			free(v);
			return cbad(p, "expected a parameter value");
		}
	}
	v[o] = '\0';
	*out = v;
	return CNAB_OK;
unterminated:
	free(v);
	return cbad(p, "unterminated quoted string");
}

/* The challenge being read. */
struct chal {
	enum cnab_auth_scheme scheme; /* CNAB_AUTH_NONE: an unknown scheme */
	struct cnab_challenge c;
};

/* Reads "name BWS = BWS value" at p->pos into cur. */
static enum cnab_status read_param(struct cparser *p, struct chal *cur)
{
	const char *name = p->s + p->pos;
	size_t n = token_len(p);
	char **slot = NULL, *value = NULL;
	enum cnab_status st;

	if (n == 0)
		return cbad(p, "expected a parameter name");
	p->pos += n;
	skip_ows(p);
	if (p->s[p->pos] != '=')
		return cbad(p, "expected '=' after a parameter name");
	p->pos++;
	skip_ows(p);
	st = read_value(p, &value);
	if (st != CNAB_OK)
		return st;
	if (cur->scheme != CNAB_AUTH_NONE &&
	    cnab_auth_name_is(name, n, "realm"))
		slot = &cur->c.realm;
	else if (cur->scheme == CNAB_AUTH_BEARER &&
	         cnab_auth_name_is(name, n, "service"))
		slot = &cur->c.service;
	else if (cur->scheme == CNAB_AUTH_BEARER &&
	         cnab_auth_name_is(name, n, "scope"))
		slot = &cur->c.scope;
	else if (cur->scheme == CNAB_AUTH_BEARER &&
	         cnab_auth_name_is(name, n, "error"))
		slot = &cur->c.error;
	if (slot && *slot) {
		free(value);
		return cbad(p, "parameter given twice");
	}
	if (slot)
		*slot = value;
	else
		free(value);
	skip_ows(p);
	if (!at_end_of_element(p))
		return cbad(p, "expected ',' after a parameter");
	return CNAB_OK;
}

/* An http(s) URL without spaces, control or non-ASCII characters. */
static bool realm_usable(const char *realm)
{
	const unsigned char *s = (const unsigned char *)realm;
	size_t skip;

	if (!realm)
		return false;
	if (!strncasecmp(realm, "https://", 8))
		skip = 8;
	else if (!strncasecmp(realm, "http://", 7))
		skip = 7;
	else
		return false;
	if (!s[skip] || s[skip] == '/')
		return false;
	for (; *s; s++)
		if (*s <= 0x20 || *s >= 0x7f)
			return false;
	return true;
}

/* Keeps cur in best when it is better; releases what is not kept. */
static void chal_finish(struct chal *cur, struct cnab_challenge *best,
                        bool *bad_bearer)
{
	bool take = false;

	if (cur->scheme == CNAB_AUTH_BEARER) {
		if (!realm_usable(cur->c.realm))
			*bad_bearer = true;
		else if (best->scheme != CNAB_AUTH_BEARER)
			take = true;
	} else if (cur->scheme == CNAB_AUTH_BASIC) {
		take = best->scheme == CNAB_AUTH_NONE;
	}
	if (take) {
		cnab_challenge_release(best);
		*best = cur->c;
		best->scheme = cur->scheme;
	} else {
		cnab_challenge_release(&cur->c);
	}
	memset(cur, 0, sizeof(*cur));
	cur->scheme = CNAB_AUTH_NONE;
}

static enum cnab_status chal_start(struct cparser *p, struct chal *cur)
{
	const char *name = p->s + p->pos;
	size_t n = token_len(p), t, e;

	p->pos += n;
	if (cnab_auth_name_is(name, n, "basic"))
		cur->scheme = CNAB_AUTH_BASIC;
	else if (cnab_auth_name_is(name, n, "bearer"))
		cur->scheme = CNAB_AUTH_BEARER;
	else
		cur->scheme = CNAB_AUTH_NONE;
	if (at_end_of_element(p))
		return CNAB_OK;
	if (!is_ows(p->s[p->pos]))
		return cbad(p, "expected a space after the scheme");
	skip_ows(p);
	if (at_end_of_element(p))
		return CNAB_OK;
	/* token68: credentials-like data, which no scheme here uses */
	t = p->pos;
	while (is_token68((unsigned char)p->s[t]))
		t++;
	if (t > p->pos) {
		e = t;
		while (p->s[e] == '=')
			e++;
		while (is_ows(p->s[e]))
			e++;
		if (p->s[e] == '\0' || p->s[e] == ',') {
			p->pos = e;
			return CNAB_OK;
		}
	}
	return read_param(p, cur);
}

enum cnab_status cnab_challenge_parse(struct cnab_challenge *c,
                                      const char *header, const char *subject,
                                      struct cnab_err *err)
{
	struct cparser p = {header ? header : "", 0, subject, err};
	struct chal cur;
	bool have = false, bad_bearer = false;
	enum cnab_status st = CNAB_OK;
	size_t n, q;

	memset(c, 0, sizeof(*c));
	c->scheme = CNAB_AUTH_NONE;
	memset(&cur, 0, sizeof(cur));
	if (!header) {
		st = cbad(&p, "no header");
		goto out;
	}
	if (strnlen(header, CNAB_CHALLENGE_MAX + 1) > CNAB_CHALLENGE_MAX) {
		p.pos = CNAB_CHALLENGE_MAX;
		st = cbad(&p, "header longer than the limit");
		goto out;
	}
	for (;;) {
		while (is_ows(header[p.pos]) || header[p.pos] == ',')
			p.pos++;
		if (header[p.pos] == '\0')
			break;
		n = token_len(&p);
		if (n == 0) {
			st = cbad(&p, "expected an authentication scheme");
			goto out;
		}
		q = p.pos + n;
		while (is_ows(header[q]))
			q++;
		if (header[q] == '=') {
			if (!have) {
				st = cbad(&p, "parameter before any scheme");
				goto out;
			}
			st = read_param(&p, &cur);
		} else {
			if (have)
				chal_finish(&cur, c, &bad_bearer);
			have = true;
			st = chal_start(&p, &cur);
		}
		if (st != CNAB_OK)
			goto out;
	}
	if (have)
		chal_finish(&cur, c, &bad_bearer);
	if (c->scheme != CNAB_AUTH_NONE)
		goto out;
	if (bad_bearer && subject)
		st = cnab_err_set(err, CNAB_ERR_INVALID,
		                  "invalid authentication challenge from '%s': "
		                  "Bearer without a valid realm",
		                  subject);
	else if (bad_bearer)
		st = cnab_err_set(err, CNAB_ERR_INVALID,
		                  "invalid authentication challenge: Bearer "
		                  "without a valid realm");
	else if (!have)
		st = cbad(&p, "no challenge");
	else if (subject)
		st = cnab_err_set(err, CNAB_ERR_UNSUPPORTED,
		                  "no supported authentication scheme "
		                  "(Basic or Bearer) offered by '%s'",
		                  subject);
	else
		st = cnab_err_set(err, CNAB_ERR_UNSUPPORTED,
		                  "no supported authentication scheme "
		                  "(Basic or Bearer) offered");
out:
	cnab_challenge_release(&cur.c);
	if (st != CNAB_OK)
		cnab_challenge_release(c);
	return st;
}

void cnab_challenge_release(struct cnab_challenge *c)
{
	if (!c)
		return;
	free(c->realm);
	free(c->service);
	free(c->scope);
	free(c->error);
	memset(c, 0, sizeof(*c));
	c->scheme = CNAB_AUTH_NONE;
}
