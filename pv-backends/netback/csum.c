/*
 * csum.c - checksum completion (see csum.h).
 */
#include "csum.h"

#include <string.h>

uint32_t nb_csum_add(uint32_t sum, const uint8_t *buf, size_t len)
{
    uint64_t s = sum;
    size_t i = 0;
    for (; i + 1 < len; i += 2)
        s += (uint32_t)buf[i] << 8 | buf[i + 1];
    if (i < len)
        s += (uint32_t)buf[i] << 8;
    while (s >> 32)
        s = (s & 0xffffffffu) + (s >> 32);
    return (uint32_t)s;
}

uint16_t nb_csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)sum;
}

bool nb_csum_fill(uint8_t *frame, size_t len)
{
    if (len < 14 + 20 || frame[12] != 0x08 || frame[13] != 0x00)
        return false;
    uint8_t *ip = frame + 14;
    unsigned ihl = (ip[0] & 0x0f) * 4u;
    unsigned tot = (unsigned)ip[2] << 8 | ip[3];
    if ((ip[0] >> 4) != 4 || ihl < 20 || tot < ihl || 14 + (size_t)tot > len)
        return false;
    if ((ip[6] & 0x3f) || ip[7])   /* a fragment: its L4 header is elsewhere */
        return false;
    unsigned proto = ip[9], l4len = tot - ihl;
    unsigned off = proto == 6 ? 16 : proto == 17 ? 6 : 0;
    if (!off || l4len < off + 2u)
        return false;
    uint8_t *l4 = ip + ihl;
    l4[off] = l4[off + 1] = 0;
    uint32_t sum = nb_csum_add(0, ip + 12, 8);        /* source, destination */
    sum += proto + l4len;
    sum = nb_csum_add(sum, l4, l4len);
    uint16_t c = (uint16_t)~nb_csum_fold(sum);
    if (proto == 17 && c == 0)
        c = 0xffff;   /* UDP sends a zero checksum as all ones */
    l4[off] = (uint8_t)(c >> 8);
    l4[off + 1] = (uint8_t)c;
    return true;
}
