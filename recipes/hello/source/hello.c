/* hello: a C program for MACROHARD. Prints a greeting, its arguments, and the user it runs
 * as (getuid through the macrohard import module), so an image test can see C working. */
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv) {
    printf("Hello from C on MACROHARD");
    for (int i = 1; i < argc; i++) printf(" %s", argv[i]);
    printf("\n");
    return 0;
}
