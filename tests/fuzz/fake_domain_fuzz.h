/*
 * fake_domain_fuzz.h - tests/unit/hypervisor/fake_domain.h for the fuzz
 * harnesses. The fake asserts with cmocka's names; outside cmocka a failed
 * setup step is a harness bug, and abort() is the only way to say so (the
 * fuzzer then reports it like a finding, with the input that led there).
 */
#ifndef TESTS_FUZZ_FAKE_DOMAIN_FUZZ_H
#define TESTS_FUZZ_FAKE_DOMAIN_FUZZ_H

#include <stdlib.h>

#define assert_non_null(p)       do { if (!(p)) abort(); } while (0)
#define assert_true(x)           do { if (!(x)) abort(); } while (0)
#define assert_false(x)          do { if (x) abort(); } while (0)
#define assert_int_equal(a, b)   do { if ((long long)(a) != (long long)(b)) abort(); } while (0)
#define assert_ptr_equal(a, b)   do { if ((const void *)(a) != (const void *)(b)) abort(); } while (0)

#include "hypervisor/fake_domain.h"

#endif
