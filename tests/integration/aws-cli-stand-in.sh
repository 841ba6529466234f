#!/bin/sh
# SPDX-License-Identifier: MIT
# aws - a stand-in for the AWS CLI in quern's test image, for moto only:
# "aws s3 cp FILE s3://bucket/key" as one unsigned PUT (moto checks no
# signature). Real images have the real AWS CLI.
[ "$1 $2" = "s3 cp" ] && [ -f "$3" ] || { echo "aws (test stand-in): only 's3 cp FILE s3://bucket/key'" >&2; exit 2; }
dest=${4#s3://}
ep=${AWS_ENDPOINT_URL:-http://127.0.0.1:${MOTO_PORT:-5000}}
hp=${ep#http://}
hp=${hp%%/*}
len=$(wc -c < "$3")
now=$(date -u +%Y%m%dT%H%M%SZ)
day=${now%%T*}
reply=$({ printf 'PUT /%s HTTP/1.1\r\nHost: %s\r\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIDTESTIMAGE/%s/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00\r\nX-Amz-Date: %s\r\nx-amz-content-sha256: UNSIGNED-PAYLOAD\r\nContent-Length: %s\r\nConnection: close\r\n\r\n' "$dest" "$hp" "$day" "$now" "$len"; cat "$3"; } | nc "${hp%:*}" "${hp##*:}" | head -1)
case "$reply" in
*" 200 "*) echo "upload: $3 to s3://$dest" >&2 ;;
*) echo "aws (test stand-in): PUT s3://$dest: $reply" >&2; exit 1 ;;
esac
