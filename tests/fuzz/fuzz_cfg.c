// SPDX-License-Identifier: MIT
/* libFuzzer harness: the configuration loader must reject or accept any bytes without crashing. */
#include "common/compat.h"

#include <stdint.h>

#include "common/cfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cfg c;
    struct qerr err = QERR_INIT;
    if (cfg_load_buffer((const char *)data, size, "fuzz", &c, &err) == 0) {
        (void)cfg_runner_slots(&c);
        cfg_free(&c);
    }
    return 0;
}
