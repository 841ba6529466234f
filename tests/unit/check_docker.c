// SPDX-License-Identifier: MIT
/* Unit tests of the docker backend's pure parts: docker_logs (the frame
 * demultiplexer, fed in every chunking) and docker_api (request builders,
 * response parsers of both engines' shapes). */
#include "common/compat.h"

#include <check.h>
#include <jansson.h>
#include <string.h>

#include "common/buf.h"
#include "runner/docker_api.h"
#include "runner/docker_cpu.h"
#include "runner/docker_def.h"
#include "runner/docker_logs.h"

/* --- docker_logs ---------------------------------------------------------- */

struct sink {
    struct buf out[3]; /* [1] stdout, [2] stderr */
    int calls;
};

static void sink_cb(void *arg, int stream, const char *data, size_t len)
{
    struct sink *s = arg;
    struct qerr err = QERR_INIT;
    ck_assert(stream == 1 || stream == 2);
    ck_assert_uint_gt(len, 0);
    ck_assert_int_eq(buf_append(&s->out[stream], data, len, &err), 0);
    s->calls++;
}

static void sink_init(struct sink *s)
{
    memset(s, 0, sizeof(*s));
    for (int i = 0; i < 3; i++) {
        buf_init(&s->out[i], 1 << 20);
    }
}

static void sink_cleanup(struct sink *s)
{
    for (int i = 0; i < 3; i++) {
        buf_cleanup(&s->out[i]);
    }
}

/* Appends one frame to b. */
static void frame(struct buf *b, int stream, const char *payload, size_t len)
{
    struct qerr err = QERR_INIT;
    unsigned char h[8] = {(unsigned char)stream,
                          0,
                          0,
                          0,
                          (unsigned char)(len >> 24),
                          (unsigned char)(len >> 16),
                          (unsigned char)(len >> 8),
                          (unsigned char)len};
    ck_assert_int_eq(buf_append(b, h, 8, &err), 0);
    ck_assert_int_eq(buf_append(b, payload, len, &err), 0);
}

static void sample_stream(struct buf *b)
{
    buf_init(b, 1 << 20);
    frame(b, 1, "out\n", 4);
    frame(b, 2, "err line\n", 9);
    frame(b, 1, "", 0); /* engines never send these, but a zero frame is legal */
    frame(b, 1, "{\"plugin_results\": {\"x\": 1}}\n", 29);
    frame(b, 0, "stdin?\n", 7);
}

START_TEST(logs_whole)
{
    struct buf in;
    struct sink s;
    struct docker_logs d;
    struct qerr err = QERR_INIT;
    sample_stream(&in);
    sink_init(&s);
    docker_logs_init(&d);
    ck_assert(docker_logs_at_boundary(&d));
    ck_assert_int_eq(docker_logs_feed(&d, in.data, in.len, sink_cb, &s, &err), 0);
    ck_assert(docker_logs_at_boundary(&d));
    ck_assert_str_eq(buf_cstr(&s.out[1]), "out\n{\"plugin_results\": {\"x\": 1}}\nstdin?\n");
    ck_assert_str_eq(buf_cstr(&s.out[2]), "err line\n");
    ck_assert_int_eq(s.calls, 4);
    sink_cleanup(&s);
    buf_cleanup(&in);
}
END_TEST

/* Every chunk size from 1 byte up: headers and payloads split anywhere. */
START_TEST(logs_any_chunking)
{
    struct buf in;
    sample_stream(&in);
    for (size_t chunk = 1; chunk <= in.len; chunk++) {
        struct sink s;
        struct docker_logs d;
        struct qerr err = QERR_INIT;
        sink_init(&s);
        docker_logs_init(&d);
        for (size_t off = 0; off < in.len; off += chunk) {
            size_t n = in.len - off < chunk ? in.len - off : chunk;
            ck_assert_int_eq(docker_logs_feed(&d, in.data + off, n, sink_cb, &s, &err), 0);
        }
        ck_assert(docker_logs_at_boundary(&d));
        ck_assert_str_eq(buf_cstr(&s.out[1]), "out\n{\"plugin_results\": {\"x\": 1}}\nstdin?\n");
        ck_assert_str_eq(buf_cstr(&s.out[2]), "err line\n");
        sink_cleanup(&s);
    }
    buf_cleanup(&in);
}
END_TEST

/* A header split 3+5 and a payload split across three calls. */
START_TEST(logs_split_frame)
{
    struct sink s;
    struct docker_logs d;
    struct qerr err = QERR_INIT;
    sink_init(&s);
    docker_logs_init(&d);
    const char h[8] = {2, 0, 0, 0, 0, 0, 0, 10};
    ck_assert_int_eq(docker_logs_feed(&d, h, 3, sink_cb, &s, &err), 0);
    ck_assert(!docker_logs_at_boundary(&d));
    ck_assert_int_eq(docker_logs_feed(&d, h + 3, 5, sink_cb, &s, &err), 0);
    ck_assert_int_eq(s.calls, 0);
    ck_assert_int_eq(docker_logs_feed(&d, "abc", 3, sink_cb, &s, &err), 0);
    ck_assert_int_eq(docker_logs_feed(&d, "defg", 4, sink_cb, &s, &err), 0);
    ck_assert(!docker_logs_at_boundary(&d));
    ck_assert_int_eq(docker_logs_feed(&d, "hij", 3, sink_cb, &s, &err), 0);
    ck_assert(docker_logs_at_boundary(&d));
    ck_assert_str_eq(buf_cstr(&s.out[2]), "abcdefghij");
    ck_assert_int_eq(s.calls, 3);
    sink_cleanup(&s);
}
END_TEST

/* A payload larger than any buffer is passed through, never held. */
START_TEST(logs_big_frame)
{
    struct sink s;
    struct docker_logs d;
    struct qerr err = QERR_INIT;
    size_t n = 300000;
    char *big = malloc(n);
    memset(big, 'x', n);
    sink_init(&s);
    docker_logs_init(&d);
    const char h[8] = {1, 0, 0, 0, (char)(n >> 24), (char)(n >> 16), (char)(n >> 8), (char)n};
    ck_assert_int_eq(docker_logs_feed(&d, h, 8, sink_cb, &s, &err), 0);
    for (size_t off = 0; off < n; off += 4096) {
        size_t k = n - off < 4096 ? n - off : 4096;
        ck_assert_int_eq(docker_logs_feed(&d, big + off, k, sink_cb, &s, &err), 0);
    }
    ck_assert(docker_logs_at_boundary(&d));
    ck_assert_uint_eq(s.out[1].len, n);
    free(big);
    sink_cleanup(&s);
}
END_TEST

START_TEST(logs_bad_header)
{
    static const struct {
        const char *data;
        size_t len;
    } cases[] = {
        {"hello world\n", 12},          /* a TTY stream: raw text */
        {"\x03\0\0\0\0\0\0\x01x", 9},   /* stream 3 */
        {"\x01\0\x01\0\0\0\0\x01x", 9}, /* padding not zero */
    };
    for (size_t i = 0; i < QUERN_ARRAY_LEN(cases); i++) {
        struct sink s;
        struct docker_logs d;
        struct qerr err = QERR_INIT;
        sink_init(&s);
        docker_logs_init(&d);
        ck_assert_int_eq(docker_logs_feed(&d, cases[i].data, cases[i].len, sink_cb, &s, &err), -1);
        ck_assert_int_eq(err.code, QERR_BACKEND);
        ck_assert(!docker_logs_at_boundary(&d));
        qerr_clear(&err);
        ck_assert_int_eq(docker_logs_feed(&d, "\x01\0\0\0\0\0\0\0", 8, sink_cb, &s, &err), -1);
        ck_assert_int_eq(s.calls, 0);
        sink_cleanup(&s);
    }
}
END_TEST

/* --- docker_api: requests -------------------------------------------------- */

START_TEST(api_paths)
{
    struct docker_req r;
    struct qerr err = QERR_INIT;
    static const char id[] = "4ec69f0900fa";
    ck_assert_int_eq(docker_api_start("v1.41", id, &r, &err), 0);
    ck_assert_str_eq(r.method, "POST");
    ck_assert_str_eq(r.path, "/v1.41/containers/4ec69f0900fa/start");
    ck_assert_ptr_null(r.body);
    docker_req_cleanup(&r);

    ck_assert_int_eq(docker_api_wait("v1.41", id, false, &r, &err), 0);
    ck_assert_str_eq(r.path, "/v1.41/containers/4ec69f0900fa/wait");
    docker_req_cleanup(&r);
    ck_assert_int_eq(docker_api_wait("v1.41", id, true, &r, &err), 0);
    ck_assert_str_eq(r.path,
                     "/v4.0.0/libpod/containers/4ec69f0900fa/wait?condition=stopped&interval=10ms");
    docker_req_cleanup(&r);

    ck_assert_int_eq(docker_api_logs("v1.41", id, true, &r, &err), 0);
    ck_assert_str_eq(r.method, "GET");
    ck_assert_str_eq(r.path, "/v1.41/containers/4ec69f0900fa/logs?stdout=1&stderr=1&follow=1");
    docker_req_cleanup(&r);

    ck_assert_int_eq(docker_api_kill("v1.41", id, "SIGTERM", &r, &err), 0);
    ck_assert_str_eq(r.path, "/v1.41/containers/4ec69f0900fa/kill?signal=SIGTERM");
    docker_req_cleanup(&r);

    ck_assert_int_eq(docker_api_delete("v1.41", id, &r, &err), 0);
    ck_assert_str_eq(r.method, "DELETE");
    ck_assert_str_eq(r.path, "/v1.41/containers/4ec69f0900fa?force=1&v=1");
    docker_req_cleanup(&r);

    ck_assert_int_eq(docker_api_inspect("v1.41", id, &r, &err), 0);
    ck_assert_str_eq(r.path, "/v1.41/containers/4ec69f0900fa/json");
    docker_req_cleanup(&r);

    ck_assert_int_eq(docker_api_image_inspect("v1.41", "localhost/busybox:latest", &r, &err), 0);
    ck_assert_str_eq(r.path, "/v1.41/images/localhost%2Fbusybox%3Alatest/json");
    docker_req_cleanup(&r);

    ck_assert_int_eq(docker_api_pull("v1.41", "localhost/busybox", &r, &err), 0);
    ck_assert_str_eq(r.path, "/v1.41/images/create?fromImage=localhost%2Fbusybox&tag=latest");
    docker_req_cleanup(&r);
    ck_assert_int_eq(docker_api_pull("v1.41", "localhost:5000/busybox:1.36", &r, &err), 0);
    ck_assert_str_eq(r.path, "/v1.41/images/create?fromImage=localhost%3A5000%2Fbusybox%3A1.36");
    docker_req_cleanup(&r);
    ck_assert_int_eq(docker_api_pull("v1.41", "localhost:5000/busybox", &r, &err), 0);
    ck_assert_str_eq(r.path,
                     "/v1.41/images/create?fromImage=localhost%3A5000%2Fbusybox&tag=latest");
    docker_req_cleanup(&r);

    ck_assert_int_eq(docker_api_list_by_label("v1.41", "quern.job", "abc-1", &r, &err), 0);
    ck_assert_str_eq(r.path, "/v1.41/containers/json?all=1&filters="
                             "%7B%22label%22%3A%5B%22quern.job%3Dabc-1%22%5D%7D");
    docker_req_cleanup(&r);
    ck_assert(!qerr_is_set(&err));
}
END_TEST

START_TEST(api_refuses)
{
    struct docker_req r;
    struct qerr err = QERR_INIT;
    ck_assert_int_eq(docker_api_start("v1.41", "../images", &r, &err), -1);
    ck_assert_int_eq(err.code, QERR_INVALID);
    ck_assert_ptr_null(r.path);
    qerr_clear(&err);
    ck_assert_int_eq(docker_api_start("v1.41", "a?b", &r, &err), -1);
    qerr_clear(&err);
    ck_assert_int_eq(docker_api_start("v1.41", "", &r, &err), -1);
    qerr_clear(&err);
    ck_assert_int_eq(docker_api_start("1.41/x", "abc", &r, &err), -1);
    qerr_clear(&err);
    ck_assert_int_eq(docker_api_kill("v1.41", "abc", "TERM; rm", &r, &err), -1);
    qerr_clear(&err);
    ck_assert_int_eq(docker_api_pull("v1.41", "", &r, &err), -1);
    qerr_clear(&err);
    struct docker_spec spec = {.image = "x"};
    ck_assert_int_eq(docker_api_create("v1.41", &spec, &r, &err), -1);
    ck_assert_int_eq(err.code, QERR_INVALID);
}
END_TEST

START_TEST(api_create_body)
{
    char *argv[] = {"sh", "-c", "echo hi", "{\"a\": 1}", NULL};
    char *envp[] = {"QUERN_JOB_ID=j1", "K=V", NULL};
    char *binds[] = {"/srv/out:/quern/output", "/data:/data:ro", NULL};
    struct docker_spec spec = {.image = "localhost/busybox:latest",
                               .argv = argv,
                               .envp = envp,
                               .job_id = "j1",
                               .runner_id = "r1",
                               .memory_mib = 64,
                               .cpus = 1.5,
                               .binds = binds,
                               .workdir = "/quern/output"};
    struct docker_req r;
    struct qerr err = QERR_INIT;
    ck_assert_int_eq(docker_api_create("v1.41", &spec, &r, &err), 0);
    ck_assert_str_eq(r.method, "POST");
    ck_assert_str_eq(r.path, "/v1.41/containers/create");
    json_t *doc = json_loads(r.body, 0, NULL);
    ck_assert_ptr_nonnull(doc);
    json_t *want = json_loads(
        "{\"Image\": \"localhost/busybox:latest\","
        " \"Cmd\": [\"sh\", \"-c\", \"echo hi\", \"{\\\"a\\\": 1}\"],"
        " \"Env\": [\"QUERN_JOB_ID=j1\", \"K=V\"],"
        " \"Labels\": {\"quern.job\": \"j1\", \"quern.runner\": \"r1\"},"
        " \"Tty\": false, \"OpenStdin\": false, \"AttachStdout\": false, \"AttachStderr\": false,"
        " \"WorkingDir\": \"/quern/output\","
        " \"HostConfig\": {\"NetworkMode\": \"none\", \"Init\": true, \"Memory\": 67108864,"
        "   \"MemorySwap\": 67108864, \"NanoCpus\": 1500000000,"
        "   \"Binds\": [\"/srv/out:/quern/output\", \"/data:/data:ro\"]}}",
        0, NULL);
    ck_assert_ptr_nonnull(want);
    ck_assert_msg(json_equal(doc, want), "create body: %s", r.body);
    json_decref(want);
    json_decref(doc);
    docker_req_cleanup(&r);

    /* No limits, no binds, a network from the definition. */
    struct docker_spec bare = {.image = "img", .argv = argv, .network = "bridge"};
    ck_assert_int_eq(docker_api_create("v1.41", &bare, &r, &err), 0);
    doc = json_loads(r.body, 0, NULL);
    json_t *hc = json_object_get(doc, "HostConfig");
    ck_assert_str_eq(json_string_value(json_object_get(hc, "NetworkMode")), "bridge");
    ck_assert_ptr_null(json_object_get(hc, "Memory"));
    ck_assert_ptr_null(json_object_get(hc, "NanoCpus"));
    ck_assert_ptr_null(json_object_get(hc, "Binds"));
    ck_assert_uint_eq(json_array_size(json_object_get(doc, "Env")), 0);
    json_decref(doc);
    docker_req_cleanup(&r);
}
END_TEST

/* --- docker_api: responses ------------------------------------------------- */

START_TEST(api_errors)
{
    static const struct {
        long status;
        const char *body;
        const char *want;
    } cases[] = {
        {404, "{\"message\":\"No such image: localhost/nope:1\"}",
         "engine: HTTP 404: No such image: localhost/nope:1"},
        {404,
         "{\"cause\":\"image not known\",\"message\":\"no such image: x: image not known\","
         "\"response\":404}",
         "engine: HTTP 404: no such image: x: image not known"},
        {500, "plain text\nfailure\n", "engine: HTTP 500: plain text failure"},
        {409, "", "engine: HTTP 409"},
    };
    for (size_t i = 0; i < QUERN_ARRAY_LEN(cases); i++) {
        char out[DOCKER_API_MSG_MAX + 40];
        docker_api_error(cases[i].status, cases[i].body, strlen(cases[i].body), out, sizeof(out));
        ck_assert_str_eq(out, cases[i].want);
    }
    char small[16];
    docker_api_error(500, "{\"message\":\"a very long message indeed\"}", 40, small, sizeof(small));
    ck_assert_str_eq(small, "engine: HTTP 50");
}
END_TEST

START_TEST(api_parse_created_wait)
{
    struct qerr err = QERR_INIT;
    char *id = NULL;
    const char *c = "{\"Id\":\"e9f047785d82\",\"Warnings\":[]}";
    ck_assert_int_eq(docker_api_parse_created(c, strlen(c), &id, &err), 0);
    ck_assert_str_eq(id, "e9f047785d82");
    free(id);
    const char *bad = "{\"Id\":\"../x\"}";
    ck_assert_int_eq(docker_api_parse_created(bad, strlen(bad), &id, &err), -1);
    ck_assert_ptr_null(id);
    qerr_clear(&err);
    ck_assert_int_eq(docker_api_parse_created("nope", 4, &id, &err), -1);
    qerr_clear(&err);

    long st = 0;
    const char *w1 = "{\"StatusCode\":3,\"Error\":null}";   /* podman's order */
    const char *w2 = "{\"Error\":null,\"StatusCode\":137}"; /* docker's order */
    const char *w3 = "4";                                   /* podman's libpod wait */
    const char *w4 = "{\"Error\":{\"Message\":\"container gone\"},\"StatusCode\":-1}";
    ck_assert_int_eq(docker_api_parse_wait(w1, strlen(w1), &st, &err), 0);
    ck_assert_int_eq(st, 3);
    ck_assert_int_eq(docker_api_parse_wait(w2, strlen(w2), &st, &err), 0);
    ck_assert_int_eq(st, 137);
    ck_assert_int_eq(docker_api_parse_wait(w3, strlen(w3), &st, &err), 0);
    ck_assert_int_eq(st, 4);
    ck_assert_int_eq(docker_api_parse_wait(w4, strlen(w4), &st, &err), -1);
    ck_assert_str_eq(err.msg, "engine: wait: container gone");
    qerr_clear(&err);
    ck_assert_int_eq(docker_api_parse_wait("{}", 2, &st, &err), -1);
}
END_TEST

START_TEST(api_parse_inspect_list_image)
{
    struct qerr err = QERR_INIT;
    struct docker_state s;
    const char *ins = "{\"Id\":\"abc\",\"Image\":\"sha256:bb6e\",\"State\":{\"Status\":\"exited\","
                      "\"Running\":false,\"OOMKilled\":true,\"ExitCode\":137,\"Error\":\"\"}}";
    ck_assert_int_eq(docker_api_parse_inspect(ins, strlen(ins), &s, &err), 0);
    ck_assert(!s.running);
    ck_assert(s.oom_killed);
    ck_assert_int_eq(s.exit_code, 137);
    ck_assert_str_eq(s.status, "exited");
    ck_assert_str_eq(s.image_id, "sha256:bb6e");
    ck_assert_str_eq(s.error, "");
    ck_assert_int_eq(docker_api_parse_inspect("[]", 2, &s, &err), -1);
    qerr_clear(&err);

    char *id = NULL;
    char state[16];
    size_t n = 9;
    const char *l = "[{\"Id\":\"c1\",\"State\":\"running\",\"Labels\":{\"quern.job\":\"j\"}},"
                    "{\"Id\":\"c2\",\"State\":\"exited\"}]";
    ck_assert_int_eq(docker_api_parse_list(l, strlen(l), &id, state, sizeof(state), &n, &err), 0);
    ck_assert_str_eq(id, "c1");
    ck_assert_str_eq(state, "running");
    ck_assert_uint_eq(n, 2);
    free(id);
    ck_assert_int_eq(docker_api_parse_list("[]", 2, &id, state, sizeof(state), &n, &err), 0);
    ck_assert_ptr_null(id);
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(docker_api_parse_list("{}", 2, &id, state, sizeof(state), &n, &err), -1);
    qerr_clear(&err);

    char iid[80], dig[200];
    const char *img = "{\"Id\":\"sha256:18dd\",\"RepoTags\":[\"localhost/busybox:latest\"],"
                      "\"RepoDigests\":[\"localhost/busybox@sha256:bc00\"]}";
    ck_assert_int_eq(
        docker_api_parse_image(img, strlen(img), iid, sizeof(iid), dig, sizeof(dig), &err), 0);
    ck_assert_str_eq(iid, "sha256:18dd");
    ck_assert_str_eq(dig, "localhost/busybox@sha256:bc00");
    const char *img2 = "{\"Id\":\"sha256:bb6e\",\"RepoDigests\":[]}";
    ck_assert_int_eq(
        docker_api_parse_image(img2, strlen(img2), iid, sizeof(iid), dig, sizeof(dig), &err), 0);
    ck_assert_str_eq(dig, "");
}
END_TEST

START_TEST(api_image_info)
{
    /* The container's image is the inspected one: id and repository digest. */
    json_t *i = docker_api_image_info("c1", "localhost/busybox:latest", "18dd", "sha256:18dd",
                                      "localhost/busybox@sha256:bc00");
    json_t *want = json_pack("{s:s, s:s, s:s, s:s}", "container", "c1", "image",
                             "localhost/busybox:latest", "imageId", "18dd", "imageDigest",
                             "localhost/busybox@sha256:bc00");
    ck_assert_msg(json_equal(i, want), "%s", json_dumps(i, 0));
    json_decref(i);
    json_decref(want);
    /* The tag moved after the container was created: no digest of another image. */
    i = docker_api_image_info("c1", "img", "sha256:aaaa", "sha256:bbbb", "img@sha256:cc");
    ck_assert_str_eq(json_string_value(json_object_get(i, "imageId")), "sha256:aaaa");
    ck_assert_ptr_null(json_object_get(i, "imageDigest"));
    json_decref(i);
    /* Before the container inspect: the image inspect's; a local image has no digest. */
    i = docker_api_image_info("c1", "img", NULL, "sha256:bbbb", "");
    ck_assert_str_eq(json_string_value(json_object_get(i, "imageId")), "sha256:bbbb");
    ck_assert_ptr_null(json_object_get(i, "imageDigest"));
    json_decref(i);
    ck_assert_ptr_null(docker_api_image_info("c1", "img", "", "", ""));
    ck_assert(docker_api_same_image("sha256:ab", "ab"));
    ck_assert(!docker_api_same_image("", ""));
    ck_assert(!docker_api_same_image("ab", "ac"));
}
END_TEST

START_TEST(api_stats_cpu)
{
    struct docker_req r;
    struct qerr err = QERR_INIT;
    ck_assert_int_eq(docker_api_stats("v1.41", "abc", &r, &err), 0);
    ck_assert_str_eq(r.method, "GET");
    ck_assert_str_eq(r.path, "/v1.41/containers/abc/stats?stream=false&one-shot=true");
    docker_req_cleanup(&r);
    ck_assert_int_eq(docker_api_stats("v1.41", "a/b", &r, &err), -1);
    qerr_clear(&err);
    unsigned long long ns = 0;
    const char *st = "{\"read\":\"x\",\"cpu_stats\":{\"cpu_usage\":{\"total_usage\":1071172310,"
                     "\"usage_in_kernelmode\":0},\"system_cpu_usage\":5},\"precpu_stats\":{}}";
    ck_assert_int_eq(docker_api_parse_cpu(st, strlen(st), &ns, &err), 0);
    ck_assert_uint_eq(ns, 1071172310ULL);
    /* A container that is not running: no usage. */
    const char *idle = "{\"cpu_stats\":{}}";
    ck_assert_int_eq(docker_api_parse_cpu(idle, strlen(idle), &ns, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "total_usage"));
    qerr_clear(&err);
    ck_assert_int_eq(docker_api_parse_cpu("nope", 4, &ns, &err), -1);
    qerr_clear(&err);
}
END_TEST

START_TEST(cpu_next_sample)
{
    /* The earliest the limit can be reached: time left over the CPUs, within bounds. */
    ck_assert_int_eq(docker_cpu_next_ms(0, 1, 2), 500);
    ck_assert_int_eq(docker_cpu_next_ms(500000000ULL, 1, 0.5), 1000);
    ck_assert_int_eq(docker_cpu_next_ms(0, 3600, 1), DOCKER_CPU_MAX_MS);
    ck_assert_int_eq(docker_cpu_next_ms(990000000ULL, 1, 4), DOCKER_CPU_MIN_MS);
    ck_assert_int_eq(docker_cpu_next_ms(5000000000ULL, 1, 1), DOCKER_CPU_MIN_MS);
    ck_assert_int_eq(docker_cpu_next_ms(0, 1, 0), 1000);
}
END_TEST

START_TEST(api_parse_pull)
{
    struct qerr err = QERR_INIT;
    const char *ok = "{\"status\":\"Pulling from library/busybox\",\"id\":\"latest\"}\r\n"
                     "{\"status\":\"Digest: sha256:1\"}\r\n{\"status\":\"Status: Downloaded\"}\r\n";
    ck_assert_int_eq(docker_api_parse_pull(ok, strlen(ok), &err), 0);
    ck_assert_int_eq(docker_api_parse_pull("", 0, &err), 0);
    /* podman: HTTP 200, the failure inside the stream; objects back to back */
    const char *pod = "{\"status\":\"Trying to pull\"}{\"progressDetail\":{},\"errorDetail\":"
                      "{\"message\":\"pinging container registry localhost: refused\"},"
                      "\"error\":\"pinging container registry localhost: refused\"}\n";
    ck_assert_int_eq(docker_api_parse_pull(pod, strlen(pod), &err), -1);
    ck_assert_str_eq(err.msg, "engine: pull: pinging container registry localhost: refused");
    qerr_clear(&err);
    const char *only_detail = "{\"errorDetail\":{\"message\":\"denied\"}}";
    ck_assert_int_eq(docker_api_parse_pull(only_detail, strlen(only_detail), &err), -1);
    ck_assert_str_eq(err.msg, "engine: pull: denied");
    qerr_clear(&err);
    ck_assert_int_eq(docker_api_parse_pull("{\"status\":", 10, &err), -1);
    ck_assert_int_eq(err.code, QERR_BACKEND);
}
END_TEST

/* --- docker_def ------------------------------------------------------------- */

static void def_job(struct rjob *job, const char *definition)
{
    static char *argv[] = {"sh", "-c", "true", "{}", NULL};
    static char *envp[] = {"PATH=/usr/local/bin:/usr/bin:/bin",
                           "QUERN_JOB_ID=j1",
                           "QUERN_OUTPUT_DIR=/var/jobs/j1/output",
                           "QUERN_JOB_DIR=/var/jobs/j1",
                           "K=V",
                           NULL};
    memset(job, 0, sizeof(*job));
    snprintf(job->id, sizeof(job->id), "j1");
    job->definition = json_loads(definition, 0, NULL);
    ck_assert_ptr_nonnull(job->definition);
    job->argv = argv;
    job->envp = envp;
    job->job_dir = "/var/jobs/j1";
    job->output_dir = "/var/jobs/j1/output";
    job->memory_mib = 32;
    job->cpus = 0.5;
}

START_TEST(def_reads_definition)
{
    struct rjob job;
    struct docker_def def;
    struct qerr err = QERR_INIT;
    def_job(&job, "{\"host\": {\"type\": \"docker\", \"image\": \"localhost/busybox:latest\","
                  " \"pull\": \"never\", \"network\": \"bridge\"},"
                  " \"config\": {\"volumes\": [\"/srv/data:/data:ro\"]}}");
    ck_assert_int_eq(docker_def_init(&def, &job, &err), 0);
    ck_assert_str_eq(def.image, "localhost/busybox:latest");
    ck_assert_str_eq(def.network, "bridge");
    ck_assert_int_eq(def.pull, DOCKER_PULL_NEVER);
    /* PATH is the image's; the directories are at their container paths. */
    ck_assert_str_eq(def.env[0], "QUERN_JOB_ID=j1");
    ck_assert_str_eq(def.env[1], "QUERN_OUTPUT_DIR=/quern/output");
    ck_assert_str_eq(def.env[2], "QUERN_JOB_DIR=/quern/job");
    ck_assert_str_eq(def.env[3], "K=V");
    ck_assert_str_eq(def.binds[0], "/srv/data:/data:ro");
    ck_assert_str_eq(def.binds[1], "/var/jobs/j1:/quern/job");
    ck_assert_str_eq(def.binds[2], "/var/jobs/j1/output:/quern/output");
    ck_assert_ptr_null(def.binds[3]);
    struct docker_spec spec;
    docker_def_spec(&def, &job, "r1", &spec);
    ck_assert_str_eq(spec.job_id, "j1");
    ck_assert_str_eq(spec.runner_id, "r1");
    ck_assert_str_eq(spec.workdir, "/quern/job");
    ck_assert_int_eq(spec.memory_mib, 32);
    ck_assert(spec.argv == job.argv);
    docker_def_cleanup(&def);
    docker_def_cleanup(&def); /* twice is harmless */
    json_decref(job.definition);
}
END_TEST

START_TEST(def_defaults)
{
    struct rjob job;
    struct docker_def def;
    struct qerr err = QERR_INIT;
    def_job(&job, "{\"host\": {\"type\": \"docker\", \"image\": \"img\"}}");
    ck_assert_int_eq(docker_def_init(&def, &job, &err), 0);
    ck_assert_int_eq(def.pull, DOCKER_PULL_MISSING);
    ck_assert_ptr_null(def.network);
    ck_assert_str_eq(def.binds[0], "/var/jobs/j1:/quern/job");
    docker_def_cleanup(&def);
    json_decref(job.definition);
}
END_TEST

START_TEST(def_refuses)
{
    static const char *const bad[] = {
        "{\"host\": {\"type\": \"docker\"}}",
        "{\"host\": {\"type\": \"docker\", \"image\": \"\"}}",
        "{\"host\": {\"type\": \"docker\", \"image\": \"i\", \"pull\": \"sometimes\"}}",
        "{\"host\": {\"image\": \"i\"}, \"config\": {\"volumes\": [\"nocolon\"]}}",
        "{\"host\": {\"image\": \"i\"}, \"config\": {\"volumes\": [\"/a:relative\"]}}",
        "{\"host\": {\"image\": \"i\"}, \"config\": {\"volumes\": [\"/a:/quern/output\"]}}",
        "{\"host\": {\"image\": \"i\"}, \"config\": {\"volumes\": [7]}}",
    };
    for (size_t i = 0; i < QUERN_ARRAY_LEN(bad); i++) {
        struct rjob job;
        struct docker_def def;
        struct qerr err = QERR_INIT;
        def_job(&job, bad[i]);
        ck_assert_msg(docker_def_init(&def, &job, &err) == -1, "accepted %s", bad[i]);
        ck_assert_int_eq(err.code, QERR_INVALID);
        ck_assert_ptr_null(def.env);
        ck_assert_ptr_null(def.binds);
        json_decref(job.definition);
    }
    struct rjob job;
    struct docker_def def;
    struct qerr err = QERR_INIT;
    def_job(&job, "{\"host\": {\"image\": \"i\"}}");
    job.argv = NULL;
    ck_assert_int_eq(docker_def_init(&def, &job, &err), -1);
    json_decref(job.definition);
}
END_TEST

static Suite *docker_suite(void)
{
    Suite *s = suite_create("docker");
    TCase *logs = tcase_create("logs");
    tcase_add_test(logs, logs_whole);
    tcase_add_test(logs, logs_any_chunking);
    tcase_add_test(logs, logs_split_frame);
    tcase_add_test(logs, logs_big_frame);
    tcase_add_test(logs, logs_bad_header);
    suite_add_tcase(s, logs);
    TCase *api = tcase_create("api");
    tcase_add_test(api, api_paths);
    tcase_add_test(api, api_refuses);
    tcase_add_test(api, api_create_body);
    tcase_add_test(api, api_errors);
    tcase_add_test(api, api_parse_created_wait);
    tcase_add_test(api, api_parse_inspect_list_image);
    tcase_add_test(api, api_image_info);
    tcase_add_test(api, api_stats_cpu);
    tcase_add_test(api, cpu_next_sample);
    tcase_add_test(api, api_parse_pull);
    suite_add_tcase(s, api);
    TCase *def = tcase_create("def");
    tcase_add_test(def, def_reads_definition);
    tcase_add_test(def, def_defaults);
    tcase_add_test(def, def_refuses);
    suite_add_tcase(s, def);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(docker_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
