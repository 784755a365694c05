/* os.h - everything that touches the operating system (os.c). */
#ifndef FJI_OS_H
#define FJI_OS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Futexes, process-private. wait returns when *addr != expected, when woken,
 * or spuriously: callers always re-check their condition. */
void fji_futex_wait(uint32_t *addr, uint32_t expected);
void fji_futex_wake(uint32_t *addr, int n);   /* never reads *addr: see os.c */

unsigned fji_os_cpu_count(void);      /* CPUs in this process's affinity mask, >= 1 */
void     fji_os_pin(unsigned i);      /* pin the caller to the (i mod n)-th CPU; best effort */
void     fji_os_unpin(void);          /* let the caller run on all of the process's CPUs */
int      fji_os_current_cpu(void);    /* the caller's CPU, or -1; errno kept */
/* Migrate the caller to another CPU of its affinity mask that taken() does
 * not claim, keeping that mask (spread.c); the CPU, or -1: not moved. */
int      fji_os_move_off(int me, bool (*taken)(int cpu, void *ctx), void *ctx);
void     fji_os_set_name(const char *name);
uint64_t fji_now_ns(void);            /* CLOCK_MONOTONIC in ns (vDSO: no system call) */
bool     fji_now_is_cheap(void);      /* fji_now_ns under 200 ns; measured once */

/* Asymmetric fences (os.c): when fji_os_asym is set, the post side of a
 * store-buffering pair needs only a compiler barrier and the rare side calls
 * fji_os_barrier(). Decided by fji_os_asym_init (every pool creation; once
 * per process) and again in a fork child; read-only in between. */
extern bool fji_os_asym;
void fji_os_asym_init(void);
void fji_os_asym_after_fork(void);
void fji_os_barrier(void);           /* membarrier: a full barrier on every thread */

/* Every allocation of the library goes through these (os.c), so a test can
 * make them fail: see FORJA_FAIL_ALLOC in os.c. */
void *fji_alloc(size_t size);
void *fji_alloc_aligned(size_t align, size_t size);
void  fji_free(void *p);

#endif
