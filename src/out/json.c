// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "escape.h"
#include "json.h"

/* Names come from targets: escape_write_json also escapes DEL, C1 and invalid UTF-8. */
void json_string(FILE *f, const char *s)
{
	escape_write_json(f, s);
}

void json_frames(FILE *f, const struct profile *p, const struct stack *s)
{
	bool first = true;

	fputc('[', f);
	for (uint32_t i = 0; i < s->loc_cnt; i++) {
		const struct location *loc = profile__location(p, s->locs[i]);

		for (uint32_t j = 0; j < loc->frame_cnt; j++) {
			fputs(first ? "" : ", ", f);
			json_string(f, loc->frames[j].func);
			first = false;
		}
	}
	if (s->truncated)
		fprintf(f, "%s\"[truncated]\"", first ? "" : ", ");
	fputc(']', f);
}
