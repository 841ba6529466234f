// SPDX-License-Identifier: MIT
/*
 * Unit tests of the quern client: argument parsing, schema-driven input
 * values, table formatting, the progress line, base64 and the origin check
 * that keeps credentials on the server's own host.
 */
#include "common/compat.h"

#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "client/args.h"
#include "client/b64.h"
#include "client/fmt.h"
#include "client/http.h"
#include "client/oas.h"
#include "client/value.h"

/* --- args ------------------------------------------------------------- */

struct args_case {
    const char *argv[12];
    int rc;
    enum args_cmd cmd;
    const char *operand;
    const char *msg; /* a part of the error message when rc < 0 */
};

static const struct args_case args_cases[] = {
    {{"processes"}, 0, ARGS_CMD_PROCESSES, NULL, NULL},
    {{"-v", "processes", "--verbose"}, 0, ARGS_CMD_PROCESSES, NULL, NULL},
    {{"--json", "describe", "echo"}, 0, ARGS_CMD_DESCRIBE, "echo", NULL},
    {{"describe", "echo", "--json"}, 0, ARGS_CMD_DESCRIBE, "echo", NULL},
    {{"run", "echo", "-i", "a=1", "--input=b=2", "-ic=3", "--async", "--wait", "-o", "d"},
     0,
     ARGS_CMD_RUN,
     "echo",
     NULL},
    {{"logs", "J", "--follow"}, 0, ARGS_CMD_LOGS, "J", NULL},
    {{"jobs", "--status", "failed,running", "--process=echo", "--limit", "5"},
     0,
     ARGS_CMD_JOBS,
     NULL,
     NULL},
    {{"--help"}, 0, ARGS_CMD_HELP, NULL, NULL},
    {{"run", "--help"}, 0, ARGS_CMD_HELP, NULL, NULL},
    {{"--version"}, 0, ARGS_CMD_VERSION, NULL, NULL},
    {{"--", "status", "-x"}, 0, ARGS_CMD_STATUS, "-x", NULL},
    {{NULL}, -1, ARGS_CMD_NONE, NULL, "no command"},
    {{"frobnicate"}, -1, ARGS_CMD_NONE, NULL, "unknown command 'frobnicate'"},
    {{"describe"}, -1, ARGS_CMD_NONE, NULL, "'describe' needs a PROCESS"},
    {{"status"}, -1, ARGS_CMD_NONE, NULL, "'status' needs a JOB"},
    {{"processes", "extra"}, -1, ARGS_CMD_NONE, NULL, "takes no argument"},
    {{"status", "a", "b"}, -1, ARGS_CMD_NONE, NULL, "unexpected argument 'b'"},
    {{"status", "J", "--follow"}, -1, ARGS_CMD_NONE, NULL, "--follow does not apply to 'status'"},
    {{"jobs", "-i", "a=1"}, -1, ARGS_CMD_NONE, NULL, "--input does not apply"},
    {{"run", "echo", "-i", "novalue"}, -1, ARGS_CMD_NONE, NULL, "NAME=VALUE"},
    {{"run", "echo", "-i", "=1"}, -1, ARGS_CMD_NONE, NULL, "NAME=VALUE"},
    {{"run", "echo", "-i"}, -1, ARGS_CMD_NONE, NULL, "--input needs a value"},
    {{"jobs", "--limit", "0"}, -1, ARGS_CMD_NONE, NULL, "--limit wants a number"},
    {{"jobs", "--limit", "12x"}, -1, ARGS_CMD_NONE, NULL, "--limit wants a number"},
    {{"jobs", "--status", "done"}, -1, ARGS_CMD_NONE, NULL, "bad --status 'done'"},
    {{"jobs", "--status", "failed,"}, -1, ARGS_CMD_NONE, NULL, "bad --status ''"},
    {{"jobs", "--process", "a b"}, -1, ARGS_CMD_NONE, NULL, "bad --process"},
    {{"--json=yes", "jobs"}, -1, ARGS_CMD_NONE, NULL, "--json takes no value"},
    {{"--bogus", "jobs"}, -1, ARGS_CMD_NONE, NULL, "unknown option '--bogus'"},
    {{"--user", "u:p", "--token", "t", "jobs"}, -1, ARGS_CMD_NONE, NULL, "exclude each other"},
    {{"--user", "nopassword", "jobs"}, -1, ARGS_CMD_NONE, NULL, "USER:PASSWORD"},
    {{"--url", "ftp://x", "jobs"}, -1, ARGS_CMD_NONE, NULL, "http:// or https://"},
    {{"--url", "http://u:p@host/", "jobs"}, -1, ARGS_CMD_NONE, NULL, "not in the URL"},
    {{"run", "echo", "--async", "-o", "d"}, -1, ARGS_CMD_NONE, NULL, "needs --wait"},
};

START_TEST(args_table)
{
    const struct args_case *c = &args_cases[_i];
    char *argv[16] = {"quern"};
    int argc = 1;
    for (; c->argv[argc - 1] != NULL; argc++) {
        argv[argc] = (char *)c->argv[argc - 1];
    }
    struct args a;
    struct qerr err = QERR_INIT;
    int rc = args_parse(argc, argv, NULL, &a, &err);
    ck_assert_msg(rc == c->rc, "case %d: rc %d (%s)", _i, rc, err.msg);
    if (rc == 0) {
        ck_assert_int_eq(a.cmd, c->cmd);
        ck_assert_pstr_eq(a.operand, c->operand);
    } else {
        ck_assert_int_eq(err.code, QERR_INVALID);
        ck_assert_msg(strstr(err.msg, c->msg) != NULL, "case %d: '%s' lacks '%s'", _i, err.msg,
                      c->msg);
    }
}
END_TEST

START_TEST(args_values_and_environment)
{
    char *argv[] = {"quern",           "run", "echo", "-i", "a=1", "--input", "b=@f.json", "--wait",
                    "--output-dir=out"};
    struct args_env env = {"http://env:1/", "u:p", NULL};
    struct args a;
    struct qerr err = QERR_INIT;
    ck_assert_int_eq(args_parse(9, argv, &env, &a, &err), 0);
    ck_assert_uint_eq(a.n_inputs, 2);
    ck_assert_str_eq(a.inputs[1], "b=@f.json");
    ck_assert(a.wait && !a.async);
    ck_assert_str_eq(a.output_dir, "out");
    ck_assert_str_eq(a.url, "http://env:1/");
    ck_assert_str_eq(a.user, "u:p");
    ck_assert_ptr_null(a.token);

    /* A token from the environment wins over a user from it; --url over QUERN_URL. */
    char *argv2[] = {"quern", "--url", "https://cli", "jobs", "-n", "3"};
    env.token = "secret";
    ck_assert_int_eq(args_parse(6, argv2, &env, &a, &err), 0);
    ck_assert_str_eq(a.url, "https://cli");
    ck_assert_str_eq(a.token, "secret");
    ck_assert_ptr_null(a.user);
    ck_assert_int_eq(a.limit, 3);

    char *argv3[] = {"quern", "jobs"};
    ck_assert_int_eq(args_parse(2, argv3, NULL, &a, &err), 0);
    ck_assert_str_eq(a.url, ARGS_DEFAULT_URL);
}
END_TEST

START_TEST(args_too_many_inputs)
{
    char *argv[2 + 2 * (ARGS_MAX_INPUTS + 1)];
    int argc = 0;
    argv[argc++] = "quern";
    argv[argc++] = "run";
    for (int i = 0; i <= ARGS_MAX_INPUTS; i++) {
        argv[argc++] = "-i";
        argv[argc++] = "a=1";
    }
    struct args a;
    struct qerr err = QERR_INIT;
    ck_assert_int_eq(args_parse(argc, argv, NULL, &a, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "more than"));
}
END_TEST

/* --- values ------------------------------------------------------------ */

struct value_case {
    const char *schema; /* JSON, "null" for none */
    const char *text;
    const char *want; /* compact JSON, NULL when an error is expected */
};

static const struct value_case value_cases[] = {
    {"{\"type\":\"integer\"}", "42", "42"},
    {"{\"type\":\"integer\"}", "-7", "-7"},
    {"{\"type\":\"integer\"}", "4.5", NULL},
    {"{\"type\":\"integer\"}", "12abc", NULL},
    {"{\"type\":\"integer\"}", "", NULL},
    {"{\"type\":\"integer\",\"minimum\":1,\"maximum\":10}", "10", "10"},
    {"{\"type\":\"integer\",\"minimum\":1,\"maximum\":10}", "11", NULL},
    {"{\"type\":\"integer\",\"minimum\":1,\"exclusiveMinimum\":true}", "1", NULL},
    {"{\"type\":\"number\"}", "2.5", "2.5"},
    {"{\"type\":\"number\"}", "3", "3"},
    {"{\"type\":\"number\"}", "1e3", "1000.0"},
    {"{\"type\":\"number\"}", "nan", NULL},
    {"{\"type\":\"number\"}", "pi", NULL},
    {"{\"type\":\"boolean\"}", "true", "true"},
    {"{\"type\":\"boolean\"}", "NO", "false"},
    {"{\"type\":\"boolean\"}", "maybe", NULL},
    {"{\"type\":\"string\"}", "42", "\"42\""},
    {"{\"type\":\"string\"}", "a,b", "\"a,b\""},
    {"{\"type\":\"string\",\"enum\":[\"a\",\"b\"]}", "b", "\"b\""},
    {"{\"type\":\"string\",\"enum\":[\"a\",\"b\"]}", "c", NULL},
    {"{\"type\":\"string\",\"format\":\"binary\"}", "hello", "\"aGVsbG8=\""},
    {"{\"type\":\"string\",\"contentMediaType\":\"image/png\"}", "hi", "\"aGk=\""},
    {"{\"type\":\"string\",\"contentMediaType\":\"text/plain\"}", "hi", "\"hi\""},
    {"{\"type\":\"array\",\"items\":{\"type\":\"number\"}}", "1,2.5,3", "[1,2.5,3]"},
    {"{\"type\":\"array\",\"items\":{\"type\":\"number\"}}", "1,x", NULL},
    {"{\"type\":\"array\",\"items\":{\"type\":\"boolean\"}}", "yes,off", "[true,false]"},
    {"{\"type\":\"array\",\"items\":{\"type\":\"string\"}}", "a,b", "[\"a,b\"]"},
    {"{\"type\":\"array\",\"items\":{\"type\":\"string\"}}", "[\"a\",\"b\"]", "[\"a\",\"b\"]"},
    {"{\"type\":\"array\"}", "[1,", NULL},
    {"{\"type\":\"array\"}", "[1]", "[1]"},
    {"{\"type\":\"object\"}", "{\"k\":[1]}", "{\"k\":[1]}"},
    {"{\"type\":\"object\"}", "[1]", NULL},
    {"{\"type\":\"object\"}", "{\"k\":1,\"k\":2}", NULL},
    {"{\"oneOf\":[{\"type\":\"integer\"},{\"type\":\"string\",\"enum\":[\"max\"]}]}", "5", "5"},
    {"{\"oneOf\":[{\"type\":\"integer\"},{\"type\":\"string\",\"enum\":[\"max\"]}]}", "max",
     "\"max\""},
    {"{\"anyOf\":[{\"type\":\"integer\"},{\"type\":\"boolean\"}]}", "x", NULL},
    {"{\"type\":\"array\",\"items\":{\"type\":\"number\"},\"oneOf\":[{\"minItems\":4},"
     "{\"minItems\":6}]}",
     "1,2,3,4", "[1,2,3,4]"},
    {"{}", "{\"a\":1}", "{\"a\":1}"},
    {"{}", "12", "12"},
    {"{}", "plain words", "\"plain words\""},
    {"null", "true", "true"},
};

START_TEST(value_table)
{
    const struct value_case *c = &value_cases[_i];
    json_t *schema = json_loads(c->schema, JSON_DECODE_ANY, NULL);
    struct qerr err = QERR_INIT;
    json_t *v = value_parse(json_is_null(schema) ? NULL : schema, c->text, &err);
    if (c->want == NULL) {
        ck_assert_msg(v == NULL, "case %d (%s) should fail", _i, c->text);
        ck_assert_int_eq(err.code, QERR_INVALID);
        ck_assert_msg(err.msg[0] != '\0', "case %d: no message", _i);
    } else {
        ck_assert_msg(v != NULL, "case %d (%s): %s", _i, c->text, err.msg);
        char *got = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        ck_assert_str_eq(got, c->want);
        free(got);
    }
    json_decref(v);
    json_decref(schema);
}
END_TEST

static char tmpdir[64];

static void tmp_setup(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/check_client.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void tmp_teardown(void)
{
    char cmd[128];
    static const char *const names[] = {"bin", "obj.json", "text.txt", "num.json", "notjson"};
    for (size_t i = 0; i < QUERN_ARRAY_LEN(names); i++) {
        snprintf(cmd, sizeof cmd, "%s/%s", tmpdir, names[i]);
        unlink(cmd);
    }
    rmdir(tmpdir);
}

static const char *tmpfile_with(const char *name, const void *data, size_t len)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    fclose(f);
    return path;
}

static char *parse_file(const char *schema_text, const char *path, struct qerr *err)
{
    json_t *schema = json_loads(schema_text, 0, NULL);
    json_t *v = value_from_file(schema, path, err);
    char *s = v != NULL ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    json_decref(v);
    json_decref(schema);
    return s;
}

START_TEST(value_files)
{
    struct qerr err = QERR_INIT;
    static const unsigned char bin[] = {0x89, 'P', 'N', 'G', 0, 0xff, 0xfe};
    const char *p = tmpfile_with("bin", bin, sizeof bin);
    char *s = parse_file("{\"type\":\"string\",\"format\":\"byte\"}", p, &err);
    ck_assert_str_eq(s, "\"iVBORwD//g==\"");
    free(s);
    /* Binary bytes are not UTF-8 text for a plain string. */
    s = parse_file("{\"type\":\"string\"}", p, &err);
    ck_assert_ptr_null(s);
    ck_assert_ptr_nonnull(strstr(err.msg, "not UTF-8"));

    qerr_clear(&err);
    p = tmpfile_with("obj.json", "{\"a\": [1, 2]}\n", 14);
    s = parse_file("{\"type\":\"object\"}", p, &err);
    ck_assert_str_eq(s, "{\"a\":[1,2]}");
    free(s);
    s = parse_file("{\"type\":\"integer\"}", p, &err);
    ck_assert_ptr_null(s);
    ck_assert_ptr_nonnull(strstr(err.msg, "does not hold JSON of the input's type (integer)"));

    qerr_clear(&err);
    p = tmpfile_with("num.json", "42", 2);
    s = parse_file("{\"type\":\"string\"}", p, &err); /* a string input takes the text */
    ck_assert_str_eq(s, "\"42\"");
    free(s);
    s = parse_file("{\"type\":\"number\"}", p, &err);
    ck_assert_str_eq(s, "42");
    free(s);

    p = tmpfile_with("text.txt", "line one\nline two\n", 18);
    s = parse_file("{\"type\":\"string\"}", p, &err);
    ck_assert_str_eq(s, "\"line one\\nline two\\n\"");
    free(s);

    s = parse_file("{}", "/nonexistent/quern.json", &err);
    ck_assert_ptr_null(s);
    ck_assert_int_eq(err.code, QERR_INVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "cannot open /nonexistent/quern.json"));
}
END_TEST

static const char *desc_json =
    "{\"message\":{\"schema\":{\"type\":\"string\"}},"
    " \"count\":{\"schema\":{\"type\":\"integer\",\"default\":1}},"
    " \"tags\":{\"schema\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},\"minOccurs\":0},"
    " \"names\":{\"schema\":{\"type\":\"string\"},\"minOccurs\":0,\"maxOccurs\":\"unbounded\"},"
    " \"pair\":{\"schema\":{\"type\":\"number\"},\"minOccurs\":0,\"maxOccurs\":2},"
    " \"blob\":{\"schema\":{\"type\":\"string\",\"format\":\"binary\"},\"minOccurs\":0}}";

struct inputs_case {
    const char *specs[6];
    const char *want; /* compact JSON or NULL */
    const char *msg;
};

static const struct inputs_case inputs_cases[] = {
    {{"message=hi"}, "{\"message\":\"hi\"}", NULL},
    {{"message=hi", "count=3"}, "{\"message\":\"hi\",\"count\":3}", NULL},
    {{"message=a=b"}, "{\"message\":\"a=b\"}", NULL},
    {{"message=@@at"}, "{\"message\":\"@at\"}", NULL},
    {{"message=hi", "tags=a", "tags=[\"b\",\"c\"]"},
     "{\"message\":\"hi\",\"tags\":[\"a\",\"b\",\"c\"]}",
     NULL},
    {{"message=hi", "names=x"}, "{\"message\":\"hi\",\"names\":\"x\"}", NULL},
    {{"message=hi", "names=x", "names=y", "names=z"},
     "{\"message\":\"hi\",\"names\":[\"x\",\"y\",\"z\"]}",
     NULL},
    {{"message=hi", "pair=1", "pair=2.5"}, "{\"message\":\"hi\",\"pair\":[1,2.5]}", NULL},
    {{"message=hi", "pair=1", "pair=2", "pair=3"}, NULL, "input 'pair' takes at most 2 values"},
    {{"message=hi", "message=again"}, NULL, "input 'message' takes at most 1 value"},
    {{"count=2"}, NULL, "missing required input 'message'"},
    {{"message=hi", "colour=red"}, NULL, "no input 'colour' (its inputs: message, count"},
    {{"message=hi", "count=many"}, NULL, "input 'count': 'many' is not an integer"},
    {{"message=hi", "blob=@/nonexistent/x.png"}, NULL, "cannot open /nonexistent/x.png"},
};

START_TEST(inputs_table)
{
    const struct inputs_case *c = &inputs_cases[_i];
    json_t *desc = json_loads(desc_json, 0, NULL);
    ck_assert_ptr_nonnull(desc);
    size_t n = 0;
    while (n < QUERN_ARRAY_LEN(c->specs) && c->specs[n] != NULL) {
        n++;
    }
    struct qerr err = QERR_INIT;
    json_t *in = value_inputs(desc, c->specs, n, &err);
    if (c->want != NULL) {
        ck_assert_msg(in != NULL, "case %d: %s", _i, err.msg);
        json_t *want = json_loads(c->want, 0, NULL);
        char *got = json_dumps(in, JSON_COMPACT | JSON_SORT_KEYS);
        ck_assert_msg(json_equal(in, want), "case %d: got %s", _i, got);
        free(got);
        json_decref(want);
    } else {
        ck_assert_msg(in == NULL, "case %d should fail", _i);
        ck_assert_int_eq(err.code, QERR_INVALID);
        ck_assert_msg(strstr(err.msg, c->msg) != NULL, "case %d: '%s' lacks '%s'", _i, err.msg,
                      c->msg);
    }
    json_decref(in);
    json_decref(desc);
}
END_TEST

/* --- schemas ----------------------------------------------------------- */

struct summary_case {
    const char *schema;
    const char *want;
    bool binary;
};

static const struct summary_case summary_cases[] = {
    {"{\"type\":\"integer\",\"minimum\":1,\"maximum\":10}", "integer [1..10]", false},
    {"{\"type\":\"number\",\"minimum\":0,\"exclusiveMinimum\":true}", "number (0..]", false},
    {"{\"type\":\"string\",\"format\":\"date-time\"}", "string (date-time)", false},
    {"{\"type\":\"string\",\"enum\":[\"a\",\"b\"]}", "string one of \"a\", \"b\"", false},
    {"{\"type\":\"string\",\"format\":\"binary\",\"contentMediaType\":\"image/png\"}",
     "binary string (image/png)", true},
    {"{\"type\":\"string\",\"contentEncoding\":\"base64\"}", "binary string", true},
    {"{\"type\":\"string\",\"contentMediaType\":\"application/geo+json\"}", "string", false},
    {"{\"type\":\"array\",\"items\":{\"type\":\"number\"}}", "array of number", false},
    {"{\"oneOf\":[{\"type\":\"integer\"},{\"type\":\"boolean\"}]}", "integer | boolean", false},
    {"{\"$ref\":\"#/x\"}", "(see the schema)", false},
    {"{}", "any", false},
};

START_TEST(summary_table)
{
    const struct summary_case *c = &summary_cases[_i];
    json_t *schema = json_loads(c->schema, 0, NULL);
    struct buf b;
    struct qerr err = QERR_INIT;
    buf_init(&b, 1024);
    ck_assert_int_eq(oas_summary(schema, &b, &err), 0);
    ck_assert_str_eq(buf_cstr(&b), c->want);
    ck_assert_int_eq(oas_is_binary(schema), c->binary);
    buf_cleanup(&b);
    json_decref(schema);
}
END_TEST

START_TEST(occurs_defaults)
{
    long min;
    long max;
    json_t *in = json_loads("{\"maxOccurs\":\"unbounded\",\"minOccurs\":0}", 0, NULL);
    oas_occurs(in, &min, &max);
    ck_assert_int_eq(min, 0);
    ck_assert_int_eq(max, OAS_UNBOUNDED);
    json_decref(in);
    oas_occurs(NULL, &min, &max);
    ck_assert_int_eq(min, 1);
    ck_assert_int_eq(max, 1);
}
END_TEST

/* --- tables and progress --------------------------------------------- */

static char *render(const struct fmt_table *t, size_t width)
{
    struct buf b;
    struct qerr err = QERR_INIT;
    buf_init(&b, 65536);
    ck_assert_int_eq(fmt_table_render(t, width, &b, &err), 0);
    return buf_steal(&b);
}

START_TEST(table_layout)
{
    static const char *const h[] = {"ID", "STATUS", "MESSAGE"};
    static const char *const r1[] = {"a1", "running", "half way there"};
    static const char *const r2[] = {"b22222", NULL, "caf\xc3\xa9 \x1b[31mred"};
    struct fmt_table t;
    struct qerr err = QERR_INIT;
    ck_assert_int_eq(fmt_table_init(&t, 3, h, &err), 0);
    ck_assert_int_eq(fmt_table_add(&t, r1, &err), 0);
    ck_assert_int_eq(fmt_table_add(&t, r2, &err), 0);
    char *s = render(&t, 0);
    ck_assert_str_eq(s, "ID      STATUS   MESSAGE\n"
                        "a1      running  half way there\n"
                        "b22222  -        caf\xc3\xa9  [31mred\n");
    free(s);
    /* Only the last column is cut to fit, ending in "..."; ids are never cut. */
    s = render(&t, 27);
    ck_assert_str_eq(s, "ID      STATUS   MESSAGE\n"
                        "a1      running  half wa...\n"
                        "b22222  -        caf\xc3\xa9  [...\n");
    free(s);
    /* A narrow terminal still leaves the last column ten columns. */
    s = render(&t, 5);
    ck_assert_ptr_nonnull(strstr(s, "half wa...\n"));
    free(s);
    fmt_table_cleanup(&t);
}
END_TEST

START_TEST(table_trailing_blanks)
{
    static const char *const h[] = {"A", "B"};
    static const char *const r[] = {"x", ""};
    struct fmt_table t;
    struct qerr err = QERR_INIT;
    ck_assert_int_eq(fmt_table_init(&t, 2, h, &err), 0);
    ck_assert_int_eq(fmt_table_add(&t, r, &err), 0);
    char *s = render(&t, 0);
    ck_assert_str_eq(s, "A  B\nx\n");
    free(s);
    fmt_table_cleanup(&t);
}
END_TEST

struct progress_case {
    int progress;
    const char *status;
    const char *message;
    size_t width;
    const char *want;
};

static const struct progress_case progress_cases[] = {
    {0, "running", NULL, 0, "[........................]   0% running"},
    {50, "running", "step 2", 0, "[############............]  50% running: step 2"},
    {100, "successful", "done", 80, "[########################] 100% successful: done"},
    {100, "successful", "successful", 80, "[########################] 100% successful"},
    {150, "running", NULL, 0, "[########################] 100% running"},
    {-1, "accepted", NULL, 0, "[........................]    - accepted"},
    {40, "running", "a long message that will not fit", 50,
     "[#########...............]  40% running: a long..."},
    {40, "running", "no room", 40, "[#########...............]  40% running"},
    {40, "running", "new\nline\x1b[2J", 0, "[#########...............]  40% running: new line [2J"},
};

START_TEST(progress_table)
{
    const struct progress_case *c = &progress_cases[_i];
    struct buf b;
    struct qerr err = QERR_INIT;
    buf_init(&b, 4096);
    ck_assert_int_eq(fmt_progress(c->progress, c->status, c->message, c->width, &b, &err), 0);
    ck_assert_str_eq(buf_cstr(&b), c->want);
    if (c->width > 0) {
        ck_assert_uint_le(fmt_width(buf_cstr(&b)), c->width);
    }
    buf_cleanup(&b);
}
END_TEST

START_TEST(clean_and_width)
{
    char s[] = "a\tb\x7f"
               "c\xc2\x9b"
               "d\xc3\xa9";
    fmt_clean(s);
    ck_assert_str_eq(s, "a b c  d\xc3\xa9");
    ck_assert_uint_eq(fmt_width("d\xc3\xa9\xe2\x82\xac"), 3);
    char t[] = "one\ntwo\r";
    fmt_clean_text(t);
    ck_assert_str_eq(t, "one\ntwo ");
}
END_TEST

/* --- base64 and origins ------------------------------------------------ */

START_TEST(base64_vectors)
{
    static const char *const in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *const out[] = {"",         "Zg==",     "Zm8=",    "Zm9v",
                                      "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    for (size_t i = 0; i < QUERN_ARRAY_LEN(in); i++) {
        char *e = b64_encode((const unsigned char *)in[i], strlen(in[i]));
        ck_assert_str_eq(e, out[i]);
        free(e);
    }
}
END_TEST

START_TEST(same_origin)
{
    ck_assert(http_same_origin("http://h:8080/quern", "http://h:8080/quern/jobs/1"));
    ck_assert(http_same_origin("http://H:8080", "http://h:8080/x"));
    ck_assert(!http_same_origin("http://h:8080", "http://h:8081/x"));
    ck_assert(!http_same_origin("http://h", "https://h/x"));
    ck_assert(!http_same_origin("http://h", "http://h.evil.example/x"));
    ck_assert(!http_same_origin("http://h", "/relative"));
}
END_TEST

static Suite *client_suite(void)
{
    Suite *s = suite_create("client");
    TCase *tc = tcase_create("args");
    tcase_add_loop_test(tc, args_table, 0, (int)QUERN_ARRAY_LEN(args_cases));
    tcase_add_test(tc, args_values_and_environment);
    tcase_add_test(tc, args_too_many_inputs);
    suite_add_tcase(s, tc);
    tc = tcase_create("values");
    tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
    tcase_add_loop_test(tc, value_table, 0, (int)QUERN_ARRAY_LEN(value_cases));
    tcase_add_test(tc, value_files);
    tcase_add_loop_test(tc, inputs_table, 0, (int)QUERN_ARRAY_LEN(inputs_cases));
    tcase_add_loop_test(tc, summary_table, 0, (int)QUERN_ARRAY_LEN(summary_cases));
    tcase_add_test(tc, occurs_defaults);
    suite_add_tcase(s, tc);
    tc = tcase_create("output");
    tcase_add_test(tc, table_layout);
    tcase_add_test(tc, table_trailing_blanks);
    tcase_add_loop_test(tc, progress_table, 0, (int)QUERN_ARRAY_LEN(progress_cases));
    tcase_add_test(tc, clean_and_width);
    tcase_add_test(tc, base64_vectors);
    tcase_add_test(tc, same_origin);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(client_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
