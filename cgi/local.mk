# SPDX-License-Identifier: MIT
# cgi/: quern-api, the FastCGI (and CGI) responder.
bin_PROGRAMS += cgi/quern-api
# Everything but main.c is also linked into the unit tests (tests/unit/check_http).
CGI_CORE_SOURCES = \
	cgi/api.c cgi/api.h \
	cgi/http_io.c cgi/http_io.h \
	cgi/http_req.c cgi/http_req.h \
	cgi/http_resp.c cgi/http_resp.h \
	cgi/http_html.c cgi/http_html.h \
	cgi/http_error.c cgi/http_error.h \
	cgi/http_auth.c cgi/http_auth.h \
	cgi/http_params.c cgi/http_params.h \
	cgi/http_route.c cgi/http_route.h cgi/http_handlers.h \
	cgi/db_api.c cgi/db_api.h \
	cgi/pcache.c cgi/pcache.h \
	cgi/db_deploy.c cgi/db_deploy.h cgi/http_deploy.c \
	cgi/http_landing.c cgi/http_oas.c cgi/http_processes.c cgi/http_execute.c \
	cgi/http_jobs.c cgi/http_results.c cgi/http_logs.c
cgi_quern_api_SOURCES = cgi/main.c $(CGI_CORE_SOURCES)
cgi_quern_api_LDADD = $(QUERN_LIBS) $(FCGI_LIBS)
