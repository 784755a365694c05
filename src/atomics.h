/* atomics.h - the only includer of ck_pr.h: every atomic access in src/ goes
 * through these helpers, whose names spell their ordering, so each call site
 * shows what it promises.
 *
 * Two modes:
 *   normal  Concurrency Kit's ck_pr (inline assembly). On x86-64 no helper
 *           emits a fence instruction: acquire loads and release stores are
 *           plain moves, and every RMW is a locked instruction, which is a
 *           full barrier. On weakly ordered CPUs (ck_md.h's CK_MD_RMO:
 *           aarch64) ck_pr's RMWs order nothing ("modeled as stores",
 *           ck_pr.h), so every *_seq_cst helper puts its RMW between two
 *           ck_pr_fence_memory() (dmb ish), and acquire loads and release
 *           stores use ck_pr_fence_acquire / ck_pr_fence_release (dmb ish:
 *           ck_pr_fence_store alone would not keep earlier loads before a
 *           release store). Found in review: until then the CAS that
 *           publishes slots and the exchange that marks a stolen child DONE
 *           were bare ldxr/stxr loops on aarch64. The qemu runs of
 *           make test-arm64 cannot show such reorderings (qemu keeps the
 *           host's x86 order); the fences follow CK's documented model.
 *   TSan    ThreadSanitizer cannot see ck_pr's inline assembly and would
 *           report false races, so under TSan (gcc: __SANITIZE_THREAD__,
 *           clang: __has_feature(thread_sanitizer)) the same helpers map to
 *           the compiler's __atomic builtins with the named order.
 * ck_pr's loads and stores are relaxed with respect to reordering by the
 * CPU; the acquire/release helpers add ck_pr_fence_acquire /
 * ck_pr_fence_release, which on x86-64 (TSO) only stop the compiler from
 * reordering.
 *
 * StoreLoad after an RMW: the protocols that need a StoreLoad barrier
 * (src/sleep.c [S1]) make their store an RMW and follow it with
 * fji_fence_atomic_load(): ck_pr_fence_atomic_load is free on x86-64, where a
 * locked instruction already is a full barrier, and a real fence on weakly
 * ordered CPUs; in TSan mode it is a seq-cst fence, which is what the C11
 * model needs for the store-buffering shape (two seq-cst fences).
 * Where the kernel has membarrier the injection push skips even the RMW and
 * uses fji_compiler_barrier(); the other side calls os.c's fji_os_barrier().
 */
#ifndef FJI_ATOMICS_H
#define FJI_ATOMICS_H

#include <stdbool.h>
#include <stdint.h>

#include "forja.h"                  /* forja/detail.h: FJI_TSAN_BUILD */

#ifdef FJI_TSAN_BUILD

static inline uint32_t fji_load_relaxed_32(const uint32_t *p) { return __atomic_load_n(p, __ATOMIC_RELAXED); }
static inline uint32_t fji_load_acquire_32(const uint32_t *p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
static inline uint64_t fji_load_relaxed_64(const uint64_t *p) { return __atomic_load_n(p, __ATOMIC_RELAXED); }
static inline uint64_t fji_load_acquire_64(const uint64_t *p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
static inline void *fji_load_acquire_ptr(void *const *p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
static inline void *fji_load_relaxed_ptr(void *const *p) { return __atomic_load_n(p, __ATOMIC_RELAXED); }
static inline void fji_store_relaxed_32(uint32_t *p, uint32_t v) { __atomic_store_n(p, v, __ATOMIC_RELAXED); }
static inline void fji_store_release_32(uint32_t *p, uint32_t v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }
static inline void fji_store_relaxed_64(uint64_t *p, uint64_t v) { __atomic_store_n(p, v, __ATOMIC_RELAXED); }
static inline void fji_store_release_64(uint64_t *p, uint64_t v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }
static inline void fji_store_release_ptr(void **p, void *v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }
static inline void fji_store_relaxed_ptr(void **p, void *v) { __atomic_store_n(p, v, __ATOMIC_RELAXED); }
static inline bool fji_cas_seq_cst_64(uint64_t *p, uint64_t old, uint64_t new_)
{ return __atomic_compare_exchange_n(p, &old, new_, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST); }
static inline bool fji_cas_seq_cst_32(uint32_t *p, uint32_t old, uint32_t new_)
{ return __atomic_compare_exchange_n(p, &old, new_, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST); }
static inline bool fji_cas_seq_cst_ptr(void **p, void *old, void *new_)
{ return __atomic_compare_exchange_n(p, &old, new_, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST); }
static inline uint64_t fji_faa_seq_cst_64(uint64_t *p, uint64_t d) { return __atomic_fetch_add(p, d, __ATOMIC_SEQ_CST); }
static inline uint32_t fji_faa_seq_cst_32(uint32_t *p, uint32_t d) { return __atomic_fetch_add(p, d, __ATOMIC_SEQ_CST); }
static inline uint32_t fji_fas_seq_cst_32(uint32_t *p, uint32_t v) { return __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST); }
static inline uint64_t fji_fas_seq_cst_64(uint64_t *p, uint64_t v) { return __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST); }
static inline void fji_add_relaxed_64(uint64_t *p, uint64_t d) { __atomic_fetch_add(p, d, __ATOMIC_RELAXED); }
static inline void fji_fence_atomic_load(void) { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
static inline void fji_compiler_barrier(void) { __atomic_signal_fence(__ATOMIC_SEQ_CST); }
static inline void fji_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield" ::: "memory");
#endif
}

#else /* Concurrency Kit */

#include <ck_pr.h>

/* A seq-cst RMW: CK's own where its RMWs are serializing (TSO: a locked
 * instruction, whose asm also clobbers memory for the compiler), between
 * two full fences elsewhere (see top). */
#if defined(CK_MD_TSO)
#define FJI_SEQ_CST(T, rmw) return rmw
#else
#define FJI_SEQ_CST(T, rmw)                                                    \
    do {                                                                       \
        ck_pr_fence_memory();                                                  \
        T fji_r_ = rmw;                                                        \
        ck_pr_fence_memory();                                                  \
        return fji_r_;                                                         \
    } while (0)
#endif

static inline uint32_t fji_load_relaxed_32(const uint32_t *p) { return ck_pr_load_32(p); }
static inline uint32_t fji_load_acquire_32(const uint32_t *p) { uint32_t v = ck_pr_load_32(p); ck_pr_fence_acquire(); return v; }
static inline uint64_t fji_load_relaxed_64(const uint64_t *p) { return ck_pr_load_64(p); }
static inline uint64_t fji_load_acquire_64(const uint64_t *p) { uint64_t v = ck_pr_load_64(p); ck_pr_fence_acquire(); return v; }
static inline void *fji_load_acquire_ptr(void *const *p) { void *v = ck_pr_load_ptr(p); ck_pr_fence_acquire(); return v; }
static inline void *fji_load_relaxed_ptr(void *const *p) { return ck_pr_load_ptr(p); }
static inline void fji_store_relaxed_32(uint32_t *p, uint32_t v) { ck_pr_store_32(p, v); }
static inline void fji_store_release_32(uint32_t *p, uint32_t v) { ck_pr_fence_release(); ck_pr_store_32(p, v); }
static inline void fji_store_relaxed_64(uint64_t *p, uint64_t v) { ck_pr_store_64(p, v); }
static inline void fji_store_release_64(uint64_t *p, uint64_t v) { ck_pr_fence_release(); ck_pr_store_64(p, v); }
static inline void fji_store_release_ptr(void **p, void *v) { ck_pr_fence_release(); ck_pr_store_ptr(p, v); }
static inline void fji_store_relaxed_ptr(void **p, void *v) { ck_pr_store_ptr(p, v); }
static inline bool fji_cas_seq_cst_64(uint64_t *p, uint64_t old, uint64_t new_) { FJI_SEQ_CST(bool, ck_pr_cas_64(p, old, new_)); }
static inline bool fji_cas_seq_cst_32(uint32_t *p, uint32_t old, uint32_t new_) { FJI_SEQ_CST(bool, ck_pr_cas_32(p, old, new_)); }
static inline bool fji_cas_seq_cst_ptr(void **p, void *old, void *new_) { FJI_SEQ_CST(bool, ck_pr_cas_ptr(p, old, new_)); }
static inline uint64_t fji_faa_seq_cst_64(uint64_t *p, uint64_t d) { FJI_SEQ_CST(uint64_t, ck_pr_faa_64(p, d)); }
static inline uint32_t fji_faa_seq_cst_32(uint32_t *p, uint32_t d) { FJI_SEQ_CST(uint32_t, ck_pr_faa_32(p, d)); }
static inline uint32_t fji_fas_seq_cst_32(uint32_t *p, uint32_t v) { FJI_SEQ_CST(uint32_t, ck_pr_fas_32(p, v)); }
static inline uint64_t fji_fas_seq_cst_64(uint64_t *p, uint64_t v) { FJI_SEQ_CST(uint64_t, ck_pr_fas_64(p, v)); }
/* An atomic add that orders nothing (a counter many threads bump). */
static inline void fji_add_relaxed_64(uint64_t *p, uint64_t d) { ck_pr_add_64(p, d); }
static inline void fji_fence_atomic_load(void) { ck_pr_fence_atomic_load(); }
static inline void fji_compiler_barrier(void) { ck_pr_barrier(); }
static inline void fji_cpu_relax(void) { ck_pr_stall(); }

#endif

#endif /* FJI_ATOMICS_H */
