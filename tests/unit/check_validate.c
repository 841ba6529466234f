// SPDX-License-Identifier: MIT
/* Unit tests of common/validate: a table of schema, value, verdict (and the value
 * after coercion), then validate_inputs() occurrences, unknown ids and defaults. */
#include "common/compat.h"

#include <check.h>
#include <string.h>

#include "common/validate.h"

static json_t *J(const char *text)
{
    json_error_t e;
    json_t *v = json_loads(text, JSON_DECODE_ANY, &e);
    ck_assert_msg(v != NULL, "bad test JSON %s: %s", text, e.text);
    return v;
}

static const struct {
    const char *schema, *value;
    bool ok;
    const char *after; /* expected value after validation (NULL: unchanged) */
} rows[] = {
    {"{\"type\":\"string\"}", "\"x\"", true, NULL},
    {"{\"type\":\"string\"}", "5", false, NULL},
    {"{\"type\":\"integer\"}", "5", true, NULL},
    {"{\"type\":\"integer\"}", "5.0", true, NULL},
    {"{\"type\":\"integer\"}", "5.5", false, NULL},
    {"{\"type\":\"integer\"}", "\"5\"", false, NULL},
    {"{\"type\":\"number\"}", "5", true, NULL},
    {"{\"type\":\"number\"}", "true", false, NULL},
    {"{\"type\":\"boolean\"}", "false", true, NULL},
    {"{\"type\":\"boolean\"}", "0", false, NULL},
    {"{\"type\":\"object\"}", "[]", false, NULL},
    {"{\"type\":\"string\",\"nullable\":true}", "null", true, NULL},
    {"{\"type\":\"string\"}", "null", false, NULL},
    {"{\"enum\":[\"a\",\"b\"]}", "\"b\"", true, NULL},
    {"{\"enum\":[\"a\",\"b\"]}", "\"c\"", false, NULL},
    {"{\"enum\":[1,2]}", "2.0", true, NULL},
    {"{\"minimum\":0,\"maximum\":10}", "10", true, NULL},
    {"{\"minimum\":0,\"maximum\":10}", "10.5", false, NULL},
    {"{\"minimum\":0,\"exclusiveMinimum\":true}", "0", false, NULL},
    {"{\"minimum\":0,\"exclusiveMinimum\":true}", "0.1", true, NULL},
    {"{\"maximum\":1,\"exclusiveMaximum\":true}", "1", false, NULL},
    {"{\"multipleOf\":0.5}", "2.5", true, NULL},
    {"{\"multipleOf\":2}", "3", false, NULL},
    {"{\"multipleOf\":2}", "-4", true, NULL},
    {"{\"minLength\":2,\"maxLength\":3}", "\"\xc3\xa9\xc3\xa9\"", true, NULL},
    {"{\"minLength\":2}", "\"\xc3\xa9\"", false, NULL},
    {"{\"maxLength\":3}", "\"abcd\"", false, NULL},
    {"{\"pattern\":\"^\\\\d{3}-[a-z]+$\"}", "\"123-abc\"", true, NULL},
    {"{\"pattern\":\"^\\\\d{3}-[a-z]+$\"}", "\"12-abc\"", false, NULL},
    {"{\"pattern\":\"^\\\\w+\\\\s\\\\S$\"}", "\"ab_1 x\"", true, NULL},
    {"{\"pattern\":\"([\"}", "\"anything\"", true, NULL},
    /* patterns regcomp would blow up on are not enforced (see pattern_tame) */
    {"{\"pattern\":\"^a{5000}$\"}", "\"b\"", true, NULL},
    /* Found by fuzz_validate: a huge count overflowed the cost estimate (UB). */
    {"{\"pattern\":\"a]{93}b{9223372036854775807}\"}", "\"b\"", true, NULL},
    {"{\"pattern\":\"^(((a+)+)+)+(((b+)+)+)+(((c+)+)+)+(d+)+$\"}", "\"x\"", true, NULL},
    {"{\"pattern\":\"^a{3}$\"}", "\"aa\"", false, NULL},
    {"{\"type\":\"string\",\"format\":\"byte\"}", "\"aGVsbG8=\"", true, NULL},
    {"{\"type\":\"string\",\"format\":\"byte\"}", "\"aGVsbG8\"", true, NULL},
    {"{\"type\":\"string\",\"format\":\"byte\"}", "\"not base64!\"", false, NULL},
    {"{\"type\":\"string\",\"format\":\"byte\"}", "\"a\"", false, NULL},
    {"{\"type\":\"string\",\"format\":\"binary\"}", "\"\\u0001anything\"", true, NULL},
    {"{\"type\":\"array\",\"items\":{\"type\":\"integer\"}}", "[1,2]", true, NULL},
    {"{\"type\":\"array\",\"items\":{\"type\":\"integer\"}}", "[1,\"2\"]", false, NULL},
    {"{\"type\":\"array\",\"items\":{\"type\":\"integer\"}}", "7", true, "[7]"},
    {"{\"type\":\"array\",\"minItems\":2}", "7", false, NULL},
    {"{\"type\":\"array\",\"maxItems\":1}", "[1,2]", false, NULL},
    {"{\"type\":\"array\",\"uniqueItems\":true}", "[1,1]", false, NULL},
    {"{\"type\":\"array\",\"items\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}}",
     "[\"a\",[\"b\"]]", true, "[[\"a\"],[\"b\"]]"},
    {"{\"type\":\"object\",\"required\":[\"a\"]}", "{}", false, NULL},
    {"{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"}}}", "{\"a\":\"x\"}", false,
     NULL},
    {"{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"}},"
     "\"additionalProperties\":false}",
     "{\"a\":1,\"b\":2}", false, NULL},
    {"{\"type\":\"object\",\"additionalProperties\":{\"type\":\"string\"}}", "{\"b\":2}", false,
     NULL},
    {"{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"array\"}}}", "{\"a\":1}", true,
     "{\"a\":[1]}"},
    {"{\"type\":\"object\",\"minProperties\":1}", "{}", false, NULL},
    {"{\"oneOf\":[{\"type\":\"string\"},{\"type\":\"integer\"}]}", "1", true, NULL},
    {"{\"oneOf\":[{\"type\":\"number\"},{\"type\":\"integer\"}]}", "1", false, NULL},
    {"{\"oneOf\":[{\"type\":\"string\",\"contentMediaType\":\"image/tiff\"},"
     "{\"type\":\"string\",\"contentMediaType\":\"image/jp2\"}]}",
     "\"x\"", true, NULL},
    {"{\"oneOf\":[{\"type\":\"string\"},{\"type\":\"integer\"}]}", "true", false, NULL},
    {"{\"anyOf\":[{\"type\":\"string\"},{\"minimum\":5}]}", "6", true, NULL},
    {"{\"anyOf\":[{\"type\":\"string\"},{\"minimum\":5}]}", "4", false, NULL},
    {"{\"allOf\":[{\"type\":\"integer\"},{\"minimum\":5}]}", "4", false, NULL},
    {"{\"allOf\":[{\"type\":\"integer\"},{\"minimum\":5}]}", "5", true, NULL},
    {"{\"not\":{\"type\":\"string\"}}", "\"x\"", false, NULL},
    {"{\"not\":{\"type\":\"string\"}}", "1", true, NULL},
    {"{\"type\":\"object\",\"format\":\"ogc-bbox\"}", "{\"bbox\":[1,2,3,4]}", true, NULL},
    {"{\"type\":\"object\",\"format\":\"ogc-bbox\"}", "{\"bbox\":[1,2,3,4,5,6],\"crs\":\"x\"}",
     true, NULL},
    {"{\"type\":\"object\",\"format\":\"ogc-bbox\"}", "{\"bbox\":[1,2,3]}", false, NULL},
    {"{\"type\":\"object\",\"format\":\"ogc-bbox\"}", "{\"bbox\":[1,2,3,\"4\"]}", false, NULL},
    {"{\"type\":\"object\",\"format\":\"ogc-bbox\"}", "{\"bbox\":[1,2,3,4],\"crs\":5}", false,
     NULL},
    {"{}", "{\"anything\":[1]}", true, NULL},
    {"{\"type\":\"strange\"}", "1", true, NULL},
};

START_TEST(value_table)
{
    for (size_t i = 0; i < QUERN_ARRAY_LEN(rows); i++) {
        json_t *schema = J(rows[i].schema);
        json_t *value = J(rows[i].value);
        struct qerr err = QERR_INIT;
        int rc = validate_value(schema, &value, "input 'x'", &err);
        ck_assert_msg((rc == 0) == rows[i].ok, "row %zu: %s vs %s: rc %d (%s)", i, rows[i].schema,
                      rows[i].value, rc, err.msg);
        if (rc < 0) {
            ck_assert_int_eq(err.code, QERR_INVALID);
            ck_assert_msg(strstr(err.msg, "input 'x'") != NULL, "row %zu: %s", i, err.msg);
        }
        if (rows[i].ok && rows[i].after != NULL) {
            json_t *want = J(rows[i].after);
            ck_assert_msg(json_equal(want, value), "row %zu: coerced to %s", i,
                          json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY));
            json_decref(want);
        }
        json_decref(schema);
        json_decref(value);
    }
}
END_TEST

static const char *descs_text =
    "{\"s\":{\"schema\":{\"type\":\"string\"}},"
    " \"n\":{\"schema\":{\"type\":\"number\",\"default\":5},\"minOccurs\":0},"
    " \"many\":{\"schema\":{\"type\":\"integer\"},\"minOccurs\":0,\"maxOccurs\":3},"
    " \"two\":{\"schema\":{\"type\":\"integer\"},\"minOccurs\":0,\"maxOccurs\":\"unbounded\"},"
    " \"arr\":{\"schema\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},\"minOccurs\":0},"
    " \"bin\":{\"schema\":{\"type\":\"string\",\"format\":\"byte\"},\"minOccurs\":0}}";

static json_t *inputs(const char *text, struct qerr *err)
{
    json_t *descs = J(descs_text);
    json_t *in = J(text);
    json_t *out = validate_inputs(descs, in, err);
    json_decref(descs);
    json_decref(in);
    return out;
}

START_TEST(inputs_occurrences)
{
    struct qerr err = QERR_INIT;
    json_t *out = inputs("{\"s\":\"x\"}", &err);
    ck_assert_ptr_nonnull(out);
    ck_assert_int_eq(json_integer_value(json_object_get(out, "n")), 5);
    ck_assert_int_eq(json_object_size(out), 2);
    json_decref(out);

    out = inputs("{\"s\":\"x\",\"many\":[1,2,3],\"two\":7,\"arr\":\"one\"}", &err);
    ck_assert_msg(out != NULL, "%s", err.msg);
    ck_assert_int_eq(json_array_size(json_object_get(out, "many")), 3);
    ck_assert_int_eq(json_integer_value(json_object_get(out, "two")), 7);
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(out, "arr"), 0)), "one");
    json_decref(out);

    out = inputs("{\"s\":\"x\",\"bin\":{\"value\":\"aGk=\",\"mediaType\":\"image/png\"},"
                 "\"many\":[{\"value\":1},{\"href\":\"https://example.org/x\"}]}",
                 &err);
    ck_assert_msg(out != NULL, "%s", err.msg);
    json_decref(out);

    static const struct {
        const char *in, *needle;
    } bad[] = {
        {"{}", "'s' is required"},
        {"{\"s\":1}", "input 's'"},
        {"{\"s\":\"x\",\"zzz\":1}", "unknown input 'zzz'"},
        {"{\"s\":\"x\",\"many\":[1,2,3,4]}", "input 'many'"},
        {"{\"s\":\"x\",\"many\":[1,\"2\"]}", "input 'many'[1]"},
        {"{\"s\":\"x\",\"bin\":{\"value\":\"***\"}}", "input 'bin'"},
        {"{\"s\":\"x\",\"bin\":{\"href\":\"file:///etc/passwd\"}}", "http"},
        {"{\"s\":[\"a\",\"b\"]}", "input 's'"},
        {"[]", "object"},
    };
    for (size_t i = 0; i < QUERN_ARRAY_LEN(bad); i++) {
        qerr_clear(&err);
        out = inputs(bad[i].in, &err);
        ck_assert_msg(out == NULL, "%s should fail", bad[i].in);
        ck_assert_msg(strstr(err.msg, bad[i].needle) != NULL, "%s: %s", bad[i].in, err.msg);
    }
}
END_TEST

START_TEST(base64)
{
    ck_assert(validate_is_base64("", 0));
    ck_assert(validate_is_base64("aGVsbG8=", 8));
    ck_assert(validate_is_base64("aGVs\nbG8=", 9));
    ck_assert(!validate_is_base64("aGVsbG8=x", 9));
    ck_assert(!validate_is_base64("a===", 4));
    ck_assert(!validate_is_base64("a-b_", 4));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("validate");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, value_table);
    tcase_add_test(tc, inputs_occurrences);
    tcase_add_test(tc, base64);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
