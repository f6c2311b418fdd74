/*
 * workers.h — the worker pool: transport only (engine-internal). It knows no packets.
 *
 * A pool is n workers. Worker 0 runs on the caller's thread (the one that sends);
 * each other worker is a thread fed through a single-producer single-consumer byte
 * ring. The caller sends work items (sw_work: a kind and a few numbers of its own,
 * and bytes that are copied into the ring) to a worker of its choice; the worker
 * hands each item to the client's run callback. While it runs an item, the callback
 * may append outputs (sw_pool_output); the pool gives them back to the client's
 * deliver callback on the caller's thread, in the order of the items that made them
 * (sw_pool_merge). What the items and the outputs mean, and which worker gets what,
 * is the client's (src/dispatch.c).
 */
#ifndef SW_WORKERS_H
#define SW_WORKERS_H
#include <stddef.h>
#include <stdint.h>

typedef struct sw_pool sw_pool;

/* One work item. The pool reads len bytes at data when it is sent (and copies them
 * for a worker thread); the rest is passed through untouched. */
typedef struct sw_work {
    uint16_t kind;               /* the client's: 1 .. SW_WORK_KIND_MAX */
    int32_t  i32;
    uint32_t len, u32;
    uint64_t u64a, u64b;
    const uint8_t *data;
} sw_work;
#define SW_WORK_KIND_MAX 0x0fffu

/* An output; the client's record starts with it (the pool links and orders it). */
typedef struct sw_pool_out {
    struct sw_pool_out *next;
    uint64_t seq;
} sw_pool_out;

typedef struct sw_pool_ops {
    /* Run one item on worker w's thread (worker 0: the caller's). */
    void (*run)(void *ctx, unsigned w, const sw_work *item);
    /* On worker w's thread, when it runs out of work and every few thousand items:
     * the moment to publish what the caller may read (counters). May be NULL. */
    void (*idle)(void *ctx, unsigned w);
    /* On the caller's thread, in item order: an output (now the client's). */
    void (*deliver)(void *ctx, sw_pool_out *o);
    /* An output never delivered (the pool is freed): release it. */
    void (*discard)(void *ctx, sw_pool_out *o);
} sw_pool_ops;

/* n workers (2..256); nothing runs until sw_pool_start. */
sw_pool *sw_pool_new(unsigned n, const sw_pool_ops *ops, void *ctx, char *err, size_t errlen);
/* Start the worker threads. Returns 0, or -1 with err set. */
int sw_pool_start(sw_pool *p, char *err, size_t errlen);
unsigned sw_pool_size(const sw_pool *p);
/* Send one item to worker w (worker 0 runs it now, on this thread). */
void sw_pool_send(sw_pool *p, unsigned w, const sw_work *item);
/* From run(): an output of the item worker w is running. */
void sw_pool_output(sw_pool *p, unsigned w, sw_pool_out *o);
/* Deliver every output whose turn has come (cheap when there is none). */
void sw_pool_merge(sw_pool *p);
/* Make every queued item visible to its worker. */
void sw_pool_publish(sw_pool *p);
/* Wait until every worker has run every item sent so far (they are then idle). */
void sw_pool_wait(sw_pool *p);
/* Stop the threads, deliver what is left, discard what cannot be, free. */
void sw_pool_free(sw_pool *p);

#endif
