// SPDX-License-Identifier: MIT
/*
 * plugin-json - the JSON half of quern's example processes.
 *
 * The example programs in plugins/bin are POSIX shell scripts; everything
 * that reads or writes JSON goes through this helper (jansson), so no
 * script parses or quotes JSON by hand:
 *   plugin-json get INPUTS KEY [DEFAULT]   the value of one input: strings
 *                                          raw, anything else as JSON text
 *   plugin-json wrap INPUTS                {"plugin_results": INPUTS}, one line
 *   plugin-json results [-s|-j KEY VALUE]...
 *                                          {"plugin_results": {KEY: VALUE...}};
 *                                          -s: VALUE is a string, -j: JSON text
 *   plugin-json progress PERCENT MESSAGE   {"progress": N, "message": "..."}
 * Exit status 0, 1 on bad JSON or a missing input, 2 on usage errors.
 */
#include "common/compat.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int usage(void)
{
    fputs("usage: plugin-json get INPUTS KEY [DEFAULT] | wrap INPUTS | "
          "results [-s|-j KEY VALUE]... | progress PERCENT MESSAGE\n",
          stderr);
    return 2;
}

/* JSON text with numbers as people write them (0.3, not 0.29999999999999999) when that
 * reads back as the same value; full precision otherwise. */
static char *dumps(const json_t *v)
{
    size_t flags = JSON_COMPACT | JSON_ENCODE_ANY;
    char *s = json_dumps(v, flags | JSON_REAL_PRECISION(15));
    json_t *back = s != NULL ? json_loads(s, JSON_DECODE_ANY, NULL) : NULL;
    if (back == NULL || !json_equal(back, v)) {
        free(s);
        s = json_dumps(v, flags);
    }
    json_decref(back);
    return s;
}

static int print_line(json_t *v)
{
    char *s = dumps(v);
    json_decref(v);
    if (s == NULL) {
        fputs("plugin-json: out of memory\n", stderr);
        return 1;
    }
    printf("%s\n", s);
    free(s);
    return fflush(stdout) == 0 ? 0 : 1;
}

static json_t *parse_inputs(const char *text)
{
    json_error_t e;
    json_t *v = json_loads(text, 0, &e);
    if (v == NULL || !json_is_object(v)) {
        fprintf(stderr, "plugin-json: the inputs are not a JSON object: %s\n",
                v == NULL ? e.text : "not an object");
        json_decref(v);
        return NULL;
    }
    return v;
}

static int cmd_get(int argc, char **argv)
{
    if (argc < 4 || argc > 5) {
        return usage();
    }
    json_t *in = parse_inputs(argv[2]);
    if (in == NULL) {
        return 1;
    }
    const json_t *v = json_object_get(in, argv[3]);
    int rc = 0;
    if (v == NULL || json_is_null(v)) {
        if (argc == 5) {
            fputs(argv[4], stdout);
        } else {
            fprintf(stderr, "plugin-json: input '%s' is missing\n", argv[3]);
            rc = 1;
        }
    } else if (json_is_string(v)) {
        fwrite(json_string_value(v), 1, json_string_length(v), stdout);
    } else {
        char *s = dumps(v);
        if (s != NULL) {
            fputs(s, stdout);
        }
        free(s);
    }
    json_decref(in);
    return rc;
}

static int cmd_wrap(int argc, char **argv)
{
    if (argc != 3) {
        return usage();
    }
    json_t *in = parse_inputs(argv[2]);
    if (in == NULL) {
        return 1;
    }
    return print_line(json_pack("{so}", "plugin_results", in));
}

static int cmd_results(int argc, char **argv)
{
    json_t *res = json_object();
    for (int i = 2; i < argc; i += 3) {
        if (i + 2 >= argc || (strcmp(argv[i], "-s") != 0 && strcmp(argv[i], "-j") != 0)) {
            json_decref(res);
            return usage();
        }
        json_t *v;
        if (argv[i][1] == 's') {
            v = json_string(argv[i + 2]);
        } else {
            json_error_t e;
            v = json_loads(argv[i + 2], JSON_DECODE_ANY, &e);
        }
        if (v == NULL) {
            fprintf(stderr, "plugin-json: value of %s is not valid %s\n", argv[i + 1],
                    argv[i][1] == 's' ? "UTF-8" : "JSON");
            json_decref(res);
            return 1;
        }
        json_object_set_new(res, argv[i + 1], v);
    }
    return print_line(json_pack("{so}", "plugin_results", res));
}

static int cmd_progress(int argc, char **argv)
{
    if (argc != 4) {
        return usage();
    }
    char *end = NULL;
    long pct = strtol(argv[2], &end, 10);
    if (end == argv[2] || *end != '\0' || pct < 0 || pct > 100) {
        fputs("plugin-json: PERCENT must be an integer from 0 to 100\n", stderr);
        return 2;
    }
    return print_line(json_pack("{sIss}", "progress", (json_int_t)pct, "message", argv[3]));
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        return usage();
    }
    if (strcmp(argv[1], "get") == 0) {
        return cmd_get(argc, argv);
    }
    if (strcmp(argv[1], "wrap") == 0) {
        return cmd_wrap(argc, argv);
    }
    if (strcmp(argv[1], "results") == 0) {
        return cmd_results(argc, argv);
    }
    if (strcmp(argv[1], "progress") == 0) {
        return cmd_progress(argc, argv);
    }
    return usage();
}
