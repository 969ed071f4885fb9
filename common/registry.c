/*
 * The registry handle and its session: TLS from certs.d directories, the
 * /v2/ ping, Basic and Bearer auth (tokens cached per scope), requests
 * with retries and backoff, and the pool of handles.  Manifests, blob
 * reads and uploads are in registry-manifest.c, registry-blob.c and
 * registry-upload.c, on the internals of registry-int.h.
 */
#include "common/registry.h"

#include <dirent.h>
#include <pthread.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/crypto.h>

#include "common/auth.h"
#include "common/buf.h"
#include "common/fsutil.h"
#include "common/http.h"
#include "common/json.h"
#include "common/reference.h"
#include "common/registry-int.h"

#define DEFAULT_CHUNK  ((size_t)8 << 20)
#define SYSTEM_CA_FILE "/etc/ssl/certs/ca-certificates.crt"

struct cnab_reg_token {
	char *scopes; /* space-separated, as asked */
	char *value;  /* "Bearer ..." */
	time_t expires;
};

/*
 * Environment overrides of the retry policy (tests make it quick): a
 * positive decimal number, else (unset, empty, malformed, zero, negative,
 * out of range) dflt.
 */
static long env_long(const char *name, long dflt)
{
	const char *v = getenv(name);
	char *end;
	long n;

	if (!v || !*v)
		return dflt;
	errno = 0;
	n = strtol(v, &end, 10);
	return *end || errno || n <= 0 ? dflt : n;
}

static bool host_listed(const char *host, const char *const *list)
{
	for (; list && *list; list++)
		if (!strcasecmp(*list, host))
			return true;
	return false;
}

/* Appends every *.crt of dir to the CA bundle; remembers a client
 * certificate pair (*.cert + *.key). */
static enum cnab_status load_cert_dir(struct cnab_registry *r, const char *dir,
                                      struct cnab_err *err)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	enum cnab_status st = CNAB_OK;

	if (!d)
		return CNAB_OK;
	while ((e = readdir(d)) && st == CNAB_OK) {
		size_t n = strlen(e->d_name);
		char *path, *data = NULL;
		size_t len;

		if (n > 4 && !strcmp(e->d_name + n - 4, ".crt")) {
			path = cnab_strfmt("%s/%s", dir, e->d_name);
			if (!path)
				st = cnab_err_set(err, CNAB_ERR_NOMEM,
				                  "out of memory");
			else
				st = cnab_file_read(path, CNAB_MAX_DOCUMENT,
				                    &data, &len, err);
			if (st == CNAB_OK &&
			    (cnab_buf_add(&r->ca, data, len) != CNAB_OK ||
			     cnab_buf_addch(&r->ca, '\n') != CNAB_OK))
				st = cnab_err_set(err, CNAB_ERR_TOOBIG,
				                  "too many certificates in "
				                  "'%s'",
				                  dir);
			free(data);
			free(path);
		} else if (n > 5 && !strcmp(e->d_name + n - 5, ".cert") &&
		           !r->client_cert) {
			struct stat sb;

			r->client_cert = cnab_strfmt("%s/%s", dir, e->d_name);
			r->client_key = cnab_strfmt("%s/%.*s.key", dir,
			                            (int)(n - 5), e->d_name);
			if (!r->client_cert || !r->client_key)
				st = cnab_err_set(err, CNAB_ERR_NOMEM,
				                  "out of memory");
			else if (stat(r->client_key, &sb) < 0)
				st = cnab_err_set(err, CNAB_ERR_USAGE,
				                  "client certificate '%s' "
				                  "has no key '%s'",
				                  r->client_cert,
				                  r->client_key);
		}
	}
	closedir(d);
	return st;
}

static enum cnab_status setup_tls(struct cnab_registry *r, struct cnab_err *err)
{
	const char *dirs[3];
	char *paths[2];
	enum cnab_status st = CNAB_OK;
	size_t before, common = 0, i;

	paths[0] = cnab_strfmt("/etc/docker/certs.d/%s", r->host);
	paths[1] = cnab_strfmt("/etc/containers/certs.d/%s", r->host);
	if (!paths[0] || !paths[1]) {
		st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
		goto out;
	}
	dirs[0] = r->opts.certdir;
	dirs[1] = paths[0];
	dirs[2] = paths[1];
	/* the system's CAs first, so that extra ones add to them */
	before = r->ca.len;
	for (i = 0; i < 3 && st == CNAB_OK; i++) {
		if (dirs[i])
			st = load_cert_dir(r, dirs[i], err);
		if (i == 0)
			common = r->ca.len - before;
	}
	if (st == CNAB_OK && r->ca.len > before) {
		char *sys = NULL;
		size_t len;
		struct cnab_buf all = CNAB_BUF_INIT(64 << 20);

		if (cnab_file_read(SYSTEM_CA_FILE, 16 << 20, &sys, &len,
		                   NULL) == CNAB_OK)
			cnab_buf_add(&all, sys, len);
		free(sys);
		if (cnab_buf_addch(&all, '\n') != CNAB_OK ||
		    cnab_buf_add(&all, r->ca.data, r->ca.len) != CNAB_OK) {
			cnab_buf_release(&all);
			st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
			goto out;
		}
		if (common)
			r->ca_any_len = all.len - r->ca.len + common;
		cnab_buf_release(&r->ca);
		r->ca = all;
	}
out:
	free(paths[0]);
	free(paths[1]);
	return st;
}

static void http_log(void *ctx, const char *line)
{
	struct cnab_registry *r = ctx;

	r->stats.requests++;
	if (r->opts.log)
		r->opts.log(r->opts.log_ctx, line);
}

enum cnab_status cnab_registry_new(struct cnab_registry **out, const char *host,
                                   const struct cnab_registry_opts *opts,
                                   struct cnab_err *err)
{
	struct cnab_registry *r = calloc(1, sizeof(*r));
	struct cnab_http_config hc = {0};
	enum cnab_status st;

	if (!r)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	cnab_buf_init(&r->ca, 64 << 20);
	r->opts = *opts;
	if (!r->opts.max_attempts)
		r->opts.max_attempts = (int)env_long("CNAB_RETRY_ATTEMPTS", 5);
	if (r->opts.max_attempts < 1)
		r->opts.max_attempts = 1;
	if (!r->opts.retry_base_ms)
		r->opts.retry_base_ms = env_long("CNAB_RETRY_BASE_MS", 250);
	if (!r->opts.retry_cap_ms)
		r->opts.retry_cap_ms = 30000;
	if (!r->opts.chunk_size)
		r->opts.chunk_size =
		        (size_t)env_long("CNAB_CHUNK_SIZE", DEFAULT_CHUNK);
	r->host = strdup(host);
	r->api_host = strdup(!strcmp(host, "docker.io") ? "registry-1.docker.io"
	                                                : host);
	if (!r->host || !r->api_host) {
		st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
		goto fail;
	}
	r->insecure = host_listed(host, opts->insecure);
	r->loopback = cnab_host_is_loopback(host);
	st = setup_tls(r, err);
	if (st != CNAB_OK)
		goto fail;
	/* TLS decided for each URL: these for the registry itself (where
	 * requests go to api_host), the --insecure-registry list and the
	 * --cert-dir CAs for other hosts (token realms, blob stores) */
	hc.host = r->api_host;
	hc.host_insecure = r->insecure;
	hc.insecure = opts->insecure;
	hc.ca_blob = r->ca_any_len ? r->ca.data : NULL;
	hc.ca_blob_len = r->ca_any_len;
	hc.host_ca_blob = r->ca.len ? r->ca.data : NULL;
	hc.host_ca_blob_len = r->ca.len;
	hc.client_cert = r->client_cert;
	hc.client_key = r->client_key;
	if (!r->opts.timeout)
		r->opts.timeout =
		        env_long("CNAB_STALL_TIMEOUT", CNAB_REG_TIMEOUT);
	hc.connect_timeout = r->opts.timeout;
	hc.stall_timeout = r->opts.timeout;
	hc.log = http_log;
	hc.log_ctx = r;
	st = cnab_http_new(&r->http, &hc, err);
	if (st != CNAB_OK)
		goto fail;
	/* (the handle keeps them: one copy for all handles) */
	cnab_buf_release(&r->ca);
	*out = r;
	return CNAB_OK;
fail:
	cnab_registry_free(r);
	return st;
}

static void wipe_free(char *s)
{
	if (s) {
		OPENSSL_cleanse(s, strlen(s));
		free(s);
	}
}

void cnab_registry_free(struct cnab_registry *r)
{
	size_t i;

	if (!r)
		return;
	cnab_http_free(r->http);
	free(r->host);
	free(r->api_host);
	free(r->base);
	cnab_buf_release(&r->ca);
	free(r->client_cert);
	free(r->client_key);
	cnab_challenge_release(&r->challenge);
	for (i = 0; i < r->ncreds; i++) {
		free(r->creds[i].repo);
		cnab_cred_release(&r->creds[i].cred);
		wipe_free(r->creds[i].basic);
	}
	free(r->creds);
	for (i = 0; i < r->ntokens; i++) {
		free(r->tokens[i].scopes);
		wipe_free(r->tokens[i].value);
	}
	free(r->tokens);
	free(r->upload_buf);
	free(r->session);
	free(r->session_repo);
	free(r);
}

const char *cnab_registry_host(const struct cnab_registry *r)
{
	return r->host;
}

void cnab_registry_stats(const struct cnab_registry *r,
                         struct cnab_registry_stats *out)
{
	*out = r->stats;
}

/* "CODE message" of a registry's error body, or "". */
void cnab_reg_error_detail(const struct cnab_http_response *resp, char *buf,
                           size_t size)
{
	json_t *root = NULL, *errors, *e;
	const char *code, *msg;

	buf[0] = '\0';
	if (!resp->body.len ||
	    cnab_json_parse(resp->body.data, resp->body.len, resp->body.max, 0,
	                    "error", &root, NULL) != CNAB_OK)
		return;
	errors = json_object_get(root, "errors");
	e = json_array_get(errors, 0);
	code = json_string_value(json_object_get(e, "code"));
	msg = json_string_value(json_object_get(e, "message"));
	if (code || msg)
		snprintf(buf, size, ": %s%s%.200s", code ? code : "",
		         code && msg ? " " : "", msg ? msg : "");
	/* keep what the registry said printable */
	for (; *buf; buf++)
		if ((unsigned char)*buf < 0x20 || *buf == 0x7f)
			*buf = '?';
	json_decref(root);
}

/*
 * Why the registry (or its token server) said 401, for messages: the
 * credentials of the last authorization were refused, or there were none.
 */
static void auth_reason(struct cnab_registry *r, char *buf, size_t size)
{
	const struct cnab_reg_cred *c =
	        r->last_cred ? &r->creds[r->last_cred - 1] : NULL;
	char *files;

	if (c &&
	    (c->cred.username || c->cred.password || c->cred.identity_token)) {
		snprintf(buf, size,
		         "the credentials for '%s' from '%s' were refused",
		         r->host, c->cred.source ? c->cred.source : "?");
		return;
	}
	files = cnab_cred_files(r->opts.authfile);
	snprintf(buf, size,
	         "no credentials for '%s%s%s' (looked in: %s); use "
	         "--authfile or log in",
	         r->host, c && c->repo ? "/" : "", c && c->repo ? c->repo : "",
	         files ? files : "the auth files");
	free(files);
}

/* The status for an answer that is not a success. */
static enum cnab_status answer_status(long status)
{
	switch (status) {
	case 401:
	case 403:
		return CNAB_ERR_AUTH;
	case 404:
		return CNAB_ERR_NOTFOUND;
	default:
		return CNAB_ERR_REGISTRY;
	}
}

enum cnab_status cnab_reg_fail_answer(struct cnab_registry *r,
                                      const char *method,
                                      const struct cnab_http_response *resp,
                                      const char *what, struct cnab_err *err)
{
	char detail[300];

	char why[CNAB_ERR_MSG_MAX];

	cnab_reg_error_detail(resp, detail, sizeof(detail));
	if (resp->status == 401) {
		auth_reason(r, why, sizeof(why));
		return cnab_err_set(err, CNAB_ERR_AUTH,
		                    "authentication failed for registry '%s': "
		                    "%s %s: 401 unauthorized%s: %s",
		                    r->host, method, what, detail, why);
	}
	if (resp->status == 403)
		return cnab_err_set(err, CNAB_ERR_AUTH,
		                    "access denied by registry '%s': %s %s: "
		                    "403 forbidden%s",
		                    r->host, method, what, detail);
	return cnab_err_set(err, answer_status(resp->status),
	                    "registry '%s': %s %s: %ld%s", r->host, method,
	                    what, resp->status, detail);
}

static enum cnab_status fail_net(struct cnab_registry *r, const char *method,
                                 const char *what, struct cnab_err *nerr,
                                 struct cnab_err *err)
{
	if (nerr->status != CNAB_ERR_NET)
		return cnab_err_set(err, nerr->status, "%s", nerr->msg);
	switch (cnab_http_tls_problem(r->http)) {
	case CNAB_TLS_UNKNOWN_CA:
		break;
	case CNAB_TLS_NAME_MISMATCH:
		return cnab_err_set(err, CNAB_ERR_NET,
		                    "the certificate of registry '%s' is for "
		                    "another host name (%s): use a name it "
		                    "gives, or --insecure-registry %s",
		                    r->host, nerr->msg, r->host);
	case CNAB_TLS_EXPIRED:
		return cnab_err_set(err, CNAB_ERR_NET,
		                    "the certificate of registry '%s' has "
		                    "expired (%s): renew it on the registry, "
		                    "or use --insecure-registry %s",
		                    r->host, nerr->msg, r->host);
	case CNAB_TLS_NOT_YET_VALID:
		return cnab_err_set(err, CNAB_ERR_NET,
		                    "the certificate of registry '%s' is not "
		                    "valid yet (%s): check this machine's "
		                    "clock, and the registry's",
		                    r->host, nerr->msg);
	case CNAB_TLS_CLIENT_REFUSED:
		if (r->client_cert)
			return cnab_err_set(
			        err, CNAB_ERR_NET,
			        "registry '%s' refused the client "
			        "certificate '%s' (%s): give one it "
			        "trusts",
			        r->host, r->client_cert, nerr->msg);
		return cnab_err_set(err, CNAB_ERR_NET,
		                    "registry '%s' wants a client certificate "
		                    "(%s): put NAME.cert and NAME.key in "
		                    "--cert-dir DIR",
		                    r->host, nerr->msg);
	case CNAB_TLS_NONE:
		if (!cnab_http_verify_failed(r->http))
			return cnab_err_set(
			        err, CNAB_ERR_NET,
			        "cannot reach registry '%s': %s %s: "
			        "%s",
			        r->host, method, what, nerr->msg);
		break;
	}
	if (r->opts.certdir)
		return cnab_err_set(err, CNAB_ERR_NET,
		                    "certificate signed by unknown authority "
		                    "for '%s' (%s): no CA of --cert-dir '%s' "
		                    "or of the system signs it; add its CA "
		                    "there, or use --insecure-registry %s",
		                    r->host, nerr->msg, r->opts.certdir,
		                    r->host);
	return cnab_err_set(err, CNAB_ERR_NET,
	                    "certificate signed by unknown authority "
	                    "for '%s' (%s): use --cert-dir DIR with its CA, "
	                    "or --insecure-registry %s",
	                    r->host, nerr->msg, r->host);
}

void cnab_reg_backoff(struct cnab_registry *r, int attempt,
                      const char *retry_after)
{
	r->stats.retries++;
	if (r->opts.retry)
		r->opts.retry(r->opts.retry_ctx, r->host, attempt + 1,
		              r->opts.max_attempts, cnab_http_outcome(r->http));
	cnab_http_sleep_ms(cnab_http_retry_delay(attempt, retry_after,
	                                         r->opts.retry_base_ms,
	                                         r->opts.retry_cap_ms));
}

/* Sends a request that needs no registry auth (the ping, token
 * requests), retrying transport failures and retryable answers. */
static enum cnab_status send_plain(struct cnab_registry *r,
                                   const struct cnab_http_request *req,
                                   struct cnab_http_response *resp,
                                   struct cnab_err *nerr)
{
	enum cnab_status st;
	int attempt;

	for (attempt = 1;; attempt++) {
		cnab_err_clear(nerr);
		st = cnab_http_do(r->http, req, resp, nerr);
		if (attempt >= r->opts.max_attempts)
			return st;
		if (st == CNAB_ERR_NET && !cnab_http_tls_failed(r->http) &&
		    !cnab_http_verify_failed(r->http)) {
			cnab_reg_backoff(r, attempt, NULL);
			continue;
		}
		if (st == CNAB_OK && cnab_http_retryable(resp->status)) {
			cnab_reg_backoff(r, attempt, resp->retry_after);
			continue;
		}
		return st;
	}
}

struct reg_ping {
	char *api_host;
	char *base;
	char *www_authenticate; /* NULL: the ping answered 200 */
};

struct cnab_reg_pings {
	pthread_mutex_t lock;
	struct reg_ping *p;
	size_t n;
};

enum cnab_status cnab_reg_pings_new(struct cnab_reg_pings **out,
                                    struct cnab_err *err)
{
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	pthread_mutex_init(&(*out)->lock, NULL);
	return CNAB_OK;
}

void cnab_reg_pings_free(struct cnab_reg_pings *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->n; i++) {
		free(p->p[i].api_host);
		free(p->p[i].base);
		free(p->p[i].www_authenticate);
	}
	free(p->p);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

/* Takes what another handle's ping of the same host found; false: none. */
static bool ping_known(struct cnab_registry *r)
{
	struct cnab_reg_pings *p = r->opts.pings;
	struct cnab_err ignored = CNAB_ERR_INIT;
	char *base = NULL, *wa = NULL;
	bool found = false, ok = false;
	size_t i;

	if (!p)
		return false;
	pthread_mutex_lock(&p->lock);
	for (i = 0; i < p->n && !found; i++)
		if (!strcmp(p->p[i].api_host, r->api_host)) {
			found = true;
			base = strdup(p->p[i].base);
			wa = p->p[i].www_authenticate
			             ? strdup(p->p[i].www_authenticate)
			             : NULL;
			ok = base && (wa || !p->p[i].www_authenticate);
		}
	pthread_mutex_unlock(&p->lock);
	/* (the header parsed before: it parses again) */
	if (ok && wa &&
	    cnab_challenge_parse(&r->challenge, wa, r->host, &ignored) !=
	            CNAB_OK) {
		cnab_challenge_release(&r->challenge);
		ok = false;
	}
	free(wa);
	if (!ok) {
		free(base);
		return false;
	}
	r->base = base;
	r->pinged = true;
	return true;
}

/* Records what this handle's ping found, for the others (best effort). */
static void ping_share(struct cnab_registry *r, const char *www_authenticate)
{
	struct cnab_reg_pings *p = r->opts.pings;
	struct reg_ping e = {0}, *grown;
	size_t i;

	if (!p)
		return;
	e.api_host = strdup(r->api_host);
	e.base = strdup(r->base);
	e.www_authenticate = www_authenticate ? strdup(www_authenticate) : NULL;
	pthread_mutex_lock(&p->lock);
	for (i = 0; i < p->n; i++)
		if (!strcmp(p->p[i].api_host, r->api_host))
			break;
	if (i == p->n && e.api_host && e.base &&
	    (e.www_authenticate || !www_authenticate)) {
		grown = realloc(p->p, (p->n + 1) * sizeof(*p->p));
		if (grown) {
			p->p = grown;
			p->p[p->n++] = e;
			memset(&e, 0, sizeof(e));
		}
	}
	pthread_mutex_unlock(&p->lock);
	free(e.api_host);
	free(e.base);
	free(e.www_authenticate);
}

static enum cnab_status ping(struct cnab_registry *r, struct cnab_err *err)
{
	const char *schemes[2] = {"https", "http"};
	int nschemes = r->insecure || r->loopback ? 2 : 1, i;
	struct cnab_http_response resp = {0};
	struct cnab_err nerr = CNAB_ERR_INIT;
	enum cnab_status st = CNAB_OK;
	char *url = NULL;

	if (r->pinged || ping_known(r))
		return CNAB_OK;
	for (i = 0; i < nschemes; i++) {
		struct cnab_http_request req = {0};

		free(url);
		url = cnab_strfmt("%s://%s/v2/", schemes[i], r->api_host);
		if (!url) {
			st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
			goto out;
		}
		req.method = "GET";
		req.url = url;
		st = send_plain(r, &req, &resp, &nerr);
		if (st == CNAB_OK)
			break;
		/* a loopback or insecure host that does not speak TLS */
		if (!(i + 1 < nschemes && cnab_http_tls_failed(r->http))) {
			st = fail_net(r, "GET", "/v2/", &nerr, err);
			goto out;
		}
	}
	if (resp.status == 401) {
		if (!resp.www_authenticate) {
			st = cnab_err_set(err, CNAB_ERR_AUTH,
			                  "registry '%s' asks for "
			                  "authentication but names no "
			                  "scheme",
			                  r->host);
			goto out;
		}
		st = cnab_challenge_parse(&r->challenge, resp.www_authenticate,
		                          r->host, err);
		if (st != CNAB_OK) {
			cnab_err_restatus(err, CNAB_ERR_AUTH);
			st = CNAB_ERR_AUTH;
			goto out;
		}
	} else if (resp.status != 200) {
		st = cnab_err_set(err, CNAB_ERR_REGISTRY,
		                  "'%s' is not an OCI registry: GET /v2/ "
		                  "answered %ld",
		                  r->host, resp.status);
		goto out;
	}
	r->base = cnab_strfmt("%s://%s", schemes[i], r->api_host);
	if (!r->base) {
		st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
		goto out;
	}
	r->pinged = true;
	ping_share(r, resp.status == 401 ? resp.www_authenticate : NULL);
out:
	free(url);
	cnab_http_response_release(&resp);
	return st;
}

/* The repository of a scope "repository:REPO:ACTIONS", to free; NULL when
 * it is not one (or out of memory). */
static char *scope_repo(const char *scope)
{
	const char *p, *e;

	if (strncmp(scope, "repository:", 11))
		return NULL;
	p = scope + 11;
	e = strrchr(p, ':');
	if (!e || e == p)
		return NULL;
	return cnab_strfmt("%.*s", (int)(e - p), p);
}

/*
 * The credentials for the first repository of scopes (the host as a whole
 * when there is none), looked up once per repository.
 */
static enum cnab_status load_cred(struct cnab_registry *r,
                                  const char *const *scopes, size_t n,
                                  struct cnab_reg_cred **out,
                                  struct cnab_err *err)
{
	struct cnab_reg_cred *grown, c = {0};
	enum cnab_status st;
	bool found = false;
	size_t i;

	if (n > 0) {
		c.repo = scope_repo(scopes[0]);
		if (!c.repo && !strncmp(scopes[0], "repository:", 11))
			return cnab_err_set(err, CNAB_ERR_NOMEM,
			                    "out of memory");
	}
	for (i = 0; i < r->ncreds; i++)
		if (c.repo ? r->creds[i].repo &&
		                     !strcmp(r->creds[i].repo, c.repo)
		           : !r->creds[i].repo) {
			free(c.repo);
			r->last_cred = i + 1;
			*out = &r->creds[i];
			return CNAB_OK;
		}
	st = cnab_cred_lookup(r->opts.authfile, r->host, c.repo, &c.cred,
	                      &found, err);
	if (st == CNAB_OK && found && c.cred.username && c.cred.password)
		st = cnab_cred_basic_header(&c.cred, &c.basic, err);
	if (st == CNAB_OK) {
		grown = realloc(r->creds, (r->ncreds + 1) * sizeof(*r->creds));
		if (!grown)
			st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
		else
			r->creds = grown;
	}
	if (st != CNAB_OK) {
		/* looked up again next time, failing the same way */
		free(c.repo);
		cnab_cred_release(&c.cred);
		wipe_free(c.basic);
		return st;
	}
	r->creds[r->ncreds++] = c;
	r->last_cred = r->ncreds;
	*out = &r->creds[r->ncreds - 1];
	return CNAB_OK;
}

static struct cnab_reg_token *find_token(struct cnab_registry *r,
                                         const char *scopes)
{
	size_t i;

	for (i = 0; i < r->ntokens; i++)
		if (!strcmp(r->tokens[i].scopes, scopes))
			return &r->tokens[i];
	return NULL;
}

/* Fetches a token for scopes from the challenge's realm. */
static enum cnab_status
fetch_token(struct cnab_registry *r, const char *const *scopes, size_t n,
            const char *key, struct cnab_reg_token **out, struct cnab_err *err)
{
	struct cnab_http_response resp = {0};
	struct cnab_http_request req = {0};
	struct cnab_err nerr = CNAB_ERR_INIT;
	char *query = NULL, *url = NULL, *form = NULL, *tok = NULL,
	     *refresh = NULL;
	const char *form_header[] = {
	        "Content-Type: application/x-www-form-urlencoded", NULL};
	struct cnab_reg_token *t;
	struct cnab_reg_cred *c;
	char why[CNAB_ERR_MSG_MAX];
	enum cnab_status st;
	long expires = 60;

	st = load_cred(r, scopes, n, &c, err);
	if (st != CNAB_OK)
		return st;
	if (c->cred.identity_token) {
		st = cnab_token_form(&r->challenge, scopes, n,
		                     c->cred.identity_token, &form, err);
		if (st != CNAB_OK)
			goto out;
		req.method = "POST";
		req.url = r->challenge.realm;
		req.body = form;
		req.body_len = strlen(form);
		req.has_body = true;
		req.headers = form_header;
	} else {
		st = cnab_token_query(&r->challenge, scopes, n, &query, err);
		if (st != CNAB_OK)
			goto out;
		url = cnab_strfmt("%s%s%s", r->challenge.realm,
		                  strchr(r->challenge.realm, '?') ? "&" : "?",
		                  query);
		if (!url) {
			st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
			goto out;
		}
		req.method = "GET";
		req.url = url;
		req.authorization = c->basic;
	}
	req.body_max = CNAB_MAX_TOKEN;
	req.max_redirects = CNAB_REG_MAX_REDIRECTS;
	st = send_plain(r, &req, &resp, &nerr);
	if (st != CNAB_OK) {
		/* an answer over the limit is no token either */
		st = cnab_err_set(err,
		                  nerr.status == CNAB_ERR_TOOBIG ? CNAB_ERR_AUTH
		                                                 : nerr.status,
		                  "cannot get a token for registry '%s' from "
		                  "'%.200s': %s",
		                  r->host, r->challenge.realm, nerr.msg);
		goto out;
	}
	if (resp.status == 401 || resp.status == 403) {
		auth_reason(r, why, sizeof(why));
		st = cnab_err_set(err, CNAB_ERR_AUTH,
		                  "authentication failed for registry '%s': "
		                  "%s (the token server answered %ld)",
		                  r->host, why, resp.status);
		goto out;
	}
	if (resp.status != 200 || resp.truncated) {
		st = cnab_err_set(err, CNAB_ERR_AUTH,
		                  "cannot get a token for registry '%s': the "
		                  "token server answered %ld",
		                  r->host, resp.status);
		goto out;
	}
	st = cnab_token_parse(resp.body.data, resp.body.len, r->host, &tok,
	                      &refresh, &expires, err);
	if (st != CNAB_OK)
		goto out;
	t = find_token(r, key);
	if (!t) {
		struct cnab_reg_token *grown = realloc(
		        r->tokens, (r->ntokens + 1) * sizeof(*r->tokens));

		if (!grown) {
			st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
			goto out;
		}
		r->tokens = grown;
		t = &r->tokens[r->ntokens];
		memset(t, 0, sizeof(*t));
		t->scopes = strdup(key);
		if (!t->scopes) {
			st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
			goto out;
		}
		r->ntokens++;
	}
	wipe_free(t->value);
	t->value = cnab_strfmt("Bearer %s", tok);
	if (!t->value) {
		/* expired: the next request asks for a token again */
		t->expires = 0;
		st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
		goto out;
	}
	t->expires = time(NULL) + expires;
	*out = t;
out:
	if (resp.body.data)
		OPENSSL_cleanse(resp.body.data, resp.body.len);
	cnab_http_response_release(&resp);
	free(query);
	free(url);
	wipe_free(form);
	wipe_free(tok);
	wipe_free(refresh);
	return st;
}

/* The Authorization value for a request needing scopes (NULL: none). */
enum cnab_status cnab_reg_authorization(struct cnab_registry *r,
                                        const char *const *scopes, size_t n,
                                        bool renew, const char **out,
                                        struct cnab_err *err)
{
	struct cnab_buf key = CNAB_BUF_INIT(16384);
	struct cnab_reg_token *t;
	struct cnab_reg_cred *c;
	enum cnab_status st = CNAB_OK;
	size_t i;

	*out = NULL;
	switch (r->challenge.scheme) {
	case CNAB_AUTH_NONE:
		return CNAB_OK;
	case CNAB_AUTH_BASIC:
		st = load_cred(r, scopes, n, &c, err);
		if (st == CNAB_OK)
			*out = c->basic;
		return st;
	case CNAB_AUTH_BEARER:
		break;
	}
	/* (which credentials a token is for, and which a 401 is about) */
	st = load_cred(r, scopes, n, &c, err);
	if (st != CNAB_OK)
		return st;
	for (i = 0; i < n; i++)
		if (cnab_buf_addf(&key, "%s%s", i ? " " : "", scopes[i]) !=
		    CNAB_OK) {
			cnab_buf_release(&key);
			return cnab_err_set(err, CNAB_ERR_NOMEM,
			                    "out of memory");
		}
	t = find_token(r, cnab_buf_str(&key));
	if (renew || !t || t->expires <= time(NULL) + 5)
		st = fetch_token(r, scopes, n, cnab_buf_str(&key), &t, err);
	if (st == CNAB_OK)
		*out = t->value;
	cnab_buf_release(&key);
	return st;
}

/*
 * Sends a registry request with auth for scopes: renews the token once on
 * 401, and retries transport failures and retryable answers when the
 * request can be sent again (no streamed body, nothing sunk yet).
 */
enum cnab_status
cnab_reg_send(struct cnab_registry *r, struct cnab_http_request *req,
              const char *const *scopes, size_t nscopes, const char *what,
              struct cnab_http_response *resp, struct cnab_err *err)
{
	struct cnab_err nerr = CNAB_ERR_INIT;
	enum cnab_status st;
	bool renewed = false;
	int attempt;

	st = ping(r, err);
	if (st != CNAB_OK)
		return st;
	for (attempt = 1;;) {
		bool replay;

		st = cnab_reg_authorization(r, scopes, nscopes, false,
		                            &req->authorization, err);
		if (st != CNAB_OK)
			return st;
		if (!cnab_http_same_origin(req->url, r->base))
			req->authorization = NULL;
		cnab_err_clear(&nerr);
		st = cnab_http_do(r->http, req, resp, &nerr);
		/* sent again only if nothing of it is lost or passed on */
		replay = !req->body_reader && resp->sunk == 0;
		if (st == CNAB_ERR_NET) {
			if (!replay || attempt >= r->opts.max_attempts ||
			    cnab_http_verify_failed(r->http))
				return fail_net(r, req->method, what, &nerr,
				                err);
			cnab_reg_backoff(r, attempt++, NULL);
			continue;
		}
		if (st == CNAB_ERR_TOOBIG)
			return cnab_err_set(err, st, "registry '%s': %s %s: %s",
			                    r->host, req->method, what,
			                    nerr.msg);
		if (st != CNAB_OK)
			return cnab_err_set(err, st, "%s", nerr.msg);
		if (resp->status == 401 && !renewed &&
		    r->challenge.scheme == CNAB_AUTH_BEARER &&
		    !req->body_reader) {
			/* expired or too narrow a token: ask again */
			renewed = true;
			st = cnab_reg_authorization(r, scopes, nscopes, true,
			                            &req->authorization, err);
			if (st != CNAB_OK)
				return st;
			continue;
		}
		if (cnab_http_retryable(resp->status) && replay &&
		    attempt < r->opts.max_attempts) {
			cnab_reg_backoff(r, attempt++, resp->retry_after);
			continue;
		}
		return CNAB_OK;
	}
}

/* Builds "BASE/v2/REPO/KIND/REF" once pinged. */
enum cnab_status cnab_reg_api_url(struct cnab_registry *r, const char *repo,
                                  const char *kind, const char *ref, char **url,
                                  struct cnab_err *err)
{
	enum cnab_status st = ping(r, err);

	if (st != CNAB_OK)
		return st;
	*url = cnab_strfmt("%s/v2/%s/%s/%s", r->base, repo, kind, ref);
	if (!*url)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	return CNAB_OK;
}

char *cnab_reg_scope(const char *repo, const char *actions)
{
	return cnab_strfmt("repository:%s:%s", repo, actions);
}

void cnab_registry_pool_init(struct cnab_registry_pool *p,
                             const struct cnab_registry_opts *opts)
{
	p->opts = *opts;
	p->regs = NULL;
	p->n = 0;
}

enum cnab_status cnab_registry_pool_get(struct cnab_registry_pool *p,
                                        const char *host,
                                        struct cnab_registry **out,
                                        struct cnab_err *err)
{
	struct cnab_registry **grown;
	enum cnab_status st;
	size_t i;

	for (i = 0; i < p->n; i++)
		if (!strcmp(p->regs[i]->host, host)) {
			*out = p->regs[i];
			return CNAB_OK;
		}
	grown = realloc(p->regs, (p->n + 1) * sizeof(*p->regs));
	if (!grown)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	p->regs = grown;
	st = cnab_registry_new(&p->regs[p->n], host, &p->opts, err);
	if (st != CNAB_OK)
		return st;
	*out = p->regs[p->n++];
	return CNAB_OK;
}

void cnab_registry_pool_release(struct cnab_registry_pool *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		cnab_registry_free(p->regs[i]);
	free(p->regs);
	p->regs = NULL;
	p->n = 0;
}
