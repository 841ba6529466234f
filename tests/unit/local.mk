# SPDX-License-Identifier: MIT
# tests/unit/: Check suites, one per module; run by `make check`.
if HAVE_CHECK
UNIT_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) -DQUERN_TESTING
UNIT_LIBS = $(QUERN_LIBS) $(CHECK_LIBS)

check_PROGRAMS += tests/unit/check_common tests/unit/check_cfg tests/unit/check_db
tests_unit_check_common_SOURCES = tests/unit/check_common.c
tests_unit_check_common_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_common_LDADD = $(UNIT_LIBS)
tests_unit_check_cfg_SOURCES = tests/unit/check_cfg.c
tests_unit_check_cfg_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_cfg_LDADD = $(UNIT_LIBS)

tests_unit_check_db_SOURCES = tests/unit/check_db.c
tests_unit_check_db_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_db_LDADD = $(UNIT_LIBS)

TESTS += tests/unit/check_common tests/unit/check_cfg tests/unit/check_db

check_PROGRAMS += tests/unit/check_appkg
tests_unit_check_appkg_SOURCES = tests/unit/check_appkg.c
tests_unit_check_appkg_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_appkg_LDADD = $(UNIT_LIBS)
TESTS += tests/unit/check_appkg

check_PROGRAMS += tests/unit/check_aws
tests_unit_check_aws_SOURCES = tests/unit/check_aws.c
tests_unit_check_aws_CFLAGS = $(UNIT_CFLAGS) -pthread -DQUERN_SRCDIR='"$(abs_top_srcdir)"'
tests_unit_check_aws_LDADD = $(UNIT_LIBS) -lpthread
TESTS += tests/unit/check_aws

check_PROGRAMS += tests/unit/check_batch_api
tests_unit_check_batch_api_SOURCES = tests/unit/check_batch_api.c \
	runner/batch_api.c runner/batch_api.h runner/cwlogs.c runner/cwlogs.h
tests_unit_check_batch_api_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_batch_api_LDADD = $(UNIT_LIBS)
TESTS += tests/unit/check_batch_api

check_PROGRAMS += tests/unit/check_s3
tests_unit_check_s3_SOURCES = tests/unit/check_s3.c
tests_unit_check_s3_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_s3_LDADD = $(UNIT_LIBS)
TESTS += tests/unit/check_s3

# Not a unit test: S3 and storage calls for tests/integration/test_s3_storage.py.
check_PROGRAMS += tests/unit/storage_drive
tests_unit_storage_drive_SOURCES = tests/unit/storage_drive.c
tests_unit_storage_drive_CFLAGS = $(UNIT_CFLAGS)
tests_unit_storage_drive_LDADD = $(UNIT_LIBS)

# Not a unit test: the aws-batch backend on a real loop with a stand-in job
# sink, driven against moto by tests/integration/test_batch_backend.py.
check_PROGRAMS += tests/unit/batch_drive
tests_unit_batch_drive_SOURCES = tests/unit/batch_drive.c runner/be_batch.c runner/be.h \
	runner/rjob.h runner/aws_xfer.c runner/aws_xfer.h runner/batch_api.c runner/batch_api.h \
	runner/cwlogs.c runner/cwlogs.h runner/ev.c runner/ev.h runner/curlm.c runner/curlm.h \
	runner/batch_out.c runner/batch_out.h
tests_unit_batch_drive_CFLAGS = $(UNIT_CFLAGS)
tests_unit_batch_drive_LDADD = $(UNIT_LIBS)


check_PROGRAMS += tests/unit/check_slurm
tests_unit_check_slurm_SOURCES = tests/unit/check_slurm.c runner/slurm_state.c runner/slurm_script.c
tests_unit_check_slurm_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_slurm_LDADD = $(UNIT_LIBS)
TESTS += tests/unit/check_slurm
check_PROGRAMS += tests/unit/check_proc
tests_unit_check_proc_SOURCES = tests/unit/check_proc.c
tests_unit_check_proc_CFLAGS = $(UNIT_CFLAGS) \
	-DPLUGINS_BAD_DIR='"$(abs_top_srcdir)/tests/unit/plugins-bad"' \
	-DPLUGINS_DIR='"$(abs_top_srcdir)/plugins"'
tests_unit_check_proc_LDADD = $(UNIT_LIBS)
TESTS += tests/unit/check_proc
endif

if HAVE_CHECK
check_PROGRAMS += tests/unit/check_client
tests_unit_check_client_SOURCES = tests/unit/check_client.c
tests_unit_check_client_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_client_LDADD = client/libquernclient.a $(UNIT_LIBS)
TESTS += tests/unit/check_client
endif

if HAVE_CHECK
check_PROGRAMS += tests/unit/check_runner
tests_unit_check_runner_SOURCES = tests/unit/check_runner.c
tests_unit_check_runner_CFLAGS = $(UNIT_CFLAGS) $(CRYPTO_CFLAGS)
tests_unit_check_runner_LDADD = runner/librunner.a $(UNIT_LIBS) $(CRYPTO_LIBS)
TESTS += tests/unit/check_runner
endif
EXTRA_DIST += tests/unit/plugins-bad

if HAVE_CHECK
check_PROGRAMS += tests/unit/check_validate tests/unit/check_http
tests_unit_check_validate_SOURCES = tests/unit/check_validate.c
tests_unit_check_validate_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_validate_LDADD = $(UNIT_LIBS)
tests_unit_check_http_SOURCES = tests/unit/check_http.c $(CGI_CORE_SOURCES)
tests_unit_check_http_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_http_LDADD = $(UNIT_LIBS) $(FCGI_LIBS)
TESTS += tests/unit/check_validate tests/unit/check_http

check_PROGRAMS += tests/unit/check_metrics
tests_unit_check_metrics_SOURCES = tests/unit/check_metrics.c $(CGI_CORE_SOURCES)
tests_unit_check_metrics_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_metrics_LDADD = $(UNIT_LIBS) $(FCGI_LIBS)
TESTS += tests/unit/check_metrics

# HTML pages: escaping, the execute form's decoding, its Origin check.
check_PROGRAMS += tests/unit/check_html
tests_unit_check_html_SOURCES = tests/unit/check_html.c $(CGI_CORE_SOURCES)
tests_unit_check_html_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_html_LDADD = $(UNIT_LIBS) $(FCGI_LIBS)
TESTS += tests/unit/check_html
endif

# docker backend: frame demultiplexer and Engine API builders/parsers (no I/O).
if HAVE_CHECK
check_PROGRAMS += tests/unit/check_docker
tests_unit_check_docker_SOURCES = tests/unit/check_docker.c runner/docker_api.c runner/docker_def.c \
	runner/docker_logs.c runner/docker_cpu.c runner/docker_xfer.c runner/curlm.c runner/ev.c
tests_unit_check_docker_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_docker_LDADD = $(UNIT_LIBS)
TESTS += tests/unit/check_docker
endif

if HAVE_CHECK
check_PROGRAMS += tests/unit/check_auth
tests_unit_check_auth_SOURCES = tests/unit/check_auth.c
tests_unit_check_auth_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_auth_LDADD = $(UNIT_LIBS)
TESTS += tests/unit/check_auth
endif
