/* Status names, the per-thread last-error message and the logging hook. */
#include "base/base.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const status_names[DLA_STATUS_COUNT] = {
    [DLA_OK] = "ok",
    [DLA_ERR_INVALID_ARG] = "invalid argument",
    [DLA_ERR_UNSUPPORTED] = "unsupported",
    [DLA_ERR_FORMAT] = "format error",
    [DLA_ERR_VERSION] = "version mismatch",
    [DLA_ERR_IO] = "I/O error",
    [DLA_ERR_NOMEM] = "out of memory",
    [DLA_ERR_INTERNAL] = "internal error",
};

const char *dla_status_str(dla_status status)
{
    if ((unsigned)status >= DLA_STATUS_COUNT)
        return "unknown status";
    return status_names[status];
}

/* Like errno: one message per thread, so concurrent callers never see each other's errors. */
static _Thread_local char last_error[1024];

const char *dla_last_error(void) { return last_error; }

void base_clear_error(void) { last_error[0] = '\0'; }

static void default_hook(dla_log_level level, const char *message, void *user)
{
    static const char *const tags[] = {"error", "warning", "info", "debug"};
    (void)user;
    fprintf(stderr, "dla: %s: %s\n", tags[level], message);
}

static dla_log_fn log_hook = default_hook;
static void *log_user;
static dla_log_level log_max = DLA_LOG_WARN;

void dla_set_log_hook(dla_log_fn fn, void *user)
{
    log_hook = fn ? fn : default_hook;
    log_user = fn ? user : NULL;
}

void dla_set_log_level(dla_log_level max_level) { log_max = max_level; }

int base_log_enabled(dla_log_level level) { return level <= log_max; }

void base_logv(dla_log_level level, const char *fmt, va_list ap)
{
    char msg[1024];
    if (level > log_max)
        return;
    vsnprintf(msg, sizeof msg, fmt, ap);
    log_hook(level, msg, log_user);
}

void base_log(dla_log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    base_logv(level, fmt, ap);
    va_end(ap);
}

dla_status base_error(dla_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    /* Errors are logged at DEBUG: the caller decides whether to show the message (tools print it once). */
    base_log(DLA_LOG_DEBUG, "%s: %s", dla_status_str(status), last_error);
    return status;
}
