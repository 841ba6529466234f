// SPDX-License-Identifier: MIT
/*
 * prom - writer of the Prometheus text exposition format (version 0.0.4):
 * "# HELP" and "# TYPE" lines per family, then one sample per line with its
 * labels escaped (backslash, double quote and newline in label values;
 * backslash and newline in help text). Values print as integers when they
 * are whole, "+Inf", "-Inf" and "NaN" otherwise as the format spells them.
 * It knows nothing of quern's metrics: http_metrics.c chooses names.
 */
#ifndef QUERN_CGI_PROM_H
#define QUERN_CGI_PROM_H

#include "common/buf.h"
#include "common/compat.h"
#include "common/qerr.h"

/* Writes the HELP and TYPE lines of family name (type: counter, gauge, histogram). */
int prom_family(struct buf *b, const char *name, const char *type, const char *help,
                struct qerr *err) QUERN_MUSTCHECK;

/*
 * Writes one sample: name, then the labels (pairs of name and value in kv,
 * NULL-terminated; NULL or an empty list writes none), then the value.
 */
int prom_sample(struct buf *b, const char *name, const char *const *kv, double value,
                struct qerr *err) QUERN_MUSTCHECK;

/* Appends s escaped as a label value (without the quotes). */
int prom_escape_label(struct buf *b, const char *s, struct qerr *err) QUERN_MUSTCHECK;

#endif
