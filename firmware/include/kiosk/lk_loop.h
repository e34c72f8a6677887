/* lk_loop: the single-threaded epoll reactor the kiosk runs on: fd watches and timerfd timers.
 * Everything that happens on the loop thread (session, UI) is called from here; other threads
 * reach it only through an lk_evtq whose fd the loop watches. */
#ifndef LK_KIOSK_LK_LOOP_H
#define LK_KIOSK_LK_LOOP_H

#include <stdint.h>

#include "kiosk/lk_err.h"

typedef struct lk_loop lk_loop;

/* Called on the loop thread when fd is ready; `events` are EPOLL* bits. */
typedef void (*lk_loop_fd_cb)(void *ctx, int fd, uint32_t events);
/* Called on the loop thread when a timer expires; `id` is what lk_loop_timer_add returned. */
typedef void (*lk_loop_timer_cb)(void *ctx, int id);

int lk_loop_create(lk_loop **out, lk_err *err);
/* Closes every timer; watched fds stay open (their owners close them). */
void lk_loop_free(lk_loop *loop);

/* Watches fd for EPOLLIN/EPOLLOUT bits; one watch per fd. Returns 0 or LK_EIO/LK_ENOMEM. */
int lk_loop_watch(lk_loop *loop, int fd, uint32_t events, lk_loop_fd_cb cb, void *ctx);
int lk_loop_unwatch(lk_loop *loop, int fd);

/* A timer that fires after first_ms, then every interval_ms (0: once). Returns its id (>= 0)
 * or a negative code. A one-shot timer is removed after it fires. */
int lk_loop_timer_add(lk_loop *loop, uint64_t first_ms, uint64_t interval_ms, lk_loop_timer_cb cb,
                      void *ctx);
/* Changes a timer's schedule (first_ms 0 disarms it without removing it). */
int lk_loop_timer_set(lk_loop *loop, int id, uint64_t first_ms, uint64_t interval_ms);
int lk_loop_timer_del(lk_loop *loop, int id);

/* Waits up to timeout_ms (-1: forever) and dispatches what is ready. Returns the number of
 * callbacks run, or a negative code. */
int lk_loop_run_once(lk_loop *loop, int timeout_ms);
/* Runs until lk_loop_quit. */
int lk_loop_run(lk_loop *loop);
/* Loop thread only (other threads post an event whose handler quits). */
void lk_loop_quit(lk_loop *loop);

/* Wall time spent running callbacks so far, in microseconds, the one under way included
 * (loop thread): what runs on the loop between two frames is the frame's real cost. */
uint64_t lk_loop_busy_us(const lk_loop *loop);

/* CLOCK_MONOTONIC in milliseconds / microseconds. */
uint64_t lk_loop_now_ms(void);
uint64_t lk_loop_now_us(void);

#endif
