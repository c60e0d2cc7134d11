// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Multiboot v1 (the Multiboot Specification 0.6.96): the image's segments
 * in guest memory, the multiboot information structure with the e820 map
 * and the command line below 640 KiB, and the vCPU in flat 32-bit protected
 * mode at the entry point with EAX = 0x2BADB002 and EBX = the information.
 * Modules are not supported: none are loaded and the information says so.
 */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "boot.h"

/* The header (spec 3.1): magic, flags, checksum, then the a.out kludge. */
#define MB_MAGIC		0x1badb002u
#define MB_SEARCH		8192	/* it lies in the first 8 KiB ... */
#define MB_HDR_ALIGN		4	/* ... 32-bit aligned */
#define MB_HDR_FLAGS		4
#define MB_HDR_CHECKSUM		8
#define MB_HDR_HEADER_ADDR	12
#define MB_HDR_LOAD_ADDR	16
#define MB_HDR_LOAD_END_ADDR	20
#define MB_HDR_BSS_END_ADDR	24
#define MB_HDR_ENTRY_ADDR	28
#define MB_HDR_MIN		12
#define MB_HDR_AOUT_END		32

/*
 * Header flags (3.1.3). Bits 0-15 are requirements the loader must meet or
 * refuse the image for; bits 16-31 optional features it may ignore.
 * PAGE_ALIGN asks for modules on page boundaries: there are no modules.
 * MEMORY_INFO asks for mem_* and the memory map: always given. VIDEO_MODE
 * asks for a graphics mode: there is no display, and the kernel learns so
 * from the information's flags (no framebuffer fields).
 */
#define MB_PAGE_ALIGN		(1u << 0)
#define MB_MEMORY_INFO		(1u << 1)
#define MB_VIDEO_MODE		(1u << 2)
#define MB_AOUT_KLUDGE		(1u << 16)
#define MB_REQUIRED		0xffffu
#define MB_HONOURED		(MB_PAGE_ALIGN | MB_MEMORY_INFO | MB_VIDEO_MODE)

/* The machine state at entry (3.2). */
#define MB_BOOT_MAGIC		0x2badb002u

/* The information structure (3.3). */
#define MBI_FLAGS		0
#define MBI_MEM_LOWER		4
#define MBI_MEM_UPPER		8
#define MBI_CMDLINE		16
#define MBI_MMAP_LENGTH		44
#define MBI_MMAP_ADDR		48
#define MBI_BOOT_LOADER_NAME	64
#define MBI_SIZE		116	/* up to the framebuffer fields */
#define MBI_F_MEM		(1u << 0)
#define MBI_F_CMDLINE		(1u << 2)
#define MBI_F_MMAP		(1u << 6)
#define MBI_F_LOADER_NAME	(1u << 9)
/* A memory map entry: its size field counts the 20 bytes after it. */
#define MMAP_ENTRY_SIZE		24
#define MMAP_ENTRY_SIZE_FIELD	20
/* The information, then the map, the loader's name and the command line. */
#define MBI_MMAP_OFF		128

#define LOADER_NAME		"hvctl"
/* The boot area's lowest place: page 0 is the real-mode IVT and BIOS data. */
#define BOOT_AREA_MIN		LIBHV_PAGE_SIZE
#define MB_MAX_SEGS		16

struct mb_seg {
	uint32_t addr;
	uint32_t memsz;		/* > filesz: the rest is zeroed (bss) */
	uint32_t filesz;
	const uint8_t *data;
};

struct mb_image {
	struct mb_seg seg[MB_MAX_SEGS];
	unsigned int nseg;
	uint32_t entry;
};

static uint64_t page_up(uint64_t v)
{
	return (v + LIBHV_PAGE_SIZE - 1) & ~(LIBHV_PAGE_SIZE - 1);
}

/* The header's offset, or -ENOEXEC. */
static int find_header(const uint8_t *f, size_t size, size_t *at)
{
	size_t end = size < MB_SEARCH ? size : MB_SEARCH;
	bool bad_checksum = false;

	for (size_t off = 0; f && off + MB_HDR_MIN <= end; off += MB_HDR_ALIGN) {
		if (libhv_get32(f, off) != MB_MAGIC)
			continue;
		if ((uint32_t)(MB_MAGIC + libhv_get32(f, off + MB_HDR_FLAGS) +
			       libhv_get32(f, off + MB_HDR_CHECKSUM)) == 0) {
			*at = off;
			return 0;
		}
		bad_checksum = true;
	}
	if (bad_checksum)
		return libhv_error(-ENOEXEC, "multiboot magic 0x%x in the first 8 KiB, but its checksum is wrong",
				   MB_MAGIC);
	return libhv_error(-ENOEXEC, "no multiboot header (magic 0x%x) in the first 8 KiB",
			   MB_MAGIC);
}

int libhv_is_multiboot(const void *data, size_t size)
{
	size_t at;

	return !find_header(data, size, &at);
}

static int check_entry(const struct mb_image *img)
{
	for (unsigned int i = 0; i < img->nseg; i++) {
		if (img->entry - img->seg[i].addr < img->seg[i].memsz)
			return 0;
	}
	return libhv_error(-ENOEXEC, "entry point 0x%x is outside the loaded image",
			   img->entry);
}

/*
 * The a.out kludge (3.1.3, flag 16): the header's address fields say it
 * all. The header's own file offset pins the file to addresses: load_addr
 * is at offset hdr - (header_addr - load_addr).
 */
static int parse_aout(const uint8_t *f, size_t size, size_t hdr,
		      struct mb_image *img)
{
	uint32_t header_addr, load_addr, load_end, bss_end;
	uint64_t off, filesz, memsz;

	if (hdr + MB_HDR_AOUT_END > size || hdr + MB_HDR_AOUT_END > MB_SEARCH)
		return libhv_error(-ENOEXEC, "multiboot header at 0x%zx: its address fields (flag 16) end past the first 8 KiB or the file",
				   hdr);
	header_addr = libhv_get32(f, hdr + MB_HDR_HEADER_ADDR);
	load_addr = libhv_get32(f, hdr + MB_HDR_LOAD_ADDR);
	load_end = libhv_get32(f, hdr + MB_HDR_LOAD_END_ADDR);
	bss_end = libhv_get32(f, hdr + MB_HDR_BSS_END_ADDR);
	img->entry = libhv_get32(f, hdr + MB_HDR_ENTRY_ADDR);
	if (load_addr > header_addr || header_addr - load_addr > hdr)
		return libhv_error(-ENOEXEC, "multiboot load_addr 0x%x with header_addr 0x%x starts the image before the file does",
				   load_addr, header_addr);
	off = hdr - (header_addr - load_addr);
	/* load_end_addr 0: text and data are the rest of the file. */
	if (load_end && load_end < load_addr)
		return libhv_error(-ENOEXEC, "multiboot load_end_addr 0x%x is below load_addr 0x%x",
				   load_end, load_addr);
	filesz = load_end ? load_end - load_addr : size - off;
	if (filesz > size - off)
		return libhv_error(-ENOEXEC, "truncated: the multiboot image needs 0x%llx bytes from file offset 0x%llx, the file has 0x%zx",
				   (unsigned long long)filesz,
				   (unsigned long long)off, size);
	/* bss_end_addr 0: no bss. */
	if (bss_end && bss_end < load_addr + filesz)
		return libhv_error(-ENOEXEC, "multiboot bss_end_addr 0x%x is below the end of the loaded data 0x%llx",
				   bss_end, (unsigned long long)(load_addr + filesz));
	memsz = bss_end ? bss_end - load_addr : filesz;
	if (load_addr + memsz > LIBHV_4G)
		return libhv_error(-ENOEXEC, "the multiboot image at 0x%x runs past 4 GiB",
				   load_addr);
	img->seg[0] = (struct mb_seg){
		.addr = load_addr, .memsz = (uint32_t)memsz,
		.filesz = (uint32_t)filesz, .data = f + off,
	};
	img->nseg = 1;
	return check_entry(img);
}

static int add_segment(const uint8_t *f, size_t size, const Elf32_Phdr *ph,
		       struct mb_image *img)
{
	if (img->nseg == MB_MAX_SEGS)
		return libhv_error(-ENOEXEC, "ELF image with more than %d loadable segments",
				   MB_MAX_SEGS);
	if (ph->p_filesz > ph->p_memsz)
		return libhv_error(-ENOEXEC, "ELF segment at 0x%x: file size 0x%x above its memory size 0x%x",
				   ph->p_paddr, ph->p_filesz, ph->p_memsz);
	if (ph->p_offset > size || ph->p_filesz > size - ph->p_offset)
		return libhv_error(-ENOEXEC, "truncated: ELF segment at file offset 0x%x, 0x%x bytes, the file has 0x%zx",
				   ph->p_offset, ph->p_filesz, size);
	if ((uint64_t)ph->p_paddr + ph->p_memsz > LIBHV_4G)
		return libhv_error(-ENOEXEC, "ELF segment at 0x%x, 0x%x bytes, runs past 4 GiB",
				   ph->p_paddr, ph->p_memsz);
	img->seg[img->nseg++] = (struct mb_seg){
		.addr = ph->p_paddr, .memsz = ph->p_memsz,
		.filesz = ph->p_filesz, .data = f + ph->p_offset,
	};
	return 0;
}

/*
 * ELF (3.1.4): segments go to their physical addresses (p_paddr); the
 * entry point is virtual, translated through the segment holding it.
 */
static int parse_elf(const uint8_t *f, size_t size, struct mb_image *img)
{
	uint32_t ventry;
	bool entry_found = false;
	Elf32_Ehdr eh;
	int err;

	if (size < sizeof(eh) || memcmp(f, ELFMAG, SELFMAG))
		return libhv_error(-ENOEXEC, "multiboot image without address fields (header flag 16) is not an ELF file");
	memcpy(&eh, f, sizeof(eh));
	if (eh.e_ident[EI_CLASS] != ELFCLASS32 || eh.e_ident[EI_DATA] != ELFDATA2LSB)
		return libhv_error(-ENOEXEC, "multiboot ELF image is not 32-bit little-endian (ELFCLASS32, ELFDATA2LSB)");
	if (eh.e_type != ET_EXEC || eh.e_machine != EM_386)
		return libhv_error(-ENOEXEC, "multiboot ELF image is type %u for machine %u, not an executable (ET_EXEC) for EM_386",
				   eh.e_type, eh.e_machine);
	if (eh.e_phentsize != sizeof(Elf32_Phdr) || eh.e_phoff > size ||
	    eh.e_phnum > (size - eh.e_phoff) / sizeof(Elf32_Phdr))
		return libhv_error(-ENOEXEC, "ELF program headers (%u of %u bytes at 0x%x) are not inside the file",
				   eh.e_phnum, eh.e_phentsize, eh.e_phoff);
	ventry = eh.e_entry;
	img->nseg = 0;
	for (unsigned int i = 0; i < eh.e_phnum; i++) {
		Elf32_Phdr ph;

		memcpy(&ph, f + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD || !ph.p_memsz)
			continue;
		err = add_segment(f, size, &ph, img);
		if (err)
			return err;
		if (!entry_found && ventry - ph.p_vaddr < ph.p_memsz) {
			img->entry = ventry - ph.p_vaddr + ph.p_paddr;
			entry_found = true;
		}
	}
	if (!img->nseg)
		return libhv_error(-ENOEXEC, "multiboot ELF image has no loadable segment");
	if (!entry_found)
		return libhv_error(-ENOEXEC, "entry point 0x%x is outside the loaded image",
				   ventry);
	return 0;
}

static int parse_image(const uint8_t *f, size_t size, struct mb_image *img)
{
	size_t hdr;
	uint32_t flags;
	int err = find_header(f, size, &hdr);

	if (err)
		return err;
	flags = libhv_get32(f, hdr + MB_HDR_FLAGS);
	if (flags & MB_REQUIRED & ~MB_HONOURED)
		return libhv_error(-ENOEXEC, "multiboot header flags 0x%x ask for features this loader lacks (0x%x)",
				   flags, flags & MB_REQUIRED & ~MB_HONOURED);
	if (flags & MB_AOUT_KLUDGE)
		return parse_aout(f, size, hdr, img);
	return parse_elf(f, size, img);
}

static int check_in_ram(const struct mb_image *img, const struct libhv_ram *ram)
{
	for (unsigned int i = 0; i < img->nseg; i++) {
		const struct mb_seg *s = &img->seg[i];

		if (!libhv_ram_covers(ram, s->addr, s->memsz))
			return libhv_error(-EFBIG, "multiboot segment [0x%x, 0x%llx) is not inside guest RAM ([0, 0x%llx), [1 MiB, 0x%llx))",
					   s->addr, (unsigned long long)s->addr + s->memsz,
					   LIBHV_EBDA, (unsigned long long)ram->low_size);
	}
	return 0;
}

static bool overlaps_image(const struct mb_image *img, uint64_t addr,
			   uint64_t size)
{
	for (unsigned int i = 0; i < img->nseg; i++) {
		const struct mb_seg *s = &img->seg[i];

		if (addr < (uint64_t)s->addr + s->memsz && s->addr < addr + size)
			return true;
	}
	return false;
}

/*
 * The boot area (GDT tables, then the information) goes to the lowest page
 * of conventional memory where it misses every segment: the start of RAM
 * after page 0, or the page after a segment.
 */
static int place_boot_area(const struct mb_image *img,
			   const struct libhv_ram *ram, uint64_t size,
			   uint64_t *at)
{
	uint64_t limit = ram->low_size < LIBHV_EBDA ? ram->low_size : LIBHV_EBDA;
	uint64_t best = limit;

	for (unsigned int i = 0; i <= img->nseg; i++) {
		uint64_t c = i < img->nseg ?
			     page_up((uint64_t)img->seg[i].addr + img->seg[i].memsz) :
			     BOOT_AREA_MIN;

		if (c < best && size <= limit && c <= limit - size &&
		    !overlaps_image(img, c, size))
			best = c;
	}
	if (best == limit)
		return libhv_error(-EFBIG, "no room below 0x%llx beside the multiboot image for 0x%llx bytes of boot information",
				   (unsigned long long)limit, (unsigned long long)size);
	*at = best;
	return 0;
}

/* mem_lower/mem_upper (3.3): KiB of RAM from 0, and from 1 MiB on. */
static void build_info(uint8_t *mbi, uint64_t addr, const struct libhv_e820 *map,
		       int n, const char *cmdline, size_t cmdline_len)
{
	uint64_t name = addr + MBI_MMAP_OFF + (uint64_t)n * MMAP_ENTRY_SIZE;
	uint64_t cmd = name + sizeof(LOADER_NAME);

	libhv_put32(mbi, MBI_FLAGS, MBI_F_MEM | MBI_F_CMDLINE | MBI_F_MMAP | MBI_F_LOADER_NAME);
	for (int i = 0; i < n; i++) {
		uint8_t *e = mbi + MBI_MMAP_OFF + i * MMAP_ENTRY_SIZE;

		if (map[i].type == LIBHV_E820_RAM && map[i].addr == 0)
			libhv_put32(mbi, MBI_MEM_LOWER, (uint32_t)(map[i].size >> 10));
		if (map[i].type == LIBHV_E820_RAM && map[i].addr == LIBHV_1M)
			libhv_put32(mbi, MBI_MEM_UPPER, (uint32_t)(map[i].size >> 10));
		libhv_put32(e, 0, MMAP_ENTRY_SIZE_FIELD);
		libhv_put64(e, 4, map[i].addr);
		libhv_put64(e, 12, map[i].size);
		libhv_put32(e, 20, map[i].type);
	}
	libhv_put32(mbi, MBI_MMAP_LENGTH, (uint32_t)n * MMAP_ENTRY_SIZE);
	libhv_put32(mbi, MBI_MMAP_ADDR, (uint32_t)(addr + MBI_MMAP_OFF));
	memcpy(mbi + (name - addr), LOADER_NAME, sizeof(LOADER_NAME));
	libhv_put32(mbi, MBI_BOOT_LOADER_NAME, (uint32_t)name);
	memcpy(mbi + (cmd - addr), cmdline, cmdline_len + 1);
	libhv_put32(mbi, MBI_CMDLINE, (uint32_t)cmd);
}

static int write_segments(struct hv_vm *vm, const struct mb_image *img)
{
	for (unsigned int i = 0; i < img->nseg; i++) {
		const struct mb_seg *s = &img->seg[i];
		uint8_t *bss;
		int err = hv_vm_write(vm, s->addr, s->data, s->filesz);

		if (err)
			return err;
		if (s->memsz == s->filesz)
			continue;
		bss = hv_vm_gpa_to_host(vm, (uint64_t)s->addr + s->filesz,
					s->memsz - s->filesz);
		if (!bss)
			return libhv_error(-EFAULT, "multiboot bss [0x%llx, 0x%llx) is not inside one memory slot",
					   (unsigned long long)s->addr + s->filesz,
					   (unsigned long long)s->addr + s->memsz);
		memset(bss, 0, s->memsz - s->filesz);
	}
	return 0;
}

int libhv_multiboot_load(struct hv_vm *vm, const struct libhv_ram *ram,
			 const void *image, size_t size, const char *cmdline,
			 struct libhv_entry *entry)
{
	struct libhv_e820 map[LIBHV_E820_MAX];
	struct mb_image img = { 0 };
	struct hv_setup setup;
	uint64_t area = 0, info, info_size;
	size_t cmdline_len;
	uint8_t *mbi;
	int n, err;

	if (!cmdline)
		cmdline = "";
	cmdline_len = strlen(cmdline);
	err = parse_image(image, size, &img);
	if (!err)
		err = check_in_ram(&img, ram);
	if (err)
		return err;
	n = libhv_e820_build(ram, map, LIBHV_E820_MAX);
	if (n < 0)
		return n;
	info_size = MBI_MMAP_OFF + (uint64_t)n * MMAP_ENTRY_SIZE +
		    sizeof(LOADER_NAME) + cmdline_len + 1;
	err = place_boot_area(&img, ram, HV_SETUP_TABLES_SIZE + info_size, &area);
	if (err)
		return err;
	info = area + HV_SETUP_TABLES_SIZE;

	mbi = calloc(1, info_size);
	if (!mbi)
		return libhv_error(-ENOMEM, "no memory for the multiboot information");
	build_info(mbi, info, map, n, cmdline, cmdline_len);
	err = write_segments(vm, &img);
	if (!err)
		err = hv_vm_write(vm, info, mbi, info_size);
	free(mbi);
	if (err)
		return err;

	/* 3.2: flat 4 GiB segments, paging off, IF clear (RFLAGS 2). */
	setup = (struct hv_setup){
		.mode = HV_MODE_PROTECTED,
		.entry = img.entry,
		.stack = info,
		.tables = area,
	};
	err = libhv_boot_state(vm, &libhv_setup_gdt, &setup, 0, entry);
	if (err)
		return err;
	entry->regs.rax = MB_BOOT_MAGIC;
	entry->regs.rbx = info;
	return 0;
}
