# SPDX-License-Identifier: MIT
# tests/integration/: driven by ./dev test (needs PostgreSQL and web servers).
EXTRA_DIST += tests/integration


# slurm-drive: be_slurm on a real event loop with a recording job sink (test_slurm.py).
if BE_SLURM
check_PROGRAMS += tests/integration/slurm-drive
tests_integration_slurm_drive_SOURCES = tests/integration/slurm_drive.c runner/be_slurm.c \
	runner/slurm_cli.c runner/slurm_rest.c runner/slurm_script.c runner/slurm_state.c \
	runner/ev.c runner/spawn.c runner/curlm.c
tests_integration_slurm_drive_LDADD = $(QUERN_LIBS)
endif
