// consumer.cpp - forja.h from C++ (make test-install, with pkg-config): the
// header and its inline fj_spawn/fj_sync compile as C++11 and link against
// the C library, and so does a typed task (FJ_TASK). Exit status 0: the
// results were right.
#include <forja.h>

#include <cstdio>

namespace {

struct fib_arg { int n; long r; };

void fib(void *p)
{
    fib_arg *f = static_cast<fib_arg *>(p);
    if (f->n < 2) {
        f->r = f->n;
        return;
    }
    fib_arg a = { f->n - 1, 0 }, b = { f->n - 2, 0 };
    fj_group g = FJ_GROUP_INIT;
    fj_spawn(&g, fib, &a);
    fib(&b);
    fj_sync(&g);
    f->r = a.r + b.r;
}

FJ_TASK(long, tfib, int, n)
{
    if (n < 2)
        return n;
    FJ_SPAWN(tfib, n - 1);
    long b = FJ_CALL(tfib, n - 2);
    return FJ_SYNC(tfib) + b;
}

void tfib_root(void *p)
{
    fib_arg *f = static_cast<fib_arg *>(p);
    f->r = tfib(f->n);
}

} // namespace

int main()
{
    fib_arg f = { 20, 0 };
    int e = fj_run(nullptr, fib, &f);
    if (e != 0 || f.r != 6765) {
        std::fprintf(stderr, "consumer.cpp: fj_run %d, fib(20) = %ld\n", e, f.r);
        return 1;
    }
    fib_arg t = { 20, 0 };
    e = fj_run(nullptr, tfib_root, &t);
    if (e != 0 || t.r != 6765) {
        std::fprintf(stderr, "consumer.cpp: fj_run %d, typed fib(20) = %ld\n", e, t.r);
        return 1;
    }
    std::printf("consumer.cpp: fib(20) = %ld, typed too\n", f.r);
    return 0;
}
