#!/bin/sh
# SPDX-License-Identifier: MIT
# Sleeps for inputs.seconds (default 60); records its pid in inputs.pidfile if given.
secs=$(echo "$1" | sed -n 's/.*"seconds": *\([0-9]*\).*/\1/p')
pidfile=$(echo "$1" | sed -n 's/.*"pidfile": *"\([^"]*\)".*/\1/p')
[ -n "$pidfile" ] && echo $$ > "$pidfile"
echo "sleeping ${secs:-60} s"
sleep "${secs:-60}"
echo '{"plugin_results": {"slept": true}}'
