// SPDX-License-Identifier: MIT
/*
 * qstr - strict string to number conversions and small string helpers.
 * Every conversion rejects empty strings, trailing junk and overflow.
 */
#ifndef QUERN_QSTR_H
#define QUERN_QSTR_H

#include "common/compat.h"

/* 0 and *out set on success; -1 on anything but a whole in-range integer. */
int qstr_to_long(const char *s, long min, long max, long *out) QUERN_MUSTCHECK;
/* 0 and *out set on success; -1 unless s is a whole finite number. */
int qstr_to_double(const char *s, double *out) QUERN_MUSTCHECK;
/* Parses "true/false/yes/no/on/off/1/0" (case-insensitive). */
int qstr_to_bool(const char *s, bool *out) QUERN_MUSTCHECK;
/* True when s is a canonical 8-4-4-4-12 hex UUID. */
bool qstr_is_uuid(const char *s);
/* True when s is a non-empty id of [A-Za-z0-9._-], at most max bytes, not "." or "..". */
bool qstr_is_id(const char *s, size_t max);

#endif
