/*
 * Internal to the registry client, shared by its files and by nothing
 * else (not installed; the tools use registry.h): the handle's struct and
 * the request helpers of registry.c that registry-manifest.c,
 * registry-blob.c and registry-upload.c build on.
 */
#ifndef CNAB_COMMON_REGISTRY_INT_H
#define CNAB_COMMON_REGISTRY_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/auth.h"
#include "common/buf.h"
#include "common/http.h"
#include "common/registry.h"
#include "common/status.h"

#define CNAB_REG_MAX_REDIRECTS 5

/* A cached Bearer token (registry.c). */
struct cnab_reg_token;

/* The credentials looked up for one repository (registry.c). */
struct cnab_reg_cred {
	char *repo; /* NULL: the host as a whole */
	struct cnab_cred cred;
	char *basic; /* "Basic ..." when there are a user name and password */
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
	 * HOST, the first ca_any_len bytes for others (0: none extra); released
	 * once the HTTP handle has them */
	struct cnab_buf ca;
	size_t ca_any_len;
	char *client_cert, *client_key;
	bool pinged;
	struct cnab_challenge challenge;
	struct cnab_reg_cred *creds; /* looked up so far, one per repo */
	size_t ncreds;
	size_t last_cred; /* the last authorization's: index + 1, or 0 */
	struct cnab_reg_token *tokens;
	size_t ntokens;
	struct cnab_registry_stats stats;
	char *upload_buf; /* see upload_buffer (registry-upload.c) */
	size_t upload_buf_size;
	/* the upload session a declined mount opened (202), kept for the
	 * next upload to session_repo; session_min: its
	 * OCI-Chunk-Min-Length, or 0 */
	char *session;
	char *session_repo;
	uint64_t session_min;
};

/* Writes ": CODE message" of a registry's error body to buf, or "". */
void cnab_reg_error_detail(const struct cnab_http_response *resp, char *buf,
                           size_t size);

/*
 * Sets err for an answer that is not a success (401 and 403:
 * CNAB_ERR_AUTH, 404: CNAB_ERR_NOTFOUND, else CNAB_ERR_REGISTRY) and
 * returns its status; what names the subject of the request.
 */
enum cnab_status cnab_reg_fail_answer(struct cnab_registry *r,
                                      const char *method,
                                      const struct cnab_http_response *resp,
                                      const char *what, struct cnab_err *err);

/* Sleeps before retry number attempt, honouring retry_after (or NULL). */
void cnab_reg_backoff(struct cnab_registry *r, int attempt,
                      const char *retry_after);

/*
 * Sets *out to the Authorization value for a request needing scopes
 * (NULL: none; owned by the handle), fetching a token when there is none
 * for them, it expires, or renew.
 */
enum cnab_status cnab_reg_authorization(struct cnab_registry *r,
                                        const char *const *scopes, size_t n,
                                        bool renew, const char **out,
                                        struct cnab_err *err);

/*
 * Sends a registry request with auth for scopes (pinging first): renews
 * the token once on 401, and retries transport failures and retryable
 * answers when the request can be sent again.  CNAB_OK means an answer,
 * whatever its status, in resp (which the caller releases).
 */
enum cnab_status
cnab_reg_send(struct cnab_registry *r, struct cnab_http_request *req,
              const char *const *scopes, size_t nscopes, const char *what,
              struct cnab_http_response *resp, struct cnab_err *err);

/* Sets *url to "BASE/v2/REPO/KIND/REF" (the caller frees it), pinging
 * first. */
enum cnab_status cnab_reg_api_url(struct cnab_registry *r, const char *repo,
                                  const char *kind, const char *ref, char **url,
                                  struct cnab_err *err);

/* "repository:REPO:ACTIONS", to free; NULL when out of memory. */
char *cnab_reg_scope(const char *repo, const char *actions);

#endif
