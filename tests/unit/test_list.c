/*
 * test_list.c — common/sw_list.h: random unlink / push-tail / push-head sequences
 * on both list forms, compared after every step with a plain array model of the
 * order (walked forwards and backwards, the end markers, and the links of elements
 * off the list).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "common/sw_list.h"

#define N 24

typedef struct pel { struct pel *prev, *next; int id, on; } pel;
typedef struct iel { uint32_t lp, ln; int on; } iel;
typedef struct sel { int32_t lp, ln; } sel;           /* -1 as the end marker */

typedef struct model { int v[N], n; } model;

static void m_remove(model *m, int id)
{
    for (int k = 0; k < m->n; k++)
        if (m->v[k] == id) {
            memmove(m->v + k, m->v + k + 1, (size_t)(m->n - k - 1) * sizeof(int));
            m->n--;
            return;
        }
    fail_msg("model: %d not on the list", id);
}

static void m_push_tail(model *m, int id) { m->v[m->n++] = id; }

static void m_push_head(model *m, int id)
{
    memmove(m->v + 1, m->v, (size_t)m->n * sizeof(int));
    m->v[0] = id;
    m->n++;
}

static uint32_t rng = 12345;
static uint32_t next_rand(void)
{
    rng = rng * 1103515245u + 12345u;
    return rng >> 8;
}

static void check_p(pel *e, pel *head, pel *tail, const model *m)
{
    int k = 0;
    const pel *prev = NULL;
    for (const pel *x = head; x; prev = x, x = x->next, k++) {
        assert_true(k < m->n);
        assert_int_equal(x->id, m->v[k]);
        assert_ptr_equal(x->prev, prev);
    }
    assert_int_equal(k, m->n);
    assert_ptr_equal(tail, prev);
    for (int i = 0; i < N; i++)
        if (!e[i].on) {
            assert_null(e[i].prev);
            assert_null(e[i].next);
        }
}

static void test_pointer_list(void **state)
{
    (void)state;
    pel e[N];
    memset(e, 0, sizeof e);
    for (int i = 0; i < N; i++)
        e[i].id = i;
    pel *head = NULL, *tail = NULL;
    model m = { .n = 0 };
    for (int step = 0; step < 20000; step++) {
        int i = (int)(next_rand() % N);
        pel *x = &e[i];
        if (x->on) {
            SW_DLIST_UNLINK(head, tail, x, prev, next);
            m_remove(&m, i);
            x->on = 0;
            if (next_rand() % 2) {       /* a touch: back at the tail */
                SW_DLIST_PUSH_TAIL(head, tail, x, prev, next);
                m_push_tail(&m, i);
                x->on = 1;
            }
        } else {
            SW_DLIST_PUSH_TAIL(head, tail, x, prev, next);
            m_push_tail(&m, i);
            x->on = 1;
        }
        check_p(e, head, tail, &m);
    }
    assert_true(m.n > 0);
}

static void test_index_list(void **state)
{
    (void)state;
    const uint32_t NIL = UINT32_MAX;
    iel e[N];
    for (int i = 0; i < N; i++)
        e[i] = (iel){ NIL, NIL, 0 };
    uint32_t head = NIL, tail = NIL;
    model m = { .n = 0 };
    for (int step = 0; step < 20000; step++) {
        uint32_t i = next_rand() % N;
        int op = (int)(next_rand() % 3);
        if (e[i].on) {
            SW_ILIST_UNLINK(e, head, tail, i, lp, ln, NIL);
            m_remove(&m, (int)i);
            e[i].on = 0;
        } else if (op == 0) {
            SW_ILIST_PUSH_HEAD(e, head, tail, i, lp, ln, NIL);
            m_push_head(&m, (int)i);
            e[i].on = 1;
        } else {
            SW_ILIST_PUSH_TAIL(e, head, tail, i, lp, ln, NIL);
            m_push_tail(&m, (int)i);
            e[i].on = 1;
        }
        int k = 0;
        uint32_t prev = NIL;
        for (uint32_t x = head; x != NIL; prev = x, x = e[x].ln, k++) {
            assert_true(k < m.n);
            assert_int_equal(x, m.v[k]);
            assert_int_equal(e[x].lp, prev);
        }
        assert_int_equal(k, m.n);
        assert_int_equal(tail, prev);
        for (int j = 0; j < N; j++)
            if (!e[j].on) {
                assert_int_equal(e[j].lp, NIL);
                assert_int_equal(e[j].ln, NIL);
            }
    }
}

/* -1 as the end marker, as rules/check_handshake.c uses it */
static void test_signed_index_list(void **state)
{
    (void)state;
    sel e[3];
    for (int i = 0; i < 3; i++)
        e[i] = (sel){ -1, -1 };
    int32_t head = -1, tail = -1, i;
    i = 0; SW_ILIST_PUSH_HEAD(e, head, tail, i, lp, ln, -1);
    i = 1; SW_ILIST_PUSH_HEAD(e, head, tail, i, lp, ln, -1);
    i = 2; SW_ILIST_PUSH_TAIL(e, head, tail, i, lp, ln, -1);
    assert_int_equal(head, 1);          /* 1 0 2 */
    assert_int_equal(tail, 2);
    assert_int_equal(e[1].ln, 0);
    assert_int_equal(e[0].ln, 2);
    assert_int_equal(e[2].lp, 0);
    i = 0; SW_ILIST_UNLINK(e, head, tail, i, lp, ln, -1);
    assert_int_equal(e[1].ln, 2);
    assert_int_equal(e[2].lp, 1);
    i = 1; SW_ILIST_UNLINK(e, head, tail, i, lp, ln, -1);
    i = 2; SW_ILIST_UNLINK(e, head, tail, i, lp, ln, -1);
    assert_int_equal(head, -1);
    assert_int_equal(tail, -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pointer_list),
        cmocka_unit_test(test_index_list),
        cmocka_unit_test(test_signed_index_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
