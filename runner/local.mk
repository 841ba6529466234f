# SPDX-License-Identifier: MIT
# runner/: quern-runner, the job-running daemon.
sbin_PROGRAMS += runner/quern-runner
runner_quern_runner_SOURCES = runner/main.c
runner_quern_runner_LDADD = $(QUERN_LIBS)
