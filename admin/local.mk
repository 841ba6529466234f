# SPDX-License-Identifier: MIT
# admin/: quern-admin.
sbin_PROGRAMS += admin/quern-admin
admin_quern_admin_SOURCES = admin/admin.h admin/main.c admin/migrate.c admin/config.c \
	admin/check.c admin/sync.c admin/user.c
admin_quern_admin_LDADD = $(QUERN_LIBS)

# The default configuration, installed once (an existing file is kept).
EXTRA_DIST += admin/quern.yaml
install-config:
	$(MKDIR_P) $(DESTDIR)$(sysconfdir)/quern
	test -f $(DESTDIR)$(sysconfdir)/quern/quern.yaml || \
	  $(INSTALL_DATA) $(srcdir)/admin/quern.yaml $(DESTDIR)$(sysconfdir)/quern/quern.yaml
uninstall-config:
	rm -f $(DESTDIR)$(sysconfdir)/quern/quern.yaml
QUERN_HOOK_INSTALL += install-config
QUERN_HOOK_UNINSTALL += uninstall-config
