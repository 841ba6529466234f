# SPDX-License-Identifier: MIT
# apache/: web server configuration snippets.

