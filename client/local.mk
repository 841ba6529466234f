# SPDX-License-Identifier: MIT
# client/: quern, the command-line client.
bin_PROGRAMS += client/quern
client_quern_SOURCES = client/main.c
client_quern_LDADD = $(QUERN_LIBS)
