/*
 * thread.c - cooperative threads (see thread.h). A switch saves the
 * callee-saved registers on the old stack and loads the new stack pointer
 * (switch_stack below); the main context (thread 0) is the caller of
 * thread_run_all. A sleeping thread records its wake-up time; the
 * scheduler arms the single-shot timer for the earliest one and idles.
 */
#include "kernel/thread.h"

#include "kernel/kernel.h"
#include "kernel/lib.h"
#include "kernel/percpu.h"
#include "kernel/time.h"

#define STACK_SIZE CPU_AREA_SIZE /* aligned as a vCPU's area: percpu.h */

enum state { FREE, RUNNABLE, SLEEPING, DONE };

struct thread {
    enum state state;
    uint64_t rsp;
    uint64_t wake_ns;
    void (*fn)(void *);
    void *arg;
    const char *name;
};

static struct thread threads[THREAD_MAX + 1]; /* 0 = the scheduler */
static uint8_t stacks[THREAD_MAX + 1][STACK_SIZE] __attribute__((aligned(STACK_SIZE)));
static int current;
static volatile int wake_pending; /* thread_wake() since the last scan */

/* switch_stack(&old_rsp, new_rsp): callee-saved registers and the return
 * address stay on each stack; nothing else needs saving between calls. */
void switch_stack(uint64_t *old_rsp, uint64_t new_rsp);
__asm__(".text\n"
        ".globl switch_stack\n"
        "switch_stack:\n"
        "    push %rbp\n    push %rbx\n    push %r12\n    push %r13\n    push %r14\n    push %r15\n"
        "    mov %rsp, (%rdi)\n"
        "    mov %rsi, %rsp\n"
        "    pop %r15\n    pop %r14\n    pop %r13\n    pop %r12\n    pop %rbx\n    pop %rbp\n"
        "    ret\n");

/* A thread's stack base names the vCPU it runs on (percpu.h). Thread 0
 * is the caller of thread_run_all, on the vCPU's own area already. */
static void switch_to(int next)
{
    int prev = current;
    if (next != 0)
        *(struct percpu **)stacks[next] = this_cpu();
    current = next;
    switch_stack(&threads[prev].rsp, threads[next].rsp);
}

static void thread_start(void)
{
    struct thread *t = &threads[current];
    t->fn(t->arg);
    t->state = DONE;
    switch_to(0);
}

int thread_create(const char *name, void (*fn)(void *), void *arg)
{
    for (int i = 1; i <= THREAD_MAX; i++) {
        if (threads[i].state != FREE && threads[i].state != DONE)
            continue;
        struct thread *t = &threads[i];
        *t = (struct thread){.state = RUNNABLE, .fn = fn, .arg = arg, .name = name};
        /* A fresh stack as switch_stack leaves one: six saved registers
         * (zero) under the address to return to. */
        uint64_t *sp = (uint64_t *)(stacks[i] + STACK_SIZE);
        *--sp = 0; /* keeps the entry 16-byte aligned as a call would */
        *--sp = (uint64_t)thread_start;
        for (int r = 0; r < 6; r++)
            *--sp = 0;
        t->rsp = (uint64_t)sp;
        return i;
    }
    return -1;
}

int thread_self(void)
{
    return current;
}

void thread_yield(void)
{
    if (current != 0)
        switch_to(0);
}

void thread_sleep_ns(uint64_t ns)
{
    if (current == 0) {
        sleep_ns(ns);
        return;
    }
    threads[current].wake_ns = time_now_ns() + ns;
    threads[current].state = SLEEPING;
    switch_to(0);
}

void thread_wake(int id)
{
    if (id > 0 && id <= THREAD_MAX && threads[id].state == SLEEPING) {
        threads[id].wake_ns = 0;
        wake_pending = 1;
    }
}

/* Round-robin over runnable threads; when none is, idle until the
 * earliest sleeper is due. Returns when all have finished. */
void thread_run_all(void)
{
    int last = 0;
    for (;;) {
        bool any = false;
        wake_pending = 0;
        uint64_t now = time_now_ns(), earliest = UINT64_MAX;
        for (int k = 1; k <= THREAD_MAX; k++) {
            int i = (last + k - 1) % THREAD_MAX + 1;
            struct thread *t = &threads[i];
            if (t->state == SLEEPING && t->wake_ns <= now)
                t->state = RUNNABLE;
            if (t->state == SLEEPING && t->wake_ns < earliest)
                earliest = t->wake_ns;
            any |= t->state == RUNNABLE || t->state == SLEEPING;
            if (t->state == RUNNABLE) {
                last = i;
                switch_to(i);
                goto next;
            }
        }
        if (!any)
            return;
        wait_flag_until(&wake_pending, earliest);
    next:;
    }
}
