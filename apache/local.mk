# SPDX-License-Identifier: MIT
# apache/: web server configuration snippets (Apache mod_proxy_fcgi, mod_fcgid,
# mod_cgi; lighttpd mod_fastcgi), installed for administrators to include.
quernconfdir = $(pkgdatadir)/webserver
dist_quernconf_DATA = apache/quern-proxy-fcgi.conf apache/quern-fcgid.conf \
	apache/README.md \
	apache/quern-cgi.conf apache/lighttpd-quern.conf apache/lighttpd-swagger-ui.conf
