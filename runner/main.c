// SPDX-License-Identifier: MIT
/* quern-runner - placeholder until the runner lands. */
#include "common/compat.h"

#include <unistd.h>

int main(void)
{
    for (;;) {
        pause();
    }
}
