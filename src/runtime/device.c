/* runtime devices: one worker thread per device running submitted tasks in order, registered memory, events
 * (host-side fences) and the error state. */
#include "runtime/rt.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

dla_status rt_device_fail(const dla_device *dev, dla_status st)
{
    if (dev && st != DLA_OK) {
        dla_device *d = (dla_device *)dev;
        pthread_mutex_lock(&d->mu);
        snprintf(d->msg, sizeof d->msg, "%s", dla_last_error());
        pthread_mutex_unlock(&d->mu);
    }
    return st;
}

dla_status rt_wrap(dla_status st, const char *fmt, ...)
{
    char old[1024], pre[512];
    snprintf(old, sizeof old, "%s", dla_last_error());
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(pre, sizeof pre, fmt, ap);
    va_end(ap);
    return base_error(st, "%s: %s", pre, old);
}

/* ---- events ---------------------------------------------------------------------------------------------- */

dla_status rt_event_create(dla_event **out)
{
    dla_event *ev = calloc(1, sizeof *ev);
    if (!ev)
        return base_error(DLA_ERR_NOMEM, "out of memory for an event");
    pthread_mutex_init(&ev->mu, NULL);
    pthread_cond_init(&ev->cv, NULL);
    *out = ev;
    return DLA_OK;
}

void rt_event_destroy(dla_event *ev)
{
    if (!ev)
        return;
    pthread_mutex_destroy(&ev->mu);
    pthread_cond_destroy(&ev->cv);
    free(ev);
}

dla_status rt_event_signal(dla_event *ev, dla_status st, const char *msg)
{
    pthread_mutex_lock(&ev->mu);
    if (ev->signalled) {
        pthread_mutex_unlock(&ev->mu);
        return base_error(DLA_ERR_INVALID_ARG, "event signalled twice (reset it with dla_event_reset first)");
    }
    ev->signalled = 1;
    ev->status = st;
    snprintf(ev->msg, sizeof ev->msg, "%s", msg ? msg : "");
    pthread_cond_broadcast(&ev->cv);
    pthread_mutex_unlock(&ev->mu);
    return DLA_OK;
}

dla_status rt_event_wait(dla_event *ev)
{
    pthread_mutex_lock(&ev->mu);
    while (!ev->signalled)
        pthread_cond_wait(&ev->cv, &ev->mu);
    dla_status st = ev->status;
    char msg[sizeof ev->msg];
    memcpy(msg, ev->msg, sizeof msg);
    pthread_mutex_unlock(&ev->mu);
    if (st != DLA_OK)
        return base_error(st, "the event was signalled by a task that failed: %s", msg);
    return DLA_OK;
}

int rt_event_query(const dla_event *ev)
{
    dla_event *e = (dla_event *)ev;
    pthread_mutex_lock(&e->mu);
    int s = e->signalled;
    pthread_mutex_unlock(&e->mu);
    return s;
}

void rt_event_reset(dla_event *ev)
{
    pthread_mutex_lock(&ev->mu);
    ev->signalled = 0;
    ev->status = DLA_OK;
    ev->msg[0] = '\0';
    pthread_mutex_unlock(&ev->mu);
}

/* ---- memory ---------------------------------------------------------------------------------------------- */

dla_status rt_mem_register(dla_device *dev, void *ptr, size_t size, dla_mem **out)
{
    *out = NULL;
    if (!ptr || size == 0)
        return base_error(DLA_ERR_INVALID_ARG, "memory register: pointer %p, size %zu (both must be non-zero)", ptr,
                          size);
    dla_mem *m = calloc(1, sizeof *m);
    if (!m)
        return base_error(DLA_ERR_NOMEM, "out of memory");
    m->dev = dev;
    m->ptr = ptr;
    m->size = size;
    pthread_mutex_lock(&dev->mu);
    m->next = dev->mems;
    dev->mems = m;
    pthread_mutex_unlock(&dev->mu);
    *out = m;
    return DLA_OK;
}

dla_status rt_mem_unregister(dla_device *dev, dla_mem *mem)
{
    pthread_mutex_lock(&dev->mu);
    dla_mem **p = &dev->mems;
    while (*p && *p != mem)
        p = &(*p)->next;
    dla_status st = DLA_OK;
    if (!*p)
        st = base_error(DLA_ERR_INVALID_ARG, "memory unregister: %p is not registered on DLA core %d", (void *)mem,
                        dev->core);
    else if (mem->in_use)
        st = base_error(DLA_ERR_INVALID_ARG, "memory unregister: the buffer at %p is bound by %d submitted task(s) "
                        "still in flight (dla_synchronize first)", (void *)mem->ptr, mem->in_use);
    else
        *p = mem->next;
    pthread_mutex_unlock(&dev->mu);
    if (st == DLA_OK)
        free(mem);
    return st;
}

/* ---- the worker ------------------------------------------------------------------------------------------ */

static void release_job(dla_device *dev, rt_job *job)
{
    for (int i = 0; i < job->n_in; i++)
        job->in[i]->in_use--;
    for (int i = 0; i < job->n_out; i++)
        job->out[i]->in_use--;
    job->mod->pending--;
    (void)dev;
}

static void run_job(dla_device *dev, rt_job *job)
{
    base_clear_error();
    dla_status st = DLA_OK;
    for (int i = 0; st == DLA_OK && i < job->n_wait; i++) {
        st = rt_event_wait(job->wait[i]);
        if (st != DLA_OK)
            st = rt_wrap(st, "module '%s' on DLA core %d: wait event %d", job->mod->name, dev->core, i);
    }
    if (st == DLA_OK)
        st = rt_module_run(job->mod, job->in, job->out);
    char msg[1024];
    snprintf(msg, sizeof msg, "%s", st == DLA_OK ? "" : dla_last_error());
    for (int i = 0; i < job->n_sig; i++)
        if (rt_event_signal(job->sig[i], st, msg) != DLA_OK && st == DLA_OK) {
            st = base_error(DLA_ERR_INVALID_ARG, "module '%s' on DLA core %d: signal event %d was already signalled",
                            job->mod->name, dev->core, i);
            snprintf(msg, sizeof msg, "%s", dla_last_error());
        }
    pthread_mutex_lock(&dev->mu);
    if (st != DLA_OK) {
        if (dev->sync_status == DLA_OK) {
            dev->sync_status = st;
            snprintf(dev->sync_msg, sizeof dev->sync_msg, "%s", msg);
        }
        dev->async_status = st;
        snprintf(dev->msg, sizeof dev->msg, "%s", msg);
    }
    release_job(dev, job);
    pthread_mutex_unlock(&dev->mu);
}

static void *worker_main(void *arg)
{
    dla_device *dev = arg;
    pthread_mutex_lock(&dev->mu);
    for (;;) {
        while (!dev->head && !dev->stop)
            pthread_cond_wait(&dev->cv_work, &dev->mu);
        if (!dev->head)
            break; /* stop requested and the queue is drained */
        rt_job *job = dev->head;
        dev->head = job->next;
        if (!dev->head)
            dev->tail = NULL;
        dev->busy = 1;
        pthread_mutex_unlock(&dev->mu);
        run_job(dev, job);
        free(job);
        pthread_mutex_lock(&dev->mu);
        dev->busy = 0;
        pthread_cond_broadcast(&dev->cv_idle);
    }
    pthread_mutex_unlock(&dev->mu);
    return NULL;
}

/* ---- devices --------------------------------------------------------------------------------------------- */

dla_status rt_device_create(int core, unsigned flags, rt_deserialize_fn fn, void *user, dla_device **out)
{
    *out = NULL;
    if (core < 0 || core >= DLA_NUM_CORES)
        return base_error(DLA_ERR_INVALID_ARG, "DLA core %d does not exist (cores 0..%d)", core, DLA_NUM_CORES - 1);
    if (flags != DLA_MODE_HYBRID && flags != DLA_MODE_STANDALONE)
        return base_error(DLA_ERR_INVALID_ARG, "device flags %u: expected DLA_MODE_HYBRID (0) or DLA_MODE_STANDALONE "
                          "(1)", flags);
    dla_device *dev = calloc(1, sizeof *dev);
    if (!dev)
        return base_error(DLA_ERR_NOMEM, "out of memory for a device");
    dev->core = core;
    dev->flags = flags;
    dev->deserialize = fn;
    dev->deserialize_user = user;
    const char *env = getenv("DLA_HOST_THREADS");
    dev->host_threads = env ? atoi(env) : 0;
    pthread_mutex_init(&dev->mu, NULL);
    pthread_cond_init(&dev->cv_work, NULL);
    pthread_cond_init(&dev->cv_idle, NULL);
    if (pthread_create(&dev->worker, NULL, worker_main, dev) != 0) {
        pthread_mutex_destroy(&dev->mu);
        pthread_cond_destroy(&dev->cv_work);
        pthread_cond_destroy(&dev->cv_idle);
        free(dev);
        return base_error(DLA_ERR_NOMEM, "DLA core %d: cannot start the worker thread", core);
    }
    dev->worker_started = 1;
    *out = dev;
    return DLA_OK;
}

void rt_device_destroy(dla_device *dev)
{
    if (!dev)
        return;
    pthread_mutex_lock(&dev->mu);
    dev->stop = 1;
    pthread_cond_broadcast(&dev->cv_work);
    pthread_mutex_unlock(&dev->mu);
    if (dev->worker_started)
        pthread_join(dev->worker, NULL);
    while (dev->modules) {
        dla_module *m = dev->modules;
        dev->modules = m->next;
        rt_module_free(m);
    }
    while (dev->mems) {
        dla_mem *m = dev->mems;
        dev->mems = m->next;
        free(m);
    }
    pthread_mutex_destroy(&dev->mu);
    pthread_cond_destroy(&dev->cv_work);
    pthread_cond_destroy(&dev->cv_idle);
    free(dev);
}

static int registered(const dla_device *dev, const dla_mem *m)
{
    for (const dla_mem *p = dev->mems; p; p = p->next)
        if (p == m)
            return 1;
    return 0;
}

/* Checks one task against the device (called with the device mutex held). */
static dla_status check_task(const dla_device *dev, const dla_task *t, int k)
{
    const dla_module *mod = t->module;
    if (!mod)
        return base_error(DLA_ERR_INVALID_ARG, "submit: task %d has no module", k);
    int found = 0;
    for (const dla_module *m = dev->modules; m && !found; m = m->next)
        found = m == mod;
    if (!found)
        return base_error(DLA_ERR_INVALID_ARG, "submit: task %d: its module is not loaded on this device (DLA core "
                          "%d)", k, dev->core);
    if (t->n_inputs != (int)mod->n_in || t->n_outputs != (int)mod->n_out)
        return base_error(DLA_ERR_INVALID_ARG, "submit: task %d (module '%s'): %d inputs and %d outputs given; the "
                          "module has %u and %u", k, mod->name, t->n_inputs, t->n_outputs, mod->n_in, mod->n_out);
    if ((t->n_inputs && !t->inputs) || (t->n_outputs && !t->outputs) || t->n_wait < 0 || t->n_signal < 0 ||
        (t->n_wait && !t->wait_events) || (t->n_signal && !t->signal_events))
        return base_error(DLA_ERR_INVALID_ARG, "submit: task %d (module '%s'): a count without its array", k,
                          mod->name);
    for (int dir = 0; dir < 2; dir++) {
        int n = dir ? t->n_outputs : t->n_inputs;
        for (int i = 0; i < n; i++) {
            const dla_mem *m = dir ? t->outputs[i] : t->inputs[i];
            const dla_tensor_desc *d = dir ? &mod->out_desc[i] : &mod->in_desc[i];
            if (!m || !registered(dev, m))
                return base_error(DLA_ERR_INVALID_ARG, "submit: task %d (module '%s'): %s %d ('%s') is not memory "
                                  "registered on DLA core %d", k, mod->name, dir ? "output" : "input", i, d->name,
                                  dev->core);
            if (m->size < d->size)
                return base_error(DLA_ERR_INVALID_ARG, "submit: task %d (module '%s'): %s %d ('%s') has %zu bytes "
                                  "registered; it needs %llu", k, mod->name, dir ? "output" : "input", i, d->name,
                                  m->size, (unsigned long long)d->size);
        }
    }
    for (int i = 0; i < t->n_wait; i++)
        if (!t->wait_events[i])
            return base_error(DLA_ERR_INVALID_ARG, "submit: task %d: wait event %d is NULL", k, i);
    for (int i = 0; i < t->n_signal; i++)
        if (!t->signal_events[i])
            return base_error(DLA_ERR_INVALID_ARG, "submit: task %d: signal event %d is NULL", k, i);
    return DLA_OK;
}

static rt_job *make_job(const dla_task *t)
{
    size_t n = (size_t)t->n_inputs + (size_t)t->n_outputs + (size_t)t->n_wait + (size_t)t->n_signal;
    rt_job *job = calloc(1, sizeof *job + n * sizeof(void *));
    if (!job)
        return NULL;
    void **p = (void **)(job + 1);
    job->mod = t->module;
    job->in = (dla_mem **)p;
    job->out = job->in + t->n_inputs;
    job->wait = (dla_event **)(job->out + t->n_outputs);
    job->sig = job->wait + t->n_wait;
    job->n_in = t->n_inputs;
    job->n_out = t->n_outputs;
    job->n_wait = t->n_wait;
    job->n_sig = t->n_signal;
    for (int i = 0; i < t->n_inputs; i++)
        job->in[i] = t->inputs[i];
    for (int i = 0; i < t->n_outputs; i++)
        job->out[i] = t->outputs[i];
    for (int i = 0; i < t->n_wait; i++)
        job->wait[i] = t->wait_events[i];
    for (int i = 0; i < t->n_signal; i++)
        job->sig[i] = t->signal_events[i];
    return job;
}

dla_status rt_submit(dla_device *dev, const dla_task *tasks, int n_tasks)
{
    if (n_tasks < 0 || (n_tasks && !tasks))
        return base_error(DLA_ERR_INVALID_ARG, "submit: %d tasks at %p", n_tasks, (const void *)tasks);
    rt_job **jobs = calloc((size_t)n_tasks + 1, sizeof *jobs);
    if (!jobs)
        return base_error(DLA_ERR_NOMEM, "out of memory");
    dla_status st = DLA_OK;
    for (int k = 0; st == DLA_OK && k < n_tasks; k++)
        if (!(jobs[k] = make_job(&tasks[k])))
            st = base_error(DLA_ERR_NOMEM, "out of memory");
    pthread_mutex_lock(&dev->mu);
    for (int k = 0; st == DLA_OK && k < n_tasks; k++)
        st = check_task(dev, &tasks[k], k);
    if (st == DLA_OK && dev->stop)
        st = base_error(DLA_ERR_INVALID_ARG, "submit: DLA core %d is being destroyed", dev->core);
    if (st == DLA_OK) {
        for (int k = 0; k < n_tasks; k++) {
            rt_job *job = jobs[k];
            for (int i = 0; i < job->n_in; i++)
                job->in[i]->in_use++;
            for (int i = 0; i < job->n_out; i++)
                job->out[i]->in_use++;
            job->mod->pending++;
            if (dev->tail)
                dev->tail->next = job;
            else
                dev->head = job;
            dev->tail = job;
            jobs[k] = NULL;
        }
        pthread_cond_signal(&dev->cv_work);
    }
    pthread_mutex_unlock(&dev->mu);
    for (int k = 0; k < n_tasks; k++)
        free(jobs[k]);
    free(jobs);
    return st;
}

dla_status rt_synchronize(dla_device *dev)
{
    pthread_mutex_lock(&dev->mu);
    while (dev->head || dev->busy)
        pthread_cond_wait(&dev->cv_idle, &dev->mu);
    dla_status st = dev->sync_status;
    char msg[sizeof dev->sync_msg];
    memcpy(msg, dev->sync_msg, sizeof msg);
    dev->sync_status = DLA_OK;
    dev->sync_msg[0] = '\0';
    pthread_mutex_unlock(&dev->mu);
    if (st != DLA_OK)
        return base_error(st, "%s", msg);
    return DLA_OK;
}
