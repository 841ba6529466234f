// SPDX-License-Identifier: MIT
/*
 * cmd_proc - `quern processes` (every process, following the list's
 * "next" links) and `quern describe ID` (a process's inputs with their
 * types, occurrences and defaults, then its outputs).
 */
#include "common/compat.h"

#include <string.h>

#include "client/api.h"
#include "client/cmd.h"
#include "client/fmt.h"
#include "client/oas.h"

#define MAX_PAGES 100

/* The href of the rel="next" link of doc, NULL when none (borrowed). */
static const char *next_link(const json_t *doc)
{
    size_t i;
    const json_t *l;
    json_array_foreach(json_object_get(doc, "links"), i, l)
    {
        const char *rel = json_string_value(json_object_get(l, "rel"));
        if (rel != NULL && strcmp(rel, "next") == 0) {
            return json_string_value(json_object_get(l, "href"));
        }
    }
    return NULL;
}

/* Gets every page of /processes into one document (new reference). */
static json_t *all_processes(struct cli *cli, struct qerr *err)
{
    json_t *all = NULL;
    if (api_get(cli, "/processes?limit=1000", &all, err) < 0) {
        return NULL;
    }
    json_t *list = json_object_get(all, "processes");
    if (!json_is_array(list)) {
        qerr_set(err, QERR_BACKEND, "the server's process list has no \"processes\" array");
        json_decref(all);
        return NULL;
    }
    json_t *page = json_incref(all);
    for (int n = 1; n < MAX_PAGES; n++) {
        const char *next = next_link(page);
        json_t *more = NULL;
        if (next == NULL || !http_same_origin(cli->http.base, next) ||
            api_get(cli, next, &more, err) < 0) {
            break;
        }
        json_array_extend(list, json_object_get(more, "processes"));
        json_decref(page);
        page = more;
    }
    json_decref(page);
    if (qerr_is_set(err)) {
        json_decref(all);
        return NULL;
    }
    json_object_set_new(all, "links", json_array());
    return all;
}

int cmd_processes(struct cli *cli, struct qerr *err)
{
    static const char *const headers[] = {"ID", "VERSION", "TITLE"};
    struct fmt_table t;
    struct buf out;
    int rc = -1;
    json_t *doc = all_processes(cli, err);
    if (doc == NULL) {
        return -1;
    }
    if (cli->args->json) {
        api_print_json(cli->out, doc);
        json_decref(doc);
        return CLI_EXIT_OK;
    }
    buf_init(&out, HTTP_BODY_MAX);
    if (fmt_table_init(&t, 3, headers, err) < 0) {
        goto out;
    }
    size_t i;
    const json_t *p;
    json_array_foreach(json_object_get(doc, "processes"), i, p)
    {
        const char *row[] = {json_string_value(json_object_get(p, "id")),
                             json_string_value(json_object_get(p, "version")),
                             json_string_value(json_object_get(p, "title"))};
        if (fmt_table_add(&t, row, err) < 0) {
            goto out_table;
        }
    }
    if (fmt_table_render(&t, fmt_term_width(cli->out), &out, err) == 0) {
        fputs(buf_cstr(&out), cli->out);
        rc = CLI_EXIT_OK;
    }
out_table:
    fmt_table_cleanup(&t);
out:
    buf_cleanup(&out);
    json_decref(doc);
    return rc;
}

static void occurs_text(const json_t *input, char *out, size_t outsz)
{
    long min;
    long max;
    oas_occurs(input, &min, &max);
    bool has_default = json_object_get(json_object_get(input, "schema"), "default") != NULL;
    if (max == 1) {
        snprintf(out, outsz, "%s", min >= 1 && !has_default ? "required" : "optional");
    } else if (max == OAS_UNBOUNDED) {
        snprintf(out, outsz, "%ld..unbounded", has_default ? 0 : min);
    } else {
        snprintf(out, outsz, "%ld..%ld", has_default ? 0 : min, max);
    }
}

/* One table row per input (with_occurs) or output. */
static int params_table(const json_t *params, bool with_occurs, struct buf *out, size_t width,
                        struct qerr *err)
{
    static const char *const in_h[] = {"INPUT", "TYPE", "OCCURS", "DEFAULT", "DESCRIPTION"};
    static const char *const out_h[] = {"OUTPUT", "TYPE", "DESCRIPTION"};
    struct fmt_table t;
    struct buf type;
    int rc = -1;
    buf_init(&type, 4096);
    if (fmt_table_init(&t, with_occurs ? 5 : 3, with_occurs ? in_h : out_h, err) < 0) {
        goto out;
    }
    const char *name;
    const json_t *p;
    json_object_foreach((json_t *)params, name, p)
    {
        const json_t *schema = json_object_get(p, "schema");
        const char *title = json_string_value(json_object_get(p, "title"));
        const char *descr =
            title != NULL ? title : json_string_value(json_object_get(p, "description"));
        char occurs[64];
        buf_reset(&type);
        if (oas_summary(schema, &type, err) < 0) {
            goto out_table;
        }
        occurs_text(p, occurs, sizeof occurs);
        const json_t *dflt = json_object_get(schema, "default");
        /* 15 digits: a default of 0.2 reads 0.2, not 0.20000000000000001 */
        size_t flags = JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(15);
        char *dtext = dflt != NULL ? json_dumps(dflt, flags) : NULL;
        const char *in_row[] = {name, buf_cstr(&type), occurs, dtext, descr};
        const char *out_row[] = {name, buf_cstr(&type), descr};
        int added = fmt_table_add(&t, with_occurs ? in_row : out_row, err);
        free(dtext);
        if (added < 0) {
            goto out_table;
        }
    }
    rc = fmt_table_render(&t, width, out, err);
out_table:
    fmt_table_cleanup(&t);
out:
    buf_cleanup(&type);
    return rc;
}

static int describe_head(const json_t *doc, struct buf *out, struct qerr *err)
{
    const char *id = json_string_value(json_object_get(doc, "id"));
    const char *version = json_string_value(json_object_get(doc, "version"));
    const char *title = json_string_value(json_object_get(doc, "title"));
    const char *descr = json_string_value(json_object_get(doc, "description"));
    int rc = buf_printf(out, err, "%s%s%s%s%s\n", id != NULL ? id : "?", version != NULL ? " " : "",
                        version != NULL ? version : "", title != NULL ? " - " : "",
                        title != NULL ? title : "");
    if (rc == 0 && descr != NULL) {
        rc = buf_printf(out, err, "%s\n", descr);
    }
    const json_t *jco = json_object_get(doc, "jobControlOptions");
    if (rc == 0 && json_is_array(jco)) {
        rc = buf_puts(out, "execution:", err);
        size_t i;
        const json_t *o;
        json_array_foreach(jco, i, o)
        {
            const char *s = json_string_value(o);
            rc = rc < 0 || s == NULL ? rc : buf_printf(out, err, "%s %s", i > 0 ? "," : "", s);
        }
        rc = rc < 0 ? rc : buf_puts(out, "\n", err);
    }
    return rc;
}

int cmd_describe(struct cli *cli, struct qerr *err)
{
    char path[API_PATH_MAX];
    json_t *doc = NULL;
    struct buf out;
    int rc = -1;
    buf_init(&out, HTTP_BODY_MAX);
    if (api_path(cli, "/processes/", cli->args->operand, NULL, path, sizeof path, err) < 0 ||
        api_get(cli, path, &doc, err) < 0) {
        goto out;
    }
    if (cli->args->json) {
        api_print_json(cli->out, doc);
        rc = CLI_EXIT_OK;
        goto out;
    }
    size_t width = fmt_term_width(cli->out);
    const json_t *inputs = json_object_get(doc, "inputs");
    const json_t *outputs = json_object_get(doc, "outputs");
    if (describe_head(doc, &out, err) < 0 || buf_puts(&out, "\n", err) < 0) {
        goto out;
    }
    if (json_object_size(inputs) == 0 && buf_puts(&out, "no inputs\n", err) < 0) {
        goto out;
    }
    if (json_object_size(inputs) > 0 && params_table(inputs, true, &out, width, err) < 0) {
        goto out;
    }
    if (json_object_size(outputs) > 0 &&
        (buf_puts(&out, "\n", err) < 0 || params_table(outputs, false, &out, width, err) < 0)) {
        goto out;
    }
    if (out.data != NULL) {
        fmt_clean_text(out.data);
    }
    fputs(buf_cstr(&out), cli->out);
    rc = CLI_EXIT_OK;
out:
    buf_cleanup(&out);
    json_decref(doc);
    return rc;
}
