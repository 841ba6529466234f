// SPDX-License-Identifier: MIT
/*
 * proc_def - one plugin file (YAML) into a process definition.
 *
 * A plugin file keeps SEPEX's sections (info, host, command, config,
 * inputs, outputs) with OGC schema objects inside; doc/plugins.md is the
 * format reference. Loading checks everything a file can get wrong and
 * reports every problem as file:line:column (proc_diag), not just the
 * first. A loaded definition holds the two documents contracts.md
 * describes: the OGC process description the API serves, and the
 * normalised definition the runner executes (subprocess -> local, local
 * commands resolved to absolute, executable programs; a relative program
 * path is taken from the plugin file's directory, a bare name from
 * /usr/local/bin:/usr/bin:/bin). Use: proc_def_load -> read -> proc_def_free.
 */
#ifndef QUERN_PROC_DEF_H
#define QUERN_PROC_DEF_H

#include <jansson.h>

#include "common/compat.h"
#include "common/proc_diag.h"
#include "common/qerr.h"

#define PROC_DEF_MAX_ID 128
/* Where bare program names of local commands are looked up (the runner's PATH for processes). */
#define PROC_DEF_PATH "/usr/local/bin:/usr/bin:/bin"

struct proc_def {
    char *id;
    char *version;
    char *path;               /* the plugin file (absolute when loaded from a file) */
    unsigned id_line, id_col; /* where info.id is, for duplicate-id messages */
    json_t *description;      /* OGC process description without links (owned) */
    json_t *definition;       /* normalised definition (owned) */
};

/*
 * Loads and checks the plugin file at path. Returns a definition (caller
 * frees) or NULL when the file has problems: each is added to diags and err
 * gets QERR_INVALID ("N problems"); QERR_NOMEM when memory ran out.
 */
struct proc_def *proc_def_load(const char *path, struct proc_diags *diags, struct qerr *err);

/*
 * Like proc_def_load for text already in memory: name is used in problems
 * and as path, dir is the directory relative program paths are resolved
 * against (NULL: the current directory).
 */
struct proc_def *proc_def_load_text(const char *name, const char *dir, const char *text, size_t len,
                                    struct proc_diags *diags, struct qerr *err);

void proc_def_free(struct proc_def *d);

/*
 * Compact JSON text of v (caller frees; NULL when out of memory) with
 * numbers as people write them (0.2, not 0.20000000000000001) whenever that
 * reads back as the same value, full precision otherwise. Descriptions are
 * stored and served in this form.
 */
char *proc_def_dumps(const json_t *v);

#endif
