#!/bin/sh
# SPDX-License-Identifier: MIT
# check-style.sh SRCDIR - the mechanical part of STYLE.md: banned APIs, fork
# only in runner/spawn.c, libpq queries only in common/db.c, every .c includes
# common/compat.h first, SPDX lines, file length. Prints each finding as file:line: message; exit 1 if any.
set -u
top=${1:-${srcdir:-.}}
cd "$top" || exit 2
status=0
files=$(find common cgi runner admin client plugins tests/unit -name '*.[ch]' \
        ! -name 'sql_stmts.*' ! -name 'sql_migrations.c' 2>/dev/null | sort)
banned='\<(sprintf|vsprintf|strcpy|strcat|strncpy|strtok|atoi|atol|atof|gets|system|popen)[[:space:]]*\('
for f in $files; do
    # Comments and strings are not calls; a crude filter is enough for this scan.
    hits=$(sed -e 's#//.*##' -e 's#"[^"]*"##g' "$f" | grep -nE "$banned" || true)
    if [ -n "$hits" ]; then
        echo "$hits" | sed "s#^#$f:#; s#\$# (banned API, see STYLE.md 10)#"; status=1
    fi
    case "$f" in runner/spawn.c|tests/*) ;; *)
        hits=$(sed -e 's#//.*##' "$f" | grep -nE '\<(fork|vfork)[[:space:]]*\(' || true)
        if [ -n "$hits" ]; then echo "$hits" | sed "s#^#$f:#; s#\$# (fork outside runner/spawn.c)#"; status=1; fi
    esac
    # SQL only through the generated, parameterised statement table (common/db.c runs it).
    case "$f" in common/db.c|tests/*) ;; *)
        hits=$(sed -e 's#//.*##' "$f" | grep -nE '\<PQ(exec|execParams|prepare|execPrepared|sendQuery|sendQueryParams|sendPrepare)[[:space:]]*\(' || true)
        if [ -n "$hits" ]; then echo "$hits" | sed "s#^#$f:#; s#\$# (libpq query outside common/db.c: use db_exec and sql/queries)#"; status=1; fi
    esac
    head -1 "$f" | grep -q 'SPDX-License-Identifier' || { echo "$f:1: missing SPDX line"; status=1; }
    case "$f" in *.c)
        first=$(grep -m1 -n '^#include' "$f" || true)
        case "$first" in *'"common/compat.h"'*|'') ;; *) echo "$f:${first%%:*}: first include must be common/compat.h"; status=1 ;; esac
    esac
    n=$(wc -l < "$f")
    if [ "$n" -gt 900 ]; then echo "$f:$n: file over 900 lines: split it"; status=1; fi
done
exit $status
