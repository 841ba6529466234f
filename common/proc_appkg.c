// SPDX-License-Identifier: MIT
/* proc_appkg - OGC application packages into quern definitions; see proc_appkg.h. */
#include "common/compat.h"

#include <string.h>

#include "common/proc_appkg.h"

/* processDescription members that become info; inputs and outputs are copied as they are. */
static const char *const info_members[] = {
    "id",       "title",    "version",           "description",
    "keywords", "metadata", "jobControlOptions", "outputTransmission",
    NULL};
/* Members the server makes itself (links, mutable) or quern has no use for: dropped. */
static const char *const ignored_members[] = {"links", "mutable", "additionalParameters", NULL};
/* Members of an input or output description OGC allows and quern ignores. */
static const char *const ignored_io_members[] = {"valuePassThrough", "additionalParameters", NULL};

static bool in_list(const char *s, const char *const *list)
{
    for (size_t i = 0; list[i] != NULL; i++) {
        if (strcmp(s, list[i]) == 0) {
            return true;
        }
    }
    return false;
}

static bool mentions_cwl(const json_t *v)
{
    const char *s = json_string_value(v);
    return s != NULL && strstr(s, "cwl") != NULL;
}

/* A copy of an inputs/outputs map without the members quern ignores (new reference). */
static json_t *copy_io(const json_t *io)
{
    json_t *out = json_deep_copy(io);
    const char *name;
    json_t *entry;
    json_object_foreach(out, name, entry)
    {
        for (size_t i = 0; json_is_object(entry) && ignored_io_members[i] != NULL; i++) {
            json_object_del(entry, ignored_io_members[i]);
        }
    }
    return out;
}

static int read_description(const json_t *pd, const char *id, json_t *def, struct qerr *err)
{
    if (!json_is_object(pd)) {
        qerr_set(err, QERR_INVALID,
                 "processDescription is required: an OGC process description with id, title, "
                 "version, inputs and outputs");
        return -1;
    }
    json_t *info = json_object();
    json_object_set_new(def, "info", info);
    const char *name;
    json_t *v;
    json_object_foreach((json_t *)pd, name, v)
    {
        if (in_list(name, info_members)) {
            json_object_set(info, name, v);
        } else if (strcmp(name, "inputs") == 0 || strcmp(name, "outputs") == 0) {
            json_object_set_new(def, name, copy_io(v));
        } else if (!in_list(name, ignored_members)) {
            qerr_set(err, QERR_INVALID,
                     "processDescription.%s is not supported (quern reads id, title, version, "
                     "description, keywords, metadata, jobControlOptions, outputTransmission, "
                     "inputs, outputs)",
                     name);
            return -1;
        }
    }
    const json_t *pid = json_object_get(pd, "id");
    if (pid != NULL && !json_is_string(pid)) {
        qerr_set(err, QERR_INVALID, "processDescription.id must be a string");
        return -1;
    }
    if (pid == NULL && id == NULL) {
        qerr_set(err, QERR_INVALID, "processDescription.id is required");
        return -1;
    }
    if (pid != NULL && id != NULL && strcmp(json_string_value(pid), id) != 0) {
        qerr_set(err, QERR_INVALID,
                 "processDescription.id '%.100s' differs from the process id in the URL '%.100s'",
                 json_string_value(pid), id);
        return -1;
    }
    if (pid == NULL) {
        json_object_set_new(info, "id", json_string(id));
    }
    /* OGC makes the title optional, quern's definitions do not: the id stands in. */
    if (json_object_get(info, "title") == NULL) {
        json_object_set(info, "title", json_object_get(info, "id"));
    }
    return 0;
}

/* The one execution unit of pkg as an object, or NULL after setting err. */
static const json_t *the_unit(const json_t *eu, struct qerr *err)
{
    if (json_is_array(eu)) {
        if (json_array_size(eu) != 1) {
            qerr_set(err, QERR_INVALID,
                     "executionUnit: quern runs exactly one container image per process (got %zu "
                     "units)",
                     json_array_size(eu));
            return NULL;
        }
        eu = json_array_get(eu, 0);
    }
    if (!json_is_object(eu)) {
        qerr_set(err, QERR_INVALID,
                 "executionUnit is required: {\"type\": \"docker\", \"image\": \"name:tag\"}");
        return NULL;
    }
    return eu;
}

/* The container object of a unit (the unit itself or its qualified value), or NULL with err. */
static const json_t *container_of(const json_t *unit, const char **path, struct qerr *err)
{
    const json_t *type = json_object_get(unit, "type");
    const json_t *media = json_object_get(unit, "mediaType");
    if (mentions_cwl(type) || mentions_cwl(media)) {
        qerr_set(err, QERR_INVALID,
                 "executionUnit: CWL is not executed by quern; deploy a container image "
                 "({\"type\": \"docker\", \"image\": \"name:tag\"}) or quern's own definition "
                 "(application/yaml)");
        return NULL;
    }
    if (json_object_get(unit, "href") != NULL) {
        qerr_set(err, QERR_INVALID,
                 "executionUnit.href: quern does not fetch execution units by reference; give "
                 "the image inline: {\"type\": \"docker\", \"image\": \"name:tag\"}");
        return NULL;
    }
    if (type != NULL && (!json_is_string(type) || (strcmp(json_string_value(type), "docker") != 0 &&
                                                   strcmp(json_string_value(type), "oci") != 0))) {
        qerr_set(err, QERR_INVALID, "executionUnit.type must be docker or oci");
        return NULL;
    }
    const json_t *value = json_object_get(unit, "value");
    if (value != NULL) {
        if (!json_is_object(value)) {
            qerr_set(err, QERR_INVALID,
                     "executionUnit.value must be an object with the image: {\"image\": "
                     "\"name:tag\"}");
            return NULL;
        }
        *path = "executionUnit.value";
        return value;
    }
    *path = "executionUnit";
    return unit;
}

/* The smallest integer not below x (x > 0 and small enough for json_int_t). */
static json_int_t ceil_pos(double x)
{
    json_int_t n = (json_int_t)x;
    return (double)n < x ? n + 1 : n;
}

/* A number member of the unit's config into *out; false (err set) when it is not a number. */
static bool config_number(const json_t *cfg, const char *key, const char *path, double *out,
                          struct qerr *err)
{
    const json_t *v = json_object_get(cfg, key);
    if (v == NULL) {
        return true;
    }
    if (!json_is_number(v) || json_number_value(v) <= 0) {
        qerr_set(err, QERR_INVALID, "%s.config.%s must be a number above 0", path, key);
        return false;
    }
    *out = json_number_value(v);
    return true;
}

/* config: cpuMax (else cpuMin) cores, memoryMax (else memoryMin) GB, jobTimeout seconds. */
static int read_unit_config(const json_t *c, const char *path, json_t *config, struct qerr *err)
{
    const json_t *cfg = json_object_get(c, "config");
    if (cfg == NULL) {
        return 0;
    }
    if (!json_is_object(cfg)) {
        qerr_set(err, QERR_INVALID, "%s.config must be an object", path);
        return -1;
    }
    double cpu_min = 0, cpu_max = 0, mem_min = 0, mem_max = 0, timeout = 0;
    if (!config_number(cfg, "cpuMin", path, &cpu_min, err) ||
        !config_number(cfg, "cpuMax", path, &cpu_max, err) ||
        !config_number(cfg, "memoryMin", path, &mem_min, err) ||
        !config_number(cfg, "memoryMax", path, &mem_max, err) ||
        !config_number(cfg, "jobTimeout", path, &timeout, err)) {
        return -1;
    }
    json_t *res = json_object();
    double cpus = cpu_max > 0 ? cpu_max : cpu_min;
    double gb = mem_max > 0 ? mem_max : mem_min;
    if (cpus > 0) {
        json_object_set_new(res, "cpus", json_real(cpus));
    }
    if (gb > 0) {
        if (gb > 1024 * 1024) {
            json_decref(res);
            qerr_set(err, QERR_INVALID, "%s.config.memoryMax is in GB; %g is too large", path, gb);
            return -1;
        }
        json_object_set_new(res, "memory", json_integer(ceil_pos(gb * 1024)));
    }
    if (json_object_size(res) > 0) {
        json_object_set_new(config, "maxResources", res);
    } else {
        json_decref(res);
    }
    if (timeout > 0) {
        json_object_set_new(config, "timeout",
                            json_integer(timeout > 1e9 ? (json_int_t)1e9 : ceil_pos(timeout)));
    }
    return 0;
}

static int read_unit(const json_t *eu, json_t *def, struct qerr *err)
{
    const char *path = "executionUnit";
    const json_t *unit = the_unit(eu, err);
    const json_t *c = unit != NULL ? container_of(unit, &path, err) : NULL;
    if (c == NULL) {
        return -1;
    }
    const json_t *image = json_object_get(c, "image");
    if (!json_is_string(image) || json_string_length(image) == 0) {
        qerr_set(err, QERR_INVALID, "%s.image is required: the container image (name:tag)", path);
        return -1;
    }
    const json_t *dep = json_object_get(c, "deployment");
    if (dep != NULL && !json_is_string(dep)) {
        qerr_set(err, QERR_INVALID, "%s.deployment must be a string", path);
        return -1;
    }
    json_t *host = json_pack("{s:s, s:O}", "type", "docker", "image", image);
    json_object_set_new(def, "host", host);
    /* quern's extensions of the unit (additional members are allowed there). */
    static const char *const host_members[] = {"pull", "network", NULL};
    for (size_t i = 0; host_members[i] != NULL; i++) {
        json_t *v = json_object_get(c, host_members[i]);
        if (v != NULL) {
            json_object_set(host, host_members[i], v);
        }
    }
    json_t *cmd = json_object_get(c, "command");
    json_object_set_new(def, "command", cmd != NULL ? json_incref(cmd) : json_array());
    json_t *config = json_object();
    json_object_set_new(def, "config", config);
    json_t *env = json_object_get(c, "env");
    if (env != NULL) {
        json_object_set(config, "env", env);
    }
    return read_unit_config(c, path, config, err);
}

json_t *proc_appkg_to_def(const json_t *pkg, const char *id, struct qerr *err)
{
    if (!json_is_object(pkg)) {
        qerr_set(err, QERR_INVALID,
                 "an application package is a JSON object with processDescription and "
                 "executionUnit");
        return NULL;
    }
    json_t *def = json_object();
    if (def == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
        return NULL;
    }
    /* The unit first: a CWL package is refused as such, whatever its description says. */
    json_t *unit_part = json_object();
    if (unit_part == NULL || read_unit(json_object_get(pkg, "executionUnit"), unit_part, err) < 0 ||
        read_description(json_object_get(pkg, "processDescription"), id, def, err) < 0) {
        json_decref(unit_part);
        json_decref(def);
        return NULL;
    }
    /* Plugin file order: info, host, command, config, inputs, outputs. */
    json_t *out = json_object();
    static const char *const order[] = {"info",   "host",    "command", "config",
                                        "inputs", "outputs", NULL};
    for (size_t i = 0; out != NULL && order[i] != NULL; i++) {
        json_t *v = json_object_get(def, order[i]);
        if (v == NULL) {
            v = json_object_get(unit_part, order[i]);
        }
        if (v != NULL) {
            json_object_set(out, order[i], v);
        }
    }
    json_decref(unit_part);
    json_decref(def);
    if (out == NULL) {
        qerr_set(err, QERR_NOMEM, "out of memory");
    }
    return out;
}
