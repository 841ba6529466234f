// SPDX-License-Identifier: MIT
/*
 * Unit tests of the plugin loader (common/proc_*): the corpus of broken
 * files in tests/unit/plugins-bad (each ends with the "# expect: L:C: msg"
 * lines quern must report for it, all of them, in order), the example
 * plugins, SEPEX conversion, YAML scalars, and the schema checker.
 */
#include "common/compat.h"

#include <check.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/proc_def.h"
#include "common/proc_schema.h"
#include "common/proc_sync.h"
#include "common/proc_yaml.h"

#ifndef PLUGINS_BAD_DIR
#error "PLUGINS_BAD_DIR must be defined by the build"
#endif

static char *bad_files[64];
static size_t n_bad;

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list_bad_files(void)
{
    DIR *d = opendir(PLUGINS_BAD_DIR);
    if (d == NULL) {
        return;
    }
    const struct dirent *e;
    while ((e = readdir(d)) != NULL && n_bad < QUERN_ARRAY_LEN(bad_files)) {
        size_t n = strlen(e->d_name);
        if (n > 5 && strcmp(e->d_name + n - 5, ".yaml") == 0) {
            bad_files[n_bad++] = strdup(e->d_name);
        }
    }
    closedir(d);
    qsort(bad_files, n_bad, sizeof *bad_files, cmp_str);
}

/* The "# expect:" lines of a file, joined with newlines, @DIR@ replaced by dir. */
static char *expected_of(const char *path, const char *dir)
{
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    char *out = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&out, &len);
    char line[2048];
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, "# expect: ", 10) != 0) {
            continue;
        }
        const char *p = line + 10;
        const char *at = strstr(p, "@DIR@");
        if (at != NULL) {
            fprintf(m, "%.*s%s%s", (int)(at - p), p, dir, at + 5);
        } else {
            fputs(p, m);
        }
    }
    fclose(f);
    fclose(m);
    return out;
}

/* What the loader reports for path, as "L:C: msg" lines. */
static char *reported_of(const char *path)
{
    struct proc_diags diags;
    proc_diags_init(&diags);
    struct qerr err = QERR_INIT;
    struct proc_def *d = proc_def_load(path, &diags, &err);
    ck_assert_ptr_null(d);
    ck_assert_int_eq(err.code, QERR_INVALID);
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    proc_diags_print(&diags, m);
    fclose(m);
    proc_diags_cleanup(&diags);
    /* Drop the "path:" prefix of every line. */
    size_t plen = strlen(path);
    char *out = malloc(len + 1);
    char *w = out;
    for (const char *r = text; *r != '\0';) {
        const char *nl = strchr(r, '\n');
        size_t n = nl != NULL ? (size_t)(nl - r) + 1 : strlen(r);
        if (strncmp(r, path, plen) == 0 && r[plen] == ':') {
            r += plen + 1;
            n -= plen + 1;
        }
        memcpy(w, r, n);
        w += n;
        r += n;
    }
    *w = '\0';
    free(text);
    return out;
}

START_TEST(bad_file)
{
    ck_assert_uint_gt(n_bad, (size_t)15);
    char path[PATH_MAX];
    char dir[PATH_MAX];
    ck_assert_ptr_nonnull(realpath(PLUGINS_BAD_DIR, dir));
    snprintf(path, sizeof path, "%s/%s", PLUGINS_BAD_DIR, bad_files[_i]);
    char *want = expected_of(path, dir);
    char *got = reported_of(path);
    ck_assert_msg(want[0] != '\0', "%s has no # expect: lines", bad_files[_i]);
    ck_assert_msg(strcmp(want, got) == 0, "%s:\n--- expected\n%s--- reported\n%s", bad_files[_i],
                  want, got);
    free(want);
    free(got);
}
END_TEST

static struct proc_def *load_ok(const char *text)
{
    struct proc_diags diags;
    proc_diags_init(&diags);
    struct qerr err = QERR_INIT;
    struct proc_def *d = proc_def_load_text("t.yaml", "/tmp", text, strlen(text), &diags, &err);
    if (d == NULL) {
        proc_diags_print(&diags, stderr);
    }
    ck_assert_msg(d != NULL, "%s", err.msg);
    ck_assert_uint_eq(proc_diags_count(&diags), 0);
    proc_diags_cleanup(&diags);
    return d;
}

static char *dump(const json_t *v)
{
    return proc_def_dumps(v);
}

START_TEST(examples_load)
{
    const char *names[] = {"echo",     "hello-world", "sleep",       "fail",       "files",
                           "progress", "wordcount",   "docker-echo", "batch-echo", "slurm-hello"};
    for (size_t i = 0; i < QUERN_ARRAY_LEN(names); i++) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s.yaml", PLUGINS_DIR, names[i]);
        struct proc_diags diags;
        proc_diags_init(&diags);
        struct qerr err = QERR_INIT;
        struct proc_def *d = proc_def_load(path, &diags, &err);
        if (d == NULL) {
            proc_diags_print(&diags, stderr);
        }
        ck_assert_msg(d != NULL, "%s: %s", names[i], err.msg);
        ck_assert_str_eq(d->id, names[i]);
        ck_assert_str_eq(d->version, "1.0.0");
        /* Round trip: the stored text reads back as the same description. */
        char *text = dump(d->description);
        json_t *back = json_loads(text, 0, NULL);
        ck_assert(json_equal(back, d->description));
        ck_assert_ptr_null(strstr(text, "0000000000"));
        json_decref(back);
        free(text);
        proc_def_free(d);
        proc_diags_cleanup(&diags);
    }
}
END_TEST

START_TEST(echo_is_the_ogc_test_process)
{
    struct proc_diags diags;
    proc_diags_init(&diags);
    struct qerr err = QERR_INIT;
    struct proc_def *d = proc_def_load(PLUGINS_DIR "/echo.yaml", &diags, &err);
    ck_assert_ptr_nonnull(d);
    const json_t *in = json_object_get(d->description, "inputs");
    const json_t *out = json_object_get(d->description, "outputs");
    /* The first input is a string whose id is also an output id. */
    const char *first = json_object_iter_key(json_object_iter((json_t *)in));
    ck_assert_str_eq(first, "text");
    ck_assert_ptr_nonnull(json_object_get(out, "text"));
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)in, key, v)
    {
        ck_assert_int_eq(json_integer_value(json_object_get(v, "minOccurs")), 0);
        ck_assert_ptr_nonnull(json_object_get(out, key));
        const json_t *s = json_object_get(v, "schema");
        ck_assert_msg(strcmp(key, "image") == 0 || json_object_get(s, "default") != NULL,
                      "%s has no default", key);
    }
    ck_assert_str_eq(json_string_value(json_object_get(
                         json_object_get(json_object_get(in, "pause"), "schema"), "type")),
                     "number");
    ck_assert(proc_schema_is_binary(json_object_get(json_object_get(in, "image"), "schema")));
    ck_assert_ptr_nonnull(
        json_object_get(json_object_get(json_object_get(out, "numberOrText"), "schema"), "oneOf"));
    ck_assert_uint_eq(json_array_size(json_object_get(d->description, "jobControlOptions")), 3);
    const char *cmd =
        json_string_value(json_array_get(json_object_get(d->definition, "command"), 0));
    ck_assert_ptr_nonnull(strstr(cmd, "/plugins/bin/echo"));
    ck_assert_int_eq(cmd[0], '/');
    proc_def_free(d);
    proc_diags_cleanup(&diags);
}
END_TEST

START_TEST(defaults_and_normalisation)
{
    struct proc_def *d = load_ok("info: {id: x, title: X, version: 2}\n"
                                 "host: {type: docker, image: 'localhost/busybox:latest'}\n"
                                 "config: {env: {A: 1, B: yes}, secrets: [S], envVars: [S, T],\n"
                                 "  maxResources: {cpus: 2, memory: 256}, volumes: ['/a:/b:ro']}\n"
                                 "inputs: {i: {schema: {type: integer}, maxOccurs: unbounded}}\n"
                                 "outputs: {o: {schema: {}}}\n");
    char *def = dump(d->definition);
    ck_assert_str_eq(
        def, "{\"host\":{\"type\":\"docker\",\"image\":\"localhost/busybox:latest\","
             "\"pull\":\"missing\",\"network\":\"none\"},\"command\":[],"
             "\"config\":{\"env\":{\"A\":\"1\",\"B\":\"yes\"},\"secrets\":[\"S\",\"T\"],"
             "\"maxResources\":{\"cpus\":2.0,\"memory\":256},\"volumes\":[\"/a:/b:ro\"],"
             "\"timeout\":0,\"priority\":0},\"id\":\"x\",\"version\":\"2\","
             "\"inputs\":{\"i\":{\"title\":\"i\",\"description\":\"\",\"schema\":{\"type\":"
             "\"integer\"},\"minOccurs\":1,\"maxOccurs\":\"unbounded\"}},\"outputs\":{\"o\":"
             "{\"title\":\"o\",\"description\":\"\",\"schema\":{}}}}");
    char *desc = dump(d->description);
    ck_assert_str_eq(
        desc, "{\"id\":\"x\",\"title\":\"X\",\"description\":\"\",\"version\":\"2\","
              "\"jobControlOptions\":[\"sync-execute\",\"async-execute\",\"dismiss\"],"
              "\"outputTransmission\":[\"value\",\"reference\"],\"inputs\":{\"i\":{\"title\":"
              "\"i\",\"description\":\"\",\"schema\":{\"type\":\"integer\"},\"minOccurs\":1,"
              "\"maxOccurs\":\"unbounded\"}},\"outputs\":{\"o\":{\"title\":\"o\","
              "\"description\":\"\",\"schema\":{}}}}");
    free(def);
    free(desc);
    proc_def_free(d);
}
END_TEST

START_TEST(yaml_scalars)
{
    struct proc_def *d =
        load_ok("info: {id: s, title: S, version: 1.0.0}\n"
                "host: {type: local}\ncommand: [/bin/sh, -c, 'true', 5]\n"
                "inputs:\n  a:\n    schema:\n      example:\n"
                "        [~, null, '', true, False, yes, 0x1F, 0o17, -12, 1.5e3, '7',"
                " .5, +3, \"a\\tb\", !!float 2, !!str x]\n"
                "outputs: {o: {schema: {}}}\n");
    const json_t *ex = json_object_get(
        json_object_get(json_object_get(json_object_get(d->description, "inputs"), "a"), "schema"),
        "example");
    char *s = dump(ex);
    ck_assert_str_eq(s, "[null,null,\"\",true,false,\"yes\",31,15,-12,1500.0,\"7\",0.5,3,\"a\\tb\","
                        "2.0,\"x\"]");
    free(s);
    s = dump(json_object_get(d->definition, "command"));
    ck_assert_str_eq(s, "[\"/bin/sh\",\"-c\",\"true\",\"5\"]");
    free(s);
    proc_def_free(d);
}
END_TEST

START_TEST(sepex_list_form)
{
    struct proc_def *d = load_ok(
        "info: {version: '0.0.1', id: sepexOk, title: SEPEX, jobControlOptions: [async-execute],\n"
        "  outputTransmission: [reference]}\n"
        "host: {type: subprocess}\ncommand: [/bin/sh]\n"
        "config: {envVars: , maxResources: {cpus: 0.1, memory: 1024, gpus: 0}}\n"
        "inputs:\n"
        "  - id: n\n    title: N\n    input: {literalDataDomain: {dataType: double,\n"
        "      valueDefinition: {anyValue: true}, defaultValue: 2}}\n    minOccurs: 0\n"
        "  - id: flag\n    input: {literalDataDomain: {dataType: boolean}}\n"
        "  - id: kind\n    input: {literalDataDomain: {dataType: string,\n"
        "      valueDefinition: {possibleValues: [a, 1]}}}\n"
        "outputs:\n  - id: r\n    title: R\n    inputId: n\n"
        "    output: {transmissionMode: [reference]}\n");
    char *s = dump(json_object_get(d->description, "inputs"));
    ck_assert_str_eq(
        s, "{\"n\":{\"title\":\"N\",\"description\":\"\",\"schema\":{\"type\":\"number\","
           "\"default\":2},\"minOccurs\":0,\"maxOccurs\":1},\"flag\":{\"title\":\"flag\","
           "\"description\":\"\",\"schema\":{\"type\":\"boolean\"},\"minOccurs\":1,"
           "\"maxOccurs\":1},\"kind\":{\"title\":\"kind\",\"description\":\"\",\"schema\":"
           "{\"type\":\"string\",\"enum\":[\"a\",\"1\"]},\"minOccurs\":1,\"maxOccurs\":1}}");
    free(s);
    s = dump(json_object_get(d->definition, "host"));
    ck_assert_str_eq(s, "{\"type\":\"local\"}");
    free(s);
    s = dump(json_object_get(json_object_get(d->definition, "config"), "maxResources"));
    ck_assert_str_eq(s, "{\"cpus\":0.1,\"memory\":1024,\"gpus\":0}");
    free(s);
    proc_def_free(d);
}
END_TEST

struct schema_case {
    const char *schema;
    size_t problems;
    const char *first; /* first message, or NULL */
};

static char first_msg[1024];

static void remember(void *ctx, const json_t *at, const char *key, bool on_key, const char *msg)
{
    size_t *n = ctx;
    if ((*n)++ == 0) {
        snprintf(first_msg, sizeof first_msg, "%s", msg);
    }
}

START_TEST(schema_table)
{
    static const struct schema_case cases[] = {
        {"{}", 0, NULL},
        {"{\"type\": \"string\", \"format\": \"uri\", \"nullable\": true}", 0, NULL},
        {"{\"$ref\": \"#/components/schemas/x\"}", 0, NULL},
        {"{\"oneOf\": [{\"type\": \"number\"}, {\"$ref\": \"x\"}]}", 0, NULL},
        {"{\"type\": \"object\", \"additionalProperties\": false, \"properties\": {\"a\": {}}}", 0,
         NULL},
        {"{\"type\": \"number\", \"minimum\": 1, \"exclusiveMinimum\": true}", 0, NULL},
        {"[]", 1, "s: must be a schema object (a mapping), not a list"},
        {"{\"type\": \"number\", \"exclusiveMaximum\": 5}", 1,
         "s.exclusiveMaximum: must be a boolean in OpenAPI 3.0 (write maximum: 5 with "
         "exclusiveMaximum: true)"},
        {"{\"const\": 1}", 1,
         "s: 'const' is not an OpenAPI 3.0 schema keyword (use enum with one value)"},
        {"{\"properties\": {\"a\": {\"examples\": [1]}}}", 1,
         "s.properties.a: 'examples' is not an OpenAPI 3.0 schema keyword (use example with one "
         "value)"},
        {"{\"type\": \"null\"}", 1,
         "s.type: 'null' is not an OpenAPI 3.0 type (use nullable: true)"},
        {"{\"required\": [\"a\", \"a\"]}", 1, "s.required: 'a' is listed twice"},
        {"{\"enum\": []}", 1, "s.enum: must be a non-empty list of values"},
        {"{\"minLength\": 1.5}", 1, "s.minLength: must be an integer >= 0"},
        {"{\"minimum\": 5, \"maximum\": 1}", 1, "s: maximum is less than minimum"},
        {"{\"$ref\": 3, \"type\": \"string\"}", 2, "s.$ref: must be a string"},
        {"{\"type\": \"integer\", \"default\": 2.0}", 0, NULL},
        {"{\"type\": \"number\", \"default\": 2}", 0, NULL},
        {"{\"type\": \"string\", \"nullable\": true, \"default\": null}", 0, NULL},
        {"{\"type\": \"integer\", \"default\": \"5\"}", 1,
         "s.default: must be of type integer, like the schema"},
        {"{\"type\": \"integer\", \"default\": 2.5}", 1,
         "s.default: must be of type integer, like the schema"},
        {"{\"type\": \"string\", \"default\": null}", 1, "s.default: null needs nullable: true"},
        {"{\"enum\": [\"a\", \"b\"], \"default\": \"c\"}", 1,
         "s.default: must be one of the enum values"},
    };
    for (size_t i = 0; i < QUERN_ARRAY_LEN(cases); i++) {
        json_t *s = json_loads(cases[i].schema, JSON_DECODE_ANY, NULL);
        ck_assert_ptr_nonnull(s);
        size_t seen = 0;
        first_msg[0] = '\0';
        size_t n = proc_schema_check(s, "s", remember, &seen);
        ck_assert_msg(n == cases[i].problems, "%s: %zu problems (%s)", cases[i].schema, n,
                      first_msg);
        ck_assert_uint_eq(seen, n);
        if (cases[i].first != NULL) {
            ck_assert_str_eq(first_msg, cases[i].first);
        }
        json_decref(s);
    }
}
END_TEST

START_TEST(diag_limit_and_order)
{
    struct proc_diags d;
    proc_diags_init(&d);
    for (int i = 0; i < PROC_DIAG_MAX + 5; i++) {
        proc_diags_add(&d, "f", (unsigned)(PROC_DIAG_MAX + 5 - i), 1, "m%d", i);
    }
    ck_assert_uint_eq(d.n, PROC_DIAG_MAX);
    ck_assert_uint_eq(proc_diags_count(&d), PROC_DIAG_MAX + 5);
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    proc_diags_print(&d, m);
    fclose(m);
    ck_assert(strncmp(text, "f:6:1: m499\n", 12) == 0);
    ck_assert_ptr_nonnull(strstr(text, "(5 more problems not shown)"));
    free(text);
    proc_diags_cleanup(&d);
}
END_TEST

START_TEST(suggestions)
{
    static const char *const names[] = {"title", "version", "jobControlOptions", "id", NULL};
    ck_assert_str_eq(proc_yaml_suggest("titel", names), "title");
    ck_assert_str_eq(proc_yaml_suggest("Version", names), "version");
    ck_assert_str_eq(proc_yaml_suggest("jobcontroloption", names), "jobControlOptions");
    ck_assert_ptr_null(proc_yaml_suggest("xy", names));
    ck_assert_ptr_null(proc_yaml_suggest("colour", names));
}
END_TEST

START_TEST(duplicate_ids_in_a_set)
{
    char a[64];
    char b[64];
    const char *text = "info: {id: dup, title: D, version: '1'}\nhost: {type: local}\n"
                       "command: [/bin/sh]\noutputs: {o: {schema: {}}}\n";
    snprintf(a, sizeof a, "/tmp/quern-proc-a-XXXXXX");
    snprintf(b, sizeof b, "/tmp/quern-proc-b-XXXXXX");
    char *files[] = {a, b};
    for (size_t i = 0; i < 2; i++) {
        int fd = mkstemp(files[i]);
        ck_assert_int_ge(fd, 0);
        FILE *f = fdopen(fd, "w");
        fputs(text, f);
        fclose(f);
    }
    struct proc_sync_set set = {0};
    struct proc_diags diags;
    proc_diags_init(&diags);
    struct qerr err = QERR_INIT;
    ck_assert_int_eq(proc_sync_load_files(files, 2, &set, &diags, &err), -1);
    ck_assert_uint_eq(proc_diags_count(&diags), 1);
    ck_assert_str_eq(diags.v[0].file, b);
    ck_assert_uint_eq(diags.v[0].line, 1);
    ck_assert_uint_eq(diags.v[0].column, 12);
    char want[256];
    snprintf(want, sizeof want, "info.id: process 'dup' is already defined in %s:1:12", a);
    ck_assert_str_eq(diags.v[0].msg, want);
    ck_assert_str_eq(err.msg, "1 problem in plugin files");
    proc_sync_set_cleanup(&set);
    proc_diags_cleanup(&diags);
    unlink(a);
    unlink(b);
}
END_TEST

static Suite *proc_suite(void)
{
    Suite *s = suite_create("proc");
    TCase *tc = tcase_create("bad");
    list_bad_files();
    tcase_add_loop_test(tc, bad_file, 0, (int)(n_bad > 0 ? n_bad : 1));
    suite_add_tcase(s, tc);
    tc = tcase_create("good");
    tcase_add_test(tc, examples_load);
    tcase_add_test(tc, echo_is_the_ogc_test_process);
    tcase_add_test(tc, defaults_and_normalisation);
    tcase_add_test(tc, yaml_scalars);
    tcase_add_test(tc, sepex_list_form);
    tcase_add_test(tc, duplicate_ids_in_a_set);
    suite_add_tcase(s, tc);
    tc = tcase_create("parts");
    tcase_add_test(tc, schema_table);
    tcase_add_test(tc, diag_limit_and_order);
    tcase_add_test(tc, suggestions);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(proc_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    for (size_t i = 0; i < n_bad; i++) {
        free(bad_files[i]);
    }
    return failed == 0 ? 0 : 1;
}
