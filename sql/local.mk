# SPDX-License-Identifier: MIT
# sql/: schema migrations and named statements, compiled into libquern by sqlgen.sh.
SQL_SCHEMA = $(sort $(wildcard $(srcdir)/sql/schema/*.sql))
SQL_QUERIES = $(sort $(wildcard $(srcdir)/sql/queries/*.sql))

# One rule writes both files; the .c merely follows the .h (safe under make -j).
common/sql_stmts.c: common/sql_stmts.h
common/sql_stmts.h: $(SQL_QUERIES) $(srcdir)/sql/sqlgen.sh
	$(AM_V_GEN)$(MKDIR_P) common && $(SHELL) $(srcdir)/sql/sqlgen.sh stmts common/sql_stmts.h common/sql_stmts.c $(SQL_QUERIES)

common/sql_migrations.c: $(SQL_SCHEMA) $(srcdir)/sql/sqlgen.sh
	$(AM_V_GEN)$(MKDIR_P) common && $(SHELL) $(srcdir)/sql/sqlgen.sh migrations common/sql_migrations.c $(SQL_SCHEMA)

BUILT_SOURCES += common/sql_stmts.h common/sql_stmts.c common/sql_migrations.c
CLEANFILES += common/sql_stmts.h common/sql_stmts.c common/sql_migrations.c
EXTRA_DIST += sql/sqlgen.sh sql/schema sql/queries

# The SQL is compiled in; the files are installed for DBAs to read.
install-sql:
	$(MKDIR_P) $(DESTDIR)$(pkgdatadir)/sql/schema $(DESTDIR)$(pkgdatadir)/sql/queries
	$(INSTALL_DATA) $(SQL_SCHEMA) $(DESTDIR)$(pkgdatadir)/sql/schema/
	$(INSTALL_DATA) $(SQL_QUERIES) $(DESTDIR)$(pkgdatadir)/sql/queries/
uninstall-sql:
	rm -rf $(DESTDIR)$(pkgdatadir)/sql
QUERN_HOOK_INSTALL += install-sql
QUERN_HOOK_UNINSTALL += uninstall-sql
