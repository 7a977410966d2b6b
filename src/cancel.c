/*
 * DESIGN
 *
 * Cancellation by signal, in one place.
 *
 * cancel_init runs before any other thread exists: it blocks SIGINT and
 * SIGTERM, so every thread made afterwards (the pool's workers, libcurl's
 * resolver threads) inherits the block and no thread is ever interrupted
 * in a system call or a lock by them. One thread waits for them with
 * sigwait. The first one stops new work at once, whatever the main thread
 * is doing (reading input, listing repositories, waiting in the gate): the
 * gate lets no request out any more and wakes every waiter, the pool drops
 * queued jobs, threads waiting for another's load (once.c) stop waiting;
 * requests in flight end on their own. The second sets the
 * abort flag, which every transfer's progress callback reads, so requests
 * in flight end now.
 *
 * This thread only stops things; it prints nothing and never touches the
 * output. The main thread polls cancel_signals() (session_poll) and writes
 * the message, the rows left 'cancelled' and the exit code 130.
 *
 * A thread that waits in poll(2) (the main thread, for input from a pipe
 * or a terminal) adds cancel_fd() to what it waits for: the read end of a
 * pipe of this module's own, to which the signal thread writes a byte at
 * every signal and which nobody drains, so it is readable from the first
 * signal on and a wait wakes at once, however long its timeout.
 *
 * The targets are bound and unbound by the main thread under a mutex that
 * the signal thread takes too, so it never reaches a pool being freed.
 * gate_cancel, pool_cancel, once_cancel_all and an atomic store are safe
 * from any thread, and none of them does I/O under that mutex.
 */
#include "cancel.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "backoff.h"
#include "once.h"
#include "pool.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct gate *bound_gate;         /* guarded by mu */
static struct pool *bound_pool;         /* guarded by mu */
static atomic_int *bound_abort;         /* guarded by mu */
static atomic_int signals;              /* received so far */
static int wake[2] = {-1, -1};          /* the pipe of cancel_fd; set before the thread starts */

/* mu held: apply what `level` signals ask for to what is bound. */
static void apply(int level)
{
    if (level >= 1) {
        if (bound_gate)
            gate_cancel(bound_gate);
        if (bound_pool)
            pool_cancel(bound_pool);
        once_cancel_all();
    }
    if (level >= 2 && bound_abort)
        atomic_store(bound_abort, 1);
}

static void *waiter(void *arg)
{
    sigset_t *set = arg;
    for (;;) {
        int sig;
        if (sigwait(set, &sig) != 0)
            continue;
        int level = atomic_load(&signals);
        if (level < 100)
            atomic_store(&signals, ++level);
        pthread_mutex_lock(&mu);
        apply(level);
        pthread_mutex_unlock(&mu);
        /* full (EAGAIN) is fine: it is readable already */
        while (write(wake[1], "!", 1) < 0 && errno == EINTR)
            ;
    }
    return NULL;
}

int cancel_init(void)
{
    static sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_IGN;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGPIPE, &sa, NULL);
    /* Its own pipe, shared with no other program: non-blocking is safe
     * there, and keeps the signal thread from ever waiting on it. */
    if (pipe2(wake, O_CLOEXEC | O_NONBLOCK) != 0) {
        fprintf(stderr, "bbperm: cannot make the pipe of the signal thread: %s\n", strerror(errno));
        return -1;
    }
    int rc = pthread_sigmask(SIG_BLOCK, &set, NULL);
    pthread_t tid;
    if (rc == 0)
        rc = pthread_create(&tid, NULL, waiter, &set);
    if (rc != 0) {
        fprintf(stderr, "bbperm: cannot start the signal thread: %s\n", strerror(rc));
        return -1;
    }
    /* it waits until the process ends */
    pthread_detach(tid);
    return 0;
}

void cancel_bind(struct gate *g, struct pool *p, atomic_int *abort_flag)
{
    pthread_mutex_lock(&mu);
    if (g)
        bound_gate = g;
    if (p)
        bound_pool = p;
    if (abort_flag)
        bound_abort = abort_flag;
    apply(atomic_load(&signals));
    pthread_mutex_unlock(&mu);
}

void cancel_unbind(void)
{
    pthread_mutex_lock(&mu);
    bound_gate = NULL;
    bound_pool = NULL;
    bound_abort = NULL;
    pthread_mutex_unlock(&mu);
}

int cancel_signals(void)
{
    return atomic_load(&signals);
}

int cancel_fd(void)
{
    return wake[0];
}
