/*
 * The run-time half of clang 14's WebAssembly setjmp/longjmp lowering (-mllvm
 * -wasm-enable-sjlj). In each function that calls setjmp, the compiler keeps a table of
 * (setjmp id, label) pairs, ended by id 0, and calls:
 *   saveSetjmp(env, label, table, size)  give env a fresh id, record it with the label, and
 *                                        return the table (grown when full; its new size is
 *                                        handed back through setTempRet0)
 *   testSetjmp(id, table, size)          the label recorded for id in this function, or 0
 *   __wasm_longjmp(env, val)             throw the C longjmp exception (tag 1) carrying both
 * The calling code catches that exception, asks testSetjmp whether the env belongs to one of
 * its own setjmps, and either resumes there or rethrows. Built with -mllvm -wasm-enable-sjlj.
 */
#include <stdint.h>
#include <stdlib.h>

struct sjlj_entry {
  uint32_t id;
  uint32_t label;
};

static uint32_t last_id;
static uint32_t temp_ret;

uint32_t getTempRet0(void) { return temp_ret; }
void setTempRet0(uint32_t v) { temp_ret = v; }

struct sjlj_entry *saveSetjmp(uint32_t *env, uint32_t label, struct sjlj_entry *table, uint32_t size) {
  uint32_t id = ++last_id;
  *env = id;
  for (;;) {
    for (uint32_t i = 0; i < size; i++) {
      if (table[i].id != 0) continue;
      table[i].id = id;
      table[i].label = label;
      table[i + 1].id = 0; /* the compiler allocates size + 1 entries */
      setTempRet0(size);
      return table;
    }
    /* Full: double it, keeping the terminator slot, and try again. */
    size *= 2;
    table = realloc(table, sizeof *table * (size + 1));
    if (!table) abort();
  }
}

uint32_t testSetjmp(uint32_t id, struct sjlj_entry *table, uint32_t size) {
  (void)size;
  for (uint32_t i = 0; table[i].id != 0; i++)
    if (table[i].id == id) return table[i].label;
  return 0;
}

struct longjmp_args {
  void *env;
  int val;
};
static struct longjmp_args pending;

void __wasm_longjmp(void *env, int val) {
  pending.env = env;
  pending.val = val == 0 ? 1 : val;
  __builtin_wasm_throw(1, &pending);
}
