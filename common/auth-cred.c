/*
 * Credentials for a registry host and repository as the Docker and Podman
 * clients find them: the auth files (the one given, "-" for stdin, or the
 * places containers-auth.json(5) and Docker name, in order), their
 * "auths" (namespaced keys first), "credHelpers" and "credsStore" (helpers
 * are run by auth-helper.c), and the Basic authorization header.
 */
#include "common/auth.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "common/auth-int.h"
#include "common/buf.h"

/* The longest registry host taken, well below a pipe's capacity. */
#define HOST_MAX 300

/*
 * Credentials.
 */
void cnab_cred_release(struct cnab_cred *c)
{
	if (!c)
		return;
	cnab_auth_free_secret(c->username);
	cnab_auth_free_secret(c->password);
	cnab_auth_free_secret(c->identity_token);
	free(c->source);
	c->username = c->password = c->identity_token = NULL;
	c->source = NULL;
}

bool cnab_auth_cred_empty(const struct cnab_cred *c)
{
	return !c->username && !c->password && !c->identity_token;
}

/* Sets *slot to a copy of the first n bytes of s. */
enum cnab_status cnab_auth_set_secret(char **slot, const char *s, size_t n,
                                      struct cnab_err *err)
{
	char *v = malloc(n + 1);

	if (!v)
		return cnab_auth_nomem(err);
	memcpy(v, s, n);
	v[n] = '\0';
	cnab_auth_free_secret(*slot);
	*slot = v;
	return CNAB_OK;
}

bool cnab_auth_is_hub(const char *h, size_t n)
{
	return cnab_auth_name_is(h, n, "docker.io") ||
	       cnab_auth_name_is(h, n, "index.docker.io") ||
	       cnab_auth_name_is(h, n, "registry-1.docker.io");
}

/* Whether the n bytes at a name the same registry host as the n bytes at
 * b, ignoring ASCII case (Docker Hub under any of its names). */
static bool same_host(const char *a, size_t an, const char *b, size_t bn)
{
	if (an == bn && !strncasecmp(a, b, an))
		return true;
	return cnab_auth_is_hub(a, an) && cnab_auth_is_hub(b, bn);
}

/* Whether the path after a key's host ("", "/", "/v1/", "/v2") is an API
 * path Docker wrote, not a namespace. */
static bool api_path(const char *p)
{
	return !*p || !strcmp(p, "/") || !strcmp(p, "/v1") ||
	       !strcmp(p, "/v1/") || !strcmp(p, "/v2") || !strcmp(p, "/v2/");
}

/*
 * Whether an "auths" or "credHelpers" key names the whole of host, as
 * Docker reads it: with a scheme, everything from the first '/' is
 * ignored; without one, a path other than an API path ("/v1/") makes the
 * key a namespace (see key_namespace).
 */
static bool key_names_host(const char *key, const char *host)
{
	bool scheme = true;
	size_t n;

	if (!strncasecmp(key, "https://", 8))
		key += 8;
	else if (!strncasecmp(key, "http://", 7))
		key += 7;
	else
		scheme = false;
	n = strcspn(key, "/");
	if (!scheme && !api_path(key + n))
		return false;
	return same_host(key, n, host, strlen(host));
}

/*
 * How many bytes of repo a namespace key ("HOST/NS", no scheme) covers:
 * the length of NS when repo is NS or starts with "NS/" and HOST names
 * host; 0 otherwise.
 */
static size_t key_namespace(const char *key, const char *host, const char *repo)
{
	size_t n = strcspn(key, "/"), ns;
	const char *p = key + n;

	if (!repo || !*p || strstr(key, "://") ||
	    !same_host(key, n, host, strlen(host)))
		return 0;
	p++;
	ns = strlen(p);
	if (!ns || strncmp(repo, p, ns) || (repo[ns] && repo[ns] != '/'))
		return 0;
	return ns;
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
		} else if (pad ||
		           !(cnab_auth_is_alnum(c) || c == '+' || c == '/')) {
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
	if (!cnab_auth_get_string(entry, "auth", &auth) ||
	    !cnab_auth_get_string(entry, "username", &user) ||
	    !cnab_auth_get_string(entry, "password", &pass) ||
	    !cnab_auth_get_string(entry, "identitytoken", &token)) {
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
		st = cnab_auth_set_secret(&out->username, dec,
		                          (size_t)(colon - dec), err);
		if (st == CNAB_OK)
			st = cnab_auth_set_secret(
			        &out->password, colon + 1,
			        declen - (size_t)(colon - dec) - 1, err);
	} else if (user && *user) {
		st = cnab_auth_set_secret(&out->username, user, strlen(user),
		                          err);
		if (st == CNAB_OK)
			st = cnab_auth_set_secret(&out->password,
			                          pass ? pass : "",
			                          pass ? strlen(pass) : 0, err);
	}
	if (st == CNAB_OK && token && *token)
		st = cnab_auth_set_secret(&out->identity_token, token,
		                          strlen(token), err);
out:
	if (dec) {
		OPENSSL_cleanse(dec, declen);
		free(dec);
	}
	return st;
}

/* Moves the credentials of from into to, leaving from empty. */
static void cred_move(struct cnab_cred *to, struct cnab_cred *from)
{
	cnab_cred_release(to);
	*to = *from;
	memset(from, 0, sizeof(*from));
}

/*
 * The "auths" entry for repo on host: the key naming the longest namespace
 * of repo ("host/org/app" before "host/org"), then the key that is host,
 * then the first in file order naming host; each only when it holds
 * credentials.
 */
static enum cnab_status from_auths(const json_t *auths, const char *host,
                                   const char *repo, const char *path,
                                   struct cnab_cred *out, struct cnab_err *err)
{
	struct cnab_cred tmp = CNAB_CRED_INIT;
	const json_t *entry;
	const char *key;
	size_t best = 0, n;
	json_t *v;
	enum cnab_status st = CNAB_OK;

	json_object_foreach((json_t *)auths, key, v)
	{
		n = key_namespace(key, host, repo);
		if (n <= best)
			continue;
		st = entry_creds(v, host, path, &tmp, err);
		if (st != CNAB_OK)
			goto out;
		if (!cnab_auth_cred_empty(&tmp)) {
			cred_move(out, &tmp);
			best = n;
		}
		cnab_cred_release(&tmp);
	}
	if (best)
		goto out;
	entry = json_object_get(auths, host);
	if (entry) {
		st = entry_creds(entry, host, path, out, err);
		if (st != CNAB_OK || !cnab_auth_cred_empty(out))
			goto out;
	}
	json_object_foreach((json_t *)auths, key, v)
	{
		if (!strcmp(key, host) || !key_names_host(key, host))
			continue;
		st = entry_creds(v, host, path, out, err);
		if (st != CNAB_OK || !cnab_auth_cred_empty(out))
			goto out;
	}
out:
	cnab_cred_release(&tmp);
	return st;
}

/*
 * Auth files.
 */

/* Reads fd (path names it in messages) to its end into b. */
static enum cnab_status read_secret_fd(int fd, const char *path,
                                       struct cnab_sbuf *b,
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
		st = cnab_sbuf_add(b, chunk, (size_t)n);
		if (st == CNAB_ERR_TOOBIG) {
			cnab_err_set(err, st,
			             "'%s' is larger than the limit of %zu "
			             "bytes",
			             path, b->max);
			break;
		}
		if (st != CNAB_OK) {
			cnab_auth_nomem(err);
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
static struct cnab_sbuf stdin_copy = CNAB_SBUF_INIT(CNAB_MAX_DOCUMENT);
static struct cnab_err stdin_err = CNAB_ERR_INIT;

static void stdin_wipe(void)
{
	pthread_mutex_lock(&stdin_lock);
	cnab_sbuf_release(&stdin_copy);
	pthread_mutex_unlock(&stdin_lock);
}

static enum cnab_status read_stdin(struct cnab_sbuf *b, struct cnab_err *err)
{
	enum cnab_status st;

	pthread_mutex_lock(&stdin_lock);
	if (!stdin_read) {
		stdin_read = true;
		if (read_secret_fd(STDIN_FILENO, "-", &stdin_copy,
		                   &stdin_err) != CNAB_OK)
			cnab_sbuf_release(&stdin_copy);
		atexit(stdin_wipe);
	}
	if (stdin_err.status != CNAB_OK) {
		st = cnab_err_set(err, stdin_err.status, "%s", stdin_err.msg);
	} else {
		st = cnab_sbuf_add(b, stdin_copy.data, stdin_copy.len);
		if (st == CNAB_ERR_TOOBIG)
			cnab_err_set(
			        err, st,
			        "'-' is larger than the limit of %zu bytes",
			        b->max);
		else if (st != CNAB_OK)
			cnab_auth_nomem(err);
	}
	pthread_mutex_unlock(&stdin_lock);
	return st;
}

/*
 * Reads path ("-": stdin) into b.  When it does not exist:
 * CNAB_ERR_NOTFOUND if must_exist, else CNAB_OK with *exists false.
 */
static enum cnab_status read_secret_file(const char *path, bool must_exist,
                                         struct cnab_sbuf *b, bool *exists,
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

/* The auth files looked in, in order (see cnab_cred_lookup). */
struct auth_paths {
	char *path[CNAB_CRED_FILES_MAX];
	size_t n;
	bool must_exist; /* the one file given */
};

static void auth_paths_release(struct auth_paths *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		free(p->path[i]);
	p->n = 0;
}

/* Adds "<a><b>" to p unless a is NULL or empty. */
static enum cnab_status add_path(struct auth_paths *p, const char *a,
                                 const char *b, struct cnab_err *err)
{
	if (!a || !*a)
		return CNAB_OK;
	p->path[p->n] = cnab_strfmt("%s%s", a, b);
	if (!p->path[p->n])
		return cnab_auth_nomem(err);
	p->n++;
	return CNAB_OK;
}

static enum cnab_status auth_paths_find(const char *authfile,
                                        struct auth_paths *p,
                                        struct cnab_err *err)
{
	const char *reg = getenv("REGISTRY_AUTH_FILE");
	const char *run = getenv("XDG_RUNTIME_DIR");
	const char *cfg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	enum cnab_status st;
	char uid[64];

	memset(p, 0, sizeof(*p));
	if (authfile) {
		p->must_exist = true;
		return add_path(p, authfile, "", err);
	}
	if (reg && *reg)
		return add_path(p, reg, "", err);
	snprintf(uid, sizeof(uid), "/run/containers/%lu/auth.json",
	         (unsigned long)getuid());
	st = run && *run ? add_path(p, run, "/containers/auth.json", err)
	                 : add_path(p, uid, "", err);
	if (st == CNAB_OK)
		st = cfg && *cfg
		             ? add_path(p, cfg, "/containers/auth.json", err)
		             : add_path(p, home,
		                        "/.config/containers/auth.json", err);
	if (st == CNAB_OK)
		st = add_path(p, getenv("DOCKER_CONFIG"), "/config.json", err);
	if (st == CNAB_OK)
		st = add_path(p, home, "/.docker/config.json", err);
	return st;
}

char *cnab_cred_files(const char *authfile)
{
	struct auth_paths p;
	char *list = NULL, *grown;
	size_t i;

	if (auth_paths_find(authfile, &p, NULL) != CNAB_OK)
		return NULL;
	list = strdup(p.n ? "" : "no file");
	for (i = 0; list && i < p.n; i++) {
		grown = cnab_strfmt("%s%s%s", list, i ? ", " : "", p.path[i]);
		free(list);
		list = grown;
	}
	auth_paths_release(&p);
	return list;
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

/*
 * Looks host and repo up in one auth file, path, already read into data:
 * *found false (and CNAB_OK) when it has nothing for them.
 */
static enum cnab_status lookup_in(const char *data, size_t len,
                                  const char *path, const char *host,
                                  const char *repo, struct cnab_cred *out,
                                  bool *found, struct cnab_err *err)
{
	char reason[CNAB_ERR_MSG_MAX];
	const json_t *helpers, *auths, *store;
	const char *name = NULL;
	json_t *root = NULL;
	enum cnab_status st;

	*found = false;
	st = cnab_auth_parse_quiet(data, len, CNAB_MAX_DOCUMENT, path, &root,
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
			st = cnab_auth_run_helper(name, host, path, out, found,
			                          err);
			goto out;
		}
	}
	if (json_is_object(auths)) {
		st = from_auths(auths, host, repo, path, out, err);
		if (st != CNAB_OK)
			goto out;
		*found = !cnab_auth_cred_empty(out);
		if (*found)
			goto out;
	}
	if (json_is_string(store) && *json_string_value(store))
		st = cnab_auth_run_helper(json_string_value(store), host, path,
		                          out, found, err);
out:
	OPENSSL_cleanse(reason, sizeof(reason));
	cnab_auth_free_json(root);
	return st;
}

enum cnab_status cnab_cred_lookup(const char *authfile, const char *host,
                                  const char *repo, struct cnab_cred *out,
                                  bool *found, struct cnab_err *err)
{
	struct cnab_sbuf file = CNAB_SBUF_INIT(CNAB_MAX_DOCUMENT);
	struct auth_paths paths = {0};
	enum cnab_status st;
	bool exists;
	size_t i;

	memset(out, 0, sizeof(*out));
	*found = false;
	if (!host_ok(host) || (repo && !*repo)) {
		st = cnab_err_set(err, CNAB_ERR_INVALID,
		                  "cannot look up credentials: invalid "
		                  "registry host");
		goto out;
	}
	st = auth_paths_find(authfile, &paths, err);
	for (i = 0; st == CNAB_OK && !*found && i < paths.n; i++) {
		cnab_sbuf_release(&file);
		st = read_secret_file(paths.path[i], paths.must_exist, &file,
		                      &exists, err);
		if (st != CNAB_OK || !exists || file.len == 0)
			continue;
		st = lookup_in(file.data, file.len, paths.path[i], host, repo,
		               out, found, err);
		if (st == CNAB_OK && *found) {
			out->source = strdup(paths.path[i]);
			if (!out->source)
				st = cnab_auth_nomem(err);
		}
	}
out:
	if (st != CNAB_OK) {
		cnab_cred_release(out);
		*found = false;
	}
	cnab_sbuf_release(&file);
	auth_paths_release(&paths);
	return st;
}

enum cnab_status cnab_cred_basic_header(const struct cnab_cred *c, char **out,
                                        struct cnab_err *err)
{
	static const char prefix[] = "Basic ";
	struct cnab_sbuf raw = CNAB_SBUF_INIT(CNAB_MAX_DOCUMENT);
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
	st = cnab_sbuf_addstr(&raw, c->username);
	if (st == CNAB_OK)
		st = cnab_sbuf_add(&raw, ":", 1);
	if (st == CNAB_OK)
		st = cnab_sbuf_addstr(&raw, c->password);
	if (st == CNAB_ERR_TOOBIG) {
		st = cnab_err_set(err, st,
		                  "cannot build a Basic authorization: "
		                  "credentials too long");
		goto out;
	} else if (st != CNAB_OK) {
		st = cnab_auth_nomem(err);
		goto out;
	}
	/* raw.len <= 4 MiB: no overflow, and it fits in an int */
	enc = (raw.len + 2) / 3 * 4;
	size = sizeof(prefix) + enc;
	*out = malloc(size);
	if (!*out) {
		st = cnab_auth_nomem(err);
		goto out;
	}
	memcpy(*out, prefix, sizeof(prefix) - 1);
	EVP_EncodeBlock((unsigned char *)*out + sizeof(prefix) - 1,
	                (const unsigned char *)raw.data, (int)raw.len);
out:
	cnab_sbuf_release(&raw);
	return st;
}
