/* support.h - helpers several test files share: a fork-join fib task, a
 * count of this process's threads, and a pause before fork(). Header-only (static), so each test stays
 * one self-contained program. */
#ifndef FORJA_TEST_SUPPORT_H
#define FORJA_TEST_SUPPORT_H

#include <dirent.h>
#include <stddef.h>
#include <sys/types.h>
#include <unistd.h>

#include <forja.h>

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
 * on 16 KiB worker stacks (under ASan too). */
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
    fj_spawn(&g, fib_task, &a);
    fib_task(&b);
    fj_sync(&g);
    f->r = a.r + b.r;
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

/* Read fd to its end (a child's stdout or stderr) into buf as a string of
 * at most cap - 1 characters, then close it. */
__attribute__((unused)) static void read_to_end(int fd, char *buf, size_t cap)
{
    size_t got = 0;
    ssize_t r;
    while (got + 1 < cap && (r = read(fd, buf + got, cap - 1 - got)) > 0)
        got += (size_t)r;
    buf[got] = '\0';
    close(fd);
}

#endif
