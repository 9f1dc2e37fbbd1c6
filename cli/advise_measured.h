/*
 * advise_measured.h -- the forms `advise --sites` prints, measured: read
 * back from a results file and set beside their predicted savings
 * (advise --sites --measured RESULTS). See advise_measured.c.
 */
#ifndef PB_ADVISE_MEASURED_H
#define PB_ADVISE_MEASURED_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdio.h>

#define PB_MEASURED_FORMS 3

/* One backend spec's run on the trace: its median ns/op, interval and peak resident. */
struct pb_form_measured {
    const char *spec;  /* the form's backend spec (the caller's string) */
    double predicted;  /* ns/op saved against malloc, the model's; NaN: no prediction */
    int found;         /* an ok run of spec on the trace is in the file */
    double ns, lo, hi; /* median ns/op and its interval */
    double resident;   /* peak resident bytes */
};

/* malloc's run and the forms' (the caller fills spec and predicted of f[0..n)). */
struct pb_sites_measured {
    char results[4096];
    struct pb_form_measured malloc;
    struct pb_form_measured f[PB_MEASURED_FORMS];
    size_t n;
};

/* Read path (a results file) and fill m's runs of the trace whose sha256 is
 * given. 0, or -1 and why (unreadable file, no malloc run of the trace). */
int pb_sites_measured_read(const char *path, const char *sha256, struct pb_sites_measured *m,
                           char *err, size_t errlen);

/* Do f's interval and malloc's overlap (its saving is noise)? */
int pb_form_overlaps_malloc(const struct pb_sites_measured *m, const struct pb_form_measured *f);

/* The comparison as text lines (strings from the file escaped). */
void pb_sites_measured_print(FILE *out, const struct pb_sites_measured *m);

/* The comparison as a JSON object (NULL out of memory). */
cJSON *pb_sites_measured_json(const struct pb_sites_measured *m);

#endif /* PB_ADVISE_MEASURED_H */
