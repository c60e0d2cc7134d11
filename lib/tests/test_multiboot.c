// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The multiboot loader with synthetic images: an ELF32 executable and one
 * with the a.out kludge; the segments, bss, the information structure, the
 * entry state, and every refusal. Offsets are the Multiboot Specification
 * 0.6.96's (3.1 header, 3.2 machine state, 3.3 information).
 */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "boot_vm.h"
#include "test.h"

#define MB_MAGIC	0x1badb002u
#define AOUT		(1u << 16)
#define ELF_SIZE	0x2000
#define HDR_OFF		0x100	/* the multiboot header in the ELF file */

static void mb_header(uint8_t *p, size_t off, uint32_t flags)
{
	libhv_put32(p, off, MB_MAGIC);
	libhv_put32(p, off + 4, flags);
	libhv_put32(p, off + 8, -(MB_MAGIC + flags));
}

/*
 * ELF: text at virtual 0xc0100000, physical 1 MiB, 0x200 bytes from file
 * offset 0x1000 and 0xe00 of bss; data at 2 MiB, 0x100 bytes from 0x1200;
 * a PT_NOTE between them that must be skipped; entry 0xc0100010.
 */
static uint8_t *make_elf(void)
{
	uint8_t *f = calloc(1, ELF_SIZE);
	Elf32_Ehdr eh = {
		.e_type = ET_EXEC, .e_machine = EM_386, .e_version = EV_CURRENT,
		.e_entry = 0xc0100010, .e_phoff = sizeof(Elf32_Ehdr),
		.e_ehsize = sizeof(Elf32_Ehdr), .e_phentsize = sizeof(Elf32_Phdr),
		.e_phnum = 3,
	};
	const Elf32_Phdr ph[3] = {
		{ .p_type = PT_LOAD, .p_offset = 0x1000, .p_vaddr = 0xc0100000,
		  .p_paddr = 0x100000, .p_filesz = 0x200, .p_memsz = 0x1000 },
		{ .p_type = PT_NOTE, .p_offset = HDR_OFF, .p_vaddr = 0,
		  .p_paddr = 0xa0000, .p_filesz = 12, .p_memsz = 12 },
		{ .p_type = PT_LOAD, .p_offset = 0x1200, .p_vaddr = 0xc0200000,
		  .p_paddr = 0x200000, .p_filesz = 0x100, .p_memsz = 0x100 },
	};

	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS32;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	memcpy(f, &eh, sizeof(eh));
	memcpy(f + sizeof(eh), ph, sizeof(ph));
	mb_header(f, HDR_OFF, 0x3);	/* page-align modules, memory info */
	for (size_t i = 0x1000; i < 0x1300; i++)
		f[i] = (uint8_t)(i * 13 + 5);
	return f;
}

static Elf32_Ehdr *ehdr(uint8_t *f)
{
	return (Elf32_Ehdr *)f;
}

static Elf32_Phdr *phdr(uint8_t *f, int i)
{
	return (Elf32_Phdr *)(f + sizeof(Elf32_Ehdr)) + i;
}

/*
 * a.out kludge: header at file offset 0x40 says it lives at 0x100040, so
 * the file is loaded from its start at 1 MiB; 0x300 bytes, bss to 0x102000.
 */
#define AOUT_SIZE	0x400

static uint8_t *make_aout(uint32_t flags, uint32_t header_addr, uint32_t load,
			  uint32_t load_end, uint32_t bss_end, uint32_t entry)
{
	uint8_t *f = calloc(1, AOUT_SIZE);

	for (size_t i = 0; i < AOUT_SIZE; i++)
		f[i] = (uint8_t)(i * 3 + 1);
	mb_header(f, 0x40, flags);
	libhv_put32(f, 0x4c, header_addr);
	libhv_put32(f, 0x50, load);
	libhv_put32(f, 0x54, load_end);
	libhv_put32(f, 0x58, bss_end);
	libhv_put32(f, 0x5c, entry);
	return f;
}

static uint8_t *default_aout(void)
{
	return make_aout(AOUT | 0x2, 0x100040, 0x100000, 0x100300, 0x102000, 0x100080);
}

static bool all_equal(const uint8_t *p, size_t len, uint8_t v)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != v)
			return false;
	return true;
}

static void check_state(const struct libhv_entry *e, uint64_t rip, uint64_t info)
{
	const struct hv_sregs *s = &e->sregs;

	CHECK_EQ(e->regs.rip, rip, "entry: EIP");
	CHECK_EQ(e->regs.rax, 0x2badb002, "entry: EAX = 0x2BADB002");
	CHECK_EQ(e->regs.rbx, info, "entry: EBX -> multiboot information");
	CHECK_EQ(e->regs.rflags, 0x2, "entry: EFLAGS bit 1 only");
	CHECK(s->cs.db && !s->cs.l && s->cs.base == 0 && s->cs.limit == 0xffffffff &&
	      (s->cs.type & 0x8), "entry: CS flat 32-bit code");
	CHECK(s->ds.db && s->ds.limit == 0xffffffff && !(s->ds.type & 0x8) &&
	      s->ss.selector == s->ds.selector && s->es.selector == s->ds.selector,
	      "entry: DS, ES, SS flat data");
	CHECK_EQ(s->cr0 & 0x80000001, 0x1, "entry: CR0.PE, no paging");
	CHECK_EQ(s->efer, 0, "entry: EFER 0");
	CHECK_EQ(s->apic_base, 0xfee00900, "entry: APIC enabled, BSP");
}

static void check_info(const struct boot_vm *b, uint64_t info, const char *cmdline)
{
	const uint8_t *mbi = b->mem + info;
	const uint8_t *mmap = b->mem + libhv_get32(mbi, 48);

	CHECK_EQ(libhv_get32(mbi, 0), 0x245, "info: flags MEM|CMDLINE|MMAP|BOOT_LOADER_NAME");
	CHECK_EQ(libhv_get32(mbi, 4), 639, "info: mem_lower 639 KiB");
	CHECK_EQ(libhv_get32(mbi, 8), (b->ram.low_size - MiB) >> 10, "info: mem_upper");
	CHECK_STR((const char *)b->mem + libhv_get32(mbi, 16), cmdline, "info: cmdline");
	CHECK_EQ(libhv_get32(mbi, 20), 0, "info: no modules");
	CHECK_EQ(libhv_get32(mbi, 44), 4 * 24, "info: mmap_length, 4 entries");
	CHECK_EQ(libhv_get32(mmap, 0), 20, "mmap[0]: size field");
	CHECK_EQ(libhv_get64(mmap, 4), 0, "mmap[0]: base");
	CHECK_EQ(libhv_get64(mmap, 12), 0x9fc00, "mmap[0]: length");
	CHECK_EQ(libhv_get32(mmap, 20), 1, "mmap[0]: available");
	CHECK_EQ(libhv_get64(mmap, 24 + 4), 0x9fc00, "mmap[1]: the EBDA");
	CHECK_EQ(libhv_get32(mmap, 24 + 20), 2, "mmap[1]: reserved");
	CHECK_EQ(libhv_get64(mmap, 72 + 4), MiB, "mmap[3]: from 1 MiB");
	CHECK_EQ(libhv_get64(mmap, 72 + 12), b->ram.low_size - MiB, "mmap[3]: to the end of RAM");
	CHECK_STR((const char *)b->mem + libhv_get32(mbi, 64), "hvctl", "info: boot_loader_name");
	CHECK(info + 0x80 + 4 * 24 + 6 + strlen(cmdline) + 1 <= 0x9fc00,
	      "info below the EBDA");
}

static void elf(void)
{
	uint8_t *f = make_elf();
	struct libhv_entry e;
	struct boot_vm b;

	CHECK(libhv_is_multiboot(f, ELF_SIZE), "libhv_is_multiboot (ELF)");
	if (!boot_vm_create(&b, 64 * MiB))
		return;
	memset(b.mem + 0x100000, 0xaa, 0x2000);	/* bss must be zeroed */
	CHECK_EQ(libhv_multiboot_load(b.vm, &b.ram, f, ELF_SIZE, "root=hd0 -v", &e), 0,
		 "load an ELF multiboot image: %s", hv_error_detail());
	CHECK(!memcmp(b.mem + 0x100000, f + 0x1000, 0x200), "text at its physical address");
	CHECK(all_equal(b.mem + 0x100200, 0xe00, 0), "bss zeroed");
	CHECK_EQ(b.mem[0x101000], 0xaa, "nothing written past the segment");
	CHECK(!memcmp(b.mem + 0x200000, f + 0x1200, 0x100), "data at 2 MiB");
	CHECK(all_equal(b.mem + 0xa0000, 12, 0), "PT_NOTE not loaded");
	/* The boot area: GDT at 0x1000, information after the 32 KiB of tables. */
	check_state(&e, 0x100010, 0x9000);
	CHECK_EQ(e.sregs.gdt.base, 0x1000, "GDTR -> 0x1000");
	CHECK_EQ(libhv_get64(b.mem, 0x1000 + e.sregs.cs.selector), 0x00cf9b000000ffffULL,
		 "GDT: CS's descriptor in guest memory");
	check_info(&b, 0x9000, "root=hd0 -v");
	boot_vm_destroy(&b);
	free(f);
}

static void aout(void)
{
	uint8_t *f = default_aout();
	struct libhv_entry e;
	struct boot_vm b;

	if (!boot_vm_create(&b, 32 * MiB))
		return;
	memset(b.mem + 0x100000, 0xaa, 0x3000);
	CHECK_EQ(libhv_multiboot_load(b.vm, &b.ram, f, AOUT_SIZE, NULL, &e), 0,
		 "load an a.out kludge image: %s", hv_error_detail());
	CHECK(!memcmp(b.mem + 0x100000, f, 0x300), "load_addr..load_end_addr from the file");
	CHECK(all_equal(b.mem + 0x100300, 0x1d00, 0), "bss to bss_end_addr zeroed");
	CHECK_EQ(b.mem[0x102000], 0xaa, "nothing past bss_end_addr");
	check_state(&e, 0x100080, 0x9000);
	check_info(&b, 0x9000, "");
	boot_vm_destroy(&b);
	free(f);

	/* load_end 0: the rest of the file; optional flag bit 17 ignored. */
	f = make_aout(AOUT | (1u << 17), 0x100040, 0x100000, 0, 0, 0x100000);
	if (!boot_vm_create(&b, 32 * MiB))
		return;
	CHECK_EQ(libhv_multiboot_load(b.vm, &b.ram, f, AOUT_SIZE, NULL, &e), 0,
		 "load_end_addr 0, optional flag 17");
	CHECK(!memcmp(b.mem + 0x100000, f, AOUT_SIZE), "the whole file loaded");
	boot_vm_destroy(&b);
	free(f);

	/* An image in conventional memory: the boot area goes after it. */
	f = make_aout(AOUT, 0x2040, 0x2000, 0x2300, 0x5000, 0x2000);
	if (!boot_vm_create(&b, 32 * MiB))
		return;
	CHECK_EQ(libhv_multiboot_load(b.vm, &b.ram, f, AOUT_SIZE, "x", &e), 0,
		 "an image at 8 KiB");
	check_state(&e, 0x2000, 0x5000 + 0x8000);
	check_info(&b, 0xd000, "x");
	boot_vm_destroy(&b);
	free(f);

	/* 128 KiB of RAM: the boot area must end inside it, not at 640 KiB. */
	f = make_aout(AOUT, 0x1040, 0x1000, 0x1300, 0x18000, 0x1000);
	if (!boot_vm_create(&b, 0x20000))
		return;
	CHECK_EQ(libhv_multiboot_load(b.vm, &b.ram, f, AOUT_SIZE, NULL, &e), -EFBIG,
		 "128 KiB of RAM, the image up to 96 KiB: no room for the boot area");
	CHECK(detail_has("below 0x20000"), "detail gives the end of RAM: %s", hv_error_detail());
	boot_vm_destroy(&b);
	free(f);
}

static void expect_refusal(const uint8_t *f, size_t size, int err,
			   const char *word, const char *what)
{
	struct libhv_entry e;
	struct boot_vm b;

	if (!boot_vm_create(&b, 32 * MiB))
		return;
	CHECK_EQ(libhv_multiboot_load(b.vm, &b.ram, f, size, NULL, &e), err,
		 "refused: %s", what);
	CHECK(detail_has(word), "%s: detail says \"%s\": %s", what, word, hv_error_detail());
	CHECK(all_equal(b.mem, 0x300000, 0), "%s: nothing written", what);
	boot_vm_destroy(&b);
}

static void elf_rejects(void)
{
	uint8_t *f = make_elf();

	ehdr(f)->e_ident[EI_CLASS] = ELFCLASS64;
	expect_refusal(f, ELF_SIZE, -ENOEXEC, "32-bit", "ELFCLASS64");
	ehdr(f)->e_ident[EI_CLASS] = ELFCLASS32;
	ehdr(f)->e_machine = EM_X86_64;
	expect_refusal(f, ELF_SIZE, -ENOEXEC, "EM_386", "EM_X86_64");
	ehdr(f)->e_machine = EM_386;
	ehdr(f)->e_type = ET_DYN;
	expect_refusal(f, ELF_SIZE, -ENOEXEC, "ET_EXEC", "ET_DYN");
	ehdr(f)->e_type = ET_EXEC;
	ehdr(f)->e_phnum = 300;
	expect_refusal(f, ELF_SIZE, -ENOEXEC, "program headers", "program headers past the file");
	ehdr(f)->e_phnum = 3;
	ehdr(f)->e_entry = 0xc0300000;
	expect_refusal(f, ELF_SIZE, -ENOEXEC, "entry point", "entry outside the segments");
	ehdr(f)->e_entry = 0xc0100010;
	phdr(f, 0)->p_filesz = 0x2000;
	expect_refusal(f, ELF_SIZE, -ENOEXEC, "file size", "filesz above memsz");
	phdr(f, 0)->p_memsz = 0x3000;
	expect_refusal(f, ELF_SIZE, -ENOEXEC, "truncated", "segment past the file");
	phdr(f, 0)->p_filesz = 0x200;
	phdr(f, 0)->p_memsz = 0x1000;
	phdr(f, 2)->p_paddr = 0xa0000;
	expect_refusal(f, ELF_SIZE, -EFBIG, "0xa0000", "segment in the VGA hole");
	phdr(f, 2)->p_paddr = 0x4000000;
	expect_refusal(f, ELF_SIZE, -EFBIG, "guest RAM", "segment past the end of RAM");
	phdr(f, 2)->p_paddr = 0xffffff80;
	expect_refusal(f, ELF_SIZE, -ENOEXEC, "4 GiB", "segment across 4 GiB");
	phdr(f, 2)->p_paddr = 0x200000;
	phdr(f, 0)->p_type = PT_NULL;
	phdr(f, 2)->p_type = PT_NULL;
	expect_refusal(f, ELF_SIZE, -ENOEXEC, "no loadable segment", "no PT_LOAD");
	phdr(f, 0)->p_type = PT_LOAD;
	phdr(f, 2)->p_type = PT_LOAD;
	memcpy(f, "\177ELG", 4);
	expect_refusal(f, ELF_SIZE, -ENOEXEC, "not an ELF", "neither ELF nor a.out kludge");
	free(f);
}

static void header_rejects(void)
{
	uint8_t *f = make_elf();
	uint8_t *big;

	mb_header(f, HDR_OFF, 0x3 | (1u << 3));
	expect_refusal(f, ELF_SIZE, -ENOEXEC, "0x8", "required flag bit 3");
	mb_header(f, HDR_OFF, 0x3 | (1u << 2));	/* video: ignored */
	{
		struct libhv_entry e;
		struct boot_vm b;

		if (boot_vm_create(&b, 32 * MiB)) {
			CHECK_EQ(libhv_multiboot_load(b.vm, &b.ram, f, ELF_SIZE, NULL, &e), 0,
				 "video mode flag accepted (and ignored)");
			boot_vm_destroy(&b);
		}
	}
	libhv_put32(f, HDR_OFF + 8, 0);
	expect_refusal(f, ELF_SIZE, -ENOEXEC, "checksum", "bad checksum");
	CHECK(!libhv_is_multiboot(f, ELF_SIZE), "bad checksum: not multiboot");
	memset(f + HDR_OFF, 0, 12);
	mb_header(f, HDR_OFF + 2, 0x3);	/* not 4-byte aligned */
	expect_refusal(f, ELF_SIZE, -ENOEXEC, "no multiboot header", "misaligned header");
	free(f);

	/* A header at 8 KiB is past the search window. */
	big = calloc(1, 0x3000);
	mb_header(big, 0x2000, 0x3);
	expect_refusal(big, 0x3000, -ENOEXEC, "first 8 KiB", "header at 8 KiB");
	CHECK(!libhv_is_multiboot(big, 0x3000), "header at 8 KiB: not multiboot");
	free(big);
	CHECK(!libhv_is_multiboot(NULL, 100), "NULL: not multiboot");
}

/* a.out kludge images the loader must refuse, and why. */
static const struct {
	uint32_t header_addr, load, load_end, bss_end, entry;
	size_t size;
	int err;
	const char *word;
	const char *what;
} aout_bad[] = {
	{ 0x100040, 0x100080, 0x100300, 0, 0x100080, AOUT_SIZE, -ENOEXEC,
	  "load_addr", "load_addr above header_addr" },
	{ 0x100080, 0x100000, 0x100300, 0, 0x100080, AOUT_SIZE, -ENOEXEC,
	  "before the file", "image starting before the file" },
	{ 0x100040, 0x100000, 0xff000, 0, 0x100000, AOUT_SIZE, -ENOEXEC,
	  "load_end_addr", "load_end_addr below load_addr" },
	{ 0x100040, 0x100000, 0x100800, 0, 0x100000, AOUT_SIZE, -ENOEXEC,
	  "truncated", "load_end_addr past the file" },
	{ 0x100040, 0x100000, 0x100300, 0x100200, 0x100000, AOUT_SIZE, -ENOEXEC,
	  "bss_end_addr", "bss_end_addr below load_end_addr" },
	{ 0x100040, 0x100000, 0x100300, 0x102000, 0x102000, AOUT_SIZE, -ENOEXEC,
	  "entry point", "entry at bss_end_addr" },
	{ 0x100040, 0x100000, 0x100300, 0x2001000, 0x100000, AOUT_SIZE, -EFBIG,
	  "guest RAM", "bss past the end of RAM (32 MiB)" },
	/* The image fills conventional memory: no room for the boot area. */
	{ 0x1040, 0x1000, 0x1300, 0x9f000, 0x1000, AOUT_SIZE, -EFBIG,
	  "no room", "no room below 640 KiB" },
	/* The address fields must lie in the file and the first 8 KiB. */
	{ 0x100040, 0x100000, 0x100300, 0, 0x100000, 0x50, -ENOEXEC,
	  "address fields", "file ends inside the header" },
};

static void aout_rejects(void)
{
	for (size_t i = 0; i < sizeof(aout_bad) / sizeof(aout_bad[0]); i++) {
		uint8_t *f = make_aout(AOUT, aout_bad[i].header_addr, aout_bad[i].load,
				       aout_bad[i].load_end, aout_bad[i].bss_end,
				       aout_bad[i].entry);

		expect_refusal(f, aout_bad[i].size, aout_bad[i].err, aout_bad[i].word,
			       aout_bad[i].what);
		free(f);
	}
}

void test_multiboot(void)
{
	elf();
	aout();
	elf_rejects();
	header_rejects();
	aout_rejects();
}
