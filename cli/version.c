/*
 * version.c -- build identification, filled in by CMake at configure time.
 */
#include "pb_cli.h"

#include "pb_build_info.h"

const char *pb_version_string(void)
{
    return "poolbench " PB_VERSION " (git " PB_GIT_COMMIT ")";
}
