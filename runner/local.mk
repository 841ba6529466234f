# SPDX-License-Identifier: MIT
# runner/: quern-runner, the job-running daemon.
sbin_PROGRAMS += runner/quern-runner
# The runner's modules live in a library so unit tests link them too.
noinst_LIBRARIES += runner/librunner.a
runner_librunner_a_SOURCES = \
	runner/ev.c runner/ev.h \
	runner/spawn.c runner/spawn.h \
	runner/curlm.c runner/curlm.h \
	runner/be.c runner/be.h \
	runner/be_local.c \
	runner/rjob.c runner/rjob.h \
	runner/rjob_out.c runner/rjob_out.h \
	runner/rjob_prep.c runner/rjob_prep.h \
	runner/rjob_files.c runner/rjob_files.h \
	runner/rjob_store.c runner/rjob_store.h \
	runner/log_archive.c runner/log_archive.h \
	runner/aws_xfer.c runner/aws_xfer.h \
	runner/db_runner.c runner/db_runner.h \
	runner/flush.c \
	runner/claim.c \
	runner/callback.c runner/callback.h \
	runner/daemon.c runner/daemon.h \
	runner/runner.h
if BE_SLURM
runner_librunner_a_SOURCES += runner/be_slurm.c \
	runner/slurm_cli.c runner/slurm_rest.c runner/slurm_tr.h \
	runner/slurm_script.c runner/slurm_script.h \
	runner/slurm_state.c runner/slurm_state.h
endif
# The docker backend (configure --disable-docker leaves it out).
if BE_DOCKER
runner_librunner_a_SOURCES += \
	runner/be_docker.c \
	runner/docker_api.c runner/docker_api.h \
	runner/docker_cpu.c runner/docker_cpu.h \
	runner/docker_def.c runner/docker_def.h \
	runner/docker_job.h \
	runner/docker_logs.c runner/docker_logs.h \
	runner/docker_rm.c runner/docker_rm.h \
	runner/docker_stop.c \
	runner/docker_xfer.c runner/docker_xfer.h
endif
runner_librunner_a_CFLAGS = $(AM_CFLAGS) $(CRYPTO_CFLAGS)
RUNNER_LIBS = runner/librunner.a $(QUERN_LIBS) $(CRYPTO_LIBS)
runner_quern_runner_SOURCES = runner/main.c
runner_quern_runner_LDADD = $(RUNNER_LIBS)

man_MANS += runner/quern-runner.8
EXTRA_DIST += runner/quern-runner.8 runner/quern-runner.service.in
# The systemd unit, with this build's paths.
systemdunitdir = $(prefix)/lib/systemd/system
nodist_systemdunit_DATA = runner/quern-runner.service
CLEANFILES += runner/quern-runner.service
runner/quern-runner.service: $(srcdir)/runner/quern-runner.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) runner && sed -e 's|%sbindir%|$(sbindir)|g' \
		-e 's|%sysconfdir%|$(sysconfdir)|g' -e 's|%localstatedir%|$(localstatedir)|g' \
		$(srcdir)/runner/quern-runner.service.in > $@

# The aws-batch backend (configure --disable-aws-batch leaves it out; be.c lists it under HAVE_BE_BATCH).
if HAVE_BE_BATCH
runner_librunner_a_SOURCES += \
	runner/be_batch.c \
	runner/batch_out.c runner/batch_out.h \
	runner/batch_api.c runner/batch_api.h \
	runner/cwlogs.c runner/cwlogs.h
endif
