/*
 * wavinfo: prints the header fields of a WAV file that a test checks (the file stays inside
 * MACROHARD; this reads it there). Usage: wavinfo FILE
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static uint32_t u32(const unsigned char *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }

int main(int argc, char **argv) {
  FILE *f = argc > 1 ? fopen(argv[1], "rb") : 0;
  if (!f) return 1;
  unsigned char h[44];
  if (fread(h, 1, sizeof h, f) != sizeof h) return 1;
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fclose(f);
  printf("%.4s %.4s %.4s riff-size-ok %d format %u channels %u rate %u bits %u size %ld\n", h, h + 8, h + 12,
         u32(h + 4) == (uint32_t)(size - 8), h[20] | h[21] << 8, h[22] | h[23] << 8, u32(h + 24), h[34] | h[35] << 8, size);
  return 0;
}
