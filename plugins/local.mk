# SPDX-License-Identifier: MIT
# plugins/: example process definitions and their programs.
#
# The programs are POSIX sh scripts in plugins/bin; all their JSON goes
# through plugin-json (C, jansson), built into $(builddir)/plugins/bin
# without sanitizers (it runs under the runner's clean environment). The
# scripts find it next to themselves (installed) or in ./dev's build trees
# (see plugins/bin/lib.sh). make install puts the YAML files in
# $(pkgdatadir)/plugins (the default plugins.dirs) and the scripts with
# plugin-json in $(pkgdatadir)/plugins/bin, so relative commands still work.
pluginsdir = $(pkgdatadir)/plugins
pluginbindir = $(pkgdatadir)/plugins/bin

dist_plugins_DATA = \
	plugins/echo.yaml plugins/hello-world.yaml plugins/sleep.yaml plugins/fail.yaml \
	plugins/files.yaml plugins/progress.yaml plugins/wordcount.yaml \
	plugins/docker-echo.yaml plugins/batch-echo.yaml plugins/batch-files.yaml \
	plugins/slurm-hello.yaml
dist_pluginbin_SCRIPTS = \
	plugins/bin/echo plugins/bin/hello-world plugins/bin/sleep plugins/bin/fail \
	plugins/bin/files plugins/bin/progress plugins/bin/wordcount
dist_pluginbin_DATA = plugins/bin/lib.sh

pluginbin_PROGRAMS = plugins/bin/plugin-json
plugins_bin_plugin_json_SOURCES = plugins/src/plugin-json.c
plugins_bin_plugin_json_CFLAGS = -std=c11 -Wall -Wextra $(JANSSON_CFLAGS)
plugins_bin_plugin_json_LDFLAGS =
plugins_bin_plugin_json_LDADD = $(JANSSON_LIBS)
