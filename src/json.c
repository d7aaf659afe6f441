// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "json.h"

void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
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
