#include "tests/unit/test.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "common/http.h"

static void test_resolve(void **state)
{
	static const struct {
		const char *base, *ref, *want;
	} cases[] = {
	        {"http://127.0.0.1:5000/v2/a/blobs/uploads/",
	         "/v2/a/blobs/uploads/uuid?_state=x",
	         "http://127.0.0.1:5000/v2/a/blobs/uploads/uuid?_state=x"},
	        {"https://r.example/v2/a/blobs/sha256:00",
	         "https://storage.example/b?sig=1",
	         "https://storage.example/b?sig=1"},
	        {"https://r.example/v2/x/y", "z", "https://r.example/v2/x/z"},
	        {"https://r.example/v2/x/y", "//other:8443/p",
	         "https://other:8443/p"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = cnab_http_resolve(cases[i].base, cases[i].ref);

		assert_non_null(got);
		assert_string_equal(got, cases[i].want);
		free(got);
	}
}

static void test_same_origin(void **state)
{
	static const struct {
		const char *a, *b;
		bool same;
	} cases[] = {
	        {"https://r.example/v2/", "https://r.example/other", true},
	        {"https://r.example/", "https://R.EXAMPLE:443/", true},
	        {"http://r.example/", "http://r.example:80/x", true},
	        {"https://r.example/", "http://r.example/", false},
	        {"https://r.example/", "https://r.example:8443/", false},
	        {"https://r.example/", "https://s.example/", false},
	        {"http://127.0.0.1:5000/", "http://127.0.0.1:5001/", false},
	        {"not a url", "https://r.example/", false},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (cnab_http_same_origin(cases[i].a, cases[i].b) !=
		    cases[i].same)
			fail_msg("case %zu: %s vs %s", i, cases[i].a,
			         cases[i].b);
}

/* The per-request TLS decision's test: is this URL on that host? */
static void test_url_is_host(void **state)
{
	static const struct {
		const char *url, *host;
		bool same;
	} cases[] = {
	        {"https://reg.example:5000/v2/", "reg.example:5000", true},
	        {"http://reg.example:5000/v2/", "REG.example:5000", true},
	        {"https://reg.example/v2/", "reg.example", true},
	        {"https://reg.example:443/v2/", "reg.example", true},
	        {"http://reg.example/v2/", "reg.example:80", true},
	        {"https://127.0.0.1:5000/token?x=1", "127.0.0.1:5000", true},
	        {"https://[::1]:5000/v2/", "[::1]:5000", true},
	        /* the token realm on another port, another host */
	        {"https://reg.example:5001/token", "reg.example:5000", false},
	        {"https://127.0.0.1:5001/token", "127.0.0.1:5000", false},
	        {"https://auth.example/token", "reg.example", false},
	        {"https://reg.example:8443/", "reg.example", false},
	        {"https://reg.example/", "reg.example:5000", false},
	        {"https://reg.example.evil/", "reg.example", false},
	        {"https://reg.example@evil.example/", "reg.example", false},
	        {"https://[::1]:5001/v2/", "[::1]:5000", false},
	        {"https://reg.example/", "reg.example/x", false},
	        {"https://reg.example/", "", false},
	        {"not a url", "reg.example", false},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (cnab_http_url_is_host(cases[i].url, cases[i].host) !=
		    cases[i].same)
			fail_msg("case %zu: %s on %s", i, cases[i].url,
			         cases[i].host);
}

static void test_retry_delay(void **state)
{
	char date[64];
	time_t later = time(NULL) + 20;
	long ms;
	int i;

	(void)state;
	/* exponential with jitter in [d/2, d], capped */
	for (i = 0; i < 50; i++) {
		ms = cnab_http_retry_delay(1, NULL, 200, 5000);
		assert_true(ms >= 100 && ms <= 200);
		ms = cnab_http_retry_delay(3, NULL, 200, 5000);
		assert_true(ms >= 400 && ms <= 800);
		ms = cnab_http_retry_delay(30, NULL, 200, 5000);
		assert_true(ms >= 2500 && ms <= 5000);
	}
	/* Retry-After in seconds, and capped */
	assert_int_equal(cnab_http_retry_delay(1, "2", 200, 5000), 2000);
	assert_int_equal(cnab_http_retry_delay(1, "3600", 200, 5000), 5000);
	assert_int_equal(cnab_http_retry_delay(1, "0", 200, 5000), 0);
	/* and as an HTTP date */
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT",
	         gmtime(&later));
	ms = cnab_http_retry_delay(1, date, 200, 60000);
	assert_true(ms >= 18000 && ms <= 20000);
	assert_int_equal(cnab_http_retry_delay(
	                         1, "Thu, 01 Jan 1970 00:00:00 GMT", 200, 5000),
	                 0);
	/* nonsense: the backoff */
	ms = cnab_http_retry_delay(1, "soon", 200, 5000);
	assert_true(ms >= 100 && ms <= 200);
}

static void test_retryable(void **state)
{
	static const long yes[] = {408, 429, 500, 502, 503, 504};
	static const long no[] = {200, 201, 400, 401, 403, 404, 416, 501};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		assert_true(cnab_http_retryable(yes[i]));
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		assert_false(cnab_http_retryable(no[i]));
}

/*
 * A tiny HTTP server on 127.0.0.1 (an ephemeral port), in a thread: it
 * answers its requests in turn with answers[i] (one connection each, then
 * closed), and keeps each request's target and Authorization header.
 */
#define SRV_MAX 4

struct srv {
	int fd;
	int port;
	pthread_t thread;
	int expect;
	char answers[SRV_MAX][512];
	int seen;
	char target[SRV_MAX][256];
	char auth[SRV_MAX][256]; /* "" when there was none */
};

static void *srv_main(void *ctx)
{
	struct srv *s = ctx;

	while (s->seen < s->expect) {
		char req[8192], *line, *end;
		size_t len = 0;
		ssize_t n;
		int c = accept(s->fd, NULL, NULL);

		if (c < 0)
			break; /* the accept timeout: the client gave up */
		while (len < sizeof(req) - 1 &&
		       (n = read(c, req + len, sizeof(req) - 1 - len)) > 0) {
			len += (size_t)n;
			req[len] = '\0';
			if (strstr(req, "\r\n\r\n"))
				break;
		}
		req[len] = '\0';
		/* "GET TARGET HTTP/1.1" */
		line = strchr(req, ' ');
		end = line ? strchr(line + 1, ' ') : NULL;
		if (line && end)
			snprintf(s->target[s->seen], sizeof(s->target[0]),
			         "%.*s", (int)(end - line - 1), line + 1);
		s->auth[s->seen][0] = '\0';
		for (line = strstr(req, "\r\n"); line;
		     line = strstr(line + 2, "\r\n"))
			if (!strncasecmp(line + 2, "authorization:", 14)) {
				char *v = line + 16;

				v += strspn(v, " ");
				end = strstr(v, "\r\n");
				snprintf(s->auth[s->seen], sizeof(s->auth[0]),
				         "%.*s", (int)(end - v), v);
			}
		n = write(c, s->answers[s->seen], strlen(s->answers[s->seen]));
		(void)n;
		close(c);
		s->seen++;
	}
	return NULL;
}

static void srv_open(struct srv *s)
{
	struct sockaddr_in a = {0};
	struct timeval tv = {5, 0};
	socklen_t alen = sizeof(a);

	memset(s, 0, sizeof(*s));
	s->fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(s->fd >= 0);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s->fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(s->fd, 8), 0);
	assert_int_equal(getsockname(s->fd, (struct sockaddr *)&a, &alen), 0);
	setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	s->port = ntohs(a.sin_port);
}

/* Answer number i: a redirect to location, or 200 with body. */
static void srv_answer(struct srv *s, int i, long status, const char *location,
                       const char *body)
{
	if (location)
		snprintf(s->answers[i], sizeof(s->answers[i]),
		         "HTTP/1.1 %ld Redirect\r\nLocation: %s\r\n"
		         "Content-Length: 0\r\nConnection: close\r\n\r\n",
		         status, location);
	else
		snprintf(s->answers[i], sizeof(s->answers[i]),
		         "HTTP/1.1 %ld OK\r\nContent-Length: %zu\r\n"
		         "Connection: close\r\n\r\n%s",
		         status, strlen(body), body);
	if (i + 1 > s->expect)
		s->expect = i + 1;
}

static void srv_start(struct srv *s)
{
	assert_int_equal(pthread_create(&s->thread, NULL, srv_main, s), 0);
}

static void srv_stop(struct srv *s)
{
	pthread_join(s->thread, NULL);
	close(s->fd);
}

static void keep_line(void *ctx, const char *line)
{
	struct cnab_buf *b = ctx;

	cnab_buf_addf(b, "%s\n", line);
}

/* GET url with a Bearer token, following redirects; the log in *log. */
static enum cnab_status get_with_auth(const char *url,
                                      struct cnab_http_response *resp,
                                      struct cnab_buf *log,
                                      struct cnab_err *err)
{
	struct cnab_http_config hc = {0};
	struct cnab_http_request req = {0};
	struct cnab_http *h = NULL;
	enum cnab_status st;

	hc.connect_timeout = 5;
	hc.stall_timeout = 5;
	hc.log = keep_line;
	hc.log_ctx = log;
	assert_int_equal(cnab_http_new(&h, &hc, err), CNAB_OK);
	req.method = "GET";
	req.url = url;
	req.authorization = "Bearer s3cret-token";
	req.max_redirects = 5;
	st = cnab_http_do(h, &req, resp, err);
	cnab_http_free(h);
	return st;
}

/* A redirect to another origin: Authorization reaches the first origin
 * only; the log lines show no query string (a signed URL's secret). */
static void test_redirect_other_origin(void **state)
{
	struct srv a, b;
	struct cnab_http_response resp = {0};
	struct cnab_buf log = CNAB_BUF_INIT(1 << 16);
	struct cnab_err err = CNAB_ERR_INIT;
	char url[128], loc[160];

	(void)state;
	srv_open(&a);
	srv_open(&b);
	snprintf(loc, sizeof(loc),
	         "http://127.0.0.1:%d/blob?X-Amz-Signature=s3cret", b.port);
	srv_answer(&a, 0, 307, loc, NULL);
	srv_answer(&b, 0, 200, NULL, "blob bytes");
	srv_start(&a);
	srv_start(&b);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/v2/r/blobs/x", a.port);
	assert_int_equal(get_with_auth(url, &resp, &log, &err), CNAB_OK);
	srv_stop(&a);
	srv_stop(&b);
	assert_int_equal(resp.status, 200);
	assert_int_equal(resp.body.len, 10);
	assert_memory_equal(resp.body.data, "blob bytes", 10);
	assert_int_equal(a.seen, 1);
	assert_int_equal(b.seen, 1);
	assert_string_equal(a.target[0], "/v2/r/blobs/x");
	assert_string_equal(a.auth[0], "Bearer s3cret-token");
	assert_string_equal(b.target[0], "/blob?X-Amz-Signature=s3cret");
	assert_string_equal(b.auth[0], "");
	/* one line per request, without the query */
	assert_non_null(strstr(cnab_buf_str(&log), "/blob?... -> 200"));
	assert_null(strstr(cnab_buf_str(&log), "s3cret"));
	cnab_http_response_release(&resp);
	cnab_buf_release(&log);
}

/* A Location that cannot be followed: an error that does not quote its
 * query either. */
static void test_redirect_bad_location(void **state)
{
	struct srv a;
	struct cnab_http_response resp = {0};
	struct cnab_buf log = CNAB_BUF_INIT(1 << 16);
	struct cnab_err err = CNAB_ERR_INIT;
	char url[128];

	(void)state;
	srv_open(&a);
	srv_answer(&a, 0, 307, "http://[bad/blob?X-Amz-Signature=s3cret", NULL);
	srv_start(&a);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/v2/r/blobs/x", a.port);
	assert_int_equal(get_with_auth(url, &resp, &log, &err),
	                 CNAB_ERR_REGISTRY);
	srv_stop(&a);
	assert_null(strstr(err.msg, "s3cret"));
	assert_non_null(
	        strstr(err.msg, "bad redirect to 'http://[bad/blob?...'"));
	assert_null(strstr(cnab_buf_str(&log), "s3cret"));
	cnab_http_response_release(&resp);
	cnab_buf_release(&log);
}

/* A redirect within the origin keeps Authorization (the documented
 * behaviour: it never reaches another origin). */
static void test_redirect_same_origin(void **state)
{
	struct srv a;
	struct cnab_http_response resp = {0};
	struct cnab_buf log = CNAB_BUF_INIT(1 << 16);
	struct cnab_err err = CNAB_ERR_INIT;
	char url[128];

	(void)state;
	srv_open(&a);
	srv_answer(&a, 0, 302, "/v2/r/blobs/y", NULL);
	srv_answer(&a, 1, 200, NULL, "ok");
	srv_start(&a);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/v2/r/blobs/x", a.port);
	assert_int_equal(get_with_auth(url, &resp, &log, &err), CNAB_OK);
	srv_stop(&a);
	assert_int_equal(resp.status, 200);
	assert_int_equal(a.seen, 2);
	assert_string_equal(a.target[1], "/v2/r/blobs/y");
	assert_string_equal(a.auth[0], "Bearer s3cret-token");
	assert_string_equal(a.auth[1], "Bearer s3cret-token");
	cnab_http_response_release(&resp);
	cnab_buf_release(&log);
}

/* Back to the first origin after another: Authorization again there, and
 * a Location with the same host on another port is another origin. */
static void test_redirect_other_port(void **state)
{
	struct srv a, b;
	struct cnab_http_response resp = {0};
	struct cnab_buf log = CNAB_BUF_INIT(1 << 16);
	struct cnab_err err = CNAB_ERR_INIT;
	char url[128], loc_b[128], loc_a[128];

	(void)state;
	srv_open(&a);
	srv_open(&b);
	snprintf(loc_b, sizeof(loc_b), "http://127.0.0.1:%d/b", b.port);
	snprintf(loc_a, sizeof(loc_a), "http://127.0.0.1:%d/again", a.port);
	srv_answer(&a, 0, 301, loc_b, NULL);
	srv_answer(&b, 0, 308, loc_a, NULL);
	srv_answer(&a, 1, 200, NULL, "ok");
	srv_start(&a);
	srv_start(&b);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/v2/", a.port);
	assert_int_equal(get_with_auth(url, &resp, &log, &err), CNAB_OK);
	srv_stop(&a);
	srv_stop(&b);
	assert_int_equal(resp.status, 200);
	assert_int_equal(a.seen, 2);
	assert_int_equal(b.seen, 1);
	assert_string_equal(a.auth[0], "Bearer s3cret-token");
	assert_string_equal(b.auth[0], "");
	assert_string_equal(a.auth[1], "Bearer s3cret-token");
	cnab_http_response_release(&resp);
	cnab_buf_release(&log);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_resolve),
	        cmocka_unit_test(test_same_origin),
	        cmocka_unit_test(test_url_is_host),
	        cmocka_unit_test(test_retry_delay),
	        cmocka_unit_test(test_retryable),
	        cmocka_unit_test(test_redirect_other_origin),
	        cmocka_unit_test(test_redirect_same_origin),
	        cmocka_unit_test(test_redirect_other_port),
	        cmocka_unit_test(test_redirect_bad_location),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
