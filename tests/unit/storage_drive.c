// SPDX-License-Identifier: MIT
/*
 * storage_drive - common/storage from the command line, for
 * tests/integration/test_s3_storage.py (configuration from QUERN_* as usual):
 *   storage_drive put JOB OUTPUT NAME FILE MEDIA_TYPE  -> "<storage> <location>"
 *   storage_drive get STORAGE LOCATION                 -> "size N" or "redirect URL",
 *                                                         then the bytes (get only)
 * Errors: "error <code> <message>" on stderr, exit 1.
 */
#include "common/compat.h"

#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "common/buf.h"
#include "common/cfg.h"
#include "common/storage.h"

static int to_stdout(void *arg, const void *data, size_t len)
{
    return fwrite(data, 1, len, stdout) == len ? 0 : -1;
}

static int put(const struct cfg *cfg, char **argv, struct qerr *err)
{
    FILE *f = fopen(argv[5], "rb");
    struct buf data;
    buf_init(&data, 64 << 20);
    char chunk[65536];
    size_t n;
    while (f != NULL && (n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (buf_append(&data, chunk, n, err) < 0) {
            break;
        }
    }
    if (f != NULL) {
        fclose(f);
    }
    const char *storage = NULL;
    char *loc = NULL;
    int rc =
        f != NULL && !qerr_is_set(err)
            ? storage_put_file(cfg, argv[2], argv[3], argv[4], data.data != NULL ? data.data : "",
                               data.len, argv[6], &storage, &loc, err)
            : -1;
    if (rc == 0) {
        printf("%s %s\n", storage, loc);
    }
    free(loc);
    buf_cleanup(&data);
    return rc;
}

static int get(const struct cfg *cfg, char **argv, struct qerr *err)
{
    struct storage_file *f = storage_open_file(cfg, argv[2], argv[3], err);
    if (f == NULL) {
        return -1;
    }
    int rc = 0;
    if (storage_file_redirect(f) != NULL) {
        printf("redirect %s\n", storage_file_redirect(f));
    } else {
        printf("size %lld\n", storage_file_size(f));
        rc = storage_file_send(f, to_stdout, NULL, err);
    }
    storage_file_close(f);
    return rc;
}

int main(int argc, char **argv)
{
    struct cfg cfg;
    struct qerr err = QERR_INIT;
    bool is_put = argc == 7 && strcmp(argv[1], "put") == 0;
    bool is_get = argc == 4 && strcmp(argv[1], "get") == 0;
    if (!is_put && !is_get) {
        fprintf(stderr,
                "usage: storage_drive put JOB OUTPUT NAME FILE TYPE | get STORAGE LOCATION\n");
        return 2;
    }
    if (cfg_load(NULL, &cfg, &err) < 0) {
        fprintf(stderr, "error %s %s\n", qerr_code_name(err.code), err.msg);
        return 1;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int rc = is_put ? put(&cfg, argv, &err) : get(&cfg, argv, &err);
    if (rc < 0) {
        fprintf(stderr, "error %s %s\n", qerr_code_name(err.code), err.msg);
    }
    curl_global_cleanup();
    cfg_free(&cfg);
    return rc < 0 ? 1 : 0;
}
