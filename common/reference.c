/*
 * Image references: a hand-written matcher for the grammar of Docker
 * Distribution v2.8's reference package, its normalisation rules and its
 * familiar form.  See common/reference.h for the grammar.
 *
 * The matcher relies on a property of the grammar: a reference has at most
 * one '@' (the digest has none, nor do name and tag), and its tag, when
 * there is one, follows the last ':' of what precedes the '@', provided
 * that ':' comes after the last '/' (a port is always followed by a '/',
 * and neither a path component nor a tag holds a ':').  So a reference
 * splits in exactly one way, and each part is checked on its own.
 */
#include "common/reference.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/buf.h"

#define LEGACY_DEFAULT_DOMAIN "index.docker.io"
#define OFFICIAL_REPO_PREFIX  "library/"
#define DOCKER_HUB_API_HOST   "registry-1.docker.io"

/* How much of a bad input an error message shows. */
#define SUBJECT_MAX 200

struct span {
	const char *p; /* NULL when the part is absent */
	size_t n;
};

struct ref_parts {
	struct span domain;
	struct span path;
	struct span tag;
	struct span digest;
	size_t name_len;
};

/* Character classes, by hand: the grammar is ASCII and locale-free. */
static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

static bool is_upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

static bool is_alpha(char c)
{
	return is_lower(c) || is_upper(c);
}

static bool is_alnum(char c)
{
	return is_alpha(c) || is_digit(c);
}

static bool is_word(char c)
{
	return is_alnum(c) || c == '_';
}

static bool is_xdigit(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_lower_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f');
}

/*
 * [a-z0-9] in a path component; with fold, upper case counts as lower case
 * (to tell "must be lowercase" from other failures, as v2.8 does by
 * matching the lower-cased input again).
 */
static bool is_component_char(char c, bool fold)
{
	return is_lower(c) || is_digit(c) || (fold && is_upper(c));
}

/* component := [a-z0-9]+ (("." | "_" | "__" | "-"+) [a-z0-9]+)* */
static bool match_component(const char *p, size_t n, bool fold)
{
	size_t i = 0;

	for (;;) {
		size_t start = i;

		while (i < n && is_component_char(p[i], fold))
			i++;
		if (i == start)
			return false;
		if (i == n)
			return true;
		if (p[i] == '.') {
			i++;
		} else if (p[i] == '_') {
			i++;
			if (i < n && p[i] == '_')
				i++;
		} else if (p[i] == '-') {
			while (i < n && p[i] == '-')
				i++;
		} else {
			return false;
		}
	}
}

/* path := component ("/" component)* */
static bool match_path(const char *p, size_t n, bool fold)
{
	size_t start = 0;

	for (size_t i = 0; i <= n; i++) {
		if (i < n && p[i] != '/')
			continue;
		if (!match_component(p + start, i - start, fold))
			return false;
		start = i + 1;
	}
	return true;
}

/* host-part := [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9] */
static bool match_host_part(const char *p, size_t n)
{
	if (n == 0 || !is_alnum(p[0]) || !is_alnum(p[n - 1]))
		return false;
	for (size_t i = 1; i + 1 < n; i++)
		if (!is_alnum(p[i]) && p[i] != '-')
			return false;
	return true;
}

/* domain := host-part ("." host-part)* [":" [0-9]+] */
static bool match_domain(const char *p, size_t n)
{
	const char *colon = memchr(p, ':', n);
	size_t host = colon ? (size_t)(colon - p) : n;
	size_t start = 0;

	if (colon) {
		if (host + 1 == n)
			return false;
		for (size_t i = host + 1; i < n; i++)
			if (!is_digit(p[i]))
				return false;
	}
	for (size_t i = 0; i <= host; i++) {
		if (i < host && p[i] != '.')
			continue;
		if (!match_host_part(p + start, i - start))
			return false;
		start = i + 1;
	}
	return true;
}

/*
 * name := [domain "/"] path, the domain taken whenever it can be (the
 * regular expression's optional group is greedy).
 */
static bool match_name(const char *p, size_t n, bool fold, struct ref_parts *rp)
{
	const char *slash = memchr(p, '/', n);

	if (slash) {
		size_t dn = (size_t)(slash - p);

		if (match_domain(p, dn) &&
		    match_path(slash + 1, n - dn - 1, fold)) {
			rp->domain.p = p;
			rp->domain.n = dn;
			rp->path.p = slash + 1;
			rp->path.n = n - dn - 1;
			return true;
		}
	}
	if (!match_path(p, n, fold))
		return false;
	rp->path.p = p;
	rp->path.n = n;
	return true;
}

/* tag := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127} */
static bool match_tag(const char *p, size_t n)
{
	if (n == 0 || n > CNAB_REF_TAG_MAX || !is_word(p[0]))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!is_word(p[i]) && p[i] != '.' && p[i] != '-')
			return false;
	return true;
}

/*
 * The digest as the reference grammar sees it:
 * [A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)* ":" [0-9a-fA-F]{32,}
 */
static bool match_digest(const char *p, size_t n)
{
	size_t i = 0;

	for (;;) {
		if (i >= n || !is_alpha(p[i]))
			return false;
		i++;
		while (i < n && is_alnum(p[i]))
			i++;
		if (i < n && (p[i] == '-' || p[i] == '_' || p[i] == '+' ||
		              p[i] == '.')) {
			i++;
			continue;
		}
		break;
	}
	if (i >= n || p[i] != ':')
		return false;
	i++;
	if (n - i < 32)
		return false;
	for (; i < n; i++)
		if (!is_xdigit(p[i]))
			return false;
	return true;
}

/* The digest algorithms known, and the length of their hex. */
static const struct {
	const char *name;
	size_t hex;
} digest_algs[] = {
        {"sha256", 64},
        {"sha384", 96},
        {"sha512", 128},
};

/*
 * What the digest library adds to the grammar: a known algorithm and hex of
 * its exact length.  The hex must also be lower case (as the OCI image spec
 * and go-digest 1.0 require; v2.8's older go-digest let upper case through,
 * which can only fail later against a computed digest).  Returns NULL when
 * the digest is good, else the reason.  p must match match_digest.
 */
static const char *check_digest(const char *p, size_t n)
{
	const char *colon = memchr(p, ':', n);
	size_t an = (size_t)(colon - p), hn = n - an - 1;
	size_t want = 0;

	for (size_t i = 0; i < sizeof(digest_algs) / sizeof(digest_algs[0]);
	     i++)
		if (strlen(digest_algs[i].name) == an &&
		    memcmp(digest_algs[i].name, p, an) == 0)
			want = digest_algs[i].hex;
	if (!want)
		return "unsupported digest algorithm";
	if (hn != want)
		return "invalid checksum digest length";
	for (size_t i = 0; i < hn; i++)
		if (!is_lower_hex(colon[1 + i]))
			return "invalid checksum digest format";
	return NULL;
}

/*
 * reference := name [":" tag] ["@" digest], split as the comment at the top
 * of this file says.
 */
static bool match_reference(const char *s, size_t n, bool fold,
                            struct ref_parts *rp)
{
	const char *at = memchr(s, '@', n);
	size_t pre = at ? (size_t)(at - s) : n;
	size_t name_n = pre;
	size_t last_slash = SIZE_MAX, last_colon = SIZE_MAX;

	memset(rp, 0, sizeof(*rp));
	if (at) {
		if (!match_digest(at + 1, n - pre - 1))
			return false;
		rp->digest.p = at + 1;
		rp->digest.n = n - pre - 1;
	}
	for (size_t i = 0; i < pre; i++) {
		if (s[i] == '/')
			last_slash = i;
		else if (s[i] == ':')
			last_colon = i;
	}
	if (last_colon != SIZE_MAX &&
	    (last_slash == SIZE_MAX || last_colon > last_slash)) {
		if (!match_tag(s + last_colon + 1, pre - last_colon - 1))
			return false;
		rp->tag.p = s + last_colon + 1;
		rp->tag.n = pre - last_colon - 1;
		name_n = last_colon;
	}
	if (!match_name(s, name_n, fold, rp))
		return false;
	rp->name_len = name_n;
	return true;
}

/*
 * Writes s, shortened when long, for an error message.  Its bytes are kept:
 * the tools print every message with control characters made visible
 * (tools/output.c), in one form for every message.
 */
static void format_subject(char out[SUBJECT_MAX + 4], const char *s)
{
	size_t i;

	for (i = 0; s[i] && i < SUBJECT_MAX; i++)
		out[i] = s[i];
	if (s[i]) {
		memcpy(out + i, "...", 3);
		i += 3;
	}
	out[i] = '\0';
}

static enum cnab_status fail(struct cnab_err *err, const char *what,
                             const char *subject, const char *reason)
{
	char shown[SUBJECT_MAX + 4];

	format_subject(shown, subject);
	return cnab_err_set(err, CNAB_ERR_INVALID, "invalid %s '%s': %s", what,
	                    shown, reason);
}

static char *dup_span(struct span sp)
{
	char *p = malloc(sp.n + 1);

	if (!p)
		return NULL;
	memcpy(p, sp.p, sp.n);
	p[sp.n] = '\0';
	return p;
}

/* Copies the present parts into ref, which is empty.  CNAB_ERR_NOMEM. */
static enum cnab_status fill(struct cnab_ref *ref, const struct ref_parts *rp)
{
	if (rp->domain.p && !(ref->domain = dup_span(rp->domain)))
		goto nomem;
	if (!(ref->path = dup_span(rp->path)))
		goto nomem;
	if (rp->tag.p && !(ref->tag = dup_span(rp->tag)))
		goto nomem;
	if (rp->digest.p && !(ref->digest = dup_span(rp->digest)))
		goto nomem;
	return CNAB_OK;
nomem:
	cnab_ref_release(ref);
	return CNAB_ERR_NOMEM;
}

/*
 * Parses s (n bytes) as Parse does into out, which is empty; errors name
 * input, the string the user gave.
 */
static enum cnab_status parse_plain(struct cnab_ref *out, const char *s,
                                    size_t n, const char *input,
                                    struct cnab_err *err)
{
	struct ref_parts rp;
	const char *reason;

	if (!match_reference(s, n, false, &rp)) {
		if (n == 0)
			reason = "repository name must have at least one "
			         "component";
		else if (match_reference(s, n, true, &rp))
			reason = "repository name must be lowercase";
		else
			reason = "invalid reference format";
		return fail(err, "reference", input, reason);
	}
	if (rp.name_len > CNAB_REF_NAME_MAX)
		return fail(err, "reference", input,
		            "repository name must not be more than 255 "
		            "characters");
	if (rp.digest.p && (reason = check_digest(rp.digest.p, rp.digest.n)))
		return fail(err, "reference", input, reason);
	if (fill(out, &rp) != CNAB_OK)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "%s",
		                    cnab_strerror(CNAB_ERR_NOMEM));
	return CNAB_OK;
}

/* Moves with into ref, releasing ref's old contents; with is left empty. */
static void replace(struct cnab_ref *ref, struct cnab_ref *with)
{
	struct cnab_ref empty = CNAB_REF_INIT;

	cnab_ref_release(ref);
	*ref = *with;
	*with = empty;
}

static enum cnab_status check_input(const char *s, size_t *n,
                                    struct cnab_err *err)
{
	*n = strnlen(s, CNAB_REF_INPUT_MAX + 1);
	if (*n > CNAB_REF_INPUT_MAX)
		return fail(err, "reference", s, "longer than 4096 bytes");
	return CNAB_OK;
}

enum cnab_status cnab_ref_parse_strict(struct cnab_ref *ref, const char *s,
                                       struct cnab_err *err)
{
	struct cnab_ref tmp = CNAB_REF_INIT;
	enum cnab_status st;
	size_t n;

	st = check_input(s, &n, err);
	if (st != CNAB_OK)
		return st;
	st = parse_plain(&tmp, s, n, s, err);
	if (st == CNAB_OK)
		replace(ref, &tmp);
	return st;
}

/* A bare identifier: exactly 64 lower-case hex digits. */
static bool is_identifier(const char *s, size_t n)
{
	if (n != 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_lower_hex(s[i]))
			return false;
	return true;
}

static bool span_is(struct span sp, const char *lit)
{
	return sp.n == strlen(lit) && memcmp(sp.p, lit, sp.n) == 0;
}

enum cnab_status cnab_ref_parse(struct cnab_ref *ref, const char *s,
                                struct cnab_err *err)
{
	struct cnab_ref tmp = CNAB_REF_INIT;
	struct cnab_buf full = CNAB_BUF_INIT(2 * CNAB_REF_INPUT_MAX);
	struct span domain = {CNAB_REF_DEFAULT_DOMAIN,
	                      sizeof(CNAB_REF_DEFAULT_DOMAIN) - 1};
	struct span rest;
	const char *slash;
	size_t n, remote;
	enum cnab_status st;

	st = check_input(s, &n, err);
	if (st != CNAB_OK)
		goto out;
	if (is_identifier(s, n)) {
		st = fail(err, "reference", s,
		          "cannot specify 64-byte hexadecimal strings");
		goto out;
	}

	/* The domain, as splitDockerDomain finds it. */
	rest.p = s;
	rest.n = n;
	slash = memchr(s, '/', n);
	if (slash) {
		struct span first = {s, (size_t)(slash - s)};

		if (memchr(first.p, '.', first.n) ||
		    memchr(first.p, ':', first.n) ||
		    span_is(first, "localhost")) {
			domain = first;
			rest.p = slash + 1;
			rest.n = n - first.n - 1;
		}
	}
	if (span_is(domain, LEGACY_DEFAULT_DOMAIN)) {
		domain.p = CNAB_REF_DEFAULT_DOMAIN;
		domain.n = sizeof(CNAB_REF_DEFAULT_DOMAIN) - 1;
	}

	/* The repository name (up to the first ':') must be lower case. */
	remote = rest.n;
	for (size_t i = 0; i < rest.n; i++) {
		if (rest.p[i] == ':') {
			remote = i;
			break;
		}
	}
	for (size_t i = 0; i < remote; i++) {
		if (is_upper(rest.p[i])) {
			st = fail(err, "reference", s,
			          "invalid reference format: repository name "
			          "must be lowercase");
			goto out;
		}
	}

	st = cnab_buf_add(&full, domain.p, domain.n);
	if (st == CNAB_OK)
		st = cnab_buf_addch(&full, '/');
	if (st == CNAB_OK && span_is(domain, CNAB_REF_DEFAULT_DOMAIN) &&
	    !memchr(rest.p, '/', rest.n))
		st = cnab_buf_addstr(&full, OFFICIAL_REPO_PREFIX);
	if (st == CNAB_OK)
		st = cnab_buf_add(&full, rest.p, rest.n);
	if (st != CNAB_OK) {
		st = cnab_err_set(err, CNAB_ERR_NOMEM, "%s",
		                  cnab_strerror(CNAB_ERR_NOMEM));
		goto out;
	}

	st = parse_plain(&tmp, cnab_buf_str(&full), full.len, s, err);
	if (st != CNAB_OK)
		goto out;
	if (!tmp.domain) {
		/* "foo_bar.com/x": a domain by the rules above, not a host. */
		st = fail(err, "reference", s, "invalid reference format");
		goto out;
	}
	replace(ref, &tmp);
out:
	cnab_ref_release(&tmp);
	cnab_buf_release(&full);
	return st;
}

enum cnab_status cnab_ref_parse_canonical(struct cnab_ref *ref, const char *s,
                                          struct cnab_err *err)
{
	struct cnab_ref tmp = CNAB_REF_INIT;
	enum cnab_status st;
	char *str = NULL;

	st = cnab_ref_parse(&tmp, s, err);
	if (st != CNAB_OK)
		goto out;
	str = cnab_ref_string(&tmp);
	if (!str) {
		st = cnab_err_set(err, CNAB_ERR_NOMEM, "%s",
		                  cnab_strerror(CNAB_ERR_NOMEM));
		goto out;
	}
	if (strcmp(str, s) != 0) {
		st = fail(err, "reference", s,
		          "repository name must be canonical");
		goto out;
	}
	replace(ref, &tmp);
out:
	free(str);
	cnab_ref_release(&tmp);
	return st;
}

void cnab_ref_release(struct cnab_ref *ref)
{
	if (!ref)
		return;
	free(ref->domain);
	free(ref->path);
	free(ref->tag);
	free(ref->digest);
	ref->domain = NULL;
	ref->path = NULL;
	ref->tag = NULL;
	ref->digest = NULL;
}

/* strdup that keeps NULL; false when memory runs out. */
static bool dup_opt(char **dst, const char *src)
{
	*dst = NULL;
	if (!src)
		return true;
	*dst = strdup(src);
	return *dst != NULL;
}

enum cnab_status cnab_ref_copy(struct cnab_ref *dst, const struct cnab_ref *src)
{
	struct cnab_ref tmp = CNAB_REF_INIT;

	if (!dup_opt(&tmp.domain, src->domain) ||
	    !dup_opt(&tmp.path, src->path) || !dup_opt(&tmp.tag, src->tag) ||
	    !dup_opt(&tmp.digest, src->digest)) {
		cnab_ref_release(&tmp);
		return CNAB_ERR_NOMEM;
	}
	replace(dst, &tmp);
	return CNAB_OK;
}

/* Replaces *slot with a copy of value (NULL clears). */
static enum cnab_status set_member(char **slot, const char *value,
                                   struct cnab_err *err)
{
	char *copy = NULL;

	if (value && !(copy = strdup(value)))
		return cnab_err_set(err, CNAB_ERR_NOMEM, "%s",
		                    cnab_strerror(CNAB_ERR_NOMEM));
	free(*slot);
	*slot = copy;
	return CNAB_OK;
}

enum cnab_status cnab_ref_set_tag(struct cnab_ref *ref, const char *tag,
                                  struct cnab_err *err)
{
	if (tag && !match_tag(tag, strnlen(tag, CNAB_REF_TAG_MAX + 1)))
		return fail(err, "tag", tag, "invalid tag format");
	return set_member(&ref->tag, tag, err);
}

enum cnab_status cnab_ref_set_digest(struct cnab_ref *ref, const char *digest,
                                     struct cnab_err *err)
{
	const char *reason;
	size_t n;

	if (digest) {
		n = strnlen(digest, CNAB_REF_INPUT_MAX + 1);
		if (n > CNAB_REF_INPUT_MAX || !match_digest(digest, n))
			return fail(err, "digest", digest,
			            "invalid digest format");
		reason = check_digest(digest, n);
		if (reason)
			return fail(err, "digest", digest, reason);
	}
	return set_member(&ref->digest, digest, err);
}

/* domain "/" path ":" tag "@" digest, each part only when given. */
static char *build(const char *domain, const char *path, const char *tag,
                   const char *digest)
{
	struct cnab_buf b = CNAB_BUF_INIT(SIZE_MAX / 2);
	enum cnab_status st = CNAB_OK;

	if (domain) {
		st = cnab_buf_addstr(&b, domain);
		if (st == CNAB_OK)
			st = cnab_buf_addch(&b, '/');
	}
	if (st == CNAB_OK && path)
		st = cnab_buf_addstr(&b, path);
	if (st == CNAB_OK && tag)
		st = cnab_buf_addf(&b, ":%s", tag);
	if (st == CNAB_OK && digest)
		st = cnab_buf_addf(&b, "@%s", digest);
	if (st != CNAB_OK) {
		cnab_buf_release(&b);
		return NULL;
	}
	return cnab_buf_detach(&b, NULL);
}

char *cnab_ref_string(const struct cnab_ref *ref)
{
	return build(ref->domain, ref->path, ref->tag, ref->digest);
}

char *cnab_ref_name(const struct cnab_ref *ref)
{
	return build(ref->domain, ref->path, NULL, NULL);
}

char *cnab_ref_familiar(const struct cnab_ref *ref)
{
	const char *domain = ref->domain, *path = ref->path;
	size_t plen = strlen(OFFICIAL_REPO_PREFIX);

	if (domain && strcmp(domain, CNAB_REF_DEFAULT_DOMAIN) == 0) {
		domain = NULL;
		/* "library/x" (exactly two components) is "x". */
		if (path && strncmp(path, OFFICIAL_REPO_PREFIX, plen) == 0 &&
		    !strchr(path + plen, '/'))
			path += plen;
	}
	return build(domain, path, ref->tag, ref->digest);
}

const char *cnab_ref_api_host(const struct cnab_ref *ref)
{
	if (!ref->domain)
		return NULL;
	if (strcmp(ref->domain, CNAB_REF_DEFAULT_DOMAIN) == 0)
		return DOCKER_HUB_API_HOST;
	return ref->domain;
}

/* True when the port part (after a host) is empty or ":" digits. */
static bool is_port_suffix(const char *p)
{
	if (*p == '\0')
		return true;
	if (*p != ':' || p[1] == '\0')
		return false;
	for (p++; *p; p++)
		if (!is_digit(*p))
			return false;
	return true;
}

bool cnab_host_is_loopback(const char *d)
{
	const char *end;
	char host[INET6_ADDRSTRLEN + 64];
	struct in_addr a4;
	struct in6_addr a6;
	size_t n;

	if (!d)
		return false;
	if (d[0] == '[') {
		d++;
		end = strchr(d, ']');
		if (!end || !is_port_suffix(end + 1))
			return false;
	} else {
		end = strchr(d, ':');
		/* more than one ':' is a bare IPv6 address, without port */
		if (!end || strchr(end + 1, ':'))
			end = d + strlen(d);
		else if (!is_port_suffix(end))
			return false;
	}
	n = (size_t)(end - d);
	if (n == 0 || n >= sizeof(host))
		return false;
	memcpy(host, d, n);
	host[n] = '\0';

	if (strcasecmp(host, "localhost") == 0)
		return true;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6) ||
		       (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127);
	return false;
}

bool cnab_ref_is_loopback(const struct cnab_ref *ref)
{
	return cnab_host_is_loopback(ref->domain);
}

bool cnab_ref_same(const char *a, const char *b)
{
	struct cnab_ref ra = CNAB_REF_INIT, rb = CNAB_REF_INIT;
	char *sa = NULL, *sb = NULL;
	bool same;

	if (!a || !b)
		return false;
	if (!strcmp(a, b))
		return true;
	same = cnab_ref_parse(&ra, a, NULL) == CNAB_OK &&
	       cnab_ref_parse(&rb, b, NULL) == CNAB_OK &&
	       (sa = cnab_ref_string(&ra)) && (sb = cnab_ref_string(&rb)) &&
	       !strcmp(sa, sb);
	free(sa);
	free(sb);
	cnab_ref_release(&ra);
	cnab_ref_release(&rb);
	return same;
}
