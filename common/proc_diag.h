// SPDX-License-Identifier: MIT
/*
 * proc_diag - the problems found in plugin files, each "file:line:column: message".
 *
 * Loading a plugin file never stops at its first problem: every check adds
 * to one list, so `quern-admin check` shows an author everything to fix in
 * one run. Lines and columns are 1-based, as editors count them. The list
 * is bounded (PROC_DIAG_MAX); past it one last entry says how many were
 * dropped. Use: proc_diags_init -> proc_diags_add... -> proc_diags_print ->
 * proc_diags_cleanup.
 */
#ifndef QUERN_PROC_DIAG_H
#define QUERN_PROC_DIAG_H

#include <stdio.h>

#include "common/compat.h"

#define PROC_DIAG_MAX 500

struct proc_diag {
    char *file; /* owned */
    unsigned line, column;
    char *msg; /* owned */
};

struct proc_diags {
    struct proc_diag *v;
    size_t n, cap;
    size_t dropped; /* problems past PROC_DIAG_MAX */
    bool nomem;     /* an allocation failed: the list is incomplete */
};

/* An empty list (d is the caller's); cleanup frees every entry and leaves it empty. */
void proc_diags_init(struct proc_diags *d);
void proc_diags_cleanup(struct proc_diags *d);

/* Records one problem (file and message are copied). Never fails loudly: on
 * allocation failure it sets d->nomem. */
void proc_diags_add(struct proc_diags *d, const char *file, unsigned line, unsigned column,
                    const char *fmt, ...) QUERN_PRINTF(5, 6);

/* Number of problems recorded (including dropped ones). */
size_t proc_diags_count(const struct proc_diags *d);

/* Sorts by file, line, column (stable). */
void proc_diags_sort(struct proc_diags *d);
/* Sorts by file, line, column (stable) and prints "file:line:column: message" lines
 * ("file: message" for problems of a whole file or directory, line 0). */
void proc_diags_print(struct proc_diags *d, FILE *f);

#endif
