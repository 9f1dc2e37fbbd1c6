/*
 * json_test.h -- helpers shared by the tests that read poolbench's JSON
 * output (test_cmd_run.c, test_sysalloc.c): read a file, and fetch a field
 * of the right type or fail the test naming the field. Include after cmocka.h.
 */
#ifndef PB_JSON_TEST_H
#define PB_JSON_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

/* The whole file as a string (NULL if it cannot be opened). */
static inline char *jt_slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    assert_non_null(s);
    assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = '\0';
    fclose(f);
    return s;
}

/* The file parsed as JSON (the test fails if it is missing or invalid). */
static inline cJSON *jt_load(const char *path)
{
    char *text = jt_slurp(path);
    assert_non_null(text);
    cJSON *j = cJSON_Parse(text);
    free(text);
    assert_non_null(j);
    return j;
}

static inline const cJSON *jt_get(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v)
        fail_msg("missing field '%s'", key);
    return v;
}

static inline const char *jt_str(const cJSON *o, const char *key)
{
    const cJSON *v = jt_get(o, key);
    if (!cJSON_IsString(v))
        fail_msg("field '%s' is not a string", key);
    return v->valuestring;
}

static inline double jt_num(const cJSON *o, const char *key)
{
    const cJSON *v = jt_get(o, key);
    if (!cJSON_IsNumber(v))
        fail_msg("field '%s' is not a number", key);
    return v->valuedouble;
}

static inline const cJSON *jt_obj(const cJSON *o, const char *key)
{
    const cJSON *v = jt_get(o, key);
    if (!cJSON_IsObject(v))
        fail_msg("field '%s' is not an object", key);
    return v;
}

static inline const cJSON *jt_arr(const cJSON *o, const char *key)
{
    const cJSON *v = jt_get(o, key);
    if (!cJSON_IsArray(v))
        fail_msg("field '%s' is not an array", key);
    return v;
}

/* The run of backend in a results document (the test fails if there is none). */
static inline const cJSON *jt_run_of(const cJSON *doc, const char *backend)
{
    const cJSON *r;
    cJSON_ArrayForEach(r, jt_get(doc, "runs"))
        if (strcmp(jt_str(r, "backend"), backend) == 0)
            return r;
    fail_msg("no run of backend '%s'", backend);
    return NULL;
}

#endif /* PB_JSON_TEST_H */
