# SPDX-License-Identifier: MIT
# admin/: quern-admin.
sbin_PROGRAMS += admin/quern-admin
admin_quern_admin_SOURCES = admin/admin.h admin/main.c admin/migrate.c admin/config.c \
	admin/check.c admin/sync.c
admin_quern_admin_LDADD = $(QUERN_LIBS)
