// SPDX-License-Identifier: MIT
/* proc_diag - problem lists of plugin files; see proc_diag.h. */
#include "common/compat.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/proc_diag.h"

void proc_diags_init(struct proc_diags *d)
{
    memset(d, 0, sizeof *d);
}

void proc_diags_cleanup(struct proc_diags *d)
{
    for (size_t i = 0; i < d->n; i++) {
        free(d->v[i].file);
        free(d->v[i].msg);
    }
    QFREE(d->v);
    d->n = d->cap = d->dropped = 0;
    d->nomem = false;
}

void proc_diags_add(struct proc_diags *d, const char *file, unsigned line, unsigned column,
                    const char *fmt, ...)
{
    if (d->n >= PROC_DIAG_MAX) {
        d->dropped++;
        return;
    }
    if (d->n == d->cap) {
        size_t cap = d->cap == 0 ? 16 : d->cap * 2;
        struct proc_diag *v = realloc(d->v, cap * sizeof *v);
        if (v == NULL) {
            d->nomem = true;
            return;
        }
        d->v = v;
        d->cap = cap;
    }
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    struct proc_diag *p = &d->v[d->n];
    p->file = strdup(file != NULL ? file : "-");
    p->msg = strdup(msg);
    if (p->file == NULL || p->msg == NULL) {
        free(p->file);
        free(p->msg);
        d->nomem = true;
        return;
    }
    p->line = line;
    p->column = column;
    d->n++;
}

size_t proc_diags_count(const struct proc_diags *d)
{
    return d->n + d->dropped + (d->nomem ? 1 : 0);
}

static int cmp_diag(const void *a, const void *b)
{
    const struct proc_diag *x = a;
    const struct proc_diag *y = b;
    int c = strcmp(x->file, y->file);
    if (c != 0) {
        return c;
    }
    if (x->line != y->line) {
        return x->line < y->line ? -1 : 1;
    }
    if (x->column != y->column) {
        return x->column < y->column ? -1 : 1;
    }
    return 0;
}

void proc_diags_sort(struct proc_diags *d)
{
    /* qsort is not stable; insertion sort is, and lists are short. */
    for (size_t i = 1; i < d->n; i++) {
        struct proc_diag t = d->v[i];
        size_t j = i;
        while (j > 0 && cmp_diag(&d->v[j - 1], &t) > 0) {
            d->v[j] = d->v[j - 1];
            j--;
        }
        d->v[j] = t;
    }
}

void proc_diags_print(struct proc_diags *d, FILE *f)
{
    proc_diags_sort(d);
    for (size_t i = 0; i < d->n; i++) {
        if (d->v[i].line == 0) {
            fprintf(f, "%s: %s\n", d->v[i].file, d->v[i].msg);
        } else {
            fprintf(f, "%s:%u:%u: %s\n", d->v[i].file, d->v[i].line, d->v[i].column, d->v[i].msg);
        }
    }
    if (d->dropped > 0) {
        fprintf(f, "(%zu more problems not shown)\n", d->dropped);
    }
    if (d->nomem) {
        fputs("(out of memory: some problems are not shown)\n", f);
    }
}
