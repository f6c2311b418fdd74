/*
 * sw_list.h — the intrusive doubly linked lists the tables keep their recency (LRU)
 * orders in. An element carries its own links (members named by the caller); a list
 * is a head and a tail (lvalues named by the caller). Nothing is allocated.
 *  - SW_DLIST_*: elements linked by pointer; NULL ends the list.
 *  - SW_ILIST_*: entries of one array linked by index; `nil` (UINT32_MAX, -1, ...)
 *    ends the list.
 * Invariant kept by every operation: head's prev and tail's next are the end marker,
 * x->next->prev == x, and an element not on the list has both links at the marker.
 * The arguments are evaluated more than once: pass plain lvalues without side effects.
 */
#ifndef SW_LIST_H
#define SW_LIST_H
#include <stddef.h>

/* Take x off the list (x must be on it). */
#define SW_DLIST_UNLINK(head, tail, x, prev, next)                  \
    do {                                                            \
        if ((x)->prev) (x)->prev->next = (x)->next;                 \
        else (head) = (x)->next;                                    \
        if ((x)->next) (x)->next->prev = (x)->prev;                 \
        else (tail) = (x)->prev;                                    \
        (x)->prev = (x)->next = NULL;                               \
    } while (0)

/* Put x (not on the list) at the tail. */
#define SW_DLIST_PUSH_TAIL(head, tail, x, prev, next)               \
    do {                                                            \
        (x)->next = NULL;                                           \
        (x)->prev = (tail);                                         \
        if (tail) (tail)->next = (x);                               \
        else (head) = (x);                                          \
        (tail) = (x);                                               \
    } while (0)

/* Take entry arr[i] off the list (it must be on it). */
#define SW_ILIST_UNLINK(arr, head, tail, i, prev, next, nil)        \
    do {                                                            \
        if ((arr)[i].prev != (nil)) (arr)[(arr)[i].prev].next = (arr)[i].next; \
        else (head) = (arr)[i].next;                                \
        if ((arr)[i].next != (nil)) (arr)[(arr)[i].next].prev = (arr)[i].prev; \
        else (tail) = (arr)[i].prev;                                \
        (arr)[i].prev = (arr)[i].next = (nil);                      \
    } while (0)

/* Put arr[i] (not on the list) at the tail. */
#define SW_ILIST_PUSH_TAIL(arr, head, tail, i, prev, next, nil)     \
    do {                                                            \
        (arr)[i].next = (nil);                                      \
        (arr)[i].prev = (tail);                                     \
        if ((tail) != (nil)) (arr)[tail].next = (i);                \
        else (head) = (i);                                          \
        (tail) = (i);                                               \
    } while (0)

/* Put arr[i] (not on the list) at the head. */
#define SW_ILIST_PUSH_HEAD(arr, head, tail, i, prev, next, nil)     \
    do {                                                            \
        (arr)[i].prev = (nil);                                      \
        (arr)[i].next = (head);                                     \
        if ((head) != (nil)) (arr)[head].prev = (i);                \
        else (tail) = (i);                                          \
        (head) = (i);                                               \
    } while (0)

#endif
