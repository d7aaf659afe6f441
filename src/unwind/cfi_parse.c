// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Reading the entries of .eh_frame and .debug_frame.
 *
 * The section is a target's file, so nothing in it is trusted: every length is checked
 * against the entry and the section, a read past the end only marks the reader bad, and an
 * entry that does not parse is skipped and counted. The work is two passes over the section
 * (the CIEs, then the FDEs, which need their CIE's pointer encoding) and a sort of the FDEs:
 * linear in its size but for the sort.
 */
#include <dwarf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "cfi_parse.h"

uint64_t cfi_reader__u8(struct cfi_reader *r)
{
	return cfi_reader__fixed(r, 1);
}

uint64_t cfi_reader__fixed(struct cfi_reader *r, unsigned bytes)
{
	uint64_t v = 0;

	if (r->bad || (size_t)(r->end - r->p) < bytes) {
		r->bad = true;
		return 0;
	}
	memcpy(&v, r->p, bytes); /* x86-64: little endian, as the file */
	r->p += bytes;
	return v;
}

static uint64_t leb(struct cfi_reader *r, bool is_signed)
{
	uint64_t v = 0;
	unsigned shift = 0;
	uint8_t b;

	do {
		if (r->bad || r->p >= r->end || shift >= 64) {
			r->bad = true;
			return 0;
		}
		b = *r->p++;
		v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
	} while (b & 0x80);
	if (is_signed && shift < 64 && (b & 0x40))
		v |= ~0ULL << shift;
	return v;
}

uint64_t cfi_reader__uleb(struct cfi_reader *r)
{
	return leb(r, false);
}

int64_t cfi_reader__sleb(struct cfi_reader *r)
{
	return (int64_t)leb(r, true);
}

static int64_t sign_extend(uint64_t v, unsigned bytes)
{
	unsigned shift = 64 - 8 * bytes;

	return (int64_t)(v << shift) >> shift;
}

uint64_t cfi_reader__ptr(struct cfi_reader *r, uint8_t enc)
{
	uint64_t field = r->base + (uint64_t)(r->p - r->start), v;

	switch (enc & 0x0f) {
	case DW_EH_PE_absptr: v = cfi_reader__fixed(r, 8); break;
	case DW_EH_PE_uleb128: v = cfi_reader__uleb(r); break;
	case DW_EH_PE_udata2: v = cfi_reader__fixed(r, 2); break;
	case DW_EH_PE_udata4: v = cfi_reader__fixed(r, 4); break;
	case DW_EH_PE_udata8: v = cfi_reader__fixed(r, 8); break;
	case DW_EH_PE_sleb128: v = cfi_reader__sleb(r); break;
	case DW_EH_PE_sdata2: v = sign_extend(cfi_reader__fixed(r, 2), 2); break;
	case DW_EH_PE_sdata4: v = sign_extend(cfi_reader__fixed(r, 4), 4); break;
	case DW_EH_PE_sdata8: v = cfi_reader__fixed(r, 8); break;
	default: r->bad = true; return 0;
	}
	/* what is relative to the text, data or function, or read through memory, is not known
	 * from the file alone */
	if ((enc & 0x70) == DW_EH_PE_pcrel)
		v += field;
	else if (enc & 0xf0)
		r->bad = true;
	return r->bad ? 0 : v;
}

/* One entry's bounds: [*body, *end) after its length, and its id. Returns false at the end
 * of the section (a zero terminator, or a length past it). */
struct entry {
	uint64_t offset, id, id_field;
	bool is64;
	const uint8_t *body, *end;
};

static bool next_entry(struct cfi_reader *r, struct entry *e)
{
	uint64_t len;

	e->offset = r->p - r->start;
	len = cfi_reader__fixed(r, 4);
	e->is64 = len == 0xffffffff;
	if (e->is64)
		len = cfi_reader__fixed(r, 8);
	else if (len >= 0xfffffff0)
		return false;
	if (r->bad || !len || len > (uint64_t)(r->end - r->p))
		return false;
	e->end = r->p + len;
	e->id_field = r->p - r->start;
	e->id = cfi_reader__fixed(r, e->is64 ? 8 : 4);
	e->body = r->p;
	r->p = e->end;
	return !r->bad;
}

static bool is_cie(const struct entry *e, bool eh)
{
	if (eh)
		return e->id == 0;
	return e->id == (e->is64 ? ~0ULL : 0xffffffffULL);
}

static struct cfi_reader sub_reader(const struct cfi_reader *sec, const uint8_t *p,
				    const uint8_t *end)
{
	return (struct cfi_reader){ .start = sec->start, .p = p, .end = end, .base = sec->base };
}

/* The augmentation string's letters this walker needs; false for one it cannot skip. */
static bool read_augmentation(struct cfi_reader *r, const char *aug, struct cfi_cie *c)
{
	const uint8_t *data_end;
	uint64_t len;

	if (!aug[0])
		return true;
	if (aug[0] != 'z')
		return false; /* GCC 2's "eh" and others without a length */
	len = cfi_reader__uleb(r);
	if (r->bad || len > (uint64_t)(r->end - r->p))
		return false;
	data_end = r->p + len;
	c->has_aug_data = true;
	for (const char *a = aug + 1; *a && !r->bad; a++) {
		if (*a == 'R')
			c->fde_enc = cfi_reader__u8(r);
		else if (*a == 'L')
			cfi_reader__u8(r);
		else if (*a == 'P')
			cfi_reader__ptr(r, cfi_reader__u8(r) & 0x7f); /* its value is not needed */
		else if (*a == 'S')
			c->signal = true;
		else if (*a != 'B' && *a != 'G')
			break; /* the length still says where the data ends */
	}
	r->p = data_end;
	return !r->bad;
}

static bool read_cie(const struct cfi_reader *sec, const struct entry *e, struct cfi_cie *c)
{
	struct cfi_reader r = sub_reader(sec, e->body, e->end);
	uint64_t version = cfi_reader__u8(&r);
	const char *aug;
	size_t aug_len;

	aug = (const char *)r.p;
	aug_len = strnlen(aug, r.end - r.p);
	if (r.bad || aug_len == (size_t)(r.end - r.p) || (version != 1 && version != 3 && version != 4))
		return false;
	r.p += aug_len + 1;
	memset(c, 0, sizeof(*c));
	c->offset = e->offset;
	c->fde_enc = DW_EH_PE_absptr;
	if (version == 4) {
		uint64_t addr_sz = cfi_reader__u8(&r);

		cfi_reader__u8(&r); /* segment selector size */
		if (addr_sz == 4)
			c->fde_enc = DW_EH_PE_udata4;
		else if (addr_sz != 8)
			return false;
	}
	c->code_align = cfi_reader__uleb(&r);
	c->data_align = cfi_reader__sleb(&r);
	if (version == 1)
		cfi_reader__u8(&r);
	else
		cfi_reader__uleb(&r); /* the return address register: rip on x86-64 */
	if (r.bad || !read_augmentation(&r, aug, c))
		return false;
	c->insns = r.p;
	c->insns_end = r.end;
	return true;
}

static const struct cfi_cie *find_cie(const struct cfi_entries *e, uint64_t offset, uint32_t *idx)
{
	size_t lo = 0, hi = e->cie_cnt;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (e->cies[mid].offset == offset) {
			*idx = mid;
			return &e->cies[mid];
		}
		if (e->cies[mid].offset < offset)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* false: skipped (malformed, or covering nothing) */
static bool read_fde(const struct cfi_reader *sec, const struct cfi_entries *es,
		     const struct entry *e, bool eh, struct cfi_fde *f)
{
	struct cfi_reader r = sub_reader(sec, e->body, e->end);
	uint64_t cie_off = eh ? e->id_field - e->id : e->id, range;
	const struct cfi_cie *c;

	if (eh && e->id > e->id_field)
		return false;
	c = find_cie(es, cie_off, &f->cie);
	if (!c)
		return false;
	f->pc = cfi_reader__ptr(&r, c->fde_enc);
	range = cfi_reader__ptr(&r, c->fde_enc & 0x0f);
	if (c->has_aug_data) {
		uint64_t len = cfi_reader__uleb(&r);

		if (len > (uint64_t)(r.end - r.p))
			return false;
		r.p += len;
	}
	if (r.bad || !range || f->pc + range < f->pc)
		return false;
	f->pc_end = f->pc + range;
	f->insns = r.p;
	f->insns_end = r.end;
	return true;
}

/* Grows *arr of elements of size sz to hold one more. */
static int reserve(void **arr, size_t cnt, size_t *cap, size_t sz)
{
	void *tmp;

	if (cnt < *cap)
		return 0;
	*cap = *cap ? *cap * 2 : 64;
	tmp = realloc(*arr, *cap * sz);
	if (!tmp)
		return -ENOMEM;
	*arr = tmp;
	return 0;
}

static int cmp_fde(const void *a, const void *b)
{
	const struct cfi_fde *x = a, *y = b;

	return x->pc < y->pc ? -1 : x->pc > y->pc;
}

int cfi_entries__read(struct cfi_entries *es, const uint8_t *buf, size_t sz, uint64_t addr,
		      bool eh)
{
	const struct cfi_reader sec = { .start = buf, .p = buf, .end = buf + sz, .base = addr };
	size_t cie_cap = 0, fde_cap = 0;
	struct cfi_reader r;
	struct entry e;

	memset(es, 0, sizeof(*es));
	es->sec = buf;
	es->sec_addr = addr;
	/* the CIEs first, in section order: sorted by offset for the FDEs to find */
	for (r = sec; next_entry(&r, &e);) {
		if (!is_cie(&e, eh))
			continue;
		if (reserve((void **)&es->cies, es->cie_cnt, &cie_cap, sizeof(*es->cies)))
			goto nomem;
		if (read_cie(&sec, &e, &es->cies[es->cie_cnt]))
			es->cie_cnt++;
		else
			es->bad_cnt++;
	}
	for (r = sec; next_entry(&r, &e);) {
		if (is_cie(&e, eh))
			continue;
		if (reserve((void **)&es->fdes, es->fde_cnt, &fde_cap, sizeof(*es->fdes)))
			goto nomem;
		if (read_fde(&sec, es, &e, eh, &es->fdes[es->fde_cnt]))
			es->fde_cnt++;
		else
			es->bad_cnt++;
	}
	if (es->fde_cnt)
		qsort(es->fdes, es->fde_cnt, sizeof(*es->fdes), cmp_fde);
	return 0;
nomem:
	cfi_entries__free(es);
	return -ENOMEM;
}

void cfi_entries__free(struct cfi_entries *es)
{
	free(es->cies);
	free(es->fdes);
	memset(es, 0, sizeof(*es));
}
