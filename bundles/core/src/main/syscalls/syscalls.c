/*
 * Prints every syscall name and number libseccomp knows, for every architecture it knows, as the
 * tab-separated table the core loads (SyscallTable). Run by ./generate; see there.
 *
 * libseccomp has no call that lists its names, so each architecture's numbers are asked for one by
 * one (seccomp_syscall_resolve_num_arch) over a range wider than any kernel table, and each name
 * found is resolved back (seccomp_syscall_resolve_name_arch): that gives the number exactly as the
 * kernel puts it in seccomp_data.nr (mips o32 from 4000, n64 from 5000, n32 from 6000; x32 with
 * __X32_SYSCALL_BIT), whatever form the lookup accepted.
 */
#include <seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every architecture name some libseccomp release knows, in the table's order: the ones an
 * x86_64 or aarch64 host runs first. Names this libseccomp does not know are left out. */
static const char *const ARCHES[] = {
	"x86_64", "x86", "x32", "aarch64", "arm",
	"riscv64", "s390x", "s390", "ppc64le", "ppc64", "ppc",
	"mips", "mipsel", "mips64", "mipsel64", "mips64n32", "mipsel64n32",
	"parisc", "parisc64", "loongarch64", "m68k", "sh", "sheb",
};

/* Number ranges asked: the kernel's tables (with the mips bases) lie below 0x10000; ARM's private
 * calls (__ARM_NR_BASE, breakpoint .. set_tls) at 0x0f0000. */
static const struct { int from, to; } RANGES[] = { {0, 0x10000}, {0x0f0000, 0x0f1000} };

/* x32's numbers carry this bit (the kernel's __X32_SYSCALL_BIT); its calls reach seccomp under
 * AUDIT_ARCH_X86_64 (SCMP_ARCH_X32 is a token of libseccomp's own). */
#define X32_SYSCALL_BIT 0x40000000

struct entry {
	int nr;
	char *name;
};

struct table {
	struct entry *entries;
	size_t n, cap;
};

/* Adds the calls numbered bias|from .. bias|to-1 that are numbered so in the kernel: a name that
 * resolves to another number was found through another form libseccomp accepts (mips without its
 * base, x32 without its bit). A name that resolves to a pseudo-syscall (< 0: libseccomp files the
 * socket and ipc calls of x86, s390, ppc and mips under socketcall and ipc too) is kept under the
 * number found; unique() then drops its other forms. */
static void scan(struct table *t, uint32_t token, int bias, int from, int to)
{
	for (int num = from; num < to; num++) {
		char *name = seccomp_syscall_resolve_num_arch(token, bias | num);
		if (name == NULL)
			continue;
		int nr = seccomp_syscall_resolve_name_arch(token, name);
		if (nr >= 0 && nr != (bias | num)) {
			free(name);
			continue;
		}
		if (t->n == t->cap) {
			t->cap = t->cap ? 2 * t->cap : 1024;
			t->entries = realloc(t->entries, t->cap * sizeof(*t->entries));
			if (t->entries == NULL)
				exit(1);
		}
		t->entries[t->n].nr = bias | num;
		t->entries[t->n].name = name;
		t->n++;
	}
}

static int by_number(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	if (x->nr != y->nr)
		return x->nr < y->nr ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int by_name_largest_first(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	if (c != 0)
		return c;
	return x->nr == y->nr ? 0 : x->nr > y->nr ? -1 : 1;
}

/* One number per name, the largest: the forms without a base or bit are the smaller ones. */
static void unique(struct table *t)
{
	size_t kept = 0;
	qsort(t->entries, t->n, sizeof(*t->entries), by_name_largest_first);
	for (size_t i = 0; i < t->n; i++) {
		if (kept > 0 && strcmp(t->entries[kept - 1].name, t->entries[i].name) == 0) {
			free(t->entries[i].name);
			continue;
		}
		t->entries[kept++] = t->entries[i];
	}
	t->n = kept;
	qsort(t->entries, t->n, sizeof(*t->entries), by_number);
}

int main(void)
{
	const struct scmp_version *v = seccomp_version();
	printf("# Syscall names and numbers of every architecture libseccomp %u.%u.%u knows, as its\n"
	       "# seccomp_syscall_resolve_num_arch/_name_arch give them. Generated: do not edit; run\n"
	       "# bundles/core/src/main/syscalls/generate (needs a C compiler and libseccomp-dev).\n"
	       "# Columns: architecture (libseccomp's name), AUDIT_ARCH value the kernel reports in\n"
	       "# seccomp_data.arch, syscall name, number as in seccomp_data.nr (x32: with\n"
	       "# __X32_SYSCALL_BIT 0x40000000, under AUDIT_ARCH_X86_64).\n",
	       v->major, v->minor, v->micro);
	for (size_t a = 0; a < sizeof(ARCHES) / sizeof(ARCHES[0]); a++) {
		uint32_t token = seccomp_arch_resolve_name(ARCHES[a]);
		if (token == 0)
			continue;
		int x32 = strcmp(ARCHES[a], "x32") == 0;
		uint32_t audit = x32 ? AUDIT_ARCH_X86_64 : token;
		struct table t = {0};
		for (size_t r = 0; r < sizeof(RANGES) / sizeof(RANGES[0]); r++)
			scan(&t, token, x32 ? X32_SYSCALL_BIT : 0, RANGES[r].from, RANGES[r].to);
		unique(&t);
		for (size_t i = 0; i < t.n; i++) {
			printf("%s\t0x%08x\t%s\t%d\n", ARCHES[a], audit, t.entries[i].name, t.entries[i].nr);
			free(t.entries[i].name);
		}
		free(t.entries);
	}
	return ferror(stdout) ? 1 : 0;
}
