/* stress_soak.c - the randomized soak driver (tests/soak/soak.c) with a
 * 3-second default, so ctest runs it in the plain, ASan and TSan builds.
 * `make soak SECONDS=600 SANITIZE=thread` runs this same binary for longer:
 * usage: stress_soak [seconds [seed]]. Exit status 0: no failure. */
#define SOAK_DEFAULT_SECONDS 3
#define SOAK_HANG_SECONDS 60
#include "soak/soak.c"
