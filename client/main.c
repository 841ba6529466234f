// SPDX-License-Identifier: MIT
/* quern - the command-line client (placeholder). */
#include "common/compat.h"

#include <stdio.h>

int main(void)
{
    fputs("usage: quern COMMAND (not yet implemented)\n", stderr);
    return 2;
}
