/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What memsnoop needs of the machine, checked before anything is loaded. */
#ifndef MEMSNOOP_PREFLIGHT_H
#define MEMSNOOP_PREFLIGHT_H

/* Privileges, BTF and uprobe support. Says what is missing on stderr; 0 or -EPERM/-ENOTSUP. */
int preflight_check(void);

#endif /* MEMSNOOP_PREFLIGHT_H */
