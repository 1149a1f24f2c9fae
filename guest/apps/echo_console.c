/*
 * echo_console.c - app=echo-console [lines=N] [idle_s=S] [echo=0]: reads
 * lines typed on the console (the console ring's input half, through
 * xenconsoled) and answers each with "echo-console: got '<line>'"; typed
 * characters are echoed as they come unless echo=0. Stops after N lines
 * (0: no limit), on a line "quit", or after S seconds without input. The
 * guest half of the console integration tests, and the first user of
 * console input.
 */
#include "kernel/console.h"
#include "kernel/errno.h"
#include "kernel/kernel.h"
#include "kernel/lib.h"

int app_echo_console(void)
{
    uint64_t lines = cmdline_u64("lines", 0);
    uint64_t idle_s = cmdline_u64("idle_s", 300);
    bool echo = cmdline_u64("echo", 1) != 0;
    printf("echo-console: ready\n");
    console_flush();
    for (uint64_t i = 0; !lines || i < lines; i++) {
        char buf[200];
        int rc = console_readline(buf, sizeof(buf), echo, idle_s * 1000000000ull);
        if (rc == -ETIME) {
            printf("echo-console: no input for %llu s\n", (unsigned long long)idle_s);
            break;
        }
        if (rc < 0) {
            printf("echo-console: console input failed: %d\n", rc);
            return 1;
        }
        printf("echo-console: got '%s'\n", buf);
        console_flush();
        if (strcmp(buf, "quit") == 0)
            break;
    }
    printf("echo-console: bye\n");
    return 0;
}
