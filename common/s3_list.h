// SPDX-License-Identifier: MIT
/*
 * s3_list - reading one page of an S3 ListObjectsV2 reply: the keys and
 * sizes of the objects, whether more pages follow and the token for the
 * next one. S3 answers this call only in XML and quern links no XML
 * library, so this is a deliberately small reader: it takes the text of
 * the <Key>, <Size>, <IsTruncated> and <NextContinuationToken> elements
 * (inside <Contents> for the first two), decodes the five predefined
 * entities and numeric character references, and refuses anything it
 * cannot read rather than guessing. Callers treat keys as untrusted names.
 * Use: s3_list_parse -> read page -> s3_list_page_cleanup.
 */
#ifndef QUERN_S3_LIST_H
#define QUERN_S3_LIST_H

#include "common/compat.h"
#include "common/qerr.h"

/* Objects kept from one page (S3 sends at most 1000). */
#define S3_LIST_PAGE_MAX 1000

struct s3_object {
    char *key;
    long long size;
};

struct s3_list_page {
    struct s3_object *objs;
    size_t n;
    bool truncated;   /* more pages follow */
    char *next_token; /* NextContinuationToken, NULL when none */
};

/* Parses a ListObjectsV2 reply into page (zeroed first). -1 with QERR_BACKEND when unreadable. */
int s3_list_parse(const char *xml, size_t len, struct s3_list_page *page,
                  struct qerr *err) QUERN_MUSTCHECK;
void s3_list_page_cleanup(struct s3_list_page *page);

#endif
