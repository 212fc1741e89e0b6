/*
 * getpwuid and getpwnam over /etc/passwd (name:password:uid:gid:gecos:home:shell). NULL when
 * the file or the entry is missing, as on any system.
 */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct passwd entry;
static char line[512];

static struct passwd *find(const char *name, long uid) {
  FILE *f = fopen("/etc/passwd", "r");
  if (!f) return 0;
  struct passwd *found = 0;
  while (!found && fgets(line, sizeof line, f)) {
    line[strcspn(line, "\n")] = 0;
    char *field[7];
    char *p = line;
    int n = 0;
    for (; n < 7 && p; n++) {
      field[n] = p;
      p = strchr(p, ':');
      if (p) *p++ = 0;
    }
    if (n < 7) continue;
    long id = strtol(field[2], 0, 10);
    if (name ? strcmp(field[0], name) != 0 : id != uid) continue;
    entry.pw_name = field[0];
    entry.pw_passwd = field[1];
    entry.pw_uid = (uid_t)id;
    entry.pw_gid = (gid_t)strtol(field[3], 0, 10);
    entry.pw_gecos = field[4];
    entry.pw_dir = field[5];
    entry.pw_shell = field[6];
    found = &entry;
  }
  fclose(f);
  return found;
}

struct passwd *getpwuid(uid_t uid) { return find(0, (long)uid); }
struct passwd *getpwnam(const char *name) { return find(name, -1); }
