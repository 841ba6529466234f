-- SPDX-License-Identifier: MIT
-- 0005_docker: what the backend learned about the work it ran, for
-- GET /jobs/{id}/metadata. The docker backend records the image the
-- container ran: its name, the engine's image id and repository digest.

ALTER TABLE quern.jobs ADD COLUMN backend_info jsonb
    CHECK (backend_info IS NULL OR jsonb_typeof(backend_info) = 'object');
COMMENT ON COLUMN quern.jobs.backend_info IS 'What the backend recorded about the current attempt''s work (docker: image, imageId, imageDigest); NULL until recorded, cleared when the job is queued again.';
