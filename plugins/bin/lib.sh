# SPDX-License-Identifier: MIT
# lib.sh - sourced by quern's example programs (POSIX sh). Finds plugin-json,
# the small C helper (jansson) that reads and writes all their JSON, and
# defines pj to call it. Lookup: next to this script (an installed quern
# puts both in $(pkgdatadir)/plugins/bin), else the newest one built by
# ./dev in the source tree (build/ for ./dev up, build-test/ for ./dev test,
# build-bench/ for bench/run, build-valgrind/ for ./dev test --valgrind).
here=$(dirname "$0")
PLUGIN_JSON=
if [ -x "$here/plugin-json" ]; then
    PLUGIN_JSON=$here/plugin-json
else
    for cand in "$here/../../build/plugins/bin/plugin-json" \
                "$here/../../build-test/plugins/bin/plugin-json" \
                "$here/../../build-bench/plugins/bin/plugin-json" \
                "$here/../../build-valgrind/plugins/bin/plugin-json"; do
        if [ -x "$cand" ] && { [ -z "$PLUGIN_JSON" ] || [ "$cand" -nt "$PLUGIN_JSON" ]; }; then
            PLUGIN_JSON=$cand
        fi
    done
fi
if [ -z "$PLUGIN_JSON" ]; then
    echo "$(basename "$0"): plugin-json not found next to $here or in a build tree (run ./dev build or make install)" >&2
    exit 127
fi
pj() { "$PLUGIN_JSON" "$@"; }
