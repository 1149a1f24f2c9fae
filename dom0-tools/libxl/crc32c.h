/*
 * crc32c.h - CRC-32C (Castagnoli, as iSCSI and ext4 use it), the checksum
 * of save images and migration streams (docs/save-format.md). Uses the
 * SSE4.2 crc32 instruction when the CPU has it, a table otherwise; both
 * give the same result. Thread-safe, no state.
 */
#ifndef XL_CRC32C_H
#define XL_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* Continues crc over buf; start with 0. crc32c(0, "123456789", 9) is
 * 0xe3069283. */
uint32_t crc32c(uint32_t crc, const void *buf, size_t len);
/* The table version alone (the unit tests hold both to the same values). */
uint32_t crc32c_sw(uint32_t crc, const void *buf, size_t len);

#endif
