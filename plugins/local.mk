# SPDX-License-Identifier: MIT
# plugins/: example process definitions and their programs.

