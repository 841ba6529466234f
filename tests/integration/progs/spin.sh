#!/bin/sh
# SPDX-License-Identifier: MIT
# Burns CPU until a limit stops it (for the cpuTime test).
while :; do :; done
