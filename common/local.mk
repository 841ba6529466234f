# SPDX-License-Identifier: MIT
# common/: libquern, the code the API, the runner, admin and client share.
noinst_LIBRARIES += common/libquern.a
common_libquern_a_SOURCES = \
	common/compat.h \
	common/qerr.c common/qerr.h \
	common/log.c common/log.h \
	common/buf.c common/buf.h \
	common/qstr.c common/qstr.h \
	common/cfg.c common/cfg.h \
	common/netaddr.c common/netaddr.h \
	common/db.c common/db.h \
	common/schema.c common/schema.h \
	common/aws.c common/aws.h \
	common/s3.c common/s3.h \
	common/s3_list.c common/s3_list.h \
	common/storage.c common/storage.h \
	common/validate.c common/validate.h \
	common/sql_migrations.h \
	common/proc_diag.c common/proc_diag.h \
	common/proc_yaml.c common/proc_yaml.h \
	common/proc_schema.c common/proc_schema.h \
	common/proc_io.c common/proc_io.h \
	common/proc_def.c common/proc_def.h \
	common/proc_appkg.c common/proc_appkg.h \
	common/proc_sync.c common/proc_sync.h \
	common/db_proc.c common/db_proc.h
nodist_common_libquern_a_SOURCES = common/sql_stmts.c common/sql_stmts.h common/sql_migrations.c
common_libquern_a_SOURCES += \
	common/b64.c common/b64.h \
	common/cred.c common/cred.h \
	common/auth.c common/auth.h \
	common/db_auth.c common/db_auth.h
