#!/bin/sh
# SPDX-License-Identifier: MIT
# Starts a long-lived grandchild, records its pid in inputs.pidfile, and exits at once.
pidfile=$(echo "$1" | sed -n 's/.*"pidfile": *"\([^"]*\)".*/\1/p')
sleep 300 &
echo $! > "$pidfile.tmp" && mv "$pidfile.tmp" "$pidfile"
echo '{"plugin_results": {"forked": true}}'
