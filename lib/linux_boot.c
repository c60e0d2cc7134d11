// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The Linux x86 boot protocol (Documentation/arch/x86/boot.rst), its 64-bit
 * entry: the protected-mode part of a bzImage at its preferred address,
 * boot_params (the "zero page") with the setup header, e820 map and RSDP,
 * the command line and the initrd in guest memory, and the vCPU in long
 * mode at startup_64 with RSI pointing at boot_params. The real-mode setup
 * code is never run: the loader does what it would ask the BIOS for.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "boot.h"

/* ---- the setup header: offsets in the file and in boot_params ---- */

#define HDR_SETUP_SECTS		0x1f1
#define HDR_SYSSIZE		0x1f4
#define HDR_VID_MODE		0x1fa
#define HDR_JUMP		0x200
#define HDR_MAGIC		0x202
#define HDR_VERSION		0x206
#define HDR_TYPE_OF_LOADER	0x210
#define HDR_LOADFLAGS		0x211
#define HDR_CODE32_START	0x214
#define HDR_RAMDISK_IMAGE	0x218
#define HDR_RAMDISK_SIZE	0x21c
#define HDR_CMD_LINE_PTR	0x228
#define HDR_INITRD_ADDR_MAX	0x22c
#define HDR_KERNEL_ALIGNMENT	0x230
#define HDR_RELOCATABLE		0x234
#define HDR_XLOADFLAGS		0x236
#define HDR_CMDLINE_SIZE	0x238
#define HDR_HARDWARE_SUBARCH	0x23c
#define HDR_SETUP_DATA		0x250
#define HDR_PREF_ADDRESS	0x258
#define HDR_INIT_SIZE		0x260
/* The last field this loader reads ends here (init_size, protocol 2.10). */
#define HDR_NEEDED_END		0x264
/* boot_params has room for the header up to here (then edd_mbr_sig_buffer). */
#define HDR_ROOM_END		0x290

/* Other boot_params fields (Documentation/arch/x86/zero-page.rst). */
#define BP_ACPI_RSDP_ADDR	0x070
#define BP_EXT_RAMDISK_IMAGE	0x0c0
#define BP_EXT_RAMDISK_SIZE	0x0c4
#define BP_EXT_CMD_LINE_PTR	0x0c8
#define BP_E820_ENTRIES		0x1e8
#define BP_E820_TABLE		0x2d0
#define BP_E820_ENTRY_SIZE	20	/* packed: u64 addr, u64 size, u32 type */
#define BP_SIZE			4096

#define SETUP_MAGIC		"HdrS"
#define JUMP_SHORT		0xeb	/* the jump at 0x200: EB rel8 */
#define SECTOR			512
#define SETUP_SECTS_DEFAULT	4	/* setup_sects 0 means 4 */
#define PROTOCOL_MIN		0x020c	/* 2.12: xloadflags */
#define PROTOCOL_RSDP		0x020e	/* 2.14: acpi_rsdp_addr */
#define LOADED_HIGH		(1u << 0)	/* loadflags: a bzImage */
#define XLF_KERNEL_64		(1u << 0)	/* xloadflags: startup_64 at +0x200 */
#define ENTRY_64		0x200
#define LOADER_UNDEFINED	0xff	/* type_of_loader without an assigned ID */
#define VID_MODE_NORMAL		0xffff	/* "normal" VGA mode: none asked for */

/* Linux's boot GDT: GDT_ENTRY_BOOT_CS 2, _DS 3, _TSS 4 (asm/segment.h). */
static const struct libhv_gdt_layout linux_gdt = {
	.code64 = 0x10, .data = 0x18, .tss = 0x20,
};

static uint64_t align_down(uint64_t v, uint64_t align)
{
	return v & ~(align - 1);
}

static uint64_t align_up(uint64_t v, uint64_t align)
{
	return align_down(v + align - 1, align);
}

int libhv_is_bzimage(const void *data, size_t size)
{
	return data && size >= HDR_MAGIC + 4 &&
	       !memcmp((const uint8_t *)data + HDR_MAGIC, SETUP_MAGIC, 4);
}

/* What the loader takes from the setup header. */
struct bzimage {
	const uint8_t *file;
	size_t header_end;	/* 0x202 + the jump's offset */
	uint16_t version;
	const uint8_t *kernel;	/* the protected-mode kernel */
	size_t kernel_size;
	uint64_t pref_address;
	uint32_t init_size;
	uint32_t kernel_alignment;
	bool relocatable;
	uint32_t initrd_addr_max;
	uint32_t cmdline_size;
};

static int parse_header(const uint8_t *f, size_t size, struct bzimage *bz)
{
	uint32_t setup_size;
	uint8_t sects;

	if (!libhv_is_bzimage(f, size))
		return libhv_error(-ENOEXEC, "not a bzImage: no setup header magic \"HdrS\" at 0x%x",
				   HDR_MAGIC);
	/* The setup code holds the whole header: past this, every read is in. */
	sects = f[HDR_SETUP_SECTS] ? f[HDR_SETUP_SECTS] : SETUP_SECTS_DEFAULT;
	setup_size = (sects + 1u) * SECTOR;
	if (size <= setup_size)
		return libhv_error(-ENOEXEC, "truncated: %zu bytes, the setup code alone takes %u",
				   size, setup_size);
	bz->file = f;
	bz->kernel = f + setup_size;
	bz->kernel_size = size - setup_size;
	bz->version = libhv_get16(f, HDR_VERSION);
	if (bz->version < PROTOCOL_MIN)
		return libhv_error(-ENOEXEC, "boot protocol %u.%02u is older than 2.12 (no 64-bit entry flags)",
				   bz->version >> 8, bz->version & 0xff);
	/*
	 * The short jump over the header says where it ends (boot.rst, 64-bit
	 * boot protocol: 0x202 + the byte at 0x201, a signed offset).
	 */
	if (f[HDR_JUMP] != JUMP_SHORT)
		return libhv_error(-ENOEXEC, "setup header: byte 0x%02x at 0x200 is not a short jump",
				   f[HDR_JUMP]);
	bz->header_end = (size_t)(HDR_MAGIC + (int8_t)f[HDR_JUMP + 1]);
	if (bz->header_end < HDR_NEEDED_END || bz->header_end > HDR_ROOM_END)
		return libhv_error(-ENOEXEC, "setup header ends at 0x%zx, not between 0x%x and 0x%x",
				   bz->header_end, HDR_NEEDED_END, HDR_ROOM_END);
	if (!(libhv_get16(f, HDR_XLOADFLAGS) & XLF_KERNEL_64))
		return libhv_error(-ENOEXEC, "no 64-bit entry point (XLF_KERNEL_64 clear): a 32-bit kernel");
	if (!(f[HDR_LOADFLAGS] & LOADED_HIGH))
		return libhv_error(-ENOEXEC, "not a bzImage: LOADED_HIGH clear (a zImage loads at 64 KiB)");
	/* syssize: the protected-mode code in 16-byte paragraphs (2.04+). */
	if ((uint64_t)libhv_get32(f, HDR_SYSSIZE) * 16 > bz->kernel_size)
		return libhv_error(-ENOEXEC, "truncated: the protected-mode kernel is %zu bytes, the header says %llu",
				   bz->kernel_size,
				   (unsigned long long)libhv_get32(f, HDR_SYSSIZE) * 16);

	bz->pref_address = libhv_get64(f, HDR_PREF_ADDRESS);
	bz->init_size = libhv_get32(f, HDR_INIT_SIZE);
	bz->kernel_alignment = libhv_get32(f, HDR_KERNEL_ALIGNMENT);
	bz->relocatable = f[HDR_RELOCATABLE] != 0;
	bz->initrd_addr_max = libhv_get32(f, HDR_INITRD_ADDR_MAX);
	bz->cmdline_size = libhv_get32(f, HDR_CMDLINE_SIZE);
	if (!bz->init_size)
		return libhv_error(-ENOEXEC, "setup header: init_size is 0");
	if (bz->relocatable && (bz->kernel_alignment == 0 ||
				(bz->kernel_alignment & (bz->kernel_alignment - 1))))
		return libhv_error(-ENOEXEC, "setup header: kernel_alignment 0x%x is not a power of two",
				   bz->kernel_alignment);
	return 0;
}

/* Where everything goes. */
struct placement {
	uint64_t kernel;	/* load address = pref_address */
	uint64_t kernel_end;	/* end of what the kernel needs before it reads e820 */
	uint64_t initrd;
	size_t cmdline_len;	/* without the NUL */
};

/*
 * boot.rst, init_size: the kernel needs init_size bytes from its runtime
 * start, which for a relocatable kernel is the load address raised to
 * pref_address if below it, then aligned up to kernel_alignment, and for
 * any other kernel pref_address. So no load address puts a kernel lower
 * than pref_address, and loading it higher only needs more RAM: it goes
 * to pref_address (all of it must be RAM above 1 MiB).
 */
static int place_kernel(const struct bzimage *bz, const struct libhv_ram *ram,
			struct placement *at)
{
	uint64_t run = bz->pref_address;
	uint64_t end;

	if (bz->relocatable)
		run = align_up(run, bz->kernel_alignment);
	at->kernel = bz->pref_address;
	end = run + bz->init_size;
	if (end < at->kernel + bz->kernel_size)
		end = at->kernel + bz->kernel_size;
	at->kernel_end = end;
	if (at->kernel < LIBHV_1M || !libhv_ram_covers(ram, at->kernel, end - at->kernel))
		return libhv_error(-EFBIG, "the kernel needs RAM at [0x%llx, 0x%llx) (pref_address, init_size 0x%x); guest RAM below 4 GiB is [1 MiB, 0x%llx)",
				   (unsigned long long)at->kernel,
				   (unsigned long long)end, bz->init_size,
				   (unsigned long long)ram->low_size);
	return 0;
}

/*
 * As high as possible (boot.rst: the initrd's last byte at most at
 * initrd_addr_max), in low RAM, page aligned; below the kernel if it does
 * not fit above.
 */
static int place_initrd(const struct bzimage *bz, const struct libhv_ram *ram,
			size_t size, struct placement *at)
{
	uint64_t limit = (uint64_t)bz->initrd_addr_max + 1;

	if (limit > ram->low_size)
		limit = ram->low_size;
	if (size <= limit && align_down(limit - size, LIBHV_PAGE_SIZE) >= at->kernel_end) {
		at->initrd = align_down(limit - size, LIBHV_PAGE_SIZE);
		return 0;
	}
	if (limit > at->kernel)
		limit = at->kernel;
	if (limit >= LIBHV_1M && size <= limit - LIBHV_1M) {
		at->initrd = align_down(limit - size, LIBHV_PAGE_SIZE);
		return 0;
	}
	return libhv_error(-EFBIG, "the initrd (%zu bytes) does not fit in RAM below 0x%llx beside the kernel at [0x%llx, 0x%llx)",
			   size, (unsigned long long)bz->initrd_addr_max + 1,
			   (unsigned long long)at->kernel,
			   (unsigned long long)at->kernel_end);
}

static int place_cmdline(const struct bzimage *bz, const char *cmdline,
			 struct placement *at)
{
	size_t len = cmdline ? strlen(cmdline) : 0;
	uint64_t room = LIBHV_LINUX_CMDLINE_MAX - 1;

	if (bz->cmdline_size < room)
		room = bz->cmdline_size;
	if (len > room)
		return libhv_error(-E2BIG, "the command line is %zu bytes, the kernel takes at most %llu",
				   len, (unsigned long long)room);
	at->cmdline_len = len;
	return 0;
}

/* The zero page: header from the file, then what the loader must fill in. */
static int build_boot_params(const struct bzimage *bz,
			     const struct libhv_ram *ram, uint64_t rsdp,
			     const struct placement *at, size_t initrd_size,
			     uint8_t *bp)
{
	struct libhv_e820 map[LIBHV_E820_MAX];
	int n = libhv_e820_build(ram, map, LIBHV_E820_MAX);

	if (n < 0)
		return n;
	memset(bp, 0, BP_SIZE);
	memcpy(bp + HDR_SETUP_SECTS, bz->file + HDR_SETUP_SECTS,
	       bz->header_end - HDR_SETUP_SECTS);
	libhv_put16(bp, HDR_VID_MODE, VID_MODE_NORMAL);
	bp[HDR_TYPE_OF_LOADER] = LOADER_UNDEFINED;
	libhv_put32(bp, HDR_CODE32_START, (uint32_t)at->kernel);
	libhv_put32(bp, HDR_RAMDISK_IMAGE, (uint32_t)at->initrd);
	libhv_put32(bp, BP_EXT_RAMDISK_IMAGE, (uint32_t)(at->initrd >> 32));
	libhv_put32(bp, HDR_RAMDISK_SIZE, (uint32_t)initrd_size);
	libhv_put32(bp, BP_EXT_RAMDISK_SIZE, (uint32_t)((uint64_t)initrd_size >> 32));
	libhv_put32(bp, HDR_CMD_LINE_PTR, (uint32_t)LIBHV_LINUX_CMDLINE);
	libhv_put32(bp, BP_EXT_CMD_LINE_PTR, (uint32_t)(LIBHV_LINUX_CMDLINE >> 32));
	/* A plain PC, and no setup_data list: both fields are the loader's. */
	libhv_put32(bp, HDR_HARDWARE_SUBARCH, 0);
	libhv_put64(bp, HDR_SETUP_DATA, 0);
	if (bz->version >= PROTOCOL_RSDP)
		libhv_put64(bp, BP_ACPI_RSDP_ADDR, rsdp);
	bp[BP_E820_ENTRIES] = (uint8_t)n;
	for (int i = 0; i < n; i++) {
		uint8_t *e = bp + BP_E820_TABLE + i * BP_E820_ENTRY_SIZE;

		libhv_put64(e, 0, map[i].addr);
		libhv_put64(e, 8, map[i].size);
		libhv_put32(e, 16, map[i].type);
	}
	return 0;
}

static int write_images(struct hv_vm *vm, const struct bzimage *bz,
			const struct libhv_linux *img,
			const struct placement *at, const uint8_t *bp)
{
	int err;

	err = hv_vm_write(vm, at->kernel, bz->kernel, bz->kernel_size);
	if (!err && img->initrd_size)
		err = hv_vm_write(vm, at->initrd, img->initrd, img->initrd_size);
	if (!err)
		err = hv_vm_write(vm, LIBHV_LINUX_CMDLINE,
				  img->cmdline ? img->cmdline : "",
				  at->cmdline_len + 1);
	if (!err)
		err = hv_vm_write(vm, LIBHV_LINUX_BOOT_PARAMS, bp, BP_SIZE);
	return err;
}

int libhv_linux_load(struct hv_vm *vm, const struct libhv_ram *ram,
		     uint64_t rsdp, const struct libhv_linux *linux_image,
		     struct libhv_entry *entry)
{
	struct placement at = { 0 };
	struct bzimage bz = { 0 };
	struct hv_setup setup;
	uint8_t *bp;
	int err;

	if (linux_image->initrd_size && !linux_image->initrd)
		return libhv_error(-EINVAL, "initrd is NULL but initrd_size is %zu",
				   linux_image->initrd_size);
	err = parse_header(linux_image->kernel, linux_image->kernel_size, &bz);
	if (!err)
		err = place_kernel(&bz, ram, &at);
	if (!err && linux_image->initrd_size)
		err = place_initrd(&bz, ram, linux_image->initrd_size, &at);
	if (!err)
		err = place_cmdline(&bz, linux_image->cmdline, &at);
	if (err)
		return err;

	bp = malloc(BP_SIZE);
	if (!bp)
		return libhv_error(-ENOMEM, "no memory for boot_params");
	err = build_boot_params(&bz, ram, rsdp, &at, linux_image->initrd_size, bp);
	if (!err)
		err = write_images(vm, &bz, linux_image, &at, bp);
	free(bp);
	if (err)
		return err;

	/* boot.rst, 64-bit boot protocol: long mode, identity-mapped, IF off. */
	setup = (struct hv_setup){
		.mode = HV_MODE_LONG,
		.entry = at.kernel + ENTRY_64,
		.stack = LIBHV_LINUX_TABLES + HV_SETUP_TABLES_SIZE,
		.tables = LIBHV_LINUX_TABLES,
	};
	err = libhv_boot_state(vm, &linux_gdt, &setup, libhv_ram_end(ram), entry);
	if (err)
		return err;
	entry->regs.rsi = LIBHV_LINUX_BOOT_PARAMS;
	return 0;
}
