/* Private glue for the calibration API (calib_api.c, calib_api_dir.c) and its consumers in the API layer (the
 * INT8 build reads a dla_calib's scale table). */
#ifndef DLA_API_CALIB_INTERNAL_H
#define DLA_API_CALIB_INTERNAL_H

#include "compiler/calib.h"
#include "dla/calib.h"

struct dla_calib {
    cc_scale_table *t;
};

/* The scale table behind c (owned by c). */
static inline cc_scale_table *api_calib_table(const dla_calib *c) { return c ? c->t : NULL; }

/* A new dla_calib that takes ownership of t (on error t is freed). */
dla_status api_calib_wrap(cc_scale_table *t, dla_calib **out);

#endif
