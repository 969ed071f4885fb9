/*
 * Registry authentication pieces: WWW-Authenticate challenges (RFC 7235),
 * credentials from auth files and docker-credential-* helpers, and the
 * token endpoint's request and answer.
 *
 * Buffers that may hold a secret grow through struct sbuf, which wipes the
 * old memory when it moves, and are wiped when released.  jansson's copies
 * of a parsed document's strings are wiped before the document is freed.
 * Error messages never quote an auth file, a helper's answer or a token
 * endpoint's answer: jansson's "near '...'" is cut from parse errors.
 */
#define _GNU_SOURCE /* pipe2 */
#include "common/auth.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "common/buf.h"
#include "common/fsutil.h"
#include "common/json.h"

extern char **environ;

#define HUB_SERVER_URL "https://index.docker.io/v1/"
#define HELPER_PREFIX  "docker-credential-"
#define CLIENT_ID      "cnab-tools"

/* The longest registry host taken, well below a pipe's capacity. */
#define HOST_MAX 300
/* What is kept of a helper's stderr, and shown of its first line. */
#define HELPER_STDERR_MAX 4096
#define HELPER_LINE_MAX   200

/* A growable buffer for secrets: moving or freeing it wipes the old copy. */
struct sbuf {
	char *data;
	size_t len, alloc, max;
};
#define SBUF_INIT(max)                                                         \
	{                                                                      \
		NULL, 0, 0, (max)                                              \
	}

static void sbuf_release(struct sbuf *b)
{
	if (b->data) {
		OPENSSL_cleanse(b->data, b->alloc);
		free(b->data);
	}
	b->data = NULL;
	b->len = b->alloc = 0;
}

static enum cnab_status sbuf_add(struct sbuf *b, const void *p, size_t n)
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

static enum cnab_status sbuf_addstr(struct sbuf *b, const char *s)
{
	return sbuf_add(b, s, strlen(s));
}

/* Hands the NUL-terminated data to the caller ("" when empty). */
static char *sbuf_detach(struct sbuf *b)
{
	char *data;

	if (!b->data && sbuf_add(b, "", 0) != CNAB_OK)
		return NULL;
	data = b->data;
	b->data = NULL;
	b->len = b->alloc = 0;
	return data;
}

/* Wipes and frees a NUL-terminated secret; s may be NULL. */
static void free_secret(char *s)
{
	if (s) {
		OPENSSL_cleanse(s, strlen(s));
		free(s);
	}
}

static enum cnab_status nomem(struct cnab_err *err)
{
	return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
}

/*
 * Copies at most max bytes of s into dst (size > max), up to the first
 * line break, with control characters replaced by '?'.
 */
static void first_line(char *dst, size_t max, const char *s, size_t n)
{
	size_t i = 0, o = 0;

	while (i < n && (s[i] == '\n' || s[i] == '\r' || s[i] == ' '))
		i++;
	for (; i < n && o < max && s[i] != '\n' && s[i] != '\r'; i++) {
		unsigned char c = (unsigned char)s[i];

		dst[o++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	while (o && dst[o - 1] == ' ')
		o--;
	dst[o] = '\0';
}

/* Whether the n bytes at s hold needle, ignoring ASCII case. */
static bool mem_has(const char *s, size_t n, const char *needle)
{
	size_t k = strlen(needle), i;

	for (i = 0; k <= n && i <= n - k; i++)
		if (!strncasecmp(s + i, needle, k))
			return true;
	return false;
}

/*
 * JSON.  parse_quiet() is cnab_json_parse() with jansson's "near '...'"
 * (which quotes the input) cut from the message; the reason alone (what
 * follows "cannot parse '<subject>': ") is copied to reason.
 */
static enum cnab_status parse_quiet(const char *data, size_t len, size_t max,
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

static void free_json(json_t *v)
{
	wipe_json(v, 0);
	json_decref(v);
}

/*
 * The string member key of obj: *out NULL when absent or null, false when
 * it is there with another type.
 */
static bool get_string(const json_t *obj, const char *key, const char **out)
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

static bool is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

static bool is_tchar(unsigned char c)
{
	return is_alnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool is_token68(unsigned char c)
{
	return is_alnum(c) || (c && strchr("-._~+/", c));
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
		return nomem(p->err);
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

static bool name_is(const char *s, size_t n, const char *name)
{
	return strlen(name) == n && !strncasecmp(s, name, n);
}

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
	if (cur->scheme != CNAB_AUTH_NONE && name_is(name, n, "realm"))
		slot = &cur->c.realm;
	else if (cur->scheme == CNAB_AUTH_BEARER && name_is(name, n, "service"))
		slot = &cur->c.service;
	else if (cur->scheme == CNAB_AUTH_BEARER && name_is(name, n, "scope"))
		slot = &cur->c.scope;
	else if (cur->scheme == CNAB_AUTH_BEARER && name_is(name, n, "error"))
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
	if (name_is(name, n, "basic"))
		cur->scheme = CNAB_AUTH_BASIC;
	else if (name_is(name, n, "bearer"))
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

/*
 * Credentials.
 */
void cnab_cred_release(struct cnab_cred *c)
{
	if (!c)
		return;
	free_secret(c->username);
	free_secret(c->password);
	free_secret(c->identity_token);
	c->username = c->password = c->identity_token = NULL;
}

static bool cred_empty(const struct cnab_cred *c)
{
	return !c->username && !c->password && !c->identity_token;
}

/* Sets *slot to a copy of the first n bytes of s. */
static enum cnab_status set_secret(char **slot, const char *s, size_t n,
                                   struct cnab_err *err)
{
	char *v = malloc(n + 1);

	if (!v)
		return nomem(err);
	memcpy(v, s, n);
	v[n] = '\0';
	free_secret(*slot);
	*slot = v;
	return CNAB_OK;
}

static bool is_hub(const char *h, size_t n)
{
	return name_is(h, n, "docker.io") || name_is(h, n, "index.docker.io") ||
	       name_is(h, n, "registry-1.docker.io");
}

/* Whether an "auths" or "credHelpers" key names host, as Docker reads it:
 * the scheme and everything from the first '/' are ignored. */
static bool key_names_host(const char *key, const char *host)
{
	size_t n, hn = strlen(host);

	if (!strncasecmp(key, "https://", 8))
		key += 8;
	else if (!strncasecmp(key, "http://", 7))
		key += 7;
	n = strcspn(key, "/");
	if (n == hn && !strncasecmp(key, host, n))
		return true;
	return is_hub(key, n) && is_hub(host, hn);
}

/* Strict standard base64 (with padding), decoded by OpenSSL. */
static bool b64_decode(const char *s, size_t n, char **out, size_t *outlen)
{
	unsigned char *buf;
	size_t i, pad = 0;
	int r;

	*out = NULL;
	if (n == 0 || n % 4 || n > INT_MAX)
		return false;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '=') {
			if (i < n - 2)
				return false;
			pad++;
		} else if (pad || !(is_alnum(c) || c == '+' || c == '/')) {
			return false;
		}
	}
	buf = malloc(n / 4 * 3 + 1);
	if (!buf)
		return false;
	r = EVP_DecodeBlock(buf, (const unsigned char *)s, (int)n);
	if (r < 0 || (size_t)r < pad) {
		OPENSSL_cleanse(buf, n / 4 * 3 + 1);
		free(buf);
		return false;
	}
	*outlen = (size_t)r - pad;
	buf[*outlen] = '\0';
	*out = (char *)buf;
	return true;
}

/* Reads one "auths" entry into out (which is empty). */
static enum cnab_status entry_creds(const json_t *entry, const char *host,
                                    const char *path, struct cnab_cred *out,
                                    struct cnab_err *err)
{
	const char *auth, *user, *pass, *token;
	char *dec = NULL, *colon;
	size_t declen = 0;
	enum cnab_status st = CNAB_OK;

	if (!json_is_object(entry)) {
		st = cnab_err_set(err, CNAB_ERR_INVALID,
		                  "cannot parse '%s': the 'auths' entry for "
		                  "'%s' must be an object",
		                  path, host);
		goto out;
	}
	if (!get_string(entry, "auth", &auth) ||
	    !get_string(entry, "username", &user) ||
	    !get_string(entry, "password", &pass) ||
	    !get_string(entry, "identitytoken", &token)) {
		st = cnab_err_set(err, CNAB_ERR_INVALID,
		                  "cannot parse '%s': the 'auths' entry for "
		                  "'%s' has a field that is not a string",
		                  path, host);
		goto out;
	}
	if (auth && *auth) {
		if (!b64_decode(auth, strlen(auth), &dec, &declen)) {
			st = cnab_err_set(err, CNAB_ERR_INVALID,
			                  "cannot parse '%s': 'auth' of the "
			                  "entry for '%s' is not valid base64",
			                  path, host);
			goto out;
		}
		colon = memchr(dec, ':', declen);
		if (!colon || colon == dec) {
			st = cnab_err_set(err, CNAB_ERR_INVALID,
			                  "cannot parse '%s': 'auth' of the "
			                  "entry for '%s' is not "
			                  "'user:password'",
			                  path, host);
			goto out;
		}
		st = set_secret(&out->username, dec, (size_t)(colon - dec),
		                err);
		if (st == CNAB_OK)
			st = set_secret(&out->password, colon + 1,
			                declen - (size_t)(colon - dec) - 1,
			                err);
	} else if (user && *user) {
		st = set_secret(&out->username, user, strlen(user), err);
		if (st == CNAB_OK)
			st = set_secret(&out->password, pass ? pass : "",
			                pass ? strlen(pass) : 0, err);
	}
	if (st == CNAB_OK && token && *token)
		st = set_secret(&out->identity_token, token, strlen(token),
		                err);
out:
	if (dec) {
		OPENSSL_cleanse(dec, declen);
		free(dec);
	}
	return st;
}

static enum cnab_status from_auths(const json_t *auths, const char *host,
                                   const char *path, struct cnab_cred *out,
                                   struct cnab_err *err)
{
	const json_t *entry;
	const char *key;
	json_t *v;
	enum cnab_status st;

	entry = json_object_get(auths, host);
	if (entry) {
		st = entry_creds(entry, host, path, out, err);
		if (st != CNAB_OK || !cred_empty(out))
			return st;
	}
	json_object_foreach((json_t *)auths, key, v)
	{
		if (!strcmp(key, host) || !key_names_host(key, host))
			continue;
		st = entry_creds(v, host, path, out, err);
		if (st != CNAB_OK || !cred_empty(out))
			return st;
	}
	return CNAB_OK;
}

/*
 * Credential helpers.
 */
struct helper_run {
	const char *host;
	char *prog;
	pid_t pid;
	int out_fd, err_fd;
	struct sbuf out;
	char errbuf[HELPER_STDERR_MAX];
	size_t errlen;
	bool overflow;
	int status;
};

/* Moves fd above the standard descriptors, close-on-exec. */
static int move_fd(int fd)
{
	int nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	int e = errno;

	close(fd);
	errno = e;
	return nfd;
}

/* A pipe close-on-exec from its creation (a helper that another thread
 * starts meanwhile gets neither end), above the standard descriptors. */
static int make_pipe(int fds[2])
{
	int raw[2];

	fds[0] = fds[1] = -1;
	if (pipe2(raw, O_CLOEXEC) < 0)
		return -1;
	fds[0] = raw[0] > STDERR_FILENO ? raw[0] : move_fd(raw[0]);
	fds[1] = raw[1] > STDERR_FILENO ? raw[1] : move_fd(raw[1]);
	if (fds[0] < 0 || fds[1] < 0) {
		if (fds[0] >= 0)
			close(fds[0]);
		if (fds[1] >= 0)
			close(fds[1]);
		fds[0] = fds[1] = -1;
		return -1;
	}
	return 0;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static long ms_until(const struct timespec *deadline)
{
	struct timespec now;
	long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long)(deadline->tv_sec - now.tv_sec) * 1000 +
	     (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms < 0 ? 0 : ms;
}

static enum cnab_status helper_fail(struct helper_run *h, enum cnab_status st,
                                    const char *why, struct cnab_err *err)
{
	return cnab_err_set(err, st, "credential helper '%s' for '%s' %s",
	                    h->prog, h->host, why);
}

/* Starts h->prog with "get", server_url on its stdin. */
static enum cnab_status
helper_spawn(struct helper_run *h, const char *server_url, struct cnab_err *err)
{
	int in[2] = {-1, -1}, out[2] = {-1, -1}, errp[2] = {-1, -1};
	char *argv[] = {h->prog, (char *)"get", NULL};
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	bool fa_ok = false, attr_ok = false;
	sigset_t set;
	enum cnab_status st = CNAB_OK;
	int rc;

	if (make_pipe(in) < 0 || make_pipe(out) < 0 || make_pipe(errp) < 0) {
		st = helper_fail(h, CNAB_ERR_AUTH, "cannot run: out of pipes",
		                 err);
		goto out;
	}
	/* The URL is far smaller than a pipe's capacity: write it now, so
	 * that a helper which does not read it cannot stop us. */
	if (cnab_write_all(in[1], server_url, strlen(server_url), "pipe",
	                   NULL) != CNAB_OK) {
		st = helper_fail(h, CNAB_ERR_AUTH, "cannot run: write error",
		                 err);
		goto out;
	}
	close_fd(&in[1]);
	if (posix_spawn_file_actions_init(&fa) != 0 ||
	    posix_spawnattr_init(&attr) != 0) {
		st = nomem(err);
		goto out;
	}
	fa_ok = attr_ok = true;
	posix_spawn_file_actions_adddup2(&fa, in[0], STDIN_FILENO);
	posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, errp[1], STDERR_FILENO);
	/* and nothing else: a library's descriptors (libcurl's sockets) are
	 * not all close-on-exec */
	posix_spawn_file_actions_addclosefrom_np(&fa, STDERR_FILENO + 1);
	/* The helper starts with default signals, none blocked. */
	sigemptyset(&set);
	posix_spawnattr_setsigmask(&attr, &set);
	sigaddset(&set, SIGPIPE);
	posix_spawnattr_setsigdefault(&attr, &set);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK |
	                                        POSIX_SPAWN_SETSIGDEF);
	rc = posix_spawnp(&h->pid, h->prog, &fa, &attr, argv, environ);
	if (rc != 0) {
		h->pid = -1;
		if (rc == ENOENT)
			st = helper_fail(h, CNAB_ERR_AUTH,
			                 "cannot run: not found on PATH", err);
		else
			st = cnab_err_set(err, CNAB_ERR_AUTH,
			                  "credential helper '%s' for '%s' "
			                  "cannot run: %s",
			                  h->prog, h->host, strerror(rc));
		goto out;
	}
	h->out_fd = out[0];
	h->err_fd = errp[0];
	out[0] = errp[0] = -1;
out:
	if (fa_ok)
		posix_spawn_file_actions_destroy(&fa);
	if (attr_ok)
		posix_spawnattr_destroy(&attr);
	close_fd(&in[0]);
	close_fd(&in[1]);
	close_fd(&out[0]);
	close_fd(&out[1]);
	close_fd(&errp[0]);
	close_fd(&errp[1]);
	return st;
}

/* Reads what is ready on *fd; closes it at the end of the stream. */
static enum cnab_status helper_read(struct helper_run *h, int *fd,
                                    struct cnab_err *err)
{
	char chunk[4096];
	enum cnab_status st = CNAB_OK;
	ssize_t n;
	size_t room;

	n = read(*fd, chunk, sizeof(chunk));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		goto out;
	if (n <= 0) {
		close_fd(fd);
		goto out;
	}
	if (fd == &h->out_fd) {
		st = sbuf_add(&h->out, chunk, (size_t)n);
		if (st == CNAB_ERR_TOOBIG) {
			h->overflow = true;
			st = helper_fail(h, CNAB_ERR_AUTH, "answered too much",
			                 err);
		} else if (st != CNAB_OK) {
			st = nomem(err);
		}
	} else {
		room = sizeof(h->errbuf) - h->errlen;
		if ((size_t)n < room)
			room = (size_t)n;
		memcpy(h->errbuf + h->errlen, chunk, room);
		h->errlen += room;
	}
out:
	OPENSSL_cleanse(chunk, sizeof(chunk));
	return st;
}

/* Collects the helper's output and exit status, within the timeout. */
static enum cnab_status helper_wait(struct helper_run *h, struct cnab_err *err)
{
	struct timespec deadline, nap = {0, 10 * 1000 * 1000};
	struct pollfd pfd[2];
	int *which[2];
	enum cnab_status st = CNAB_OK;
	nfds_t n;
	pid_t r;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += CNAB_CRED_HELPER_TIMEOUT;
	while (h->out_fd >= 0 || h->err_fd >= 0) {
		n = 0;
		if (h->out_fd >= 0) {
			which[n] = &h->out_fd;
			pfd[n++] = (struct pollfd){h->out_fd, POLLIN, 0};
		}
		if (h->err_fd >= 0) {
			which[n] = &h->err_fd;
			pfd[n++] = (struct pollfd){h->err_fd, POLLIN, 0};
		}
		rc = poll(pfd, n, (int)ms_until(&deadline));
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0) {
			st = helper_fail(h, CNAB_ERR_AUTH, "cannot be read",
			                 err);
			goto out;
		}
		if (rc == 0)
			goto timeout;
		while (n--) {
			if (!pfd[n].revents)
				continue;
			st = helper_read(h, which[n], err);
			if (st != CNAB_OK)
				goto out;
		}
	}
	for (;;) {
		r = waitpid(h->pid, &h->status, WNOHANG);
		if (r == h->pid) {
			h->pid = -1;
			break;
		}
		if (r < 0 && errno != EINTR) {
			h->pid = -1;
			st = helper_fail(h, CNAB_ERR_AUTH, "was lost", err);
			goto out;
		}
		if (ms_until(&deadline) == 0)
			goto timeout;
		nanosleep(&nap, NULL);
	}
	goto out;
timeout:
	st = helper_fail(h, CNAB_ERR_AUTH, "timed out", err);
out:
	return st;
}

/* Reads the helper's JSON answer into out. */
static enum cnab_status helper_answer(struct helper_run *h,
                                      struct cnab_cred *out, bool *found,
                                      struct cnab_err *err)
{
	char reason[CNAB_ERR_MSG_MAX];
	const char *user, *secret;
	json_t *v = NULL;
	enum cnab_status st;

	st = parse_quiet(h->out.data ? h->out.data : "", h->out.len,
	                 CNAB_MAX_TOKEN, h->prog, &v, reason, sizeof(reason));
	if (st != CNAB_OK) {
		st = cnab_err_set(err, CNAB_ERR_AUTH,
		                  "credential helper '%s' for '%s' gave a bad "
		                  "answer: %s",
		                  h->prog, h->host, reason);
		goto out;
	}
	if (!json_is_object(v) || !get_string(v, "Username", &user) ||
	    !get_string(v, "Secret", &secret)) {
		st = helper_fail(h, CNAB_ERR_AUTH,
		                 "gave a bad answer: not an object with string "
		                 "'Username' and 'Secret'",
		                 err);
		goto out;
	}
	if (user && !strcmp(user, "<token>")) {
		if (secret && *secret)
			st = set_secret(&out->identity_token, secret,
			                strlen(secret), err);
	} else if ((user && *user) || (secret && *secret)) {
		st = set_secret(&out->username, user ? user : "",
		                user ? strlen(user) : 0, err);
		if (st == CNAB_OK)
			st = set_secret(&out->password, secret ? secret : "",
			                secret ? strlen(secret) : 0, err);
	}
	*found = st == CNAB_OK && !cred_empty(out);
out:
	free_json(v);
	return st;
}

/* Whether a helper name is safe to append to "docker-credential-". */
static bool helper_name_ok(const char *name)
{
	const unsigned char *s = (const unsigned char *)name;

	if (!*s || *s == '.' || *s == '-')
		return false;
	for (; *s; s++)
		if (!is_alnum(*s) && *s != '.' && *s != '_' && *s != '-')
			return false;
	return true;
}

static enum cnab_status run_helper(const char *name, const char *host,
                                   const char *path, struct cnab_cred *out,
                                   bool *found, struct cnab_err *err)
{
	struct helper_run h;
	const char *url = is_hub(host, strlen(host)) ? HUB_SERVER_URL : host;
	char line[HELPER_LINE_MAX + 1];
	enum cnab_status st;

	memset(&h, 0, sizeof(h));
	h.host = host;
	h.pid = -1;
	h.out_fd = h.err_fd = -1;
	h.out = (struct sbuf)SBUF_INIT(CNAB_MAX_TOKEN);
	if (!helper_name_ok(name)) {
		st = cnab_err_set(
		        err, CNAB_ERR_INVALID,
		        "cannot parse '%s': invalid credential helper "
		        "name for '%s'",
		        path, host);
		goto out;
	}
	h.prog = cnab_strfmt(HELPER_PREFIX "%s", name);
	if (!h.prog) {
		st = nomem(err);
		goto out;
	}
	st = helper_spawn(&h, url, err);
	if (st == CNAB_OK)
		st = helper_wait(&h, err);
	if (st != CNAB_OK)
		goto out;
	if (WIFSIGNALED(h.status)) {
		st = cnab_err_set(err, CNAB_ERR_AUTH,
		                  "credential helper '%s' for '%s' was killed "
		                  "by signal %d",
		                  h.prog, host, WTERMSIG(h.status));
		goto out;
	}
	if (WIFEXITED(h.status) && WEXITSTATUS(h.status) == 0) {
		st = helper_answer(&h, out, found, err);
		goto out;
	}
	if (mem_has(h.errbuf, h.errlen, "credentials not found") ||
	    mem_has(h.out.data ? h.out.data : "", h.out.len,
	            "credentials not found"))
		goto out; /* anonymous */
	first_line(line, HELPER_LINE_MAX, h.errbuf, h.errlen);
	if (!line[0] && h.out.data)
		first_line(line, HELPER_LINE_MAX, h.out.data, h.out.len);
	if (WIFEXITED(h.status) && WEXITSTATUS(h.status) == 127 && !line[0])
		/* what a child that could not exec says (posix_spawn may
		 * report it so, e.g. under valgrind) */
		st = cnab_err_set(err, CNAB_ERR_AUTH,
		                  "credential helper '%s' for '%s' cannot run: "
		                  "not found on PATH",
		                  h.prog, host);
	else if (line[0])
		st = cnab_err_set(err, CNAB_ERR_AUTH,
		                  "credential helper '%s' for '%s' failed: %s",
		                  h.prog, host, line);
	else
		st = cnab_err_set(err, CNAB_ERR_AUTH,
		                  "credential helper '%s' for '%s' failed "
		                  "with exit status %d",
		                  h.prog, host, WEXITSTATUS(h.status));
out:
	close_fd(&h.out_fd);
	close_fd(&h.err_fd);
	if (h.pid > 0) {
		kill(h.pid, SIGKILL);
		while (waitpid(h.pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	sbuf_release(&h.out);
	OPENSSL_cleanse(h.errbuf, sizeof(h.errbuf));
	free(h.prog);
	return st;
}

/*
 * Auth files.
 */

/* Reads fd (path names it in messages) to its end into b. */
static enum cnab_status read_secret_fd(int fd, const char *path, struct sbuf *b,
                                       struct cnab_err *err)
{
	char chunk[8192];
	enum cnab_status st = CNAB_OK;
	ssize_t n;

	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			st = cnab_err_set(err, CNAB_ERR_IO,
			                  "cannot read '%s': %s", path,
			                  strerror(errno));
			break;
		}
		if (n == 0)
			break;
		st = sbuf_add(b, chunk, (size_t)n);
		if (st == CNAB_ERR_TOOBIG) {
			cnab_err_set(err, st,
			             "'%s' is larger than the limit of %zu "
			             "bytes",
			             path, b->max);
			break;
		}
		if (st != CNAB_OK) {
			nomem(err);
			break;
		}
	}
	OPENSSL_cleanse(chunk, sizeof(chunk));
	return st;
}

/*
 * The auth file "-": stdin can be read only once, so what it held (or why
 * it could not be read) is kept for every lookup of the process, each
 * registry handle's included, and wiped at exit.
 */
static pthread_mutex_t stdin_lock = PTHREAD_MUTEX_INITIALIZER;
static bool stdin_read;
static struct sbuf stdin_copy = SBUF_INIT(CNAB_MAX_DOCUMENT);
static struct cnab_err stdin_err = CNAB_ERR_INIT;

static void stdin_wipe(void)
{
	pthread_mutex_lock(&stdin_lock);
	sbuf_release(&stdin_copy);
	pthread_mutex_unlock(&stdin_lock);
}

static enum cnab_status read_stdin(struct sbuf *b, struct cnab_err *err)
{
	enum cnab_status st;

	pthread_mutex_lock(&stdin_lock);
	if (!stdin_read) {
		stdin_read = true;
		if (read_secret_fd(STDIN_FILENO, "-", &stdin_copy,
		                   &stdin_err) != CNAB_OK)
			sbuf_release(&stdin_copy);
		atexit(stdin_wipe);
	}
	if (stdin_err.status != CNAB_OK) {
		st = cnab_err_set(err, stdin_err.status, "%s", stdin_err.msg);
	} else {
		st = sbuf_add(b, stdin_copy.data, stdin_copy.len);
		if (st == CNAB_ERR_TOOBIG)
			cnab_err_set(
			        err, st,
			        "'-' is larger than the limit of %zu bytes",
			        b->max);
		else if (st != CNAB_OK)
			nomem(err);
	}
	pthread_mutex_unlock(&stdin_lock);
	return st;
}

/*
 * Reads path ("-": stdin) into b.  When it does not exist:
 * CNAB_ERR_NOTFOUND if must_exist, else CNAB_OK with *exists false.
 */
static enum cnab_status read_secret_file(const char *path, bool must_exist,
                                         struct sbuf *b, bool *exists,
                                         struct cnab_err *err)
{
	enum cnab_status st;
	int fd;

	*exists = false;
	if (!strcmp(path, "-")) {
		*exists = true;
		return read_stdin(b, err);
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (!must_exist && (errno == ENOENT || errno == ENOTDIR))
			return CNAB_OK;
		return cnab_err_set(
		        err, errno == ENOENT ? CNAB_ERR_NOTFOUND : CNAB_ERR_IO,
		        "cannot open '%s': %s", path, strerror(errno));
	}
	*exists = true;
	st = read_secret_fd(fd, path, b, err);
	close(fd);
	return st;
}

/* Finds and reads the auth file; *path is NULL when there is none. */
static enum cnab_status load_auth_file(const char *authfile, char **path,
                                       struct sbuf *b, struct cnab_err *err)
{
	const char *env[3];
	const char *suffix[3] = {"", "/config.json", "/.docker/config.json"};
	enum cnab_status st = CNAB_OK;
	bool exists = false;
	size_t i;

	*path = NULL;
	if (authfile) {
		*path = strdup(authfile);
		if (!*path)
			return nomem(err);
		return read_secret_file(authfile, true, b, &exists, err);
	}
	env[0] = getenv("REGISTRY_AUTH_FILE");
	env[1] = getenv("DOCKER_CONFIG");
	env[2] = getenv("HOME");
	for (i = 0; i < 3; i++) {
		if (!env[i] || !*env[i])
			continue;
		*path = cnab_strfmt("%s%s", env[i], suffix[i]);
		if (!*path)
			return nomem(err);
		st = read_secret_file(*path, false, b, &exists, err);
		if (st != CNAB_OK || exists)
			return st;
		free(*path);
		*path = NULL;
	}
	return CNAB_OK;
}

/* The helper named for host in "credHelpers", or NULL. */
static enum cnab_status find_cred_helper(const json_t *helpers,
                                         const char *host, const char *path,
                                         const char **name,
                                         struct cnab_err *err)
{
	const json_t *v = json_object_get(helpers, host);
	const char *key;
	json_t *m;

	*name = NULL;
	if (!v) {
		json_object_foreach((json_t *)helpers, key, m)
		{
			if (key_names_host(key, host)) {
				v = m;
				break;
			}
		}
	}
	if (!v)
		return CNAB_OK;
	if (!json_is_string(v))
		return cnab_err_set(err, CNAB_ERR_INVALID,
		                    "cannot parse '%s': the 'credHelpers' "
		                    "entry for '%s' must be a string",
		                    path, host);
	*name = json_string_value(v);
	return CNAB_OK;
}

static bool host_ok(const char *host)
{
	const unsigned char *s = (const unsigned char *)host;

	if (!host || !*host || strnlen(host, HOST_MAX + 1) > HOST_MAX)
		return false;
	for (; *s; s++)
		if (*s <= 0x20 || *s >= 0x7f || *s == '/')
			return false;
	return true;
}

enum cnab_status cnab_cred_lookup(const char *authfile, const char *host,
                                  struct cnab_cred *out, bool *found,
                                  struct cnab_err *err)
{
	struct sbuf file = SBUF_INIT(CNAB_MAX_DOCUMENT);
	char reason[CNAB_ERR_MSG_MAX];
	const json_t *helpers, *auths, *store;
	const char *name = NULL;
	char *path = NULL;
	json_t *root = NULL;
	enum cnab_status st;

	memset(out, 0, sizeof(*out));
	*found = false;
	if (!host_ok(host)) {
		st = cnab_err_set(err, CNAB_ERR_INVALID,
		                  "cannot look up credentials: invalid "
		                  "registry host");
		goto out;
	}
	st = load_auth_file(authfile, &path, &file, err);
	if (st != CNAB_OK || !path || file.len == 0)
		goto out;
	st = parse_quiet(file.data, file.len, CNAB_MAX_DOCUMENT, path, &root,
	                 reason, sizeof(reason));
	if (st != CNAB_OK) {
		st = cnab_err_set(err, st, "cannot parse '%s': %s", path,
		                  reason);
		goto out;
	}
	if (!json_is_object(root)) {
		st = cnab_err_set(err, CNAB_ERR_INVALID,
		                  "cannot parse '%s': not a JSON object", path);
		goto out;
	}
	helpers = json_object_get(root, "credHelpers");
	auths = json_object_get(root, "auths");
	store = json_object_get(root, "credsStore");
	if ((helpers && !json_is_null(helpers) && !json_is_object(helpers)) ||
	    (auths && !json_is_null(auths) && !json_is_object(auths)) ||
	    (store && !json_is_null(store) && !json_is_string(store))) {
		st = cnab_err_set(err, CNAB_ERR_INVALID,
		                  "cannot parse '%s': 'auths' and "
		                  "'credHelpers' must be objects, 'credsStore' "
		                  "a string",
		                  path);
		goto out;
	}
	if (json_is_object(helpers)) {
		st = find_cred_helper(helpers, host, path, &name, err);
		if (st != CNAB_OK)
			goto out;
		if (name) {
			st = run_helper(name, host, path, out, found, err);
			goto out;
		}
	}
	if (json_is_object(auths)) {
		st = from_auths(auths, host, path, out, err);
		if (st != CNAB_OK)
			goto out;
		*found = !cred_empty(out);
		if (*found)
			goto out;
	}
	if (json_is_string(store) && *json_string_value(store))
		st = run_helper(json_string_value(store), host, path, out,
		                found, err);
out:
	if (st != CNAB_OK) {
		cnab_cred_release(out);
		*found = false;
	}
	OPENSSL_cleanse(reason, sizeof(reason));
	free_json(root);
	sbuf_release(&file);
	free(path);
	return st;
}

enum cnab_status cnab_cred_basic_header(const struct cnab_cred *c, char **out,
                                        struct cnab_err *err)
{
	static const char prefix[] = "Basic ";
	struct sbuf raw = SBUF_INIT(CNAB_MAX_DOCUMENT);
	enum cnab_status st;
	size_t enc, size;

	*out = NULL;
	if (!c || !c->username || !c->password) {
		st = cnab_err_set(err, CNAB_ERR_INVALID,
		                  "cannot build a Basic authorization: no user "
		                  "name and password");
		goto out;
	}
	if (strchr(c->username, ':')) {
		st = cnab_err_set(
		        err, CNAB_ERR_INVALID,
		        "cannot build a Basic authorization: the user "
		        "name holds a ':'");
		goto out;
	}
	st = sbuf_addstr(&raw, c->username);
	if (st == CNAB_OK)
		st = sbuf_add(&raw, ":", 1);
	if (st == CNAB_OK)
		st = sbuf_addstr(&raw, c->password);
	if (st == CNAB_ERR_TOOBIG) {
		st = cnab_err_set(err, st,
		                  "cannot build a Basic authorization: "
		                  "credentials too long");
		goto out;
	} else if (st != CNAB_OK) {
		st = nomem(err);
		goto out;
	}
	/* raw.len <= 4 MiB: no overflow, and it fits in an int */
	enc = (raw.len + 2) / 3 * 4;
	size = sizeof(prefix) + enc;
	*out = malloc(size);
	if (!*out) {
		st = nomem(err);
		goto out;
	}
	memcpy(*out, prefix, sizeof(prefix) - 1);
	EVP_EncodeBlock((unsigned char *)*out + sizeof(prefix) - 1,
	                (const unsigned char *)raw.data, (int)raw.len);
out:
	sbuf_release(&raw);
	return st;
}

/*
 * Token endpoint.
 */

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
	st = parse_quiet(data, len, CNAB_MAX_TOKEN, subject, &v, reason,
	                 sizeof(reason));
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
	if (!get_string(v, "token", &tok) ||
	    !get_string(v, "access_token", &acc) ||
	    !get_string(v, "refresh_token", &ref) ||
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
		st = nomem(err);
		goto out;
	}
	if (refresh && ref && *ref) {
		*refresh = strdup(ref);
		if (!*refresh) {
			st = nomem(err);
			goto out;
		}
	}
	if (expires_in)
		*expires_in = secs;
out:
	if (st != CNAB_OK) {
		free_secret(*token);
		*token = NULL;
		if (refresh) {
			free_secret(*refresh);
			*refresh = NULL;
		}
	}
	free_json(v);
	return st;
}

/* Appends "&name=<value URL-encoded>" ('&' only after something). */
static enum cnab_status add_param(struct sbuf *b, const char *name,
                                  const char *value, size_t n)
{
	enum cnab_status st;
	char *esc;

	if (n > INT_MAX || n > b->max)
		return CNAB_ERR_TOOBIG;
	esc = curl_easy_escape(NULL, value, (int)n);
	if (!esc)
		return CNAB_ERR_NOMEM;
	st = b->len ? sbuf_add(b, "&", 1) : CNAB_OK;
	if (st == CNAB_OK)
		st = sbuf_addstr(b, name);
	if (st == CNAB_OK)
		st = sbuf_add(b, "=", 1);
	if (st == CNAB_OK)
		st = sbuf_addstr(b, esc);
	OPENSSL_cleanse(esc, strlen(esc));
	curl_free(esc);
	return st;
}

/*
 * Adds the scopes: each as a parameter of its own, or (joined) all joined
 * by spaces into one.
 */
static enum cnab_status add_scopes(struct sbuf *b,
                                   const struct cnab_challenge *c,
                                   const char *const *scopes, size_t nscopes,
                                   bool joined)
{
	struct sbuf all = SBUF_INIT(b->max);
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
			st = sbuf_add(&all, " ", 1);
		if (st == CNAB_OK && joined)
			st = sbuf_addstr(&all, scopes[i]);
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
			st = sbuf_add(&all, " ", 1);
		if (st == CNAB_OK && joined)
			st = sbuf_add(&all, s, n);
	}
	if (st == CNAB_OK && all.len)
		st = add_param(b, "scope", all.data, all.len);
	sbuf_release(&all);
	return st;
}

/* The common part of cnab_token_query() and cnab_token_form(). */
static enum cnab_status token_request(const struct cnab_challenge *c,
                                      const char *const *scopes, size_t nscopes,
                                      const char *refresh, char **out,
                                      struct cnab_err *err)
{
	struct sbuf b = SBUF_INIT(CNAB_MAX_TOKEN);
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
		*out = sbuf_detach(&b);
		if (!*out)
			st = CNAB_ERR_NOMEM;
	}
	if (st == CNAB_ERR_TOOBIG)
		cnab_err_set(err, st,
		             "cannot build a token request: more than %zu "
		             "bytes",
		             b.max);
	else if (st != CNAB_OK)
		nomem(err);
out:
	sbuf_release(&b);
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
