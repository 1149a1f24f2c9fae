/*
 * csum.h - finishing a checksum a guest left to offload (NETTXF_csum_blank)
 * when its frame leaves the switch for a peer that cannot take it partial:
 * a host TAP device, or a frontend that set feature-no-csum-offload.
 * Handles IPv4 with TCP or UDP, as Xen's netback does for IPv4; other
 * frames are left alone. Pure.
 */
#ifndef NB_CSUM_H
#define NB_CSUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Frame flags inside netback (the NETTXF_* bit values). */
#define NB_F_CSUM_BLANK  1u
#define NB_F_DATA_VALID  2u

/* Computes and stores the L4 checksum of an IPv4 TCP/UDP frame.
 * true when filled, false when the frame is not one we can finish. */
bool nb_csum_fill(uint8_t *frame, size_t len);

/* The Internet checksum (RFC 1071) of buf, folded, not inverted, added to sum. */
uint32_t nb_csum_add(uint32_t sum, const uint8_t *buf, size_t len);
uint16_t nb_csum_fold(uint32_t sum);

#endif
