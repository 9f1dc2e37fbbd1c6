/*
 * pb_paths.h -- finding poolbench's own files (plot scripts, shipped traces,
 * the recorder library) relative to the running executable, so an installed
 * tree (bin/, lib/poolbench/, share/poolbench/) works wherever its prefix is.
 */
#ifndef PB_PATHS_H
#define PB_PATHS_H

#include <stddef.h>

/* The running executable's directory joined with rel ("../share/poolbench");
 * 0 and the path in out, -1 when /proc/self/exe cannot be read or out is too small. */
int pb_exe_relative(const char *rel, char *out, size_t len);

/* One of poolbench's own libraries (libpbrecord.so, libpoolbench-pools.so):
 * $env_var when set (it must be readable), else beside the executable (the
 * build tree), else ../lib/poolbench/ from it (an installed tree), else
 * libdir. 0 and its real path in out, or -1. */
int pb_find_own_library(const char *name, const char *env_var, const char *libdir, char *out,
                        size_t cap);

#endif /* PB_PATHS_H */
