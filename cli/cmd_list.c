/*
 * cmd_list.c -- `poolbench list`: every backend with its description,
 * capability flags and options, then every workload generator with its
 * parameters and their defaults.
 */
#include "pb_backend.h"
#include "pb_cli.h"
#include "pb_generators.h"

#include <getopt.h>
#include <stdio.h>

const char pb_spec_syntax_help[] =
    "spec syntax (--backend and --workload alike): NAME, then key=value options, each\n"
    "  after ':' or ',' (pool:chunk=48:slab=16k is pool:chunk=48,slab=16k). Several\n"
    "  specs: repeat the option, or list them with ',': after a ',', a word with '='\n"
    "  is one more option of the spec before it, a word without '=' is the NAME of\n"
    "  the next spec.\n"
    "    two backends:  --backend pool:chunk=48,slab=16k,malloc\n"
    "    two workloads: --workload churn:size=64,live=100,ramp:peak=2000\n"
    "  The results write a backend spec with ':' only (pool:chunk=48:slab=16k).\n";

static const char *const flag_names[] = {
    "thread-safe", "own-mappings", "free-noop", "free-all",
    "no-memory",   "fixed-size",   "process-wide", "tagged",
    "baseline",    "preload-twin",
};

static void print_flags(unsigned flags)
{
    int first = 1;
    for (unsigned i = 0; i < sizeof flag_names / sizeof flag_names[0]; i++) {
        if (flags & (1u << i)) {
            printf("%s%s", first ? "" : ", ", flag_names[i]);
            first = 0;
        }
    }
    printf("%s\n", first ? "none" : "");
}

static void print_backend(const struct pb_backend_ops *ops)
{
    char why[PB_ERR_MAX] = "";
    int ok = !ops->available || ops->available(why, sizeof why) == 0;
    printf("  %-12s %s\n", ops->name, ops->description);
    if (!ok)
        printf("  %-12s   unavailable: %s\n", "", why);
    printf("  %-12s   flags: ", "");
    print_flags(ops->flags);
    for (const struct pb_option_desc *d = ops->options; d && d->key; d++)
        printf("  %-12s   %s=%s  %s\n", "", d->key, d->default_value, d->help);
}

static void print_generator(const struct pb_generator *g)
{
    printf("  %-12s %s\n", g->name, g->description);
    for (const struct pb_param_desc *d = g->params; d->key; d++) {
        char kv[64];
        snprintf(kv, sizeof kv, "%s=%s", d->key, d->default_value);
        printf("  %-12s   %-22s %s\n", "", kv, d->help);
    }
}

int pb_cmd_list(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (c == 'h') {
            printf("usage: poolbench list\n\n"
                   "Lists every backend (with its flags and key=default options, as given\n"
                   "to --backend NAME:key=value) and every workload generator.\n\n%s",
                   pb_spec_syntax_help);
            return PB_EXIT_OK;
        }
        fprintf(stderr, "usage: poolbench list\n");
        return PB_EXIT_USAGE;
    }
    if (optind < argc) {
        fprintf(stderr, "poolbench list: unexpected argument '%s'\n", argv[optind]);
        return PB_EXIT_USAGE;
    }
    printf("backends:\n");
    for (size_t i = 0; pb_backends[i]; i++)
        print_backend(pb_backends[i]);
    printf("\nworkload generators (--workload NAME:key=value,... or FILE.json):\n");
    for (size_t i = 0; pb_generators[i]; i++)
        print_generator(pb_generators[i]);
    printf("\n%s", pb_spec_syntax_help);
    return PB_EXIT_OK;
}
