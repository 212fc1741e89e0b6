/*
 * setjmp.h for MACROHARD C programs (wasi-libc has none). setjmp/longjmp are lowered by
 * clang's WebAssembly SjLj pass (`macrohard cc` always passes -mllvm -wasm-enable-sjlj):
 * setjmp becomes a call to saveSetjmp plus a table lookup, longjmp a WebAssembly exception
 * thrown by __wasm_longjmp (sdk/src/sjlj.c).
 */
#ifndef _SETJMP_H
#define _SETJMP_H

#ifdef __cplusplus
extern "C" {
#endif

/* The first word holds the setjmp's id; the rest is room to spare. */
typedef unsigned long jmp_buf[8];
typedef jmp_buf sigjmp_buf;

int setjmp(jmp_buf env) __attribute__((__returns_twice__));
_Noreturn void longjmp(jmp_buf env, int val);
#define _setjmp setjmp
#define _longjmp longjmp
#define sigsetjmp(env, save) setjmp(env)
#define siglongjmp longjmp

#ifdef __cplusplus
}
#endif

#endif
