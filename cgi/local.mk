# SPDX-License-Identifier: MIT
# cgi/: quern-api, the FastCGI (and CGI) responder.
bin_PROGRAMS += cgi/quern-api
cgi_quern_api_SOURCES = cgi/main.c
cgi_quern_api_LDADD = $(QUERN_LIBS) $(FCGI_LIBS)
