// SPDX-License-Identifier: MIT
/* Unit tests of common/proc_appkg: OGC application packages into quern definitions -
 * the accepted execution unit shapes, the config mapping, a table of refused packages
 * with the field each message must name, and a converted package loaded by the
 * plugin loader as the API does it. */
#include "common/compat.h"

#include <check.h>
#include <string.h>

#include "common/proc_appkg.h"
#include "common/proc_def.h"

static json_t *J(const char *text)
{
    json_error_t e;
    json_t *v = json_loads(text, JSON_DECODE_ANY, &e);
    ck_assert_msg(v != NULL, "bad test JSON %s: %s", text, e.text);
    return v;
}

#define DESC                                                                                   \
    "\"processDescription\": {\"id\": \"ndvi\", \"version\": \"1.0.0\", \"title\": \"NDVI\", " \
    "\"links\": [], \"inputs\": {\"x\": {\"schema\": {\"type\": \"string\"}, "                 \
    "\"valuePassThrough\": true}}, \"outputs\": {\"y\": {\"schema\": {\"type\": \"string\"}}}}"

/* Converts text and returns the definition's member at path a/b (borrowed from *def). */
static const json_t *member(json_t **def, const char *text, const char *a, const char *b)
{
    struct qerr err = QERR_INIT;
    json_t *pkg = J(text);
    *def = proc_appkg_to_def(pkg, NULL, &err);
    json_decref(pkg);
    ck_assert_msg(*def != NULL, "%s: %s", text, err.msg);
    const json_t *v = json_object_get(*def, a);
    return b != NULL ? json_object_get(v, b) : v;
}

START_TEST(unit_shapes)
{
    static const char *const units[] = {
        "{\"type\": \"docker\", \"image\": \"reg/ndvi:1\"}",
        "{\"type\": \"oci\", \"image\": \"reg/ndvi:1\"}",
        "{\"image\": \"reg/ndvi:1\"}",
        "[{\"type\": \"docker\", \"image\": \"reg/ndvi:1\"}]",
        "{\"type\": \"docker\", \"value\": {\"image\": \"reg/ndvi:1\", \"deployment\": \"local\"}}",
    };
    for (size_t i = 0; i < QUERN_ARRAY_LEN(units); i++) {
        char text[1024];
        snprintf(text, sizeof text, "{\"executionUnit\": %s, " DESC "}", units[i]);
        json_t *def = NULL;
        const json_t *host = member(&def, text, "host", NULL);
        ck_assert_str_eq(json_string_value(json_object_get(host, "type")), "docker");
        ck_assert_str_eq(json_string_value(json_object_get(host, "image")), "reg/ndvi:1");
        ck_assert(json_is_array(json_object_get(def, "command")));
        ck_assert_str_eq(json_string_value(json_object_get(json_object_get(def, "info"), "id")),
                         "ndvi");
        /* OGC members quern has no use for are dropped, not reported. */
        ck_assert_ptr_null(json_object_get(json_object_get(json_object_get(def, "inputs"), "x"),
                                           "valuePassThrough"));
        ck_assert_ptr_null(json_object_get(json_object_get(def, "info"), "links"));
        json_decref(def);
    }
}
END_TEST

START_TEST(config_and_extensions)
{
    json_t *def = NULL;
    const json_t *cfg = member(
        &def,
        "{\"executionUnit\": {\"type\": \"docker\", \"image\": \"i\", \"pull\": \"never\", "
        "\"command\": [\"sh\", \"-c\", \"x\"], \"env\": {\"A\": \"b\"}, \"config\": {\"cpuMin\": "
        "1, \"cpuMax\": 2.5, \"memoryMin\": 1, \"memoryMax\": 0.5, \"jobTimeout\": 90.2, "
        "\"gpu\": true}}, " DESC "}",
        "config", NULL);
    const json_t *res = json_object_get(cfg, "maxResources");
    ck_assert(json_real_value(json_object_get(res, "cpus")) == 2.5);
    ck_assert_int_eq(json_integer_value(json_object_get(res, "memory")), 512);
    ck_assert_int_eq(json_integer_value(json_object_get(cfg, "timeout")), 91);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(cfg, "env"), "A")), "b");
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(def, "host"), "pull")),
                     "never");
    ck_assert_int_eq(json_array_size(json_object_get(def, "command")), 3);
    json_decref(def);
    /* Without a title the id stands in (OGC makes it optional). */
    const json_t *title = member(&def,
                                 "{\"executionUnit\": {\"image\": \"i\"}, \"processDescription\": "
                                 "{\"id\": \"p\", \"version\": \"1\"}}",
                                 "info", "title");
    ck_assert_str_eq(json_string_value(title), "p");
    json_decref(def);
}
END_TEST

static const struct {
    const char *pkg;
    const char *url_id;
    const char *needle; /* the message names the field */
} refused[] = {
    {"[]", NULL, "JSON object"},
    {"{\"processDescription\": {\"id\": \"p\"}}", NULL, "executionUnit is required"},
    {"{\"executionUnit\": {\"href\": \"https://x/app.cwl\", \"type\": \"application/cwl\"}}", NULL,
     "CWL is not executed"},
    {"{\"executionUnit\": {\"mediaType\": \"application/cwl\", \"value\": {}}}", NULL,
     "CWL is not executed"},
    {"{\"executionUnit\": {\"href\": \"https://x/unit\"}}", NULL, "executionUnit.href"},
    {"{\"executionUnit\": {\"type\": \"python\", \"image\": \"i\"}}", NULL, "executionUnit.type"},
    {"{\"executionUnit\": {\"type\": \"docker\"}}", NULL, "executionUnit.image is required"},
    {"{\"executionUnit\": {\"type\": \"docker\", \"value\": {}}}", NULL,
     "executionUnit.value.image is required"},
    {"{\"executionUnit\": [{\"image\": \"a\"}, {\"image\": \"b\"}]}", NULL, "exactly one"},
    {"{\"executionUnit\": {\"image\": \"i\", \"config\": {\"cpuMax\": \"2\"}}}", NULL,
     "executionUnit.config.cpuMax"},
    {"{\"executionUnit\": {\"image\": \"i\"}}", NULL, "processDescription is required"},
    {"{\"executionUnit\": {\"image\": \"i\"}, \"processDescription\": {\"version\": \"1\"}}", NULL,
     "processDescription.id is required"},
    {"{\"executionUnit\": {\"image\": \"i\"}, \"processDescription\": {\"id\": \"a\"}}", "b",
     "differs from the process id in the URL"},
    {"{\"executionUnit\": {\"image\": \"i\"}, \"processDescription\": {\"id\": \"a\", "
     "\"bogus\": 1}}",
     NULL, "processDescription.bogus"},
};

START_TEST(refused_table)
{
    for (size_t i = 0; i < QUERN_ARRAY_LEN(refused); i++) {
        struct qerr err = QERR_INIT;
        json_t *pkg = J(refused[i].pkg);
        json_t *def = proc_appkg_to_def(pkg, refused[i].url_id, &err);
        ck_assert_msg(def == NULL, "accepted %s", refused[i].pkg);
        ck_assert_int_eq(err.code, QERR_INVALID);
        ck_assert_msg(strstr(err.msg, refused[i].needle) != NULL, "%s: %s", refused[i].pkg,
                      err.msg);
        json_decref(pkg);
    }
}
END_TEST

START_TEST(url_id_fills_in)
{
    struct qerr err = QERR_INIT;
    json_t *pkg = J("{\"executionUnit\": {\"image\": \"i\"}, \"processDescription\": "
                    "{\"version\": \"2\"}}");
    json_t *def = proc_appkg_to_def(pkg, "from-url", &err);
    ck_assert_ptr_nonnull(def);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(def, "info"), "id")),
                     "from-url");
    json_decref(def);
    json_decref(pkg);
}
END_TEST

/* What the API does with a package: convert, dump, load as a plugin file. */
START_TEST(loads_as_plugin)
{
    struct qerr err = QERR_INIT;
    json_t *pkg =
        J("{\"executionUnit\": {\"type\": \"docker\", \"image\": \"reg/ndvi:1\"}, " DESC "}");
    json_t *def = proc_appkg_to_def(pkg, NULL, &err);
    ck_assert_msg(def != NULL, "%s", err.msg);
    char *text = json_dumps(def, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    struct proc_diags diags;
    proc_diags_init(&diags);
    struct proc_def *d = proc_def_load_text("package", "/", text, strlen(text), &diags, &err);
    if (d == NULL) {
        proc_diags_print(&diags, stderr);
    }
    ck_assert_ptr_nonnull(d);
    ck_assert_str_eq(d->id, "ndvi");
    ck_assert_str_eq(
        json_string_value(json_object_get(json_object_get(d->definition, "host"), "type")),
        "docker");
    ck_assert_str_eq(json_string_value(json_object_get(d->description, "title")), "NDVI");
    proc_def_free(d);
    proc_diags_cleanup(&diags);
    free(text);
    json_decref(def);
    json_decref(pkg);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("appkg");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, unit_shapes);
    tcase_add_test(tc, config_and_extensions);
    tcase_add_test(tc, refused_table);
    tcase_add_test(tc, url_id_fills_in);
    tcase_add_test(tc, loads_as_plugin);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
