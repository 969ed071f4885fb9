#define _GNU_SOURCE /* pipe2, replaced below */
#include "tests/unit/test.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "common/auth.h"
#include "common/buf.h"

/*
 * Every password and token used here holds "SECRET"; the base64 forms of
 * the "auth" values are listed too.  No error message may contain any.
 */
static const char *const secrets[] = {
        "SECRET",
        "U0VDUkVU", /* base64 of "SECRET" at one alignment */
        "Ym9iOmh1bnRlcjJTRUNSRVQ",
        "bm9jb2xvblNFQ1JFVA",
        "OmVtcHR5dXNlclNFQ1JFVA",
        "YWxpY2U6cGE1NTp3b3JkU0VDUkVU",
        "aHViOmh1YnB3U0VDUkVU",
        "hunter2",
};

static void assert_no_secret(const char *msg)
{
	size_t i;

	for (i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++)
		if (strstr(msg, secrets[i]))
			fail_msg("secret '%s' in message: %s", secrets[i], msg);
}

/* NULL-safe string comparison. */
static void assert_str(const char *got, const char *want)
{
	if (!want) {
		if (got)
			fail_msg("expected NULL, got '%s'", got);
		return;
	}
	if (!got)
		fail_msg("expected '%s', got NULL", want);
	assert_string_equal(got, want);
}

/*
 * Challenges.
 */
static const struct {
	const char *header;
	enum cnab_status st;
	enum cnab_auth_scheme scheme;
	const char *realm, *service, *scope, *error;
} challenges[] = {
        /* Docker Hub */
        {"Bearer realm=\"https://auth.docker.io/token\","
         "service=\"registry.docker.io\","
         "scope=\"repository:library/golang:pull\"",
         CNAB_OK, CNAB_AUTH_BEARER, "https://auth.docker.io/token",
         "registry.docker.io", "repository:library/golang:pull", NULL},
        /* Docker Hub, insufficient scope, comma inside the quotes */
        {"Bearer realm=\"https://auth.docker.io/token\","
         "service=\"registry.docker.io\","
         "scope=\"repository:samalba/my-app:pull,push\","
         "error=\"insufficient_scope\"",
         CNAB_OK, CNAB_AUTH_BEARER, "https://auth.docker.io/token",
         "registry.docker.io", "repository:samalba/my-app:pull,push",
         "insufficient_scope"},
        /* GHCR */
        {"Bearer realm=\"https://ghcr.io/token\",service=\"ghcr.io\","
         "scope=\"repository:user/image:pull\"",
         CNAB_OK, CNAB_AUTH_BEARER, "https://ghcr.io/token", "ghcr.io",
         "repository:user/image:pull", NULL},
        /* Harbor: no scope on /v2/, several space-separated otherwise */
        {"Bearer realm=\"https://demo.goharbor.io/service/token\","
         "service=\"harbor-registry\"",
         CNAB_OK, CNAB_AUTH_BEARER, "https://demo.goharbor.io/service/token",
         "harbor-registry", NULL, NULL},
        {"Bearer realm=\"https://h.example/service/token\","
         "service=\"harbor-registry\","
         "scope=\"repository:a/b:pull repository:c/d:pull,push\"",
         CNAB_OK, CNAB_AUTH_BEARER, "https://h.example/service/token",
         "harbor-registry", "repository:a/b:pull repository:c/d:pull,push",
         NULL},
        /* Harbor's catalog, distribution's htpasswd, ACR */
        {"Basic realm=\"harbor\"", CNAB_OK, CNAB_AUTH_BASIC, "harbor", NULL,
         NULL, NULL},
        {"Basic realm=\"Registry Realm\"", CNAB_OK, CNAB_AUTH_BASIC,
         "Registry Realm", NULL, NULL, NULL},
        {"Basic realm=\"Azure Container Registry\"", CNAB_OK, CNAB_AUTH_BASIC,
         "Azure Container Registry", NULL, NULL, NULL},
        /* ECR: Basic with a service the scheme does not use */
        {"Basic realm=\"https://1234.dkr.ecr.us-east-1.amazonaws.com/\","
         "service=\"ecr.amazonaws.com\"",
         CNAB_OK, CNAB_AUTH_BASIC,
         "https://1234.dkr.ecr.us-east-1.amazonaws.com/", NULL, NULL, NULL},
        /* GCR without quotes, Quay */
        {"Bearer realm=\"https://gcr.io/v2/token\",service=gcr.io", CNAB_OK,
         CNAB_AUTH_BEARER, "https://gcr.io/v2/token", "gcr.io", NULL, NULL},
        {"Bearer realm=\"https://quay.io/v2/auth\",service=\"quay.io\"",
         CNAB_OK, CNAB_AUTH_BEARER, "https://quay.io/v2/auth", "quay.io", NULL,
         NULL},
        {"Bearer realm=https://r.example/token,scope=repository:x:pull",
         CNAB_OK, CNAB_AUTH_BEARER, "https://r.example/token", NULL,
         "repository:x:pull", NULL},
        /* case, whitespace */
        {"BEARER Realm=\"https://a.example/t\", SERVICE = \"svc\" ,"
         "sCoPe=\"s\"",
         CNAB_OK, CNAB_AUTH_BEARER, "https://a.example/t", "svc", "s", NULL},
        {"  basic\trealm=x  ", CNAB_OK, CNAB_AUTH_BASIC, "x", NULL, NULL, NULL},
        {"Basic", CNAB_OK, CNAB_AUTH_BASIC, NULL, NULL, NULL, NULL},
        /* quoted escapes */
        {"Basic realm=\"a \\\"quoted\\\" \\\\ name\"", CNAB_OK, CNAB_AUTH_BASIC,
         "a \"quoted\" \\ name", NULL, NULL, NULL},
        {"Bearer realm=\"https://a.example/t\",service=\"s\\vc\"", CNAB_OK,
         CNAB_AUTH_BEARER, "https://a.example/t", "svc", NULL, NULL},
        {"Basic realm=\"\"", CNAB_OK, CNAB_AUTH_BASIC, "", NULL, NULL, NULL},
        /* several challenges: Bearer wins, wherever it is */
        {"Basic realm=\"r\", Bearer realm=\"https://a.example/t\","
         "service=\"s\"",
         CNAB_OK, CNAB_AUTH_BEARER, "https://a.example/t", "s", NULL, NULL},
        {"Bearer realm=\"https://a.example/t\", Basic realm=\"r\"", CNAB_OK,
         CNAB_AUTH_BEARER, "https://a.example/t", NULL, NULL, NULL},
        /* RFC 7235's example, with unknown schemes skipped */
        {"Newauth realm=\"apps\", type=1, title=\"Login to \\\"apps\\\"\", "
         "Basic realm=\"simple\"",
         CNAB_OK, CNAB_AUTH_BASIC, "simple", NULL, NULL, NULL},
        {"Negotiate, Basic realm=\"b\"", CNAB_OK, CNAB_AUTH_BASIC, "b", NULL,
         NULL, NULL},
        {"Negotiate YII=, Basic", CNAB_OK, CNAB_AUTH_BASIC, NULL, NULL, NULL,
         NULL},
        /* the first of a scheme wins */
        {"Bearer realm=\"https://one.example/t\", "
         "Bearer realm=\"https://two.example/t\"",
         CNAB_OK, CNAB_AUTH_BEARER, "https://one.example/t", NULL, NULL, NULL},
        /* a Bearer challenge without a usable realm */
        {"Bearer realm=\"ftp://a.example/t\", Basic realm=\"b\"", CNAB_OK,
         CNAB_AUTH_BASIC, "b", NULL, NULL, NULL},
        {"Bearer service=\"s\"", CNAB_ERR_INVALID, CNAB_AUTH_NONE, NULL, NULL,
         NULL, NULL},
        {"Bearer realm=\"https://a.example/t x\"", CNAB_ERR_INVALID,
         CNAB_AUTH_NONE, NULL, NULL, NULL, NULL},
        {"Bearer realm=\"https://\"", CNAB_ERR_INVALID, CNAB_AUTH_NONE, NULL,
         NULL, NULL, NULL},
        /* nothing known */
        {"Negotiate", CNAB_ERR_UNSUPPORTED, CNAB_AUTH_NONE, NULL, NULL, NULL,
         NULL},
        {"Digest realm=\"r\", nonce=\"n\", qop=\"auth\"", CNAB_ERR_UNSUPPORTED,
         CNAB_AUTH_NONE, NULL, NULL, NULL, NULL},
        /* malformed */
        {"", CNAB_ERR_INVALID, CNAB_AUTH_NONE, NULL, NULL, NULL, NULL},
        {" , ,", CNAB_ERR_INVALID, CNAB_AUTH_NONE, NULL, NULL, NULL, NULL},
        {"Basic realm=\"unterminated", CNAB_ERR_INVALID, CNAB_AUTH_NONE, NULL,
         NULL, NULL, NULL},
        {"Basic realm=\"ends in a backslash\\", CNAB_ERR_INVALID,
         CNAB_AUTH_NONE, NULL, NULL, NULL, NULL},
        {"realm=\"https://a.example/t\"", CNAB_ERR_INVALID, CNAB_AUTH_NONE,
         NULL, NULL, NULL, NULL},
        {"=Bearer", CNAB_ERR_INVALID, CNAB_AUTH_NONE, NULL, NULL, NULL, NULL},
        {"\"Bearer\"", CNAB_ERR_INVALID, CNAB_AUTH_NONE, NULL, NULL, NULL,
         NULL},
        {"Bearer realm=", CNAB_ERR_INVALID, CNAB_AUTH_NONE, NULL, NULL, NULL,
         NULL},
        {"Bearer realm=\"https://a.example/t\" service=\"s\"", CNAB_ERR_INVALID,
         CNAB_AUTH_NONE, NULL, NULL, NULL, NULL},
        {"Bearer realm=\"https://a.example/t\"x", CNAB_ERR_INVALID,
         CNAB_AUTH_NONE, NULL, NULL, NULL, NULL},
        {"Bearer realm \"https://a.example/t\"", CNAB_ERR_INVALID,
         CNAB_AUTH_NONE, NULL, NULL, NULL, NULL},
        {"Basic foo bar", CNAB_ERR_INVALID, CNAB_AUTH_NONE, NULL, NULL, NULL,
         NULL},
        {"Basic\"realm\"", CNAB_ERR_INVALID, CNAB_AUTH_NONE, NULL, NULL, NULL,
         NULL},
        {"Basic realm=\"a\nb\"", CNAB_ERR_INVALID, CNAB_AUTH_NONE, NULL, NULL,
         NULL, NULL},
        {"Basic realm=a\r\n", CNAB_ERR_INVALID, CNAB_AUTH_NONE, NULL, NULL,
         NULL, NULL},
        {"Bearer realm=\"https://a.example/t\",realm=\"https://b.example/\"",
         CNAB_ERR_INVALID, CNAB_AUTH_NONE, NULL, NULL, NULL, NULL},
        {"Bearer realm=\"https://a.example/t\",SCOPE=a,scope=b",
         CNAB_ERR_INVALID, CNAB_AUTH_NONE, NULL, NULL, NULL, NULL},
        /* a malformed challenge spoils the header, even after a good one */
        {"Bearer realm=\"https://a.example/t\", Basic realm=\"x",
         CNAB_ERR_INVALID, CNAB_AUTH_NONE, NULL, NULL, NULL, NULL},
};

static void test_challenge_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(challenges) / sizeof(challenges[0]); i++) {
		struct cnab_challenge c = CNAB_CHALLENGE_INIT;
		struct cnab_err err = CNAB_ERR_INIT;
		enum cnab_status st;

		st = cnab_challenge_parse(&c, challenges[i].header, NULL, &err);
		if (st != challenges[i].st)
			fail_msg("case %zu: status %d, want %d (%s)", i, st,
			         challenges[i].st, err.msg);
		assert_int_equal(c.scheme, challenges[i].scheme);
		assert_str(c.realm, challenges[i].realm);
		assert_str(c.service, challenges[i].service);
		assert_str(c.scope, challenges[i].scope);
		assert_str(c.error, challenges[i].error);
		if (st == CNAB_OK)
			assert_int_equal(err.status, CNAB_OK);
		else
			assert_non_null(strstr(err.msg, "challenge") ||
			                strstr(err.msg, "scheme"));
		cnab_challenge_release(&c);
		cnab_challenge_release(&c);
	}
}

static void test_challenge_messages(void **state)
{
	struct cnab_challenge c = CNAB_CHALLENGE_INIT;
	struct cnab_err err = CNAB_ERR_INIT;
	char *big;

	(void)state;
	/* the subject is named when given, the header never quoted */
	assert_int_equal(cnab_challenge_parse(&c, "Basic realm=\"SECRET",
	                                      "registry.example.com", &err),
	                 CNAB_ERR_INVALID);
	assert_string_equal(err.msg,
	                    "invalid authentication challenge from "
	                    "'registry.example.com': unterminated quoted "
	                    "string at byte 19");
	cnab_err_clear(&err);
	assert_int_equal(
	        cnab_challenge_parse(&c, "Basic realm=\"SECRET", NULL, &err),
	        CNAB_ERR_INVALID);
	assert_string_equal(err.msg, "invalid authentication challenge: "
	                             "unterminated quoted string at byte 19");
	cnab_err_clear(&err);
	assert_int_equal(cnab_challenge_parse(&c, "Digest realm=\"SECRET\"",
	                                      "r.example", &err),
	                 CNAB_ERR_UNSUPPORTED);
	assert_string_equal(err.msg, "no supported authentication scheme "
	                             "(Basic or Bearer) offered by "
	                             "'r.example'");
	assert_int_equal(c.scheme, CNAB_AUTH_NONE);
	assert_null(c.realm);
	/* exactly at the limit, and one byte over */
	big = malloc(CNAB_CHALLENGE_MAX + 2);
	assert_non_null(big);
	memset(big, ' ', CNAB_CHALLENGE_MAX + 1);
	memcpy(big, "Basic realm=x", 13);
	big[CNAB_CHALLENGE_MAX] = '\0';
	cnab_err_clear(&err);
	assert_int_equal(cnab_challenge_parse(&c, big, NULL, &err), CNAB_OK);
	assert_string_equal(c.realm, "x");
	cnab_challenge_release(&c);
	big[CNAB_CHALLENGE_MAX] = ' ';
	big[CNAB_CHALLENGE_MAX + 1] = '\0';
	assert_int_equal(cnab_challenge_parse(&c, big, "r.example", &err),
	                 CNAB_ERR_INVALID);
	assert_non_null(strstr(err.msg, "'r.example': header longer than"));
	assert_null(c.realm);
	free(big);
	cnab_err_clear(&err);
	assert_int_equal(cnab_challenge_parse(&c, NULL, NULL, &err),
	                 CNAB_ERR_INVALID);
}

/* Small deterministic generator, so that a failure can be replayed. */
static uint32_t rng_state = 12345;

static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

static void check_any(const char *s)
{
	struct cnab_challenge c = CNAB_CHALLENGE_INIT;
	struct cnab_err err = CNAB_ERR_INIT;
	enum cnab_status st;

	st = cnab_challenge_parse(&c, s, "fuzz", &err);
	if (st == CNAB_OK) {
		assert_true(c.scheme == CNAB_AUTH_BASIC ||
		            c.scheme == CNAB_AUTH_BEARER);
		if (c.scheme == CNAB_AUTH_BEARER)
			assert_non_null(c.realm);
	} else {
		assert_true(st == CNAB_ERR_INVALID ||
		            st == CNAB_ERR_UNSUPPORTED);
		assert_int_equal(c.scheme, CNAB_AUTH_NONE);
		assert_non_null(strstr(err.msg, "'fuzz'"));
	}
	cnab_challenge_release(&c);
}

static void test_challenge_random(void **state)
{
	static const char alphabet[] = "Bearer Basic realm=\",\\ \t=scope";
	char buf[300];
	size_t i, j, n;

	(void)state;
	/* random bytes */
	for (i = 0; i < 20000; i++) {
		n = rng() % (sizeof(buf) - 1);
		for (j = 0; j < n; j++)
			buf[j] = (char)(rng() % 255 + 1);
		buf[n] = '\0';
		check_any(buf);
	}
	/* random strings of the characters that matter */
	for (i = 0; i < 20000; i++) {
		n = rng() % 40;
		for (j = 0; j < n; j++)
			buf[j] = alphabet[rng() % (sizeof(alphabet) - 1)];
		buf[n] = '\0';
		check_any(buf);
	}
	/* real headers, cut and mutated */
	for (i = 0; i < sizeof(challenges) / sizeof(challenges[0]); i++) {
		const char *h = challenges[i].header;

		for (n = 0; n <= strlen(h) && n < sizeof(buf); n++) {
			memcpy(buf, h, n);
			buf[n] = '\0';
			check_any(buf);
			if (n > 0) {
				buf[rng() % n] = (char)(rng() % 255 + 1);
				check_any(buf);
			}
		}
	}
}

/*
 * Credentials.  Each test works in a directory of its own under the
 * current (temporary) one, with HOME, DOCKER_CONFIG, REGISTRY_AUTH_FILE
 * and PATH set for it.
 */
static char top[2048];
static char *orig_path;

static void write_file(const char *path, const char *text, int mode)
{
	FILE *f = fopen(path, "wb");

	if (!f)
		fail_msg("cannot create '%s': %s", path, strerror(errno));
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, (mode_t)mode), 0);
}

/* A path under the test's directory; static storage, 4 slots. */
static const char *at(const char *rel)
{
	static char slots[4][4096];
	static int next;
	char *p = slots[next++ % 4];

	if (snprintf(p, 4096, "%s/%s", top, rel) >= 4096)
		fail_msg("path too long: %s/%s", top, rel);
	return p;
}

static void reset_env(void)
{
	char path[8192];

	unsetenv("REGISTRY_AUTH_FILE");
	unsetenv("DOCKER_CONFIG");
	unsetenv("XDG_CONFIG_HOME");
	setenv("XDG_RUNTIME_DIR", at("run"), 1);
	setenv("HOME", at("home"), 1);
	if (snprintf(path, sizeof(path), "%s/bin:%s", top,
	             orig_path ? orig_path : "/usr/bin:/bin") >=
	    (int)sizeof(path))
		fail_msg("PATH too long");
	setenv("PATH", path, 1);
}

static int setup(void **state)
{
	(void)state;
	if (!getcwd(top, sizeof(top)))
		return -1;
	orig_path = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
	test_make_dir(at("home"));
	test_make_dir(at("home/.docker"));
	test_make_dir(at("dc"));
	test_make_dir(at("bin"));
	test_make_dir(at("run"));
	test_make_dir(at("run/containers"));
	test_make_dir(at("cfg"));
	test_make_dir(at("cfg/containers"));
	test_make_dir(at("home/.config"));
	test_make_dir(at("home/.config/containers"));
	reset_env();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (orig_path)
		setenv("PATH", orig_path, 1);
	free(orig_path);
	return 0;
}

/* Looks host up in the auth file holding text. */
static enum cnab_status lookup_text(const char *text, const char *host,
                                    struct cnab_cred *c, bool *found,
                                    struct cnab_err *err)
{
	write_file(at("auth.json"), text, 0600);
	return cnab_cred_lookup(at("auth.json"), host, NULL, c, found, err);
}

static const struct {
	const char *text, *host;
	enum cnab_status st;
	const char *user, *pass, *token;
	const char *msg; /* part of the message */
} creds[] = {
        /* "auth" */
        {"{\"auths\":{\"r.example\":{\"auth\":\"Ym9iOmh1bnRlcjJTRUNSRVQ=\"}}}",
         "r.example", CNAB_OK, "bob", "hunter2SECRET", NULL, NULL},
        /* split at the first colon */
        {"{\"auths\":{\"r.example\":"
         "{\"auth\":\"YWxpY2U6cGE1NTp3b3JkU0VDUkVU\"}}}",
         "r.example", CNAB_OK, "alice", "pa55:wordSECRET", NULL, NULL},
        /* username and password; "auth" replaces them */
        {"{\"auths\":{\"r.example\":{\"username\":\"u\","
         "\"password\":\"pSECRET\",\"email\":\"u@example.com\"}}}",
         "r.example", CNAB_OK, "u", "pSECRET", NULL, NULL},
        {"{\"auths\":{\"r.example\":{\"username\":\"u\","
         "\"password\":\"pSECRET\","
         "\"auth\":\"Ym9iOmh1bnRlcjJTRUNSRVQ=\"}}}",
         "r.example", CNAB_OK, "bob", "hunter2SECRET", NULL, NULL},
        {"{\"auths\":{\"r.example\":{\"username\":\"u\"}}}", "r.example",
         CNAB_OK, "u", "", NULL, NULL},
        /* identity tokens */
        {"{\"auths\":{\"r.example\":{\"auth\":\"\","
         "\"identitytoken\":\"idSECRET\"}}}",
         "r.example", CNAB_OK, NULL, NULL, "idSECRET", NULL},
        {"{\"auths\":{\"r.example\":{\"username\":\"u\","
         "\"identitytoken\":\"idSECRET\"}}}",
         "r.example", CNAB_OK, "u", "", "idSECRET", NULL},
        /* keys as Docker writes them */
        {"{\"auths\":{\"https://r.example\":{\"username\":\"a\"}}}",
         "r.example", CNAB_OK, "a", "", NULL, NULL},
        {"{\"auths\":{\"http://127.0.0.1:5000\":{\"username\":\"a\"}}}",
         "127.0.0.1:5000", CNAB_OK, "a", "", NULL, NULL},
        {"{\"auths\":{\"https://ghcr.io/v1/\":{\"username\":\"a\"}}}",
         "ghcr.io", CNAB_OK, "a", "", NULL, NULL},
        {"{\"auths\":{\"R.Example\":{\"username\":\"a\"}}}", "r.example",
         CNAB_OK, "a", "", NULL, NULL},
        /* Podman's namespaced keys are not for the whole host */
        {"{\"auths\":{\"quay.io/ns\":{\"username\":\"a\"}}}", "quay.io",
         CNAB_OK, NULL, NULL, NULL, NULL},
        /* but Docker's API paths are */
        {"{\"auths\":{\"r.example/v1/\":{\"username\":\"a\"}}}", "r.example",
         CNAB_OK, "a", "", NULL, NULL},
        /* keys naming another host */
        {"{\"auths\":{\"127.0.0.1:5000\":{\"username\":\"a\"}}}",
         "127.0.0.1:5001", CNAB_OK, NULL, NULL, NULL, NULL},
        {"{\"auths\":{\"127.0.0.1\":{\"username\":\"a\"}}}", "127.0.0.1:5000",
         CNAB_OK, NULL, NULL, NULL, NULL},
        {"{\"auths\":{\"ghcr.io.evil.example\":{\"username\":\"a\"},"
         "\"https://evil.example/ghcr.io\":{\"username\":\"b\"}}}",
         "ghcr.io", CNAB_OK, NULL, NULL, NULL, NULL},
        {"{\"auths\":{\"https://index.docker.io/v1/\":{\"username\":\"a\"}}}",
         "ghcr.io", CNAB_OK, NULL, NULL, NULL, NULL},
        /* Docker Hub's aliases */
        {"{\"auths\":{\"https://index.docker.io/v1/\":"
         "{\"auth\":\"aHViOmh1YnB3U0VDUkVU\"}}}",
         "docker.io", CNAB_OK, "hub", "hubpwSECRET", NULL, NULL},
        {"{\"auths\":{\"https://index.docker.io/v1/\":{\"username\":\"a\"}}}",
         "registry-1.docker.io", CNAB_OK, "a", "", NULL, NULL},
        {"{\"auths\":{\"index.docker.io\":{\"username\":\"a\"}}}", "docker.io",
         CNAB_OK, "a", "", NULL, NULL},
        {"{\"auths\":{\"registry-1.docker.io\":{\"username\":\"a\"}}}",
         "index.docker.io", CNAB_OK, "a", "", NULL, NULL},
        {"{\"auths\":{\"docker.io\":{\"username\":\"a\"}}}",
         "registry-1.docker.io", CNAB_OK, "a", "", NULL, NULL},
        /* the exact key first, then file order, skipping empty entries */
        {"{\"auths\":{\"https://index.docker.io/v1/\":{\"username\":\"a\"},"
         "\"docker.io\":{\"username\":\"b\"}}}",
         "docker.io", CNAB_OK, "b", "", NULL, NULL},
        {"{\"auths\":{\"https://r.example\":{},"
         "\"http://r.example\":{\"username\":\"b\"},"
         "\"r.example/v1/\":{\"username\":\"c\"}}}",
         "r.example", CNAB_OK, "b", "", NULL, NULL},
        {"{\"auths\":{\"r.example\":{},"
         "\"https://r.example\":{\"username\":\"b\"}}}",
         "r.example", CNAB_OK, "b", "", NULL, NULL},
        /* nothing there */
        {"{}", "r.example", CNAB_OK, NULL, NULL, NULL, NULL},
        {"{\"auths\":{}}", "r.example", CNAB_OK, NULL, NULL, NULL, NULL},
        {"{\"auths\":null,\"credHelpers\":null,\"credsStore\":\"\"}",
         "r.example", CNAB_OK, NULL, NULL, NULL, NULL},
        {"", "r.example", CNAB_OK, NULL, NULL, NULL, NULL},
        /* other members of Docker's config are ignored */
        {"{\"psFormat\":\"table\",\"HttpHeaders\":{\"a\":\"b\"},"
         "\"auths\":{\"other.example\":5,"
         "\"r.example\":{\"username\":\"a\"}}}",
         "r.example", CNAB_OK, "a", "", NULL, NULL},
        /* malformed: the secret never shows in the message */
        {"{\"auths\":{\"r.example\":{\"auth\":\"Ym9iOmh1bnRlcjJTRUNSRVQ=",
         "r.example", CNAB_ERR_INVALID, NULL, NULL, NULL,
         "auth.json': line 1 column"},
        {"{\"auths\":{\"r.example\":{\"password\": hunter2SECRET}}}",
         "r.example", CNAB_ERR_INVALID, NULL, NULL, NULL,
         "auth.json': line 1 column"},
        {"{\"auths\":{\"r.example\":{\"password\":\"SECRET\"} x}}", "r.example",
         CNAB_ERR_INVALID, NULL, NULL, NULL, "cannot parse '"},
        {"{\"password\":\"SECRET\",\"password\":\"SECRET\"}", "r.example",
         CNAB_ERR_INVALID, NULL, NULL, NULL, "cannot parse '"},
        {"[\"SECRET\"]", "r.example", CNAB_ERR_INVALID, NULL, NULL, NULL,
         "not a JSON object"},
        {"{\"auths\":[\"SECRET\"]}", "r.example", CNAB_ERR_INVALID, NULL, NULL,
         NULL, "'auths' and 'credHelpers' must be objects"},
        {"{\"credsStore\":5}", "r.example", CNAB_ERR_INVALID, NULL, NULL, NULL,
         "'credsStore' a string"},
        {"{\"auths\":{\"r.example\":\"SECRET\"}}", "r.example",
         CNAB_ERR_INVALID, NULL, NULL, NULL,
         "the 'auths' entry for 'r.example' must be an object"},
        {"{\"auths\":{\"r.example\":{\"password\":[\"SECRET\"]}}}", "r.example",
         CNAB_ERR_INVALID, NULL, NULL, NULL, "a field that is not a string"},
        /* "auth": not base64, no colon, no user name */
        {"{\"auths\":{\"r.example\":{\"auth\":\"Ym9iOmh1bnRlcjJTRUNSRVQ\"}}}",
         "r.example", CNAB_ERR_INVALID, NULL, NULL, NULL,
         "'auth' of the entry for 'r.example' is not valid base64"},
        {"{\"auths\":{\"r.example\":{\"auth\":\"Ym9iOmh1b=nRlcjJTRUNSRVQ\"}}}",
         "r.example", CNAB_ERR_INVALID, NULL, NULL, NULL, "not valid base64"},
        {"{\"auths\":{\"r.example\":{\"auth\":\"hunter2SECRET!!!\"}}}",
         "r.example", CNAB_ERR_INVALID, NULL, NULL, NULL, "not valid base64"},
        {"{\"auths\":{\"r.example\":{\"auth\":\"bm9jb2xvblNFQ1JFVA==\"}}}",
         "r.example", CNAB_ERR_INVALID, NULL, NULL, NULL,
         "is not 'user:password'"},
        {"{\"auths\":{\"r.example\":{\"auth\":\"OmVtcHR5dXNlclNFQ1JFVA==\"}}}",
         "r.example", CNAB_ERR_INVALID, NULL, NULL, NULL,
         "is not 'user:password'"},
        /* bad host */
        {"{}", "", CNAB_ERR_INVALID, NULL, NULL, NULL, "invalid registry host"},
        {"{}", "a b", CNAB_ERR_INVALID, NULL, NULL, NULL,
         "invalid registry host"},
        {"{}", "r.example/x", CNAB_ERR_INVALID, NULL, NULL, NULL,
         "invalid registry host"},
};

static void test_cred_table(void **state)
{
	size_t i;

	(void)state;
	reset_env();
	for (i = 0; i < sizeof(creds) / sizeof(creds[0]); i++) {
		struct cnab_cred c = CNAB_CRED_INIT;
		struct cnab_err err = CNAB_ERR_INIT;
		enum cnab_status st;
		bool found = true;

		st = lookup_text(creds[i].text, creds[i].host, &c, &found,
		                 &err);
		if (st != creds[i].st)
			fail_msg("case %zu: status %d, want %d (%s)", i, st,
			         creds[i].st, err.msg);
		assert_str(c.username, creds[i].user);
		assert_str(c.password, creds[i].pass);
		assert_str(c.identity_token, creds[i].token);
		assert_int_equal(found, creds[i].user || creds[i].pass ||
		                                creds[i].token);
		if (creds[i].msg && !strstr(err.msg, creds[i].msg))
			fail_msg("case %zu: message '%s' lacks '%s'", i,
			         err.msg, creds[i].msg);
		if (st == CNAB_ERR_INVALID &&
		    strcmp(creds[i].msg, "invalid registry host"))
			assert_non_null(strstr(err.msg, "cannot parse '"));
		assert_no_secret(err.msg);
		cnab_cred_release(&c);
		cnab_cred_release(&c);
	}
	cnab_cred_release(NULL);
}

/* Namespaced keys (containers-auth.json(5)): the longest namespace of the
 * repository first, then the host; never another namespace. */
static const struct {
	const char *text, *host, *repo, *user;
} ns_creds[] = {
        {"{\"auths\":{\"r.example\":{\"username\":\"host\"},"
         "\"r.example/acme\":{\"username\":\"org\"},"
         "\"r.example/acme/app\":{\"username\":\"repo\"}}}",
         "r.example", "acme/app", "repo"},
        /* file order does not matter */
        {"{\"auths\":{\"r.example/acme/app\":{\"username\":\"repo\"},"
         "\"r.example/acme\":{\"username\":\"org\"},"
         "\"r.example\":{\"username\":\"host\"}}}",
         "r.example", "acme/app", "repo"},
        {"{\"auths\":{\"r.example\":{\"username\":\"host\"},"
         "\"r.example/acme\":{\"username\":\"org\"},"
         "\"r.example/acme/app\":{\"username\":\"repo\"}}}",
         "r.example", "acme/web", "org"},
        {"{\"auths\":{\"r.example\":{\"username\":\"host\"},"
         "\"r.example/acme\":{\"username\":\"org\"}}}",
         "r.example", "acme/team/app", "org"},
        {"{\"auths\":{\"r.example\":{\"username\":\"host\"},"
         "\"r.example/acme\":{\"username\":\"org\"}}}",
         "r.example", "other/app", "host"},
        /* whole components only */
        {"{\"auths\":{\"r.example/acme\":{\"username\":\"org\"}}}", "r.example",
         "acmecorp/app", NULL},
        {"{\"auths\":{\"r.example/acme/app\":{\"username\":\"repo\"}}}",
         "r.example", "acme", NULL},
        /* another namespace, another host: not used */
        {"{\"auths\":{\"r.example/other\":{\"username\":\"o\"}}}", "r.example",
         "acme/app", NULL},
        {"{\"auths\":{\"s.example/acme\":{\"username\":\"s\"}}}", "r.example",
         "acme/app", NULL},
        {"{\"auths\":{\"r.example:5000/acme\":{\"username\":\"p\"}}}",
         "r.example", "acme/app", NULL},
        /* an empty entry is passed over */
        {"{\"auths\":{\"r.example/acme/app\":{},"
         "\"r.example/acme\":{\"username\":\"org\"}}}",
         "r.example", "acme/app", "org"},
        /* a scheme makes a key a host, as Docker writes them */
        {"{\"auths\":{\"https://r.example/other\":{\"username\":\"h\"}}}",
         "r.example", "acme/app", "h"},
        /* the host part ignores case, Docker Hub has its aliases */
        {"{\"auths\":{\"R.Example/acme\":{\"username\":\"org\"}}}", "r.example",
         "acme/app", "org"},
        {"{\"auths\":{\"index.docker.io/library\":{\"username\":\"l\"},"
         "\"https://index.docker.io/v1/\":{\"username\":\"hub\"}}}",
         "docker.io", "library/alpine", "l"},
        {"{\"auths\":{\"docker.io/library\":{\"username\":\"l\"},"
         "\"https://index.docker.io/v1/\":{\"username\":\"hub\"}}}",
         "docker.io", "acme/app", "hub"},
};

static void test_cred_namespaces(void **state)
{
	size_t i;

	(void)state;
	reset_env();
	for (i = 0; i < sizeof(ns_creds) / sizeof(ns_creds[0]); i++) {
		struct cnab_cred c = CNAB_CRED_INIT;
		struct cnab_err err = CNAB_ERR_INIT;
		bool found = false;

		write_file(at("auth.json"), ns_creds[i].text, 0600);
		if (cnab_cred_lookup(at("auth.json"), ns_creds[i].host,
		                     ns_creds[i].repo, &c, &found,
		                     &err) != CNAB_OK)
			fail_msg("case %zu: %s", i, err.msg);
		if (!!c.username != !!ns_creds[i].user ||
		    (c.username && strcmp(c.username, ns_creds[i].user)))
			fail_msg("case %zu: user '%s', want '%s'", i,
			         c.username ? c.username : "(none)",
			         ns_creds[i].user ? ns_creds[i].user
			                          : "(none)");
		assert_int_equal(found, ns_creds[i].user != NULL);
		if (found)
			assert_str(c.source, at("auth.json"));
		cnab_cred_release(&c);
	}
}

/* The user name found for host with the environment as it is. */
static void assert_user(const char *authfile, const char *want)
{
	struct cnab_cred c = CNAB_CRED_INIT;
	struct cnab_err err = CNAB_ERR_INIT;
	bool found;

	if (cnab_cred_lookup(authfile, "r.example", NULL, &c, &found, &err) !=
	    CNAB_OK)
		fail_msg("%s", err.msg);
	assert_str(c.username, want);
	assert_int_equal(found, want != NULL);
	cnab_cred_release(&c);
}

/* The files cnab_cred_files() names, in order, for the messages. */
static void test_cred_files_list(void)
{
	char want[16384], *list;
	int n;

	setenv("DOCKER_CONFIG", at("dc"), 1);
	n = snprintf(want, sizeof(want),
	             "%s/containers/auth.json, %s/.config/containers/"
	             "auth.json, %s/config.json, %s/.docker/config.json",
	             at("run"), at("home"), at("dc"), at("home"));
	assert_true(n > 0 && (size_t)n < sizeof(want));
	list = cnab_cred_files(NULL);
	assert_string_equal(list, want);
	free(list);
	/* the same file once */
	setenv("DOCKER_CONFIG", at("home/.docker"), 1);
	n = snprintf(want, sizeof(want),
	             "%s/containers/auth.json, %s/.config/containers/"
	             "auth.json, %s/.docker/config.json",
	             at("run"), at("home"), at("home"));
	assert_true(n > 0 && (size_t)n < sizeof(want));
	list = cnab_cred_files(NULL);
	assert_string_equal(list, want);
	free(list);
	list = cnab_cred_files("/x/auth.json");
	assert_string_equal(list, "/x/auth.json");
	free(list);
	setenv("REGISTRY_AUTH_FILE", "/y/auth.json", 1);
	list = cnab_cred_files(NULL);
	assert_string_equal(list, "/y/auth.json");
	free(list);
	/* without XDG_RUNTIME_DIR, the root of Podman's and skopeo's */
	unsetenv("REGISTRY_AUTH_FILE");
	unsetenv("XDG_RUNTIME_DIR");
	n = snprintf(want, sizeof(want), "/run/containers/%lu/auth.json, ",
	             (unsigned long)getuid());
	list = cnab_cred_files(NULL);
	assert_non_null(list);
	assert_int_equal(strncmp(list, want, (size_t)n), 0);
	free(list);
	reset_env();
}

static void test_cred_paths(void **state)
{
	struct cnab_cred c = CNAB_CRED_INIT;
	struct cnab_err err = CNAB_ERR_INIT;
	char *big;
	bool found = true;

	(void)state;
	reset_env();
	test_cred_files_list();
	write_file(at("reg.json"),
	           "{\"auths\":{\"r.example\":{\"auth\":\"cmVnOnJlZ3B3\"}}}",
	           0600);
	write_file(at("dc/config.json"),
	           "{\"auths\":{\"r.example\":{\"auth\":\"ZGM6ZGNwdw==\"}}}",
	           0600);
	write_file(
	        at("home/.docker/config.json"),
	        "{\"auths\":{\"r.example\":{\"auth\":\"aG9tZTpob21lcHc=\"}}}",
	        0600);
	write_file(at("other.json"),
	           "{\"auths\":{\"r.example\":{\"username\":\"other\"}}}",
	           0600);
	/* $HOME/.docker/config.json */
	assert_user(NULL, "home");
	/* $DOCKER_CONFIG/config.json before it */
	setenv("DOCKER_CONFIG", at("dc"), 1);
	assert_user(NULL, "dc");
	/* Podman's and skopeo's files before Docker's:
	 * $HOME/.config/containers/auth.json, */
	write_file(at("home/.config/containers/auth.json"),
	           "{\"auths\":{\"r.example\":{\"username\":\"xdghome\"}}}",
	           0600);
	assert_user(NULL, "xdghome");
	/* or $XDG_CONFIG_HOME/containers/auth.json instead, */
	setenv("XDG_CONFIG_HOME", at("cfg"), 1);
	assert_user(NULL, "dc");
	write_file(at("cfg/containers/auth.json"),
	           "{\"auths\":{\"r.example\":{\"username\":\"cfg\"}}}", 0600);
	assert_user(NULL, "cfg");
	/* and $XDG_RUNTIME_DIR/containers/auth.json (where they log in) */
	write_file(at("run/containers/auth.json"),
	           "{\"auths\":{\"r.example\":{\"username\":\"run\"}}}", 0600);
	assert_user(NULL, "run");
	/* a file with nothing for the host passes to the next */
	write_file(at("run/containers/auth.json"),
	           "{\"auths\":{\"s.example\":{\"username\":\"s\"}}}", 0600);
	assert_user(NULL, "cfg");
	write_file(at("run/containers/auth.json"), "", 0600);
	assert_user(NULL, "cfg");
	/* a malformed one stops the search */
	write_file(at("run/containers/auth.json"), "{", 0600);
	assert_int_equal(
	        cnab_cred_lookup(NULL, "r.example", NULL, &c, &found, &err),
	        CNAB_ERR_INVALID);
	assert_non_null(strstr(err.msg, "run/containers/auth.json'"));
	cnab_err_clear(&err);
	unlink(at("run/containers/auth.json"));
	/* $REGISTRY_AUTH_FILE alone */
	setenv("REGISTRY_AUTH_FILE", at("reg.json"), 1);
	assert_user(NULL, "reg");
	/* the explicit file alone */
	assert_user(at("other.json"), "other");
	/* $REGISTRY_AUTH_FILE absent: anonymous, as skopeo has it */
	setenv("REGISTRY_AUTH_FILE", at("absent.json"), 1);
	assert_user(NULL, NULL);
	/* empty variables are ignored, absent files skipped */
	setenv("REGISTRY_AUTH_FILE", "", 1);
	setenv("XDG_CONFIG_HOME", "", 1);
	assert_user(NULL, "xdghome");
	unlink(at("home/.config/containers/auth.json"));
	assert_user(NULL, "dc");
	setenv("DOCKER_CONFIG", at("absent-dir"), 1);
	assert_user(NULL, "home");
	setenv("DOCKER_CONFIG", at("reg.json"), 1); /* not a directory */
	assert_user(NULL, "home");
	/* no file at all: anonymous */
	setenv("HOME", at("absent-home"), 1);
	assert_user(NULL, NULL);
	unsetenv("HOME");
	unsetenv("DOCKER_CONFIG");
	unsetenv("REGISTRY_AUTH_FILE");
	unsetenv("XDG_RUNTIME_DIR");
	unsetenv("XDG_CONFIG_HOME");
	assert_user(NULL, NULL);
	reset_env();

	/* an explicit file must exist */
	assert_int_equal(cnab_cred_lookup(at("absent.json"), "r.example", NULL,
	                                  &c, &found, &err),
	                 CNAB_ERR_NOTFOUND);
	assert_false(found);
	assert_non_null(strstr(err.msg, "cannot open '"));
	assert_non_null(strstr(err.msg, "absent.json'"));
	/* a directory cannot be read */
	cnab_err_clear(&err);
	assert_int_equal(
	        cnab_cred_lookup(at("dc"), "r.example", NULL, &c, &found, &err),
	        CNAB_ERR_IO);
	/* an unreadable default file is an error, not a reason to go on */
	write_file(at("home/.docker/config.json"), "{}", 0);
	if (access(at("home/.docker/config.json"), R_OK) != 0) {
		cnab_err_clear(&err);
		assert_int_equal(cnab_cred_lookup(NULL, "r.example", NULL, &c,
		                                  &found, &err),
		                 CNAB_ERR_IO);
		assert_non_null(strstr(err.msg, "cannot open '"));
	}
	chmod(at("home/.docker/config.json"), 0600);

	/* too big */
	big = malloc(CNAB_MAX_DOCUMENT + 64);
	assert_non_null(big);
	memset(big, ' ', CNAB_MAX_DOCUMENT + 63);
	memcpy(big, "{\"x\":\"SECRET\"}", 14);
	big[CNAB_MAX_DOCUMENT + 63] = '\0';
	cnab_err_clear(&err);
	assert_int_equal(lookup_text(big, "r.example", &c, &found, &err),
	                 CNAB_ERR_TOOBIG);
	assert_non_null(strstr(err.msg, "larger than the limit"));
	assert_no_secret(err.msg);
	/* just below the limit is fine */
	big[CNAB_MAX_DOCUMENT] = '\0';
	assert_int_equal(lookup_text(big, "r.example", &c, &found, NULL),
	                 CNAB_OK);
	assert_false(found);
	free(big);
}

/*
 * Credential helpers: scripts in bin/, first on PATH.  docker-credential-
 * fake records its argument and input, and knows a few hosts.
 */
static const char fake_helper[] =
        "#!/bin/sh\n"
        "printf '%s' \"$1\" >\"$0.arg\"\n"
        "host=$(cat)\n"
        "printf '%s' \"$host\" >\"$0.input\"\n"
        "[ \"$1\" = get ] || { echo \"unknown action $1\" >&2; exit 2; }\n"
        "case \"$host\" in\n"
        "helper.example)\n"
        "  printf '{\"ServerURL\":\"%s\",\"Username\":\"hu\",'"
        " \"$host\"\n"
        "  printf '\"Secret\":\"helperSECRET\"}\\n' ;;\n"
        "token.example)\n"
        "  echo '{\"ServerURL\":\"token.example\",\"Username\":\"<token>\",'\n"
        "  echo '\"Secret\":\"idtokSECRET\"}' ;;\n"
        "empty.example)\n"
        "  echo '{\"ServerURL\":\"\",\"Username\":\"\",\"Secret\":\"\"}' ;;\n"
        "https://index.docker.io/v1/)\n"
        "  echo '{\"Username\":\"hubhelper\",\"Secret\":\"hubSECRET\"}' ;;\n"
        "broken.example)\n"
        "  echo 'helper exploded: keychain locked' >&2\n"
        "  echo 'second line' >&2; exit 3 ;;\n"
        "stdout.example)\n"
        "  echo 'error talking to the store'; exit 4 ;;\n"
        "silent.example) exit 5 ;;\n"
        "*) echo 'credentials not found in native keychain'; exit 1 ;;\n"
        "esac\n";

static const struct {
	const char *name, *text;
} helpers[] = {
        {"garbage", "#!/bin/sh\necho 'this is not JSON hunter2SECRET'\n"},
        {"array", "#!/bin/sh\necho '[\"SECRET\"]'\n"},
        {"wrongtype", "#!/bin/sh\necho '{\"Username\":1,\"Secret\":\"SECRET\"}'"
                      "\n"},
        {"truncated", "#!/bin/sh\nprintf '{\"Username\":\"u\",\"Secret\":"
                      "\"SECRET'\n"},
        {"signal", "#!/bin/sh\nkill -9 $$\n"},
        {"huge", "#!/bin/sh\nhead -c 70000 /dev/zero | tr '\\0' S\n"},
        {"stderr-notfound",
         "#!/bin/sh\necho 'Credentials not found' >&2; exit 1\n"},
        {"nostdin", "#!/bin/sh\nexec <&-\n"
                    "echo '{\"Username\":\"n\",\"Secret\":\"nSECRET\"}'\n"},
        /* the descriptors it has (find opens its output itself) */
        {"fds", "#!/bin/sh\nfind \"/proc/$$/fd/\" -mindepth 1 "
                "-fprintf \"$0.fds\" '%f %l\\n'\n"
                "echo '{\"Username\":\"f\",\"Secret\":\"fSECRET\"}'\n"},
};

static void install_helpers(void)
{
	char path[4096];
	size_t i;

	write_file(at("bin/docker-credential-fake"), fake_helper, 0755);
	for (i = 0; i < sizeof(helpers) / sizeof(helpers[0]); i++) {
		if (snprintf(path, sizeof(path), "bin/docker-credential-%s",
		             helpers[i].name) >= (int)sizeof(path))
			fail_msg("name too long");
		write_file(at(path), helpers[i].text, 0755);
	}
	/* on PATH but not executable */
	write_file(at("bin/docker-credential-noexec"), "#!/bin/sh\n", 0644);
}

static const struct {
	const char *text, *host;
	enum cnab_status st;
	const char *user, *pass, *token;
	const char *msg;   /* part of the message */
	const char *input; /* what the helper read, when it ran */
} helper_cases[] = {
        /* credHelpers */
        {"{\"credHelpers\":{\"helper.example\":\"fake\"}}", "helper.example",
         CNAB_OK, "hu", "helperSECRET", NULL, NULL, "helper.example"},
        {"{\"credHelpers\":{\"token.example\":\"fake\"}}", "token.example",
         CNAB_OK, NULL, NULL, "idtokSECRET", NULL, "token.example"},
        {"{\"credHelpers\":{\"empty.example\":\"fake\"}}", "empty.example",
         CNAB_OK, NULL, NULL, NULL, NULL, "empty.example"},
        /* Docker Hub's server URL, whatever the alias */
        {"{\"credHelpers\":{\"docker.io\":\"fake\"}}", "registry-1.docker.io",
         CNAB_OK, "hubhelper", "hubSECRET", NULL, NULL,
         "https://index.docker.io/v1/"},
        {"{\"credHelpers\":{\"https://index.docker.io/v1/\":\"fake\"}}",
         "docker.io", CNAB_OK, "hubhelper", "hubSECRET", NULL, NULL,
         "https://index.docker.io/v1/"},
        /* credHelpers before auths, and their answer is final */
        {"{\"credHelpers\":{\"helper.example\":\"fake\"},"
         "\"auths\":{\"helper.example\":{\"username\":\"file\"}}}",
         "helper.example", CNAB_OK, "hu", "helperSECRET", NULL, NULL,
         "helper.example"},
        {"{\"credHelpers\":{\"unknown.example\":\"fake\"},"
         "\"auths\":{\"unknown.example\":{\"username\":\"file\"}}}",
         "unknown.example", CNAB_OK, NULL, NULL, NULL, NULL, "unknown.example"},
        /* a helper for another host is not run */
        {"{\"credHelpers\":{\"other.example\":\"fake\"},"
         "\"auths\":{\"helper.example\":{\"username\":\"file\"}}}",
         "helper.example", CNAB_OK, "file", "", NULL, NULL, NULL},
        /* credsStore last */
        {"{\"credsStore\":\"fake\","
         "\"auths\":{\"helper.example\":{\"username\":\"file\"}}}",
         "helper.example", CNAB_OK, "file", "", NULL, NULL, NULL},
        {"{\"credsStore\":\"fake\",\"auths\":{\"helper.example\":{}}}",
         "helper.example", CNAB_OK, "hu", "helperSECRET", NULL, NULL,
         "helper.example"},
        {"{\"credsStore\":\"fake\"}", "127.0.0.1:5000", CNAB_OK, NULL, NULL,
         NULL, NULL, "127.0.0.1:5000"},
        {"{\"credsStore\":\"stderr-notfound\"}", "r.example", CNAB_OK, NULL,
         NULL, NULL, NULL, NULL},
        {"{\"credsStore\":\"nostdin\"}", "r.example", CNAB_OK, "n", "nSECRET",
         NULL, NULL, NULL},
        /* failures */
        {"{\"credsStore\":\"fake\"}", "broken.example", CNAB_ERR_AUTH, NULL,
         NULL, NULL,
         "credential helper 'docker-credential-fake' for 'broken.example' "
         "failed: helper exploded: keychain locked",
         "broken.example"},
        {"{\"credsStore\":\"fake\"}", "stdout.example", CNAB_ERR_AUTH, NULL,
         NULL, NULL, "failed: error talking to the store", "stdout.example"},
        {"{\"credsStore\":\"fake\"}", "silent.example", CNAB_ERR_AUTH, NULL,
         NULL, NULL, "failed with exit status 5", "silent.example"},
        {"{\"credsStore\":\"garbage\"}", "r.example", CNAB_ERR_AUTH, NULL, NULL,
         NULL,
         "credential helper 'docker-credential-garbage' for 'r.example' "
         "gave a bad answer: line 1 column",
         NULL},
        {"{\"credsStore\":\"array\"}", "r.example", CNAB_ERR_AUTH, NULL, NULL,
         NULL, "gave a bad answer: not an object", NULL},
        {"{\"credsStore\":\"wrongtype\"}", "r.example", CNAB_ERR_AUTH, NULL,
         NULL, NULL, "gave a bad answer: not an object", NULL},
        {"{\"credsStore\":\"truncated\"}", "r.example", CNAB_ERR_AUTH, NULL,
         NULL, NULL, "gave a bad answer", NULL},
        {"{\"credsStore\":\"signal\"}", "r.example", CNAB_ERR_AUTH, NULL, NULL,
         NULL, "was killed by signal 9", NULL},
        {"{\"credsStore\":\"huge\"}", "r.example", CNAB_ERR_AUTH, NULL, NULL,
         NULL, "answered too much", NULL},
        {"{\"credsStore\":\"missing\"}", "r.example", CNAB_ERR_AUTH, NULL, NULL,
         NULL,
         "credential helper 'docker-credential-missing' for 'r.example' "
         "cannot run: not found on PATH",
         NULL},
        {"{\"credHelpers\":{\"r.example\":\"noexec\"}}", "r.example",
         CNAB_ERR_AUTH, NULL, NULL, NULL,
         "credential helper 'docker-credential-noexec' for 'r.example' "
         "cannot run",
         NULL},
        {"{\"credHelpers\":{\"r.example\":\"../../bin/sh\"}}", "r.example",
         CNAB_ERR_INVALID, NULL, NULL, NULL,
         "invalid credential helper name for 'r.example'", NULL},
        {"{\"credHelpers\":{\"r.example\":\"\"}}", "r.example",
         CNAB_ERR_INVALID, NULL, NULL, NULL, "invalid credential helper name",
         NULL},
        {"{\"credHelpers\":{\"r.example\":5}}", "r.example", CNAB_ERR_INVALID,
         NULL, NULL, NULL, "the 'credHelpers' entry for 'r.example' must be",
         NULL},
};

/* How many file descriptors the process has open. */
static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/*
 * pipe() and pipe2() of this program, counting while watch_pipes is set the
 * pipes made and those whose ends were not close-on-exec when made: a
 * credential helper that another thread started at that moment would
 * inherit them.
 */
static bool watch_pipes;
static int pipes_made, pipes_open_on_exec;

int pipe2(int fds[2], int flags)
{
	int rc = (int)syscall(SYS_pipe2, fds, flags);

	if (rc == 0 && watch_pipes) {
		pipes_made++;
		if (!(fcntl(fds[0], F_GETFD) & FD_CLOEXEC) ||
		    !(fcntl(fds[1], F_GETFD) & FD_CLOEXEC))
			pipes_open_on_exec++;
	}
	return rc;
}

int pipe(int fds[2])
{
	return pipe2(fds, 0);
}

static void test_cred_helper_pipes(void **state)
{
	struct cnab_cred c = CNAB_CRED_INIT;
	struct cnab_err err = CNAB_ERR_INIT;
	bool found = false;

	(void)state;
	reset_env();
	install_helpers();
	pipes_made = pipes_open_on_exec = 0;
	watch_pipes = true;
	assert_int_equal(lookup_text("{\"credsStore\":\"fake\"}",
	                             "helper.example", &c, &found, &err),
	                 CNAB_OK);
	watch_pipes = false;
	assert_true(found);
	assert_true(pipes_made > 0);
	assert_int_equal(pipes_open_on_exec, 0);
	cnab_cred_release(&c);
}

/* A helper gets its stdin, stdout and stderr, and no other descriptor of
 * ours, even one left open on exec (by a library: libcurl's sockets). */
static void test_cred_helper_fds(void **state)
{
	struct cnab_cred c = CNAB_CRED_INIT;
	struct cnab_err err = CNAB_ERR_INIT;
	bool found = false;
	char *fds, *line, *next;
	int fd;

	(void)state;
	reset_env();
	install_helpers();
	fd = open("/dev/null", O_RDONLY);
	assert_true(fd > STDERR_FILENO);
	unlink(at("bin/docker-credential-fds.fds"));
	assert_int_equal(lookup_text("{\"credsStore\":\"fds\"}", "r.example",
	                             &c, &found, &err),
	                 CNAB_OK);
	close(fd);
	assert_true(found);
	cnab_cred_release(&c);
	/* "FD TARGET" lines; the shell's own script is on one of its own */
	fds = test_read_file_abs(at("bin/docker-credential-fds.fds"), NULL);
	for (line = fds; *line; line = next) {
		next = strchr(line, '\n');
		assert_non_null(next);
		*next++ = '\0';
		if ((line[0] >= '0' && line[0] <= '2' && line[1] == ' ') ||
		    strstr(line, "/docker-credential-fds"))
			continue;
		fail_msg("the helper inherited '%s'", line);
	}
	free(fds);
}

/* "-" is stdin: read once, its credentials for every lookup after. */
static void test_cred_stdin(void **state)
{
	struct cnab_cred c = CNAB_CRED_INIT;
	struct cnab_err err = CNAB_ERR_INIT;
	bool found = false;
	int saved, fd;

	(void)state;
	reset_env();
	write_file(at("stdin.json"),
	           "{\"auths\":{\"r.example\":{\"auth\":\"cmVnOnJlZ3B3\"},"
	           "\"s.example\":{\"auth\":\"ZGM6ZGNwdw==\"}}}",
	           0600);
	saved = dup(STDIN_FILENO);
	fd = open(at("stdin.json"), O_RDONLY);
	assert_true(saved >= 0 && fd >= 0);
	assert_int_equal(dup2(fd, STDIN_FILENO), STDIN_FILENO);
	close(fd);
	/* one registry handle, then another: stdin is at its end by then */
	assert_user("-", "reg");
	assert_user("-", "reg");
	assert_int_equal(
	        cnab_cred_lookup("-", "s.example", NULL, &c, &found, &err),
	        CNAB_OK);
	assert_true(found);
	assert_str(c.username, "dc");
	cnab_cred_release(&c);
	/* even with stdin gone */
	assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
	close(saved);
	assert_user("-", "reg");
	/* the other paths still read their file each time */
	assert_user(at("stdin.json"), "reg");
}

static void test_cred_helpers(void **state)
{
	char *input;
	size_t i;
	int fds;

	(void)state;
	reset_env();
	install_helpers();
	fds = count_fds();
	for (i = 0; i < sizeof(helper_cases) / sizeof(helper_cases[0]); i++) {
		struct cnab_cred c = CNAB_CRED_INIT;
		struct cnab_err err = CNAB_ERR_INIT;
		enum cnab_status st;
		bool found = true;

		unlink(at("bin/docker-credential-fake.input"));
		unlink(at("bin/docker-credential-fake.arg"));
		st = lookup_text(helper_cases[i].text, helper_cases[i].host, &c,
		                 &found, &err);
		if (st != helper_cases[i].st)
			fail_msg("case %zu: status %d, want %d (%s)", i, st,
			         helper_cases[i].st, err.msg);
		assert_str(c.username, helper_cases[i].user);
		assert_str(c.password, helper_cases[i].pass);
		assert_str(c.identity_token, helper_cases[i].token);
		assert_int_equal(found,
		                 helper_cases[i].user || helper_cases[i].token);
		if (helper_cases[i].msg &&
		    !strstr(err.msg, helper_cases[i].msg))
			fail_msg("case %zu: message '%s' lacks '%s'", i,
			         err.msg, helper_cases[i].msg);
		assert_no_secret(err.msg);
		if (helper_cases[i].input) {
			input = test_read_file_abs(
			        at("bin/docker-credential-fake.input"), NULL);
			assert_string_equal(input, helper_cases[i].input);
			free(input);
			input = test_read_file_abs(
			        at("bin/docker-credential-fake.arg"), NULL);
			assert_string_equal(input, "get");
			free(input);
		} else if (access(at("bin/docker-credential-fake.input"),
		                  F_OK) == 0) {
			fail_msg("case %zu: the helper ran", i);
		}
		cnab_cred_release(&c);
	}
	/* no descriptor left open, no child left behind */
	assert_int_equal(count_fds(), fds);
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

static void test_basic_header(void **state)
{
	struct cnab_cred c = {(char *)"alice", (char *)"pa55:wordSECRET", NULL,
	                      NULL};
	struct cnab_err err = CNAB_ERR_INIT;
	char *h;

	(void)state;
	assert_int_equal(cnab_cred_basic_header(&c, &h, &err), CNAB_OK);
	assert_string_equal(h, "Basic YWxpY2U6cGE1NTp3b3JkU0VDUkVU");
	OPENSSL_cleanse(h, strlen(h));
	free(h);
	c.password = (char *)"";
	assert_int_equal(cnab_cred_basic_header(&c, &h, &err), CNAB_OK);
	assert_string_equal(h, "Basic YWxpY2U6"); /* "alice:" */
	free(h);
	/* a colon in the user name cannot be sent */
	c.username = (char *)"al:ice";
	c.password = (char *)"SECRET";
	assert_int_equal(cnab_cred_basic_header(&c, &h, &err),
	                 CNAB_ERR_INVALID);
	assert_null(h);
	assert_no_secret(err.msg);
	/* identity token only, anonymous */
	c.username = NULL;
	c.password = NULL;
	c.identity_token = (char *)"SECRET";
	cnab_err_clear(&err);
	assert_int_equal(cnab_cred_basic_header(&c, &h, &err),
	                 CNAB_ERR_INVALID);
	assert_string_equal(err.msg, "cannot build a Basic authorization: no "
	                             "user name and password");
	assert_int_equal(cnab_cred_basic_header(NULL, &h, NULL),
	                 CNAB_ERR_INVALID);
}

/*
 * Token endpoint.
 */
static const struct {
	const char *body;
	enum cnab_status st;
	const char *token, *refresh;
	long expires;
	const char *msg;
} tokens[] = {
        {"{\"token\":\"tokSECRET\"}", CNAB_OK, "tokSECRET", NULL, 60, NULL},
        {"{\"access_token\":\"accSECRET\",\"expires_in\":300}", CNAB_OK,
         "accSECRET", NULL, 300, NULL},
        {"{\"token\":\"t1SECRET\",\"access_token\":\"t2SECRET\"}", CNAB_OK,
         "t1SECRET", NULL, 60, NULL},
        {"{\"token\":\"\",\"access_token\":\"t2SECRET\"}", CNAB_OK, "t2SECRET",
         NULL, 60, NULL},
        {"{\"token\":null,\"access_token\":\"t2SECRET\"}", CNAB_OK, "t2SECRET",
         NULL, 60, NULL},
        /* Docker Hub's answer */
        {"{\"token\":\"eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJ.SECRET\","
         "\"access_token\":\"eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJ.SECRET\","
         "\"expires_in\":300,\"issued_at\":\"2024-05-01T10:00:00.123Z\"}",
         CNAB_OK, "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJ.SECRET", NULL, 300,
         NULL},
        {"{\"token\":\"tSECRET\",\"expires_in\":3600,"
         "\"refresh_token\":\"refSECRET\"}",
         CNAB_OK, "tSECRET", "refSECRET", 3600, NULL},
        {"{\"token\":\"tSECRET\",\"refresh_token\":\"\"}", CNAB_OK, "tSECRET",
         NULL, 60, NULL},
        /* expires_in: at least 60, at most a year */
        {"{\"token\":\"tSECRET\",\"expires_in\":10}", CNAB_OK, "tSECRET", NULL,
         60, NULL},
        {"{\"token\":\"tSECRET\",\"expires_in\":-5}", CNAB_OK, "tSECRET", NULL,
         60, NULL},
        {"{\"token\":\"tSECRET\",\"expires_in\":0}", CNAB_OK, "tSECRET", NULL,
         60, NULL},
        {"{\"token\":\"tSECRET\",\"expires_in\":61}", CNAB_OK, "tSECRET", NULL,
         61, NULL},
        {"{\"token\":\"tSECRET\",\"expires_in\":299.9}", CNAB_OK, "tSECRET",
         NULL, 299, NULL},
        {"{\"token\":\"tSECRET\",\"expires_in\":1e300}", CNAB_OK, "tSECRET",
         NULL, CNAB_TOKEN_MAX_EXPIRY, NULL},
        {"{\"token\":\"tSECRET\",\"expires_in\":null}", CNAB_OK, "tSECRET",
         NULL, 60, NULL},
        /* no token */
        {"{}", CNAB_ERR_AUTH, NULL, NULL, 0,
         "no token in the answer of 'https://auth.example/token'"},
        {"{\"token\":\"\",\"refresh_token\":\"rSECRET\"}", CNAB_ERR_AUTH, NULL,
         NULL, 0, "no token"},
        {"{\"details\":\"incorrect username or password\"}", CNAB_ERR_AUTH,
         NULL, NULL, 0, "no token"},
        /* not fit for a header */
        {"{\"token\":\"tSECRET\\r\\nX-Evil: 1\"}", CNAB_ERR_AUTH, NULL, NULL, 0,
         "characters not allowed in a header"},
        {"{\"token\":\"a SECRET\"}", CNAB_ERR_AUTH, NULL, NULL, 0,
         "characters not allowed"},
        {"{\"token\":\"\\u00e9SECRET\"}", CNAB_ERR_AUTH, NULL, NULL, 0,
         "characters not allowed"},
        /* malformed */
        {"{\"token\":5}", CNAB_ERR_REGISTRY, NULL, NULL, 0, "must be strings"},
        {"{\"token\":\"tSECRET\",\"refresh_token\":[]}", CNAB_ERR_REGISTRY,
         NULL, NULL, 0, "must be strings"},
        {"{\"token\":\"tSECRET\",\"expires_in\":\"300\"}", CNAB_ERR_REGISTRY,
         NULL, NULL, 0, "'expires_in' a number"},
        {"[\"SECRET\"]", CNAB_ERR_REGISTRY, NULL, NULL, 0, "not a JSON object"},
        {"\"SECRET\"", CNAB_ERR_REGISTRY, NULL, NULL, 0, "not a JSON object"},
        {"<html>SECRET</html>", CNAB_ERR_REGISTRY, NULL, NULL, 0,
         "cannot parse 'https://auth.example/token': line 1 column"},
        {"{\"token\":\"tokSECRET", CNAB_ERR_REGISTRY, NULL, NULL, 0,
         "cannot parse '"},
        {"{\"token\":\"tokSECRET\"} trailing SECRET", CNAB_ERR_REGISTRY, NULL,
         NULL, 0, "cannot parse '"},
        {"", CNAB_ERR_REGISTRY, NULL, NULL, 0, "cannot parse '"},
};

static void test_token_parse(void **state)
{
	struct cnab_err err = CNAB_ERR_INIT;
	char *token, *refresh, *big;
	long expires;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(tokens) / sizeof(tokens[0]); i++) {
		enum cnab_status st;

		cnab_err_clear(&err);
		expires = 0;
		st = cnab_token_parse(tokens[i].body, strlen(tokens[i].body),
		                      "https://auth.example/token", &token,
		                      &refresh, &expires, &err);
		if (st != tokens[i].st)
			fail_msg("case %zu: status %d, want %d (%s)", i, st,
			         tokens[i].st, err.msg);
		assert_str(token, tokens[i].token);
		assert_str(refresh, tokens[i].refresh);
		assert_int_equal(expires, tokens[i].expires);
		if (tokens[i].msg && !strstr(err.msg, tokens[i].msg))
			fail_msg("case %zu: message '%s' lacks '%s'", i,
			         err.msg, tokens[i].msg);
		assert_no_secret(err.msg);
		free(token);
		free(refresh);
	}
	/* optional outputs */
	assert_int_equal(cnab_token_parse("{\"token\":\"t\"}", 13, NULL, &token,
	                                  NULL, NULL, NULL),
	                 CNAB_OK);
	assert_string_equal(token, "t");
	free(token);
	cnab_err_clear(&err);
	assert_int_equal(
	        cnab_token_parse("{}", 2, NULL, &token, NULL, NULL, &err),
	        CNAB_ERR_AUTH);
	assert_string_equal(err.msg, "no token in the answer of 'token "
	                             "endpoint'");
	/* the cap: exactly CNAB_MAX_TOKEN bytes pass, one more does not */
	big = malloc(CNAB_MAX_TOKEN + 2);
	assert_non_null(big);
	memset(big, ' ', CNAB_MAX_TOKEN + 1);
	memcpy(big, "{\"token\":\"tSECRET\"}", 19);
	cnab_err_clear(&err);
	assert_int_equal(cnab_token_parse(big, CNAB_MAX_TOKEN, "t", &token,
	                                  &refresh, &expires, &err),
	                 CNAB_OK);
	free(token);
	assert_int_equal(cnab_token_parse(big, CNAB_MAX_TOKEN + 1, "t", &token,
	                                  &refresh, &expires, &err),
	                 CNAB_ERR_TOOBIG);
	assert_null(token);
	assert_null(refresh);
	assert_no_secret(err.msg);
	free(big);
}

static void test_token_request(void **state)
{
	struct cnab_challenge hub = CNAB_CHALLENGE_INIT;
	struct cnab_challenge harbor = CNAB_CHALLENGE_INIT;
	struct cnab_challenge basic = CNAB_CHALLENGE_INIT;
	struct cnab_challenge bare = CNAB_CHALLENGE_INIT;
	struct cnab_challenge odd = CNAB_CHALLENGE_INIT;
	static const char *const two[] = {"repository:a/b:pull",
	                                  "repository:c/d:pull,push"};
	static const char *const with_empty[] = {"", "repository:x:pull"};
	struct cnab_err err = CNAB_ERR_INIT;
	char *s;

	(void)state;
	assert_int_equal(
	        cnab_challenge_parse(&hub,
	                             "Bearer realm=\"https://auth.docker.io/"
	                             "token\",service=\"registry.docker.io\","
	                             "scope=\"repository:library/ubuntu:pull\"",
	                             NULL, NULL),
	        CNAB_OK);
	assert_int_equal(
	        cnab_challenge_parse(&harbor,
	                             "Bearer realm=\"https://h.example/service/"
	                             "token\",service=\"harbor-registry\","
	                             "scope=\"repository:a/b:pull  "
	                             "repository:c/d:push \"",
	                             NULL, NULL),
	        CNAB_OK);
	assert_int_equal(
	        cnab_challenge_parse(&basic, "Basic realm=\"r\"", NULL, NULL),
	        CNAB_OK);
	assert_int_equal(cnab_challenge_parse(&bare,
	                                      "Bearer realm=\"https://b/t\"",
	                                      NULL, NULL),
	                 CNAB_OK);
	assert_int_equal(cnab_challenge_parse(&odd,
	                                      "Bearer realm=\"https://b/t\","
	                                      "service=\"a b&c=d/é\"",
	                                      NULL, NULL),
	                 CNAB_OK);

	/* GET: the challenge's scope, or the caller's, one parameter each */
	assert_int_equal(cnab_token_query(&hub, NULL, 0, &s, &err), CNAB_OK);
	assert_string_equal(s, "service=registry.docker.io&"
	                       "scope=repository%3Alibrary%2Fubuntu%3Apull");
	free(s);
	assert_int_equal(cnab_token_query(&hub, two, 2, &s, &err), CNAB_OK);
	assert_string_equal(s, "service=registry.docker.io&"
	                       "scope=repository%3Aa%2Fb%3Apull&"
	                       "scope=repository%3Ac%2Fd%3Apull%2Cpush");
	free(s);
	assert_int_equal(cnab_token_query(&hub, with_empty, 2, &s, &err),
	                 CNAB_OK);
	assert_string_equal(s, "service=registry.docker.io&"
	                       "scope=repository%3Ax%3Apull");
	free(s);
	assert_int_equal(cnab_token_query(&harbor, NULL, 0, &s, &err), CNAB_OK);
	assert_string_equal(s, "service=harbor-registry&"
	                       "scope=repository%3Aa%2Fb%3Apull&"
	                       "scope=repository%3Ac%2Fd%3Apush");
	free(s);
	assert_int_equal(cnab_token_query(&bare, NULL, 0, &s, &err), CNAB_OK);
	assert_string_equal(s, "");
	free(s);
	assert_int_equal(cnab_token_query(&odd, NULL, 0, &s, &err), CNAB_OK);
	assert_string_equal(s, "service=a%20b%26c%3Dd%2F%C3%A9");
	free(s);
	assert_int_equal(cnab_token_query(&basic, NULL, 0, &s, &err),
	                 CNAB_ERR_INVALID);
	assert_null(s);
	assert_string_equal(err.msg, "cannot build a token request: not a "
	                             "Bearer challenge");

	/* POST: scopes joined in one parameter, the refresh token escaped */
	assert_int_equal(cnab_token_form(&hub, two, 2, "r+SECRET/=", &s, &err),
	                 CNAB_OK);
	assert_string_equal(s, "grant_type=refresh_token&"
	                       "service=registry.docker.io&"
	                       "scope=repository%3Aa%2Fb%3Apull%20"
	                       "repository%3Ac%2Fd%3Apull%2Cpush&"
	                       "refresh_token=r%2BSECRET%2F%3D&"
	                       "client_id=cnab-tools");
	free(s);
	assert_int_equal(cnab_token_form(&harbor, NULL, 0, "rSECRET", &s, &err),
	                 CNAB_OK);
	assert_string_equal(s, "grant_type=refresh_token&"
	                       "service=harbor-registry&"
	                       "scope=repository%3Aa%2Fb%3Apull%20"
	                       "repository%3Ac%2Fd%3Apush&"
	                       "refresh_token=rSECRET&client_id=cnab-tools");
	free(s);
	assert_int_equal(cnab_token_form(&bare, NULL, 0, "rSECRET", &s, &err),
	                 CNAB_OK);
	assert_string_equal(s, "grant_type=refresh_token&"
	                       "refresh_token=rSECRET&client_id=cnab-tools");
	free(s);
	cnab_err_clear(&err);
	assert_int_equal(cnab_token_form(&hub, NULL, 0, NULL, &s, &err),
	                 CNAB_ERR_INVALID);
	assert_null(s);
	assert_int_equal(cnab_token_form(&hub, NULL, 0, "", &s, NULL),
	                 CNAB_ERR_INVALID);
	assert_int_equal(cnab_token_form(&basic, NULL, 0, "rSECRET", &s, &err),
	                 CNAB_ERR_INVALID);
	assert_no_secret(err.msg);

	cnab_challenge_release(&hub);
	cnab_challenge_release(&harbor);
	cnab_challenge_release(&basic);
	cnab_challenge_release(&bare);
	cnab_challenge_release(&odd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_challenge_table),
	        cmocka_unit_test(test_challenge_messages),
	        cmocka_unit_test(test_challenge_random),
	        cmocka_unit_test(test_cred_table),
	        cmocka_unit_test(test_cred_namespaces),
	        cmocka_unit_test(test_cred_paths),
	        cmocka_unit_test(test_cred_stdin),
	        cmocka_unit_test(test_cred_helpers),
	        cmocka_unit_test(test_cred_helper_pipes),
	        cmocka_unit_test(test_cred_helper_fds),
	        cmocka_unit_test(test_basic_header),
	        cmocka_unit_test(test_token_parse),
	        cmocka_unit_test(test_token_request),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
