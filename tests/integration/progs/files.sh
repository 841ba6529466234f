#!/bin/sh
# SPDX-License-Identifier: MIT
# Writes two output files and a plain value.
printf 'a,b\n1,2\n' > "$QUERN_OUTPUT_DIR/table.csv"
printf '\211PNG fake' > "$QUERN_OUTPUT_DIR/image.png"
mkdir "$QUERN_OUTPUT_DIR/subdir"
echo '{"plugin_results": {"count": 2}}'
