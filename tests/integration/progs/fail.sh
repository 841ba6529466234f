#!/bin/sh
# SPDX-License-Identifier: MIT
# Fails with exit code 3 after printing a reason on stderr.
echo "some output"
echo "first problem" >&2
echo "bad input: cannot continue" >&2
exit 3
