/*
 * test_cpuid.c - the CPUID table a vCPU gets, built from a host table like
 * the one KVM_GET_SUPPORTED_CPUID returns (with KVM's own 0x40000000 and
 * 0x40000001 leaves). A guest must find Xen, not KVM, at 0x40000000, see
 * the hypervisor bit, its own APIC id, and a tsc->ns scale that converts
 * its TSC to nanoseconds accurately.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../../hypervisor/cpuid.h"

#define BASE XEN_CPUID_BASE
#define SIG  KVM_CPUID_FLAG_SIGNIFCANT_INDEX
#define CAP  64

/* Leaf 1 as a host reports it: family/model, APIC id 0xab, no hypervisor bit. */
#define HOST_L1_EAX 0x000906eau
#define HOST_L1_EBX 0xab100800u
#define HOST_L1_ECX 0x7ffafbffu
#define HOST_L1_EDX 0xbfebfbffu

static const struct kvm_cpuid_entry2 host_entries[] = {
    {.function = 0, .eax = 0x16, .ebx = 0x756e6547, .ecx = 0x6c65746e, .edx = 0x49656e69},
    {.function = 1, .eax = HOST_L1_EAX, .ebx = HOST_L1_EBX, .ecx = HOST_L1_ECX, .edx = HOST_L1_EDX},
    {.function = 7, .index = 0, .flags = SIG, .eax = 0, .ebx = 0x029c6fbf},
    {.function = 0xb, .index = 0, .flags = SIG, .eax = 1, .ebx = 2, .ecx = 0x100, .edx = 0x55},
    {.function = 0xb, .index = 1, .flags = SIG, .eax = 4, .ebx = 8, .ecx = 0x201, .edx = 0x55},
    /* KVM's leaves: "KVMKVMKVM\0\0\0", features. */
    {.function = 0x40000000, .eax = 0x40000001, .ebx = 0x4b4d564b, .ecx = 0x564b4d56, .edx = 0x4d},
    {.function = 0x40000001, .eax = 0x01007afb},
    {.function = 0x40000010, .eax = 2000000}, /* some other hypervisor range leaf */
    {.function = 0x80000000, .eax = 0x80000008},
    {.function = 0x80000001, .ecx = 0x121, .edx = 0x2c100800},
};
#define HOST_N (sizeof(host_entries) / sizeof(host_entries[0]))

static struct kvm_cpuid2 *host_table(void)
{
    struct kvm_cpuid2 *h = calloc(1, sizeof(*h) + sizeof(host_entries));
    assert_non_null(h);
    h->nent = HOST_N;
    memcpy(h->entries, host_entries, sizeof(host_entries));
    return h;
}

static int build(const struct cpuid_identity *id, struct kvm_cpuid_entry2 *out, unsigned cap)
{
    struct kvm_cpuid2 *h = host_table();
    int n = cpuid_build(h, id, out, cap);
    free(h);
    return n;
}

static const struct kvm_cpuid_entry2 *find(const struct kvm_cpuid_entry2 *t, int n,
                                           uint32_t fn, uint32_t idx)
{
    assert_true(n > 0);
    const struct kvm_cpuid_entry2 *e = cpuid_find(t, (unsigned)n, fn, idx);
    if (!e)
        fail_msg("leaf 0x%x.%u missing", fn, idx);
    return e;
}

static unsigned count_leaf(const struct kvm_cpuid_entry2 *t, int n, uint32_t fn)
{
    unsigned c = 0;
    for (int i = 0; i < n; i++)
        c += t[i].function == fn;
    return c;
}

static const struct cpuid_identity ID = {.vcpu_id = 3, .domid = 42, .tsc_khz = 2596000};

static void xen_signature_at_0x40000000(void **state)
{
    (void)state;
    struct kvm_cpuid_entry2 t[CAP];
    int n = build(&ID, t, CAP);
    const struct kvm_cpuid_entry2 *e = find(t, n, BASE, 0);
    char sig[13] = {0};
    memcpy(sig, &e->ebx, 4);
    memcpy(sig + 4, &e->ecx, 4);
    memcpy(sig + 8, &e->edx, 4);
    assert_string_equal(sig, "XenVMMXenVMM");
    assert_int_equal(e->eax, BASE + 5);
    /* Version 4.17 at base+1. */
    assert_int_equal(find(t, n, BASE + 1, 0)->eax, 0x00040011);
}

static void kvm_leaves_are_gone(void **state)
{
    (void)state;
    struct kvm_cpuid_entry2 t[CAP];
    int n = build(&ID, t, CAP);
    assert_int_equal(count_leaf(t, n, BASE), 1);
    assert_int_equal(count_leaf(t, n, BASE + 1), 1);
    assert_int_equal(count_leaf(t, n, 0x40000010), 0);
    for (int i = 0; i < n; i++)
        assert_false(t[i].ebx == 0x4b4d564b); /* "KVMK" */
    /* base+1 is Xen's version, not KVM's feature bits. */
    const struct kvm_cpuid_entry2 *e = find(t, n, BASE + 1, 0);
    assert_int_equal(e->eax, 0x00040011);
    assert_int_equal(e->ebx | e->ecx | e->edx, 0);
}

static void other_host_leaves_pass_through_unchanged(void **state)
{
    (void)state;
    struct kvm_cpuid_entry2 t[CAP];
    int n = build(&ID, t, CAP);
    const uint32_t same[] = {0, 7, 0x80000000, 0x80000001};
    for (size_t i = 0; i < 4; i++) {
        const struct kvm_cpuid_entry2 *got = find(t, n, same[i], 0), *want = NULL;
        for (size_t j = 0; j < HOST_N; j++)
            if (host_entries[j].function == same[i])
                want = &host_entries[j];
        assert_memory_equal(got, want, sizeof(*got));
    }
    /* Every host leaf outside the hypervisor range is there, once. */
    for (size_t j = 0; j < HOST_N; j++) {
        const struct kvm_cpuid_entry2 *h = &host_entries[j];
        if (h->function >= BASE && h->function < BASE + 0x10000)
            continue;
        unsigned copies = 0;
        for (int i = 0; i < n; i++)
            copies += t[i].function == h->function && t[i].index == h->index;
        assert_int_equal(copies, 1);
    }
    /* And each of Xen's leaves base..base+5 once (base+3 has 3 subleaves). */
    for (uint32_t leaf = BASE; leaf <= BASE + 5; leaf++)
        assert_int_equal(count_leaf(t, n, leaf), leaf == BASE + 3 ? 3 : 1);
}

static void leaf_1_has_the_hypervisor_bit_and_the_apic_id(void **state)
{
    (void)state;
    struct kvm_cpuid_entry2 t[CAP];
    int n = build(&ID, t, CAP);
    const struct kvm_cpuid_entry2 *e = find(t, n, 1, 0);
    assert_int_equal(e->ecx, HOST_L1_ECX | (1u << 31));
    assert_int_equal(e->ebx >> 24, ID.vcpu_id);
    assert_int_equal(e->ebx & 0x00ffffff, HOST_L1_EBX & 0x00ffffff);
    assert_int_equal(e->eax, HOST_L1_EAX);
    assert_int_equal(e->edx, HOST_L1_EDX);
}

static void leaf_0xb_reports_the_x2apic_id_in_every_subleaf(void **state)
{
    (void)state;
    struct kvm_cpuid_entry2 t[CAP];
    for (uint32_t vcpu = 0; vcpu < 32; vcpu += 7) {
        struct cpuid_identity id = ID;
        id.vcpu_id = vcpu;
        int n = build(&id, t, CAP);
        for (uint32_t sub = 0; sub < 2; sub++) {
            const struct kvm_cpuid_entry2 *e = find(t, n, 0xb, sub);
            assert_int_equal(e->index, sub);
            assert_int_equal(e->edx, vcpu);
            assert_int_equal(e->ecx, host_entries[3 + sub].ecx);
            assert_int_equal(e->ebx, host_entries[3 + sub].ebx);
        }
        assert_int_equal(find(t, n, 1, 0)->ebx >> 24, vcpu);
    }
}

static void hypercall_page_msr_is_advertised_at_base_2(void **state)
{
    (void)state;
    struct kvm_cpuid_entry2 t[CAP];
    int n = build(&ID, t, CAP);
    const struct kvm_cpuid_entry2 *e = find(t, n, BASE + 2, 0);
    assert_int_equal(e->eax, 1);          /* one hypercall page */
    assert_int_equal(e->ebx, 0x40000000); /* its MSR */
}

static void tsc_leaf_gives_khz(void **state)
{
    (void)state;
    struct kvm_cpuid_entry2 t[CAP];
    int n = build(&ID, t, CAP);
    assert_int_equal(find(t, n, BASE + 3, 0)->ecx, ID.tsc_khz);
    assert_int_equal(find(t, n, BASE + 3, 2)->eax, ID.tsc_khz);
}

/* ns for `tsc` ticks as a pvclock guest computes them from base+3 sub 1. */
static uint64_t scaled_ns(uint64_t tsc, uint32_t mul, uint32_t shift)
{
    return (uint64_t)(((unsigned __int128)(tsc << shift) * mul) >> 32);
}

static void tsc_to_ns_scale_is_accurate_to_1_ppm(void **state)
{
    (void)state;
    const uint32_t khz[] = {1000000, 2596000, 4000000, 3000001, 500000, 2100000};
    struct kvm_cpuid_entry2 t[CAP];
    for (size_t i = 0; i < sizeof(khz) / sizeof(khz[0]); i++) {
        struct cpuid_identity id = ID;
        id.tsc_khz = khz[i];
        int n = build(&id, t, CAP);
        const struct kvm_cpuid_entry2 *e = find(t, n, BASE + 3, 1);
        uint32_t mul = e->ecx, shift = e->edx;
        assert_true(shift < 32);
        /* 1 s and 10 s worth of ticks. */
        for (uint64_t secs = 1; secs <= 10; secs += 9) {
            uint64_t tsc = (uint64_t)khz[i] * 1000 * secs;
            double want = (double)tsc * 1e6 / khz[i];
            double got = (double)scaled_ns(tsc, mul, shift);
            double err = (got - want) / want;
            if (err > 1e-6 || err < -1e-6)
                fail_msg("%u kHz: %.0f ns for %llu ticks, want %.0f (%.3g)", khz[i], got,
                         (unsigned long long)tsc, want, err);
        }
    }
}

static void vcpu_and_domain_ids_at_base_4(void **state)
{
    (void)state;
    struct kvm_cpuid_entry2 t[CAP];
    int n = build(&ID, t, CAP);
    const struct kvm_cpuid_entry2 *e = find(t, n, BASE + 4, 0);
    assert_int_equal(e->ebx, ID.vcpu_id);
    assert_int_equal(e->ecx, ID.domid);
    assert_true(e->eax & (1u << 3)); /* VCPU_ID_PRESENT */
    assert_true(e->eax & (1u << 4)); /* DOMID_PRESENT */
    assert_true(e->eax & (1u << 6)); /* UPCALL_VECTOR: HVMOP_set_evtchn_upcall_vector works */
    /* base+5 is PV-only: present and zero. */
    e = find(t, n, BASE + 5, 0);
    assert_int_equal(e->eax | e->ebx | e->ecx | e->edx, 0);
}

static void short_capacity_is_e2big_and_writes_nothing_past_it(void **state)
{
    (void)state;
    struct kvm_cpuid_entry2 t[CAP + 1];
    int need = build(&ID, t, CAP);
    assert_true(need > 0 && need < CAP);
    assert_int_equal(build(&ID, t, (unsigned)need), need);

    const unsigned caps[] = {0, 1, HOST_N - 3, HOST_N - 2, (unsigned)need - 1};
    for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
        memset(t, 0xa5, sizeof(t));
        assert_int_equal(build(&ID, t, caps[i]), -E2BIG);
        const uint8_t *past = (const uint8_t *)&t[caps[i]];
        for (size_t b = 0; b < sizeof(t[0]); b++)
            assert_int_equal(past[b], 0xa5);
    }
}

static void cpuid_find_honours_significant_index(void **state)
{
    (void)state;
    struct kvm_cpuid_entry2 t[CAP];
    int n = build(&ID, t, CAP);
    /* Leaf 0xb has subleaves; leaf 0 answers any index. */
    assert_int_equal(cpuid_find(t, (unsigned)n, 0xb, 1)->eax, 4);
    assert_null(cpuid_find(t, (unsigned)n, 0xb, 2));
    assert_ptr_equal(cpuid_find(t, (unsigned)n, 0, 5), cpuid_find(t, (unsigned)n, 0, 0));
    assert_null(cpuid_find(t, (unsigned)n, 0x12345678, 0));
    assert_null(cpuid_find(t, 0, 0, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(xen_signature_at_0x40000000),
        cmocka_unit_test(kvm_leaves_are_gone),
        cmocka_unit_test(other_host_leaves_pass_through_unchanged),
        cmocka_unit_test(leaf_1_has_the_hypervisor_bit_and_the_apic_id),
        cmocka_unit_test(leaf_0xb_reports_the_x2apic_id_in_every_subleaf),
        cmocka_unit_test(hypercall_page_msr_is_advertised_at_base_2),
        cmocka_unit_test(tsc_leaf_gives_khz),
        cmocka_unit_test(tsc_to_ns_scale_is_accurate_to_1_ppm),
        cmocka_unit_test(vcpu_and_domain_ids_at_base_4),
        cmocka_unit_test(short_capacity_is_e2big_and_writes_nothing_past_it),
        cmocka_unit_test(cpuid_find_honours_significant_index),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
