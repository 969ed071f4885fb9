#include "common/http.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

/* Bodies of error answers kept in memory, at most. */
#define ERROR_BODY_MAX (64 << 10)

struct ca_set;

struct cnab_http {
	CURL *curl;
	struct cnab_http_config config;
	char *host;
	struct ca_set *ca;      /* config's ca_blob, interned (or NULL) */
	struct ca_set *host_ca; /* host_ca_blob, the same */
	char *client_cert;
	char *client_key;
	bool tls_failed;
	bool verify_failed;
	enum cnab_tls_problem tls_problem;
	char failure[48]; /* the last exchange's outcome, short */
};

/* State of one exchange, shared with curl's callbacks. */
struct exchange {
	const struct cnab_http_request *req;
	struct cnab_http_response *resp;
	struct cnab_err *err; /* a sink's or reader's failure */
	enum cnab_status cb_status;
	size_t body_pos; /* memory body: bytes sent */
	size_t body_max;
	/* the stall timer: bytes moved either way, and when they last did */
	curl_off_t moved;
	struct timespec last_move;
	long stall_s;
	bool stalled;
};

/* curl_global_init once, whichever thread makes the first handle (it is
 * not thread-safe itself) */
static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static bool curl_ready;

static void curl_init_once(void)
{
	curl_ready = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
}

/* A copy of n bytes, NUL-terminated; NULL when memory runs out. */
static char *dup_mem(const char *p, size_t n)
{
	char *copy = malloc(n + 1);

	if (copy) {
		memcpy(copy, p, n);
		copy[n] = '\0';
	}
	return copy;
}

/*
 * The sets of CAs that verify peers (the system's, or PEM blobs), each
 * kept once and parsed once into an X509 store that every handle and
 * connection shares: curl would parse them again for each connection, and
 * each handle would keep its own copy.  Kept until the process ends (a few
 * sets at most).
 */
struct ca_set {
	char *pem; /* NULL: the system's, as curl finds them */
	size_t len;
	X509_STORE *store; /* NULL: it did not parse (curl then says why) */
	struct ca_set *next;
};

static pthread_mutex_t ca_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ca_set *ca_sets;
static struct ca_set *ca_system;

/* A new store of the CAs of pem (NULL: curl's default file and
 * directory), with the flags curl sets on its own; NULL on failure. */
static X509_STORE *ca_store_load(CURL *c, const char *pem, size_t len)
{
	X509_STORE *store = X509_STORE_new();
	STACK_OF(X509_INFO) *infos = NULL;
	const char *file = NULL, *dir = NULL;
	BIO *bio = NULL;
	int i, certs = 0;
	bool ok = false;

	if (!store)
		return NULL;
	if (!pem) {
		if (curl_easy_getinfo(c, CURLINFO_CAINFO, &file) != CURLE_OK ||
		    curl_easy_getinfo(c, CURLINFO_CAPATH, &dir) != CURLE_OK ||
		    !file)
			goto out;
		ok = X509_STORE_load_file(store, file) == 1 &&
		     (!dir || X509_STORE_load_path(store, dir) == 1);
		goto out;
	}
	if (len > INT_MAX)
		goto out;
	bio = BIO_new_mem_buf(pem, (int)len);
	infos = bio ? PEM_X509_INFO_read_bio(bio, NULL, NULL, NULL) : NULL;
	if (!infos)
		goto out;
	ok = true;
	for (i = 0; ok && i < sk_X509_INFO_num(infos); i++) {
		X509_INFO *info = sk_X509_INFO_value(infos, i);

		if (info->x509) {
			ok = X509_STORE_add_cert(store, info->x509) == 1;
			certs++;
		}
		if (ok && info->crl)
			ok = X509_STORE_add_crl(store, info->crl) == 1;
	}
	ok = ok && certs > 0;
out:
	sk_X509_INFO_pop_free(infos, X509_INFO_free);
	BIO_free(bio);
	if (!ok) {
		X509_STORE_free(store);
		return NULL;
	}
	X509_STORE_set_flags(store, X509_V_FLAG_TRUSTED_FIRST |
	                                    X509_V_FLAG_PARTIAL_CHAIN);
	return store;
}

/* The set of pem's CAs, made (and parsed) when first asked for; NULL when
 * memory runs out. */
static struct ca_set *ca_set_get(const char *pem, size_t len)
{
	struct ca_set *s;

	pthread_mutex_lock(&ca_lock);
	for (s = ca_sets; s; s = s->next)
		if (s->len == len && !memcmp(s->pem, pem, len))
			goto out;
	s = calloc(1, sizeof(*s));
	if (!s)
		goto out;
	s->pem = dup_mem(pem, len);
	if (!s->pem) {
		free(s);
		s = NULL;
		goto out;
	}
	s->len = len;
	s->store = ca_store_load(NULL, pem, len);
	s->next = ca_sets;
	ca_sets = s;
out:
	pthread_mutex_unlock(&ca_lock);
	return s;
}

/* The store of the system's CAs, loaded when first asked for (c tells
 * where curl finds them); NULL when it cannot be. */
static X509_STORE *ca_system_store(CURL *c)
{
	X509_STORE *store = NULL;

	pthread_mutex_lock(&ca_lock);
	if (!ca_system) {
		ca_system = calloc(1, sizeof(*ca_system));
		if (ca_system)
			ca_system->store = ca_store_load(c, NULL, 0);
	}
	if (ca_system)
		store = ca_system->store;
	pthread_mutex_unlock(&ca_lock);
	return store;
}

/* Puts the shared store in the context curl made for a connection. */
static CURLcode ssl_ctx_cb(CURL *c, void *ssl_ctx, void *store)
{
	(void)c;
	SSL_CTX_set1_cert_store(ssl_ctx, store);
	return CURLE_OK;
}

enum cnab_status cnab_http_new(struct cnab_http **out,
                               const struct cnab_http_config *config,
                               struct cnab_err *err)
{
	struct cnab_http *h;

	pthread_once(&curl_once, curl_init_once);
	if (!curl_ready)
		return cnab_err_set(err, CNAB_ERR_FAIL,
		                    "cannot initialise libcurl");
	h = calloc(1, sizeof(*h));
	if (!h)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	h->config = *config;
	if (config->host)
		h->host = strdup(config->host);
	if (config->ca_blob)
		h->ca = ca_set_get(config->ca_blob, config->ca_blob_len);
	if (config->host_ca_blob)
		h->host_ca = ca_set_get(config->host_ca_blob,
		                        config->host_ca_blob_len);
	if (config->client_cert)
		h->client_cert = strdup(config->client_cert);
	if (config->client_key)
		h->client_key = strdup(config->client_key);
	h->curl = curl_easy_init();
	if (!h->curl || (config->host && !h->host) ||
	    (config->ca_blob && !h->ca) ||
	    (config->host_ca_blob && !h->host_ca) ||
	    (config->client_cert && !h->client_cert) ||
	    (config->client_key && !h->client_key)) {
		cnab_http_free(h);
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	}
	*out = h;
	return CNAB_OK;
}

void cnab_http_free(struct cnab_http *h)
{
	if (!h)
		return;
	if (h->curl)
		curl_easy_cleanup(h->curl);
	free(h->host);
	free(h->client_cert);
	free(h->client_key);
	free(h);
}

bool cnab_http_tls_failed(const struct cnab_http *h)
{
	return h->tls_failed;
}

bool cnab_http_verify_failed(const struct cnab_http *h)
{
	return h->verify_failed;
}

enum cnab_tls_problem cnab_http_tls_problem(const struct cnab_http *h)
{
	return h->tls_problem;
}

/*
 * Why a TLS exchange failed: OpenSSL's verdict on the peer's chain, curl's
 * own host name check, or an alert from a peer that refused our client
 * certificate (or wanted one).
 */
static enum cnab_tls_problem tls_problem(CURL *c, CURLcode rc, const char *msg)
{
	static const char *const refused[] = {
	        "alert certificate required", "alert bad certificate",
	        "alert unknown ca",           "alert certificate unknown",
	        "alert certificate expired",  "alert certificate revoked",
	        "alert access denied",
	};
	long verify = X509_V_OK;
	size_t i;

	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (strstr(msg, refused[i]))
			return CNAB_TLS_CLIENT_REFUSED;
	if (rc != CURLE_PEER_FAILED_VERIFICATION)
		return CNAB_TLS_NONE;
	curl_easy_getinfo(c, CURLINFO_SSL_VERIFYRESULT, &verify);
	switch (verify) {
	case X509_V_ERR_CERT_HAS_EXPIRED:
		return CNAB_TLS_EXPIRED;
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return CNAB_TLS_NOT_YET_VALID;
	case X509_V_ERR_HOSTNAME_MISMATCH:
	case X509_V_ERR_IP_ADDRESS_MISMATCH:
		return CNAB_TLS_NAME_MISMATCH;
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
		return CNAB_TLS_UNKNOWN_CA;
	}
	if (strstr(msg, "subject name") || strstr(msg, "does not match"))
		return CNAB_TLS_NAME_MISMATCH;
	return CNAB_TLS_NONE;
}

const char *cnab_http_outcome(const struct cnab_http *h)
{
	return h->failure;
}

void cnab_http_response_release(struct cnab_http_response *r)
{
	free(r->location);
	free(r->content_type);
	free(r->docker_digest);
	free(r->www_authenticate);
	free(r->range);
	free(r->content_range);
	free(r->retry_after);
	free(r->chunk_min);
	cnab_buf_release(&r->body);
	memset(r, 0, sizeof(*r));
}

static void response_reset(struct cnab_http_response *r)
{
	size_t max = r->body.max;

	cnab_http_response_release(r);
	cnab_buf_init(&r->body, max);
}

/* Stores a header's value (trimmed) in *slot, replacing an earlier one. */
static void keep(char **slot, const char *v, size_t n)
{
	char *copy;

	while (n && (*v == ' ' || *v == '\t')) {
		v++;
		n--;
	}
	while (n && (v[n - 1] == ' ' || v[n - 1] == '\t' || v[n - 1] == '\r' ||
	             v[n - 1] == '\n'))
		n--;
	copy = malloc(n + 1);
	if (!copy)
		return;
	memcpy(copy, v, n);
	copy[n] = '\0';
	free(*slot);
	*slot = copy;
}

static size_t header_cb(char *line, size_t size, size_t nitems, void *ctx)
{
	struct exchange *x = ctx;
	struct cnab_http_response *r = x->resp;
	size_t n = size * nitems, name_len;
	const char *colon;
	static const struct {
		const char *name;
		size_t off;
	} fields[] = {
	        {"location", offsetof(struct cnab_http_response, location)},
	        {"content-type",
	         offsetof(struct cnab_http_response, content_type)},
	        {"docker-content-digest",
	         offsetof(struct cnab_http_response, docker_digest)},
	        {"www-authenticate",
	         offsetof(struct cnab_http_response, www_authenticate)},
	        {"range", offsetof(struct cnab_http_response, range)},
	        {"content-range",
	         offsetof(struct cnab_http_response, content_range)},
	        {"retry-after",
	         offsetof(struct cnab_http_response, retry_after)},
	        {"oci-chunk-min-length",
	         offsetof(struct cnab_http_response, chunk_min)},
	};
	size_t i;

	if (n >= 5 && !strncmp(line, "HTTP/", 5)) {
		/* a new answer (after "100 Continue"): forget the last */
		char *sp = memchr(line, ' ', n);

		response_reset(r);
		r->status = sp ? strtol(sp + 1, NULL, 10) : 0;
		return n;
	}
	colon = memchr(line, ':', n);
	if (!colon)
		return n;
	name_len = (size_t)(colon - line);
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (strlen(fields[i].name) == name_len &&
		    !strncasecmp(line, fields[i].name, name_len)) {
			keep((char **)((char *)r + fields[i].off), colon + 1,
			     n - name_len - 1);
			return n;
		}
	}
	if (name_len == 14 && !strncasecmp(line, "content-length", 14)) {
		char buf[32];
		size_t vlen =
		        n - 15 < sizeof(buf) - 1 ? n - 15 : sizeof(buf) - 1;
		char *end;

		memcpy(buf, colon + 1, vlen);
		buf[vlen] = '\0';
		errno = 0;
		r->content_length = strtoull(buf, &end, 10);
		r->has_length = errno == 0 && end != buf;
	}
	return n;
}

static size_t write_cb(char *p, size_t size, size_t nitems, void *ctx)
{
	struct exchange *x = ctx;
	struct cnab_http_response *r = x->resp;
	size_t n = size * nitems;
	bool ok = r->status >= 200 && r->status < 300;

	if (x->req->sink && ok) {
		x->cb_status = x->req->sink(x->req->sink_ctx, p, n, x->err);
		if (x->cb_status != CNAB_OK)
			return 0;
		r->sunk += n;
		return n;
	}
	if (cnab_buf_add(&r->body, p, n) != CNAB_OK) {
		r->truncated = true;
		if (ok) {
			/* a 2xx body is what was asked for: the transfer is
			 * stopped rather than downloaded in vain */
			x->cb_status = cnab_err_set(
			        x->err, CNAB_ERR_TOOBIG,
			        "the answer is larger than the limit of %zu "
			        "bytes",
			        r->body.max);
			return 0;
		}
		/* an error body: keep what fits, the status tells */
	}
	return n;
}

static size_t read_cb(char *buf, size_t size, size_t nitems, void *ctx)
{
	struct exchange *x = ctx;
	const struct cnab_http_request *req = x->req;
	size_t n = size * nitems, got = 0;

	if (req->body_reader) {
		x->cb_status = cnab_reader_read(req->body_reader, buf, n, &got,
		                                x->err);
		if (x->cb_status != CNAB_OK)
			return CURL_READFUNC_ABORT;
		return got;
	}
	if (n > req->body_len - x->body_pos)
		n = req->body_len - x->body_pos;
	memcpy(buf, (const char *)req->body + x->body_pos, n);
	x->body_pos += n;
	return n;
}

static int seek_cb(void *ctx, curl_off_t offset, int origin)
{
	struct exchange *x = ctx;

	/* only memory bodies can be sent again (on a rewind for auth) */
	if (x->req->body_reader || origin != SEEK_SET || offset < 0 ||
	    (size_t)offset > x->req->body_len)
		return CURL_SEEKFUNC_CANTSEEK;
	x->body_pos = (size_t)offset;
	return CURL_SEEKFUNC_OK;
}

static long elapsed_ms(const struct timespec *t0);

/*
 * The stall timer: connecting, the TLS handshake and the exchange itself
 * are stopped once no byte has moved, either way, for stall_s seconds
 * (curl calls this about once a second whatever happens).
 */
static int xferinfo_cb(void *ctx, curl_off_t dltotal, curl_off_t dlnow,
                       curl_off_t ultotal, curl_off_t ulnow)
{
	struct exchange *x = ctx;

	(void)dltotal;
	(void)ultotal;
	if (dlnow + ulnow != x->moved) {
		x->moved = dlnow + ulnow;
		clock_gettime(CLOCK_MONOTONIC, &x->last_move);
		return 0;
	}
	if (elapsed_ms(&x->last_move) >= x->stall_s * 1000) {
		x->stalled = true;
		return 1;
	}
	return 0;
}

/* The URL without its query string, for log lines. */
static void log_request(struct cnab_http *h, const char *method,
                        const char *url, long status, long ms,
                        const char *failure)
{
	struct cnab_buf line = CNAB_BUF_INIT(8192);
	const char *q = strchr(url, '?');
	size_t n = q ? (size_t)(q - url) : strlen(url);

	if (!h->config.log)
		return;
	cnab_buf_addf(&line, "%s %.*s%s -> ", method, (int)n, url,
	              q ? "?..." : "");
	if (failure)
		cnab_buf_addf(&line, "%s (%ld ms)", failure, ms);
	else
		cnab_buf_addf(&line, "%ld (%ld ms)", status, ms);
	h->config.log(h->config.log_ctx, cnab_buf_str(&line));
	cnab_buf_release(&line);
}

static bool url_listed(const char *url, const char *const *list)
{
	for (; list && *list; list++)
		if (cnab_http_url_is_host(url, *list))
			return true;
	return false;
}

/* TLS for this URL, from its own host and port (see http.h). */
static void set_tls(struct cnab_http *h, CURL *c, const char *url)
{
	bool own = h->host && cnab_http_url_is_host(url, h->host);
	bool verify = !(own && h->config.host_insecure) &&
	              !url_listed(url, h->config.insecure);
	const struct ca_set *ca = own && h->host_ca ? h->host_ca : h->ca;
	X509_STORE *store = NULL;

	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, verify ? 1L : 0L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, verify ? 2L : 0L);
	if (verify)
		store = ca ? ca->store : ca_system_store(c);
	if (store && curl_easy_setopt(c, CURLOPT_SSL_CTX_FUNCTION,
	                              ssl_ctx_cb) == CURLE_OK) {
		/* nothing for curl to load: the callback brings it */
		curl_easy_setopt(c, CURLOPT_SSL_CTX_DATA, store);
		curl_easy_setopt(c, CURLOPT_CAINFO, NULL);
		curl_easy_setopt(c, CURLOPT_CAPATH, NULL);
	} else if (ca) {
		struct curl_blob blob = {ca->pem, ca->len, CURL_BLOB_NOCOPY};

		curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &blob);
	}
	if (own && h->client_cert)
		curl_easy_setopt(c, CURLOPT_SSLCERT, h->client_cert);
	if (own && h->client_key)
		curl_easy_setopt(c, CURLOPT_SSLKEY, h->client_key);
}

static long elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000 +
	       (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

/* One request to one URL, no redirects followed. */
static enum cnab_status exchange(struct cnab_http *h,
                                 const struct cnab_http_request *req,
                                 const char *url, bool send_auth,
                                 struct cnab_http_response *resp,
                                 struct cnab_err *err)
{
	struct curl_slist *headers = NULL, *tmp;
	struct cnab_err cb_err = CNAB_ERR_INIT;
	struct exchange x = {req, resp, &cb_err, CNAB_OK, 0,
	                     0,   0,    {0, 0},  0,       false};
	char errbuf[CURL_ERROR_SIZE] = "";
	struct cnab_buf auth = CNAB_BUF_INIT(CNAB_MAX_TOKEN + 64);
	struct timespec t0;
	const char *const *hp;
	CURL *c = h->curl;
	enum cnab_status st = CNAB_OK;
	CURLcode rc;

	h->tls_failed = false;
	h->verify_failed = false;
	h->tls_problem = CNAB_TLS_NONE;
	curl_easy_reset(c);
	response_reset(resp);
	for (hp = req->headers; hp && *hp; hp++) {
		tmp = curl_slist_append(headers, *hp);
		if (!tmp)
			goto nomem;
		headers = tmp;
	}
	if (send_auth && req->authorization) {
		if (cnab_buf_addf(&auth, "Authorization: %s",
		                  req->authorization) != CNAB_OK)
			goto nomem;
		tmp = curl_slist_append(headers, cnab_buf_str(&auth));
		if (!tmp)
			goto nomem;
		headers = tmp;
	}
	/* no "Expect: 100-continue" round trip before bodies */
	tmp = curl_slist_append(headers, "Expect:");
	if (!tmp)
		goto nomem;
	headers = tmp;

	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "cnab-tools/" CNAB_VERSION);
	/* connecting (TCP and TLS) within the connect timeout, then never
	 * stalled for the stall timeout (the timer covers both) */
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT,
	                 h->config.connect_timeout ? h->config.connect_timeout
	                                           : 30L);
	x.stall_s = h->config.stall_timeout ? h->config.stall_timeout : 60L;
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, xferinfo_cb);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, &x);
	curl_easy_setopt(c, CURLOPT_BUFFERSIZE, 512L * 1024);
	curl_easy_setopt(c, CURLOPT_UPLOAD_BUFFERSIZE, 128L * 1024);
	curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	set_tls(h, c, url);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &x);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &x);
	if (!strcmp(req->method, "HEAD")) {
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	} else if (req->has_body) {
		curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
		curl_easy_setopt(c, CURLOPT_READDATA, &x);
		curl_easy_setopt(c, CURLOPT_SEEKFUNCTION, seek_cb);
		curl_easy_setopt(c, CURLOPT_SEEKDATA, &x);
		curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE,
		                 (curl_off_t)(req->body_reader
		                                      ? req->body_size
		                                      : req->body_len));
		if (strcmp(req->method, "PUT"))
			curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
	} else if (!strcmp(req->method, "GET")) {
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	} else {
		/* POST, PUT, PATCH, DELETE without a body */
		if (!strcmp(req->method, "POST") ||
		    !strcmp(req->method, "PUT") ||
		    !strcmp(req->method, "PATCH")) {
			curl_easy_setopt(c, CURLOPT_POST, 1L);
			curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
			curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, 0L);
		}
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
	}

	clock_gettime(CLOCK_MONOTONIC, &t0);
	x.last_move = t0;
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK) {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
		log_request(h, req->method, url, resp->status, elapsed_ms(&t0),
		            NULL);
		snprintf(h->failure, sizeof(h->failure), "answered %ld",
		         resp->status);
		goto out;
	}
	if (x.stalled || rc == CURLE_OPERATION_TIMEDOUT) {
		snprintf(h->failure, sizeof(h->failure), "timed out");
		log_request(h, req->method, url, 0, elapsed_ms(&t0),
		            "timed out");
		st = cnab_err_set(
		        err, CNAB_ERR_NET, "timed out: no answer within %ld s",
		        x.stalled                   ? x.stall_s
		        : h->config.connect_timeout ? h->config.connect_timeout
		                                    : 30L);
		goto out;
	}
	if (x.cb_status != CNAB_OK) {
		/* the sink or the body's reader failed: its reason wins */
		snprintf(h->failure, sizeof(h->failure), "aborted");
		log_request(h, req->method, url, 0, elapsed_ms(&t0), "aborted");
		st = cnab_err_set(err, x.cb_status, "%s", cb_err.msg);
		goto out;
	}
	snprintf(h->failure, sizeof(h->failure), "%s",
	         rc == CURLE_COULDNT_CONNECT ? "cannot connect"
	                                     : "connection failed");
	h->tls_failed = rc == CURLE_SSL_CONNECT_ERROR;
	h->verify_failed = rc == CURLE_PEER_FAILED_VERIFICATION ||
	                   rc == CURLE_SSL_CACERT_BADFILE;
	if (!strncmp(url, "https:", 6))
		h->tls_problem = tls_problem(
		        c, rc, errbuf[0] ? errbuf : curl_easy_strerror(rc));
	if (h->tls_problem != CNAB_TLS_NONE) {
		/* the peer speaks TLS: no fallback, no retry */
		h->tls_failed = false;
		h->verify_failed = true;
	}
	log_request(h, req->method, url, 0, elapsed_ms(&t0),
	            curl_easy_strerror(rc));
	st = cnab_err_set(err, CNAB_ERR_NET, "%s",
	                  errbuf[0] ? errbuf : curl_easy_strerror(rc));
	goto out;
nomem:
	st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
out:
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
	curl_slist_free_all(headers);
	if (auth.data)
		OPENSSL_cleanse(auth.data, auth.alloc);
	cnab_buf_release(&auth);
	return st;
}

enum cnab_status cnab_http_do(struct cnab_http *h,
                              const struct cnab_http_request *req,
                              struct cnab_http_response *resp,
                              struct cnab_err *err)
{
	char *url = strdup(req->url), *next;
	enum cnab_status st;
	int hops = 0;

	if (!url)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	if (!resp->body.max)
		cnab_buf_init(&resp->body,
		              req->body_max ? req->body_max : ERROR_BODY_MAX);
	for (;;) {
		/* Authorization only to the origin the caller named */
		bool same = cnab_http_same_origin(url, req->url);

		st = exchange(h, req, url, same, resp, err);
		if (st != CNAB_OK)
			break;
		if (resp->status < 300 || resp->status >= 400 ||
		    resp->status == 304 || !resp->location ||
		    hops >= req->max_redirects)
			break;
		if (req->has_body) /* a body cannot be replayed */
			break;
		next = cnab_http_resolve(url, resp->location);
		if (!next) {
			/* (without the query: a signed URL's secret) */
			size_t n = strcspn(resp->location, "?");

			st = cnab_err_set(err, CNAB_ERR_REGISTRY,
			                  "bad redirect to '%.*s%s'",
			                  (int)(n < 200 ? n : 200),
			                  resp->location,
			                  resp->location[n] ? "?..." : "");
			break;
		}
		free(url);
		url = next;
		hops++;
	}
	free(url);
	return st;
}

char *cnab_http_resolve(const char *base, const char *ref)
{
	CURLU *u = curl_url();
	char *out = NULL, *s = NULL;

	if (!u)
		return NULL;
	if (curl_url_set(u, CURLUPART_URL, base, 0) == CURLUE_OK &&
	    curl_url_set(u, CURLUPART_URL, ref, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_URL, &s, 0) == CURLUE_OK)
		out = strdup(s);
	curl_free(s);
	curl_url_cleanup(u);
	return out;
}

static char *url_part(CURLU *u, CURLUPart part, CURLUcode *rc)
{
	char *s = NULL;

	*rc = curl_url_get(u, part, &s,
	                   part == CURLUPART_PORT ? CURLU_DEFAULT_PORT : 0);
	return s;
}

bool cnab_http_same_origin(const char *a, const char *b)
{
	CURLU *ua = curl_url(), *ub = curl_url();
	static const CURLUPart parts[] = {CURLUPART_SCHEME, CURLUPART_HOST,
	                                  CURLUPART_PORT};
	bool same = false;
	size_t i;

	if (!ua || !ub || curl_url_set(ua, CURLUPART_URL, a, 0) ||
	    curl_url_set(ub, CURLUPART_URL, b, 0))
		goto out;
	same = true;
	for (i = 0; i < 3 && same; i++) {
		CURLUcode ra, rb;
		char *pa = url_part(ua, parts[i], &ra);
		char *pb = url_part(ub, parts[i], &rb);

		same = ra == CURLUE_OK && rb == CURLUE_OK &&
		       !strcasecmp(pa, pb);
		curl_free(pa);
		curl_free(pb);
	}
out:
	curl_url_cleanup(ua);
	curl_url_cleanup(ub);
	return same;
}

bool cnab_http_url_is_host(const char *url, const char *hostport)
{
	CURLU *u = curl_url(), *hp = curl_url();
	char *scheme = NULL, *s = NULL, *h1 = NULL, *h2 = NULL, *p1 = NULL,
	     *p2 = NULL;
	CURLUcode rc;
	bool same = false;

	if (!u || !hp || !hostport || !*hostport || strpbrk(hostport, "/?#@") ||
	    curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK)
		goto out;
	scheme = url_part(u, CURLUPART_SCHEME, &rc);
	if (rc != CURLUE_OK)
		goto out;
	/* hostport as a URL of the same scheme: its port, or the default */
	s = cnab_strfmt("%s://%s/", scheme, hostport);
	if (!s || curl_url_set(hp, CURLUPART_URL, s, 0) != CURLUE_OK)
		goto out;
	h1 = url_part(u, CURLUPART_HOST, &rc);
	if (rc != CURLUE_OK)
		goto out;
	h2 = url_part(hp, CURLUPART_HOST, &rc);
	if (rc != CURLUE_OK)
		goto out;
	p1 = url_part(u, CURLUPART_PORT, &rc);
	if (rc != CURLUE_OK)
		goto out;
	p2 = url_part(hp, CURLUPART_PORT, &rc);
	if (rc != CURLUE_OK)
		goto out;
	same = !strcasecmp(h1, h2) && !strcmp(p1, p2);
out:
	curl_free(scheme);
	free(s);
	curl_free(h1);
	curl_free(h2);
	curl_free(p1);
	curl_free(p2);
	curl_url_cleanup(u);
	curl_url_cleanup(hp);
	return same;
}

bool cnab_http_retryable(long status)
{
	return status == 408 || status == 429 || status == 500 ||
	       status == 502 || status == 503 || status == 504;
}

long cnab_http_retry_delay(int attempt, const char *retry_after, long base_ms,
                           long cap_ms)
{
	unsigned int r = 0;
	long ms;

	if (retry_after && *retry_after) {
		char *end;
		long secs = strtol(retry_after, &end, 10);

		if (end != retry_after && !*end && secs >= 0) {
			ms = secs > cap_ms / 1000 ? cap_ms : secs * 1000;
			return ms;
		} else {
			time_t when = curl_getdate(retry_after, NULL);
			time_t now = time(NULL);

			if (when != -1) {
				if (when <= now)
					return 0;
				if (when - now > cap_ms / 1000)
					return cap_ms;
				return (long)(when - now) * 1000;
			}
		}
	}
	ms = base_ms;
	while (--attempt > 0 && ms < cap_ms)
		ms *= 2;
	if (ms > cap_ms)
		ms = cap_ms;
	/* full jitter on the upper half: [ms/2, ms] */
	RAND_bytes((unsigned char *)&r, sizeof(r));
	return ms / 2 + (long)(r % (unsigned int)(ms / 2 + 1));
}

void cnab_http_sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}
