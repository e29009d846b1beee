/* dla exec (and its alias dlaexec): trtexec for dlakit's DLA. Builds an ONNX model into a loadable (or loads one),
 * saves it, runs it on the software DLA and reports placement, layers and timing in trtexec's words.
 * Flags: exec_flags.c; build: exec_build.c; run: exec_run.c; reports: exec_report.c. */
#include "cli.h"
#include "exec_flags.h"
#include "exec_report.h"
#include "exec_steps.h"

#include "dla/compiler.h"
#include "dla/loadable.h"
#include "dla/model.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void log_hook(dla_log_level level, const char *message, void *user)
{
    (void)user;
    static const char tags[] = "EWIV";
    FILE *f = level <= DLA_LOG_WARN ? stderr : stdout;
    fprintf(f, "[%c] %s%s", tags[level <= DLA_LOG_DEBUG ? level : DLA_LOG_DEBUG], message,
            *message && message[strlen(message) - 1] == '\n' ? "" : "\n");
    fflush(f);
}

static void print_command(int argc, char **argv)
{
    printf("&&&& RUNNING dlakit.exec # dla exec");
    for (int i = 1; i < argc; i++)
        printf(" %s", argv[i]);
    printf("\n");
}

static int finish(int rc, int argc, char **argv)
{
    fflush(stderr);
    printf("&&&& %s dlakit.exec # dla exec", rc == 0 ? "PASSED" : "FAILED");
    for (int i = 1; i < argc; i++)
        printf(" %s", argv[i]);
    printf("\n");
    return rc;
}

int exec_read_file(const char *flag, const char *path, void **bytes, size_t *size)
{
    *bytes = NULL;
    *size = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "dla exec: %s=%s: %s\n", flag, path, strerror(errno));
        return 1;
    }
    size_t cap = 1 << 20, n = 0;
    unsigned char *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        unsigned char *g = realloc(buf, cap * 2);
        if (!g) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = g;
        cap *= 2;
    }
    int bad = !buf || ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        fprintf(stderr, "dla exec: %s=%s: %s\n", flag, path, buf ? "read error" : "out of memory");
        return 1;
    }
    *bytes = buf;
    *size = n;
    return 0;
}

int exec_write_file(const char *flag, const char *path, const void *bytes, size_t size)
{
    size_t n = strlen(path) + 16;
    char *tmp = malloc(n);
    if (!tmp) {
        fprintf(stderr, "dla exec: %s: out of memory\n", flag);
        return 1;
    }
    snprintf(tmp, n, "%s.tmp", path);
    FILE *f = fopen(tmp, "wb");
    int ok = f && fwrite(bytes, 1, size, f) == size;
    if (f)
        ok = (fclose(f) == 0) && ok;
    if (ok && rename(tmp, path) != 0)
        ok = 0;
    if (!ok) {
        fprintf(stderr, "dla exec: %s=%s: %s\n", flag, path, strerror(errno));
        remove(tmp);
    }
    free(tmp);
    return ok ? 0 : 1;
}

int cmd_exec(int argc, char **argv)
{
    exec_opts o;
    int rc = exec_parse(argc, argv, &o);
    if (rc) {
        exec_opts_release(&o);
        return rc == 1 ? 0 : 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0); /* the log and the errors on stderr stay in order */
    dla_set_log_hook(log_hook, NULL);
    dla_set_log_level(o.verbose ? DLA_LOG_DEBUG : DLA_LOG_WARN);
    print_command(argc, argv);
    exec_print_options(stdout, &o);
    fflush(stdout);

    exec_engine e = {0};
    rc = o.onnx ? exec_build(&o, &e) : exec_read_file("--loadEngine", o.load_engine, &e.bytes, &e.size);
    if (!rc && o.load_engine && dla_loadable_check(e.bytes, e.size) != DLA_OK) {
        fprintf(stderr, "dla exec: --loadEngine=%s: %s\n", o.load_engine, dla_last_error());
        rc = 1;
    } else if (!rc && o.load_engine)
        printf("[I] Loaded engine %s (%zu bytes)\n", o.load_engine, e.size);
    if (!rc)
        rc = exec_layer_info(e.bytes, e.size, e.placement, o.dump_layer_info, o.export_layer_info);
    if (!rc && o.skip_inference)
        printf("[I] Skipped inference phase since %s.\n",
               o.skip_inference_implied ? "--buildDLAStandalone implies --skipInference" : "--skipInference is added");
    else if (!rc)
        rc = exec_run(&o, &e);
    exec_engine_release(&e);
    exec_opts_release(&o);
    dla_set_log_hook(NULL, NULL);
    return finish(rc, argc, argv);
}
