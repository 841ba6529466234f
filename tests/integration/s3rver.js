// SPDX-License-Identifier: MIT
// s3rver (npm @20minutes/s3rver), an S3 server that verifies SigV4 signatures
// and presigned URLs, for tests/integration/test_s3_storage.py.
// Usage: node --openssl-legacy-provider s3rver.js PORT DIR BUCKET
// Credentials: S3RVER / S3RVER. Prints "ready" once it listens.
const S3rver = require('@20minutes/s3rver');
const [port, dir, bucket] = process.argv.slice(2);
new S3rver({
  address: '127.0.0.1',
  port: Number(port),
  directory: dir,
  silent: true,
  configureBuckets: [{ name: bucket }],
}).run().then(() => console.log('ready'), (e) => { console.error(e); process.exit(1); });
