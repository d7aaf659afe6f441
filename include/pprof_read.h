/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Reading pprof profiles (ours or anyone's, gzipped or not) for `memsnoop diff`: decoded
 * with protobuf-c, then checked so that every index a reader follows is in range.
 */
#ifndef MEMSNOOP_PPROF_READ_H
#define MEMSNOOP_PPROF_READ_H

#include <stddef.h>
#include "profile.pb-c.h"

#define PPROF_MAX_SZ (1ULL << 30) /* decompressed: a bigger "profile" is refused */
/* decompressed at most this many times the compressed size (real profiles: under 20), */
#define PPROF_MAX_RATIO 64
/* ... unless it stays under this */
#define PPROF_MIN_LIMIT (16ULL << 20)

typedef Perftools__Profiles__Profile PprofProfile;

/*
 * Decodes and validates a profile. Returns 0, or -EINVAL with why in err (one line, no
 * newline); -ENOMEM. *out is freed with pprof_free().
 */
int pprof_read_buffer(const void *data, size_t len, PprofProfile **out, char *err, size_t err_sz);
int pprof_read_file(const char *path, PprofProfile **out, char *err, size_t err_sz);
void pprof_free(PprofProfile *p);

#endif /* MEMSNOOP_PPROF_READ_H */
