/* ir: op table, graph building, topological order, cycles, broadcasting. */
#include "check.h"
#include "ir/ir.h"

#include <string.h>

static void test_op_table(void)
{
    CHECK(ir_op_from_name("Conv") == IR_OP_Conv);
    CHECK(strcmp(ir_op_name(IR_OP_OneHot), "OneHot") == 0);
    CHECK(ir_op_from_name("NoSuchOp") == -1);
    for (int i = 0; i < IR_OP_COUNT; i++) /* values are dense: no holes in the table */
        CHECK(ir_op_name((ir_op)i) != NULL);
}

static ir_node *add(ir_graph *g, ir_op op, const char *name, const char *in, const char *out)
{
    ir_node *n;
    CHECK_OK(ir_graph_add_node(g, op, name, 1, 1, 0, &n));
    CHECK_OK(ir_graph_tensor(g, in, &n->in[0]));
    CHECK_OK(ir_graph_tensor(g, out, &n->out[0]));
    return n;
}

static void test_toposort(void)
{
    ir_graph *g;
    CHECK_OK(ir_graph_create(&g));
    ir_tensor *x;
    CHECK_OK(ir_graph_tensor(g, "x", &x));
    CHECK_OK(ir_graph_add_input(g, x));
    /* written out of order: c consumes b consumes a */
    add(g, IR_OP_Relu, "c", "b_out", "c_out");
    add(g, IR_OP_Relu, "b", "a_out", "b_out");
    add(g, IR_OP_Relu, "a", "x", "a_out");
    CHECK_OK(ir_graph_add_output(g, ir_graph_find(g, "c_out")));
    CHECK_OK(ir_graph_toposort(g));
    CHECK(strcmp(g->nodes[0]->name, "a") == 0);
    CHECK(strcmp(g->nodes[2]->name, "c") == 0);
    CHECK_OK(ir_graph_verify(g));
    CHECK(ir_graph_find(g, "a_out")->n_consumers == 1);
    ir_graph_destroy(g);

    /* a cycle is an error naming a node */
    CHECK_OK(ir_graph_create(&g));
    CHECK_OK(ir_graph_tensor(g, "x", &x));
    CHECK_OK(ir_graph_add_input(g, x));
    ir_node *n;
    CHECK_OK(ir_graph_add_node(g, IR_OP_Add, "p", 2, 1, 0, &n));
    CHECK_OK(ir_graph_tensor(g, "x", &n->in[0]));
    CHECK_OK(ir_graph_tensor(g, "q_out", &n->in[1]));
    CHECK_OK(ir_graph_tensor(g, "p_out", &n->out[0]));
    add(g, IR_OP_Relu, "q", "p_out", "q_out");
    CHECK_STATUS(ir_graph_toposort(g), DLA_ERR_FORMAT);
    CHECK(strstr(dla_last_error(), "cycle") != NULL);
    ir_graph_destroy(g);

    /* an input nobody produces */
    CHECK_OK(ir_graph_create(&g));
    add(g, IR_OP_Relu, "r", "ghost", "y");
    CHECK_STATUS(ir_graph_toposort(g), DLA_ERR_FORMAT);
    CHECK(strstr(dla_last_error(), "ghost") != NULL);
    ir_graph_destroy(g);
    ir_graph_destroy(NULL);
}

static void test_broadcast(void)
{
    ir_node n = {.name = "b", .op_type = "Add"};
    int64_t a[] = {2, 1, 4}, b[] = {3, 1}, out[IR_MAX_RANK];
    int r;
    CHECK_OK(ir_broadcast(&n, 3, a, 2, b, &r, out));
    CHECK(r == 3 && out[0] == 2 && out[1] == 3 && out[2] == 4);
    int64_t c[] = {5};
    CHECK_STATUS(ir_broadcast(&n, 3, a, 1, c, &r, out), DLA_ERR_INVALID_ARG);
    CHECK(strstr(dla_last_error(), "Add 'b'") != NULL);
}

static void test_dtype(void)
{
    int64_t v[2] = {0};
    ir_set_f64(IR_I64, v, 1, -3.7);
    CHECK(v[1] == -3);
    uint16_t h[1];
    ir_set_f64(IR_F16, h, 0, 1.5);
    CHECK(ir_get_f64(IR_F16, h, 0) == 1.5);
    CHECK(ir_dtype_size(IR_BOOL) == 1 && ir_dtype_size(IR_STRING) == 0);
}

int main(void)
{
    test_op_table();
    test_toposort();
    test_broadcast();
    test_dtype();
    return TEST_RESULT();
}
