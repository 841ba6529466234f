-- SPDX-License-Identifier: MIT
-- 0003_log_archive: where the log of a finished job went when the runner
-- archived it to the s3 store (storage.log_archive); its job_logs rows are
-- then gone and /jobs/{id}/logs reads the object instead.

ALTER TABLE quern.jobs ADD COLUMN log_location text;
COMMENT ON COLUMN quern.jobs.log_location IS 'Archived log of a finished job (storage.log_archive): s3://bucket/key of one JSON object per line ({seq, at, stream, line}); NULL while the lines are in job_logs.';
