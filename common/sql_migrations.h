// SPDX-License-Identifier: MIT
/*
 * sql_migrations - the schema migration files of sql/schema/, compiled in
 * (generated sql_migrations.c) in ascending version order.
 */
#ifndef QUERN_SQL_MIGRATIONS_H
#define QUERN_SQL_MIGRATIONS_H

struct sql_migration {
    int version;
    const char *name;
    const char *text;
};

extern const struct sql_migration sql_migrations[];
extern const int sql_migrations_count;

#endif
