# SPDX-License-Identifier: MIT
# tests/integration/: driven by ./dev test (needs PostgreSQL and web servers).
EXTRA_DIST += tests/integration

