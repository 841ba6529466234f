// SPDX-License-Identifier: MIT
/* libFuzzer harness: the plugin loader must report problems in any bytes without crashing or
 * leaking; bytes that parse as JSON also go through the application package conversion
 * (common/proc_appkg.c) and the loader, as POST /processes does with them. */
#include "common/compat.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "common/proc_appkg.h"
#include "common/proc_def.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void load_quiet(const char *text, size_t len)
{
    struct proc_diags diags;
    proc_diags_init(&diags);
    struct qerr err = QERR_INIT;
    proc_def_free(proc_def_load_text("package", "/", text, len, &diags, &err));
    proc_diags_cleanup(&diags);
}

static void as_package(const uint8_t *data, size_t size)
{
    struct qerr err = QERR_INIT;
    json_t *pkg = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
    json_t *def = pkg != NULL ? proc_appkg_to_def(pkg, NULL, &err) : NULL;
    char *text = def != NULL ? json_dumps(def, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    if (text != NULL) {
        load_quiet(text, strlen(text));
    }
    free(text);
    json_decref(def);
    json_decref(pkg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    as_package(data, size);
    struct proc_diags diags;
    proc_diags_init(&diags);
    struct qerr err = QERR_INIT;
    struct proc_def *d =
        proc_def_load_text("fuzz.yaml", "/nonexistent", (const char *)data, size, &diags, &err);
    if (d != NULL) {
        free(proc_def_dumps(d->description));
        proc_def_free(d);
    }
    FILE *null = fopen("/dev/null", "w");
    if (null != NULL) {
        proc_diags_print(&diags, null);
        fclose(null);
    }
    proc_diags_cleanup(&diags);
    return 0;
}
