/* stress_sleep.c - no lost wake-up (src/sleep.c I1): again and again, let the
 * pool go idle for a varying while (so workers are spinning, just parking, or
 * parked), then submit one task from outside and wait for it. A lost wake-up
 * shows as a hang: a watchdog thread reports the round and exits non-zero
 * (ctest's TIMEOUT is the second line of defence). Two submitters race each
 * other's wake-ups; a third round type submits from a task to a sleeping peer.
 * Plain main so it also runs under TSan. Exit status 0: every round finished. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "forja.h"

#define ROUNDS 2000                 /* per submitter */
#define SUBMITTERS 2
#define HANG_SECONDS 60

static fj_pool *pool;
static atomic_long progress, failures;
static atomic_int finished;

static void pause_us(long us)
{
    if (us == 0)
        return;
    struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static void mark(void *p)
{
    atomic_fetch_add((atomic_int *)p, 1);
}

struct done_arg { fj_wg *wg; atomic_int *ran; };

static void mark_done(void *p)
{
    struct done_arg *a = p;
    atomic_fetch_add(a->ran, 1);
    fj_wg_done(a->wg);
}

/* From a task: wake a sleeping peer by pushing to our own deque... and then
 * wait, which lets this worker run the child itself if nobody steals it. */
static void go_from_task(void *p)
{
    atomic_int *ran = p;
    fj_wg wg = FJ_WG_INIT;
    struct done_arg a = { &wg, ran };
    fj_wg_add(&wg, 1);
    if (fj_go(NULL, mark_done, &a) != 0) {
        atomic_fetch_add(&failures, 1);
        fj_wg_done(&wg);
    }
    fj_wg_wait(&wg);
}

static void *submitter(void *arg)
{
    intptr_t id = (intptr_t)arg;
    static const long idle_us[] = { 0, 5, 50, 200, 1000, 3000, 20, 500 };
    for (int r = 0; r < ROUNDS; r++) {
        pause_us(idle_us[(r * (id + 3)) % 8]);
        atomic_int ran = 0;
        int want = 1;
        switch ((r + id) % 4) {
        case 0: {                       /* fj_go + wait outside */
            fj_wg wg = FJ_WG_INIT;
            struct done_arg a = { &wg, &ran };
            fj_wg_add(&wg, 1);
            if (fj_go(pool, mark_done, &a) != 0) {
                atomic_fetch_add(&failures, 1);
                fj_wg_done(&wg);
            }
            fj_wg_wait(&wg);
            break;
        }
        case 1:                         /* fj_run: the caller sleeps until done */
            if (fj_run(pool, mark, &ran) != 0)
                atomic_fetch_add(&failures, 1);
            break;
        case 2: {                       /* fj_go_copy + wait */
            fj_wg wg = FJ_WG_INIT;
            struct done_arg a = { &wg, &ran };
            fj_wg_add(&wg, 1);
            if (fj_go_copy(pool, mark_done, &a, sizeof a) != 0) {
                atomic_fetch_add(&failures, 1);
                fj_wg_done(&wg);
            }
            fj_wg_wait(&wg);
            break;
        }
        default:                        /* a task that fj_go's to its peers */
            if (fj_run(pool, go_from_task, &ran) != 0)
                atomic_fetch_add(&failures, 1);
            break;
        }
        if (atomic_load(&ran) != want) {
            fprintf(stderr, "stress_sleep: submitter %d round %d: task ran %d times\n",
                    (int)id, r, atomic_load(&ran));
            atomic_fetch_add(&failures, 1);
        }
        atomic_fetch_add(&progress, 1);
    }
    return NULL;
}

static void *watchdog(void *arg)
{
    (void)arg;
    long last = -1;
    int still = 0;
    while (!atomic_load(&finished)) {
        pause_us(100000);
        long now = atomic_load(&progress);
        still = now == last ? still + 1 : 0;
        last = now;
        if (still >= HANG_SECONDS * 10) {
            fprintf(stderr, "stress_sleep: no progress for %d s after %ld rounds: "
                    "lost wake-up?\n", HANG_SECONDS, now);
            _exit(2);
        }
    }
    return NULL;
}

int main(void)
{
    fj_config cfg = { .workers = 2 };
    if (fj_pool_create(&pool, &cfg) != 0) {
        fprintf(stderr, "stress_sleep: fj_pool_create failed\n");
        return 1;
    }
    pthread_t dog, th[SUBMITTERS];
    if (pthread_create(&dog, NULL, watchdog, NULL) != 0)
        return 1;
    for (intptr_t i = 0; i < SUBMITTERS; i++)
        if (pthread_create(&th[i], NULL, submitter, (void *)i) != 0)
            return 1;
    for (int i = 0; i < SUBMITTERS; i++)
        pthread_join(th[i], NULL);
    atomic_store(&finished, 1);
    pthread_join(dog, NULL);

    fj_stats s;
    fj_pool_stats(pool, &s);
    if (fj_pool_destroy(pool) != 0)
        atomic_fetch_add(&failures, 1);
    long f = atomic_load(&failures);
    printf("stress_sleep: %ld rounds, %llu sleeps: %s\n", atomic_load(&progress),
           (unsigned long long)s.sleeps, f ? "FAIL" : "ok");
    return f != 0;
}
