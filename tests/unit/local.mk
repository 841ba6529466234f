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
endif

if HAVE_CHECK
check_PROGRAMS += tests/unit/check_auth
tests_unit_check_auth_SOURCES = tests/unit/check_auth.c
tests_unit_check_auth_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_auth_LDADD = $(UNIT_LIBS)
TESTS += tests/unit/check_auth
endif
