/*
 * record_libpython.c -- an empty shared library built as libpython3-pbfake.so:
 * a process that maps it looks to the recorder like one embedding Python
 * (tests/record_python.sh preloads it into tests/record_target).
 */
int pb_record_fake_python = 1;
