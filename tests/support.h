/* support.h - helpers several test files share: fork-join fib tasks (plain
 * and typed) and fib's closed form, a
 * count of this process's threads and a wait for it to settle, a pause
 * before fork(), running a child process (a function, or this binary again)
 * with its output collected, waits for a request for work or a flag, a
 * busy wait of a given time, and, for the Criterion suites, make_pool, drop_pool, expect_answered,
 * expect_abort and suite_main.
 * Header-only (static), so each test stays one self-contained program. */
#ifndef FORJA_TEST_SUPPORT_H
#define FORJA_TEST_SUPPORT_H

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <forja.h>

#include "deque.h"                  /* src/: fji_hot_asked */

/* Keep this thread busy, without sleeping, for ns nanoseconds of
 * CLOCK_MONOTONIC: a task that holds its worker (or a caller) that long. */
__attribute__((unused)) static void spin_ns(long ns)
{
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    do
        clock_gettime(CLOCK_MONOTONIC, &t);
    while ((t.tv_sec - t0.tv_sec) * 1000000000L + (t.tv_nsec - t0.tv_nsec) < ns);
}

/* Run fn(arg) on this thread and on one more at the same moment: both
 * spin until the other has started, then call fn. Returns 0 once both
 * calls returned; -1 if the second thread could not start (fn not run). */
struct at_once { void (*fn)(void *); void *arg; atomic_int ready; };

static void *at_once_side(void *p)
{
    struct at_once *a = p;
    atomic_fetch_add(&a->ready, 1);
    while (atomic_load(&a->ready) < 2)
        ;
    a->fn(a->arg);
    return NULL;
}

__attribute__((unused)) static int on_two_threads_at_once(void (*fn)(void *), void *arg)
{
    struct at_once a = { fn, arg, 0 };
    pthread_t t;
    if (pthread_create(&t, NULL, at_once_side, &a) != 0)
        return -1;
    at_once_side(&a);
    pthread_join(t, NULL);
    return 0;
}

/* Call before fork() in a process whose pool has just started: gives every
 * worker 100 ms to finish starting and park. glibc's fork holds its malloc
 * locks across the fork, so this is not needed for forja; GCC 12's ASan
 * allocator has no such handler, and a worker still in its thread start-up
 * (where ASan allocates) left the child holding a locked allocator mutex: a
 * hang in about 1 run in 10 under ASan (test_pool's fork test, test_fork's
 * "task" mode; seen at eb7b8ac too). */
__attribute__((unused)) static void settle_before_fork(void)
{
    usleep(100000);
}

/* fib(n) with fj_spawn/fj_sync and no cutoff; f->r receives the result.
 * Not inline: inlined into itself its frame grows, and test_misuse runs it
 * on 16 KiB worker stacks (under ASan too). A file that wants to count the
 * spawns defines FIB_ON_SPAWN() before including this header. */
#ifndef FIB_ON_SPAWN
#define FIB_ON_SPAWN() ((void)0)
#endif

struct fib { int n; long r; };

__attribute__((unused)) static void fib_task(void *p)
{
    struct fib *f = p;
    if (f->n < 2) {
        f->r = f->n;
        return;
    }
    struct fib a = { f->n - 1, 0 }, b = { f->n - 2, 0 };
    fj_group g = FJ_GROUP_INIT;
    FIB_ON_SPAWN();
    fj_spawn(&g, fib_task, &a);
    fib_task(&b);
    fj_sync(&g);
    f->r = a.r + b.r;
}

/* fib(n) by iteration, the closed form the fork-join results are checked
 * against (n <= 92). */
__attribute__((unused)) static long fib_iter(int n)
{
    long a = 0, b = 1;
    for (int i = 0; i < n; i++) {
        long t = a + b;
        a = b;
        b = t;
    }
    return a;
}

/* fib(n) as a typed task (FJ_TASK): FJ_SPAWN fib(n-1), FJ_CALL fib(n-2),
 * FJ_SYNC; no cutoff. */
FJ_TASK(long, tfib, int, n)
{
    if (n < 2)
        return n;
    FJ_SPAWN(tfib, n - 1);
    long b = FJ_CALL(tfib, n - 2);
    return FJ_SYNC(tfib) + b;
}

#ifdef CRITERION_H_
/* Criterion suites (criterion.h included first): a pool of exactly
 * `workers` workers; a failed create fails the test. */
__attribute__((unused)) static fj_pool *make_pool(unsigned workers)
{
    fj_pool *p = NULL;
    fj_config cfg = { .workers = workers };
    cr_assert_eq(fj_pool_create(&p, &cfg), 0);
    cr_assert_not_null(p);
    cr_assert_eq(fj_pool_size(p), workers);
    return p;
}

/* Destroy a pool make_pool made; a failed destroy fails the test. */
__attribute__((unused)) static void drop_pool(fj_pool *p)
{
    cr_assert_eq(fj_pool_destroy(p), 0);
}
#endif

/* Poll cond(arg) each millisecond for at most 10 s; 1 once it holds. */
__attribute__((unused)) static int poll_until(int (*cond)(const void *), const void *arg)
{
    for (int i = 0; i < 10000; i++) {
        if (cond(arg))
            return 1;
        usleep(1000);
    }
    return cond(arg);
}

/* Has another worker asked the calling one for work (src/deque.c [D6]:
 * limit lowered below every slot)? White-box: src/deque.h fji_hot_asked. */
__attribute__((unused)) static int asked_cond(const void *unused)
{
    (void)unused;
    return fji_hot_asked(fji_tls_hot);
}

/* Inside a task: wait (poll_until) until another worker has asked this one
 * for work. */
__attribute__((unused)) static int wait_until_asked(void)
{
    return poll_until(asked_cond, NULL);
}

__attribute__((unused)) static int flag_cond(const void *flag)
{
    return __atomic_load_n((const int *)flag, __ATOMIC_ACQUIRE);
}

/* Wait (poll_until) until *flag is set. */
__attribute__((unused)) static int wait_for_flag(const int *flag)
{
    return poll_until(flag_cond, flag);
}

/* Threads of this process (entries of /proc/self/task). */
__attribute__((unused)) static int thread_count(void)
{
    DIR *d = opendir("/proc/self/task");
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        n += e->d_name[0] != '.';
    if (d)
        closedir(d);
    return n;
}

/* thread_count() once it equals want, or after about 2 s: joined threads
 * may linger in /proc/self/task for a moment, so poll, bounded. */
__attribute__((unused)) static int settle_thread_count(int want)
{
    int n = thread_count();
    for (int i = 0; i < 2000 && n != want; i++) {
        usleep(1000);
        n = thread_count();
    }
    return n;
}

/* Read fd to its end (a child's stdout or stderr) into buf as a string of
 * at most cap - 1 characters, then close it. What does not fit is read and
 * dropped, so a child that writes more never blocks on a full pipe or dies
 * of SIGPIPE. */
__attribute__((unused)) static void read_to_end(int fd, char *buf, size_t cap)
{
    size_t got = 0;
    char sink[256];
    for (;;) {
        ssize_t r = got + 1 < cap ? read(fd, buf + got, cap - 1 - got)
                                  : read(fd, sink, sizeof sink);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        if (got + 1 < cap)
            got += (size_t)r;
    }
    buf[got] = '\0';
    close(fd);
}

/* Close both ends of a pipe; an end of -1 is not open. */
__attribute__((unused)) static void close_pipe(int fd[2])
{
    if (fd[0] >= 0)
        close(fd[0]);
    if (fd[1] >= 0)
        close(fd[1]);
}

/* Fork; the child runs child(arg) and exits with its return value. The
 * child's stdout goes to out and its stderr to err, each read to its end
 * as a string (read_to_end); a NULL buffer leaves that stream shared with
 * ours. stdout is read before stderr: fine for the few KiB the children
 * here write (a child that filled the stderr pipe first would stall).
 * Returns the child's wait status, or -1 if a pipe, the fork or waitpid
 * failed. */
__attribute__((unused)) static int run_forked(int (*child)(const void *), const void *arg,
                                              char *out, size_t outcap, char *err, size_t errcap)
{
    int po[2] = { -1, -1 }, pe[2] = { -1, -1 };
    if ((out && pipe(po) != 0) || (err && pipe(pe) != 0)) {
        close_pipe(po);
        close_pipe(pe);
        return -1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        if (out)
            dup2(po[1], 1);
        if (err)
            dup2(pe[1], 2);
        close_pipe(po);
        close_pipe(pe);
        _exit(child(arg));
    }
    if (pid == -1) {
        close_pipe(po);
        close_pipe(pe);
        return -1;
    }
    if (out)
        close(po[1]);
    if (err)
        close(pe[1]);
    if (out)
        read_to_end(po[0], out, outcap);
    if (err)
        read_to_end(pe[0], err, errcap);
    int status;
    if (waitpid(pid, &status, 0) != pid)
        return -1;
    return status;
}

extern char **environ;

/* run_self's child: exec this binary with environment envp. */
__attribute__((unused)) static int exec_self(const void *envp)
{
    char *argv[] = { "forja-test-child", NULL };
    execve("/proc/self/exe", argv, (char *const *)envp);
    return 127;
}

/* Run this binary again as a child (run_forked: out, err, the status, -1).
 * Its environment is ours less Criterion's BXFI_* variables and every
 * FORJA_* one, plus vars (NULL-terminated "NAME=value" strings: the mode
 * the child's main() runs instead of Criterion, a FORJA_ setting), so the
 * child sees exactly the FORJA_ settings the test names. */
__attribute__((unused)) static int run_self(const char *const *vars, char *out, size_t outcap,
                                            char *err, size_t errcap)
{
    size_t n = 0, nvars = 0;
    while (environ[n])
        n++;
    while (vars[nvars])
        nvars++;
    char **envp = calloc(n + nvars + 1, sizeof *envp);
    if (!envp)
        return -1;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], "BXFI_", 5) && strncmp(environ[i], "FORJA_", 6))
            envp[k++] = environ[i];
    for (size_t i = 0; i < nvars; i++)
        envp[k++] = (char *)vars[i];
    envp[k] = NULL;
    int status = run_forked(exec_self, envp, out, outcap, err, errcap);
    free(envp);
    return status;
}

#ifdef CRITERION_H_
/* main() of a suite that runs itself again as a child (run_self): with the
 * environment variable mode_var set, run child_main(its value) instead of
 * Criterion and exit with what it returns. */
__attribute__((unused)) static int suite_main(int argc, char *argv[], const char *mode_var,
                                              int (*child_main)(const char *))
{
    const char *mode = getenv(mode_var);
    if (mode)
        return child_main(mode);
    struct criterion_test_set *tests = criterion_initialize();
    int result = 0;
    if (criterion_handle_args(argc, argv, true))
        result = !criterion_run_all_tests(tests);
    criterion_finalize(tests);
    return result;
}

/* The request-for-work tests (test_group, test_typed): what the parent saw,
 * filled by root. Five rounds on a pool of two workers, *flag (the child's
 * "I ran") cleared before each: the other worker must have asked, and the
 * child must have run on it while the parent, which spawned only that
 * child, waited. */
struct answer_seen { int asked, ran, parent, child; };

__attribute__((unused)) static void expect_answered(fj_fn root, int *flag)
{
    fj_pool *p = make_pool(2);
    for (int i = 0; i < 5; i++) {
        struct answer_seen s = { 0, 0, -1, -1 };
        __atomic_store_n(flag, 0, __ATOMIC_RELAXED);
        cr_assert_eq(fj_run(p, root, &s), 0);
        cr_assert(s.asked, "round %d: the idle worker never asked for work", i);
        cr_assert(s.ran, "round %d: the child did not run while its parent waited", i);
        cr_assert_neq(s.parent, s.child, "round %d: the child ran on its parent's worker", i);
    }
    drop_pool(p);
}

struct abort_call { int (*child)(const void *); const void *arg; };

/* expect_abort's child process: SIGABRT back to its default (Criterion
 * catches it), then the call. */
__attribute__((unused)) static int abort_call_run(const void *p)
{
    const struct abort_call *c = p;
    signal(SIGABRT, SIG_DFL);
    return c->child(c->arg);
}

/* Criterion suites: child(arg), run in a forked process, must die of
 * SIGABRT with a "forja: ..." message on stderr that contains message;
 * what names the case in a failure. */
__attribute__((unused)) static void expect_abort(const char *what,
                                                 int (*child)(const void *),
                                                 const void *arg, const char *message)
{
    char err[1024];
    struct abort_call c = { child, arg };
    int st = run_forked(abort_call_run, &c, NULL, 0, err, sizeof err);
    cr_assert_neq(st, -1, "%s: could not fork", what);
    cr_expect(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT,
              "%s: status %#x (want SIGABRT), stderr: %s", what, st, err);
    cr_expect(strstr(err, message) != NULL && strncmp(err, "forja: ", 7) == 0,
              "%s: stderr \"%s\" does not say \"forja: ...%s\"", what, err, message);
}
#endif

#endif
