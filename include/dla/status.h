/* dla/status.h — status codes and error messages shared by every dlakit API.
 *
 * Every fallible function returns a dla_status. DLA_OK is zero; everything else is an error whose detail
 * (the file, node or flag, the limit and the value) is in the last-error message:
 *
 *     dla_model *m;
 *     dla_status st = dla_model_load_file("net.onnx", NULL, &m);
 *     if (st != DLA_OK)
 *         fprintf(stderr, "%s: %s\n", dla_status_str(st), dla_last_error());
 */
#ifndef DLA_STATUS_H
#define DLA_STATUS_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum dla_status {
    DLA_OK = 0,
    DLA_ERR_INVALID_ARG = 1, /* a caller-supplied argument or input is wrong */
    DLA_ERR_UNSUPPORTED = 2, /* valid, but not implemented or not supported by the target */
    DLA_ERR_FORMAT = 3,      /* malformed model, tensor file or loadable */
    DLA_ERR_VERSION = 4,     /* a format version this build cannot read */
    DLA_ERR_IO = 5,          /* a file could not be read or written */
    DLA_ERR_NOMEM = 6,       /* an allocation failed or a size limit was exceeded */
    DLA_ERR_INTERNAL = 7,    /* an internal invariant was violated: a bug */
    DLA_STATUS_COUNT
} dla_status;

/* A static string naming the code ("invalid argument", ...). Never NULL. */
const char *dla_status_str(dla_status status);

/* The message of the most recent error raised on the calling thread ("" if none). The pointer is valid until the
 * next dlakit call on this thread; copy it to keep it. Handles also keep their own copy (see *_last_error()). */
const char *dla_last_error(void);

/* Log levels and the logging hook. The library prints nothing except through this hook; the default hook writes
 * warnings and errors to stderr. Pass NULL to restore the default. */
typedef enum dla_log_level { DLA_LOG_ERROR = 0, DLA_LOG_WARN = 1, DLA_LOG_INFO = 2, DLA_LOG_DEBUG = 3 } dla_log_level;
typedef void (*dla_log_fn)(dla_log_level level, const char *message, void *user);
void dla_set_log_hook(dla_log_fn fn, void *user);
void dla_set_log_level(dla_log_level max_level);

#ifdef __cplusplus
}
#endif
#endif
