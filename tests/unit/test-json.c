#include "tests/unit/test.h"

#include <math.h>

#include "common/json.h"

/* Parses s (NUL-terminated), which must be valid. */
static json_t *parse_ok(const char *s, int flags)
{
	struct cnab_err err = CNAB_ERR_INIT;
	json_t *v = NULL;

	if (cnab_json_parse(s, strlen(s), CNAB_MAX_DOCUMENT, flags, "test", &v,
	                    &err) != CNAB_OK)
		fail_msg("%s", err.msg);
	return v;
}

/* The canonical (go = false) or Go form of v; the caller frees it. */
static char *write_ok(const json_t *v, bool go, size_t *len)
{
	struct cnab_buf b = CNAB_BUF_INIT(CNAB_MAX_DOCUMENT);
	enum cnab_status st;

	st = go ? cnab_json_go(v, &b) : cnab_json_canonical(v, &b);
	assert_int_equal(st, CNAB_OK);
	return cnab_buf_detach(&b, len);
}

static void assert_written(const json_t *v, bool go, const char *want)
{
	char *got = write_ok(v, go, NULL);

	assert_string_equal(got, want);
	free(got);
}

/* Parses in, then checks its canonical form is want. */
static void assert_canonical(const char *in, int flags, const char *want)
{
	json_t *v = parse_ok(in, flags);

	assert_written(v, false, want);
	json_decref(v);
}

static double from_bits(uint64_t bits)
{
	double d;

	memcpy(&d, &bits, sizeof(d));
	return d;
}

/* RFC 8785 Appendix B; NULL: the value cannot be written. */
static const struct {
	uint64_t bits;
	const char *want;
} appendix_b[] = {
        {0x0000000000000000, "0"},
        {0x8000000000000000, "0"},
        {0x0000000000000001, "5e-324"},
        {0x8000000000000001, "-5e-324"},
        {0x7fefffffffffffff, "1.7976931348623157e+308"},
        {0xffefffffffffffff, "-1.7976931348623157e+308"},
        {0x4340000000000000, "9007199254740992"},
        {0xc340000000000000, "-9007199254740992"},
        {0x4430000000000000, "295147905179352830000"},
        {0x7fffffffffffffff, NULL},
        {0x7ff0000000000000, NULL},
        {0x44b52d02c7e14af5, "9.999999999999997e+22"},
        {0x44b52d02c7e14af6, "1e+23"},
        {0x44b52d02c7e14af7, "1.0000000000000001e+23"},
        {0x444b1ae4d6e2ef4e, "999999999999999700000"},
        {0x444b1ae4d6e2ef4f, "999999999999999900000"},
        {0x444b1ae4d6e2ef50, "1e+21"},
        {0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"},
        {0x3eb0c6f7a0b5ed8d, "0.000001"},
        {0x41b3de4355555553, "333333333.3333332"},
        {0x41b3de4355555554, "333333333.33333325"},
        {0x41b3de4355555555, "333333333.3333333"},
        {0x41b3de4355555556, "333333333.3333334"},
        {0x41b3de4355555557, "333333333.33333343"},
        {0xbecbf647612f3696, "-0.0000033333333333333333"},
        {0x43143ff3c1cb0959, "1424953923781206.2"},
        /* not in the table */
        {0xfff0000000000000, NULL},
        {0x3e7ad7f29abcaf48, "1e-7"},
        {0x3ff8000000000000, "1.5"},
        {0x4059000000000000, "100"},
        {0x4415af1d78b58c40, "100000000000000000000"},
};

static void test_number_appendix_b(void **state)
{
	char buf[CNAB_JSON_NUMBER_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(appendix_b) / sizeof(appendix_b[0]); i++) {
		double d = from_bits(appendix_b[i].bits);

		memset(buf, 'x', sizeof(buf));
		if (!appendix_b[i].want) {
			assert_false(
			        cnab_json_format_number(d, buf, sizeof(buf)));
			continue;
		}
		assert_true(cnab_json_format_number(d, buf, sizeof(buf)));
		if (strcmp(buf, appendix_b[i].want) != 0)
			fail_msg("%016llx: got %s, want %s",
			         (unsigned long long)appendix_b[i].bits, buf,
			         appendix_b[i].want);
	}
	/* a buffer that could be too small is refused */
	assert_false(cnab_json_format_number(1.5, buf, sizeof(buf) - 1));
}

/* testdata/json/numbers.txt: "hex,expected" lines from an ES engine. */
static void test_number_file(void **state)
{
	char buf[CNAB_JSON_NUMBER_MAX];
	char *data = test_read_file("json/numbers.txt", NULL);
	char *line = data, *next, *comma, *end;
	uint64_t bits;
	int n = 0;

	(void)state;
	for (; *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		else
			next = line + strlen(line);
		comma = strchr(line, ',');
		assert_non_null(comma);
		*comma = '\0';
		bits = strtoull(line, &end, 16);
		assert_ptr_equal(end, comma);
		assert_true(cnab_json_format_number(from_bits(bits), buf,
		                                    sizeof(buf)));
		if (strcmp(buf, comma + 1) != 0)
			fail_msg("%s: got %s, want %s", line, buf, comma + 1);
		n++;
	}
	assert_true(n >= 500);
	free(data);
}

/* Every formatted double reads back as itself, in the ES layout. */
static void test_number_round_trip(void **state)
{
	char buf[CNAB_JSON_NUMBER_MAX];
	uint64_t x = 0x9e3779b97f4a7c15;
	double d;
	int i;

	(void)state;
	for (i = 0; i < 20000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		d = from_bits(x);
		if (!isfinite(d)) {
			assert_false(
			        cnab_json_format_number(d, buf, sizeof(buf)));
			continue;
		}
		assert_true(cnab_json_format_number(d, buf, sizeof(buf)));
		assert_true(strtod(buf, NULL) == d || d == 0);
		assert_null(strchr(buf, ','));
		assert_true(strlen(buf) <= 25);
	}
}

/* cyberphone's input/output pairs for RFC 8785. */
static void test_canonical_rfc8785_files(void **state)
{
	static const char *const names[] = {
	        "arrays", "french", "structures", "unicode", "values", "weird",
	};
	struct cnab_err err = CNAB_ERR_INIT;
	char path[128], *in, *want, *got;
	size_t i, in_len, want_len, got_len;
	json_t *v;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "json/rfc8785/input/%s.json",
		         names[i]);
		in = test_read_file(path, &in_len);
		snprintf(path, sizeof(path), "json/rfc8785/output/%s.json",
		         names[i]);
		want = test_read_file(path, &want_len);
		assert_int_equal(cnab_json_parse(in, in_len, CNAB_MAX_DOCUMENT,
		                                 CNAB_JSON_NUMBERS_AS_REAL,
		                                 names[i], &v, &err),
		                 CNAB_OK);
		got = write_ok(v, false, &got_len);
		if (got_len != want_len || memcmp(got, want, got_len) != 0)
			fail_msg("%s: got %s, want %s", names[i], got, want);
		free(got);
		json_decref(v);
		free(want);
		free(in);
	}
}

/* RFC 8785 3.2.3: keys sorted by UTF-16 code units. */
static void test_canonical_sorting(void **state)
{
	(void)state;
	assert_canonical(
	        "{\"\\u20ac\":\"Euro Sign\",\"\\r\":\"Carriage Return\","
	        "\"\\ufb33\":\"Hebrew Letter Dalet With Dagesh\","
	        "\"1\":\"One\",\"\\ud83d\\ude00\":\"Emoji: Grinning Face\","
	        "\"\\u0080\":\"Control\\u007f\","
	        "\"\\u00f6\":\"Latin Small Letter O With Diaeresis\"}",
	        0,
	        "{\"\\r\":\"Carriage Return\",\"1\":\"One\","
	        "\"\xc2\x80\":\"Control\x7f\","
	        "\"\xc3\xb6\":\"Latin Small Letter O With Diaeresis\","
	        "\"\xe2\x82\xac\":\"Euro Sign\","
	        "\"\xf0\x9f\x98\x80\":\"Emoji: Grinning Face\","
	        "\"\xef\xac\xb3\":\"Hebrew Letter Dalet With Dagesh\"}");
	/* U+E000 and U+FFFF after U+10000, U+D7FF before; prefixes first */
	assert_canonical("{\"\\uffff\":1,\"\\ue000\":2,\"\\ud800\\udc00\":3,"
	                 "\"\\ud7ff\":4,\"a\":5,\"\":6,\"ab\":7}",
	                 0,
	                 "{\"\":6,\"a\":5,\"ab\":7,\"\xed\x9f\xbf\":4,"
	                 "\"\xf0\x90\x80\x80\":3,\"\xee\x80\x80\":2,"
	                 "\"\xef\xbf\xbf\":1}");
	/* nested objects are sorted too, arrays keep their order */
	assert_canonical("{\"b\":[3,{\"z\":1,\"y\":2},1],\"a\":{}}", 0,
	                 "{\"a\":{},\"b\":[3,{\"y\":2,\"z\":1},1]}");
}

static void test_canonical_numbers(void **state)
{
	json_t *v;

	(void)state;
	assert_canonical("[1E30,4.50,2e-3,1e-27,-0,-0.0,9007199254740993,"
	                 "295147905179352825856,100,1e21,1e-7,0.000001,"
	                 "333333333.33333329]",
	                 CNAB_JSON_NUMBERS_AS_REAL,
	                 "[1e+30,4.5,0.002,1e-27,0,0,9007199254740992,"
	                 "295147905179352830000,100,1e+21,1e-7,0.000001,"
	                 "333333333.3333333]");
	/* json_integer values are doubles to RFC 8785 */
	assert_canonical("[9007199254740993,9223372036854775807,"
	                 "-9223372036854775808,0,-0,12]",
	                 0,
	                 "[9007199254740992,9223372036854776000,"
	                 "-9223372036854776000,0,0,12]");
	/* but not to Go */
	v = parse_ok("[9007199254740993,9223372036854775807,"
	             "-9223372036854775808,-0]",
	             0);
	assert_written(v, true,
	               "[9007199254740993,9223372036854775807,"
	               "-9223372036854775808,0]");
	json_decref(v);
}

/* Characters the two writers escape differently (a NUL among them). */
static const char special[] = "<>&\xe2\x80\xa8\xe2\x80\xa9\x01\x1f\n\r\t\b\f"
                              "\"\\\x7f/\xc3\xa9\0z";

static void test_canonical_strings(void **state)
{
	struct cnab_buf b = CNAB_BUF_INIT(1024);
	json_t *v;

	(void)state;
	v = json_stringn(special, sizeof(special) - 1);
	assert_non_null(v);
	assert_written(v, false,
	               "\"<>&\xe2\x80\xa8\xe2\x80\xa9\\u0001\\u001f\\n\\r\\t"
	               "\\b\\f\\\"\\\\\x7f/\xc3\xa9\\u0000z\"");
	json_decref(v);
	/* a string that is not UTF-8 has no canonical form */
	v = json_stringn_nocheck("a\xff", 2);
	assert_int_equal(cnab_json_canonical(v, &b), CNAB_ERR_INVALID);
	json_decref(v);
	cnab_buf_release(&b);
}

static void test_canonical_cnab_spec(void **state)
{
	static const char *const names[] = {
	        "101.01-bundle",
	        "101.02-bundle",
	        "101.03-bundle",
	        "103.01-relocation-mapping",
	        "bundle.schema",
	        "definitions.schema",
	        "relocation-mapping.schema",
	};
	struct cnab_err err = CNAB_ERR_INIT;
	char path[128], *in, *want, *got, *again;
	size_t i, in_len, want_len, got_len, again_len;
	json_t *v, *w;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "vectors/cnab-spec/%s.json",
		         names[i]);
		in = test_read_file(path, &in_len);
		snprintf(path, sizeof(path), "json/cnab-spec/%s.canonical.json",
		         names[i]);
		want = test_read_file(path, &want_len);
		assert_int_equal(cnab_json_parse(in, in_len, CNAB_MAX_DOCUMENT,
		                                 CNAB_JSON_NUMBERS_AS_REAL,
		                                 names[i], &v, &err),
		                 CNAB_OK);
		got = write_ok(v, false, &got_len);
		if (got_len != want_len || memcmp(got, want, got_len) != 0)
			fail_msg("%s: got %s, want %s", names[i], got, want);
		/* the canonical form is a fixed point */
		assert_int_equal(cnab_json_parse(got, got_len,
		                                 CNAB_MAX_DOCUMENT, 0, names[i],
		                                 &w, &err),
		                 CNAB_OK);
		again = write_ok(w, false, &again_len);
		assert_int_equal(again_len, got_len);
		assert_memory_equal(again, got, got_len);
		free(again);
		json_decref(w);
		free(got);
		json_decref(v);
		free(want);
		free(in);
	}
}

static void test_canonical_helloworld(void **state)
{
	struct cnab_err err = CNAB_ERR_INIT;
	size_t len, got_len;
	char *in, *got;
	json_t *v;

	(void)state;
	in = test_read_file("vectors/cnab-to-oci/helloworld.canonical.json",
	                    &len);
	assert_int_equal(len, 498);
	assert_int_equal(cnab_json_parse(in, len, CNAB_MAX_DOCUMENT, 0,
	                                 "helloworld", &v, &err),
	                 CNAB_OK);
	got = write_ok(v, false, &got_len);
	assert_int_equal(got_len, len);
	assert_memory_equal(got, in, len);
	free(got);
	json_decref(v);
	free(in);
}

/* A JSON string holding the Go encoding of v (a reference it steals). */
static json_t *go_string(json_t *v)
{
	size_t len;
	char *s = write_ok(v, true, &len);
	json_t *str = json_stringn(s, len);

	assert_non_null(str);
	free(s);
	json_decref(v);
	return str;
}

/*
 * DESIGN 3.5: the config manifest and the index cnab-to-oci v0.6.1 writes
 * for the helloworld bundle, rebuilt in Go's field order.
 */
static void test_go_helloworld(void **state)
{
	struct cnab_err err = CNAB_ERR_INIT;
	char *canonical, *want, *got;
	size_t canonical_len, want_len, got_len, i;
	const char *digest, *media_type, *s;
	json_t *bundle, *image, *m, *v, *authors, *ann, *manifests;
	static const char *const fields[] = {"name", "email", "url"};
	uint64_t size;
	bool present;
	size_t f;

	(void)state;
	canonical =
	        test_read_file("vectors/cnab-to-oci/helloworld.canonical.json",
	                       &canonical_len);
	assert_int_equal(cnab_json_parse(canonical, canonical_len,
	                                 CNAB_MAX_DOCUMENT, 0, "bundle.json",
	                                 &bundle, &err),
	                 CNAB_OK);

	/* ocischemav1.Manifest: schemaVersion, config, layers */
	m = json_pack("{s:i, s:{s:s, s:s, s:I}, s:n}", "schemaVersion", 2,
	              "config", "mediaType",
	              "application/vnd.cnab.config.v1+json", "digest",
	              "sha256:e91b9dfcbbb3b88bac94726f276b89de46e4460b55f6e6"
	              "d6f876e666b150ec5b",
	              "size", (json_int_t)canonical_len, "layers");
	assert_non_null(m);
	want = test_read_file(
	        "vectors/cnab-to-oci/helloworld.config-manifest.json",
	        &want_len);
	got = write_ok(m, true, &got_len);
	assert_int_equal(got_len, 188);
	assert_int_equal(got_len, want_len);
	assert_memory_equal(got, want, want_len);
	json_decref(m);
	free(want);

	/* ocischemav1.Index: schemaVersion, manifests, annotations */
	image = json_array_get(json_object_get(bundle, "invocationImages"), 0);
	assert_int_equal(cnab_json_get_string(image, "contentDigest", true,
	                                      &digest, "bundle.json", &err),
	                 CNAB_OK);
	assert_int_equal(cnab_json_get_string(image, "mediaType", true,
	                                      &media_type, "bundle.json", &err),
	                 CNAB_OK);
	assert_int_equal(cnab_json_get_u64(image, "size", true, &size, &present,
	                                   "bundle.json", &err),
	                 CNAB_OK);
	manifests = json_pack(
	        "[{s:s, s:s, s:I, s:{s:s}}, {s:s, s:s, s:I, s:{s:s}}]",
	        "mediaType", "application/vnd.oci.image.manifest.v1+json",
	        "digest",
	        "sha256:6ec4fd695cace0e3d4305838fdf9fcd646798d3fea42b3abb28"
	        "c117f903a6a5f",
	        "size", (json_int_t)got_len, "annotations",
	        "io.cnab.manifest.type", "config", "mediaType", media_type,
	        "digest", digest, "size", (json_int_t)size, "annotations",
	        "io.cnab.manifest.type", "invocation");
	assert_non_null(manifests);
	free(got);

	/* bundle.Maintainer: name, email, url */
	authors = json_array();
	json_array_foreach(json_object_get(bundle, "maintainers"), i, v)
	{
		json_t *who = json_object();

		for (f = 0; f < 3; f++) {
			assert_int_equal(
			        cnab_json_get_string(v, fields[f], false, &s,
			                             "bundle.json", &err),
			        CNAB_OK);
			if (s)
				json_object_set_new(who, fields[f],
				                    json_string(s));
		}
		json_array_append_new(authors, who);
	}

	/* a map: inserted in any order, then sorted */
	ann = json_object();
	json_object_set_new(ann, "org.opencontainers.image.version",
	                    json_incref(json_object_get(bundle, "version")));
	json_object_set_new(ann, "org.opencontainers.image.title",
	                    json_incref(json_object_get(bundle, "name")));
	json_object_set_new(
	        ann, "org.opencontainers.image.description",
	        json_incref(json_object_get(bundle, "description")));
	json_object_set_new(ann, "org.opencontainers.image.authors",
	                    go_string(authors));
	json_object_set_new(ann, "org.opencontainers.artifactType",
	                    json_string("application/vnd.cnab.manifest.v1"));
	json_object_set_new(
	        ann, "io.cnab.runtime_version",
	        json_incref(json_object_get(bundle, "schemaVersion")));
	json_object_set_new(
	        ann, "io.cnab.keywords",
	        go_string(json_incref(json_object_get(bundle, "keywords"))));
	assert_int_equal(cnab_json_object_sort(ann), CNAB_OK);

	m = json_pack("{s:i, s:o, s:o}", "schemaVersion", 2, "manifests",
	              manifests, "annotations", ann);
	assert_non_null(m);
	want = test_read_file("vectors/cnab-to-oci/helloworld.index.json",
	                      &want_len);
	got = write_ok(m, true, &got_len);
	if (got_len != want_len || memcmp(got, want, want_len) != 0)
		fail_msg("got %s, want %s", got, want);
	assert_int_equal(got_len, 926);
	free(got);
	free(want);
	json_decref(m);
	json_decref(bundle);
	free(canonical);
}

static void test_go_strings(void **state)
{
	struct cnab_buf b = CNAB_BUF_INIT(1024);
	json_t *v;

	(void)state;
	v = json_stringn(special, sizeof(special) - 1);
	assert_written(v, true,
	               "\"\\u003c\\u003e\\u0026\\u2028\\u2029\\u0001\\u001f"
	               "\\n\\r\\t\\b\\f\\\"\\\\\x7f/\xc3\xa9\\u0000z\"");
	json_decref(v);
	/* bytes that are not UTF-8 become U+FFFD, one per byte, as in Go */
	v = json_stringn_nocheck("a\xff\xed\xa0\x80\xe2\x82"
	                         "b\xf0\x9f\x98\x80",
	                         12);
	assert_written(v, true,
	               "\"a\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffdb"
	               "\xf0\x9f\x98\x80\"");
	json_decref(v);
	/* keys are escaped too */
	v = json_pack("{s:s}", "<a&b>", "</script>");
	assert_written(
	        v, true,
	        "{\"\\u003ca\\u0026b\\u003e\":\"\\u003c/script\\u003e\"}");
	json_decref(v);
	/* \b and \f as Go 1.22 and later write them, indented too */
	v = json_pack("{s:s}", "a\bb\fc", "d\be\ff");
	assert_non_null(v);
	assert_written(v, true, "{\"a\\bb\\fc\":\"d\\be\\ff\"}");
	assert_int_equal(cnab_json_go_indent(v, "  ", &b), CNAB_OK);
	assert_non_null(b.data);
	assert_string_equal(b.data, "{\n  \"a\\bb\\fc\": \"d\\be\\ff\"\n}");
	json_decref(v);
	cnab_buf_release(&b);
}

static void test_go_values(void **state)
{
	json_t *v;

	(void)state;
	v = json_pack("[f,f,f,f,f,f,f,f,f,I,I,b,b,n,{},[],{s:[]}]", 1e21, 1e-7,
	              0.000001, -0.0, 1.5, 1e20, 123456789.125, -2.5e-8,
	              1.7976931348623157e308, (json_int_t)-42,
	              (json_int_t)INT64_MAX, 1, 0, "k");
	assert_non_null(v);
	assert_written(v, true,
	               "[1e+21,1e-7,0.000001,-0,1.5,100000000000000000000,"
	               "123456789.125,-2.5e-8,1.7976931348623157e+308,-42,"
	               "9223372036854775807,true,false,null,{},[],{\"k\":[]}"
	               "]");
	json_decref(v);
}

static void test_object_sort(void **state)
{
	static const char *const keys[] = {
	        "b",
	        "a",
	        "B",
	        "\xc3\xa9",
	        "aa",
	        "",
	        "\xee\x80\x80",
	        "\xf0\x9f\x98\x80",
	};
	json_t *obj, *v;
	size_t i;

	(void)state;
	obj = json_object();
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		json_object_set_new(obj, keys[i], json_integer((json_int_t)i));
	json_object_set_new(obj, "n", json_pack("{s:i,s:i}", "z", 1, "y", 2));
	/* insertion order is kept until sorted */
	assert_written(obj, true,
	               "{\"b\":0,\"a\":1,\"B\":2,\"\xc3\xa9\":3,\"aa\":4,"
	               "\"\":5,\"\xee\x80\x80\":6,\"\xf0\x9f\x98\x80\":7,"
	               "\"n\":{\"z\":1,\"y\":2}}");
	assert_int_equal(cnab_json_object_sort(obj), CNAB_OK);
	/* bytes: U+E000 before U+1F600; nested objects untouched */
	assert_written(obj, true,
	               "{\"\":5,\"B\":2,\"a\":1,\"aa\":4,\"b\":0,"
	               "\"n\":{\"z\":1,\"y\":2},\"\xc3\xa9\":3,"
	               "\"\xee\x80\x80\":6,\"\xf0\x9f\x98\x80\":7}");
	/* UTF-16: U+1F600 before U+E000 */
	assert_written(obj, false,
	               "{\"\":5,\"B\":2,\"a\":1,\"aa\":4,\"b\":0,"
	               "\"n\":{\"y\":2,\"z\":1},\"\xc3\xa9\":3,"
	               "\"\xf0\x9f\x98\x80\":7,\"\xee\x80\x80\":6}");
	json_decref(obj);

	obj = json_object();
	assert_int_equal(cnab_json_object_sort(obj), CNAB_OK);
	assert_written(obj, true, "{}");
	json_decref(obj);
	v = json_array();
	assert_int_equal(cnab_json_object_sort(v), CNAB_ERR_INVALID);
	json_decref(v);
}

/* Nested arrays, depth levels deep: "[[...]]". */
static char *nested(int depth, char open, char close)
{
	char *s = malloc((size_t)depth * 2 + 1);
	int i;

	assert_non_null(s);
	for (i = 0; i < depth; i++) {
		s[i] = open;
		s[depth * 2 - 1 - i] = close;
	}
	s[depth * 2] = '\0';
	return s;
}

static void test_parse_depth(void **state)
{
	struct cnab_err err = CNAB_ERR_INIT;
	struct cnab_buf b = CNAB_BUF_INIT(1024);
	json_t *v = NULL, *inner;
	char *s;
	int i;

	(void)state;
	s = nested(CNAB_JSON_MAX_DEPTH, '[', ']');
	v = parse_ok(s, 0);
	assert_written(v, false, s);
	json_decref(v);
	free(s);

	s = nested(CNAB_JSON_MAX_DEPTH + 1, '[', ']');
	assert_int_equal(
	        cnab_json_parse(s, strlen(s), 4096, 0, "deep.json", &v, &err),
	        CNAB_ERR_INVALID);
	assert_null(v);
	assert_string_equal(err.msg, "cannot parse 'deep.json': line 1 "
	                             "column 65: nested deeper than 64 "
	                             "levels");
	free(s);

	/* far beyond jansson's own limit of 2048 */
	cnab_err_clear(&err);
	s = nested(100000, '[', ']');
	assert_int_equal(cnab_json_parse(s, strlen(s), CNAB_MAX_DOCUMENT, 0,
	                                 "deep.json", &v, &err),
	                 CNAB_ERR_INVALID);
	free(s);

	/* objects count, brackets inside strings do not */
	cnab_err_clear(&err);
	for (i = 0; i < CNAB_JSON_MAX_DEPTH; i++)
		assert_int_equal(cnab_buf_addstr(&b, "{\"a\":"), CNAB_OK);
	assert_int_equal(cnab_buf_addch(&b, '1'), CNAB_OK);
	for (i = 0; i < CNAB_JSON_MAX_DEPTH; i++)
		assert_int_equal(cnab_buf_addch(&b, '}'), CNAB_OK);
	v = parse_ok(b.data, 0);
	json_decref(v);
	b.data[CNAB_JSON_MAX_DEPTH * 5] = '{';
	assert_int_equal(cnab_json_parse(b.data, b.len, CNAB_MAX_DOCUMENT, 0,
	                                 "deep.json", &v, &err),
	                 CNAB_ERR_INVALID);
	assert_non_null(strstr(err.msg, "column 321: nested deeper"));
	cnab_buf_reset(&b);
	v = parse_ok(
	        "[\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
	        "[[[[[[[[[[[[[[[[[[[[[[\\\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
	        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"]",
	        0);
	json_decref(v);

	/* the writers have the same limit (and so refuse a cycle) */
	v = json_array();
	for (i = 1; i < CNAB_JSON_MAX_DEPTH; i++) {
		inner = json_array();
		json_array_append_new(inner, v);
		v = inner;
	}
	assert_int_equal(cnab_json_canonical(v, &b), CNAB_OK);
	inner = json_array();
	json_array_append_new(inner, v);
	cnab_buf_reset(&b);
	assert_int_equal(cnab_json_canonical(inner, &b), CNAB_ERR_INVALID);
	cnab_buf_reset(&b);
	assert_int_equal(cnab_json_go(inner, &b), CNAB_ERR_INVALID);
	json_decref(inner);
	cnab_buf_release(&b);
}

static const struct {
	const char *name;
	const char *in;
	size_t len; /* 0: strlen(in) */
	size_t max;
	int flags;
	enum cnab_status status;
	const char *msg; /* the whole message */
} parse_cases[] = {
        {"duplicate key", "{\"a\":1,\"a\":2}", 0, 100, 0, CNAB_ERR_INVALID,
         "cannot parse 't.json': line 1 column 10: duplicate object key near "
         "'\"a\"'"},
        {"trailing garbage", "{\"a\":1} x", 0, 100, 0, CNAB_ERR_INVALID,
         "cannot parse 't.json': line 1 column 9: end of file expected near "
         "'x'"},
        {"two documents", "{}{}", 0, 100, 0, CNAB_ERR_INVALID,
         "cannot parse 't.json': line 1 column 3: end of file expected near "
         "'{'"},
        {"trailing NUL", "[1]\0", 4, 100, 0, CNAB_ERR_INVALID,
         "cannot parse 't.json': line 1 column 4: end of file expected near "
         "end of file"},
        {"bad token", "{\n \"a\": [1,\n 2,, ]}", 0, 100, 0, CNAB_ERR_INVALID,
         "cannot parse 't.json': line 3 column 4: unexpected token near ','"},
        {"empty", "", 0, 100, 0, CNAB_ERR_INVALID,
         "cannot parse 't.json': line 1 column 0: unexpected token near end "
         "of file"},
        {"unterminated", "{\"a\":\"b", 0, 100, 0, CNAB_ERR_INVALID,
         "cannot parse 't.json': line 1 column 7: premature end of input near "
         "'\"b'"},
        {"invalid UTF-8", "{\"a\":\"\xff\"}", 0, 100, 0, CNAB_ERR_INVALID,
         "cannot parse 't.json': line 1 column 6: unable to decode byte 0xff "
         "near '\"'"},
        {"overlong UTF-8", "[\"\xc0\xaf\"]", 0, 100, 0, CNAB_ERR_INVALID,
         "cannot parse 't.json': line 1 column 2: unable to decode byte 0xc0 "
         "near '\"'"},
        {"lone surrogate", "[\"\\ud800\"]", 0, 100, 0, CNAB_ERR_INVALID,
         "cannot parse 't.json': line 1 column 9: invalid Unicode '\\uD800' "
         "near '\"\\ud800\"'"},
        {"NUL in a string", "{\"a\":\"\\u0000\"}", 0, 100, 0, CNAB_ERR_INVALID,
         "cannot parse 't.json': line 1 column 13: \\u0000 is not allowed "
         "without JSON_ALLOW_NUL near '\"\\u0000\"'"},
        {"control character", "[\"\x1b[31m\"]", 0, 100, 0, CNAB_ERR_INVALID,
         "cannot parse 't.json': line 1 column 2: control character 0x1b "
         "near '\"'"},
        {"terminal escapes quoted",
         "{\"\x7f\xc2\x9b[2J\":1,\"\x7f\xc2\x9b[2J\":2}", 0, 100, 0,
         CNAB_ERR_INVALID,
         "cannot parse 't.json': line 1 column 18: duplicate object key near "
         "'\"??[2J\"'"},
        {"BOM", "\xef\xbb\xbf{}", 0, 100, 0, CNAB_ERR_INVALID,
         "cannot parse 't.json': line 1 column 1: invalid token near '\xef\xbb"
         "\xbf'"},
        {"huge integer", "[18446744073709551616]", 0, 100, 0, CNAB_ERR_INVALID,
         "cannot parse 't.json': line 1 column 21: too big integer near "
         "'18446744073709551616'"},
        {"huge integer as real", "[18446744073709551616]", 0, 100,
         CNAB_JSON_NUMBERS_AS_REAL, CNAB_OK, NULL},
        {"real overflow", "[1e400]", 0, 100, CNAB_JSON_NUMBERS_AS_REAL,
         CNAB_ERR_INVALID,
         "cannot parse 't.json': line 1 column 6: real number overflow near "
         "'1e400'"},
        {"too big", "[1,2,3]", 0, 6, 0, CNAB_ERR_TOOBIG,
         "cannot parse 't.json': 7 bytes, more than the limit of 6"},
        {"just fits", "[1,2,3]", 0, 7, 0, CNAB_OK, NULL},
        {"scalar", "\"x\"", 0, 7, 0, CNAB_OK, NULL},
        {"whitespace", " \t\r\n{ } \n", 0, 100, 0, CNAB_OK, NULL},
};

static void test_parse_cases(void **state)
{
	json_t *sentinel = json_null(), *v;
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		struct cnab_err err = CNAB_ERR_INIT;
		enum cnab_status st;

		len = parse_cases[i].len ? parse_cases[i].len
		                         : strlen(parse_cases[i].in);
		v = sentinel; /* overwritten either way */
		st = cnab_json_parse(parse_cases[i].in, len, parse_cases[i].max,
		                     parse_cases[i].flags, "t.json", &v, &err);
		if (st != parse_cases[i].status)
			fail_msg("%s: status %d, want %d (%s)",
			         parse_cases[i].name, st, parse_cases[i].status,
			         err.msg);
		if (st == CNAB_OK) {
			assert_non_null(v);
			assert_int_equal(err.status, CNAB_OK);
			json_decref(v);
			continue;
		}
		assert_null(v);
		assert_int_equal(err.status, st);
		if (strcmp(err.msg, parse_cases[i].msg) != 0)
			fail_msg("%s: message\n  %s\nwant\n  %s",
			         parse_cases[i].name, err.msg,
			         parse_cases[i].msg);
	}
}

static void test_parse_numbers(void **state)
{
	json_t *v;

	(void)state;
	v = parse_ok("[1, 1.0, 18446744073709551616]",
	             CNAB_JSON_NUMBERS_AS_REAL);
	assert_true(json_is_real(json_array_get(v, 0)));
	assert_true(json_is_real(json_array_get(v, 1)));
	assert_true(json_real_value(json_array_get(v, 2)) == 0x1p64);
	json_decref(v);
	v = parse_ok("[1, 1.0]", 0);
	assert_true(json_is_integer(json_array_get(v, 0)));
	assert_true(json_is_real(json_array_get(v, 1)));
	json_decref(v);
}

static void test_get_string(void **state)
{
	struct cnab_err err = CNAB_ERR_INIT;
	const char *s = "x";
	json_t *obj, *arr;

	(void)state;
	obj = parse_ok("{\"name\":\"app\",\"n\":1,\"z\":null}", 0);
	assert_int_equal(cnab_json_get_string(obj, "name", true, &s,
	                                      "bundle.json", &err),
	                 CNAB_OK);
	assert_string_equal(s, "app");
	assert_int_equal(cnab_json_get_string(obj, "description", false, &s,
	                                      "bundle.json", &err),
	                 CNAB_OK);
	assert_null(s);
	assert_int_equal(err.status, CNAB_OK);

	assert_int_equal(cnab_json_get_string(obj, "version", true, &s,
	                                      "bundle.json", &err),
	                 CNAB_ERR_INVALID);
	assert_string_equal(err.msg,
	                    "invalid 'bundle.json': missing field 'version'");
	cnab_err_clear(&err);
	assert_int_equal(
	        cnab_json_get_string(obj, "n", false, &s, "bundle.json", &err),
	        CNAB_ERR_INVALID);
	assert_string_equal(err.msg, "invalid 'bundle.json': field 'n' must "
	                             "be a string");
	cnab_err_clear(&err);
	assert_int_equal(
	        cnab_json_get_string(obj, "z", false, &s, "bundle.json", &err),
	        CNAB_ERR_INVALID);
	assert_string_equal(err.msg, "invalid 'bundle.json': field 'z' must "
	                             "be a string");
	cnab_err_clear(&err);
	json_object_set_new(obj, "nul", json_stringn("a\0b", 3));
	assert_int_equal(cnab_json_get_string(obj, "nul", false, &s,
	                                      "bundle.json", &err),
	                 CNAB_ERR_INVALID);
	assert_string_equal(err.msg, "invalid 'bundle.json': field 'nul' "
	                             "holds a NUL character");
	cnab_err_clear(&err);
	arr = json_array();
	assert_int_equal(cnab_json_get_string(arr, "name", false, &s,
	                                      "bundle.json", &err),
	                 CNAB_ERR_INVALID);
	assert_string_equal(err.msg, "invalid 'bundle.json': expected an "
	                             "object holding field 'name'");
	json_decref(arr);
	json_decref(obj);
}

static void test_get_u64(void **state)
{
	static const struct {
		const char *key;
		enum cnab_status status;
		uint64_t want;
	} cases[] = {
	        {"int", CNAB_OK, 942},
	        {"zero", CNAB_OK, 0},
	        {"max", CNAB_OK, INT64_MAX},
	        {"real", CNAB_OK, 3},
	        {"negzero", CNAB_OK, 0},
	        {"exact", CNAB_OK, 9007199254740992ULL},
	        {"inexact", CNAB_ERR_INVALID, 0},
	        {"neg", CNAB_ERR_INVALID, 0},
	        {"negreal", CNAB_ERR_INVALID, 0},
	        {"frac", CNAB_ERR_INVALID, 0},
	        {"str", CNAB_ERR_INVALID, 0},
	        {"null", CNAB_ERR_INVALID, 0},
	        {"bool", CNAB_ERR_INVALID, 0},
	};
	struct cnab_err err = CNAB_ERR_INIT;
	uint64_t u = 7;
	bool present = true;
	json_t *obj;
	size_t i;

	(void)state;
	obj = parse_ok("{\"int\":942,\"zero\":0,\"max\":9223372036854775807,"
	               "\"real\":3.0,\"negzero\":-0.0,"
	               "\"exact\":9007199254740992.0,"
	               "\"inexact\":9007199254740994.0,\"neg\":-1,"
	               "\"negreal\":-1.0,\"frac\":1.5,\"str\":\"1\","
	               "\"null\":null,\"bool\":true}",
	               0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cnab_err_clear(&err);
		u = 7;
		present = false;
		assert_int_equal(cnab_json_get_u64(obj, cases[i].key, true, &u,
		                                   &present, "m.json", &err),
		                 cases[i].status);
		if (cases[i].status == CNAB_OK) {
			assert_true(present);
			assert_true(u == cases[i].want);
			continue;
		}
		assert_false(present);
		assert_int_equal(err.status, CNAB_ERR_INVALID);
		assert_non_null(strstr(err.msg, "must be a non-negative "
		                                "integer"));
		assert_non_null(strstr(err.msg, cases[i].key));
	}
	cnab_err_clear(&err);
	assert_int_equal(cnab_json_get_u64(obj, "size", false, &u, &present,
	                                   "m.json", &err),
	                 CNAB_OK);
	assert_false(present);
	assert_true(u == 0);
	assert_int_equal(
	        cnab_json_get_u64(obj, "int", false, &u, NULL, "m.json", &err),
	        CNAB_OK);
	assert_true(u == 942);
	assert_int_equal(
	        cnab_json_get_u64(obj, "size", true, &u, NULL, "m.json", &err),
	        CNAB_ERR_INVALID);
	assert_string_equal(err.msg, "invalid 'm.json': missing field 'size'");
	cnab_err_clear(&err);
	assert_int_equal(
	        cnab_json_get_u64(obj, "neg", false, &u, NULL, "m.json", &err),
	        CNAB_ERR_INVALID);
	assert_string_equal(err.msg, "invalid 'm.json': field 'neg' must be "
	                             "a non-negative integer");
	json_decref(obj);
}

static void test_buffer_cap(void **state)
{
	struct cnab_buf b = CNAB_BUF_INIT(8);
	json_t *v;

	(void)state;
	v = parse_ok("{\"abc\":\"defgh\"}", 0);
	assert_int_equal(cnab_json_canonical(v, &b), CNAB_ERR_TOOBIG);
	cnab_buf_reset(&b);
	assert_int_equal(cnab_json_go(v, &b), CNAB_ERR_TOOBIG);
	cnab_buf_release(&b);
	/* exactly enough */
	cnab_buf_init(&b, 15);
	assert_int_equal(cnab_json_canonical(v, &b), CNAB_OK);
	assert_string_equal(cnab_buf_str(&b), "{\"abc\":\"defgh\"}");
	cnab_buf_release(&b);
	json_decref(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_number_appendix_b),
	        cmocka_unit_test(test_number_file),
	        cmocka_unit_test(test_number_round_trip),
	        cmocka_unit_test(test_canonical_rfc8785_files),
	        cmocka_unit_test(test_canonical_sorting),
	        cmocka_unit_test(test_canonical_numbers),
	        cmocka_unit_test(test_canonical_strings),
	        cmocka_unit_test(test_canonical_cnab_spec),
	        cmocka_unit_test(test_canonical_helloworld),
	        cmocka_unit_test(test_go_helloworld),
	        cmocka_unit_test(test_go_strings),
	        cmocka_unit_test(test_go_values),
	        cmocka_unit_test(test_object_sort),
	        cmocka_unit_test(test_parse_depth),
	        cmocka_unit_test(test_parse_cases),
	        cmocka_unit_test(test_parse_numbers),
	        cmocka_unit_test(test_get_string),
	        cmocka_unit_test(test_get_u64),
	        cmocka_unit_test(test_buffer_cap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
