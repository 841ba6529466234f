-- SPDX-License-Identifier: MIT
-- 0007_deploy: what OGC API - Processes Part 2 deploys keep besides the parsed
-- definition - the request body exactly as it was sent and its media type -
-- so GET /processes/{id}/package can give it back (cgi/http_deploy.c).

ALTER TABLE quern.processes
    ADD COLUMN package text,
    ADD COLUMN package_type text,
    ADD CONSTRAINT processes_package_api CHECK ((package IS NULL) = (package_type IS NULL)
                                                AND (package IS NULL OR source = 'api'));
COMMENT ON COLUMN quern.processes.package IS 'source api: the body of the POST or PUT that deployed the current version, as sent (GET /processes/{id}/package); NULL for plugin files.';
COMMENT ON COLUMN quern.processes.package_type IS 'Media type of package: application/ogcapppkg+json, application/yaml or application/json.';
