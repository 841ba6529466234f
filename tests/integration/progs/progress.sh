#!/bin/sh
# SPDX-License-Identifier: MIT
# Reports progress 30 "working", waits for inputs.seconds (default 3), then succeeds.
secs=$(echo "$1" | sed -n 's/.*"seconds": *\([0-9]*\).*/\1/p')
echo '{"progress": 30, "message": "working"}'
sleep "${secs:-3}"
echo '{"progress": 90, "message": "almost"}'
echo '{"plugin_results": {"result": {"done": true}}}'
