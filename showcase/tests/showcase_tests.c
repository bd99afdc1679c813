/*
 * showcase_tests.c - the showcase's listing of what a G, a TCB and a PCB
 * hold stays true: every byte of each struct is a listed field or padding.
 * (The showcase's measurements themselves are checked by the boot test that
 * runs it: showcase=yes, SHOWCASE lines.)
 */
#include <stddef.h>
#include <stdint.h>
#include "kernel/ktest.h"
#include "kernel/kprintf.h"
#include "showcase/showcase.h"

/* Adding a field to struct g, tcb or pcb without adding it to the lists in
 * showcase/showcase.c fails here (a renamed or removed one fails the build). */
KTEST(showcase_fields_complete)
{
	for (unsigned i = 0; i < SHOWCASE_NSTRUCTS; i++) {
		const struct showcase_struct *s = &showcase_structs[i];
		size_t un = showcase_unlisted_bytes(s);
		if (un)
			ktest_fail("%s: %lu bytes of fields are not listed in showcase/showcase.c",
				   s->ctype, (unsigned long)un);
		for (unsigned a = 0; a < s->nfields; a++)
			KTEST_ASSERT((size_t)s->fields[a].off + s->fields[a].size <= s->size);
	}
}

struct sc_sample {
	uint64_t a;
	uint8_t b;
	uint32_t c;      /* left out of the list below */
	uint16_t d;
	uint64_t e;
};

/* The checker sees a missing field, and does not count padding. */
KTEST(showcase_fields_checker)
{
	static const struct showcase_field all[] = {
		SHOWCASE_FIELD(sc_sample, a), SHOWCASE_FIELD(sc_sample, b),
		SHOWCASE_FIELD(sc_sample, c), SHOWCASE_FIELD(sc_sample, d),
		SHOWCASE_FIELD(sc_sample, e),
	};
	static const struct showcase_field some[] = {
		SHOWCASE_FIELD(sc_sample, e), SHOWCASE_FIELD(sc_sample, a),
		SHOWCASE_FIELD(sc_sample, b), SHOWCASE_FIELD(sc_sample, d),
	};
	struct showcase_struct s = { "S", "struct sc_sample", sizeof(struct sc_sample),
				     _Alignof(struct sc_sample), all, 5 };
	KTEST_ASSERT_EQ(showcase_unlisted_bytes(&s), 0);
	s.fields = some;
	s.nfields = 4;
	/* c left out: between b (ends at 9) and d (at 16) only 1 byte can be
	 * padding for d's 2-byte alignment, so 6 bytes are a missing field */
	KTEST_ASSERT_EQ(showcase_unlisted_bytes(&s), 16 - 10);
	s.nfields = 3;  /* c and d left out: b ends at 9, e (8-aligned) could be at 16 */
	KTEST_ASSERT_EQ(showcase_unlisted_bytes(&s), 24 - 16);
}
