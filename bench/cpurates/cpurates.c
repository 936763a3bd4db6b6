// `make bench-cpu-rates`: what this CPU's vector pipes sustain, for reading the inference kernels'
// figures. The VM has no performance counters, so the clock is inferred from a chain of float64
// additions (3 cycles each on AMD Zen 3 and Zen 4, 4 on Intel's recent cores: say which), and each
// operation's rate is measured on eight independent chains of it (one cycle of latency each, so the
// rate is the pipes', not the latency's).
#include <immintrin.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static double seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/// The CPU's model name, family and model from /proc/cpuinfo (a VM's model name may say only "AMD EPYC").
static void model(char *out, size_t size) {
    char name[256] = "unknown", family[32] = "?", number[32] = "?", line[512];
    FILE *f = fopen("/proc/cpuinfo", "r");
    while (f && fgets(line, sizeof line, f)) {
        const char *colon = strchr(line, ':');
        if (!colon) continue;
        char *field = strncmp(line, "model name", 10) == 0 ? name
                    : strncmp(line, "cpu family", 10) == 0 ? family
                    : strncmp(line, "model\t", 6) == 0 ? number : NULL;
        size_t fieldSize = field == name ? sizeof name : sizeof family;
        if (field) {
            snprintf(field, fieldSize, "%s", colon + 2);
            field[strcspn(field, "\n")] = 0;
        }
        if (line[0] == '\n') break;  // the first processor's block is enough
    }
    if (f) fclose(f);
    snprintf(out, size, "%s (family %s model %s)", name, family, number);
}

enum { ROUNDS = 50000000 };

/// Nanoseconds a float64 addition takes in a chain of dependent ones: the best of three timings. (Not
/// compiled for AVX2, so that the compiler keeps the sum in one register: in main's AVX2 code it moved the
/// sum between registers around the asm, which lengthened the chain.)
static double add_latency_ns(void) {
    double sum = 0, step = 1e-9, best = 1e9;
    for (int attempt = 0; attempt < 3; attempt++) {
        const double start = seconds();
        for (long i = 0; i < 4 * (long)ROUNDS; i++) __asm__ volatile("vaddsd %1, %0, %0" : "+x"(sum) : "x"(step));
        const double took = seconds() - start;
        if (took < best) best = took;
    }
    return sum < 0 ? 0 : 1e9 * best / (4.0 * ROUNDS);
}

// Eight independent chains of OP, kept in registers by the empty asm (which also stops the compiler
// from folding them); the best of three timings.
#define RATE(name, OP)                                                                                       \
    {                                                                                                        \
        double best = 1e9;                                                                                   \
        for (int attempt = 0; attempt < 3; attempt++) {                                                      \
            const double start = seconds();                                                                  \
            for (long i = 0; i < ROUNDS; i++) {                                                              \
                a0 = OP(a0); a1 = OP(a1); a2 = OP(a2); a3 = OP(a3);                                          \
                a4 = OP(a4); a5 = OP(a5); a6 = OP(a6); a7 = OP(a7);                                          \
                __asm__ volatile("" : "+x"(a0), "+x"(a1), "+x"(a2), "+x"(a3), "+x"(a4), "+x"(a5), "+x"(a6), "+x"(a7)); \
            }                                                                                                \
            const double took = seconds() - start;                                                           \
            if (took < best) best = took;                                                                    \
        }                                                                                                    \
        printf("%-12s %.2f a cycle\n", name, 8.0 * ROUNDS / (best * hz));                                   \
    }

__attribute__((target("avx2"))) int main(void) {
    char name[256];
    model(name, sizeof name);
    const double nsPerAdd = add_latency_ns(), hz = 3e9 / nsPerAdd;
    printf("CPU: %s\n", name);
    printf("float64 add latency %.3f ns: %.2f GHz if it is 3 cycles (Zen 3, Zen 4)\n", nsPerAdd, hz / 1e9);
    printf("independent 256-bit operations at that clock:\n");
    __m256i a0 = _mm256_set1_epi8(1), a1 = _mm256_set1_epi8(2), a2 = _mm256_set1_epi8(3), a3 = _mm256_set1_epi8(4);
    __m256i a4 = _mm256_set1_epi8(5), a5 = _mm256_set1_epi8(6), a6 = _mm256_set1_epi8(7), a7 = _mm256_set1_epi8(8);
    __m256i t = _mm256_set1_epi8(3), m = _mm256_set1_epi8(-1);
    __asm__ volatile("" : "+x"(t), "+x"(m));
#define PSHUFB(x) _mm256_shuffle_epi8(x, t)
#define UNPACK(x) _mm256_unpacklo_epi8(x, t)
#define BLENDV(x) _mm256_blendv_epi8(x, t, m)
#define ADDB(x) _mm256_add_epi8(x, t)
    RATE("vpshufb", PSHUFB)
    RATE("vpunpcklbw", UNPACK)
    RATE("vpblendvb", BLENDV)
    RATE("vpaddb", ADDB)
    // Keep the chains' results (and the clock's) alive.
    const __m256i all = _mm256_add_epi8(_mm256_add_epi8(_mm256_add_epi8(a0, a1), _mm256_add_epi8(a2, a3)),
                                        _mm256_add_epi8(_mm256_add_epi8(a4, a5), _mm256_add_epi8(a6, a7)));
    return _mm256_extract_epi8(all, 0) == 77;
}
