/*
 * lru.h — an activity list threaded through the entries of a table held as one
 * array (entries named by index): the fold (fold.c) and the incidents (incident.c)
 * close or forget the entry idle longest when full. Each entry embeds an sw_lru_link;
 * the functions find it at `off` bytes into entry i of an array of `stride`-byte
 * entries. Invariant: head is the entry idle longest, tail the newest; an entry is
 * on the list at most once.
 */
#ifndef SW_LRU_H
#define SW_LRU_H
#include <stddef.h>
#include <stdint.h>

#define SW_LRU_NIL UINT32_MAX

typedef struct sw_lru_link { uint32_t prev, next; } sw_lru_link;
typedef struct sw_lru {
    uint32_t head, tail;          /* head = idle longest */
    void    *base;                /* the entry array (it moves when it grows) */
    size_t   stride, off;
} sw_lru;

static inline sw_lru_link *sw_lru_at(const sw_lru *l, uint32_t i)
{
    return (sw_lru_link *)((char *)l->base + (size_t)i * l->stride + l->off);
}

static inline void sw_lru_init(sw_lru *l, size_t stride, size_t off)
{
    l->head = l->tail = SW_LRU_NIL;
    l->base = NULL;
    l->stride = stride;
    l->off = off;
}

static inline void sw_lru_unlink(sw_lru *l, uint32_t i)
{
    sw_lru_link *x = sw_lru_at(l, i);
    if (x->prev != SW_LRU_NIL) sw_lru_at(l, x->prev)->next = x->next; else l->head = x->next;
    if (x->next != SW_LRU_NIL) sw_lru_at(l, x->next)->prev = x->prev; else l->tail = x->prev;
    x->prev = x->next = SW_LRU_NIL;
}

static inline void sw_lru_push_tail(sw_lru *l, uint32_t i)
{
    sw_lru_link *x = sw_lru_at(l, i);
    x->next = SW_LRU_NIL;
    x->prev = l->tail;
    if (l->tail != SW_LRU_NIL) sw_lru_at(l, l->tail)->next = i; else l->head = i;
    l->tail = i;
}

#endif
