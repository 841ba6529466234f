# SPDX-License-Identifier: MIT
# client/: quern, the command-line client. Everything but main.c is also
# linked into tests/unit/check_client through client/libquernclient.a.
noinst_LIBRARIES += client/libquernclient.a
client_libquernclient_a_SOURCES = \
	client/cli.h client/cmd.h \
	client/args.c client/args.h \
	client/http.c client/http.h \
	client/api.c client/api.h \
	client/oas.c client/oas.h \
	client/value.c client/value.h \
	client/b64.c client/b64.h \
	client/fmt.c client/fmt.h \
	client/cmd_proc.c client/cmd_run.c client/cmd_job.c client/cmd_wait.c \
	client/cmd_logs.c client/cmd_results.c
bin_PROGRAMS += client/quern
client_quern_SOURCES = client/main.c
client_quern_LDADD = client/libquernclient.a $(QUERN_LIBS)
man_MANS += client/quern.1
EXTRA_DIST += client/quern.1
