// SPDX-License-Identifier: MIT
/* noop - the benchmark's process: prints empty results and exits. */
#include <string.h>
#include <unistd.h>

int main(void)
{
    static const char out[] = "{\"plugin_results\": {}}\n";
    return write(1, out, strlen(out)) == (ssize_t)strlen(out) ? 0 : 1;
}
