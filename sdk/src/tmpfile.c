/*
 * Temporary files for C programs on MACROHARD (wasi-libc declares tmpfile but cannot make
 * one, and has no mkstemp): names from random bytes, created with O_EXCL, in $TMPDIR or /tmp.
 * tmpfile's file is unlinked at once, so it disappears when closed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

static const char chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

int mkstemp(char *template) {
  size_t len = strlen(template);
  if (len < 6 || strcmp(template + len - 6, "XXXXXX") != 0) {
    errno = EINVAL;
    return -1;
  }
  for (int attempt = 0; attempt < 100; attempt++) {
    unsigned char r[6];
    if (getentropy(r, sizeof r) != 0) return -1;
    for (int i = 0; i < 6; i++) template[len - 6 + i] = chars[r[i] % (sizeof chars - 1)];
    int fd = open(template, O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd >= 0 || errno != EEXIST) return fd;
  }
  errno = EEXIST;
  return -1;
}

FILE *tmpfile(void) {
  const char *dir = getenv("TMPDIR");
  char path[256];
  snprintf(path, sizeof path, "%s/tmpXXXXXX", dir && *dir ? dir : "/tmp");
  int fd = mkstemp(path);
  if (fd < 0 && !(dir && *dir)) {
    mkdir("/tmp", 01777);
    strcpy(path, "/tmp/tmpXXXXXX");
    fd = mkstemp(path);
  }
  if (fd < 0) return 0;
  unlink(path);
  FILE *f = fdopen(fd, "w+");
  if (!f) close(fd);
  return f;
}
