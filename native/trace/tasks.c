/* Live tasks by tid, and the program images they share (trace.h). */
#include <stdlib.h>
#include <string.h>

#include "trace.h"

/* ---------------------------------------------------------------- images */

static size_t images_alive;

struct image *image_new(unsigned long id, const char *path) {
  size_t len = strlen(path);
  struct image *im = malloc(sizeof *im + len + 1);
  if (!im) return NULL;
  im->id = id;
  im->refs = 1;
  memcpy(im->path, path, len + 1);
  images_alive++;
  return im;
}

struct image *image_ref(struct image *im) {
  if (im) im->refs++;
  return im;
}

void image_unref(struct image *im) {
  if (im && --im->refs == 0) {
    free(im);
    images_alive--;
  }
}

size_t image_live(void) { return images_alive; }

/* ---------------------------------------------------------------- tasks */

/*
 * Chained hash table, grown (never shrunk below its start size) as live
 * tasks grow: its size follows the number of tasks alive at once.
 */
static struct task **buckets;
static size_t nbuckets, count, peak;

static size_t slot(pid_t tid, size_t n) { return ((size_t)tid * 2654435761u) & (n - 1); }

static int grow(void) {
  size_t n = nbuckets ? nbuckets * 2 : 256;
  struct task **b = calloc(n, sizeof *b);
  if (!b) return -1;
  for (size_t i = 0; i < nbuckets; i++) {
    for (struct task *t = buckets[i], *next; t; t = next) {
      next = t->next;
      size_t s = slot(t->tid, n);
      t->next = b[s];
      b[s] = t;
    }
  }
  free(buckets);
  buckets = b;
  nbuckets = n;
  return 0;
}

struct task *task_find(pid_t tid) {
  if (!nbuckets) return NULL;
  for (struct task *t = buckets[slot(tid, nbuckets)]; t; t = t->next)
    if (t->tid == tid) return t;
  return NULL;
}

static void link_task(struct task *t) {
  size_t s = slot(t->tid, nbuckets);
  t->next = buckets[s];
  buckets[s] = t;
}

static void unlink_task(struct task *t) {
  struct task **p = &buckets[slot(t->tid, nbuckets)];
  while (*p && *p != t) p = &(*p)->next;
  if (*p) *p = t->next;
}

struct task *task_add(pid_t tid) {
  /* A failed grow only lengthens the chains, unless there is no table yet. */
  if ((!nbuckets || count + 1 > nbuckets * 2) && grow() != 0 && !nbuckets) return NULL;
  struct task *t = calloc(1, sizeof *t);
  if (!t) return NULL;
  t->tid = tid;
  t->tgid = tid;
  link_task(t);
  if (++count > peak) peak = count;
  return t;
}

void task_remove(struct task *t) {
  unlink_task(t);
  image_unref(t->image);
  image_unref(t->parent_image);
  free(t);
  count--;
}

void task_rename(struct task *t, pid_t tid) {
  unlink_task(t);
  t->tid = tid;
  link_task(t);
}

size_t task_count(void) { return count; }
size_t task_peak(void) { return peak; }

void task_each(void (*fn)(struct task *t, void *arg), void *arg) {
  for (size_t i = 0; i < nbuckets; i++) {
    for (struct task *t = buckets[i], *next; t; t = next) {
      next = t->next;
      fn(t, arg);
    }
  }
}
