// SPDX-License-Identifier: MIT
/*
 * Unit tests of common/s3 and common/storage that need no server: the
 * presigned URL of AWS's documented example, s3:// locations, and the
 * filesystem store's round trip. The S3 round trip against moto is
 * tests/integration/test_s3_storage.py.
 */
#include "common/compat.h"

#include <check.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/s3.h"
#include "common/s3_list.h"
#include "common/storage.h"

/* AWS's "Example: presigned URL" for GET examplebucket/test.txt, 24 hours, 2013-05-24. */
START_TEST(presign_matches_aws_example)
{
    struct aws_creds cr = {.region = "us-east-1",
                           .endpoint = "",
                           .access_key_id = "AKIAIOSFODNN7EXAMPLE",
                           .secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                           .session_token = ""};
    struct qerr err = QERR_INIT;
    char *url = s3_presign_at(&cr, "https://examplebucket.s3.amazonaws.com", "/test.txt", 86400,
                              "20130524T000000Z", &err);
    ck_assert_msg(url != NULL, "%s", err.msg);
    ck_assert_str_eq(
        url, "https://examplebucket.s3.amazonaws.com/test.txt"
             "?X-Amz-Algorithm=AWS4-HMAC-SHA256"
             "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
             "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
             "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
    free(url);
    cr.session_token = "tok/en+";
    url = s3_presign_at(&cr, "http://127.0.0.1:9000", "/b/k", 60, "20130524T000000Z", &err);
    ck_assert_msg(strstr(url, "&X-Amz-Security-Token=tok%2Fen%2B&X-Amz-SignedHeaders=host") != NULL,
                  "%s", url);
    ck_assert_ptr_null(strstr(url, "wJalr"));
    free(url);
}
END_TEST

/* ListObjectsV2 pages: keys with entities, sizes, truncation and its token. */
START_TEST(list_pages)
{
    static const char page1[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        "<Name>b</Name><Prefix>q/j/out/</Prefix><KeyCount>2</KeyCount>"
        "<IsTruncated>true</IsTruncated><NextContinuationToken>1a&amp;b=</NextContinuationToken>"
        "<Contents><Key>q/j/out/a.txt</Key><Size>12</Size><ETag>&quot;x&quot;</ETag></Contents>"
        "<Contents><Key>q/j/out/R&amp;D &#233;&#x4E2D;.bin</Key><Size>0</Size></Contents>"
        "</ListBucketResult>";
    struct s3_list_page p;
    struct qerr err = QERR_INIT;
    ck_assert_msg(s3_list_parse(page1, strlen(page1), &p, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(p.n, 2);
    ck_assert_str_eq(p.objs[0].key, "q/j/out/a.txt");
    ck_assert_int_eq(p.objs[0].size, 12);
    ck_assert_str_eq(p.objs[1].key, "q/j/out/R&D \xc3\xa9\xe4\xb8\xad.bin");
    ck_assert_int_eq(p.objs[1].size, 0);
    ck_assert(p.truncated);
    ck_assert_str_eq(p.next_token, "1a&b=");
    s3_list_page_cleanup(&p);

    static const char empty[] = "<ListBucketResult><IsTruncated>false</IsTruncated>"
                                "<KeyCount>0</KeyCount></ListBucketResult>";
    ck_assert_int_eq(s3_list_parse(empty, strlen(empty), &p, &err), 0);
    ck_assert_uint_eq(p.n, 0);
    ck_assert(!p.truncated);
    ck_assert_ptr_null(p.next_token);
    s3_list_page_cleanup(&p);

    static const char *const bad[] = {
        "<Error><Code>AccessDenied</Code></Error>",
        "<ListBucketResult><Contents><Key>a</Key><Size>-1</Size></Contents></ListBucketResult>",
        "<ListBucketResult><Contents><Key>a</Key></Contents></ListBucketResult>",
        "<ListBucketResult><Contents><Key>a&bogus;</Key><Size>1</Size></Contents></ListBucketResult>",
        "<ListBucketResult><Contents><Key>a</Key><Size>1</Size></ListBucketResult>",
        "<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct qerr e = QERR_INIT;
        ck_assert_msg(s3_list_parse(bad[i], strlen(bad[i]), &p, &e) < 0, "accepted %s", bad[i]);
        ck_assert(qerr_is_set(&e));
    }
}
END_TEST

START_TEST(locations)
{
    struct qerr err = QERR_INIT;
    char *loc = s3_location("bucket", "quern/jobs/a/b.txt", &err);
    ck_assert_str_eq(loc, "s3://bucket/quern/jobs/a/b.txt");
    char *b = NULL, *k = NULL;
    ck_assert_int_eq(s3_location_split(loc, &b, &k, &err), 0);
    ck_assert_str_eq(b, "bucket");
    ck_assert_str_eq(k, "quern/jobs/a/b.txt");
    free(b);
    free(k);
    free(loc);
    const char *bad[] = {"bucket/key", "s3://bucket", "s3:///key", "s3://bucket/"};
    for (size_t i = 0; i < QUERN_ARRAY_LEN(bad); i++) {
        qerr_clear(&err);
        ck_assert_int_eq(s3_location_split(bad[i], &b, &k, &err), -1);
        ck_assert_ptr_null(b);
    }
}
END_TEST

static int collect(void *arg, const void *data, size_t len)
{
    struct qerr err = QERR_INIT;
    return buf_append(arg, data, len, &err);
}

START_TEST(filesystem_round_trip)
{
    char root[] = "/tmp/quern-storage.XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(root));
    struct cfg cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.storage_type = "filesystem";
    cfg.storage_path = root;
    const char *storage = NULL;
    char *loc = NULL;
    struct qerr err = QERR_INIT;
    const char *job = "0b6e5c1c-0000-4000-8000-000000000001";
    ck_assert_int_eq(storage_put_file(&cfg, job, "result", "out.txt", "hello\n", 6, "text/plain",
                                      &storage, &loc, &err),
                     0);
    ck_assert_str_eq(storage, "filesystem");
    struct storage_file *f = storage_open_file(&cfg, storage, loc, &err);
    ck_assert_msg(f != NULL, "%s", err.msg);
    ck_assert_int_eq(storage_file_size(f), 6);
    ck_assert_ptr_null(storage_file_redirect(f));
    struct buf got;
    buf_init(&got, 100);
    ck_assert_int_eq(storage_file_send(f, collect, &got, &err), 0);
    ck_assert_str_eq(buf_cstr(&got), "hello\n");
    buf_cleanup(&got);
    storage_file_close(f);
    char *all = NULL;
    size_t all_len = 0;
    ck_assert_int_eq(storage_read_all(&cfg, storage, loc, 6, &all, &all_len, &err), 0);
    ck_assert_str_eq(all, "hello\n");
    ck_assert_uint_eq(all_len, 6);
    free(all);
    ck_assert_int_eq(storage_read_all(&cfg, storage, loc, 5, &all, &all_len, &err), -1);
    ck_assert_int_eq(err.code, QERR_TOO_LARGE);
    ck_assert_ptr_null(all);
    qerr_clear(&err);
    char *loc2 = NULL;
    ck_assert_int_eq(
        storage_put_file(&cfg, job, "result", "../x", "x", 1, NULL, &storage, &loc2, &err), -1);
    ck_assert_ptr_null(loc2);
    ck_assert_int_eq(err.code, QERR_INVALID);
    qerr_clear(&err);
    ck_assert_int_eq(unlink(loc), 0);
    ck_assert_ptr_null(storage_open_file(&cfg, "filesystem", loc, &err));
    ck_assert_int_eq(err.code, QERR_NOTFOUND);
    qerr_clear(&err);
    ck_assert_ptr_null(storage_open_file(&cfg, "tape", loc, &err));
    ck_assert_int_eq(err.code, QERR_INVALID);
    qerr_clear(&err);
    cfg.storage_type = "s3";
    cfg.storage_s3_bucket = "";
    ck_assert_int_eq(
        storage_put_file(&cfg, job, "result", "out.txt", "x", 1, NULL, &storage, &loc2, &err), -1);
    ck_assert_msg(strstr(err.msg, "s3_bucket") != NULL, "%s", err.msg);
    free(loc);
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/%s/result", root, job);
    rmdir(dir);
    snprintf(dir, sizeof dir, "%s/%s", root, job);
    rmdir(dir);
    rmdir(root);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("s3");
    TCase *tc = tcase_create("s3");
    tcase_add_test(tc, presign_matches_aws_example);
    tcase_add_test(tc, locations);
    tcase_add_test(tc, list_pages);
    tcase_add_test(tc, filesystem_round_trip);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
