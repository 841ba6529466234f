// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: what a client controls on the way to an identity - the
 * Authorization header (base64 inside Basic), a roles variable, a bearer
 * token - must be accepted or refused without crashing or overrunning.
 */
#include "common/compat.h"

#include <stdint.h>
#include <string.h>

#include "common/auth.h"
#include "common/b64.h"
#include "common/cred.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (s == NULL) {
        return 0;
    }
    memcpy(s, data, size);
    s[size] = '\0';
    struct auth_credentials c;
    auth_header_parse(s, &c);
    if (c.scheme == AUTH_SCHEME_BASIC) {
        QASSERT(c.user[0] != '\0' && strchr(c.user, ':') == NULL);
    }
    unsigned char out[256];
    size_t n = 0;
    if (b64_decode(s, strlen(s), out, sizeof out, &n) == 0) {
        QASSERT(n < sizeof out && out[n] == '\0');
    }
    struct auth_roles roles = {0};
    struct qerr err = QERR_INIT;
    if (auth_roles_parse(s, &roles, &err) == 0) {
        QASSERT(roles.n <= AUTH_ROLES_MAX);
    }
    auth_roles_cleanup(&roles);
    char id[CRED_TOKEN_ID_LEN + 1];
    (void)cred_token_parse(s, id);
    free(s);
    return 0;
}
