/* intercessor-fuse: mount-to-FUSE for Intercessor's mount handler (docs/MOUNT-TO-FUSE.md).
 *
 *   intercessor-fuse mount SUPERVISOR_PID IMAGE_FD TARGET_FD NS_FDS CGROUP_FDS CAPBND FSTYPE SERVER ATTRS
 *
 * NS_FDS: the caller's user,mnt,pid,net,ipc,uts,cgroup,time namespaces: eight fds, comma-separated.
 * CGROUP_FDS: the caller's cgroup directories, one per hierarchy it is in, comma-separated.
 * CAPBND: the caller's capability bounding set, in hex.
 * SERVER: the operator's FUSE server, a normalized absolute path under /usr/ (e.g. /usr/bin/fuse2fs).
 * ATTRS: "rw", or a comma list of ro, noexec, noatime (nosuid and nodev always).
 *
 * Run by the supervisor (root) while it holds IMAGE_FD (the image, or a block device the
 * container was given, opened as the caller),
 * TARGET_FD (the target directory, O_PATH, opened as the caller), the caller's namespaces (opened
 * through its /proc directory, which was checked to be the caller's) and its cgroup directories;
 * all are reached through /proc/SUPERVISOR_PID/fd, so no pid or container path is looked up again
 * here. Creates a fuse mount owned by the caller's user namespace on the target in the caller's
 * mount namespace, then starts SERVER serving it as the container's root: in the caller's cgroups
 * and all its namespaces (the mount namespace a private copy with a minimal root), with no more
 * capabilities than the caller's bounding set, no new privileges, a seccomp filter, and
 * non-dumpable. Prints "ok <server pid>" once the mount answers, or "error: <what>" (exit 1).
 *
 * Called as "fusermount" (libfuse2 runs it for -o auto_unmount) or "fusermount3" (libfuse3) it
 * hands the fuse fd in $INTERCESSOR_FUSE_FD to libfuse over the socket in $_FUSE_COMMFD, and does
 * nothing for -u. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef __NR_open_tree_attr
#define __NR_open_tree_attr 467 /* Linux 6.15, the same number on every architecture */
#endif

/* The helper's own bound (the supervisor waits 10 s), and the server's to answer on the mount. */
#define HELPER_SECONDS 8
#define READY_SECONDS 5

static void die(const char *fmt, ...)
{
	va_list ap;
	int e = errno;

	printf("error: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(": %s\n", strerror(e));
	fflush(stdout);
	_exit(1);
}

static int send_fds(int sock, int *fds, int n)
{
	char data = 'x';
	struct iovec iov = { &data, 1 };
	char control[CMSG_SPACE(sizeof(int) * 2)] = { 0 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
			      .msg_controllen = CMSG_SPACE(sizeof(int) * n) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int) * n);
	memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

static int recv_fds(int sock, int *fds, int n)
{
	char data;
	struct iovec iov = { &data, 1 };
	char control[CMSG_SPACE(sizeof(int) * 2)];
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
			      .msg_controllen = CMSG_SPACE(sizeof(int) * n) };
	struct cmsghdr *c;

	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(sizeof(int) * n))
		return -1;
	memcpy(fds, CMSG_DATA(c), sizeof(int) * n);
	return 0;
}

/* libfuse2's fusermount protocol, as far as auto_unmount needs it. */
static int fake_fusermount(int argc, char **argv)
{
	const char *comm = getenv("_FUSE_COMMFD");
	const char *fd = getenv("INTERCESSOR_FUSE_FD");
	int i, f;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "-u") == 0)
			return 0; /* the supervisor or the container unmounts */
	if (!comm || !fd)
		return 1;
	f = atoi(fd);
	if (send_fds(atoi(comm), &f, 1) != 0)
		return 1;
	return 0; /* the server's subreaper reaps it */
}

/* Whether the comma list LIST has WORD. */
static int has_word(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p;

	for (p = list; (p = strstr(p, word)) != NULL; p += n)
		if ((p == list || p[-1] == ',') && (p[n] == ',' || p[n] == 0))
			return 1;
	return 0;
}

/* One of the supervisor's descriptors, through its /proc/PID/fd. */
static int supervisor_fd(const char *pid, int fd, int flags, const char *what)
{
	char path[64];
	int f;

	snprintf(path, sizeof path, "/proc/%s/fd/%d", pid, fd);
	f = open(path, flags | O_CLOEXEC);
	if (f < 0)
		die("open the %s", what);
	return f;
}

/* Parses a comma list of at most MAX descriptor numbers into FDS; returns the count, or -1. */
static int parse_fds(const char *list, int *fds, int max)
{
	int n = 0;
	char *end;

	while (*list && n < max) {
		if (*list < '0' || *list > '9')
			return -1;
		fds[n++] = (int)strtol(list, &end, 10);
		if (*end == ',' && end[1])
			end++;
		else if (*end)
			return -1;
		list = end;
	}
	return *list ? -1 : n;
}

/* The operator's server: a normalized absolute path under /usr/ (no "", "." or ".." component)
 * to an executable regular file, opened beneath /usr so no symlink leads out of it. */
static int open_server(const char *path)
{
	struct open_how how = { .flags = O_RDONLY | O_CLOEXEC, .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS };
	const char *c;
	struct stat st;
	int usr, f;

	if (strncmp(path, "/usr/", 5) != 0 || strlen(path) > 200)
		goto bad;
	for (c = path + 4; *c; ) { /* at a '/' */
		size_t n = strcspn(c + 1, "/");

		if (n == 0 || (n == 1 && c[1] == '.') || (n == 2 && c[1] == '.' && c[2] == '.'))
			goto bad;
		c += 1 + n;
	}
	usr = open("/usr", O_PATH | O_DIRECTORY | O_CLOEXEC);
	f = usr < 0 ? -1 : syscall(SYS_openat2, usr, path + 5, &how, sizeof how);
	if (f < 0)
		die("no FUSE server %s on the host", path);
	close(usr);
	if (fstat(f, &st) || !S_ISREG(st.st_mode) || !(st.st_mode & 0111)) {
		errno = EACCES;
		die("the FUSE server %s is not an executable file", path);
	}
	return f;
bad:
	errno = EINVAL;
	die("a FUSE server is a normalized absolute path under /usr/, not %s", path);
	return -1;
}

/* Attaches the detached mount TREE (an open_tree clone) at NAME under the current directory. */
static void attach(int tree, const char *name, int dir)
{
	if (dir ? mkdir(name, 0755) : close(open(name, O_CREAT | O_WRONLY | O_CLOEXEC, 0644)))
		die("create %s", name);
	if (syscall(SYS_move_mount, tree, "", AT_FDCWD, name, MOVE_MOUNT_F_EMPTY_PATH))
		die("attach %s", name);
	close(tree);
}

static int clone_tree(int dirfd, const char *path, int flags)
{
	int fd = syscall(SYS_open_tree, dirfd, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | flags);

	if (fd < 0)
		die("open_tree %s", path);
	return fd;
}

/* Copies the program FROM to NAME under the current directory (the minimal root's tmpfs, made by
 * host root): owned by host root, which the container's user namespace does not map, and mode
 * 0111. The container's root may run it but not read it, so exec's would_dump() makes the process
 * non-dumpable and gives its mm to the initial user namespace: no ptrace, no /proc/<pid>/mem,
 * environ, root or fd for the container, whatever capabilities it holds in its own namespace. */
static void install_unreadable(int from, const char *name)
{
	char buf[65536];
	ssize_t n = 0;
	int to = open(name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0100);

	if (to < 0 || lseek(from, 0, SEEK_SET))
		die("copy %s", name);
	while ((n = read(from, buf, sizeof buf)) > 0)
		if (write(to, buf, n) != n)
			die("copy %s", name);
	if (n < 0 || fchmod(to, 0111) || close(to)) /* closed: exec refuses a file open for writing */
		die("copy %s", name);
}

/* The fusermount programs libfuse runs before $PATH: libfuse2 execs /bin/fusermount (then
 * "fusermount" on $PATH), libfuse3 the same with fusermount3. In the minimal root /bin is usr/bin,
 * the host's: with the fuse or fuse3 package there these are the setuid programs (fuse3 links
 * fusermount to fusermount3), which cannot mount inside a user namespace. Where the host has one
 * (a file or a symlink), the fake, read-only, is bind-mounted on that name, in this private mount
 * namespace only; the host's /usr is not changed. move_mount without MOVE_MOUNT_T_SYMLINKS mounts
 * on the symlink itself, and a path walk crosses the mount before it would follow the link. */
static void cover_fusermount(void)
{
	static const char *const NAMES[] = { "usr/bin/fusermount", "usr/bin/fusermount3" };
	struct mount_attr ro = { .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV };
	struct stat st;
	unsigned i;
	int fake;

	for (i = 0; i < sizeof NAMES / sizeof NAMES[0]; i++) {
		if (fstatat(AT_FDCWD, NAMES[i], &st, AT_SYMLINK_NOFOLLOW)) {
			if (errno == ENOENT)
				continue; /* libfuse goes on to $PATH, where /libexec comes first */
			die("look at %s", NAMES[i]);
		}
		if (!S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)) {
			errno = EEXIST;
			die("cover %s: neither a file nor a symlink", NAMES[i]);
		}
		fake = clone_tree(AT_FDCWD, "libexec/fusermount", 0);
		if (syscall(SYS_mount_setattr, fake, "", AT_EMPTY_PATH, &ro, sizeof ro)
		    || syscall(SYS_move_mount, fake, "", AT_FDCWD, NAMES[i], MOVE_MOUNT_F_EMPTY_PATH))
			die("cover %s", NAMES[i]);
		close(fake);
	}
}

/* What the server sees: a tmpfs root with the host's /usr (read-only), the image, /dev/null,
 * /dev/urandom, /empty and in /libexec unreadable copies of the server and of this program as the
 * fake fusermount, also on the host's fusermount names in /usr/bin, and nothing else: the
 * container's root can see into it through /proc/<pid>/root of a process it may ptrace. Built in a
 * private copy of the caller's mount namespace, owned by the initial user namespace: the server
 * cannot change it. */
static void minimal_root(int mntns, int image_fd, int usr, int null, int urandom, int self, int server)
{
	int image, fs, root;
	struct mount_attr ro = { .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV };

	if (setns(mntns, CLONE_NEWNS))
		die("join the mount namespace");
	image = clone_tree(image_fd, "", AT_EMPTY_PATH); /* its mount is the caller's: clone it there */
	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		die("private mount namespace");
	fs = syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC);
	if (fs < 0 || syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "mode", "0755", 0)
	    || syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "size", "16m", 0)
	    || syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0))
		die("tmpfs");
	root = syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
	if (root < 0 || syscall(SYS_move_mount, root, "", AT_FDCWD, "/", MOVE_MOUNT_F_EMPTY_PATH) || fchdir(root))
		die("tmpfs root");
	if (syscall(SYS_mount_setattr, usr, "", AT_EMPTY_PATH | AT_RECURSIVE, &ro, sizeof ro))
		die("read-only /usr");
	attach(usr, "usr", 1);
	if (symlink("usr/bin", "bin") || symlink("usr/lib", "lib") || symlink("usr/lib64", "lib64")
	    || symlink("usr/sbin", "sbin") || mkdir("dev", 0755) || mkdir("empty", 0755) || mkdir("libexec", 0755))
		die("populate the root");
	attach(null, "dev/null", 0);
	attach(urandom, "dev/urandom", 0);
	attach(image, "image", 0);
	install_unreadable(self, "libexec/fusermount");
	install_unreadable(server, "libexec/server");
	cover_fusermount();
	if (syscall(SYS_pivot_root, ".", ".") || umount2(".", MNT_DETACH) || chdir("/"))
		die("pivot_root");
}

/* Limits the bounding set, and with it what the server gets at exec as the container's root, to
 * the caller's: setns into a user namespace gives a full one. */
static void limit_bounding_set(unsigned long long caller)
{
	int cap;

	for (cap = 0; cap < 64 && prctl(PR_CAPBSET_READ, cap) >= 0; cap++)
		if (!(caller & (1ULL << cap)) && prctl(PR_CAPBSET_DROP, cap))
			die("drop capability %d from the bounding set", cap);
}

#if defined(__x86_64__)
#define NATIVE_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_ARCH AUDIT_ARCH_AARCH64
#else
#error "intercessor-fuse: no seccomp filter for this architecture yet"
#endif

/* What the server never needs and the container should not get through it: ptrace and foreign
 * memory, mounts and namespaces, kernel facilities (bpf, perf, keys, modules, kexec, swap,
 * reboot, quotas, the kernel log, I/O ports), userfaultfd and file handles. EPERM for these. */
static const int DENIED[] = {
	SYS_ptrace, SYS_process_vm_readv, SYS_process_vm_writev,
	SYS_mount, SYS_umount2, SYS_pivot_root, SYS_chroot, SYS_fsopen, SYS_fsconfig, SYS_fsmount,
	SYS_fspick, SYS_open_tree, __NR_open_tree_attr, SYS_move_mount, SYS_mount_setattr,
	SYS_setns, SYS_unshare, SYS_bpf, SYS_perf_event_open, SYS_keyctl, SYS_add_key, SYS_request_key,
	SYS_kexec_load, SYS_kexec_file_load, SYS_init_module, SYS_finit_module, SYS_delete_module,
	SYS_userfaultfd, SYS_open_by_handle_at, SYS_name_to_handle_at, SYS_swapon, SYS_swapoff,
	SYS_reboot, SYS_acct, SYS_quotactl, SYS_quotactl_fd, SYS_syslog,
#ifdef SYS_iopl
	SYS_iopl, SYS_ioperm,
#endif
};
#define NAMESPACE_FLAGS (CLONE_NEWNS | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC \
			 | CLONE_NEWUTS | CLONE_NEWCGROUP | CLONE_NEWTIME)

/* A deny-list filter (NO_NEW_PRIVS must be set): any other architecture, and x32, kill the
 * process; DENIED gives EPERM, and so does clone with a namespace flag; clone3, whose flags a
 * filter cannot see, gives ENOSYS (glibc falls back to clone). */
static void install_seccomp(void)
{
	struct sock_filter f[8 + 2 * sizeof DENIED / sizeof DENIED[0] + 6];
	struct sock_fprog prog = { .filter = f };
	unsigned i, n = 0;

	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NATIVE_ARCH, 1, 0);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
#ifdef __x86_64__
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000 /* __X32_SYSCALL_BIT */, 0, 1);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
#endif
	for (i = 0; i < sizeof DENIED / sizeof DENIED[0]; i++) {
		f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, DENIED[i], 0, 1);
		f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM);
	}
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone3, 0, 1);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS);
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone, 0, 3);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0]));
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, NAMESPACE_FLAGS, 0, 1);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	prog.len = n;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog))
		die("install the seccomp filter");
}

/* Takes a mount nobody serves off the target again: from inside the caller's mount namespace,
 * through this process's /proc/self/fd entry for the mount (opened before joining it). */
static void unmount(int mntns, int mnt)
{
	char name[16];
	int fds = open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);

	snprintf(name, sizeof name, "%d", mnt);
	if (fds < 0 || setns(mntns, CLONE_NEWNS) || fchdir(fds) || umount2(name, MNT_DETACH))
		fprintf(stderr, "intercessor-fuse: cannot unmount the unserved mount: %s\n", strerror(errno));
}

/* SIGALRM and SIGTERM only interrupt what waits (no SA_RESTART): each wait then fails, and the
 * failure path cleans up. */
static void interrupt(int sig)
{
}

enum { NS_USER, NS_MNT, NS_PID, NS_NET, NS_IPC, NS_UTS, NS_CGROUP, NS_TIME, NS_COUNT };
/* The order they are joined in after the mount namespace (as host root, which needs
 * CAP_SYS_ADMIN over each); the user namespace last. */
static const struct { int index, type; const char *name; } JOINED[] = {
	{ NS_NET, CLONE_NEWNET, "net" }, { NS_IPC, CLONE_NEWIPC, "ipc" }, { NS_UTS, CLONE_NEWUTS, "uts" },
	{ NS_CGROUP, CLONE_NEWCGROUP, "cgroup" }, { NS_TIME, CLONE_NEWTIME, "time" }, { NS_PID, CLONE_NEWPID, "pid" },
};
#define MAX_CGROUPS 32

int main(int argc, char **argv)
{
	char fdnum[16], answer[128];
	int nsfd[NS_COUNT], cgfd[MAX_CGROUPS], procs[MAX_CGROUPS], ncg, i;
	int tgt, img, sock[2], report[2], fds[2], fuse, fs, mnt, ro;
	int usr, null, urandom, self, server;
	unsigned long long capbnd;
	struct sigaction on_deadline = { .sa_handler = interrupt };
	pid_t m, s;
	int status;
	ssize_t n;
	char *end;

	if (strcmp(basename(argv[0]), "fusermount") == 0 || strcmp(basename(argv[0]), "fusermount3") == 0)
		return fake_fusermount(argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 11 || strcmp(argv[1], "mount") != 0 || parse_fds(argv[5], nsfd, NS_COUNT) != NS_COUNT
	    || (ncg = parse_fds(argv[6], cgfd, MAX_CGROUPS)) < 1
	    || (capbnd = strtoull(argv[7], &end, 16), *end || !*argv[7])) {
		fprintf(stderr, "usage: intercessor-fuse mount SUPERVISOR_PID IMAGE_FD TARGET_FD "
			"USER,MNT,PID,NET,IPC,UTS,CGROUP,TIME_NS_FDS CGROUP_FD,... CAPBND_HEX FSTYPE "
			"/usr/SERVER rw|ro[,noexec][,noatime]\n");
		return 2;
	}
	/* Bounded: the supervisor waits for this helper on a thread it needs back. */
	sigaction(SIGALRM, &on_deadline, NULL);
	sigaction(SIGTERM, &on_deadline, NULL);
	alarm(HELPER_SECONDS);
	ro = has_word(argv[10], "ro");
	server = open_server(argv[9]);
	tgt = supervisor_fd(argv[2], atoi(argv[4]), O_PATH | O_DIRECTORY, "target");
	img = supervisor_fd(argv[2], atoi(argv[3]), ro ? O_RDONLY : O_RDWR, "image");
	for (i = 0; i < NS_COUNT; i++)
		nsfd[i] = supervisor_fd(argv[2], nsfd[i], O_RDONLY, "caller's namespace");
	/* Opened in the host's cgroup namespace: the kernel judges a move by the opener's. */
	for (i = 0; i < ncg; i++) {
		int dir = supervisor_fd(argv[2], cgfd[i], O_PATH | O_DIRECTORY, "caller's cgroup");

		procs[i] = openat(dir, "cgroup.procs", O_WRONLY | O_CLOEXEC);
		if (procs[i] < 0)
			die("open the caller's cgroup");
		close(dir);
	}
	/* The host's, cloned now: the server gets them in its minimal root. */
	usr = clone_tree(AT_FDCWD, "/usr", AT_RECURSIVE);
	null = clone_tree(AT_FDCWD, "/dev/null", 0);
	urandom = clone_tree(AT_FDCWD, "/dev/urandom", 0);
	self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		die("open this program");
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sock) || pipe2(report, O_CLOEXEC))
		die("socketpair");

	/* The mount: /dev/fuse opened in the caller's user namespace (its file then belongs there,
	 * as the superblock will), the mount made in its mount namespace on the target fd. */
	m = fork();
	if (m == 0) {
		char options[96];

		if (setns(nsfd[NS_USER], CLONE_NEWUSER))
			die("join the user namespace");
		fuse = open("/dev/fuse", O_RDWR | O_CLOEXEC);
		if (fuse < 0)
			die("open /dev/fuse");
		if (setns(nsfd[NS_MNT], CLONE_NEWNS))
			die("join the mount namespace");
		fs = syscall(SYS_fsopen, "fuse", FSOPEN_CLOEXEC);
		if (fs < 0)
			die("fsopen fuse");
		snprintf(options, sizeof options, "%d", fuse);
		if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "fd", options, 0)
		    || syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "rootmode", "40000", 0)
		    || syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "user_id", "0", 0)
		    || syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "group_id", "0", 0)
		    || syscall(SYS_fsconfig, fs, FSCONFIG_SET_FLAG, "allow_other", NULL, 0)
		    || syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "source", argv[8], 0)
		    || syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0))
			die("create the fuse filesystem");
		mnt = syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV
			      | (ro ? MOUNT_ATTR_RDONLY : 0) | (has_word(argv[10], "noexec") ? MOUNT_ATTR_NOEXEC : 0)
			      | (has_word(argv[10], "noatime") ? MOUNT_ATTR_NOATIME : 0));
		if (mnt < 0)
			die("fsmount");
		if (syscall(SYS_move_mount, mnt, "", tgt, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH))
			die("move the mount onto the target");
		fds[0] = fuse;
		fds[1] = mnt;
		if (send_fds(sock[1], fds, 2))
			die("hand over the fuse fd");
		_exit(0);
	}
	close(sock[1]); /* so a mounter that died is an end of file, not a wait */
	errno = 0;
	if (m < 0 || recv_fds(sock[0], fds, 2)) {
		if (m > 0 && errno == EINTR) {
			printf("error: the FUSE mount was not made in time\n");
			kill(m, SIGKILL);
		}
		waitpid(m, &status, 0);
		return 1; /* the mounter said why */
	}
	waitpid(m, &status, 0);
	fuse = fds[0];
	mnt = fds[1];

	/* The server: the caller's cgroups, a minimal root, then the caller's other namespaces, its
	 * user namespace last, as its root. What goes wrong here is reported on the report pipe. */
	s = fork();
	if (s == 0) {
		pid_t reaper, child, checker;
		int failure;
		int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);

		/* The server outlives this helper: it must not hold the supervisor's pipe (the
		 * supervisor reads this helper's output to its end), only the report pipe. */
		if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(report[1], 1) < 0 || dup2(devnull, 2) < 0)
			_exit(1);
		close(devnull);
		close(report[0]);
		if (fcntl(fuse, F_SETFD, 0))
			die("keep the fuse fd");
		/* Before it forks: all it starts counts against the caller's limits and obeys its
		 * device rules. Writing 0 moves the writer. */
		for (i = 0; i < ncg; i++)
			if (write(procs[i], "0", 1) != 1)
				die("join the caller's cgroup");
		minimal_root(nsfd[NS_MNT], img, usr, null, urandom, self, server);
		for (i = 0; i < (int)(sizeof JOINED / sizeof JOINED[0]); i++)
			if (setns(nsfd[JOINED[i].index], JOINED[i].type))
				die("join the caller's %s namespace", JOINED[i].name);
		if (setns(nsfd[NS_USER], CLONE_NEWUSER))
			die("join the caller's user namespace");
		/* The reaper lives as long as the mount: it keeps the fuse fd, the mount and the
		 * report pipe, nothing else. */
		for (i = 0; i < NS_COUNT; i++)
			close(nsfd[i]);
		for (i = 0; i < ncg; i++)
			close(procs[i]);
		close(tgt);
		close(img);
		close(self);
		close(server);
		close(sock[0]);
		reaper = fork();
		if (reaper != 0)
			_exit(reaper < 0);
		/* In the container's pid namespace (and its time namespace: setns put this process's
		 * children there), as its root: start the server, tell the helper once the mount
		 * answers (a statfs from inside the user namespace reaches the server; from outside,
		 * fuse answers it without asking), then reap what libfuse leaves. */
		limit_bounding_set(capbnd);
		if (setgroups(0, NULL) || setresgid(0, 0, 0) || setresuid(0, 0, 0))
			die("become the container's root");
		install_seccomp();
		prctl(PR_SET_CHILD_SUBREAPER, 1);
		child = fork();
		if (child == 0) {
			/* argv[0] says which server it is; what runs is its unreadable copy. */
			char *args[] = { argv[9], "/image", "/empty", "-f", "-o",
					 ro ? "auto_unmount,ro" : "auto_unmount", NULL };

			snprintf(fdnum, sizeof fdnum, "%d", fuse);
			setenv("INTERCESSOR_FUSE_FD", fdnum, 1);
			setenv("PATH", "/libexec:/usr/bin:/usr/sbin", 1);
			if (dup2(0, 1) < 0)
				_exit(127);
			execv("/libexec/server", args);
			_exit(127);
		}
		close(fuse);
		/* The check runs in a process of its own: if the server hangs on the request, the
		 * reaper still wakes at its deadline and kills the server, which ends the request. */
		checker = fork();
		if (checker == 0) {
			struct statfs st;

			_exit(fstatfs(mnt, &st) == 0 ? 0 : errno);
		}
		close(mnt);
		alarm(READY_SECONDS);
		failure = ETIMEDOUT;
		if (checker > 0 && waitpid(checker, &status, 0) == checker && WIFEXITED(status))
			failure = WEXITSTATUS(status);
		alarm(0);
		if (failure == 0) {
			n = snprintf(answer, sizeof answer, "ok %d\n", (int)child);
		} else {
			n = snprintf(answer, sizeof answer, "error: the FUSE server did not answer: %s\n",
				     strerror(failure));
			kill(child, SIGKILL);
		}
		if (write(1, answer, n) != n)
			_exit(1);
		close(1);
		while (wait(&status) > 0 || errno == EINTR)
			;
		_exit(0);
	}
	close(fuse);
	close(report[1]);
	if (s < 0)
		die("fork the server");
	/* s exits once the server runs in the container's pid namespace */
	n = -1;
	if (waitpid(s, &status, 0) == s)
		n = read(report[0], answer, sizeof answer - 1);
	else
		kill(s, SIGKILL);
	if (n <= 0) {
		printf("error: the FUSE server did not start%s\n", n < 0 ? " in time" : "");
		unmount(nsfd[NS_MNT], mnt);
		return 1;
	}
	answer[n] = 0;
	fputs(answer, stdout);
	if (strncmp(answer, "ok", 2) != 0) {
		unmount(nsfd[NS_MNT], mnt);
		return 1;
	}
	return 0;
}
