/*
 * Registry authentication: WWW-Authenticate challenges, credentials from
 * Docker/Podman auth files and credential helpers, and the token endpoint's
 * request and answer (Docker Registry v2 token authentication).
 *
 * Nothing here does network I/O; the registry client calls these pieces.
 * Secrets (passwords, identity and refresh tokens, bearer tokens) are wiped
 * with OPENSSL_cleanse when released and never appear in error messages.
 */
#ifndef CNAB_COMMON_AUTH_H
#define CNAB_COMMON_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "common/status.h"

/* The longest WWW-Authenticate header value cnab_challenge_parse takes. */
#define CNAB_CHALLENGE_MAX 8192

/* How long a credential helper may run, in seconds. */
#define CNAB_CRED_HELPER_TIMEOUT 30

/* Seconds a bearer token lives when the token endpoint says less or
 * nothing (as Docker does), and the most cnab_token_parse reports. */
#define CNAB_TOKEN_MIN_EXPIRY 60
#define CNAB_TOKEN_MAX_EXPIRY (365L * 24 * 3600)

enum cnab_auth_scheme {
	CNAB_AUTH_NONE,
	CNAB_AUTH_BASIC,
	CNAB_AUTH_BEARER,
};

/*
 * The challenge chosen from a WWW-Authenticate header.  The strings are
 * owned by the struct and NULL when the parameter is absent.
 */
struct cnab_challenge {
	enum cnab_auth_scheme scheme;
	char *realm;   /* Bearer: the token endpoint, an http(s) URL */
	char *service; /* Bearer only */
	char *scope;   /* Bearer only; may hold several, space-separated */
	char *error;   /* Bearer only: "invalid_token", "insufficient_scope" */
};
#define CNAB_CHALLENGE_INIT                                                    \
	{                                                                      \
		CNAB_AUTH_NONE, NULL, NULL, NULL, NULL                         \
	}

/*
 * Parses a WWW-Authenticate header value (RFC 7235): one or more
 * comma-separated challenges "scheme [token68 | name=value, ...]", such as
 *   Bearer realm="https://auth.docker.io/token",service="registry.docker.io"
 *   Basic realm="Registry Realm"
 * Scheme and parameter names are case-insensitive; values are tokens (taken
 * leniently: any visible characters but '"' and ',') or quoted strings
 * with backslash escapes.  Every challenge must be well-formed; Bearer is
 * chosen over Basic, the first of a scheme wins, unknown schemes are
 * skipped.  A Bearer challenge is usable only with a realm that is an
 * http:// or https:// URL without spaces or control characters.
 *
 * Returns CNAB_ERR_INVALID for a header longer than CNAB_CHALLENGE_MAX
 * bytes, malformed syntax, a parameter given twice, or a Bearer challenge
 * with a missing or bad realm (when no Basic challenge is offered);
 * CNAB_ERR_UNSUPPORTED when no challenge is Basic or Bearer.  Messages
 * name subject (the registry host) when it is not NULL, never quote the
 * header.  c is overwritten; on failure it is left empty, and
 * cnab_challenge_release() is safe either way.
 */
enum cnab_status cnab_challenge_parse(struct cnab_challenge *c,
                                      const char *header, const char *subject,
                                      struct cnab_err *err);

/* Frees the strings of c and empties it. */
void cnab_challenge_release(struct cnab_challenge *c);

/* Credentials for one registry host (or repository); all NULL when
 * anonymous. */
struct cnab_cred {
	char *username;
	char *password;
	char *identity_token; /* an OAuth2 refresh token */
	char *source;         /* the auth file they came from (no secret) */
};
#define CNAB_CRED_INIT                                                         \
	{                                                                      \
		NULL, NULL, NULL, NULL                                         \
	}

/* The most auth files cnab_cred_lookup() reads. */
#define CNAB_CRED_FILES_MAX 5

/*
 * Finds the credentials for the repository repo ("acme/app", or NULL for
 * the host as a whole) on host ("127.0.0.1:5000", "docker.io", "ghcr.io")
 * as Podman, skopeo (containers-auth.json(5)) and Docker do.
 *
 * The auth files, in order, the first giving credentials winning:
 *  - authfile when not NULL, alone ("-" is stdin, read at the first such
 *    lookup and kept for the others of the process; the file must exist,
 *    else CNAB_ERR_NOTFOUND "cannot open '<path>': ...");
 *  - else $REGISTRY_AUTH_FILE when set and not empty, alone;
 *  - else $XDG_RUNTIME_DIR/containers/auth.json (when XDG_RUNTIME_DIR is
 *    unset or empty: /run/containers/UID/auth.json),
 *    $XDG_CONFIG_HOME/containers/auth.json (default
 *    $HOME/.config/containers/auth.json), $DOCKER_CONFIG/config.json and
 *    $HOME/.docker/config.json.
 * Files that do not exist or are empty are skipped; no credentials
 * anywhere means anonymous.  In each file, in this order:
 *  - "credHelpers": {host: NAME} runs the helper NAME for host, and its
 *    answer is final for this file;
 *  - "auths": the key naming the longest namespace of repo
 *    ("host/acme/app" before "host/acme"; exact, without a scheme), else
 *    the entry whose key is host, or else the first in file order whose
 *    key names host ("https://host", "http://host/v1/", "host/v1/"; for
 *    docker.io also index.docker.io and registry-1.docker.io); each only
 *    when it holds credentials: "auth" (base64 of "user:password"; when
 *    present and not empty it replaces "username" and "password") and
 *    "identitytoken";
 *  - "credsStore": NAME, a helper for every host.
 *
 * A helper NAME ([A-Za-z0-9._-]) is the program docker-credential-NAME on
 * PATH, run without a shell with the argument "get", the server URL on its
 * stdin (host, or "https://index.docker.io/v1/" for docker.io), for at most
 * CNAB_CRED_HELPER_TIMEOUT seconds; it answers {"ServerURL", "Username",
 * "Secret"} (at most CNAB_MAX_TOKEN bytes), where Username "<token>" makes
 * Secret an identity token.  A helper failing with "credentials not found"
 * means none in that file; any other failure (missing program, exit
 * status, signal, timeout, bad answer) is CNAB_ERR_AUTH, with the first
 * line the helper wrote on stderr (or, failing, on stdout).
 *
 * A malformed auth file is CNAB_ERR_INVALID "cannot parse '<path>': ..."
 * (the message never quotes the file), one over CNAB_MAX_DOCUMENT bytes
 * CNAB_ERR_TOOBIG, an unreadable one CNAB_ERR_IO; an empty or unusable
 * host, or an empty repo, is CNAB_ERR_INVALID.
 *
 * *out is overwritten: on success it holds copies the caller releases with
 * cnab_cred_release() (all NULL when nothing was found), source naming the
 * file; on failure it is left empty.  *found tells whether any credential
 * was found.
 */
enum cnab_status cnab_cred_lookup(const char *authfile, const char *host,
                                  const char *repo, struct cnab_cred *out,
                                  bool *found, struct cnab_err *err);

/*
 * The auth files cnab_cred_lookup() would read with authfile, in order,
 * joined by ", " (for messages).  The caller frees it; NULL when out of
 * memory.
 */
char *cnab_cred_files(const char *authfile);

/* Wipes and frees the strings of c and empties it; c may be NULL. */
void cnab_cred_release(struct cnab_cred *c);

/*
 * Builds the value of an Authorization header for c, "Basic " followed by
 * base64("username:password").  CNAB_ERR_INVALID when c has no username or
 * password, or the username holds a ':' (RFC 7617).  The caller frees *out,
 * after wiping it (OPENSSL_cleanse).
 */
enum cnab_status cnab_cred_basic_header(const struct cnab_cred *c, char **out,
                                        struct cnab_err *err);

/*
 * Parses the JSON answer of a token endpoint, len bytes at data:
 *   {"token": ..., "access_token": ..., "expires_in": N,
 *    "issued_at": "...", "refresh_token": ...}
 * "token" wins over "access_token" (either may be absent, null or empty);
 * expires_in is at least CNAB_TOKEN_MIN_EXPIRY (the default) and at most
 * CNAB_TOKEN_MAX_EXPIRY; issued_at is ignored.  subject names the endpoint
 * in messages.
 *
 * Returns CNAB_ERR_TOOBIG past CNAB_MAX_TOKEN bytes; CNAB_ERR_REGISTRY when
 * the answer is not a JSON object or a field has the wrong type;
 * CNAB_ERR_AUTH when there is no token, or it is not fit for an HTTP header
 * (only visible ASCII).  On success the caller frees *token and *refresh
 * (NULL when the answer has none) after wiping them; on failure both are
 * NULL.  refresh and expires_in may be NULL when not wanted.
 */
enum cnab_status cnab_token_parse(const char *data, size_t len,
                                  const char *subject, char **token,
                                  char **refresh, long *expires_in,
                                  struct cnab_err *err);

/*
 * Builds the query string of a GET token request for the Bearer challenge
 * c: "service=S&scope=A&scope=B" (without '?'), values URL-encoded, each
 * scope a parameter of its own; the scopes are scopes[0..nscopes-1], or,
 * when nscopes is 0, those of the challenge (split at spaces).  Absent
 * parts are left out, so the query may be "".  CNAB_ERR_INVALID when c is
 * not a Bearer challenge.  The caller frees *query.
 */
enum cnab_status cnab_token_query(const struct cnab_challenge *c,
                                  const char *const *scopes, size_t nscopes,
                                  char **query, struct cnab_err *err);

/*
 * Builds the form body (application/x-www-form-urlencoded) of a POST token
 * request that trades an identity token for a bearer token:
 *   grant_type=refresh_token&service=S&scope=A%20B&refresh_token=R
 *   &client_id=cnab-tools
 * with the scopes chosen as cnab_token_query() does, joined by spaces into
 * one parameter as OAuth2 wants (and Docker sends).  CNAB_ERR_INVALID when c
 * is not a Bearer challenge or refresh_token is NULL or empty.  The caller
 * frees *form after wiping it: it holds the refresh token.
 */
enum cnab_status cnab_token_form(const struct cnab_challenge *c,
                                 const char *const *scopes, size_t nscopes,
                                 const char *refresh_token, char **form,
                                 struct cnab_err *err);

#endif
