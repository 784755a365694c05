/* hello.c - Go's "go speak(msg)" in forja, joined with a wait group instead
 * of sleeping and hoping. Build: make examples. */
#include <forja.h>
#include <stdio.h>

struct speech {
    const char *msg;
    fj_wg *wg;
};

static void speak(void *arg)
{
    struct speech *s = arg;           /* our own copy: fj_go_copy made it */
    printf("%s\n", s->msg);
    fj_wg_done(s->wg);
}

int main(void)
{
    fj_wg wg = FJ_WG_INIT;
    const char *words[] = { "Hello", "World" };
    for (int i = 0; i < 2; i++) {
        struct speech s = { words[i], &wg };
        fj_wg_add(&wg, 1);
        if (fj_go_copy(NULL, speak, &s, sizeof s) != 0) {
            fj_wg_done(&wg);
            return 1;
        }
    }
    fj_wg_wait(&wg);                  /* the default pool drains at exit too */
    return 0;
}
