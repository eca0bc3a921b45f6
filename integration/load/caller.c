// The load tests' container process (integration/load/*.bats), built static
// by the tests and run as the container's init under load.yaml's profile.
// It makes notified calls of every kind the policy answers, checks each
// answer, times each call from inside the container, and prints:
//
//   count KIND OK FAILED       one line per kind
//   hist KIND NS COUNT         latency histogram, buckets of ~1.5 % width
//   fail KIND WHAT             the first few wrong answers, as they happen
//   done                       last line, when it finished on its own
//
//   /caller churn ROUNDS       each kind ROUNDS times, then exit 0
//   /caller churn-stop ROUNDS  the same, then acct(): the agent must kill it
//   /caller held SECONDS       wait for /go, then loop mkdir, chmod and
//                              getppid for SECONDS
//
// Timing in the container (CLOCK_MONOTONIC, vDSO: not itself notified)
// measures what a caller waits: the kernel's hand-off, the agent's work and
// the way back, as the issue asks of the agent's per-notification latency.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/swap.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PROC_MAGIC 0x9fa0

enum kind { MKDIR, MOUNT_PROC, MOUNT_OTHER, CHMOD, GETPPID, EXEC_DELAY, SWAPOFF, ACCT, KINDS };
static const char* kind_name[KINDS] = {"mkdir",   "mount-proc", "mount-other", "chmod",
                                       "getppid", "exec-delay", "swapoff",     "acct"};

// 64 buckets per power of two from 1 us to ~68 s: 27 * 64.
#define SUB 64
#define OCTAVES 27
static uint64_t hist[KINDS][OCTAVES * SUB];
static uint64_t ok[KINDS], failed[KINDS];
static int fails_shown;

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void record(enum kind k, uint64_t ns) {
  uint64_t us1024 = ns * 1024 / 1000;  // in 1/1024 us, so that octave 0 starts at 1 us
  int octave = 63 - __builtin_clzll(us1024 | 1) - 10;
  if (octave < 0)
    octave = 0, us1024 = 1024;
  if (octave >= OCTAVES)
    octave = OCTAVES - 1, us1024 = (uint64_t)2047 << (OCTAVES - 1);
  unsigned sub = (unsigned)((us1024 >> (octave + 4)) & (SUB - 1));
  hist[k][octave * SUB + sub]++;
}

// The bucket's lower bound in ns, for the report.
static uint64_t bucket_ns(int i) {
  int octave = i / SUB, sub = i % SUB;
  return (((uint64_t)(SUB + sub) << (octave + 4)) * 1000) / 1024;
}

static void check(enum kind k, int good, const char* what) {
  if (good) {
    ok[k]++;
    return;
  }
  failed[k]++;
  if (fails_shown++ < 10)
    printf("fail %s %s (errno %d %s)\n", kind_name[k], what, errno, strerror(errno));
}

// The one entry of /dev/shm named PREFIX-pid-DIGITS, which the emulated
// mkdir made for PREFIX; its path in `out`. 1 when exactly one, and no entry
// named PREFIX itself (the call must not have been let through).
static int renamed(const char* prefix, char* out, size_t len) {
  DIR* d = opendir("/dev/shm");
  if (!d)
    return 0;
  int found = 0, plain = 0;
  size_t n = strlen(prefix);
  struct dirent* e;
  while ((e = readdir(d))) {
    if (strcmp(e->d_name, prefix) == 0)
      plain++;
    if (strncmp(e->d_name, prefix, n) == 0 && strncmp(e->d_name + n, "-pid-", 5) == 0 &&
        e->d_name[n + 5] && strspn(e->d_name + n + 5, "0123456789") == strlen(e->d_name + n + 5)) {
      found++;
      snprintf(out, len, "/dev/shm/%s", e->d_name);
    }
  }
  closedir(d);
  return found == 1 && plain == 0;
}

static pid_t real_ppid;

static void one_mkdir(void) {
  char path[300];
  uint64_t t = now_ns();
  int r = mkdir("/dev/shm/d", 0755);
  record(MKDIR, now_ns() - t);
  int good = r == 0 && renamed("d", path, sizeof path);
  check(MKDIR, good, "mkdir /dev/shm/d did not make exactly one d-pid-N");
  if (good)
    rmdir(path);  // not notified
}

static void one_chmod(void) {
  uint64_t t = now_ns();
  int r = chmod("/", 0755);
  record(CHMOD, now_ns() - t);
  check(CHMOD, r == -1 && errno == EBADMSG, "chmod / did not fail with EBADMSG");
}

static void one_getppid(void) {
  uint64_t t = now_ns();
  pid_t r = getppid();
  record(GETPPID, now_ns() - t);
  check(GETPPID, r == real_ppid, "getppid is not the parent /proc names");
}

static void one_mount_proc(int round) {
  char prefix[32], want[64], path[300];
  snprintf(prefix, sizeof prefix, "p%d", round);
  snprintf(want, sizeof want, "/dev/shm/%s", prefix);
  // The target is made by the emulated mkdir too: PREFIX-pid-N.
  if (mkdir(want, 0755) != 0 || !renamed(prefix, path, sizeof path)) {
    check(MOUNT_PROC, 0, "no target directory for the proc mount");
    return;
  }
  uint64_t t = now_ns();
  int r = mount("proc", path, "proc", 0, NULL);
  record(MOUNT_PROC, now_ns() - t);
  struct statfs s;
  check(MOUNT_PROC, r == 0 && statfs(path, &s) == 0 && s.f_type == PROC_MAGIC,
        "mount proc did not mount proc");
}

static void one_mount_other(void) {
  uint64_t t = now_ns();
  int r = mount("none", "/dev/shm", "tmpfs", 0, NULL);
  record(MOUNT_OTHER, now_ns() - t);
  // Let through to the kernel, which refuses: no CAP_SYS_ADMIN here.
  check(MOUNT_OTHER, r == -1 && errno == EPERM, "a tmpfs mount was not refused by the kernel");
}

static void one_exec_delay(void) {
  uint64_t t = now_ns();
  pid_t p = fork();
  if (p == 0) {
    execl("/bin/true", "true", (char*)NULL);
    _exit(127);
  }
  int status = 0;
  int r = p > 0 ? waitpid(p, &status, 0) : -1;
  record(EXEC_DELAY, now_ns() - t);
  check(EXEC_DELAY, r == p && WIFEXITED(status) && WEXITSTATUS(status) == 0,
        "/bin/true did not run");
}

static void one_swapoff(void) {
  uint64_t t = now_ns();
  int r = swapoff("/nonexistent");
  record(SWAPOFF, now_ns() - t);
  check(SWAPOFF, r == -1 && errno == ENOSYS, "swapoff did not fail with ENOSYS");
}

static void report(void) {
  for (int k = 0; k < KINDS; k++) {
    if (!ok[k] && !failed[k])
      continue;
    printf("count %s %llu %llu\n", kind_name[k], (unsigned long long)ok[k],
           (unsigned long long)failed[k]);
    for (int i = 0; i < OCTAVES * SUB; i++)
      if (hist[k][i])
        printf("hist %s %llu %llu\n", kind_name[k], (unsigned long long)bucket_ns(i),
               (unsigned long long)hist[k][i]);
  }
  fflush(stdout);
}

// The parent pid as /proc (not getppid, which is notified) sees it.
static pid_t proc_ppid(void) {
  FILE* f = fopen("/proc/self/stat", "r");
  char buf[512];
  size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
  if (f)
    fclose(f);
  buf[n] = 0;
  char* p = strrchr(buf, ')');
  int ppid = -1;
  if (!p || sscanf(p + 2, "%*c %d", &ppid) != 1)
    return -1;
  return ppid;
}

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: caller churn|churn-stop ROUNDS | held SECONDS\n");
    return 2;
  }
  setvbuf(stdout, NULL, _IOLBF, 0);
  real_ppid = proc_ppid();
  int n = atoi(argv[2]);
  if (strncmp(argv[1], "churn", 5) == 0) {
    for (int i = 0; i < n; i++) {
      one_mkdir();
      one_mount_proc(i);
      one_mount_other();
      one_chmod();
      one_getppid();
      one_exec_delay();
      one_swapoff();
    }
    if (strcmp(argv[1], "churn-stop") == 0) {
      // The agent answers ENOSYS, then kills this init 200 ms later.
      uint64_t t = now_ns();
      int r = acct(NULL);
      record(ACCT, now_ns() - t);
      check(ACCT, r == -1 && errno == ENOSYS, "acct did not fail with ENOSYS");
      report();
      printf("waiting to be stopped\n");
      sleep(30);
      printf("fail acct the agent did not stop the container\n");
      return 1;
    }
  } else if (strcmp(argv[1], "held") == 0) {
    struct stat st;
    while (stat("/go", &st) != 0)
      usleep(20000);  // nanosleep and stat are not notified
    uint64_t end = now_ns() + (uint64_t)n * 1000000000u;
    while (now_ns() < end) {
      one_mkdir();
      one_chmod();
      one_getppid();
    }
  } else {
    fprintf(stderr, "caller: unknown mode %s\n", argv[1]);
    return 2;
  }
  report();
  printf("done\n");
  int bad = 0;
  for (int k = 0; k < KINDS; k++)
    bad |= failed[k] != 0;
  return bad;
}
