/* intercessor-fuse: mount-to-FUSE for Intercessor's mount handler (docs/MOUNT-TO-FUSE.md).
 *
 *   intercessor-fuse mount SUPERVISOR_PID IMAGE_FD TARGET_FD USERNS_FD MNTNS_FD PIDNS_FD FSTYPE SERVER ATTRS
 *
 * ATTRS: "rw", or a comma list of ro, noexec, noatime (nosuid and nodev always).
 *
 * Run by the supervisor (root) while it holds IMAGE_FD (the image, opened as the caller),
 * TARGET_FD (the target directory, O_PATH, opened as the caller) and the caller's namespaces
 * (opened through its /proc directory, which was checked to be the caller's); all are reached
 * through /proc/SUPERVISOR_PID/fd, so no pid is looked up again here. Creates a fuse mount owned by the caller's user namespace on the target
 * in the caller's mount namespace, then starts SERVER (e.g. fuse2fs, from the host's /usr) as the
 * container's root in its user and pid namespaces, in a minimal root of its own, serving it.
 * Prints "ok <server pid>" once the mount answers, or "error: <what>" (exit 1).
 *
 * Called as "fusermount" (libfuse2 runs it for -o auto_unmount) it hands the fuse fd in
 * $INTERCESSOR_FUSE_FD to libfuse over the socket in $_FUSE_COMMFD, and does nothing for -u. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <linux/mount.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
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
static int supervisor_fd(const char *pid, const char *fd, int flags, const char *what)
{
	char path[64];
	int f;

	snprintf(path, sizeof path, "/proc/%s/fd/%s", pid, fd);
	f = open(path, flags | O_CLOEXEC);
	if (f < 0)
		die("open the %s", what);
	return f;
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

/* What the server sees: a tmpfs root with the host's /usr (read-only), the image, /dev/null,
 * /dev/urandom, /empty and the fake fusermount, and nothing else: the container's root can look
 * into it through /proc/<server>/root. Built in a private copy of the caller's mount namespace. */
static void minimal_root(int mntns, int image_fd, int usr, int null, int urandom, int exe)
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
	    || syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "size", "64k", 0)
	    || syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0))
		die("tmpfs");
	root = syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
	if (root < 0 || syscall(SYS_move_mount, root, "", AT_FDCWD, "/", MOVE_MOUNT_F_EMPTY_PATH) || fchdir(root))
		die("tmpfs root");
	if (syscall(SYS_mount_setattr, usr, "", AT_EMPTY_PATH | AT_RECURSIVE, &ro, sizeof ro))
		die("read-only /usr");
	attach(usr, "usr", 1);
	if (symlink("usr/bin", "bin") || symlink("usr/lib", "lib") || symlink("usr/lib64", "lib64")
	    || symlink("usr/sbin", "sbin") || mkdir("dev", 0755) || mkdir("empty", 0755) || mkdir("fakebin", 0755))
		die("populate the root");
	attach(null, "dev/null", 0);
	attach(urandom, "dev/urandom", 0);
	attach(image, "image", 0);
	attach(exe, "fakebin/fusermount", 0);
	if (syscall(SYS_pivot_root, ".", ".") || umount2(".", MNT_DETACH) || chdir("/"))
		die("pivot_root");
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

int main(int argc, char **argv)
{
	char server[256], fdnum[16], answer[128];
	int tgt, img, userns, mntns, pidns, sock[2], report[2], fds[2], fuse, fs, mnt, ro;
	int usr, null, urandom, exe;
	struct statfs st;
	pid_t m, s;
	int status;
	ssize_t n;

	if (strcmp(basename(argv[0]), "fusermount") == 0)
		return fake_fusermount(argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 11 || strcmp(argv[1], "mount") != 0 || strspn(argv[9], "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			"abcdefghijklmnopqrstuvwxyz0123456789._-") != strlen(argv[9])) {
		fprintf(stderr, "usage: intercessor-fuse mount SUPERVISOR_PID IMAGE_FD TARGET_FD USERNS_FD "
			"MNTNS_FD PIDNS_FD FSTYPE SERVER rw|ro[,noexec][,noatime]\n");
		return 2;
	}
	ro = has_word(argv[10], "ro");
	snprintf(server, sizeof server, "/usr/bin/%s", argv[9]);
	if (access(server, X_OK))
		snprintf(server, sizeof server, "/usr/sbin/%s", argv[9]);
	if (access(server, X_OK))
		die("no FUSE server %s on the host", argv[9]);
	tgt = supervisor_fd(argv[2], argv[4], O_PATH | O_DIRECTORY, "target");
	img = supervisor_fd(argv[2], argv[3], ro ? O_RDONLY : O_RDWR, "image");
	userns = supervisor_fd(argv[2], argv[5], O_RDONLY, "user namespace");
	mntns = supervisor_fd(argv[2], argv[6], O_RDONLY, "mount namespace");
	pidns = supervisor_fd(argv[2], argv[7], O_RDONLY, "pid namespace");
	/* The host's, cloned now: the server gets them in its minimal root. */
	usr = clone_tree(AT_FDCWD, "/usr", AT_RECURSIVE);
	null = clone_tree(AT_FDCWD, "/dev/null", 0);
	urandom = clone_tree(AT_FDCWD, "/dev/urandom", 0);
	exe = clone_tree(AT_FDCWD, "/proc/self/exe", 0);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sock) || pipe2(report, O_CLOEXEC))
		die("socketpair");

	/* The mount: /dev/fuse opened in the caller's user namespace (its file then belongs there,
	 * as the superblock will), the mount made in its mount namespace on the target fd. */
	m = fork();
	if (m == 0) {
		char options[96];

		if (setns(userns, CLONE_NEWUSER))
			die("join the user namespace");
		fuse = open("/dev/fuse", O_RDWR | O_CLOEXEC);
		if (fuse < 0)
			die("open /dev/fuse");
		if (setns(mntns, CLONE_NEWNS))
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
	if (m < 0 || recv_fds(sock[0], fds, 2)) {
		waitpid(m, &status, 0);
		return 1; /* the mounter said why */
	}
	waitpid(m, &status, 0);
	fuse = fds[0];
	mnt = fds[1];

	/* The server: a minimal root, then the container's pid and user namespaces, as its root. */
	s = fork();
	if (s == 0) {
		pid_t reaper, child;

		close(report[0]);
		if (fcntl(fuse, F_SETFD, 0))
			die("keep the fuse fd");
		/* The server outlives this helper: it must not hold the supervisor's pipe (the
		 * supervisor reads this helper's output to its end), only the report pipe. */
		int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(devnull, 1) < 0 || dup2(devnull, 2) < 0)
			die("detach from the supervisor's pipe");
		minimal_root(mntns, img, usr, null, urandom, exe);
		if (setns(pidns, CLONE_NEWPID) || setns(userns, CLONE_NEWUSER))
			die("join the container");
		reaper = fork();
		if (reaper != 0)
			_exit(reaper < 0);
		/* In the container's pid namespace, as its root: start the server, tell the helper once
		 * the mount answers (a statfs from inside the user namespace reaches the server; from
		 * outside, fuse answers it without asking), then reap what libfuse leaves. */
		if (setgroups(0, NULL) || setresgid(0, 0, 0) || setresuid(0, 0, 0))
			die("become the container's root");
		prctl(PR_SET_CHILD_SUBREAPER, 1);
		child = fork();
		if (child == 0) {
			char *args[] = { server, "/image", "/empty", "-f", "-o",
					 ro ? "auto_unmount,ro" : "auto_unmount", NULL };

			snprintf(fdnum, sizeof fdnum, "%d", fuse);
			setenv("INTERCESSOR_FUSE_FD", fdnum, 1);
			setenv("PATH", "/fakebin:/usr/bin:/usr/sbin", 1);
			prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
			execv(server, args);
			_exit(127);
		}
		close(fuse);
		alarm(10);
		if (fstatfs(mnt, &st) == 0)
			n = snprintf(answer, sizeof answer, "ok %d\n", (int)child);
		else
			n = snprintf(answer, sizeof answer, "error: the FUSE server did not answer: %s\n", strerror(errno));
		alarm(0);
		if (write(report[1], answer, n) != n)
			_exit(1);
		close(report[1]);
		close(mnt);
		while (wait(&status) > 0 || errno == EINTR)
			;
		_exit(0);
	}
	close(fuse);
	close(report[1]);
	if (s < 0)
		die("fork the server");
	waitpid(s, &status, 0); /* it exits once the server runs in the container's pid namespace */
	n = read(report[0], answer, sizeof answer - 1);
	if (n <= 0) {
		printf("error: the FUSE server did not start\n");
		unmount(mntns, mnt);
		return 1;
	}
	answer[n] = 0;
	fputs(answer, stdout);
	if (strncmp(answer, "ok", 2) != 0) {
		unmount(mntns, mnt);
		return 1;
	}
	return 0;
}
