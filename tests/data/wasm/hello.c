/* A C program built with clang --target=wasm32-wasi at build time (wasi-libc), so the reader
 * is tested on what a real toolchain emits: many WASI imports, custom sections, a data section. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    const char *home = getenv("HOME");
    printf("hello from wasm, %d args, HOME=%s\n", argc, home ? home : "(none)");
    FILE *f = fopen(argc > 1 ? argv[1] : "out.txt", "w");
    if (f) {
        fputs("written\n", f);
        fclose(f);
    }
    return 0;
}
