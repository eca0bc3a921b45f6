#include "kernel/mount_call.hpp"

#include <fcntl.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "kernel/path_call.hpp"
#include "kernel/unique_fd.hpp"

namespace sa::kernel {
namespace {

// ---- In the child: raw calls only.

SyscallResult failure(int err) {
  return {-1, err};
}

int fsopen(const char* type) {
  return static_cast<int>(::syscall(SYS_fsopen, type, FSOPEN_CLOEXEC));
}

int fsconfig(int fs, unsigned cmd, const char* key, const char* value) {
  return static_cast<int>(::syscall(SYS_fsconfig, fs, cmd, key, value, 0));
}

int fsmount(int fs, unsigned attributes) {
  return static_cast<int>(::syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, attributes));
}

int attach(int mount, int onto) {
  return static_cast<int>(::syscall(SYS_move_mount, mount, "", onto, "",
                                    MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH));
}

int clone_tree(int at, const char* path, unsigned flags) {
  return static_cast<int>(
      ::syscall(SYS_open_tree, at, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | flags));
}

int make_read_only(int mount, unsigned flags) {
  mount_attr attr{};
  attr.attr_set = MOUNT_ATTR_RDONLY;
  return static_cast<int>(
      ::syscall(SYS_mount_setattr, mount, "", AT_EMPTY_PATH | flags, &attr, sizeof attr));
}

// A path inside the new mount, never leaving it nor following a link.
int open_beneath(int mount, const char* path) {
  open_how how{};
  how.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV;
  return static_cast<int>(::syscall(SYS_openat2, mount, path, &how, sizeof how));
}

// An empty read-only tmpfs: what covers a masked directory.
int empty_directory_mount() {
  UniqueFd fs(fsopen("tmpfs"));
  if (fs.get() < 0 || fsconfig(fs.get(), FSCONFIG_SET_FLAG, "ro", nullptr) < 0 ||
      fsconfig(fs.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr) < 0)
    return -1;
  return fsmount(fs.get(), MOUNT_ATTR_RDONLY);
}

// A detached tmpfs holding one empty file, "empty": masked files are
// covered by read-only binds of it.
int empty_file_source() {
  UniqueFd fs(fsopen("tmpfs"));
  if (fs.get() < 0 || fsconfig(fs.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr) < 0)
    return -1;
  const int mount = fsmount(fs.get(), 0);
  if (mount < 0)
    return -1;
  const int file = ::openat(mount, "empty", O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0);
  if (file < 0) {
    ::close(mount);
    return -1;
  }
  ::close(file);
  return mount;
}

// Covers `path` in the new mount; 0, or the errno (ENOENT: nothing there).
int mask(int mount, const char* path, UniqueFd& empty_files) {
  UniqueFd at(open_beneath(mount, path));
  if (at.get() < 0)
    return errno;
  struct stat st {};
  if (::fstat(at.get(), &st) != 0)
    return errno;
  UniqueFd cover;
  if (S_ISDIR(st.st_mode)) {
    cover.reset(empty_directory_mount());
  } else {
    if (empty_files.get() < 0)
      empty_files.reset(empty_file_source());
    if (empty_files.get() < 0)
      return errno;
    cover.reset(clone_tree(empty_files.get(), "empty", 0));
    if (cover.get() >= 0 && make_read_only(cover.get(), 0) != 0)
      return errno;
  }
  if (cover.get() < 0 || attach(cover.get(), at.get()) != 0)
    return errno;
  return 0;
}

// Binds `path` of the new mount read-only onto itself.
int bind_read_only(int mount, const char* path) {
  UniqueFd at(open_beneath(mount, path));
  if (at.get() < 0)
    return errno;
  UniqueFd bind(clone_tree(at.get(), "", AT_EMPTY_PATH | AT_RECURSIVE));
  if (bind.get() < 0 || make_read_only(bind.get(), AT_RECURSIVE) != 0 ||
      attach(bind.get(), at.get()) != 0)
    return errno;
  return 0;
}

// Every protection, masks first (a read-only bind clones what is under it).
// False with the failing path recorded; a path that does not exist in this
// filesystem needs no protection.
bool protect(MountCall& c, int mount) {
  UniqueFd empty_files;
  for (size_t i = 0; i < c.masked_count; ++i) {
    const int err = mask(mount, c.masked[i], empty_files);
    if (err != 0 && err != ENOENT) {
      c.protection_err = err;
      c.protection_path = c.masked[i];
      return false;
    }
  }
  for (size_t i = 0; i < c.readonly_count; ++i) {
    const int err = bind_read_only(mount, c.readonly[i]);
    if (err != 0 && err != ENOENT) {
      c.protection_err = err;
      c.protection_path = c.readonly[i];
      return false;
    }
  }
  return true;
}

// The new filesystem, configured as mount(2) would from the caller's
// source, flags and data; a detached mount, or -1 with errno.
int create_filesystem(const MountCall& c) {
  UniqueFd fs(fsopen(c.fstype));
  if (fs.get() < 0)
    return -1;
  if (c.source != nullptr && fsconfig(fs.get(), FSCONFIG_SET_STRING, "source", c.source) < 0)
    return -1;
  for (size_t i = 0; i < c.option_count; ++i) {
    const MountOption& o = c.options[i];
    const int r = o.value == nullptr ? fsconfig(fs.get(), FSCONFIG_SET_FLAG, o.key, nullptr)
                                     : fsconfig(fs.get(), FSCONFIG_SET_STRING, o.key, o.value);
    if (r < 0)
      return -1;
  }
  if (fsconfig(fs.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr) < 0)
    return -1;
  return fsmount(fs.get(), c.attributes);
}

}  // namespace

SyscallResult run_mount_call(MountCall& c) noexcept {
  const WalkResult w = walk_path(c.from, c.target, WalkEnd::Object);
  if (w.err != 0)
    return failure(w.err);
  const UniqueFd target(w.fd);
  if (c.refusal != 0)
    return failure(c.refusal);
  const UniqueFd mount(create_filesystem(c));
  if (mount.get() < 0)
    return failure(errno);
  if (!protect(c, mount.get()))
    return failure(c.protection_err);
  if (const int err = notification_pending(c.notify_fd, c.notification_id); err != 0) {
    c.gone = err == ENOENT;
    return failure(err);
  }
  if (attach(mount.get(), target.get()) != 0)
    return failure(errno);
  return {0, 0};
}

// ---- In the agent: the plan.

namespace {

constexpr unsigned long kMagicMask = 0xffff0000;
constexpr unsigned long kMagic = 0xC0ED0000;
constexpr unsigned long kNotNewMount =
    MS_REMOUNT | MS_BIND | MS_MOVE | MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE;

struct FlagAttribute {
  unsigned long flag;
  unsigned attribute;
};
constexpr FlagAttribute kAttributes[] = {
    {MS_RDONLY, MOUNT_ATTR_RDONLY},         {MS_NOSUID, MOUNT_ATTR_NOSUID},
    {MS_NODEV, MOUNT_ATTR_NODEV},           {MS_NOEXEC, MOUNT_ATTR_NOEXEC},
    {MS_NOATIME, MOUNT_ATTR_NOATIME},       {MS_STRICTATIME, MOUNT_ATTR_STRICTATIME},
    {MS_NODIRATIME, MOUNT_ATTR_NODIRATIME}, {MS_NOSYMFOLLOW, MOUNT_ATTR_NOSYMFOLLOW},
};

struct FlagOption {
  unsigned long flag;
  const char* option;
};
// The superblock flags mount(2) sets, as the options fsconfig knows them by.
constexpr FlagOption kSuperblockOptions[] = {{MS_RDONLY, "ro"},
                                             {MS_SYNCHRONOUS, "sync"},
                                             {MS_DIRSYNC, "dirsync"},
                                             {MS_LAZYTIME, "lazytime"}};

unsigned attributes_of(unsigned long flags) {
  unsigned a = 0;
  for (const FlagAttribute& f : kAttributes) {
    if ((flags & f.flag) != 0)
      a |= f.attribute;
  }
  return a;
}

}  // namespace

MountPlan::MountPlan(const MountArgs& args, const MountGuard& guard) : args_(args) {
  unsigned long flags = args.flags;
  if ((flags & kMagicMask) == kMagic)
    flags &= ~kMagicMask;
  if (guard.read_only)
    flags |= MS_RDONLY;
  if (!args_.target) {
    early_error_ = EFAULT;
  } else if ((flags & kNotNewMount) != 0) {
    refusal_ = EPERM;
  } else if (!args_.fstype) {
    refusal_ = EINVAL;
  } else {
    refusal_ = guard.refusal;
  }
  attributes_ = attributes_of(flags);
  for (const FlagOption& o : kSuperblockOptions) {
    if ((flags & o.flag) != 0)
      option_text_.emplace_back(o.option);
  }
  if (args_.data) {
    // As the kernel splits a mount's data: at commas, empty parts skipped.
    size_t pos = 0;
    const std::string& d = *args_.data;
    while (pos <= d.size()) {
      const size_t end = std::min(d.find(',', pos), d.size());
      if (end > pos)
        option_text_.push_back(d.substr(pos, end - pos));
      pos = end + 1;
    }
  }
  options_.reserve(option_text_.size());
  for (std::string& text : option_text_) {
    MountOption o;
    o.key = text.c_str();
    if (const size_t eq = text.find('='); eq != std::string::npos) {
      text[eq] = '\0';
      o.value = text.c_str() + eq + 1;
    }
    options_.push_back(o);
  }
  masked_ = guard.masked;
  readonly_ = guard.readonly;
  for (const std::string& m : masked_)
    masked_ptrs_.push_back(m.c_str());
  for (const std::string& r : readonly_)
    readonly_ptrs_.push_back(r.c_str());
}

MountCall MountPlan::call(const WalkFrom& from, int notify_fd, uint64_t id) const {
  MountCall c;
  c.from = from;
  c.target = args_.target ? args_.target->c_str() : nullptr;
  c.refusal = refusal_;
  c.fstype = args_.fstype ? args_.fstype->c_str() : nullptr;
  c.source = args_.source ? args_.source->c_str() : nullptr;
  c.options = options_.data();
  c.option_count = options_.size();
  c.attributes = attributes_;
  c.masked = masked_ptrs_.data();
  c.masked_count = masked_ptrs_.size();
  c.readonly = readonly_ptrs_.data();
  c.readonly_count = readonly_ptrs_.size();
  c.notify_fd = notify_fd;
  c.notification_id = id;
  return c;
}

}  // namespace sa::kernel
