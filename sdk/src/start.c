/*
 * Linked into every program `macrohard cc` builds (as an object, not from the archive):
 * before main, wasi-libc's idea of the working directory (which starts at "/") is set to the
 * process's real one, so relative paths mean what they mean to the kernel and the shell.
 */
#include <limits.h>
#include <string.h>
#include <unistd.h>
#include "macrohard.h"

__attribute__((constructor(200))) static void __mh_sync_cwd(void) {
  char cwd[PATH_MAX];
  if (__mh_getcwd(cwd, sizeof cwd) > 0 && strcmp(cwd, "/") != 0) chdir(cwd);
}
