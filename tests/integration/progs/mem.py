#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# Allocates inputs.mib MiB (default 512) and prints results if that worked.
import json
import sys
mib = json.loads(sys.argv[-1]).get("mib", 512)
block = bytearray(mib * 1024 * 1024)
print(json.dumps({"plugin_results": {"allocated": len(block)}}))
