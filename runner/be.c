// SPDX-License-Identifier: MIT
/*
 * be - the backend registry: the one table that names the backends built
 * into this runner. Optional backends are whole files selected by
 * configure (AM_CONDITIONAL + HAVE_BE_*); this table is the only other
 * place that knows about them.
 */
#include "common/compat.h"

#include <string.h>

#include "runner/be.h"

extern const struct be_ops be_local_ops;
#ifdef HAVE_BE_DOCKER
extern const struct be_ops be_docker_ops;
#endif
#ifdef HAVE_BE_BATCH
extern const struct be_ops be_batch_ops;
#endif
#ifdef HAVE_BE_SLURM
extern const struct be_ops be_slurm_ops;
#endif

static const struct be_ops *const be_table[] = {
    &be_local_ops,
#ifdef HAVE_BE_DOCKER
    &be_docker_ops,
#endif
#ifdef HAVE_BE_BATCH
    &be_batch_ops,
#endif
#ifdef HAVE_BE_SLURM
    &be_slurm_ops,
#endif
};

const struct be_ops *be_find(const char *name)
{
    for (size_t i = 0; i < QUERN_ARRAY_LEN(be_table); i++) {
        if (strcmp(be_table[i]->name, name) == 0) {
            return be_table[i];
        }
    }
    return NULL;
}

const struct be_ops *be_at(size_t i)
{
    return i < QUERN_ARRAY_LEN(be_table) ? be_table[i] : NULL;
}
