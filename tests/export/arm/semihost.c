/* Semihosting I/O, exit status, heap, fault reporting and stack measurement
 * for the bare-metal Cortex-M4F build of run_model.c (mps2-an386 in QEMU).
 *
 * Semihosting: the core executes BKPT 0xAB with an operation number in r0
 * and an argument pointer in r1; QEMU (-semihosting-config enable=on)
 * performs the operation on the host. Only three operations are used:
 * SYS_WRITE0 (print a NUL-terminated string on the semihosting console),
 * SYS_EXIT_EXTENDED (stop with an exit status that becomes QEMU's own exit
 * status) and, should that be refused, SYS_EXIT (success or failure only).
 *
 * These are the system calls newlib's stdio and exit() need; stdout and
 * stderr go to the semihosting console, there are no files and no input.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#undef errno
extern int errno;

#define SYS_WRITE0 0x04
#define SYS_EXIT 0x18
#define SYS_EXIT_EXTENDED 0x20
#define ADP_STOPPED_APPLICATION_EXIT 0x20026
#define ADP_STOPPED_RUN_TIME_ERROR 0x20023

/* Exit status of a program stopped by a fault or an unexpected exception. */
#define HNN_FAULT_STATUS 99

static int semihost_call(int op, const void* arg) {
  register int r0 __asm__("r0") = op;
  register const void* r1 __asm__("r1") = arg;
  __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

static void semihost_puts(const char* s) {
  semihost_call(SYS_WRITE0, s);
}

void _exit(int status) __attribute__((noreturn));
void _exit(int status) {
  uint32_t block[2];
  block[0] = ADP_STOPPED_APPLICATION_EXIT;
  block[1] = (uint32_t)status;
  semihost_call(SYS_EXIT_EXTENDED, block);
  /* Only reached if the host does not know SYS_EXIT_EXTENDED. */
  semihost_call(SYS_EXIT, (const void*)(uintptr_t)(status == 0 ? ADP_STOPPED_APPLICATION_EXIT
                                                               : ADP_STOPPED_RUN_TIME_ERROR));
  for (;;) {
  }
}

int _write(int fd, const char* buf, int len);
int _write(int fd, const char* buf, int len) {
  char chunk[129];
  int done = 0;
  if (fd != 1 && fd != 2) {
    errno = EBADF;
    return -1;
  }
  while (done < len) {
    int n = len - done;
    int i;
    if (n > 128) {
      n = 128;
    }
    for (i = 0; i < n; ++i) {
      chunk[i] = buf[done + i];
    }
    chunk[n] = '\0';
    semihost_puts(chunk);
    done += n;
  }
  return len;
}

int _read(int fd, char* buf, int len);
int _read(int fd, char* buf, int len) {
  (void)fd;
  (void)buf;
  (void)len;
  return 0; /* no input: end of file */
}

int _close(int fd);
int _close(int fd) {
  (void)fd;
  errno = EBADF;
  return -1;
}

int _lseek(int fd, int offset, int whence);
int _lseek(int fd, int offset, int whence) {
  (void)fd;
  (void)offset;
  (void)whence;
  errno = ESPIPE;
  return -1;
}

int _fstat(int fd, struct stat* st);
int _fstat(int fd, struct stat* st) {
  (void)fd;
  st->st_mode = S_IFCHR;
  return 0;
}

int _isatty(int fd);
int _isatty(int fd) {
  return fd >= 0 && fd <= 2;
}

int _getpid(void);
int _getpid(void) {
  return 1;
}

int _kill(int pid, int sig);
int _kill(int pid, int sig) {
  (void)pid;
  (void)sig;
  errno = EINVAL;
  return -1;
}

/* newlib's exit() runs __libc_fini_array, which calls _fini() (normally from
 * crti.o, left out by -nostartfiles). This C program has no .init/.fini
 * code, so both are empty. */
void _init(void);
void _init(void) {}

void _fini(void);
void _fini(void) {}

extern char __heap_start__[];
extern char __heap_end__[];

void* _sbrk(ptrdiff_t increment);
void* _sbrk(ptrdiff_t increment) {
  static char* brk = __heap_start__;
  char* old = brk;
  if (increment > __heap_end__ - brk || increment < __heap_start__ - brk) {
    errno = ENOMEM;
    return (void*)-1;
  }
  brk += increment;
  return old;
}

static void put_hex(const char* name, uint32_t v) {
  static const char digits[] = "0123456789abcdef";
  char text[16];
  int i;
  semihost_puts(name);
  text[0] = '0';
  text[1] = 'x';
  for (i = 0; i < 8; ++i) {
    text[2 + i] = digits[(v >> (28 - 4 * i)) & 0xFu];
  }
  text[10] = ' ';
  text[11] = '\0';
  semihost_puts(text);
}

/* Called by hnn_fault_entry (startup.S) with the exception stack frame
 * (r0 r1 r2 r3 r12 lr pc xpsr) and EXC_RETURN. Prints the fault and the
 * fault status registers, then exits with HNN_FAULT_STATUS. Uses no stack
 * beyond a few words and no library code. */
void hnn_fault_report(const uint32_t* frame, uint32_t exc_return) __attribute__((noreturn));
void hnn_fault_report(const uint32_t* frame, uint32_t exc_return) {
  volatile const uint32_t* scb_icsr = (volatile const uint32_t*)0xE000ED04u;
  volatile const uint32_t* scb_cfsr = (volatile const uint32_t*)0xE000ED28u;
  volatile const uint32_t* scb_hfsr = (volatile const uint32_t*)0xE000ED2Cu;
  volatile const uint32_t* scb_mmfar = (volatile const uint32_t*)0xE000ED34u;
  volatile const uint32_t* scb_bfar = (volatile const uint32_t*)0xE000ED38u;
  semihost_puts("\nFAULT: exception ");
  put_hex("", *scb_icsr & 0x1FFu);
  put_hex("pc=", frame[6]);
  put_hex("lr=", frame[5]);
  put_hex("xpsr=", frame[7]);
  put_hex("exc_return=", exc_return);
  put_hex("cfsr=", *scb_cfsr);
  put_hex("hfsr=", *scb_hfsr);
  put_hex("mmfar=", *scb_mmfar);
  put_hex("bfar=", *scb_bfar);
  semihost_puts("\n");
  _exit(HNN_FAULT_STATUS);
}

/* Stack high-water mark: hnn_stack_paint() fills the free stack below the
 * caller with a pattern; after the code to be measured has run,
 * hnn_stack_peak() returns how many bytes below the painting point were
 * overwritten (the measured code's deepest stack use, to within the few
 * bytes of hnn_stack_paint's own frame). */
#define HNN_STACK_PATTERN 0x5AA5C33Cu
extern uint32_t __stack_limit__[];
static uint32_t* stack_paint_top;

void hnn_stack_paint(void);
void hnn_stack_paint(void) {
  uint32_t* sp;
  volatile uint32_t* p = __stack_limit__;
  __asm__ volatile("mov %0, sp" : "=r"(sp));
  stack_paint_top = sp;
  while (p < sp - 8) {
    *p++ = HNN_STACK_PATTERN;
  }
}

unsigned long hnn_stack_peak(void);
unsigned long hnn_stack_peak(void) {
  const volatile uint32_t* p = __stack_limit__;
  while (p < stack_paint_top - 8 && *p == HNN_STACK_PATTERN) {
    ++p;
  }
  return (unsigned long)((const char*)stack_paint_top - (const volatile char*)p);
}
