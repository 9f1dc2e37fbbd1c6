/*
 * backend_spec.h -- "pool:chunk=48:slab=65536,arena,malloc": which backends a
 * run uses and with what options. The syntax of every spec list
 * (pb_spec_list_next): ':' or ',' before each key=value option, a ',' then a
 * bare name starts the next backend. Knows the registry, nothing of
 * workloads or JSON.
 */
#ifndef PB_BACKEND_SPEC_H
#define PB_BACKEND_SPEC_H

#include <stddef.h>

#include "pb_backend.h"

#define PB_SPEC_MAX_OPTS 16 /* options one backend spec may carry */
#define PB_SPEC_TEXT_MAX 256 /* longest spec of one backend */

/* One backend as named on the command line, with its options. */
struct pb_backend_spec {
    const struct pb_backend_ops *ops;
    char text[PB_SPEC_TEXT_MAX];              /* the spec, ':' before each option: "pool:chunk=48" */
    char buf[PB_SPEC_TEXT_MAX];               /* storage the opts point into */
    struct pb_option opts[PB_SPEC_MAX_OPTS];
    size_t n_opts;
};

/* Parse one spec "NAME[:key=value]..." (',' may stand for any ':'; text
 * writes ':'. A bare first path, with a '/', stands for the backend's first
 * option: "preload:/x.so" = "preload:lib=/x.so"): 0 ok; -1 and why (unknown
 * backend, unknown option, malformed key=value) in err. Values are checked by
 * create(). */
int pb_backend_spec_parse(const char *text, struct pb_backend_spec *out, char *err,
                          size_t errlen);

/* Parse a list ("pool:chunk=48,slab=16k,malloc", split by pb_spec_list_next)
 * into out[0..max); the count, or -1 and err. */
int pb_backend_spec_parse_list(const char *text, struct pb_backend_spec *out, size_t max,
                               char *err, size_t errlen);

#endif /* PB_BACKEND_SPEC_H */
