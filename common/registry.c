#include "common/registry.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "common/auth.h"
#include "common/buf.h"
#include "common/fsutil.h"
#include "common/http.h"
#include "common/json.h"
#include "common/reference.h"

#define DEFAULT_CHUNK ((size_t)8 << 20)
/* The most of a blob kept in memory for an upload, whatever the registry
 * demands (OCI-Chunk-Min-Length): per handle, so per job */
#define MAX_CHUNK      ((size_t)32 << 20)
#define MAX_REDIRECTS  5
#define SYSTEM_CA_FILE "/etc/ssl/certs/ca-certificates.crt"

static const char accept_manifests[] =
        "Accept: " CNAB_MT_OCI_MANIFEST ", " CNAB_MT_OCI_INDEX
        ", " CNAB_MT_DOCKER_MANIFEST ", " CNAB_MT_DOCKER_LIST;

struct token {
	char *scopes; /* space-separated, as asked */
	char *value;  /* "Bearer ..." */
	time_t expires;
};

struct cnab_registry {
	char *host;     /* as references name it */
	char *api_host; /* what to connect to */
	char *base;     /* "https://HOST" once pinged */
	bool insecure;
	bool loopback;
	struct cnab_registry_opts opts;
	struct cnab_http *http;
	/* the system's CAs with extra ones: those of --cert-dir (for every
	 * host) then those of certs.d/HOST (for HOST only), all of them for
	 * HOST, the first ca_any_len bytes for others (0: none extra) */
	struct cnab_buf ca;
	size_t ca_any_len;
	char *client_cert, *client_key;
	bool pinged;
	struct cnab_challenge challenge;
	bool cred_loaded;
	struct cnab_cred cred;
	char *basic; /* "Basic ..." when there are credentials */
	struct token *tokens;
	size_t ntokens;
	struct cnab_registry_stats stats;
	char *upload_buf; /* see upload_buffer */
	size_t upload_buf_size;
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
	hc.stall_timeout = env_long("CNAB_STALL_TIMEOUT", 60);
	hc.log = http_log;
	hc.log_ctx = r;
	st = cnab_http_new(&r->http, &hc, err);
	if (st != CNAB_OK)
		goto fail;
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
	cnab_cred_release(&r->cred);
	wipe_free(r->basic);
	for (i = 0; i < r->ntokens; i++) {
		free(r->tokens[i].scopes);
		wipe_free(r->tokens[i].value);
	}
	free(r->tokens);
	free(r->upload_buf);
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
static void error_detail(const struct cnab_http_response *resp, char *buf,
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

static enum cnab_status fail_answer(struct cnab_registry *r, const char *method,
                                    const struct cnab_http_response *resp,
                                    const char *what, struct cnab_err *err)
{
	char detail[300];

	error_detail(resp, detail, sizeof(detail));
	if (resp->status == 401)
		return cnab_err_set(err, CNAB_ERR_AUTH,
		                    "authentication failed for registry '%s': "
		                    "%s %s: 401 unauthorized%s",
		                    r->host, method, what, detail);
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
	if (cnab_http_verify_failed(r->http))
		return cnab_err_set(err, CNAB_ERR_NET,
		                    "certificate signed by unknown authority "
		                    "for '%s' (%s): use --cert-dir DIR or "
		                    "--insecure-registry %s",
		                    r->host, nerr->msg, r->host);
	return cnab_err_set(err, CNAB_ERR_NET,
	                    "cannot reach registry '%s': %s %s: %s", r->host,
	                    method, what, nerr->msg);
}

static void backoff(struct cnab_registry *r, int attempt,
                    const char *retry_after)
{
	r->stats.retries++;
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
			backoff(r, attempt, NULL);
			continue;
		}
		if (st == CNAB_OK && cnab_http_retryable(resp->status)) {
			backoff(r, attempt, resp->retry_after);
			continue;
		}
		return st;
	}
}

static enum cnab_status ping(struct cnab_registry *r, struct cnab_err *err)
{
	const char *schemes[2] = {"https", "http"};
	int nschemes = r->insecure || r->loopback ? 2 : 1, i;
	struct cnab_http_response resp = {0};
	struct cnab_err nerr = CNAB_ERR_INIT;
	enum cnab_status st = CNAB_OK;
	char *url = NULL;

	if (r->pinged)
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
out:
	free(url);
	cnab_http_response_release(&resp);
	return st;
}

static enum cnab_status load_cred(struct cnab_registry *r, struct cnab_err *err)
{
	enum cnab_status st;
	bool found = false;

	if (r->cred_loaded)
		return CNAB_OK;
	st = cnab_cred_lookup(r->opts.authfile, r->host, &r->cred, &found, err);
	if (st != CNAB_OK)
		return st;
	if (found && r->cred.username && r->cred.password) {
		st = cnab_cred_basic_header(&r->cred, &r->basic, err);
		if (st != CNAB_OK) {
			/* looked up again next time, failing the same way */
			cnab_cred_release(&r->cred);
			return st;
		}
	}
	r->cred_loaded = true;
	return CNAB_OK;
}

static struct token *find_token(struct cnab_registry *r, const char *scopes)
{
	size_t i;

	for (i = 0; i < r->ntokens; i++)
		if (!strcmp(r->tokens[i].scopes, scopes))
			return &r->tokens[i];
	return NULL;
}

/* Fetches a token for scopes from the challenge's realm. */
static enum cnab_status fetch_token(struct cnab_registry *r,
                                    const char *const *scopes, size_t n,
                                    const char *key, struct token **out,
                                    struct cnab_err *err)
{
	struct cnab_http_response resp = {0};
	struct cnab_http_request req = {0};
	struct cnab_err nerr = CNAB_ERR_INIT;
	char *query = NULL, *url = NULL, *form = NULL, *tok = NULL,
	     *refresh = NULL;
	const char *form_header[] = {
	        "Content-Type: application/x-www-form-urlencoded", NULL};
	struct token *t;
	enum cnab_status st;
	long expires = 60;

	st = load_cred(r, err);
	if (st != CNAB_OK)
		return st;
	if (r->cred.identity_token) {
		st = cnab_token_form(&r->challenge, scopes, n,
		                     r->cred.identity_token, &form, err);
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
		req.authorization = r->basic;
	}
	req.body_max = CNAB_MAX_TOKEN;
	req.max_redirects = MAX_REDIRECTS;
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
		st = cnab_err_set(err, CNAB_ERR_AUTH,
		                  "authentication failed for registry '%s': "
		                  "the token server refused %s (%ld)",
		                  r->host,
		                  r->basic || r->cred.identity_token
		                          ? "the credentials"
		                          : "anonymous access",
		                  resp.status);
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
		struct token *grown = realloc(
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
static enum cnab_status authorization(struct cnab_registry *r,
                                      const char *const *scopes, size_t n,
                                      bool renew, const char **out,
                                      struct cnab_err *err)
{
	struct cnab_buf key = CNAB_BUF_INIT(16384);
	struct token *t;
	enum cnab_status st = CNAB_OK;
	size_t i;

	*out = NULL;
	switch (r->challenge.scheme) {
	case CNAB_AUTH_NONE:
		return CNAB_OK;
	case CNAB_AUTH_BASIC:
		st = load_cred(r, err);
		*out = r->basic;
		return st;
	case CNAB_AUTH_BEARER:
		break;
	}
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
static enum cnab_status
send_req(struct cnab_registry *r, struct cnab_http_request *req,
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

		st = authorization(r, scopes, nscopes, false,
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
			backoff(r, attempt++, NULL);
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
			st = authorization(r, scopes, nscopes, true,
			                   &req->authorization, err);
			if (st != CNAB_OK)
				return st;
			continue;
		}
		if (cnab_http_retryable(resp->status) && replay &&
		    attempt < r->opts.max_attempts) {
			backoff(r, attempt++, resp->retry_after);
			continue;
		}
		return CNAB_OK;
	}
}

/* Builds "BASE/v2/REPO/KIND/REF" once pinged. */
static enum cnab_status api_url(struct cnab_registry *r, const char *repo,
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

static char *scope(const char *repo, const char *actions)
{
	return cnab_strfmt("repository:%s:%s", repo, actions);
}

void cnab_reg_manifest_release(struct cnab_reg_manifest *m)
{
	free(m->data);
	free(m->media_type);
	memset(m, 0, sizeof(*m));
}

/* The media type of a Content-Type header (without parameters). */
static char *media_type_of(const char *content_type)
{
	size_t n;

	if (!content_type)
		return NULL;
	n = strcspn(content_type, "; \t");
	return n ? strndup(content_type, n) : NULL;
}

enum cnab_status cnab_reg_get_manifest(struct cnab_registry *r,
                                       const char *repo, const char *reference,
                                       struct cnab_reg_manifest *out,
                                       struct cnab_err *err)
{
	struct cnab_http_response resp = {0};
	struct cnab_http_request req = {0};
	const char *headers[] = {accept_manifests, NULL};
	char *url = NULL, *sc = scope(repo, "pull"), *what = NULL;
	const char *scopes[1] = {sc};
	struct cnab_digest want;
	enum cnab_status st;

	memset(out, 0, sizeof(*out));
	what = cnab_strfmt("manifest '%s/%s%s%s'", r->host, repo,
	                   cnab_digest_valid(reference) ? "@" : ":", reference);
	if (!sc || !what) {
		st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
		goto out;
	}
	st = api_url(r, repo, "manifests", reference, &url, err);
	if (st != CNAB_OK)
		goto out;
	req.method = "GET";
	req.url = url;
	req.headers = headers;
	req.body_max = CNAB_MAX_DOCUMENT;
	req.max_redirects = MAX_REDIRECTS;
	st = send_req(r, &req, scopes, 1, what, &resp, err);
	if (st != CNAB_OK)
		goto out;
	if (resp.status == 404) {
		st = cnab_err_set(err, CNAB_ERR_NOTFOUND, "%s not found", what);
		goto out;
	}
	if (resp.status != 200) {
		st = fail_answer(r, "GET", &resp, what, err);
		goto out;
	}
	/* the digest of what arrived, in the algorithm asked for */
	if (cnab_digest_parse(&want, reference, NULL) != CNAB_OK &&
	    cnab_digest_parse(&want,
	                      resp.docker_digest ? resp.docker_digest : "",
	                      NULL) != CNAB_OK)
		want.alg = CNAB_DIGEST_SHA256;
	st = cnab_digest_of(want.alg, resp.body.data, resp.body.len,
	                    &out->digest);
	if (st != CNAB_OK) {
		st = cnab_err_set(err, st, "cannot hash %s", what);
		goto out;
	}
	if ((cnab_digest_valid(reference) ||
	     cnab_digest_valid(resp.docker_digest)) &&
	    !cnab_digest_equal(&out->digest, &want)) {
		char got[CNAB_DIGEST_STR_MAX], exp[CNAB_DIGEST_STR_MAX];

		cnab_digest_format(&out->digest, got);
		cnab_digest_format(&want, exp);
		st = cnab_err_set(err, CNAB_ERR_INTEGRITY,
		                  "digest mismatch for %s: content is %s, "
		                  "expected %s",
		                  what, got, exp);
		goto out;
	}
	out->media_type = media_type_of(resp.content_type);
	out->data = cnab_buf_detach(&resp.body, &out->len);
	if (!out->data)
		st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
out:
	if (st != CNAB_OK)
		cnab_reg_manifest_release(out);
	cnab_http_response_release(&resp);
	free(url);
	free(sc);
	free(what);
	return st;
}

enum cnab_status cnab_reg_head_manifest(struct cnab_registry *r,
                                        const char *repo, const char *reference,
                                        bool *exists, struct cnab_descriptor *d,
                                        struct cnab_err *err)
{
	struct cnab_http_response resp = {0};
	struct cnab_http_request req = {0};
	const char *headers[] = {accept_manifests, NULL};
	char *url = NULL, *sc = scope(repo, "pull");
	const char *scopes[1] = {sc};
	char what[600];
	enum cnab_status st;

	*exists = false;
	snprintf(what, sizeof(what), "manifest '%s/%s:%s'", r->host, repo,
	         reference);
	if (!sc)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	st = api_url(r, repo, "manifests", reference, &url, err);
	if (st != CNAB_OK)
		goto out;
	req.method = "HEAD";
	req.url = url;
	req.headers = headers;
	req.max_redirects = MAX_REDIRECTS;
	st = send_req(r, &req, scopes, 1, what, &resp, err);
	if (st != CNAB_OK)
		goto out;
	if (resp.status == 404)
		goto out;
	if (resp.status != 200) {
		st = fail_answer(r, "HEAD", &resp, what, err);
		goto out;
	}
	*exists = true;
	if (!d)
		goto out;
	if (!resp.docker_digest || !resp.has_length || !resp.content_type) {
		/* the registry did not say: ask for the manifest itself */
		struct cnab_reg_manifest m;

		st = cnab_reg_get_manifest(r, repo, reference, &m, err);
		if (st != CNAB_OK)
			goto out;
		d->digest = m.digest;
		d->size = m.len;
		d->media_type = m.media_type;
		m.media_type = NULL;
		cnab_reg_manifest_release(&m);
		goto out;
	}
	if (cnab_digest_parse(&d->digest, resp.docker_digest, NULL) !=
	    CNAB_OK) {
		st = cnab_err_set(err, CNAB_ERR_REGISTRY,
		                  "registry '%s' gave a bad digest for %s",
		                  r->host, what);
		goto out;
	}
	d->size = resp.content_length;
	d->media_type = media_type_of(resp.content_type);
	if (!d->media_type)
		st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
out:
	cnab_http_response_release(&resp);
	free(url);
	free(sc);
	return st;
}

enum cnab_status cnab_reg_put_manifest(struct cnab_registry *r,
                                       const char *repo, const char *reference,
                                       const char *media_type, const void *data,
                                       size_t len, struct cnab_err *err)
{
	struct cnab_http_response resp = {0};
	struct cnab_http_request req = {0};
	char *url = NULL, *sc = scope(repo, "pull,push");
	char *ct = cnab_strfmt("Content-Type: %s", media_type);
	const char *headers[] = {ct, NULL};
	const char *scopes[1] = {sc};
	char what[600];
	enum cnab_status st;

	snprintf(what, sizeof(what), "manifest '%s/%s%s%s'", r->host, repo,
	         cnab_digest_valid(reference) ? "@" : ":", reference);
	if (!sc || !ct) {
		st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
		goto out;
	}
	st = api_url(r, repo, "manifests", reference, &url, err);
	if (st != CNAB_OK)
		goto out;
	req.method = "PUT";
	req.url = url;
	req.headers = headers;
	req.body = data;
	req.body_len = len;
	req.has_body = true;
	st = send_req(r, &req, scopes, 1, what, &resp, err);
	if (st != CNAB_OK)
		goto out;
	if (resp.status == 201 || resp.status == 200)
		goto out;
	if (resp.status == 400 || resp.status == 415) {
		char detail[300];

		error_detail(&resp, detail, sizeof(detail));
		/* unknown referenced content is not a media type problem */
		if (strstr(detail, "BLOB_UNKNOWN"))
			st = fail_answer(r, "PUT", &resp, what, err);
		else
			st = cnab_err_set(err, CNAB_ERR_UNSUPPORTED,
			                  "registry '%s' refused %s (%s)%s",
			                  r->host, what, media_type, detail);
		goto out;
	}
	st = fail_answer(r, "PUT", &resp, what, err);
out:
	cnab_http_response_release(&resp);
	free(url);
	free(sc);
	free(ct);
	return st;
}

enum cnab_status cnab_reg_head_blob(struct cnab_registry *r, const char *repo,
                                    const struct cnab_descriptor *d,
                                    bool *exists, struct cnab_err *err)
{
	struct cnab_http_response resp = {0};
	struct cnab_http_request req = {0};
	char digest[CNAB_DIGEST_STR_MAX], what[600];
	char *url = NULL, *sc = scope(repo, "pull");
	const char *scopes[1] = {sc};
	enum cnab_status st;

	*exists = false;
	cnab_digest_format(&d->digest, digest);
	snprintf(what, sizeof(what), "blob '%s/%s@%s'", r->host, repo, digest);
	if (!sc)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	st = api_url(r, repo, "blobs", digest, &url, err);
	if (st != CNAB_OK)
		goto out;
	req.method = "HEAD";
	req.url = url;
	req.max_redirects = MAX_REDIRECTS;
	st = send_req(r, &req, scopes, 1, what, &resp, err);
	if (st != CNAB_OK)
		goto out;
	if (resp.status == 200)
		*exists = !resp.has_length || resp.content_length == d->size;
	else if (resp.status != 404)
		st = fail_answer(r, "HEAD", &resp, what, err);
out:
	cnab_http_response_release(&resp);
	free(url);
	free(sc);
	return st;
}

/* Verifies blob bytes on their way to the caller's sink, skipping what a
 * resumed download repeats. */
struct blob_get {
	struct cnab_registry *r;
	struct cnab_verifier v;
	cnab_reg_sink sink;
	void *ctx;
	uint64_t done;  /* bytes verified and passed on */
	uint64_t start; /* done when this answer began */
	uint64_t skip;  /* bytes of this answer already passed on */
	bool decided;   /* whether this answer repeats bytes is known */
	const struct cnab_http_response *resp;
	const char *what; /* "blob 'HOST/REPO@DIGEST'" */
};

/*
 * A 206 must start where it was asked to (its Content-Range "bytes
 * A-B/SIZE" starting at g->start): bytes from elsewhere would be taken for
 * the next ones, and only the final digest would tell, misleadingly.
 */
static enum cnab_status check_range(struct blob_get *g,
                                    const struct cnab_http_response *resp,
                                    struct cnab_err *err)
{
	const char *v = resp->content_range;
	char shown[81];
	unsigned long long a;
	char *end;
	size_t i;

	if (resp->status != 206)
		return CNAB_OK;
	if (v && !strncasecmp(v, "bytes ", 6)) {
		v += 6 + strspn(v + 6, " ");
		errno = 0;
		a = strtoull(v, &end, 10);
		if (end != v && *end == '-' && !errno && a == g->start)
			return CNAB_OK;
	}
	/* what the registry said, printable */
	snprintf(shown, sizeof(shown), "%s",
	         resp->content_range ? resp->content_range : "");
	for (i = 0; shown[i]; i++)
		if ((unsigned char)shown[i] < 0x20 || shown[i] == 0x7f)
			shown[i] = '?';
	return cnab_err_set(err, CNAB_ERR_CORRUPT,
	                    "registry '%s' answered a range request for %s "
	                    "from byte %" PRIu64 " with %s%s%s",
	                    g->r->host, g->what, g->start,
	                    resp->content_range ? "Content-Range '" : "",
	                    resp->content_range ? shown : "no Content-Range",
	                    resp->content_range ? "'" : "");
}

static enum cnab_status blob_sink(void *ctx, const void *p, size_t n,
                                  struct cnab_err *err)
{
	struct blob_get *g = ctx;
	enum cnab_status st;

	if (!g->decided) {
		/* a server that ignored Range sends everything again */
		g->decided = true;
		g->skip = g->resp->status == 200 ? g->start : 0;
		st = check_range(g, g->resp, err);
		if (st != CNAB_OK)
			return st;
	}
	if (g->skip) {
		size_t s = n < g->skip ? n : (size_t)g->skip;

		p = (const char *)p + s;
		n -= s;
		g->skip -= s;
		if (!n)
			return CNAB_OK;
	}
	st = cnab_verifier_update(&g->v, p, n, err);
	if (st != CNAB_OK)
		return st;
	st = g->sink(g->ctx, p, n, err);
	if (st != CNAB_OK)
		return st;
	g->done += n;
	g->r->stats.blob_bytes_down += n;
	if (g->r->opts.progress)
		g->r->opts.progress(g->r->opts.progress_ctx, n);
	return CNAB_OK;
}

enum cnab_status cnab_reg_get_blob(struct cnab_registry *r, const char *repo,
                                   const struct cnab_descriptor *d,
                                   cnab_reg_sink sink, void *ctx,
                                   struct cnab_err *err)
{
	struct blob_get g = {
	        r, {{0}, {0}, 0, NULL}, sink, ctx, 0, 0, 0, false, NULL, NULL};
	char digest[CNAB_DIGEST_STR_MAX], what[600], range[64];
	char *url = NULL, *sc = scope(repo, "pull");
	const char *scopes[1] = {sc};
	const char *headers[2] = {NULL, NULL};
	struct cnab_err nerr = CNAB_ERR_INIT;
	enum cnab_status st;

	cnab_digest_format(&d->digest, digest);
	snprintf(what, sizeof(what), "blob '%s/%s@%s'", r->host, repo, digest);
	g.what = what;
	if (!sc)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	st = cnab_verifier_init(&g.v, &d->digest, d->size, what, err);
	if (st != CNAB_OK) {
		free(sc);
		return st;
	}
	st = api_url(r, repo, "blobs", digest, &url, err);
	while (st == CNAB_OK) {
		struct cnab_http_response resp = {0};
		struct cnab_http_request req = {0};
		uint64_t before = g.done;

		req.method = "GET";
		req.url = url;
		req.sink = blob_sink;
		req.sink_ctx = &g;
		req.max_redirects = MAX_REDIRECTS;
		if (g.done) {
			snprintf(range, sizeof(range),
			         "Range: bytes=%" PRIu64 "-", g.done);
			headers[0] = range;
			req.headers = headers;
		}
		g.start = g.done;
		g.skip = 0;
		g.decided = false;
		g.resp = &resp;
		cnab_err_clear(&nerr);
		st = send_req(r, &req, scopes, 1, what, &resp, &nerr);
		if (st == CNAB_OK &&
		    (resp.status == 200 || resp.status == 206)) {
			/* (an empty body did not reach blob_sink) */
			if (!g.decided)
				st = check_range(&g, &resp, err);
			cnab_http_response_release(&resp);
			break;
		}
		if (st == CNAB_OK) {
			if (resp.status == 404)
				st = cnab_err_set(err, CNAB_ERR_NOTFOUND,
				                  "%s not found", what);
			else
				st = fail_answer(r, "GET", &resp, what, err);
			cnab_http_response_release(&resp);
			break;
		}
		cnab_http_response_release(&resp);
		if (st == CNAB_ERR_NET && g.done == d->size) {
			st = CNAB_OK; /* everything arrived before the cut */
			break;
		}
		/* interrupted after some bytes: resume after them (send_req
		 * itself retried the attempts that brought nothing) */
		if (st != CNAB_ERR_NET || g.done == before) {
			cnab_err_set(err, st, "%s", nerr.msg);
			break;
		}
		backoff(r, 1, NULL);
		st = CNAB_OK;
	}
	if (st == CNAB_OK)
		st = cnab_verifier_finish(&g.v, err);
	cnab_verifier_release(&g.v);
	free(url);
	free(sc);
	return st;
}

/* "URL?name=value" or "URL&name=value", value escaped. */
static char *with_param(const char *url, const char *name, const char *value)
{
	char *esc = curl_easy_escape(NULL, value, 0);
	char *out;

	if (!esc)
		return NULL;
	out = cnab_strfmt("%s%s%s=%s", url, strchr(url, '?') ? "&" : "?", name,
	                  esc);
	curl_free(esc);
	return out;
}

/* Best effort: tells the registry an upload is abandoned. */
static void cancel_upload(struct cnab_registry *r, const char *location,
                          const char *const *scopes, size_t n)
{
	struct cnab_http_response resp = {0};
	struct cnab_http_request req = {0};
	const char *auth = NULL;

	if (!location)
		return;
	if (authorization(r, scopes, n, false, &auth, NULL) != CNAB_OK)
		return;
	req.method = "DELETE";
	req.url = location;
	req.authorization =
	        cnab_http_same_origin(location, r->base) ? auth : NULL;
	cnab_http_do(r->http, &req, &resp, NULL);
	cnab_http_response_release(&resp);
}

/* Takes the Location of an upload answer, resolved. */
static enum cnab_status next_location(struct cnab_registry *r,
                                      const struct cnab_http_response *resp,
                                      const char *current, char **location,
                                      const char *what, struct cnab_err *err)
{
	char *next;

	if (!resp->location)
		return cnab_err_set(err, CNAB_ERR_REGISTRY,
		                    "registry '%s' gave no upload location "
		                    "for %s",
		                    r->host, what);
	next = cnab_http_resolve(current, resp->location);
	if (!next)
		return cnab_err_set(err, CNAB_ERR_REGISTRY,
		                    "registry '%s' gave a bad upload location "
		                    "for %s",
		                    r->host, what);
	free(*location);
	*location = next;
	return CNAB_OK;
}

enum cnab_status cnab_reg_mount_blob(struct cnab_registry *r, const char *repo,
                                     const struct cnab_descriptor *d,
                                     const char *from_repo, bool *mounted,
                                     struct cnab_err *err)
{
	struct cnab_http_response resp = {0};
	struct cnab_http_request req = {0};
	char digest[CNAB_DIGEST_STR_MAX], what[600];
	char *base = NULL, *u1 = NULL, *url = NULL, *location = NULL;
	char *s1 = scope(repo, "pull,push"), *s2 = scope(from_repo, "pull");
	const char *scopes[2] = {s1, s2};
	enum cnab_status st;

	*mounted = false;
	cnab_digest_format(&d->digest, digest);
	snprintf(what, sizeof(what), "blob '%s/%s@%s' (mount from '%s')",
	         r->host, repo, digest, from_repo);
	if (!s1 || !s2) {
		st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
		goto out;
	}
	st = api_url(r, repo, "blobs", "uploads/", &base, err);
	if (st != CNAB_OK)
		goto out;
	u1 = with_param(base, "mount", digest);
	url = u1 ? with_param(u1, "from", from_repo) : NULL;
	if (!url) {
		st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
		goto out;
	}
	req.method = "POST";
	req.url = url;
	st = send_req(r, &req, scopes, 2, what, &resp, err);
	if (st != CNAB_OK)
		goto out;
	if (resp.status == 201) {
		*mounted = true;
		r->stats.blobs_mounted++;
	} else if (resp.status == 202) {
		/* not mounted: an upload session was opened instead */
		if (next_location(r, &resp, url, &location, what, NULL) ==
		    CNAB_OK)
			cancel_upload(r, location, scopes, 2);
	} else {
		st = fail_answer(r, "POST", &resp, what, err);
	}
out:
	cnab_http_response_release(&resp);
	free(base);
	free(u1);
	free(url);
	free(location);
	free(s1);
	free(s2);
	return st;
}

/* Reads up to want bytes, fewer only at the end of src. */
static enum cnab_status read_full(struct cnab_reader *src, char *buf,
                                  size_t want, size_t *got,
                                  struct cnab_err *err)
{
	enum cnab_status st;
	size_t n;

	*got = 0;
	while (*got < want) {
		st = cnab_reader_read(src, buf + *got, want - *got, &n, err);
		if (st != CNAB_OK)
			return st;
		if (!n)
			break;
		*got += n;
	}
	return CNAB_OK;
}

/* Asks how much of an upload the registry has: *received bytes. */
static enum cnab_status upload_status(struct cnab_registry *r, char **location,
                                      const char *const *scopes,
                                      uint64_t *received, const char *what,
                                      struct cnab_err *err)
{
	struct cnab_http_response resp = {0};
	struct cnab_http_request req = {0};
	enum cnab_status st;
	unsigned long long a = 0, b = 0;

	req.method = "GET";
	req.url = *location;
	st = send_req(r, &req, scopes, 1, what, &resp, err);
	if (st != CNAB_OK)
		goto out;
	if (resp.status != 204 && resp.status != 200) {
		st = fail_answer(r, "GET", &resp, what, err);
		goto out;
	}
	if (!resp.range || sscanf(resp.range, "%llu-%llu", &a, &b) != 2) {
		*received = 0;
	} else {
		/* "0-N" is N + 1 bytes; Distribution says "0-0" for none */
		*received = b ? (uint64_t)b + 1 : 0;
	}
	if (resp.location)
		st = next_location(r, &resp, *location, location, what, err);
out:
	cnab_http_response_release(&resp);
	return st;
}

/*
 * A chunk of an upload, read from the source while it is sent and kept,
 * so that what the registry did not get can be sent again.
 */
struct chunk {
	struct cnab_reader *src;
	char *buf;
	size_t want;   /* the chunk's length */
	size_t filled; /* bytes of it read from src (and kept in buf) */
	size_t pos;    /* the next byte of it to send */
};

static enum cnab_status chunk_read(void *ctx, void *out, size_t n, size_t *got,
                                   struct cnab_err *err)
{
	struct chunk *c = ctx;
	enum cnab_status st;
	size_t k;

	*got = 0;
	if (c->pos < c->filled) {
		k = n < c->filled - c->pos ? n : c->filled - c->pos;
		memcpy(out, c->buf + c->pos, k);
		c->pos += k;
		*got = k;
		return CNAB_OK;
	}
	if (c->filled == c->want)
		return CNAB_OK;
	k = n < c->want - c->filled ? n : c->want - c->filled;
	st = cnab_reader_read(c->src, c->buf + c->filled, k, got, err);
	if (st != CNAB_OK)
		return st;
	if (!*got)
		return cnab_err_set(
		        err, CNAB_ERR_INTEGRITY,
		        "the blob ended %zu bytes short of its size",
		        c->want - c->filled);
	memcpy(out, c->buf + c->filled, *got);
	c->filled += *got;
	c->pos += *got;
	return CNAB_OK;
}

/*
 * Sends a chunk (at offset of the upload) as one PATCH, streamed from its
 * source; one interrupted is resumed from where the registry says it
 * stopped, what it lacks sent again from the kept bytes.  *lost tells
 * whether it failed because the registry lost the upload session (which
 * only a new session can get past).
 */
static enum cnab_status send_chunk(struct cnab_registry *r, char **location,
                                   const char *const *scopes, struct chunk *c,
                                   uint64_t offset, const char *what,
                                   bool *lost, struct cnab_err *err)
{
	const char *ct = "Content-Type: application/octet-stream";
	struct cnab_err nerr = CNAB_ERR_INIT;
	enum cnab_status st;
	int attempt;

	*lost = false;
	for (attempt = 1;; attempt++) {
		struct cnab_http_response resp = {0};
		struct cnab_http_request req = {0};
		char range[80];
		const char *headers[] = {ct, range, NULL};
		struct cnab_reader rd = {chunk_read, c};
		size_t from = c->pos;
		uint64_t received = 0;

		snprintf(range, sizeof(range),
		         "Content-Range: %" PRIu64 "-%" PRIu64, offset + from,
		         offset + c->want - 1);
		req.method = "PATCH";
		req.url = *location;
		req.headers = headers;
		/* a reader: send_req must not replay it by itself */
		req.body_reader = &rd;
		req.body_size = c->want - from;
		req.has_body = true;
		cnab_err_clear(&nerr);
		st = send_req(r, &req, scopes, 1, what, &resp, &nerr);
		if (st == CNAB_OK && resp.status == 202) {
			st = next_location(r, &resp, *location, location, what,
			                   err);
			cnab_http_response_release(&resp);
			if (st == CNAB_OK) {
				r->stats.blob_bytes_up += c->want - from;
				if (r->opts.progress)
					r->opts.progress(r->opts.progress_ctx,
					                 c->want - from);
			}
			return st;
		}
		if (st == CNAB_OK && resp.status == 401 && attempt == 1) {
			/* the token expired during the upload: renew it */
			const char *auth;

			st = authorization(r, scopes, 1, true, &auth, err);
			if (st != CNAB_OK) {
				cnab_http_response_release(&resp);
				return st;
			}
		} else if (st == CNAB_OK && !cnab_http_retryable(resp.status) &&
		           resp.status != 416) {
			st = fail_answer(r, "PATCH", &resp, what, err);
			cnab_http_response_release(&resp);
			return st;
		}
		if (st != CNAB_OK && st != CNAB_ERR_NET) {
			/* the source failed: its reason stands */
			cnab_http_response_release(&resp);
			return cnab_err_set(err, st, "%s", nerr.msg);
		}
		if (attempt >= r->opts.max_attempts) {
			/* (send_req said which registry it could not reach) */
			if (st == CNAB_OK)
				st = fail_answer(r, "PATCH", &resp, what, err);
			else
				st = cnab_err_set(err, st, "%s", nerr.msg);
			cnab_http_response_release(&resp);
			return st;
		}
		backoff(r, attempt, st == CNAB_OK ? resp.retry_after : NULL);
		cnab_http_response_release(&resp);
		/* where did it stop?  resume from there */
		st = upload_status(r, location, scopes, &received, what, err);
		if (st == CNAB_ERR_NOTFOUND || st == CNAB_ERR_REGISTRY) {
			/* Distribution cancels a session that received more
			 * than its state says: it cannot be resumed */
			cnab_err_clear(err);
			*lost = true;
			return cnab_err_set(
			        err, CNAB_ERR_NET,
			        "registry '%s' lost the upload of %s "
			        "after an interruption",
			        r->host, what);
		}
		if (st != CNAB_OK)
			return st;
		*lost = received < offset || received > offset + c->filled;
		if (*lost)
			return cnab_err_set(err, CNAB_ERR_NET,
			                    "registry '%s' lost the upload of "
			                    "%s: it has %" PRIu64
			                    " bytes, expected %" PRIu64
			                    " to %" PRIu64,
			                    r->host, what, received, offset,
			                    offset + c->filled);
		r->stats.blob_bytes_up += received - offset - from;
		c->pos = (size_t)(received - offset);
		if (c->pos == c->want)
			return CNAB_OK;
	}
}

/*
 * The buffer of uploads, of at least n bytes: one per handle, kept from
 * blob to blob so that memory stays flat whatever the blobs' sizes.
 */
static char *upload_buffer(struct cnab_registry *r, size_t n)
{
	char *p;

	if (n <= r->upload_buf_size)
		return r->upload_buf;
	p = realloc(r->upload_buf, n);
	if (!p)
		return NULL;
	r->upload_buf = p;
	r->upload_buf_size = n;
	return p;
}

/*
 * Starts an upload session: *location, and the chunk size to use, raised
 * to the registry's OCI-Chunk-Min-Length up to MAX_CHUNK; a larger demand
 * is left in *demand (else 0), for the caller to decide.
 */
static enum cnab_status start_upload(struct cnab_registry *r, const char *repo,
                                     const char *const *scopes,
                                     const char *what, char **location,
                                     size_t *chunk, uint64_t *demand,
                                     struct cnab_err *err)
{
	struct cnab_http_response resp = {0};
	struct cnab_http_request req = {0};
	enum cnab_status st;
	char *base = NULL;

	st = api_url(r, repo, "blobs", "uploads/", &base, err);
	if (st != CNAB_OK)
		return st;
	req.method = "POST";
	req.url = base;
	st = send_req(r, &req, scopes, 1, what, &resp, err);
	if (st == CNAB_OK && resp.status != 202)
		st = fail_answer(r, "POST", &resp, what, err);
	if (st == CNAB_OK)
		st = next_location(r, &resp, base, location, what, err);
	*demand = 0;
	if (st == CNAB_OK && resp.chunk_min) {
		unsigned long long min = strtoull(resp.chunk_min, NULL, 10);

		if (min > MAX_CHUNK)
			*demand = min;
		else if (min > *chunk)
			*chunk = (size_t)min;
	}
	cnab_http_response_release(&resp);
	free(base);
	return st;
}

/*
 * Ends an upload session with PUT ?digest=, sending body (NULL: none).  A
 * PUT whose answer was lost and that finds its session gone asks whether
 * the blob arrived; if not, *lost is set (and the status is CNAB_ERR_NET).
 */
static enum cnab_status finish_upload(struct cnab_registry *r, const char *repo,
                                      const struct cnab_descriptor *d,
                                      const char *location, const char *body,
                                      const char *const *scopes,
                                      const char *what, bool *lost,
                                      struct cnab_err *err)
{
	struct cnab_http_response resp = {0};
	struct cnab_http_request req = {0};
	const char *headers[] = {"Content-Type: application/octet-stream",
	                         NULL};
	char digest[CNAB_DIGEST_STR_MAX], detail[300];
	enum cnab_status st;
	char *final;

	*lost = false;
	cnab_digest_format(&d->digest, digest);
	final = with_param(location, "digest", digest);
	if (!final)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	req.method = "PUT";
	req.url = final;
	req.headers = headers;
	if (body) {
		req.body = body;
		req.body_len = (size_t)d->size;
		req.has_body = true;
	}
	st = send_req(r, &req, scopes, 1, what, &resp, err);
	if (st == CNAB_OK && resp.status == 404) {
		bool exists = false;

		if (cnab_reg_head_blob(r, repo, d, &exists, NULL) == CNAB_OK &&
		    exists)
			resp.status = 201;
	}
	if (st != CNAB_OK || resp.status == 201 || resp.status == 204)
		goto out;
	error_detail(&resp, detail, sizeof(detail));
	if (resp.status == 400 && strstr(detail, "DIGEST_INVALID")) {
		st = cnab_err_set(err, CNAB_ERR_INTEGRITY,
		                  "registry '%s' refused %s: its content does "
		                  "not match its digest",
		                  r->host, what);
	} else if (resp.status == 404) {
		/* the session is gone: a transfer problem, to try again */
		*lost = true;
		st = cnab_err_set(err, CNAB_ERR_NET,
		                  "registry '%s' lost the upload of %s%s",
		                  r->host, what, detail);
	} else {
		st = fail_answer(r, "PUT", &resp, what, err);
	}
out:
	cnab_http_response_release(&resp);
	free(final);
	return st;
}

/* A chunk demand over MAX_CHUNK, for a blob that does not fit in it. */
static enum cnab_status fail_demand(struct cnab_registry *r, const char *what,
                                    uint64_t size, uint64_t demand,
                                    struct cnab_err *err)
{
	return cnab_err_set(err, CNAB_ERR_REGISTRY,
	                    "registry '%s' demands upload chunks of at least "
	                    "%" PRIu64 " bytes (OCI-Chunk-Min-Length) for %s "
	                    "of %" PRIu64 " bytes: more than the limit of %zu",
	                    r->host, demand, what, size, MAX_CHUNK);
}

enum cnab_status cnab_reg_push_blob(struct cnab_registry *r, const char *repo,
                                    const struct cnab_descriptor *d,
                                    struct cnab_reader *src,
                                    struct cnab_err *err)
{
	char digest[CNAB_DIGEST_STR_MAX], what[600];
	char *location = NULL, *buf = NULL;
	char *sc = scope(repo, "pull,push");
	const char *scopes[1] = {sc};
	size_t chunk = r->opts.chunk_size, n;
	uint64_t offset = 0, demand = 0;
	enum cnab_status st = CNAB_OK;
	bool single = d->size <= chunk;
	int attempt;

	cnab_digest_format(&d->digest, digest);
	snprintf(what, sizeof(what), "blob '%s/%s@%s'", r->host, repo, digest);
	if (!sc)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	if (!single) {
		st = start_upload(r, repo, scopes, what, &location, &chunk,
		                  &demand, err);
		if (st != CNAB_OK)
			goto out;
		/* chunks over the cap: the blob in one request if it fits in
		 * the cap, on this session, else nothing */
		if (demand && d->size > MAX_CHUNK) {
			st = fail_demand(r, what, d->size, demand, err);
			goto out;
		}
		single = demand != 0;
	}
	if (single) {
		/* the whole blob, and one more byte to see the end (which a
		 * verifying source checks there), in one request: with it in
		 * memory, a lost session is just started again */
		buf = upload_buffer(
		        r, (d->size > chunk ? (size_t)d->size : chunk) + 1);
		if (!buf) {
			st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
			goto out;
		}
		st = read_full(src, buf, (size_t)d->size + 1, &n, err);
		if (st == CNAB_OK && n != d->size)
			st = cnab_err_set(
			        err, CNAB_ERR_INTEGRITY,
			        "size mismatch for %s: %s %" PRIu64 " bytes",
			        what, n > d->size ? "more than" : "fewer than",
			        d->size);
		/* send_req retries the POST and the PUT by itself: only a
		 * session the registry lost is started again */
		for (attempt = 1; st == CNAB_OK; attempt++) {
			struct cnab_err perr = CNAB_ERR_INIT;
			bool lost = false;

			/* (a session may be open: the one that told the
			 * demand; whatever it is, the PUT has it all) */
			if (!location)
				st = start_upload(r, repo, scopes, what,
				                  &location, &chunk, &demand,
				                  &perr);
			if (st == CNAB_OK)
				st = finish_upload(r, repo, d, location, buf,
				                   scopes, what, &lost, &perr);
			if (st == CNAB_OK)
				break;
			if (!lost || attempt >= r->opts.max_attempts) {
				st = cnab_err_set(err, st, "%s", perr.msg);
				break;
			}
			backoff(r, attempt, NULL);
			free(location);
			location = NULL;
			st = CNAB_OK;
		}
		if (st == CNAB_OK) {
			free(location);
			location = NULL; /* done: nothing to cancel */
			r->stats.blobs_uploaded++;
			r->stats.blob_bytes_up += d->size;
			if (r->opts.progress)
				r->opts.progress(r->opts.progress_ctx, d->size);
		}
		goto out;
	}
	while (offset < d->size) {
		struct chunk c = {src, NULL, 0, 0, 0};
		struct cnab_err perr = CNAB_ERR_INIT;
		bool lost = false;

		/* chunk may have grown with a restarted session: the buffer
		 * follows it (one more byte for the end of the source) */
		c.want = d->size - offset < chunk ? (size_t)(d->size - offset)
		                                  : chunk;
		buf = upload_buffer(r, c.want + 1);
		if (!buf) {
			st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
			goto out;
		}
		c.buf = buf;
		st = send_chunk(r, &location, scopes, &c, offset, what, &lost,
		                &perr);
		for (attempt = 1; st == CNAB_ERR_NET && lost && offset == 0 &&
		                  attempt < r->opts.max_attempts;
		     attempt++) {
			/* the session was lost in the first chunk, which is
			 * kept: start another (this chunk keeps its length,
			 * c.want, within the buffer; a larger minimum the
			 * new session asks for applies from the next) */
			backoff(r, attempt, NULL);
			cancel_upload(r, location, scopes, 1);
			free(location);
			location = NULL;
			cnab_err_clear(&perr);
			c.pos = 0;
			st = start_upload(r, repo, scopes, what, &location,
			                  &chunk, &demand, &perr);
			if (st == CNAB_OK && demand)
				st = fail_demand(r, what, d->size, demand,
				                 &perr);
			else if (st == CNAB_OK)
				st = send_chunk(r, &location, scopes, &c,
				                offset, what, &lost, &perr);
		}
		if (st != CNAB_OK) {
			r->stats.uploads_lost += lost;
			cnab_err_set(err, st, "%s", perr.msg);
			goto out;
		}
		offset += c.want;
	}
	/* the end of the source: where a verifying one checks */
	st = read_full(src, buf, 1, &n, err);
	if (st == CNAB_OK && n)
		st = cnab_err_set(err, CNAB_ERR_INTEGRITY,
		                  "size mismatch for %s: more than %" PRIu64
		                  " bytes",
		                  what, d->size);
	if (st == CNAB_OK) {
		bool lost;

		st = finish_upload(r, repo, d, location, NULL, scopes, what,
		                   &lost, err);
	}
	if (st == CNAB_OK) {
		r->stats.blobs_uploaded++;
		free(location);
		location = NULL; /* done: nothing to cancel */
	}
out:
	if (st != CNAB_OK && location)
		cancel_upload(r, location, scopes, 1);
	free(location);
	free(sc);
	return st;
}

enum cnab_status cnab_reg_repo_init(struct cnab_reg_repo *rr,
                                    struct cnab_registry *reg, const char *repo,
                                    struct cnab_err *err)
{
	rr->reg = reg;
	rr->repo = repo;
	rr->label = cnab_strfmt("registry repository '%s/%s'", reg->host, repo);
	if (!rr->label)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	return CNAB_OK;
}

void cnab_reg_repo_release(struct cnab_reg_repo *rr)
{
	free(rr->label);
	rr->label = NULL;
}

static enum cnab_status repo_get_manifest(void *ctx,
                                          const struct cnab_descriptor *d,
                                          char **data, size_t *len,
                                          struct cnab_err *err)
{
	struct cnab_reg_repo *rr = ctx;
	struct cnab_reg_manifest m;
	char digest[CNAB_DIGEST_STR_MAX];
	enum cnab_status st;

	cnab_digest_format(&d->digest, digest);
	st = cnab_reg_get_manifest(rr->reg, rr->repo, digest, &m, err);
	if (st != CNAB_OK)
		return st;
	if (m.len != d->size) {
		st = cnab_err_set(err, CNAB_ERR_INTEGRITY,
		                  "size mismatch for manifest '%s/%s@%s': "
		                  "got %zu bytes, expected %" PRIu64,
		                  rr->reg->host, rr->repo, digest, m.len,
		                  d->size);
		cnab_reg_manifest_release(&m);
		return st;
	}
	*data = m.data;
	*len = m.len;
	m.data = NULL;
	cnab_reg_manifest_release(&m);
	return CNAB_OK;
}

struct cnab_blob_source cnab_reg_repo_source(struct cnab_reg_repo *rr)
{
	struct cnab_blob_source s = {repo_get_manifest, NULL, rr, rr->label};

	return s;
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
