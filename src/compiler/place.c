/* Placement: every node on the DLA or the host, with a reason, then partitioning (partition.c).
 *
 * Order of decisions per node: build-time constants never reach placement; --layerDeviceTypes forces a layer
 * (forcing DLA on a layer the rules reject is an error naming the rule); otherwise the rule table decides
 * (cc_check_node). Then the DLA nodes are grouped into subgraphs and the cost rules may send small pieces back
 * to the host. Without GPU fallback every host layer that was not forced there is a build error that lists
 * them all, as TensorRT does. */
#include "compiler/partition.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* --layerDeviceTypes values: the code is the device. */
static int classify_device(const char *v)
{
    return strcasecmp(v, "GPU") == 0 ? CC_DEV_HOST : strcasecmp(v, "DLA") == 0 ? CC_DEV_DLA : -1;
}

static int all_outputs_constant(const ir_node *n)
{
    int any = 0;
    for (int j = 0; j < n->n_out; j++) {
        if (!n->out[j])
            continue;
        if (n->out[j]->data_kind != IR_DATA_CONST)
            return 0;
        any = 1;
    }
    return any;
}

/* 1 when every input of n is a constant or the output of a build-time node, and at least one is the latter:
 * n's value is then known at build time too (Shape -> Gather -> Concat feeding a Reshape). */
static int inputs_build_time(const ir_node *n, const cc_placement *p)
{
    int any = 0;
    for (int j = 0; j < n->n_in; j++) {
        const ir_tensor *t = n->in[j];
        if (!t || t->data_kind == IR_DATA_CONST)
            continue;
        if (!t->producer || p->nodes[t->producer->id].subgraph != CC_SUBGRAPH_BUILD_TIME)
            return 0;
        any = 1;
    }
    return any;
}

static dla_status place_node(const ir_node *n, const cc_place_options *o, cc_check_fn check, cc_layer_spec *specs,
                             int n_specs, cc_placement *p)
{
    cc_node_place *np = &p->nodes[n->id];
    np->subgraph = -1;
    char why[256];
    int ok = -1; /* not checked yet */
    cc_layer_spec *f = cc_layer_specs_find(specs, n_specs, n->name);
    if (f)
        f->matched = 1; /* a build-time layer runs nowhere: forcing it is moot, but its name is known */
    int build_time = all_outputs_constant(n) || inputs_build_time(n, p);
    if (!build_time && cc_rule_for(n->op)->how == CC_HOW_BUILD_TIME)
        build_time = ok = check(&o->target, n, why, sizeof why);
    if (build_time) {
        np->device = CC_DEV_DLA;
        np->subgraph = CC_SUBGRAPH_BUILD_TIME;
        snprintf(np->reason, sizeof np->reason, "computed at build time");
        return DLA_OK;
    }
    if (ok < 0)
        ok = check(&o->target, n, why, sizeof why);
    if (f) {
        np->forced = 1;
        if (f->code == CC_DEV_HOST) {
            np->device = CC_DEV_HOST;
            snprintf(np->reason, sizeof np->reason, "forced to the GPU by --layerDeviceTypes");
            return DLA_OK;
        }
        if (!ok)
            return base_error(DLA_ERR_UNSUPPORTED, "--layerDeviceTypes forces %s '%s' onto the DLA, but it cannot "
                                                   "run there: %s",
                              n->op_type, n->name, why);
        np->device = CC_DEV_DLA;
        return DLA_OK;
    }
    np->device = ok ? CC_DEV_DLA : CC_DEV_HOST;
    if (!ok)
        snprintf(np->reason, sizeof np->reason, "%s", why);
    return DLA_OK;
}

/* The build error without GPU fallback: one line per blocking layer (as much as the message buffer takes; the
 * placement has them all). */
static dla_status fallback_error(const ir_graph *g, const cc_placement *p)
{
    int n_block = 0;
    for (int i = 0; i < p->n_nodes; i++)
        n_block += p->nodes[i].device == CC_DEV_HOST && !p->nodes[i].forced;
    if (!n_block)
        return DLA_OK;
    enum { LIMIT = 900 };
    char msg[1024];
    int len = snprintf(msg, sizeof msg,
                       "%d layer%s cannot run on the DLA and GPU fallback is off (trtexec --allowGPUFallback):",
                       n_block, n_block == 1 ? "" : "s");
    int shown = 0;
    for (int i = 0; i < p->n_nodes; i++) {
        const cc_node_place *np = &p->nodes[i];
        if (np->device != CC_DEV_HOST || np->forced)
            continue;
        char line[600];
        int l = snprintf(line, sizeof line, "\n  %s '%s': %s", g->nodes[i]->op_type, g->nodes[i]->name,
                         np->reason);
        if (len + l > LIMIT)
            break;
        memcpy(msg + len, line, (size_t)l + 1);
        len += l;
        shown++;
    }
    if (shown < n_block)
        snprintf(msg + len, sizeof msg - (size_t)len, "\n  ... and %d more (the placement lists every one)",
                 n_block - shown);
    return base_error(DLA_ERR_UNSUPPORTED, "%s", msg);
}

dla_status cc_place(const ir_graph *g, const cc_place_options *o, cc_placement *out)
{
    return cc_place_with(g, o, cc_check_node, out);
}

dla_status cc_place_with(const ir_graph *g, const cc_place_options *o, cc_check_fn check, cc_placement *out)
{
    memset(out, 0, sizeof *out);
    for (int i = 0; i < g->n_nodes; i++)
        if (!g->nodes[i] || g->nodes[i]->id != i)
            return base_error(DLA_ERR_INTERNAL, "placement needs a compacted, sorted graph (node %d)", i);
    cc_layer_spec *specs;
    int n_specs;
    BASE_TRY(cc_layer_specs_parse(o->layer_device_types, "--layerDeviceTypes", "NAME:GPU or NAME:DLA", classify_device,
                                  &specs, &n_specs));
    out->n_nodes = g->n_nodes;
    out->n_subgraphs = -1; /* until partitioning has run: the placement is incomplete */
    out->nodes = calloc((size_t)g->n_nodes + 1, sizeof *out->nodes);
    if (!out->nodes) {
        cc_layer_specs_free(specs, n_specs);
        return base_error(DLA_ERR_NOMEM, "out of memory placing %d layers", g->n_nodes);
    }
    dla_status st = DLA_OK;
    for (int i = 0; i < g->n_nodes && st == DLA_OK; i++)
        st = place_node(g->nodes[i], o, check, specs, n_specs, out);
    for (int i = 0; i < n_specs && st == DLA_OK; i++)
        if (!specs[i].matched)
            st = base_error(DLA_ERR_INVALID_ARG, "--layerDeviceTypes: no layer named '%s' in the network",
                            specs[i].name);
    cc_layer_specs_free(specs, n_specs);
    if (st == DLA_OK)
        st = cc_partition(g, o, out);
    if (st == DLA_OK && !o->allow_gpu_fallback)
        st = fallback_error(g, out);
    if (st == DLA_OK) {
        base_log(DLA_LOG_INFO, "placement: %d layer(s) on the DLA in %d subgraph(s), %d on the host", out->n_dla,
                 out->n_subgraphs, out->n_host);
    }
    return st;
}

void cc_placement_release(cc_placement *p)
{
    if (p) {
        free(p->nodes);
        p->nodes = NULL;
    }
}
