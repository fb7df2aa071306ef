/* SPDX-License-Identifier: MIT */
/* summary: a set of TCP ports as a 65,536-bit bitmap: which ports are SSH
 * ports, shared by the capture's prefilter, the engine and the flow table. */
#ifndef SM_PORTSET_H
#define SM_PORTSET_H

#include <stdbool.h>
#include <stdint.h>

#define SM_PORTSET_BYTES (65536 / 8)

/* Inline: asked for every packet. */
static inline bool sm_port_is_ssh(const uint8_t *set, uint16_t port)
{
    return (set[port >> 3] >> (port & 7)) & 1;
}

static inline void sm_port_set(uint8_t *set, uint16_t port)
{
    set[port >> 3] |= (uint8_t)(1u << (port & 7));
}

#endif
