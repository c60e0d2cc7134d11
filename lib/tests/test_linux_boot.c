// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The Linux loader with a synthetic bzImage (a setup header before a
 * payload of known bytes): every boot_params field it fills, where kernel,
 * initrd and command line land, the entry state, and every refusal. Then
 * the machine's own kernel (/boot/vmlinuz-*) when it can be read.
 * Offsets are those of Documentation/arch/x86/boot.rst and zero-page.rst.
 */
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot_vm.h"
#include "test.h"

#define PREF		0x1000000ULL	/* 16 MiB, as distribution kernels */
#define INIT_SIZE	0x800000	/* 8 MiB */
#define PAYLOAD		0x3000
#define SETUP_SECTS	4

struct bz {
	uint8_t *buf;
	size_t size;
	size_t setup;	/* (setup_sects + 1) * 512 */
};

/* A bzImage of protocol 2.15 as today's kernels, relocatable, 64-bit. */
static struct bz make_bz(uint8_t setup_sects)
{
	uint8_t sects = setup_sects ? setup_sects : 4;
	struct bz bz = { .setup = (sects + 1u) * 512 };

	bz.size = bz.setup + PAYLOAD;
	bz.buf = calloc(1, bz.size);
	bz.buf[0x1f1] = setup_sects;
	libhv_put32(bz.buf, 0x1f4, PAYLOAD / 16);	/* syssize */
	libhv_put16(bz.buf, 0x1fe, 0xaa55);		/* boot_flag */
	bz.buf[0x200] = 0xeb;			/* jmp to 0x26c */
	bz.buf[0x201] = 0x6a;
	memcpy(bz.buf + 0x202, "HdrS", 4);
	libhv_put16(bz.buf, 0x206, 0x020f);
	bz.buf[0x211] = 0x01;			/* LOADED_HIGH */
	libhv_put32(bz.buf, 0x22c, 0x7fffffff);	/* initrd_addr_max */
	libhv_put32(bz.buf, 0x230, 0x200000);		/* kernel_alignment */
	bz.buf[0x234] = 1;			/* relocatable */
	bz.buf[0x235] = 21;			/* min_alignment */
	libhv_put16(bz.buf, 0x236, 0x3);		/* XLF_KERNEL_64 | CAN_BE_LOADED_ABOVE_4G */
	libhv_put32(bz.buf, 0x238, 0x7ff);		/* cmdline_size */
	libhv_put64(bz.buf, 0x258, PREF);
	libhv_put32(bz.buf, 0x260, INIT_SIZE);
	libhv_put32(bz.buf, 0x264, 0x190);		/* handover_offset: copied as is */
	for (size_t i = bz.setup; i < bz.size; i++)
		bz.buf[i] = (uint8_t)(i * 7 + 1);
	return bz;
}

static int load(struct boot_vm *b, const struct bz *bz, const void *initrd,
		size_t initrd_size, const char *cmdline, uint64_t rsdp,
		struct libhv_entry *entry)
{
	const struct libhv_linux img = {
		.kernel = bz->buf, .kernel_size = bz->size,
		.initrd = initrd, .initrd_size = initrd_size, .cmdline = cmdline,
	};

	return libhv_linux_load(b->vm, &b->ram, rsdp, &img, entry);
}

static bool all_zero(const uint8_t *p, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		if (p[i])
			return false;
	return true;
}

static void check_entry_state(const struct libhv_entry *e, uint64_t rip)
{
	const struct hv_sregs *s = &e->sregs;

	CHECK_EQ(e->regs.rip, rip, "entry: RIP is startup_64 (load address + 0x200)");
	CHECK_EQ(e->regs.rsi, 0x7000, "entry: RSI -> boot_params");
	CHECK_EQ(e->regs.rflags, 0x2, "entry: RFLAGS 2 (IF clear)");
	CHECK_EQ(e->regs.rsp, 0x10000, "entry: RSP at the end of the tables area");
	CHECK_EQ(e->regs.rax | e->regs.rbx | e->regs.rdi | e->regs.rbp, 0,
		 "entry: other registers zero");
	CHECK(s->cs.selector == 0x10 && s->cs.l && !s->cs.db && s->cs.present,
	      "entry: CS = __BOOT_CS, 64-bit");
	CHECK(s->ds.selector == 0x18 && s->es.selector == 0x18 && s->ss.selector == 0x18,
	      "entry: DS, ES, SS = __BOOT_DS");
	CHECK_EQ(s->ds.limit, 0xffffffff, "entry: flat data");
	CHECK_EQ(s->gdt.base, 0x8000, "entry: GDTR -> 0x8000");
	CHECK_EQ(s->cr0 & 0x80000031, 0x80000031, "entry: CR0 PE|ET|NE|PG");
	CHECK_EQ(s->cr3, 0x9000, "entry: CR3 -> PML4");
	CHECK(s->cr4 & (1u << 5), "entry: CR4.PAE");
	CHECK_EQ(s->efer & 0x500, 0x500, "entry: EFER LME|LMA");
	CHECK_EQ(s->apic_base, 0xfee00900, "entry: APIC enabled, BSP");
	CHECK_EQ(s->idt.limit | s->idt.base, 0, "entry: no IDT");
}

static void check_boot_params(const struct boot_vm *b, const struct bz *bz,
			      uint64_t initrd, uint32_t initrd_size,
			      uint64_t rsdp)
{
	const uint8_t *bp = b->mem + 0x7000;

	CHECK(all_zero(bp, 0, 0x70), "boot_params: screen_info etc. zero");
	CHECK_EQ(libhv_get64(bp, 0x70), rsdp, "boot_params: acpi_rsdp_addr");
	CHECK_EQ(libhv_get32(bp, 0xc0), initrd >> 32, "boot_params: ext_ramdisk_image");
	CHECK_EQ(libhv_get32(bp, 0xc4), 0, "boot_params: ext_ramdisk_size");
	CHECK_EQ(libhv_get32(bp, 0xc8), 0, "boot_params: ext_cmd_line_ptr");
	CHECK_EQ(bp[0x1e8], 4, "boot_params: e820_entries");
	CHECK_EQ(bp[0x1ef], 0, "boot_params: sentinel zero");
	CHECK(!memcmp(bp + 0x1f1, bz->buf + 0x1f1, 0x1fa - 0x1f1),
	      "setup header: setup_sects .. ram_size copied");
	CHECK_EQ(libhv_get16(bp, 0x1fa), 0xffff, "setup header: vid_mode normal");
	CHECK(!memcmp(bp + 0x1fc, bz->buf + 0x1fc, 0x210 - 0x1fc),
	      "setup header: root_dev .. kernel_version copied");
	CHECK_EQ(bp[0x210], 0xff, "setup header: type_of_loader undefined");
	CHECK_EQ(bp[0x211], 0x01, "setup header: loadflags as the file's");
	CHECK_EQ(libhv_get32(bp, 0x214), PREF, "setup header: code32_start = load address");
	CHECK_EQ(libhv_get32(bp, 0x218), (uint32_t)initrd, "setup header: ramdisk_image");
	CHECK_EQ(libhv_get32(bp, 0x21c), initrd_size, "setup header: ramdisk_size");
	CHECK_EQ(libhv_get32(bp, 0x228), 0x20000, "setup header: cmd_line_ptr");
	CHECK(!memcmp(bp + 0x22c, bz->buf + 0x22c, 0x23c - 0x22c),
	      "setup header: initrd_addr_max .. cmdline_size copied");
	CHECK(!memcmp(bp + 0x258, bz->buf + 0x258, 0x26c - 0x258),
	      "setup header: pref_address .. kernel_info_offset copied");
	CHECK(all_zero(bp, 0x26c, 0x2d0), "boot_params: nothing past the header end");
	CHECK_EQ(libhv_get64(bp, 0x2d0), 0, "e820[0] at 0");
	CHECK_EQ(libhv_get64(bp, 0x2d8), 0x9fc00, "e820[0] size");
	CHECK_EQ(libhv_get32(bp, 0x2e0), 1, "e820[0] RAM");
	CHECK_EQ(libhv_get64(bp, 0x2d0 + 20), 0x9fc00, "e820[1] (packed, 20 bytes) at the EBDA");
	CHECK_EQ(libhv_get32(bp, 0x2d0 + 20 + 16), 2, "e820[1] reserved");
	CHECK_EQ(libhv_get64(bp, 0x2d0 + 60), 0x100000, "e820[3] at 1 MiB");
	CHECK_EQ(libhv_get64(bp, 0x2d0 + 68), b->ram.low_size - 0x100000, "e820[3] up to the end of RAM");
	CHECK(all_zero(bp, 0x2d0 + 80, 0x1000), "boot_params: the rest zero");
}

static void synthetic(void)
{
	struct bz bz = make_bz(SETUP_SECTS);
	static const char cmdline[] = "console=ttyS0 root=/dev/vda";
	uint8_t initrd[10000];
	struct libhv_entry e;
	struct boot_vm b;
	uint64_t at;

	memset(initrd, 0x5a, sizeof(initrd));
	if (!boot_vm_create(&b, 256 * MiB))
		return;
	CHECK_EQ(load(&b, &bz, initrd, sizeof(initrd), cmdline, 0xe0000, &e), 0,
		 "load a synthetic bzImage");
	check_entry_state(&e, PREF + 0x200);
	/* Highest page below min(initrd_addr_max + 1, 256 MiB). */
	at = (256 * MiB - sizeof(initrd)) & ~0xfffULL;
	check_boot_params(&b, &bz, at, sizeof(initrd), 0xe0000);
	CHECK(!memcmp(b.mem + PREF, bz.buf + bz.setup, PAYLOAD),
	      "the protected-mode kernel at pref_address");
	CHECK(!memcmp(b.mem + at, initrd, sizeof(initrd)), "the initrd at 0x%llx",
	      (unsigned long long)at);
	CHECK_STR((const char *)b.mem + 0x20000, cmdline, "the command line at 0x20000");
	CHECK_EQ(libhv_get64(b.mem, 0x8010), 0x00af9b000000ffffULL, "GDT: __BOOT_CS in guest memory");
	CHECK_EQ(libhv_get64(b.mem, 0x9000), 0xa003, "PML4[0] in guest memory");
	CHECK_EQ(libhv_get64(b.mem, 0xb000), 0x83, "the identity map starts at 0");
	boot_vm_destroy(&b);
	free(bz.buf);
}

/* setup_sects 0 means 4; protocol 2.12 has no acpi_rsdp_addr; no initrd. */
static void variants(void)
{
	struct bz bz = make_bz(0);
	struct libhv_entry e;
	struct boot_vm b;

	libhv_put16(bz.buf, 0x206, 0x020c);
	if (!boot_vm_create(&b, 64 * MiB))
		return;
	CHECK_EQ(load(&b, &bz, NULL, 0, NULL, 0xe0000, &e), 0, "setup_sects 0, protocol 2.12");
	CHECK(!memcmp(b.mem + PREF, bz.buf + 5 * 512, PAYLOAD),
	      "setup_sects 0: the kernel starts at 5 * 512");
	CHECK_EQ(libhv_get64(b.mem + 0x7000, 0x70), 0, "protocol 2.12: acpi_rsdp_addr left 0");
	CHECK_EQ(libhv_get32(b.mem + 0x7000, 0x218) | libhv_get32(b.mem + 0x7000, 0x21c), 0,
		 "no initrd: ramdisk_image and _size 0");
	CHECK_EQ(b.mem[0x20000], 0, "no command line: an empty string");
	boot_vm_destroy(&b);

	/* initrd_addr_max below the end of RAM caps the initrd. */
	libhv_put32(bz.buf, 0x22c, 0x2ffffff);
	if (!boot_vm_create(&b, 256 * MiB))
		return;
	CHECK_EQ(load(&b, &bz, "abc", 3, NULL, 0, &e), 0, "initrd_addr_max 48 MiB - 1");
	CHECK_EQ(libhv_get32(b.mem + 0x7000, 0x218), 0x2fff000, "initrd's last byte below 48 MiB");
	boot_vm_destroy(&b);

	/* No room above the kernel (16 MiB + init_size): the initrd goes below. */
	if (!boot_vm_create(&b, PREF + INIT_SIZE + MiB))
		return;
	{
		size_t size = 2 * MiB;
		uint8_t *initrd = malloc(size);

		memset(initrd, 0x33, size);
		CHECK_EQ(load(&b, &bz, initrd, size, NULL, 0, &e), 0, "initrd below the kernel");
		CHECK_EQ(libhv_get32(b.mem + 0x7000, 0x218), PREF - size, "initrd ends at the kernel");
		CHECK(!memcmp(b.mem + PREF - size, initrd, size), "initrd bytes there");
		free(initrd);
	}
	boot_vm_destroy(&b);
	free(bz.buf);
}

/* A refused image leaves guest memory as it was. */
static void expect_refusal(struct bz *bz, int err, const char *word,
			   const char *what)
{
	struct libhv_entry e;
	struct boot_vm b;

	if (!boot_vm_create(&b, 64 * MiB))
		return;
	CHECK_EQ(load(&b, bz, "x", 1, "quiet", 0, &e), err, "refused: %s", what);
	CHECK(detail_has(word), "%s: detail says \"%s\": %s", what, word, hv_error_detail());
	CHECK(all_zero(b.mem, 0x7000, 0x21000) && b.mem[PREF] == 0,
	      "%s: nothing written", what);
	boot_vm_destroy(&b);
}

static void rejects(void)
{
	struct bz bz = make_bz(SETUP_SECTS);

	memcpy(bz.buf + 0x202, "HdrT", 4);
	expect_refusal(&bz, -ENOEXEC, "HdrS", "bad magic");
	memcpy(bz.buf + 0x202, "HdrS", 4);
	CHECK(!libhv_is_bzimage(bz.buf, 0x205), "too short for the magic");
	CHECK(libhv_is_bzimage(bz.buf, bz.size), "libhv_is_bzimage");

	libhv_put16(bz.buf, 0x206, 0x020b);
	expect_refusal(&bz, -ENOEXEC, "2.11", "protocol 2.11");
	libhv_put16(bz.buf, 0x206, 0x020f);

	libhv_put16(bz.buf, 0x236, 0x2);
	expect_refusal(&bz, -ENOEXEC, "XLF_KERNEL_64", "no 64-bit entry");
	libhv_put16(bz.buf, 0x236, 0x3);

	bz.buf[0x211] = 0;
	expect_refusal(&bz, -ENOEXEC, "LOADED_HIGH", "a zImage");
	bz.buf[0x211] = 1;

	bz.buf[0x200] = 0xe9;
	expect_refusal(&bz, -ENOEXEC, "short jump", "no jump over the header");
	bz.buf[0x200] = 0xeb;
	bz.buf[0x201] = 0x50;
	expect_refusal(&bz, -ENOEXEC, "0x252", "a header too short for init_size");
	bz.buf[0x201] = 0x90;	/* negative: before 0x202 */
	expect_refusal(&bz, -ENOEXEC, "header ends", "a backward jump");
	bz.buf[0x201] = 0x6a;

	libhv_put32(bz.buf, 0x1f4, PAYLOAD / 16 + 1);
	expect_refusal(&bz, -ENOEXEC, "truncated", "syssize past the file");
	libhv_put32(bz.buf, 0x1f4, PAYLOAD / 16);

	bz.buf[0x1f1] = 40;	/* the setup code would take the whole file */
	expect_refusal(&bz, -ENOEXEC, "setup code", "setup_sects past the file");
	bz.buf[0x1f1] = SETUP_SECTS;

	libhv_put32(bz.buf, 0x230, 0x300000);
	expect_refusal(&bz, -ENOEXEC, "power of two", "kernel_alignment 3 MiB");
	libhv_put32(bz.buf, 0x230, 0x200000);

	libhv_put32(bz.buf, 0x260, 0);
	expect_refusal(&bz, -ENOEXEC, "init_size", "init_size 0");

	/* 64 MiB of RAM: init_size 60 MiB from 16 MiB does not fit. */
	libhv_put32(bz.buf, 0x260, 60 * MiB);
	expect_refusal(&bz, -EFBIG, "init_size", "kernel too big for RAM");
	libhv_put32(bz.buf, 0x260, INIT_SIZE);

	libhv_put64(bz.buf, 0x258, 0x80000);
	expect_refusal(&bz, -EFBIG, "0x80000", "pref_address below 1 MiB");
	libhv_put64(bz.buf, 0x258, PREF);

	libhv_put32(bz.buf, 0x238, 4);	/* cmdline_size 4 < "quiet" */
	expect_refusal(&bz, -E2BIG, "at most 4", "command line too long");
	libhv_put32(bz.buf, 0x238, 0x7ff);

	/* An initrd that fits neither above nor below the kernel. */
	{
		struct libhv_entry e;
		struct boot_vm b;
		size_t size = 41 * MiB;
		uint8_t *initrd = calloc(1, size);

		if (boot_vm_create(&b, 64 * MiB)) {
			CHECK_EQ(load(&b, &bz, initrd, size, NULL, 0, &e), -EFBIG,
				 "a 41 MiB initrd in 64 MiB");
			CHECK(detail_has("initrd"), "detail names the initrd: %s",
			      hv_error_detail());
			CHECK_EQ(load(&b, &bz, NULL, 5, NULL, 0, &e), -EINVAL,
				 "initrd NULL with a size");
			boot_vm_destroy(&b);
		}
		free(initrd);
	}
	free(bz.buf);
}

static uint8_t *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long len;

	if (!f)
		return NULL;
	if (!fseek(f, 0, SEEK_END) && (len = ftell(f)) > 0 && !fseek(f, 0, SEEK_SET)) {
		buf = malloc((size_t)len);
		if (buf && fread(buf, 1, (size_t)len, f) != (size_t)len) {
			free(buf);
			buf = NULL;
		}
		*size = (size_t)len;
	}
	fclose(f);
	return buf;
}

/* The kernel this machine boots, into 512 MiB of fake guest RAM. */
static void real_kernel(void)
{
	struct bz bz = { 0 };
	struct libhv_entry e;
	struct boot_vm b;
	glob_t g;
	size_t initrd_size = 0;
	uint8_t *initrd = NULL;
	uint64_t pref;

	if (glob("/boot/vmlinuz-*", 0, NULL, &g) || !(bz.buf = read_file(g.gl_pathv[0], &bz.size))) {
		printf("# SKIP real kernel: no readable /boot/vmlinuz-*\n");
		globfree(&g);
		return;
	}
	CHECK(libhv_is_bzimage(bz.buf, bz.size), "%s is a bzImage", g.gl_pathv[0]);
	/* Its initrd too if there is one: a real size for the placement. */
	{
		char path[4096];

		snprintf(path, sizeof(path), "/boot/initrd.img-%s",
			 g.gl_pathv[0] + strlen("/boot/vmlinuz-"));
		initrd = read_file(path, &initrd_size);
	}
	bz.setup = ((bz.buf[0x1f1] ? bz.buf[0x1f1] : 4) + 1u) * 512;
	pref = libhv_get64(bz.buf, 0x258);
	if (boot_vm_create(&b, 512 * MiB)) {
		CHECK_EQ(load(&b, &bz, initrd, initrd ? initrd_size : 0, "console=ttyS0",
			      0xe0000, &e), 0, "load %s: %s", g.gl_pathv[0], hv_error_detail());
		CHECK_EQ(e.regs.rip, pref + 0x200, "real kernel: entry at pref_address + 0x200");
		CHECK(!memcmp(b.mem + pref, bz.buf + bz.setup, bz.size - bz.setup),
		      "real kernel: protected-mode code at pref_address");
		CHECK(!memcmp(b.mem + 0x7000 + 0x1f1, bz.buf + 0x1f1, 0x1fa - 0x1f1),
		      "real kernel: header copied");
		CHECK_EQ(libhv_get64(b.mem + 0x7000, 0x70), libhv_get16(bz.buf, 0x206) >= 0x20e ? 0xe0000 : 0,
			 "real kernel: acpi_rsdp_addr");
		if (initrd) {
			uint64_t at = libhv_get32(b.mem + 0x7000, 0x218);

			CHECK(at >= pref + libhv_get32(bz.buf, 0x260) && at + initrd_size <= 512 * MiB,
			      "real initrd above the kernel's init_size, inside RAM");
			CHECK(!memcmp(b.mem + at, initrd, initrd_size), "real initrd bytes");
		}
		boot_vm_destroy(&b);
	}
	free(initrd);
	free(bz.buf);
	globfree(&g);
}

void test_linux_boot(void)
{
	synthetic();
	variants();
	rejects();
	real_kernel();
}
