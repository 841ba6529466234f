#!/bin/sh
# SPDX-License-Identifier: MIT
# Ignores SIGTERM and sleeps, so only SIGKILL ends it.
trap '' TERM
echo "ignoring SIGTERM"
sleep 120 &
wait $!
sleep 120
