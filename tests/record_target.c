/*
 * record_target.c -- a program with a known allocation sequence, run under
 * `poolbench record` by tests/record_check.sh.
 *
 * Every block the test follows has a size in 4200..4299, a range libc's own
 * allocations do not use, so the checker can pick these events out of
 * everything else the process allocates. The expected traces are
 * tests/data/record_main.expected, record_fork.expected and
 * record_exec.expected (IDs renumbered in order of first appearance).
 *
 * Phases: single-threaded calls of every intercepted function; two threads
 * run one after the other (deterministic order); two threads allocating at
 * the same time (untracked sizes: they test serialisation, the checker
 * validates the whole trace); a fork child; a fork child that execs this
 * program again with the argument "exec-child". With the argument "killed"
 * it allocates, then dies by SIGKILL.
 */
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Keep a pointer alive in the compiler's eyes. */
static void *volatile sink;

static void *thread_a(void *arg)
{
    (void)arg;
    char *q = malloc(4240);
    q = realloc(q, 4241);
    free(q);
    void *r = malloc(4242); /* freed by main */
    sink = r;               /* not a tail call: the call site stays in this file */
    return r;
}

static void *thread_b(void *arg)
{
    (void)arg;
    void *q = calloc(1, 4243);
    free(q);
    return NULL;
}

/* Many small blocks from two threads at once (untracked sizes). */
static void *thread_stress(void *arg)
{
    uintptr_t seed = (uintptr_t)arg;
    void *live[64] = {0};
    for (int i = 0; i < 20000; i++) {
        seed = seed * 6364136223846793005u + 1442695040888963407u;
        unsigned k = (unsigned)(seed >> 40) % 64;
        free(live[k]);
        live[k] = malloc(1 + (seed >> 20) % 200);
        if ((seed >> 50) % 7 == 0)
            live[k] = realloc(live[k], 1 + (seed >> 30) % 300);
    }
    for (int k = 0; k < 64; k++)
        free(live[k]);
    return NULL;
}

static int run_thread(void *(*fn)(void *), void **ret)
{
    pthread_t t;
    if (pthread_create(&t, NULL, fn, NULL) != 0)
        return -1;
    return pthread_join(t, ret);
}

static int exec_child(void)
{
    void *p = malloc(4270);
    p = realloc(p, 4271);
    sink = p;
    free(p);
    sink = malloc(4272); /* still live at exit */
    return 0;
}

static int wait_ok(pid_t pid)
{
    int st;
    if (pid < 0 || waitpid(pid, &st, 0) != pid)
        return -1;
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* "killed": enough calls to fill the recorder's output buffer a few times,
 * then SIGKILL, so the trace ends without the recorder's closing summary. */
static int killed(void)
{
    for (int i = 0; i < 100000; i++) {
        sink = malloc(16 + (size_t)(i % 64));
        free(sink);
    }
    raise(SIGKILL);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "exec-child") == 0)
        return exec_child();
    if (argc > 1 && strcmp(argv[1], "killed") == 0)
        return killed();

    /* 1. every intercepted function, one thread */
    char *p1 = malloc(4201);
    char *p2 = calloc(7, 601);
    char *p3 = realloc(NULL, 4203);
    p1 = realloc(p1, 4251);
    void *p4 = aligned_alloc(64, 4224);
    void *p5 = NULL;
    if (posix_memalign(&p5, 256, 4256) != 0)
        return 1;
    void *p6 = memalign(128, 4228);
    void *p7 = valloc(4229);
    void *p8 = reallocarray(NULL, 3, 1410);
    free(p2);
    sink = realloc(p3, 0); /* glibc: frees p3, returns NULL */
    free(NULL);
    volatile size_t huge = SIZE_MAX / 2; /* volatile: hide the size from the compiler */
    sink = calloc(huge, 4);              /* overflows: fails, not recorded */
    sink = malloc(huge + huge);          /* fails, not recorded */
    if (!p1 || !p4 || !p5 || !p6 || !p7 || !p8)
        return 1;

    /* 2. two threads, one after the other */
    void *r = NULL;
    if (run_thread(thread_a, &r) != 0 || run_thread(thread_b, NULL) != 0)
        return 1;
    free(r);

    /* 3. two threads at the same time */
    pthread_t s1, s2;
    if (pthread_create(&s1, NULL, thread_stress, (void *)1) != 0 ||
        pthread_create(&s2, NULL, thread_stress, (void *)2) != 0)
        return 1;
    pthread_join(s1, NULL);
    pthread_join(s2, NULL);

    /* 4. a fork child: frees a parent's block (dropped), allocates its own */
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        free(p4);
        char *c = malloc(4260);
        c = realloc(c, 4261);
        free(c);
        sink = malloc(4262);
        exit(0);
    }
    if (wait_ok(pid) != 0)
        return 1;

    /* 5. a fork child that execs this program */
    pid = fork();
    if (pid == 0) {
        char *args[] = {argv[0], "exec-child", NULL};
        execv("/proc/self/exe", args);
        _exit(127);
    }
    if (wait_ok(pid) != 0)
        return 1;

    /* 6. tear down, leaving p8 live */
    char *p9 = malloc(4209);
    free(p1);
    free(p4);
    free(p5);
    free(p6);
    free(p7);
    free(p9);
    sink = p8;
    return 0;
}
