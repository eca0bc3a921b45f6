/* sa-syscall-probe: one system call from inside a busybox container, its
 * result printed, for the bats suites (busybox has no setfattr, and its free
 * rounds). Static, so it runs in any root filesystem and on the host.
 *
 *   sa-syscall-probe setxattr|lsetxattr PATH NAME VALUE [create|replace]
 *   sa-syscall-probe fsetxattr PATH NAME VALUE [create|replace]   (opens PATH)
 *   sa-syscall-probe getxattr|lgetxattr PATH NAME
 *   sa-syscall-probe sysinfo
 *
 * Prints "ok", the value read, the sysinfo fields, or the errno's message;
 * exits 0 when the call succeeded, 1 when it failed, 2 on bad usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <sys/xattr.h>
#include <unistd.h>

static int result(long ret) {
  if (ret < 0) {
    printf("%s\n", strerror(errno));
    return 1;
  }
  printf("ok\n");
  return 0;
}

static int flags_of(int argc, char** argv) {
  if (argc < 6)
    return 0;
  if (strcmp(argv[5], "create") == 0)
    return XATTR_CREATE;
  if (strcmp(argv[5], "replace") == 0)
    return XATTR_REPLACE;
  return -1;
}

static int set(int argc, char** argv) {
  const int flags = flags_of(argc, argv);
  if (argc < 5 || flags < 0)
    return 2;
  const char* op = argv[1];
  const size_t size = strlen(argv[4]);
  if (strcmp(op, "setxattr") == 0)
    return result(setxattr(argv[2], argv[3], argv[4], size, flags));
  if (strcmp(op, "lsetxattr") == 0)
    return result(lsetxattr(argv[2], argv[3], argv[4], size, flags));
  const int fd = open(argv[2], O_RDONLY);
  if (fd < 0)
    return result(fd);
  return result(fsetxattr(fd, argv[3], argv[4], size, flags));
}

static int get(int argc, char** argv) {
  if (argc < 4)
    return 2;
  char value[256];
  const ssize_t n = strcmp(argv[1], "getxattr") == 0
                        ? getxattr(argv[2], argv[3], value, sizeof value)
                        : lgetxattr(argv[2], argv[3], value, sizeof value);
  if (n < 0)
    return result(n);
  printf("%.*s\n", (int)n, value);
  return 0;
}

static int info(void) {
  struct sysinfo si;
  if (sysinfo(&si) != 0)
    return result(-1);
  const unsigned long long unit = si.mem_unit;
  printf("totalram %llu\nfreeram %llu\nsharedram %llu\nbufferram %llu\n",
         (unsigned long long)si.totalram * unit, (unsigned long long)si.freeram * unit,
         (unsigned long long)si.sharedram * unit, (unsigned long long)si.bufferram * unit);
  printf("totalswap %llu\nfreeswap %llu\nprocs %u\nuptime %ld\nmem_unit %u\n",
         (unsigned long long)si.totalswap * unit, (unsigned long long)si.freeswap * unit,
         (unsigned)si.procs, (long)si.uptime, (unsigned)si.mem_unit);
  return 0;
}

int main(int argc, char** argv) {
  if (argc < 2)
    return 2;
  if (strstr(argv[1], "setxattr") != NULL)
    return set(argc, argv);
  if (strstr(argv[1], "getxattr") != NULL)
    return get(argc, argv);
  if (strcmp(argv[1], "sysinfo") == 0)
    return info();
  return 2;
}
