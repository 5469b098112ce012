/* The JSON-lines stream the tracer writes its records to (trace.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "probe/describe.h"
#include "trace.h"

#define OUT_SIZE 65536
/* Flushed at this fill level, so a record in progress always has room. */
#define OUT_HIGH (OUT_SIZE - 8192)

static char buf[OUT_SIZE];
static size_t len;
static int out_fd = -1;
static int failed;

void out_init(int fd) { out_fd = fd; }

int out_error(void) { return failed; }

void out_flush(void) {
  size_t off = 0;
  while (off < len && !failed) {
    ssize_t w = write(out_fd, buf + off, len - off);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) {
      failed = errno;
      break;
    }
    off += (size_t)w;
  }
  len = 0;
}

void out_raw(const char *s, size_t n) {
  while (n > 0) {
    if (len >= OUT_HIGH) out_flush();
    size_t room = OUT_SIZE - len;
    size_t take = n < room ? n : room;
    memcpy(buf + len, s, take);
    len += take;
    s += take;
    n -= take;
  }
}

void out_s(const char *s) { out_raw(s, strlen(s)); }

void out_f(const char *fmt, ...) {
  char tmp[256];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  out_raw(tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

void out_strn(const char *str, size_t n) {
  const unsigned char *s = (const unsigned char *)str;
  out_raw("\"", 1);
  size_t run = 0; /* bytes that pass through unchanged, written in one go */
  for (size_t i = 0; i < n;) {
    unsigned char c = s[i];
    size_t step = 1;
    const char *esc = NULL;
    char tmp[8];
    if (c == '"') esc = "\\\"";
    else if (c == '\\') esc = "\\\\";
    else if (c == '\n') esc = "\\n";
    else if (c == '\t') esc = "\\t";
    else if (c == '\r') esc = "\\r";
    else if (c < 0x20 || c == 0x7f) {
      snprintf(tmp, sizeof tmp, "\\u%04x", c);
      esc = tmp;
    } else if (c >= 0x80) {
      step = fda_utf8_len(s + i, n - i);
      if (step == 0) {
        snprintf(tmp, sizeof tmp, "\\udc%02x", c);
        esc = tmp;
        step = 1;
      }
    }
    if (esc) {
      out_raw((const char *)s + i - run, run);
      run = 0;
      out_s(esc);
    } else {
      run += step;
    }
    i += step;
  }
  out_raw((const char *)s + n - run, run);
  out_raw("\"", 1);
}

void out_str(const char *s) { out_strn(s, strlen(s)); }
