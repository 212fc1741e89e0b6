/*
 * files: files, directories, metadata and positions, the way ordinary C programs use them.
 * Usage: files DIR (an empty, writable directory). Prints a transcript that must be the same
 * under MACROHARD and natively (no inode numbers or times, only how they relate).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHECK(x) do { if (!(x)) { printf("FAILED %s at line %d: %s\n", #x, __LINE__, strerror(errno)); exit(1); } } while (0)

static const char *err(int r) { return r < 0 ? (errno == EEXIST ? "EEXIST" : errno == ENOENT ? "ENOENT" : errno == ENOTEMPTY ? "ENOTEMPTY" : errno == ENOTDIR ? "ENOTDIR" : errno == EISDIR ? "EISDIR" : errno == EBADF ? "EBADF" : strerror(errno)) : "ok"; }

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void list(const char *dir) {
  DIR *d = opendir(dir);
  CHECK(d);
  char *names[64];
  int n = 0, inos = 1;
  struct dirent *e;
  while ((e = readdir(d)) && n < 64) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
    struct stat st;
    CHECK(lstat(p, &st) == 0);
    if (st.st_ino != e->d_ino) inos = 0;
    char *s = malloc(300);
    snprintf(s, 300, "%s%s", e->d_name, e->d_type == DT_DIR ? "/" : e->d_type == DT_LNK ? "@" : "");
    names[n++] = s;
  }
  closedir(d);
  qsort(names, n, sizeof names[0], cmp);
  printf("ls %s:", strrchr(dir, '/') ? strrchr(dir, '/') + 1 : dir);
  for (int i = 0; i < n; i++) printf(" %s", names[i]), free(names[i]);
  printf(" (d_ino %s)\n", inos ? "matches st_ino" : "DIFFERS");
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  CHECK(chdir(argv[1]) == 0);
  CHECK(mkdir("d", 0755) == 0);
  printf("mkdir again: %s\n", err(mkdir("d", 0755)));

  int fd = open("d/a.txt", O_WRONLY | O_CREAT | O_EXCL, 0644);
  CHECK(fd >= 0);
  printf("O_EXCL again: %s\n", err(open("d/a.txt", O_WRONLY | O_CREAT | O_EXCL, 0644)));
  CHECK(write(fd, "hello, world\n", 13) == 13);
  CHECK(close(fd) == 0);

  fd = open("d/a.txt", O_RDWR);
  CHECK(fd >= 0);
  char buf[64] = {0};
  CHECK(read(fd, buf, 5) == 5);
  printf("read: %s\n", buf);
  printf("tell: %ld\n", (long)lseek(fd, 0, SEEK_CUR));
  printf("seek end: %ld\n", (long)lseek(fd, 0, SEEK_END));
  CHECK(lseek(fd, 7, SEEK_SET) == 7);
  CHECK(write(fd, "WORLD", 5) == 5);
  memset(buf, 0, sizeof buf);
  CHECK(pread(fd, buf, 13, 0) == 13);
  printf("pread: %s", buf);
  CHECK(pwrite(fd, "H", 1, 0) == 1);
  printf("tell after pwrite: %ld\n", (long)lseek(fd, 0, SEEK_CUR));
  CHECK(ftruncate(fd, 5) == 0);
  struct stat st;
  CHECK(fstat(fd, &st) == 0);
  printf("size after truncate: %ld, regular: %d\n", (long)st.st_size, S_ISREG(st.st_mode));
  CHECK(close(fd) == 0);
  printf("read closed fd: %s\n", err((int)read(fd, buf, 1)));

  FILE *f = fopen("d/a.txt", "a");
  CHECK(f);
  fprintf(f, " appended %d\n", 42);
  fclose(f);
  f = fopen("d/a.txt", "r");
  CHECK(f);
  CHECK(fgets(buf, sizeof buf, f));
  printf("after append: %s", buf);
  fclose(f);

  /* Many small writes through stdio and write(2), then read back. */
  fd = open("d/lines", O_WRONLY | O_CREAT | O_TRUNC, 0644);
  CHECK(fd >= 0);
  for (int i = 0; i < 1000; i++) {
    char line[32];
    int n = snprintf(line, sizeof line, "line %04d\n", i);
    CHECK(write(fd, line, n) == n);
  }
  CHECK(fstat(fd, &st) == 0);
  printf("lines size while open: %ld\n", (long)st.st_size);
  CHECK(close(fd) == 0);
  f = fopen("d/lines", "r");
  int count = 0;
  while (fgets(buf, sizeof buf, f)) count++;
  fclose(f);
  printf("lines read: %d, last: %s", count, buf);

  CHECK(mkdir("d/sub", 0755) == 0);
  CHECK(rename("d/a.txt", "d/sub/b.txt") == 0);
  printf("old name: %s\n", err(access("d/a.txt", F_OK)));
  const char *r = err(stat("d/sub", &st));
  printf("stat dir: %s, is dir %d\n", r, S_ISDIR(st.st_mode));
  printf("open dir for writing: %s\n", err(open("d/sub", O_WRONLY)));
  printf("open file as dir: %s\n", err(open("d/sub/b.txt", O_RDONLY | O_DIRECTORY)));
  printf("symlink: %s\n", err(symlink("sub/b.txt", "d/link")));
  char target[64] = {0};
  printf("readlink: %s %s\n", err((int)readlink("d/link", target, sizeof target - 1)), target);
  list("d");
  list("d/sub");
  printf("rmdir non-empty: %s\n", err(rmdir("d/sub")));
  printf("unlink missing: %s\n", err(unlink("d/nothing")));
  CHECK(unlink("d/sub/b.txt") == 0);
  CHECK(rmdir("d/sub") == 0);
  CHECK(unlink("d/link") == 0);
  CHECK(unlink("d/lines") == 0);
  list("d");
  CHECK(rmdir("d") == 0);
  char cwd[256];
  CHECK(getcwd(cwd, sizeof cwd));
  printf("cwd is the argument: %d\n", strcmp(cwd, argv[1]) == 0);
  return 0;
}
