/* os.h - everything that touches the operating system (os.c). */
#ifndef FJI_OS_H
#define FJI_OS_H

#include <stddef.h>
#include <stdint.h>

/* Futexes, process-private. wait returns when *addr != expected, when woken,
 * or spuriously: callers always re-check their condition. */
void fji_futex_wait(uint32_t *addr, uint32_t expected);
void fji_futex_wake(uint32_t *addr, int n);   /* never reads *addr: see os.c */

unsigned fji_os_cpu_count(void);      /* CPUs in this process's affinity mask, >= 1 */
void     fji_os_pin(unsigned i);      /* pin the caller to the (i mod n)-th CPU; best effort */
void     fji_os_set_name(const char *name);

/* Every allocation of the library goes through these (os.c), so a test can
 * make them fail: see FORJA_FAIL_ALLOC in os.c. */
void *fji_alloc(size_t size);
void *fji_alloc_aligned(size_t align, size_t size);
void  fji_free(void *p);

#endif
