// SPDX-License-Identifier: MIT
/* libFuzzer harness: the plugin loader must report problems in any bytes without crashing or leaking. */
#include "common/compat.h"

#include <stdint.h>
#include <stdio.h>

#include "common/proc_def.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
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
