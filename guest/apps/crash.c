/*
 * crash.c - app=crash: executes an invalid instruction; the trap handler
 * reports it and the domain shuts down with reason crash.
 */
#include "kernel/lib.h"

int app_crash(void)
{
    printf("crash: executing ud2\n");
    __asm__ volatile("ud2");
    return 0;
}
